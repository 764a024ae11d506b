"""A shared passage's page with its spread, and the JSON twins of the passage pages:
/api/passages (the /duplicates/ list), /api/passages/<id> (one passage's spread) and
/api/compare/<id>/<id>. Each twin calls the same function as its HTML page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from search.query.params import SearchParams
from search.query.passages import compare
from search.query.spread import Copy, passage_spread
from search.store.models import Article
from search.web.duplicates import passage_listing
from search.web.views import visible_article


@require_GET
def passage_page(request: HttpRequest, group_id: int) -> HttpResponse:
    return render(request, "search/passage.html", {"spread": passage_spread(group_id)})


def not_found(message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message, "status": 404}, status=404)


def article_json(request: HttpRequest, article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "outlet": article.outlet_name or None,
        "published": article.published.isoformat() if article.published else None,
        "date_precision": article.date_precision or None,
        "article_url": request.build_absolute_uri(reverse("search:article", args=[article.pk])),
    }


def copy_json(request: HttpRequest, copy: Copy, source: Copy | None) -> dict[str, Any]:
    compare_url = None
    if source is not None and source.article.pk != copy.article.pk:
        compare_url = request.build_absolute_uri(reverse("search:compare", args=[source.article.pk, copy.article.pk]))
    return {
        **article_json(request, copy.article),
        "time": copy.printed_time.isoformat() if copy.printed_time else None,
        "similarity": round(copy.similarity, 4),
        "text": copy.text,
        "presumed_source": copy.source,
        "lag": copy.lag or None,
        "lag_seconds": copy.lag_seconds,
        "compare_url": compare_url,
    }


@require_GET
def passage_api(request: HttpRequest, group_id: int) -> JsonResponse:
    try:
        spread = passage_spread(group_id)
    except Http404:
        return not_found(f"No shared passage with id {group_id}")
    source = spread.source
    return JsonResponse(
        {
            "ok": True,
            "id": spread.group.pk,
            "text": spread.group.text,
            "exact": spread.group.exact,
            "boilerplate": spread.group.boilerplate,
            "articles": spread.articles,
            "outlets": spread.outlets,
            "presumed_source": copy_json(request, source, source) if source else None,
            "copies": [copy_json(request, copy, source) for copy in spread.copies],
            "undated": [copy_json(request, copy, source) for copy in spread.undated],
            "timeline": [
                {"outlet": row.title, "first_lag": row.lag, "articles": [mark.copy.article.pk for mark in row.marks]}
                for row in (spread.timeline.rows if spread.timeline else [])
            ],
            "notes": spread.notes,
            "passage_url": request.build_absolute_uri(reverse("search:passage", args=[spread.group.pk])),
        }
    )


@require_GET
def passages_api(request: HttpRequest) -> JsonResponse:
    """The /duplicates/ list: same parameters (q, facets, sort=date for newest first, page)."""
    listing = passage_listing(SearchParams.from_query(request.GET))
    page = listing.page
    return JsonResponse(
        {
            "ok": True,
            "query": dict(listing.params.to_pairs()),
            "total": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "messages": listing.messages,
            "passages": [
                {
                    "id": group.pk,
                    "text": group.text,
                    "exact": group.exact,
                    "articles": group.article_count,
                    "outlets": group.outlet_count,
                    "earliest": article_json(request, group.earliest.article) if group.earliest else None,
                    "members": [
                        {**article_json(request, member.article), "similarity": round(member.similarity, 4)}
                        for member in group.members.all()
                    ],
                    "passage_url": request.build_absolute_uri(reverse("search:passage", args=[group.pk])),
                }
                for group in page.object_list
            ],
        }
    )


@require_GET
def compare_api(request: HttpRequest, left_id: int, right_id: int) -> JsonResponse:
    articles: list[Article] = []
    for pk in (left_id, right_id):
        try:
            articles.append(visible_article(pk))
        except Http404:
            return not_found(f"No article with id {pk}")
    left, right = articles
    return JsonResponse(
        {
            "ok": True,
            "left": article_json(request, left),
            "right": article_json(request, right),
            "passages": [
                {
                    "id": passage.group.pk,
                    "exact": passage.group.exact,
                    "left": passage.left,
                    "right": passage.right,
                    "diff_html": str(passage.diff) if passage.diff is not None else None,
                    "passage_url": request.build_absolute_uri(reverse("search:passage", args=[passage.group.pk])),
                }
                for passage in compare(left, right)
            ],
        }
    )
