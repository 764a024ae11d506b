"""The search page (full page, or its results partial for htmx) and the article page."""

from __future__ import annotations

import time

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from search.query.params import SearchParams
from search.query.passages import compare
from search.query.results import highlighted_paragraphs, run_search
from search.store import enrichment
from search.store.models import Article


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_safe
@vary_on_headers("HX-Request")
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    params = SearchParams.from_query(request.GET)
    started = time.perf_counter()
    page = run_search(params, coverage=True)
    searched = time.perf_counter()
    partial = request.htmx and not request.htmx.history_restore_request and request.htmx.target == "results"
    template = "search/search.html#results" if partial else "search/search.html"
    context = {"page": page, "params": params, "partial": partial, "enrichment": enrichment.progress()}
    response = render(request, template, context)
    # For the browser's network panel and the benchmarks: where the time went, and the total.
    rendered = time.perf_counter()
    response["Server-Timing"] = (
        f'search;dur={(searched - started) * 1000:.1f};desc="query with facets and snippets",'
        f' render;dur={(rendered - searched) * 1000:.1f};desc="template"'
    )
    response["X-Total-Count"] = str(page.total)
    return response


def visible_article(article_id: int) -> Article:
    article = Article.objects.filter(pk=article_id, hidden=False).select_related("outlet").prefetch_related("paragraphs").first()
    if article is None:
        raise Http404("No such article")
    return article


@require_safe
def article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    article = visible_article(article_id)
    query_text = (request.GET.get("q") or "")[:2000]
    return render(
        request,
        "search/article.html",
        {
            "article": article,
            "paragraphs": highlighted_paragraphs(article, query_text),
            "query_text": query_text,
            "back": request.GET.get("back", ""),
        },
    )


@require_safe
def compare_page(request: HttpRequest, left_id: int, right_id: int) -> HttpResponse:
    left, right = visible_article(left_id), visible_article(right_id)
    if left.pk == right.pk:  # an article beside itself: its own page says everything
        return redirect("search:article", left.pk)
    return render(request, "search/compare.html", {"left": left, "right": right, "passages": compare(left, right)})
