"""Django finds the app's models here; they live in search.store.models."""

from __future__ import annotations

from search.store.models import Article, DatePrecision, IndexTask, Outlet, Paragraph

__all__ = ["Article", "DatePrecision", "IndexTask", "Outlet", "Paragraph"]
