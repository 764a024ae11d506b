"""The JSON API under /api/: django-ninja, its OpenAPI document at /api/schema, one error shape.

Adding an endpoint: write a function in a router module (see search/web/api.py), declare its
query parameters and a response Schema with `response={200: MySchema, **ERRORS}`, and mount the
router below with `api.add_router("", router)`. It then appears in /api/schema, is checked by
tests/web/test_api_schema.py (schemathesis), and is protected like the rest of the API
(search/web/access.py: login or `Authorization: Bearer` token when the archive is private).
Every JSON endpoint lives here, none in search/web/urls.py, so /api/schema describes them all.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from search.web import api as articles
from search.web import api_coverage, api_monitor, api_passages
from search.web.access import NOT_LOGGED_IN, ArchiveAccess, api_error

api = NinjaAPI(
    title="newsindex",
    version="1",
    description=(
        "Search and read the archive. Parameters follow the search page's scheme; bad values are "
        "ignored with a note in `messages`. When the archive is private (NEWSINDEX_LOGIN_REQUIRED=1) "
        "send `Authorization: Bearer <token>` (tokens are created in the admin) or a logged-in session."
    ),
    openapi_url="/schema",
    docs_url=None,  # the Swagger page needs inline scripts, which the Content-Security-Policy forbids
    urls_namespace="api",
    auth=ArchiveAccess(),
)
api.add_router("", articles.router)
api.add_router("", api_passages.router)
api.add_router("", api_coverage.router)
api.add_router("", api_monitor.router)


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api_error(401, NOT_LOGGED_IN)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api_error(exc.status_code, str(exc))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api_error(404, str(exc) or "Not found")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = "; ".join(f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}" for error in exc.errors)
    return api_error(422, f"Invalid request: {problems}")
