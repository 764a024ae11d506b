"""JSON twins of the passage pages, as django-ninja operations (mounted by search/web/api_site.py):
/api/passages (the /duplicates/ list), /api/passages/<id> (one passage's spread, /passages/<id>/)
and /api/compare/<id>/<id> (/compare/<id>/<id>/). Each calls the same function as its HTML page;
the search parameters are read by SearchParams.from_query from request.GET (see search/web/api.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status

from search.query.params import SearchParams
from search.query.passages import compare
from search.query.spread import Copy, passage_spread
from search.store.models import Article
from search.web.api import MAX_ID
from search.web.api_schemas import ERRORS, Error
from search.web.duplicates import passage_listing
from search.web.views import visible_article

router = Router(tags=["passages"])


class ArticleRef(Schema):
    id: int
    title: str
    outlet: str | None
    published: dt.date | None
    date_precision: str | None
    article_url: str


class Member(ArticleRef):
    similarity: float


REACH = {
    "articles": "visible articles carrying the passage",
    "outlets": "distinct known outlets among them",
    "outlets_unknown": "of the articles, those with no known outlet (never counted as the same outlet as another)",
    "reuse": "across_outlets (two or more known outlets), one_outlet (one known outlet, every copy naming it) or outlets_unknown",
}


class PassageSummary(Schema):
    id: int
    text: str
    exact: bool = Field(description="every copy has the same wording")
    articles: int = Field(description=REACH["articles"])
    outlets: int = Field(description=REACH["outlets"])
    outlets_unknown: int = Field(description=REACH["outlets_unknown"])
    reuse: str = Field(description=REACH["reuse"])
    earliest: ArticleRef | None
    members: list[Member]
    passage_url: str


class PassagesResponse(Schema):
    ok: bool
    query: dict[str, str] = Field(description="the parameters as understood (defaults left out)")
    total: int
    page: int
    pages: int
    messages: list[str] = Field(description="how the query and the parameters were read; bad values are ignored with a message here")
    passages: list[PassageSummary]


class PassageCopy(ArticleRef):
    time: dt.datetime | None = Field(description="the time as the article prints it, with its UTC offset, when known")
    similarity: float
    text: str = Field(description="the passage as this article prints it")
    presumed_source: bool
    lag: str | None = Field(description='after the first appearance: "first", "+3 h", "+2 days"')
    lag_seconds: int | None
    compare_url: str | None = Field(description="side by side with the presumed source")


class TimelineRow(Schema):
    outlet: str
    first_lag: str
    articles: list[int]


class PassageResponse(Schema):
    ok: bool
    id: int
    text: str
    exact: bool
    boilerplate: bool
    articles: int = Field(description=REACH["articles"])
    outlets: int = Field(description=REACH["outlets"])
    outlets_unknown: int = Field(description=REACH["outlets_unknown"])
    reuse: str = Field(description=REACH["reuse"])
    presumed_source: PassageCopy | None
    copies: list[PassageCopy] = Field(description="dated copies in order of appearance, the presumed source first")
    undated: list[PassageCopy] = Field(description="copies without a date to the day")
    timeline: list[TimelineRow]
    notes: list[str]
    passage_url: str


class ComparedPassage(Schema):
    id: int
    exact: bool
    left: str
    right: str
    diff_html: str | None = Field(description="the right wording against the left, marked up; null when the same")
    passage_url: str


class CompareResponse(Schema):
    ok: bool
    left: ArticleRef
    right: ArticleRef
    passages: list[ComparedPassage]


def not_found(message: str) -> Status[dict[str, Any]]:
    return Status(404, {"ok": False, "error": message, "status": 404})


def article_json(request: HttpRequest, article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "outlet": article.outlet_name or None,
        "published": article.published,
        "date_precision": article.date_precision or None,
        "article_url": request.build_absolute_uri(reverse("search:article", args=[article.pk])),
    }


def copy_json(request: HttpRequest, copy: Copy, source: Copy | None) -> dict[str, Any]:
    compare_url = None
    if source is not None and source.article.pk != copy.article.pk:
        compare_url = request.build_absolute_uri(reverse("search:compare", args=[source.article.pk, copy.article.pk]))
    return {
        **article_json(request, copy.article),
        "time": copy.printed_time,
        "similarity": round(copy.similarity, 4),
        "text": copy.text,
        "presumed_source": copy.source,
        "lag": copy.lag or None,
        "lag_seconds": copy.lag_seconds,
        "compare_url": compare_url,
    }


@router.get("/passages", response={200: PassagesResponse, **ERRORS}, url_name="api-passages", summary="Shared passages (the /duplicates/ list)")
def passages(
    request: HttpRequest,
    q: str = Query("", description="query in the search page's syntax: passages of the matching articles"),
    outlet: list[str] = Query([], description="exact outlet name; repeatable (ORed)"),
    actor: list[str] = Query([], description="actor id; repeatable (ORed)"),
    exclude_outlet: list[str] = Query([], alias="-outlet", description="exact outlet name to leave out; repeatable"),
    exclude_actor: list[str] = Query([], alias="-actor", description="actor id to leave out; repeatable"),
    date_from: str = Query("", alias="from", description="YYYY-MM-DD"),
    date_to: str = Query("", alias="to", description="YYYY-MM-DD"),
    undated: str = Query("", description="1 to include articles without a date"),
    sort: str = Query("", description="date for the newest first"),
    page: str = Query("", description="page number, from 1"),
) -> dict[str, Any]:
    listing = passage_listing(SearchParams.from_query(request.GET))
    found = listing.page
    return {
        "ok": True,
        "query": dict(listing.params.to_pairs()),
        "total": found.paginator.count,
        "page": found.number,
        "pages": found.paginator.num_pages,
        "messages": listing.messages,
        "passages": [
            {
                "id": group.pk,
                "text": group.text,
                "exact": group.exact,
                **group.reach.as_json(),
                "earliest": article_json(request, group.earliest.article) if group.earliest else None,
                "members": [
                    {**article_json(request, member.article), "similarity": round(member.similarity, 4)}
                    for member in group.members.all()
                ],
                "passage_url": request.build_absolute_uri(reverse("search:passage", args=[group.pk])),
            }
            for group in found.object_list
        ],
    }


@router.get("/passages/{group_id}", response={200: PassageResponse, 404: Error, **ERRORS}, url_name="api-passage", summary="One shared passage and its spread")
def passage(request: HttpRequest, group_id: int = Path(..., ge=0, le=MAX_ID)) -> Status[dict[str, Any]]:
    try:
        spread = passage_spread(group_id)
    except Http404:
        return not_found(f"No shared passage with id {group_id}")
    source = spread.source
    return Status(200, {
        "ok": True,
        "id": spread.group.pk,
        "text": spread.group.text,
        "exact": spread.group.exact,
        "boilerplate": spread.group.boilerplate,
        **spread.reach.as_json(),
        "presumed_source": copy_json(request, source, source) if source else None,
        "copies": [copy_json(request, copy, source) for copy in spread.copies],
        "undated": [copy_json(request, copy, source) for copy in spread.undated],
        "timeline": [
            {"outlet": row.title, "first_lag": row.lag, "articles": [mark.copy.article.pk for mark in row.marks]}
            for row in (spread.timeline.rows if spread.timeline else [])
        ],
        "notes": spread.notes,
        "passage_url": request.build_absolute_uri(reverse("search:passage", args=[spread.group.pk])),
    })


@router.get(
    "/compare/{left_id}/{right_id}",
    response={200: CompareResponse, 404: Error, **ERRORS},
    url_name="api-compare",
    summary="Two articles side by side: the passages they share",
)
def compare_articles(
    request: HttpRequest, left_id: int = Path(..., ge=0, le=MAX_ID), right_id: int = Path(..., ge=0, le=MAX_ID)
) -> Status[dict[str, Any]]:
    articles: list[Article] = []
    for pk in (left_id, right_id):
        try:
            articles.append(visible_article(pk))
        except Http404:
            return not_found(f"No article with id {pk}")
    left, right = articles
    return Status(200, {
        "ok": True,
        "left": article_json(request, left),
        "right": article_json(request, right),
        "passages": [
            {
                "id": shared.group.pk,
                "exact": shared.group.exact,
                "left": shared.left,
                "right": shared.right,
                "diff_html": str(shared.diff) if shared.diff is not None else None,
                "passage_url": request.build_absolute_uri(reverse("search:passage", args=[shared.group.pk])),
            }
            for shared in compare(left, right)
        ],
    })
