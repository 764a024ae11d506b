"""Index: the search-engine contract (base), query-text preparation (querytext), the outbox of
index work, and one package per engine (whoosh, postgres)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from search.index.base import SearchBackend


@lru_cache(maxsize=8)
def _load(backend_path: str, index_path: str) -> SearchBackend:
    try:
        cls = import_string(backend_path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"NEWSINDEX_SEARCH BACKEND {backend_path!r} cannot be imported: {exc}") from exc
    return cls(index_path)


def get_backend() -> SearchBackend:
    """The configured engine (settings.NEWSINDEX_SEARCH), one instance per process and path."""
    config = settings.NEWSINDEX_SEARCH
    return _load(config["BACKEND"], str(config["PATH"]))
