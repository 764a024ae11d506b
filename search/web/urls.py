from __future__ import annotations

from django.urls import path

from search.web import duplicates, export, views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("articles/<int:article_id>/", views.article_page, name="article"),
    path("compare/<int:left_id>/<int:right_id>/", views.compare_page, name="compare"),
    path("duplicates/", duplicates.duplicates_page, name="duplicates"),
    path("export.csv", export.export_csv, name="export-csv"),
]
