"""One shared passage and how it spread: every article carrying it, in order of appearance, the
presumed source on top, and a timeline with one row per outlet (server-rendered SVG geometry).

Copies are ordered by day, then by time of day where the input says (search.ingest.times), then
by import order; the first is the presumed source. Copies without a day-precise date (undated,
or dated only to a month or year) cannot be placed and are listed apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse

from search.ingest.times import publication_time
from search.query.coverage import lag_text
from search.query.reuse import Reach, reach
from search.store.models import Article, PassageGroup, PassageMember

HEAD_CHARS = 3000  # of the raw input, where a dateline with a clock time would be
# Timeline geometry (SVG user units)
WIDTH = 760
LABEL_WIDTH = 200
LAG_WIDTH = 80
ROW_HEIGHT = 26
AXIS_HEIGHT = 34
TICKS = 6  # at most
TICK_CHAR_WIDTH = 7.5  # a tick label's character at its 12px font, generously (Chromium's sans-serif digits: 6.9)
TICK_GAP = 12  # between two tick labels


@dataclass
class Copy:
    """One article carrying the passage."""

    article: Article
    text: str  # the passage as this article prints it
    similarity: float
    when: dt.datetime | None  # UTC; the day at noon when the time of day is unknown
    time_known: bool
    dated: bool  # placed on the timeline (a day-precise date)
    lag: str = ""  # after the first appearance: "first", "+3 h", "+2 days"
    lag_seconds: int | None = None  # the same in seconds (days when a time is missing: whole days)
    source: bool = False

    printed_time: dt.datetime | None = None  # the time as the input gives it (its own zone), when known
    url: str = ""  # the article at the passage
    compare_url: str = ""  # side by side with the presumed source ("" for the source itself)

    @property
    def outlet(self) -> str:
        return self.article.outlet_name

    @property
    def time_label(self) -> str:
        """'17:34 UTC+01:00' as printed (its zone), '17:34' without one, '' when unknown."""
        if self.printed_time is None:
            return ""
        offset = self.printed_time.utcoffset()
        if offset is None:
            return self.printed_time.strftime("%H:%M")
        minutes = int(offset.total_seconds() // 60)
        zone = "" if not minutes else f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return f"{self.printed_time:%H:%M} UTC{zone}"


@dataclass
class Mark:
    copy: Copy
    x: float
    y: float

    @property
    def svg_x(self) -> str:  # SVG attributes as plain strings: templates would localise floats
        return f"{self.x:.1f}"

    @property
    def svg_y(self) -> str:
        return f"{self.y:.1f}"


@dataclass
class TimelineRow:
    label: str
    title: str  # full label for the tooltip
    marks: list[Mark]
    y: float
    lag: str  # of the row's first mark

    @property
    def text_y(self) -> str:
        return f"{self.y + 4:.1f}"

    @property
    def svg_y(self) -> str:
        return f"{self.y:.1f}"


@dataclass
class Tick:
    x: float
    label: str

    @property
    def svg_x(self) -> str:
        return f"{self.x:.1f}"


@dataclass
class Timeline:
    rows: list[TimelineRow]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = 0
    track_start: int = LABEL_WIDTH
    track_end: int = WIDTH - LAG_WIDTH
    lag_x: int = WIDTH - LAG_WIDTH + 8


@dataclass
class PassageSpread:
    group: PassageGroup
    copies: list[Copy]  # dated, in order of appearance: the presumed source first
    undated: list[Copy]  # no day-precise date: listed apart
    timeline: Timeline | None
    reach: Reach = Reach(0, 0, 0)  # articles and outlets (search.query.reuse)
    notes: list[str] = field(default_factory=list)

    @property
    def source(self) -> Copy | None:
        return next((c for c in (*self.copies, *self.undated) if c.source), None)

    @property
    def articles(self) -> int:
        return len(self.copies) + len(self.undated)


def _placed(article: Article, meta_date: str, head: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(UTC instant for ordering and the timeline, the time as printed) of a day-precise article."""
    if article.published is None or article.date_precision not in ("day", ""):
        return None, None
    printed = publication_time(article.published, meta_date, head)
    if printed is None:
        return dt.datetime.combine(article.published, dt.time(12), tzinfo=dt.UTC), None
    utc = printed.astimezone(dt.UTC) if printed.tzinfo else printed.replace(tzinfo=dt.UTC)
    return utc, printed


def passage_spread(group_id: int) -> PassageSpread:
    """The passage's spread over visible articles; Http404 when there is no such passage."""
    group = PassageGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise Http404("No such shared passage")
    members = (
        PassageMember.objects.filter(group=group, article__hidden=False)
        .select_related("article__outlet", "paragraph")
        .defer("article__raw_text")
        .annotate(head=Substr("article__raw_text", 1, HEAD_CHARS))
        .order_by("article_id", "id")
    )
    copies: list[Copy] = []
    undated: list[Copy] = []
    seen: set[int] = set()
    for member in members:
        if member.article_id in seen:  # one article may carry the passage twice: its first copy
            continue
        seen.add(member.article_id)
        article = member.article
        meta_date = str((article.raw_meta or {}).get("date", "") or "") if isinstance(article.raw_meta, dict) else ""
        head = member.head if article.raw_kind != "html" else ""
        when, printed = _placed(article, meta_date, head or "")
        text = member.paragraph.text[member.start : member.end]
        copy = Copy(article, text, member.similarity, when, printed is not None, when is not None, printed_time=printed)
        (copies if copy.dated else undated).append(copy)
    copies.sort(key=lambda c: (c.article.published, c.when, c.article.pk))
    undated.sort(key=lambda c: (c.article.published is None, c.article.published or dt.date.min, c.article.pk))
    if copies:
        first = copies[0]
        first.source = True
        for copy in copies:
            copy.lag_seconds, copy.lag = _lag(copy, first)
    elif undated:
        undated[0].source = True  # nothing to go by but the date as far as known, then import order
    _link(group.pk, [*copies, *undated])
    spread = PassageSpread(group, copies, undated, _timeline(copies) if copies else None)
    spread.reach = reach({c.article.pk: c.article.outlet_id for c in [*copies, *undated]})
    if group.boilerplate:
        spread.notes.append("A curator marked this passage as boilerplate: it is left out of highlights and counts.")
    if not copies and undated:
        spread.notes.append("No copy is dated to the day: the presumed source is the first by the date as far as known, then import order.")
    if copies and not all(c.time_known for c in copies):
        spread.notes.append("Times of day are shown where the article says (its metadata or dateline); lags between copies without one are in whole days.")
    return spread


def _link(group_id: int, copies: list[Copy]) -> None:
    """Each copy's links, reversed once for the page rather than once per copy."""
    article = reverse("search:article", args=[0]).replace("/0/", "/{}/") + f"#passage-{group_id}"
    compare = reverse("search:compare", args=[1, 2]).replace("/1/2/", "/{}/{}/")
    source = next((c for c in copies if c.source), None)
    for copy in copies:
        copy.url = article.format(copy.article.pk)
        if source is not None and copy is not source:
            copy.compare_url = compare.format(source.article.pk, copy.article.pk)


def _lag(copy: Copy, first: Copy) -> tuple[int, str]:
    assert copy.when is not None and first.when is not None
    if copy is first:
        return 0, "first"
    if copy.time_known and first.time_known:
        delta = copy.when - first.when
        return int(delta.total_seconds()), lag_text(delta)
    days = (copy.article.published - first.article.published).days
    return days * 86400, lag_text(dt.timedelta(days=days), days_only=True)


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _timeline(copies: list[Copy]) -> Timeline:
    """One row per outlet (each article without an outlet its own row), in order of first
    appearance; a mark per copy at its time; ticks along the top."""
    rows: dict[str, list[Copy]] = {}
    for copy in copies:
        key = copy.outlet or f"#{copy.article.pk}"
        rows.setdefault(key, []).append(copy)
    start = min(c.when for c in copies if c.when)
    end = max(c.when for c in copies if c.when)
    span = (end - start).total_seconds()
    if span < 3600:  # one moment: a day around it
        start, end = start - dt.timedelta(hours=12), end + dt.timedelta(hours=12)
        span = (end - start).total_seconds()
    pad = span * 0.04
    start, end = start - dt.timedelta(seconds=pad), end + dt.timedelta(seconds=pad)
    span = (end - start).total_seconds()
    left, right = LABEL_WIDTH, WIDTH - LAG_WIDTH

    def x_of(when: dt.datetime) -> float:
        return round(left + (right - left) * (when - start).total_seconds() / span, 1)

    out = []
    for index, (key, row_copies) in enumerate(rows.items()):
        y = AXIS_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT / 2
        outlet = row_copies[0].outlet
        title = outlet or f"Unknown outlet: {row_copies[0].article.title}"
        label = _short(outlet, 28) if outlet else _short(f"Unknown outlet: {row_copies[0].article.title}", 28)
        marks = [Mark(c, x_of(c.when), y) for c in row_copies if c.when]
        out.append(TimelineRow(label, title, marks, y, row_copies[0].lag))
    hours = span / 3600
    fmt = "%d %b %H:%M" if hours <= 72 else "%d %b %Y" if hours <= 24 * 400 else "%b %Y"
    count = tick_count(right - left, max(len(start.strftime(fmt)), len(end.strftime(fmt))))
    ticks = [
        Tick(round(left + (right - left) * i / (count - 1), 1), (start + dt.timedelta(seconds=span * i / (count - 1))).strftime(fmt))
        for i in range(count)
    ]
    return Timeline(out, ticks, height=AXIS_HEIGHT + len(out) * ROW_HEIGHT + 8)


def tick_count(track: float, label_chars: int) -> int:
    """As many evenly spaced ticks (up to TICKS, at least the two ends) as leave their labels
    apart: the first label starts at its tick, the last ends at its tick, the others are centred,
    so ticks must be 1.5 label widths (plus a gap) apart. The labels are drawn in the SVG's own
    units, so they keep this spacing at any width the SVG is scaled to, on screen and in print."""
    width = label_chars * TICK_CHAR_WIDTH
    return max(2, min(TICKS, int(track // (1.5 * width + TICK_GAP)) + 1))
