"""Access to a private archive (NEWSINDEX_LOGIN_REQUIRED=1).

One middleware decides for every view:
- an `Authorization: Bearer <key>` header on the JSON API or the CSV export is checked against
  the API tokens (a wrong or revoked key is a 401 whatever the setting);
- with NEWSINDEX_LOGIN_REQUIRED on, every other view needs a logged-in user holding the
  `search.read_archive` permission (the readers and curators groups). Pages redirect to the
  login page; the API answers 401/403 in its error envelope. The login page, static files and
  the admin's own login stay reachable; the admin keeps its own staff and model permissions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.security import HttpBearer

from search.store.access import READ_PERMISSION, user_for_key

API_PREFIX = "/api/"
EXPORT_PATH = "/export.csv"
NOT_LOGGED_IN = "Log in, or send an API token: 'Authorization: Bearer <token>'."
NO_ROLE = "This account has no role in the archive: ask an administrator to add it to the readers."
BAD_TOKEN = "The API token is unknown or revoked."


def login_required() -> bool:
    return bool(getattr(settings, "NEWSINDEX_LOGIN_REQUIRED", False))


def api_error(status: int, message: str) -> JsonResponse:
    """The API's one error shape: {"ok": false, "error": "...", "status": N}."""
    response = JsonResponse({"ok": False, "error": message, "status": status}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="newsindex"'
    return response


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def takes_token(request: HttpRequest) -> bool:
    """Bearer tokens are for scripts: the JSON API and the CSV export, nothing else."""
    return is_api(request) or request.path_info == EXPORT_PATH


def bearer_key(request: HttpRequest) -> str | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else None


class PrivateArchiveMiddleware(LoginRequiredMiddleware):
    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        if takes_token(request) and (key := bearer_key(request)) is not None:
            user = user_for_key(key)
            if user is None:
                return api_error(401, BAD_TOKEN)
            request.user = user
        if not login_required() or not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and "admin" in match.namespaces:
            return super().process_view(request, view_func, view_args, view_kwargs)  # the admin checks the rest
        if not request.user.is_authenticated:
            return api_error(401, NOT_LOGGED_IN) if is_api(request) else self.handle_no_permission(request, view_func)
        if not request.user.has_perm(READ_PERMISSION):
            if is_api(request):
                return api_error(403, NO_ROLE)
            raise PermissionDenied(NO_ROLE)
        return None


class ArchiveAccess(HttpBearer):
    """The JSON API's security scheme in the OpenAPI document; PrivateArchiveMiddleware has
    already checked the token and the login, this only repeats the decision for django-ninja."""

    def __call__(self, request: HttpRequest) -> Any:
        if request.user.is_authenticated:
            return request.user
        return "anonymous" if not login_required() else None

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return None  # tokens are checked by the middleware, before any view
