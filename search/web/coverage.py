"""/coverage/: who covered the current search first (every outlet, in order), and its JSON twin
/api/coverage. The search page shows the first rows of the same table."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from search.query.params import SearchParams
from search.query.results import SearchPage, run_search


def coverage_of(params: SearchParams) -> SearchPage:
    """The search without its result rows: facets, every outlet's first match, the split histogram."""
    return run_search(params, coverage=True, limit=0, first_limit=None)


@require_GET
def coverage_page(request: HttpRequest) -> HttpResponse:
    page = coverage_of(SearchParams.from_query(request.GET))
    return render(request, "search/coverage.html", {"page": page, "params": page.params})


@require_GET
def coverage_api(request: HttpRequest) -> JsonResponse:
    page = coverage_of(SearchParams.from_query(request.GET))
    split = None
    if page.split is not None:
        split = {
            "granularity": page.dates.granularity if page.dates else None,
            "series": [{"name": s.name, "total": s.total} for s in page.split.series],
            "buckets": [
                {
                    "start": bar.start.isoformat(),
                    "end": bar.end.isoformat(),
                    "count": bar.count,
                    "by_outlet": {segment.series.name: segment.count for segment in bar.segments},
                }
                for bar in page.split.bars
            ],
        }
    return JsonResponse(
        {
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
                    "published": row.day.isoformat() if row.day else None,
                    "lag": row.lag,
                    "lag_days": row.lag_days,
                    "article_url": request.build_absolute_uri(reverse("search:article", args=[row.article.pk])),
                }
                for row in page.first or []
            ],
            "split": split,
        }
    )
