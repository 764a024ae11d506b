"""JSON API: the same SearchParams and the same data path as the search page."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from search.query.params import SearchParams
from search.query.results import run_search


@require_GET
def search_api(request: HttpRequest) -> JsonResponse:
    params = SearchParams.from_query(request.GET)
    page = run_search(params)
    return JsonResponse(
        {
            "ok": True,
            "query": dict(params.to_pairs()),
            "total": page.total,
            "page": params.page,
            "pages": page.page_count,
            "messages": page.messages,
            "hits": [
                {
                    "id": row.article.pk,
                    "title": row.article.title,
                    "outlet": row.article.outlet_name or None,
                    "published": row.article.published.isoformat() if row.article.published else None,
                    "authors": row.article.authors,
                    "url": row.article.url or None,
                    "score": row.score,
                    "snippet_html": str(row.snippet_html),
                    "article_url": request.build_absolute_uri(reverse("search:article", args=[row.article.pk])),
                }
                for row in page.rows
            ],
        }
    )
