"""CSV export of a whole result set: the search page's parameters, all matches, the page's order."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import replace

from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from search.index import get_backend
from search.query.params import SearchParams
from search.query.passages import passage_counts
from search.query.results import checked
from search.store.models import Article, ArticleActor
from django.db.models import Prefetch

CHUNK = 500
COLUMNS = [
    "id",
    "title",
    "outlet",
    "published",
    "authors",
    "url",
    "actors",
    "score",
    "shared_passages",
    "earliest_source",
    "article_url",
]
# A spreadsheet treats a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def export_hits(params: SearchParams) -> tuple[int, list[tuple[int, float | None]]]:
    """(total, [(article id, score)]) of every match, in the search page's order."""
    backend = get_backend()
    first = backend.search(replace(params, page=1).search_query(offset=0, limit=0, facets=False))
    results = backend.search(replace(params, page=1).search_query(offset=0, limit=first.total, facets=False))
    return results.total, [(hit.article_id, hit.score) for hit in results.hits]


def _rows(hits: list[tuple[int, float | None]], base_url: str) -> Iterator[list[str]]:
    for start in range(0, len(hits), CHUNK):
        chunk = hits[start : start + CHUNK]
        articles = Article.objects.filter(id__in=[pk for pk, _ in chunk], hidden=False).select_related("outlet").prefetch_related(
            Prefetch("actor_links", queryset=ArticleActor.objects.select_related("actor").order_by("-mentions", "actor__name"))
        ).in_bulk()
        sharing = passage_counts(list(articles))
        for pk, score in chunk:
            article = articles.get(pk)
            if article is None:
                continue
            yield [
                str(article.pk),
                article.title,
                article.outlet_name,
                article.published.isoformat() if article.published else "",
                "; ".join(article.authors or []),
                article.url,
                "; ".join(link.actor.name for link in article.actor_links.all()),
                "" if score is None else f"{score:.4f}",
                str(sharing.get(pk, (0, None))[0]),
                _source(sharing.get(pk, (0, None))[1], base_url),
                base_url + reverse("search:article", args=[article.pk]),
            ]


def _source(article: Article | None, base_url: str) -> str:
    """The earliest carrier of the article's most shared passage: 'Outlet (date) URL'."""
    if article is None:
        return ""
    when = article.published.isoformat() if article.published else "undated"
    return f"{article.outlet_name or 'Unknown outlet'} ({when}) {base_url}{reverse('search:article', args=[article.pk])}"


def filename(params: SearchParams) -> str:
    words = re.sub(r"[^\w]+", "-", params.q.lower()).strip("-")[:40] or "all"
    return f"newsindex-{words}-{timezone.now():%Y%m%d-%H%M%S}.csv"


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    params, _, _ = checked(SearchParams.from_query(request.GET))
    total, hits = export_hits(params)
    writer = csv.writer(_Echo())
    base_url = request.build_absolute_uri("/").rstrip("/")

    def stream() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(COLUMNS)  # byte-order mark: spreadsheets then read UTF-8
        for row in _rows(hits, base_url):
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(params)}"'
    response["X-Total-Count"] = str(total)
    return response
