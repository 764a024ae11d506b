"""Saved searches at import time, and the webhook queue.

When an import has stored and indexed new articles, every saved search is run over THOSE
articles only: the search is restricted to their ids (SearchQuery.within), which costs what the
new articles cost, not the archive, on both engines. Matches are recorded (the /saved/ counts and
the Atom feeds read them) and, for searches with a webhook, a delivery is queued in the database.
`deliver_due()` (poll_sources runs it every round) POSTs queued deliveries, retrying failures
with exponential backoff until MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
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


def match_new(article_ids: Iterable[int], searches: list[SavedSearch] | None = None) -> dict[int, list[int]]:
    """Run every saved search (or these) over these articles only: {saved search id: matching
    article ids}. The articles are in the index already (the importer, or background enrichment,
    has applied their index work)."""
    started = time.perf_counter()
    ids = tuple(sorted(set(article_ids)))
    searches = list(SavedSearch.objects.only("pk", "query")) if searches is None else searches
    if not ids or not searches:
        return {}
    queries = [
        replace(saved_params(saved).search_query(offset=0, limit=len(ids), facets=False), collapse=False, within=ids)
        for saved in searches
    ]
    found: dict[int, list[int]] = {}
    for saved, results in zip(searches, get_backend().search_many(queries), strict=True):
        if results.hits:
            found[saved.pk] = [hit.article_id for hit in results.hits]
    LAST_STATS.update(articles=len(ids), searches=len(searches), total_s=time.perf_counter() - started)
    return found


def record_matches(found: dict[int, list[int]]) -> int:
    """Store the matches and queue a webhook delivery per saved search that has one. Returns the matches."""
    if not found:
        return 0
    now = timezone.now()
    hooked = {s.pk: s for s in SavedSearch.objects.filter(pk__in=found).exclude(webhook_url="")}
    wanted = {a for pk in hooked for a in found[pk]}  # only webhook payloads need the articles
    articles = {a.pk: a for a in Article.objects.filter(pk__in=wanted).select_related("outlet")} if wanted else {}
    rows = [SavedSearchMatch(saved_search_id=sid, article_id=aid, matched_at=now) for sid, ids in found.items() for aid in ids]
    with transaction.atomic():
        SavedSearchMatch.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        deliveries = [
            Delivery(saved_search=saved, url=saved.webhook_url, payload=webhook_payload(saved, [articles[a] for a in found[pk] if a in articles]))
            for pk, saved in hooked.items()
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


def on_actors_found(sender: object, article_ids: frozenset[int], **kwargs: object) -> None:
    """Background enrichment gave articles imported with --enrich=later their actors: the saved
    searches filtered by actor run over them now (those without an actor filter did at import);
    matches recorded before are not recorded or delivered again."""
    try:
        by_actor = [saved for saved in SavedSearch.objects.all() if saved_params(saved).actor]
        if not by_actor:
            return
        found = match_new(article_ids, by_actor)
        known = set(SavedSearchMatch.objects.filter(saved_search_id__in=list(found), article_id__in=article_ids).values_list("saved_search_id", "article_id"))
        fresh = {pk: [a for a in ids if (pk, a) not in known] for pk, ids in found.items()}
        record_matches({pk: ids for pk, ids in fresh.items() if ids})
    except Exception:  # noqa: BLE001
        log.exception("saved searches by actor could not be run over %d enriched articles", len(article_ids))


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
