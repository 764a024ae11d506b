"""Coverage over time: the date histogram stacked by outlet, and who covered the search first.

The engine counts days per outlet and finds each outlet's first match (SearchQuery.coverage);
an engine that does not (FacetCounts.outlet_days is None) gets them worked out here from the
matching article ids. The charts are server-rendered SVG: geometry in attributes, colours in
CSS classes (the Content-Security-Policy allows no inline styles), readable without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from search.index import get_backend
from search.index.base import FacetCounts
from search.query.facets import DateFacet, _bucket_start
from search.query.params import SearchParams
from search.store.models import Article

TOP_OUTLETS = 6  # stacked series; the rest is "other"
FIRST_SHOWN = 10  # rows of "who covered it first" on the search page
CHART_WIDTH = 280
CHART_HEIGHT = 90


@dataclass
class Series:
    name: str  # outlet name, or "other"
    css: str  # s0..s5, s-other
    total: int
    toggle_url: str = ""  # selects the outlet ("" for other)


@dataclass
class Segment:
    series: Series
    count: int
    y: float
    height: float


@dataclass
class StackedBar:
    label: str
    start: dt.date
    end: dt.date
    count: int
    url: str  # sets from/to to the bar (or clears them when it is the range already)
    selected: bool
    x: float
    width: float
    segments: list[Segment] = field(default_factory=list)

    @property
    def title(self) -> str:
        parts = ", ".join(f"{s.series.name} {s.count}" for s in self.segments if s.count)
        return f"{self.label}: {self.count} article{'s' if self.count != 1 else ''}" + (f" ({parts})" if parts else "")


@dataclass
class SplitHistogram:
    series: list[Series]
    bars: list[StackedBar]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def split_histogram(params: SearchParams, dates: DateFacet, outlet_days: dict[str, dict[dt.date, int]]) -> SplitHistogram:
    """The date facet's buckets, each stacked by outlet: the TOP_OUTLETS outlets with the most
    dated matches in the histogram's scope, everything else (unknown outlets too) as "other".
    (The engine counts days for SearchQuery.coverage_outlets outlets, TOP_OUTLETS by default.)"""
    granularity = dates.granularity
    totals = Counter({name: sum(days.values()) for name, days in outlet_days.items()})
    top = [name for name, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:TOP_OUTLETS]]
    toggles = params.toggles("outlet", top) if top else []
    series = [Series(name, f"s{i}", totals[name], url) for i, (name, url) in enumerate(zip(top, toggles, strict=True))]
    by_bucket: dict[str, dict[dt.date, int]] = {}
    for name in top:
        counts: dict[dt.date, int] = defaultdict(int)
        for day, count in outlet_days[name].items():
            counts[_bucket_start(day, granularity)] += count
        by_bucket[name] = counts
    other = Series("other", "s-other", max(0, dates.dated_total - sum(s.total for s in series)))
    tallest = max((b.count for b in dates.buckets), default=0) or 1
    width = CHART_WIDTH / max(1, len(dates.buckets))
    bars = []
    for index, bucket in enumerate(dates.buckets):
        bar = StackedBar(bucket.label, bucket.start, bucket.end, bucket.count, bucket.toggle_url, bucket.selected, index * width, width)
        y = float(CHART_HEIGHT)
        counted = 0
        for one in series:
            count = by_bucket[one.name].get(bucket.start, 0)
            counted += count
            if count:
                height = CHART_HEIGHT * count / tallest
                y -= height
                bar.segments.append(Segment(one, count, round(y, 2), round(height, 2)))
        rest = bucket.count - counted
        if rest > 0:
            height = CHART_HEIGHT * rest / tallest
            y -= height
            bar.segments.append(Segment(other, rest, round(y, 2), round(height, 2)))
        bars.append(bar)
    if other.total:
        series.append(other)
    return SplitHistogram(series, bars)


@dataclass
class FirstCoverage:
    """One row of "who covered it first": an outlet's first matching article."""

    outlet: str  # "" when unknown
    article: Article
    day: dt.date | None
    lag_days: int | None  # after the first dated match; None when undated

    @property
    def lag(self) -> str:
        if self.lag_days is None:
            return "undated"
        return lag_text(dt.timedelta(days=self.lag_days), days_only=True)


def lag_text(delta: dt.timedelta | None, *, days_only: bool = False) -> str:
    """'first', '+3 h', '+45 min', 'same day', '+1 day', '+2 days'."""
    if delta is None:
        return "undated"
    if delta <= dt.timedelta(0):
        return "first"
    if days_only:
        return "same day" if delta.days == 0 else f"+{delta.days} day{'s' if delta.days != 1 else ''}"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"+{minutes} min"
    if minutes < 48 * 60:
        return f"+{minutes // 60} h"
    days = round(minutes / (24 * 60))
    return f"+{days} days"


def first_coverage(first: list[tuple[str, int, dt.date | None]]) -> list[FirstCoverage]:
    """The engine's (outlet, article id, day) list as rows with their articles and lags."""
    wanted = [pk for _, pk, _ in first]
    fields = ("id", "title", "published", "date_precision", "hidden", "outlet__name")
    articles = Article.objects.select_related("outlet").only(*fields).in_bulk(wanted)
    start = next((day for _, _, day in first if day is not None), None)
    rows = []
    for outlet, pk, day in first:
        article = articles.get(pk)
        if article is None or article.hidden:
            continue
        lag = (day - start).days if day is not None and start is not None else None
        rows.append(FirstCoverage(outlet, article, day, lag))
    return rows


def coverage_from_ids(params: SearchParams, facets: FacetCounts) -> None:
    """For engines that do not count coverage themselves: days per outlet over the date facet's
    scope and each outlet's first result, from the matching article ids and the database."""
    backend = get_backend()

    def matching(p: SearchParams) -> list[int]:
        total = backend.search(p.search_query(offset=0, limit=0, facets=False)).total
        return [hit.article_id for hit in backend.search(p.search_query(offset=0, limit=total, facets=False)).hits]

    results = matching(params)
    undated = replace(params, date_from=None, date_to=None, undated=False)
    scope = results if undated == params else matching(undated)
    rows = Article.objects.filter(id__in=scope, hidden=False).values_list("id", "outlet__name", "published")
    outlet_days: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    in_results = set(results)
    firsts: dict[str, tuple[tuple[int, int], int, dt.date | None]] = {}
    for pk, outlet, published in rows.iterator(chunk_size=5000):
        if outlet and published:
            outlet_days[outlet][published] += 1
        if pk in in_results:
            key = (published.toordinal() if published else 10**9, pk)
            name = outlet or ""
            if name not in firsts or key < firsts[name][0]:
                firsts[name] = (key, pk, published)
    totals = sorted(((sum(days.values()), name) for name, days in outlet_days.items()), key=lambda item: (-item[0], item[1]))
    facets.outlet_days = {name: dict(outlet_days[name]) for _, name in totals[:TOP_OUTLETS]}
    facets.first = [(name, pk, day) for name, (_, pk, day) in sorted(firsts.items(), key=lambda item: item[1][0])]
