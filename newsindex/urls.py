"""Top-level URLs: the admin, logging in and out, the JSON API and the search app."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from search.web.api_site import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=False), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),  # every JSON endpoint and /api/schema: search/web/api_site.py
    path("", include("search.web.urls")),
]
