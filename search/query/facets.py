"""Facets for display: outlet, actor and date, each value with its count and a toggle link.

The engine counts (search.index.base.FacetCounts); this module labels the values, keeps the
selected ones visible, and turns day counts into a zero-filled histogram at a granularity chosen
from the range (or the one asked for).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from search.index.base import FacetCounts
from search.query.params import Granularity, SearchParams
from search.store.models import Actor

SHOWN = 20  # values shown before "more"
MAX_BUCKETS = 400  # a finer granularity with more bars than this is coarsened


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str
    kind: str = ""
    excluded: bool = False
    exclude_url: str = ""  # excludes the value, or takes an exclusion back


@dataclass
class Facet:
    name: str  # the query-string parameter
    title: str
    values: list[FacetValue]
    total_values: int  # distinct values with a count

    @property
    def shown(self) -> list[FacetValue]:
        return self.values[:SHOWN]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[SHOWN:]

    @property
    def truncated(self) -> bool:
        return self.total_values > len(self.values)


@dataclass
class DateBucket:
    label: str
    start: dt.date
    end: dt.date
    count: int
    selected: bool
    toggle_url: str
    height: int  # percent of the tallest bar, in steps of 5 (a CSS class: no inline styles)


@dataclass
class DateFacet:
    granularity: Granularity
    buckets: list[DateBucket]
    undated: int
    undated_selected: bool
    undated_url: str
    granularity_urls: list[tuple[str, str, bool]] = field(default_factory=list)  # (label, url, current)

    @property
    def dated_total(self) -> int:
        return sum(b.count for b in self.buckets)


@dataclass
class Chip:
    label: str
    remove_url: str
    excluded: bool = False  # shown struck through: "not this"


def outlet_facet(params: SearchParams, counts: FacetCounts) -> Facet:
    names = [name for name, _ in counts.outlets]
    urls, exclude_urls = params.toggles("outlet", names), params.toggles("-outlet", names)
    values = [
        FacetValue(name, name, count, name in params.outlet, url, "", name in params.exclude_outlet, exclude_url)
        for (name, count), url, exclude_url in zip(counts.outlets, urls, exclude_urls, strict=True)
    ]
    return Facet("outlet", "Outlet", values, counts.outlet_values)


def actor_facet(params: SearchParams, counts: FacetCounts, actors: dict[int, Actor]) -> Facet:
    known = [(pk, count) for pk, count in counts.actors if pk in actors]
    ids = [pk for pk, _ in known]
    urls, exclude_urls = params.toggles("actor", ids), params.toggles("-actor", ids)
    values = [
        FacetValue(str(pk), actors[pk].name, count, pk in params.actor, url, actors[pk].kind, pk in params.exclude_actor, exclude_url)
        for (pk, count), url, exclude_url in zip(known, urls, exclude_urls, strict=True)
    ]
    return Facet("actor", "Actor", values, counts.actor_values)


# --- dates ------------------------------------------------------------------------------------


def _bucket_start(day: dt.date, granularity: Granularity) -> dt.date:
    if granularity == "year":
        return day.replace(month=1, day=1)
    if granularity == "month":
        return day.replace(day=1)
    return day


def _bucket_end(start: dt.date, granularity: Granularity) -> dt.date:
    if granularity == "year":
        return start.replace(month=12, day=31)
    if granularity == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def _next(start: dt.date, granularity: Granularity) -> dt.date | None:
    end = _bucket_end(start, granularity)
    return None if end == dt.date.max else end + dt.timedelta(days=1)


def _label(start: dt.date, granularity: Granularity) -> str:
    if granularity == "year":
        return str(start.year)
    if granularity == "month":
        return start.strftime("%b %Y")
    return start.isoformat()


def choose_granularity(first: dt.date, last: dt.date) -> Granularity:
    span = (last - first).days
    if span > 3 * 366:
        return "year"
    if span > 92:
        return "month"
    return "day"


def _bucket_count(first: dt.date, last: dt.date, granularity: Granularity) -> int:
    if granularity == "year":
        return last.year - first.year + 1
    if granularity == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days + 1


def date_facet(params: SearchParams, counts: FacetCounts) -> DateFacet:
    days = counts.days
    undated_url = params.querystring(undated=not params.undated)
    if not days and not (params.date_from or params.date_to):
        return DateFacet(params.granularity or "year", [], counts.undated, params.undated, undated_url)
    known = sorted(days)
    # The histogram spans the matches' dates and the chosen range; a range far wider than the
    # data (from=0001-01-01, to=9999-12-31) is cut to the data, or shows no bars without data.
    ends = [*known[:1], *known[-1:], *(d for d in (params.date_from, params.date_to) if d)]
    first, last = min(ends), max(ends)
    if _bucket_count(first, last, "year") > MAX_BUCKETS:
        if not known:
            return DateFacet(params.granularity or "year", [], counts.undated, params.undated, undated_url)
        first, last = known[0], known[-1]
    granularity: Granularity = params.granularity or choose_granularity(first, last)
    if _bucket_count(first, last, granularity) > MAX_BUCKETS:
        granularity = "month" if granularity == "day" and _bucket_count(first, last, "month") <= MAX_BUCKETS else "year"
    totals: dict[dt.date, int] = {}
    for day, count in days.items():
        start = _bucket_start(day, granularity)
        totals[start] = totals.get(start, 0) + count
    tallest = max(totals.values(), default=1)
    buckets = []
    start = _bucket_start(first, granularity)
    while start <= last:
        end = _bucket_end(start, granularity)
        selected = params.date_from == start and params.date_to == end
        url = params.querystring(date_from=None, date_to=None) if selected else params.querystring(date_from=start, date_to=end)
        count = totals.get(start, 0)
        buckets.append(DateBucket(_label(start, granularity), start, end, count, selected, url, max(5, 5 * round(20 * count / tallest)) if count else 0))
        following = _next(start, granularity)
        if following is None:
            break
        start = following
    links = [
        (label, params.querystring(granularity=value), value == granularity)
        for label, value in (("year", "year"), ("month", "month"), ("day", "day"))
    ]
    return DateFacet(granularity, buckets, counts.undated, params.undated, undated_url, links)


def chips(params: SearchParams, actors: dict[int, Actor]) -> list[Chip]:
    out = [Chip(f"outlet: {name}", params.toggle("outlet", name)) for name in params.outlet]
    out += [Chip(f"outlet: {name}", params.toggle("-outlet", name), excluded=True) for name in params.exclude_outlet]
    out += [Chip(f"actor: {actors[pk].name if pk in actors else pk}", params.toggle("actor", pk)) for pk in params.actor]
    out += [Chip(f"actor: {actors[pk].name if pk in actors else pk}", params.toggle("-actor", pk), excluded=True) for pk in params.exclude_actor]
    if params.date_from or params.date_to:
        span = f"{params.date_from or '…'} – {params.date_to or '…'}"
        out.append(Chip(f"date: {span}", params.querystring(date_from=None, date_to=None)))
    if params.undated:
        out.append(Chip("undated", params.querystring(undated=False)))
    return out
