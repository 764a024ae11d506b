"""JSON API: the same SearchParams and the same data path as the search page."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.db.models import Prefetch
from django.urls import reverse
from django.views.decorators.http import require_GET

from search.query.params import SearchParams
from search.query.results import run_search
from search.store.models import Article, ArticleActor, Paragraph


@require_GET
def search_api(request: HttpRequest) -> JsonResponse:
    params = SearchParams.from_query(request.GET)
    page = run_search(params)
    facets = {}
    if page.outlets and page.actors and page.dates:
        facets = {
            "outlet": [{"value": v.value, "count": v.count, "selected": v.selected, "excluded": v.excluded} for v in page.outlets.values],
            "actor": [
                {"value": int(v.value), "name": v.label, "kind": v.kind, "count": v.count, "selected": v.selected, "excluded": v.excluded}
                for v in page.actors.values
            ],
            "date": {
                "granularity": page.dates.granularity,
                "buckets": [{"start": b.start.isoformat(), "end": b.end.isoformat(), "count": b.count} for b in page.dates.buckets],
                "undated": page.dates.undated,
            },
            # The facet time budget ran out: the counts are over the first `counted` matches.
            "partial": page.facets_partial,
            "counted": page.facets_counted,
        }
    return JsonResponse(
        {
            "ok": True,
            "query": dict(params.to_pairs()),
            "total": page.total,
            "page": params.page,
            "pages": page.page_count,
            "messages": page.messages,
            "facets": facets,
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


@require_GET
def article_api(request: HttpRequest, article_id: int) -> JsonResponse:
    article = (
        Article.objects.filter(pk=article_id, hidden=False)
        .select_related("outlet")
        .prefetch_related(
            Prefetch("paragraphs", queryset=Paragraph.objects.order_by("position")),
            Prefetch("actor_links", queryset=ArticleActor.objects.select_related("actor").order_by("-mentions")),
        )
        .first()
    )
    if article is None:
        return JsonResponse({"ok": False, "error": f"No article with id {article_id}", "status": 404}, status=404)
    return JsonResponse(
        {
            "ok": True,
            "id": article.pk,
            "title": article.title,
            "outlet": article.outlet_name or None,
            "published": article.published.isoformat() if article.published else None,
            "date_precision": article.date_precision or None,
            "authors": article.authors,
            "url": article.url or None,
            "paragraphs": [p.text for p in article.body_paragraphs()],
            "actors": [
                {"id": link.actor_id, "name": link.actor.name, "kind": link.actor.kind, "mentions": link.mentions}
                for link in article.actor_links.all()
            ],
            "article_url": request.build_absolute_uri(reverse("search:article", args=[article.pk])),
        }
    )
