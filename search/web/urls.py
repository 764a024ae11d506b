from __future__ import annotations

from django.urls import path

from search.web import api, views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("articles/<int:article_id>/", views.article_page, name="article"),
    path("api/search", api.search_api, name="api-search"),
]
