"""CSV export of a whole result set: the search page's parameters, all matches, the page's order."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace

from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from search.index import get_backend
from search.query.params import SearchParams
from search.query.passages import Source, passage_counts
from search.query.results import checked
from search.store.models import Article, ArticleActor

CHUNK = 2000
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
    "shared_passages_cross_outlet",  # of them, those two or more known outlets carry (search.query.reuse)
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
    """CSV rows for the hits, in their order: flat value queries per chunk, no model instances."""
    article_url = base_url + reverse("search:article", args=[0]).replace("/0/", "/{}/")
    for start in range(0, len(hits), CHUNK):
        chunk = hits[start : start + CHUNK]
        ids = [pk for pk, _ in chunk]
        articles = {
            row[0]: row
            for row in Article.objects.filter(id__in=ids, hidden=False)
            .order_by()
            .values_list("id", "title", "outlet__name", "published", "authors", "url")
        }
        actors: dict[int, list[str]] = defaultdict(list)
        links = ArticleActor.objects.filter(article_id__in=ids).order_by("article_id", "-mentions", "actor__name")
        for article_id, name in links.values_list("article_id", "actor__name"):
            actors[article_id].append(name)
        sharing = passage_counts(list(articles))
        for pk, score in chunk:
            row = articles.get(pk)
            if row is None:
                continue
            _, title, outlet, published, authors, url = row
            shared, source, cross = sharing.get(pk, (0, None, 0))
            yield [
                str(pk),
                title,
                outlet or "",
                published.isoformat() if published else "",
                "; ".join(authors or []),
                url,
                "; ".join(actors.get(pk, ())),
                "" if score is None else f"{score:.4f}",
                str(shared),
                str(cross),
                _source(source, article_url),
                article_url.format(pk),
            ]


def _source(source: Source | None, article_url: str) -> str:
    """The earliest carrier of the article's most shared passage: 'Outlet (date) URL'."""
    if source is None:
        return ""
    when = source.published.isoformat() if source.published else "undated"
    return f"{source.outlet_name or 'Unknown outlet'} ({when}) {article_url.format(source.article_id)}"


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
