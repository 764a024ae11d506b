"""Saved searches at import time, and the webhook queue.

When an import has stored new articles, every saved search is run over THOSE articles only: with
an engine that indexes in the articles' own transaction (PostgreSQL) the search is restricted to
their ids (SearchQuery.within); otherwise they are put in a scratch index of the same engine and
schema (a temporary folder), and each saved search's query and filters run there. Matches are recorded (the /saved/ counts and the Atom
feeds read them) and, for searches with a webhook, a delivery is queued in the database.
`deliver_due()` (poll_sources runs it every round) POSTs queued deliveries, retrying failures
with exponential backoff until MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from search.fetch.http import Fetcher, FetchError
from search.index import get_backend
from search.index.documents import document_for, indexable
from search.monitor.models import Delivery, SavedSearch, SavedSearchMatch
from search.query.params import SearchParams
from search.store.models import Article

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # a webhook that keeps failing is given up after this many tries
FIRST_RETRY = 60.0  # seconds; doubled at every failure, at most MAX_RETRY
MAX_RETRY = 6 * 3600.0
LAST_STATS: dict[str, float] = {}  # the last match_new() run's figures (benchmarks read them)


def saved_params(saved: SavedSearch) -> SearchParams:
    return SearchParams.from_query(QueryDict(saved.query))


def match_new(article_ids: Iterable[int]) -> dict[int, list[int]]:
    """Run every saved search over these articles only: {saved search id: matching article ids}."""
    started = time.perf_counter()
    ids = sorted(set(article_ids))
    searches = list(SavedSearch.objects.all())
    if not ids or not searches:
        return {}
    docs = [document_for(a) for a in indexable(Article.objects.filter(id__in=ids, hidden=False))]
    if not docs:
        return {}
    backend = get_backend()
    found: dict[int, list[int]] = {}
    if backend.transactional:  # the new articles are in the engine already: search among them there
        for saved in searches:
            query = replace(saved_params(saved).search_query(offset=0, limit=len(docs), facets=False), collapse=False, within=tuple(ids))
            hits = [hit.article_id for hit in backend.search(query).hits]
            if hits:
                found[saved.pk] = hits
        LAST_STATS.update(articles=len(docs), searches=len(searches), index_s=0.0, total_s=time.perf_counter() - started)
        return found
    engine = type(backend)
    ram = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None  # a RAM disk when there is one
    with tempfile.TemporaryDirectory(prefix="newsindex-alerts-", dir=ram) as folder:
        scratch = engine(folder, prepare_on_commit=False)  # searched once: nothing to prepare
        writer = scratch.open_writer()
        writer.update(docs)
        writer.commit()
        indexed = time.perf_counter()
        for saved in searches:
            query = replace(saved_params(saved).search_query(offset=0, limit=len(docs), facets=False), collapse=False)
            hits = [hit.article_id for hit in scratch.search(query).hits]
            if hits:
                found[saved.pk] = hits
    LAST_STATS.update(articles=len(docs), searches=len(searches), index_s=indexed - started, total_s=time.perf_counter() - started)
    return found


def record_matches(found: dict[int, list[int]]) -> int:
    """Store the matches and queue a webhook delivery per saved search that has one. Returns the matches."""
    if not found:
        return 0
    now = timezone.now()
    searches = {s.pk: s for s in SavedSearch.objects.filter(pk__in=found)}
    articles = {a.pk: a for a in Article.objects.filter(pk__in={a for ids in found.values() for a in ids}).select_related("outlet")}
    rows = [SavedSearchMatch(saved_search_id=sid, article_id=aid, matched_at=now) for sid, ids in found.items() for aid in ids]
    with transaction.atomic():
        SavedSearchMatch.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        deliveries = [
            Delivery(saved_search=saved, url=saved.webhook_url, payload=webhook_payload(saved, [articles[a] for a in found[pk] if a in articles]))
            for pk, saved in searches.items()
            if saved.webhook_url
        ]
        Delivery.objects.bulk_create(deliveries)
    return len(rows)


def absolute(path: str) -> str:
    return settings.NEWSINDEX_PUBLIC_URL.rstrip("/") + path


def article_json(article: Article) -> dict[str, object]:
    return {
        "id": article.pk,
        "title": article.title,
        "outlet": article.outlet_name,
        "published": article.published.isoformat() if article.published else None,
        "url": article.url or None,
        "article_url": absolute(reverse("search:article", args=[article.pk])),
    }


def webhook_payload(saved: SavedSearch, articles: list[Article]) -> dict[str, object]:
    return {
        "saved_search": {"id": saved.pk, "name": saved.name, "query": saved.query},
        "search_url": absolute(reverse("search:search") + ("?" + saved.query if saved.query else "")),
        "new_matches": len(articles),
        "articles": [article_json(a) for a in articles],
    }


def on_articles_imported(sender: object, article_ids: frozenset[int], **kwargs: object) -> None:
    """The importer's signal: alerts never make an import fail (a problem is logged)."""
    try:
        record_matches(match_new(article_ids))
    except Exception:  # noqa: BLE001
        log.exception("saved searches could not be run over the %d new articles", len(article_ids))


# --- the webhook queue -----------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1)))


def deliver_due(fetcher: Fetcher, limit: int = 100) -> tuple[int, int]:
    """POST the deliveries that are due. Returns (delivered, failed this time)."""
    delivered = failed = 0
    now = timezone.now()
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at", "id")[:limit]
    for delivery in due:
        body = json.dumps(delivery.payload).encode()
        delivery.attempts += 1
        try:
            fetcher.request(
                "POST", delivery.url, headers={"Content-Type": "application/json"}, body=body, robots=False
            )
        except FetchError as exc:
            failed += 1
            delivery.last_error = str(exc)[:2000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
            else:
                delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        else:
            delivered += 1
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
        delivery.save()
    return delivered, failed
