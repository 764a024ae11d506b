from __future__ import annotations

from django.urls import path

from search.web import check, coverage, duplicates, export, passages, saved, views

# The JSON API (/api/...) is django-ninja's: search/web/api_site.py

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("articles/<int:article_id>/", views.article_page, name="article"),
    path("compare/<int:left_id>/<int:right_id>/", views.compare_page, name="compare"),
    path("duplicates/", duplicates.duplicates_page, name="duplicates"),
    path("export.csv", export.export_csv, name="export-csv"),
    path("passages/<int:group_id>/", passages.passage_page, name="passage"),
    path("coverage/", coverage.coverage_page, name="coverage"),
    # Monitoring (search.web.check, search.web.saved)
    path("check/", check.check_page, name="check"),
    path("saved/", saved.saved_list, name="saved"),
    path("saved/new", saved.saved_new, name="saved-new"),
    path("saved/<int:saved_id>/", saved.saved_open, name="saved-open"),
    path("saved/<int:saved_id>/edit", saved.saved_edit, name="saved-edit"),
    path("saved/<int:saved_id>/delete", saved.saved_delete, name="saved-delete"),
    path("saved/<int:saved_id>/token", saved.saved_new_token, name="saved-token"),
    path("saved/feed/<str:token>.atom", saved.saved_feed, name="saved-feed"),
    path("follow/", saved.follow_passage, name="follow"),
    path("follow/feed/<str:token>.atom", saved.passage_feed, name="passage-feed"),
]
