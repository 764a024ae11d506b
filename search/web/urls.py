from __future__ import annotations

from django.urls import path

from search.web import api, coverage, duplicates, export, passages, views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("articles/<int:article_id>/", views.article_page, name="article"),
    path("compare/<int:left_id>/<int:right_id>/", views.compare_page, name="compare"),
    path("duplicates/", duplicates.duplicates_page, name="duplicates"),
    path("export.csv", export.export_csv, name="export-csv"),
    path("passages/<int:group_id>/", passages.passage_page, name="passage"),
    path("coverage/", coverage.coverage_page, name="coverage"),
    path("api/search", api.search_api, name="api-search"),
    path("api/passages", passages.passages_api, name="api-passages"),
    path("api/passages/<int:group_id>", passages.passage_api, name="api-passage"),
    path("api/compare/<int:left_id>/<int:right_id>", passages.compare_api, name="api-compare"),
    path("api/coverage", coverage.coverage_api, name="api-coverage"),
    path("api/articles/<int:article_id>", api.article_api, name="api-article"),
]
