"""What the store tells the rest of the app: `articles_imported(article_ids)` after an import has
stored and indexed new articles (saved searches look at them: search.monitor.alerts)."""

from __future__ import annotations

from django.dispatch import Signal

articles_imported = Signal()  # kwargs: article_ids (frozenset[int])
# After background enrichment (search.store.enrichment) gave these articles their actors.
actors_found = Signal()  # kwargs: article_ids (frozenset[int])
