"""Reads from a streaming replica (DATABASE_REPLICA_URL), writes to the primary.

Only GET/HEAD requests for the read-only pages (READ_ONLY_VIEWS) read from the replica, and only
until something writes: the first write of a request (a session saved, a token's last use noted)
sends the rest of that request's reads to the primary, so a request never reads back less than it
wrote. Reads inside a transaction on the primary stay there too. A response to a request that wrote
(or any POST, PUT, PATCH, DELETE) sets a short-lived cookie that keeps that browser's next requests
on the primary for PIN_SECONDS, normally long enough for the replica to replay the write: a curator who
hides an article and opens the search page never sees it come back. Everything outside a request
(management commands, the importer, the index worker) and every other page (the admin above all)
reads and writes the primary; migrations run on the primary only (the replica copies them).

When a read from the replica fails (the replica is down, or a query was cancelled by a conflict
with replay), the page is served again from the primary, and this process reads from the primary
for RETRY_SECONDS before it tries the replica again: a replica never causes an error page.

With no DATABASE_REPLICA_URL the router is not installed and the middleware does nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

log = logging.getLogger(__name__)
REPLICA = "replica"
RETRY_SECONDS = 30
PIN_COOKIE = "newsindex_primary"
PIN_SECONDS = 10
SAFE_METHODS = frozenset({"GET", "HEAD"})
# URL names of the pages that only read. A page missing here reads from the primary: the safe side.
READ_ONLY_VIEWS = frozenset(
    {
        "search:search",
        "search:article",
        "search:compare",
        "search:duplicates",
        "search:export-csv",
        "api:api-search",
        "api:api-article",
        "search:passage",
        "search:coverage",
        "api:api-passages",
        "api:api-passage",
        "api:api-compare",
        "api:api-coverage",
    }
)


@dataclass
class RequestReads:
    """Where this request's reads go: the replica while `replica` and nothing has been written."""

    replica: bool = False
    wrote: bool = False


_OUTSIDE = RequestReads()  # outside a request: primary only, never changed
_state: ContextVar[RequestReads] = ContextVar("newsindex_request_reads", default=_OUTSIDE)
_replica_failed_at: float | None = None  # monotonic time of this process's last failed replica read


def replica_configured() -> bool:
    return REPLICA in connections.settings


def reads_from_replica(request: HttpRequest) -> bool:
    """Whether this request may read from the replica: a GET/HEAD of a read-only page, not pinned."""
    if request.method not in SAFE_METHODS or request.COOKIES.get(PIN_COOKIE):
        return False
    if _replica_failed_at is not None and time.monotonic() - _replica_failed_at < RETRY_SECONDS:
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in READ_ONLY_VIEWS


class ReplicaRouter:
    """Django database router: see the module docstring."""

    def __init__(self, replica: str = REPLICA) -> None:
        self.replica = replica

    def db_for_read(self, model: type, **hints: Any) -> str:
        state = _state.get()
        if state.replica and not state.wrote and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return self.replica
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        state = _state.get()
        if state is not _OUTSIDE:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # both aliases hold the same rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaMiddleware:
    """Decides per request where reads go (first in MIDDLEWARE, so sessions and users follow)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse], active: bool | None = None) -> None:
        self.get_response = get_response
        self.active = replica_configured() if active is None else active

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.active:
            return self.get_response(request)
        state = RequestReads(replica=reads_from_replica(request))
        _state.set(state)  # reset by request_finished, after a streamed body (the CSV export) is sent
        response = self.get_response(request)
        if state.wrote or request.method not in SAFE_METHODS:
            response.set_cookie(PIN_COOKIE, "1", max_age=PIN_SECONDS, httponly=True, samesite="Lax")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A read-only page whose replica read failed: serve it again from the primary."""
        global _replica_failed_at
        state = _state.get()
        if not (self.active and state.replica and isinstance(exception, OperationalError) and request.resolver_match):
            return None
        _replica_failed_at = time.monotonic()
        log.warning("reading from the replica failed (%s): reading from the primary for %d s", str(exception).strip(), RETRY_SECONDS)
        state.replica = False
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)


def _request_done(**_kwargs: Any) -> None:
    _state.set(_OUTSIDE)


request_finished.connect(_request_done, dispatch_uid="newsindex.routers.request_done")

