"""/api/coverage, the JSON twin of /coverage/ (who covered the search first, and with split=outlet
the date histogram by outlet), as a django-ninja operation mounted by search/web/api_site.py. It
calls coverage_of, as the page does; the parameters are read by SearchParams.from_query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from search.query.params import SearchParams
from search.web.api_schemas import ERRORS
from search.web.coverage import coverage_of

router = Router(tags=["coverage"])


class FirstCoverage(Schema):
    outlet: str | None = Field(description="null when the outlet is unknown")
    article_id: int
    title: str
    published: dt.date | None
    lag: str = Field(description='after the first dated match: "first", "same day", "+2 days", or "undated"')
    lag_days: int | None
    article_url: str


class SplitSeries(Schema):
    name: str = Field(description='an outlet, or "other" for the rest')
    total: int


class SplitBucket(Schema):
    start: dt.date
    end: dt.date
    count: int
    by_outlet: dict[str, int]


class Split(Schema):
    granularity: str | None
    series: list[SplitSeries]
    buckets: list[SplitBucket]


class CoverageResponse(Schema):
    ok: bool
    query: dict[str, str] = Field(description="the parameters as understood (defaults left out)")
    total: int
    messages: list[str] = Field(description="how the query and the parameters were read; bad values are ignored with a message here")
    partial: bool = Field(description="the facet time budget ran out: the counts are over the first matches only")
    first_coverage: list[FirstCoverage] = Field(description="each outlet's first matching article, in order")
    split: Split | None = Field(description="the date histogram by outlet, with split=outlet")


@router.get("/coverage", response={200: CoverageResponse, **ERRORS}, url_name="api-coverage", summary="Who covered the search first")
def coverage(
    request: HttpRequest,
    q: str = Query("", description="query in the search page's syntax"),
    outlet: list[str] = Query([], description="exact outlet name; repeatable (ORed)"),
    actor: list[str] = Query([], description="actor id; repeatable (ORed)"),
    exclude_outlet: list[str] = Query([], alias="-outlet", description="exact outlet name to leave out; repeatable"),
    exclude_actor: list[str] = Query([], alias="-actor", description="actor id to leave out; repeatable"),
    date_from: str = Query("", alias="from", description="YYYY-MM-DD"),
    date_to: str = Query("", alias="to", description="YYYY-MM-DD"),
    undated: str = Query("", description="1 to include articles without a date"),
    granularity: str = Query("", description="year, month or day (of the histogram)"),
    split: str = Query("", description="outlet for the histogram by outlet"),
) -> dict[str, Any]:
    page = coverage_of(SearchParams.from_query(request.GET))
    split_json = None
    if page.split is not None:
        split_json = {
            "granularity": page.dates.granularity if page.dates else None,
            "series": [{"name": s.name, "total": s.total} for s in page.split.series],
            "buckets": [
                {
                    "start": bar.start,
                    "end": bar.end,
                    "count": bar.count,
                    "by_outlet": {segment.series.name: segment.count for segment in bar.segments},
                }
                for bar in page.split.bars
            ],
        }
    return {
        "ok": True,
        "query": dict(page.params.to_pairs()),
        "total": page.total,
        "messages": page.messages,
        "partial": page.facets_partial,
        "first_coverage": [
            {
                "outlet": row.outlet or None,
                "article_id": row.article.pk,
                "title": row.article.title,
                "published": row.day,
                "lag": row.lag,
                "lag_days": row.lag_days,
                "article_url": request.build_absolute_uri(reverse("search:article", args=[row.article.pk])),
            }
            for row in page.first or []
        ],
        "split": split_json,
    }
