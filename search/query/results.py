"""One data path for every format: SearchParams in, a page of results out.

The search page, its htmx partial and the JSON API all render what `run_search` returns.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode
from dataclasses import dataclass, field, replace

from django.utils.safestring import SafeString, mark_safe

from search.index import get_backend
from search.query.coverage import FIRST_SHOWN, FirstCoverage, SplitHistogram, coverage_from_ids, first_coverage, split_histogram
from search.query.facets import Chip, DateFacet, Facet, actor_facet, chips, date_facet, outlet_facet
from search.query.highlight import mark, snippet
from search.query.passages import PassageView, SharingSummary, article_passages, render_paragraph, sharing_summaries
from search.query.params import PAGE_SIZE, SearchParams
from search.store.models import Actor, Article, Paragraph


@dataclass
class ResultRow:
    article: Article
    score: float | None
    title_html: SafeString
    snippet_html: SafeString
    sharing: SharingSummary | None = None


@dataclass
class SearchPage:
    params: SearchParams
    total: int
    rows: list[ResultRow]
    messages: list[str] = field(default_factory=list)
    timed_out: bool = False
    outlets: Facet | None = None
    actors: Facet | None = None
    dates: DateFacet | None = None
    chips: list[Chip] = field(default_factory=list)
    uncollapsed_total: int | None = None  # with collapse=1: matches before copies were hidden
    facets_partial: bool = False  # the facet time budget ran out: counts over `facets_counted` matches
    facets_counted: int | None = None
    split: SplitHistogram | None = None  # with split=outlet: the date histogram stacked by outlet
    first: list[FirstCoverage] | None = None  # with coverage: each outlet's first match, earliest first
    first_outlets: int = 0  # how many outlets `first` would list without the limit

    @property
    def coverage_querystring(self) -> str:
        """The page's parameters for /coverage/ (no page number)."""
        pairs = self.params.to_pairs(page=False)
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def split_querystring(self) -> str:
        return self.params.querystring(split="" if self.params.split else "outlet")

    @property
    def export_querystring(self) -> str:
        """The page's parameters for /export.csv (every page, so no page number)."""
        pairs = self.params.to_pairs(page=False)
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def collapse_querystring(self) -> str:
        return self.params.querystring(collapse=True)

    @property
    def uncollapse_querystring(self) -> str:
        return self.params.querystring(collapse=False)

    @property
    def facet_list(self) -> list[Facet]:
        return [facet for facet in (self.outlets, self.actors) if facet is not None]

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def first_number(self) -> int:
        return (self.params.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.rows) - 1 if self.rows else 0

    def page_links(self) -> list[tuple[int | None, str]]:
        """(page number or None for a gap, query string) around the current page."""
        current, last = self.params.page, self.page_count
        wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
        links: list[tuple[int | None, str]] = []
        previous = 0
        for number in wanted:
            if number - previous > 1:
                links.append((None, ""))
            links.append((number, self.params.querystring(page=number)))
            previous = number
        return links


def load_articles(ids: list[int]) -> tuple[dict[int, Article], dict[int, str]]:
    """The page's articles, and their clean bodies read as plain values (Article.bodies: making
    a model instance of each paragraph cost a fifth of a broad search's page)."""
    articles = {a.pk: a for a in Article.objects.filter(id__in=ids, hidden=False).select_related("outlet")}
    return articles, Article.bodies(list(articles))


def checked(params: SearchParams) -> tuple[SearchParams, list[str], dict[int, Actor]]:
    """Drop selections that name nothing (unknown actor ids), with a message for each."""
    messages = list(params.problems)
    selected = Actor.objects.in_bulk([*params.actor, *params.exclude_actor])
    if unknown := [pk for pk in (*params.actor, *params.exclude_actor) if pk not in selected]:
        messages.append(f"No actor with id {', '.join(map(str, unknown))}: ignored.")
        params = replace(
            params,
            actor=tuple(pk for pk in params.actor if pk in selected),
            exclude_actor=tuple(pk for pk in params.exclude_actor if pk in selected),
        )
    return params, messages, selected


def run_search(params: SearchParams, *, coverage: bool = False, limit: int = PAGE_SIZE, first_limit: int | None = FIRST_SHOWN) -> SearchPage:
    """A page of results with facets; `coverage` adds who covered it first (its first
    `first_limit` outlets) and, with split=outlet, the histogram stacked by outlet."""
    backend = get_backend()
    params, messages, selected = checked(params)
    results = backend.search(params.search_query(limit=limit, coverage=coverage or bool(params.split)))
    params, page_messages = params.on_existing_page(math.ceil(results.total / PAGE_SIZE))
    if page_messages:  # past the last page: that page's hits (the total and facets stay as counted)
        hits = backend.search(params.search_query(limit=limit, facets=False)).hits
        results = replace(results, hits=hits)
    articles, bodies = load_articles([hit.article_id for hit in results.hits])
    spans_of = backend.highlighter(params.q) if params.q else (lambda text: [])
    rows = []
    for hit in results.hits:
        article = articles.get(hit.article_id)
        if article is None:  # hidden or deleted since it was indexed; the worker catches up
            continue
        body = bodies[article.pk]
        spans = spans_of(body)
        title_spans = spans_of(article.title)
        rows.append(
            ResultRow(
                article=article,
                score=hit.score,
                title_html=mark_safe(mark(article.title, title_spans)),  # noqa: S308 (mark() escapes)
                snippet_html=mark_safe(snippet(body, spans)),  # noqa: S308
            )
        )
    messages += results.messages + page_messages
    sharing = sharing_summaries([row.article.pk for row in rows])
    for row in rows:
        row.sharing = sharing.get(row.article.pk)
    page = SearchPage(
        params=params,
        total=results.total,
        rows=rows,
        messages=messages,
        timed_out=results.timed_out,
        uncollapsed_total=results.uncollapsed_total,
    )
    if results.facets is not None:
        actors = {**selected, **Actor.objects.in_bulk([pk for pk, _ in results.facets.actors])}
        page.outlets = outlet_facet(params, results.facets)
        page.actors = actor_facet(params, results.facets, actors)
        page.dates = date_facet(params, results.facets)
        page.chips = chips(params, actors)
        page.facets_partial, page.facets_counted = results.facets.partial, results.facets.counted
        if (coverage or params.split) and results.facets.outlet_days is None:
            coverage_from_ids(params, results.facets)
        if params.split and results.facets.outlet_days is not None:
            page.split = split_histogram(params, page.dates, results.facets.outlet_days)
        if coverage and results.facets.first is not None:
            page.first = first_coverage(results.facets.first[:first_limit])
            page.first_outlets = len(results.facets.first)
    return page


def highlighted_paragraphs(article: Article, query_text: str) -> list[tuple[Paragraph, SafeString, list[PassageView]]]:
    """Each clean paragraph, rendered with query words marked and shared passages coloured."""
    spans_of = get_backend().highlighter(query_text) if query_text else (lambda text: [])
    shared = article_passages(article)
    return [
        (p, render_paragraph(p.text, spans_of(p.text), shared.get(p.pk, [])), shared.get(p.pk, []))
        for p in article.body_paragraphs()
    ]
