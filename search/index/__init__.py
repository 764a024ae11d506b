"""Index: the search-engine contract (base), query-text preparation (querytext), the outbox of
index work, and one package per engine (whoosh, postgres)."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
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


def warm_in_background() -> threading.Thread:
    """Warm the engine (SearchBackend.warm) in a thread, so a new web worker serves at once and
    its first user does not pay for loading the facet arrays. A failure is only logged."""

    from search.index.base import IndexUnavailable

    def run() -> None:
        try:
            get_backend().warm()
        except IndexUnavailable:
            pass  # nothing indexed yet: nothing to prepare
        except Exception:  # noqa: BLE001 (a cold start is only slower, never an error)
            logging.getLogger(__name__).exception("warming the search engine failed; the first search will do it")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="newsindex-warm", daemon=True)
    thread.start()
    return thread
