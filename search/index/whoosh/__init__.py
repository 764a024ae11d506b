"""The embedded engine: Whoosh (an index folder beside the SQLite database)."""

from __future__ import annotations

from search.index.whoosh.backend import WhooshBackend

__all__ = ["WhooshBackend"]
