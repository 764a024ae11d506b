"""JSON API: the same SearchParams and the same data path as the search page.

The endpoints are django-ninja operations so that /api/schema describes them (search/web/api_site.py
mounts this router). The declared query parameters document the scheme; the values are still
read by SearchParams.from_query from request.GET, so the page, the export and the API parse
them the same way and a bad value is a message, never a 422.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status

from search.query.params import SearchParams
from search.query.passages import SharingSummary
from search.query.results import run_search
from search.query.reuse import Reuse
from search.store import enrichment
from search.store.models import Article, ArticleActor, Paragraph
from search.web.api_schemas import ERRORS, Error

router = Router(tags=["articles"])
MAX_ID = 2**63 - 1  # the largest id a database column holds: bigger ones are a 422, not a crash


class Shared(Schema):
    """The result row's "N passages shared with M other articles", counted by search.query.reuse's rule."""

    passages: int = Field(description="passages of this article that other visible articles carry")
    articles: int = Field(description="other visible articles carrying any of them")
    across_outlets: int = Field(description="of the passages, those two or more known outlets carry")
    one_outlet: int = Field(description="of the passages, those one known outlet carries, every copy naming it")
    outlets_unknown: int = Field(description="of the passages, the rest: some copies name no outlet")
    passage_ids: list[int] = Field(description="ids for /api/passages/<id>")


class Hit(Schema):
    id: int
    title: str
    outlet: str | None
    published: dt.date | None
    authors: list[str]
    url: str | None
    score: float | None = Field(description="relevance score; null when sorted by date")
    snippet_html: str = Field(description="escaped text with <mark> around matched words")
    article_url: str
    shared: Shared | None = Field(None, description="null when the article shares no passage")


class OutletCount(Schema):
    value: str
    count: int
    selected: bool
    excluded: bool


class ActorCount(Schema):
    value: int = Field(description="the actor id, as used by the actor parameter")
    name: str
    kind: str
    count: int
    selected: bool
    excluded: bool


class DateBucket(Schema):
    start: dt.date
    end: dt.date
    count: int


class DateCounts(Schema):
    granularity: str
    buckets: list[DateBucket]
    undated: int


class Facets(Schema):
    """Counts over all matching articles; empty ({}) when no facets were counted."""

    outlet: list[OutletCount] = Field(default_factory=list)
    actor: list[ActorCount] = Field(default_factory=list)
    date: DateCounts | None = None
    partial: bool = Field(False, description="the facet time budget ran out: counts are over the first `counted` matches")
    counted: int | None = Field(None, description="how many matches the facets counted")


class Enrichment(Schema):
    """Articles imported with --enrich=later whose actors or shared passages are still coming."""

    articles: int = Field(description="articles in the archive")
    actors_pending: int = Field(description="articles whose actors are not extracted yet (absent from the actor facet)")
    actors_percent: int = Field(description="share of the articles with their actors, rounded down")
    passages_pending: int = Field(description="articles not yet compared for shared passages")
    message: str


class SearchResponse(Schema):
    ok: bool
    query: dict[str, str] = Field(description="the parameters as understood (defaults left out)")
    total: int
    page: int
    pages: int
    messages: list[str] = Field(description="how the query and the parameters were read; bad values are ignored with a message here")
    facets: Facets
    enrichment: Enrichment | None = Field(description="background enrichment under way; null when every article has its actors and passages")
    hits: list[Hit]


class ActorMention(Schema):
    id: int
    name: str
    kind: str
    mentions: int


class ArticleResponse(Schema):
    ok: bool
    id: int
    title: str
    outlet: str | None
    published: dt.date | None
    date_precision: str | None
    authors: list[str]
    url: str | None
    paragraphs: list[str]
    actors: list[ActorMention]
    article_url: str


def shared_json(sharing: SharingSummary | None) -> dict | None:
    if sharing is None:
        return None
    return {
        "passages": sharing.passages,
        "articles": sharing.articles,
        **{reuse.value: sharing.count(reuse) for reuse in Reuse},
        "passage_ids": sharing.groups,
    }


@router.get("/search", response={200: SearchResponse, **ERRORS}, exclude_unset=True, url_name="api-search", summary="Search articles")
def search(
    request: HttpRequest,
    q: str = Query("", description="query in the search page's syntax (words, \"phrases\", OR, NOT, field:value, word~, wild*)"),
    outlet: list[str] = Query([], description="exact outlet name; repeatable (ORed)"),
    actor: list[str] = Query([], description="actor id; repeatable (ORed)"),
    exclude_outlet: list[str] = Query([], alias="-outlet", description="exact outlet name to leave out; repeatable"),
    exclude_actor: list[str] = Query([], alias="-actor", description="actor id to leave out; repeatable"),
    date_from: str = Query("", alias="from", description="YYYY-MM-DD"),
    date_to: str = Query("", alias="to", description="YYYY-MM-DD"),
    undated: str = Query("", description="1 to include articles without a date"),
    granularity: str = Query("", description="year, month or day (of the date counts)"),
    sort: str = Query("", description="relevance (default), date (newest first) or oldest"),
    collapse: str = Query("", description="1 to hide results that mostly copy an earlier match"),
    page: str = Query("", description="page number, from 1"),
) -> dict:
    params = SearchParams.from_query(request.GET)  # the one parser (see the module docstring)
    page_data = run_search(params)
    facets: dict = {}
    if page_data.outlets and page_data.actors and page_data.dates:
        facets = {
            "outlet": [{"value": v.value, "count": v.count, "selected": v.selected, "excluded": v.excluded} for v in page_data.outlets.values],
            "actor": [
                {"value": int(v.value), "name": v.label, "kind": v.kind, "count": v.count, "selected": v.selected, "excluded": v.excluded}
                for v in page_data.actors.values
            ],
            "date": {
                "granularity": page_data.dates.granularity,
                "buckets": [{"start": b.start, "end": b.end, "count": b.count} for b in page_data.dates.buckets],
                "undated": page_data.dates.undated,
            },
            "partial": page_data.facets_partial,
            "counted": page_data.facets_counted,
        }
    return {
        "ok": True,
        "query": dict(page_data.params.to_pairs()),
        "total": page_data.total,
        "page": page_data.params.page,
        "pages": page_data.page_count,
        "messages": page_data.messages,
        "facets": facets,
        "enrichment": state.as_dict() if (state := enrichment.progress()) else None,
        "hits": [
            {
                "id": row.article.pk,
                "title": row.article.title,
                "outlet": row.article.outlet_name or None,
                "published": row.article.published,
                "authors": row.article.authors,
                "url": row.article.url or None,
                "score": row.score,
                "snippet_html": str(row.snippet_html),
                "article_url": request.build_absolute_uri(reverse("search:article", args=[row.article.pk])),
                "shared": shared_json(row.sharing),
            }
            for row in page_data.rows
        ],
    }


@router.get("/articles/{article_id}", response={200: ArticleResponse, 404: Error, **ERRORS}, url_name="api-article", summary="One article")
def article(request: HttpRequest, article_id: int = Path(..., ge=0, le=MAX_ID)) -> Status[dict]:
    found = (
        Article.objects.filter(pk=article_id, hidden=False)
        .select_related("outlet")
        .prefetch_related(
            Prefetch("paragraphs", queryset=Paragraph.objects.order_by("position")),
            Prefetch("actor_links", queryset=ArticleActor.objects.select_related("actor").order_by("-mentions")),
        )
        .first()
    )
    if found is None:
        return Status(404, {"ok": False, "error": f"No article with id {article_id}", "status": 404})
    return Status(200, {
        "ok": True,
        "id": found.pk,
        "title": found.title,
        "outlet": found.outlet_name or None,
        "published": found.published,
        "date_precision": found.date_precision or None,
        "authors": found.authors,
        "url": found.url or None,
        "paragraphs": [p.text for p in found.body_paragraphs()],
        "actors": [
            {"id": link.actor_id, "name": link.actor.name, "kind": link.actor.kind, "mentions": link.mentions}
            for link in found.actor_links.all()
        ],
        "article_url": request.build_absolute_uri(reverse("search:article", args=[found.pk])),
    })
