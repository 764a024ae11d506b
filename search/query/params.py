"""SearchParams: the one query-string scheme of the search page, the CSV export and the JSON API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict

from search.index.base import SearchQuery, SortOrder

PAGE_SIZE = 20
MAX_PAGE = 500
MAX_VALUES = 50  # per repeatable parameter
SORTS: tuple[SortOrder, ...] = ("relevance", "date", "oldest")
Granularity = Literal["", "year", "month", "day"]
GRANULARITIES: tuple[Granularity, ...] = ("", "year", "month", "day")
Split = Literal["", "outlet"]
SPLITS: tuple[Split, ...] = ("", "outlet")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# The order of parameters in canonical query strings (to_pairs). "-outlet" and "-actor" exclude
# values (a plain name in a form or a URL: `?-outlet=Fox+News`).
_PARAMETER_ORDER = (
    "q", "outlet", "-outlet", "actor", "-actor", "from", "to", "undated", "granularity", "split", "sort", "collapse", "page",
)
# The attribute holding each repeatable parameter's values.
_FIELDS = {"outlet": "outlet", "-outlet": "exclude_outlet", "actor": "actor", "-actor": "exclude_actor"}
_OPPOSITE = {"outlet": "-outlet", "-outlet": "outlet", "actor": "-actor", "-actor": "actor"}


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    outlet: tuple[str, ...] = ()
    actor: tuple[int, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    undated: bool = False
    granularity: Granularity = ""
    sort: SortOrder = "relevance"
    page: int = 1
    collapse: bool = False
    exclude_outlet: tuple[str, ...] = ()  # -outlet=
    exclude_actor: tuple[int, ...] = ()  # -actor=
    split: Split = ""  # split=outlet: the date histogram stacked by outlet
    problems: tuple[str, ...] = field(default=(), compare=False)
    beyond_limit: bool = field(default=False, compare=False)  # the page asked for was past MAX_PAGE

    def on_existing_page(self, pages: int) -> tuple[SearchParams, list[str]]:
        """These parameters on a page that exists, given how many pages of results there are
        (0 when none), and the one message saying why when it is not the page asked for: the
        last page when asked for one past it, page MAX_PAGE when asked for one beyond that."""
        if self.beyond_limit and pages > MAX_PAGE:
            return replace(self, beyond_limit=False), [f"Only the first {MAX_PAGE} pages can be shown: narrow the search."]
        if self.page <= max(pages, 1) and not self.beyond_limit:
            return self, []
        if pages == 0:
            return replace(self, page=1, beyond_limit=False), []
        return replace(self, page=pages, beyond_limit=False), [
            f"There {'is' if pages == 1 else 'are'} only {pages} page{'' if pages == 1 else 's'} of results: showing page {pages}."
        ]

    @classmethod
    def from_query(cls, data: QueryDict) -> SearchParams:
        """Parse and validate; bad values are dropped with a message in `problems`, never an error."""
        problems: list[str] = []

        def many(name: str) -> tuple[str, ...]:
            values = [" ".join(v.split())[:200] for v in data.getlist(name) if v and v.strip()]
            unique = list(dict.fromkeys(values))
            if len(unique) > MAX_VALUES:
                problems.append(f"Only the first {MAX_VALUES} values of '{name}' were used.")
                unique = unique[:MAX_VALUES]
            return tuple(unique)

        def day(name: str) -> dt.date | None:
            raw = (data.get(name) or "").strip()
            if not raw:
                return None
            try:
                if not _DATE.match(raw):
                    raise ValueError
                return dt.date.fromisoformat(raw)
            except ValueError:
                problems.append(f"'{name}={raw[:40]}' is not a date like 2017-05-20: ignored.")
                return None

        sort = data.get("sort") or "relevance"
        if sort not in SORTS:
            problems.append(f"Unknown sort '{sort[:40]}': sorted by relevance.")
            sort = "relevance"
        granularity = data.get("granularity") or ""
        if granularity not in GRANULARITIES:
            problems.append(f"Unknown granularity '{granularity[:40]}': chosen from the date range.")
            granularity = ""
        raw_page = (data.get("page") or "1").strip()
        page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 0 < len(raw_page) < 7 else 0
        if page < 1:
            problems.append(f"'page={raw_page[:20]}' is not a page number: showing page 1.")
            page = 1
        beyond_limit = page > MAX_PAGE  # said once the number of pages is known (on_existing_page)
        page = min(page, MAX_PAGE)
        def actor_ids(name: str) -> tuple[int, ...]:
            ids: list[int] = []
            for raw in many(name):
                if raw.isascii() and raw.isdigit() and len(raw) < 12:  # "²".isdigit() is true too
                    ids.append(int(raw))
                else:
                    problems.append(f"'{name}={raw[:40]}' is not an actor id: ignored.")
            return tuple(dict.fromkeys(ids))

        actors, exclude_actors = actor_ids("actor"), actor_ids("-actor")
        outlets, exclude_outlets = many("outlet"), many("-outlet")
        if both := [o for o in outlets if o in exclude_outlets]:
            problems.append(f"Outlet {', '.join(both)[:200]} was both selected and excluded: excluded.")
            outlets = tuple(o for o in outlets if o not in exclude_outlets)
        if both_actors := [a for a in actors if a in exclude_actors]:
            problems.append(f"Actor {', '.join(map(str, both_actors))} was both selected and excluded: excluded.")
            actors = tuple(a for a in actors if a not in exclude_actors)
        split = data.get("split") or ""
        if split not in SPLITS:
            problems.append(f"Unknown split '{split[:40]}': the histogram is not split.")
            split = ""
        date_from, date_to = day("from"), day("to")
        if date_from and date_to and date_from > date_to:
            problems.append("'from' was after 'to': the two dates were swapped.")
            date_from, date_to = date_to, date_from
        return cls(
            q=(data.get("q") or "")[:2000],
            outlet=outlets,
            actor=actors,
            exclude_outlet=exclude_outlets,
            exclude_actor=exclude_actors,
            split=split,  # type: ignore[arg-type]
            date_from=date_from,
            date_to=date_to,
            granularity=granularity,  # type: ignore[arg-type]
            sort=sort,  # type: ignore[arg-type]
            page=page,
            beyond_limit=beyond_limit,
            undated=(data.get("undated") or "") in {"1", "true", "on", "yes"},
            collapse=(data.get("collapse") or "") in {"1", "true", "on", "yes"},
            problems=tuple(problems),
        )

    def to_pairs(self, *, page: bool = True) -> list[tuple[str, str]]:  # in _PARAMETER_ORDER
        """The canonical query string pairs (defaults left out)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        pairs += [("outlet", v) for v in self.outlet]
        pairs += [("-outlet", v) for v in self.exclude_outlet]
        pairs += [("actor", str(v)) for v in self.actor]
        pairs += [("-actor", str(v)) for v in self.exclude_actor]
        if self.date_from:
            pairs.append(("from", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("to", self.date_to.isoformat()))
        if self.undated:
            pairs.append(("undated", "1"))
        if self.granularity:
            pairs.append(("granularity", self.granularity))
        if self.split:
            pairs.append(("split", self.split))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.collapse:
            pairs.append(("collapse", "1"))
        if page and self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def querystring(self, **changes: object) -> str:
        """'?q=...' for these parameters with some changed (page goes back to 1 unless given)."""
        changes.setdefault("page", 1)
        return "?" + urlencode(replace(self, **changes).to_pairs())  # type: ignore[arg-type]

    def search_query(
        self, *, offset: int | None = None, limit: int = PAGE_SIZE, facets: bool = True, coverage: bool = False
    ) -> SearchQuery:
        """The engine's query; facets get the time budget of settings.NEWSINDEX_FACET_BUDGET_MS."""
        budget = getattr(settings, "NEWSINDEX_FACET_BUDGET_MS", None)
        return SearchQuery(
            text=self.q,
            outlets=self.outlet,
            actors=self.actor,
            exclude_outlets=self.exclude_outlet,
            exclude_actors=self.exclude_actor,
            date_from=self.date_from,
            date_to=self.date_to,
            undated=self.undated,
            collapse=self.collapse,
            sort=self.sort,
            offset=(self.page - 1) * PAGE_SIZE if offset is None else offset,
            limit=limit,
            facets=facets,
            facet_budget=budget / 1000 if budget is not None else None,
            coverage=coverage and facets,
        )

    def toggle(self, name: str, value: object) -> str:
        """Query string with `value` added to or removed from the repeatable parameter `name`
        ("outlet", "-outlet", "actor", "-actor"); adding it to one side removes it from the other."""
        return self.toggles(name, [value])[0]

    def toggles(self, name: str, values: list[object]) -> list[str]:
        """toggle(name, value) for many values (a facet's): the query string is encoded once and
        each added value is put in its canonical place, after the values `name` already has."""
        attribute, opposite = _FIELDS[name], _FIELDS[_OPPOSITE[name]]
        current, other = getattr(self, attribute), getattr(self, opposite)
        pairs = replace(self, page=1).to_pairs()
        rank = _PARAMETER_ORDER.index(name)
        place = sum(1 for key, _ in pairs if _PARAMETER_ORDER.index(key) <= rank)
        head, tail = urlencode(pairs[:place]), urlencode(pairs[place:])
        out = []
        for value in values:
            if value in current:
                out.append(self.querystring(**{attribute: tuple(v for v in current if v != value)}))
            elif value in other:
                out.append(self.querystring(**{attribute: (*current, value), opposite: tuple(v for v in other if v != value)}))
            else:
                out.append("?" + "&".join(part for part in (head, urlencode([(name, str(value))]), tail) if part))
        return out
