"""How far a shared passage reached: the one rule every page counts outlets by.

An article with no known outlet is never taken to be the same outlet as another article, known
or not, nor a different one: it is counted apart, as "outlet unknown". So a passage is reused

- across outlets: two or more known outlets carry it (whatever else does);
- within one outlet: exactly one known outlet carries it and every copy names that outlet;
- with outlets unknown: otherwise (no known outlet, or one known outlet and copies naming none).

Counts are over visible articles, as the pages list them. The search results, the passage page,
/duplicates/, the article page and their JSON twins all take their figures from here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from search.store.models import PassageMember


class Reuse(StrEnum):
    ACROSS = "across_outlets"
    OWN = "one_outlet"
    UNKNOWN = "outlets_unknown"

    @property
    def label(self) -> str:
        return {"across_outlets": "across outlets", "one_outlet": "within one outlet", "outlets_unknown": "outlets unknown"}[self.value]


@dataclass(frozen=True)
class Reach:
    """The visible copies of one passage: articles, distinct known outlets, articles of unknown outlet."""

    articles: int
    outlets: int
    unknown: int

    @property
    def reuse(self) -> Reuse:
        if self.outlets >= 2:
            return Reuse.ACROSS
        if self.outlets == 1 and not self.unknown:
            return Reuse.OWN
        return Reuse.UNKNOWN

    @property
    def outlets_text(self) -> str:
        """'2 outlets', '1 outlet', 'outlets unknown', '1 outlet and 2 articles of unknown outlet'."""
        known = f"{self.outlets} outlet{'' if self.outlets == 1 else 's'}"
        if not self.unknown:
            return known
        if not self.outlets:
            return "outlets unknown"
        return f"{known} and {self.unknown} article{'' if self.unknown == 1 else 's'} of unknown outlet"

    @property
    def text(self) -> str:
        """'3 articles, 1 outlet and 2 articles of unknown outlet (outlets unknown)'."""
        articles = f"{self.articles} article{'' if self.articles == 1 else 's'}"
        if self.reuse is Reuse.UNKNOWN and not self.outlets:
            return f"{articles}, outlets unknown"
        label = "one outlet reusing its own text" if self.reuse is Reuse.OWN else self.reuse.label
        return f"{articles}, {self.outlets_text} ({label})"

    def as_json(self) -> dict[str, int | str]:
        return {"articles": self.articles, "outlets": self.outlets, "outlets_unknown": self.unknown, "reuse": self.reuse.value}


def reach(article_outlets: dict[int, int | str | None]) -> Reach:
    """{article id: its outlet (id or name), None or '' when unknown} -> its Reach."""
    known = {outlet for outlet in article_outlets.values() if outlet not in (None, "")}
    unknown = sum(1 for outlet in article_outlets.values() if outlet in (None, ""))
    return Reach(len(article_outlets), len(known), unknown)


def group_reaches(group_ids: Iterable[int]) -> dict[int, Reach]:
    """{passage id: Reach} over each passage's visible articles, in one query."""
    ids = sorted(set(group_ids))
    carriers: dict[int, dict[int, int | None]] = defaultdict(dict)
    for start in range(0, len(ids), 900):
        rows = (
            PassageMember.objects.filter(group_id__in=ids[start : start + 900], article__hidden=False)
            .values_list("group_id", "article_id", "article__outlet_id")
            .distinct()
            .order_by()
        )
        for group_id, article_id, outlet_id in rows:
            carriers[group_id][article_id] = outlet_id
    return {group_id: reach(carriers[group_id]) for group_id in ids}
