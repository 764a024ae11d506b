"""Shared passages for display: per article (highlights with provenance), per result list
(counts), and side by side for two articles (aligned, with a word-level diff)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe

from search.query.highlight import mark
from search.query.reuse import Reach, Reuse, group_reaches, reach
from search.store.models import Article, PassageGroup, PassageMember

COLOURS = 8  # passage highlight colours, cycled (CSS classes g0..g7)


@dataclass
class Occurrence:
    article: Article
    similarity: float


@dataclass
class PassageView:
    group: PassageGroup
    colour: int
    start: int
    end: int
    others: list[Occurrence] = field(default_factory=list)
    earliest: Article | None = None
    reach: Reach | None = None  # this article and the others (search.query.reuse)

    @property
    def is_earliest(self) -> bool:
        return self.earliest is None or not self.others or all(o.article.pk != self.earliest.pk for o in self.others)


def article_passages(article: Article) -> dict[int, list[PassageView]]:
    """{paragraph id: passages in it}, each with the other articles carrying it (visible ones)."""
    members = list(
        PassageMember.objects.filter(article=article, group__boilerplate=False)
        .select_related("group__earliest__article__outlet")
        .order_by("paragraph_id", "start")
    )
    if not members:
        return {}
    group_ids = {m.group_id for m in members}
    others: dict[int, list[Occurrence]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for other in (
        PassageMember.objects.filter(group_id__in=group_ids, article__hidden=False)
        .exclude(article=article)
        .select_related("article__outlet")
        .order_by("article__published", "article_id")
    ):
        if (other.group_id, other.article_id) not in seen:
            seen.add((other.group_id, other.article_id))
            others[other.group_id].append(Occurrence(other.article, other.similarity))
    colours = {gid: index % COLOURS for index, gid in enumerate(sorted(group_ids))}
    views: dict[int, list[PassageView]] = defaultdict(list)
    for member in members:
        if not others[member.group_id]:
            continue  # every other copy is hidden
        earliest = member.group.earliest.article if member.group.earliest else None
        carriers = {article.pk: article.outlet_id, **{o.article.pk: o.article.outlet_id for o in others[member.group_id]}}
        views[member.paragraph_id].append(
            PassageView(
                member.group, colours[member.group_id], member.start, member.end, others[member.group_id], earliest, reach(carriers)
            )
        )
    return views


def render_paragraph(text: str, query_spans: list[tuple[int, int]], passages: list[PassageView]) -> SafeString:
    """Escaped paragraph: shared passages wrapped in coloured spans, query words in <mark>."""
    out: list[str] = []
    cursor = 0
    for view in sorted(passages, key=lambda v: v.start):
        start, end = max(view.start, cursor), view.end
        if start >= end:
            continue  # overlaps the previous passage
        out.append(mark(text, query_spans, cursor, start))
        out.append(
            f'<span class="passage g{view.colour}" id="passage-{view.group.pk}" data-group="{view.group.pk}">'
            f"{mark(text, query_spans, start, end)}</span>"
        )
        cursor = end
    out.append(mark(text, query_spans, cursor, len(text)))
    return mark_safe("".join(out))  # noqa: S308 (mark() escapes every piece of text)


@dataclass
class SharingSummary:
    passages: int
    articles: int
    groups: list[int] = field(default_factory=list)  # the passages' ids (for links to their pages)
    by_reuse: dict[Reuse, int] = field(default_factory=dict)  # passages by how far they reached (search.query.reuse)

    def count(self, reuse: Reuse) -> int:
        return self.by_reuse.get(reuse, 0)

    @property
    def breakdown(self) -> str:
        """'across outlets' when every passage is alike, else '1 across outlets, 2 with outlets unknown'."""
        present = [reuse for reuse in Reuse if self.count(reuse)]
        if len(present) == 1:
            return present[0].label
        return ", ".join(f"{self.count(r)} {'with ' if r is Reuse.UNKNOWN else ''}{r.label}" for r in present)


def sharing_summaries(article_ids: list[int]) -> dict[int, SharingSummary]:
    """For result rows: how many passages each article shares, with how many other (visible)
    articles, and how far each passage reached (search.query.reuse)."""
    rows = (
        PassageMember.objects.filter(article_id__in=article_ids, group__boilerplate=False)
        .values_list("article_id", "group_id")
        .distinct()
        .order_by("article_id", "group_id")
    )
    groups_of: dict[int, list[int]] = defaultdict(list)
    for article_id, group_id in rows:
        groups_of[article_id].append(group_id)
    if not groups_of:
        return {}
    reaches = group_reaches(g for groups in groups_of.values() for g in groups)
    pairs = (
        PassageMember.objects.filter(group__members__article_id__in=list(groups_of), group__boilerplate=False, article__hidden=False)
        .values_list("group__members__article_id", "article_id")
        .distinct()
    )
    partners: dict[int, set[int]] = defaultdict(set)
    for mine, other in pairs:
        if other != mine:
            partners[mine].add(other)
    out: dict[int, SharingSummary] = {}
    for article_id, groups in groups_of.items():
        shared = [g for g in groups if reaches[g].articles >= 2]  # another visible article carries it
        if not shared or not partners[article_id]:
            continue
        out[article_id] = SharingSummary(
            len(shared), len(partners[article_id]), shared, dict(Counter(reaches[g].reuse for g in shared))
        )
    return out


class Source(NamedTuple):
    """The earliest carrier of a passage, as the CSV names it."""

    article_id: int
    outlet_name: str
    published: dt.date | None


def passage_counts(article_ids: list[int]) -> dict[int, tuple[int, Source | None, int]]:
    """For the CSV: (shared passages, earliest source of its most shared passage, passages shared
    across outlets) per article.

    Four flat queries per batch of articles, whatever its size: the CSV of a whole corpus
    must not build an ORM object per passage member. "Across outlets" is search.query.reuse's rule.
    """
    members = (
        PassageMember.objects.filter(article_id__in=article_ids, group__boilerplate=False)
        .order_by("-group__article_count", "group_id")
        .values_list("article_id", "group_id", "group__earliest__article_id")
    )
    groups: dict[int, set[int]] = defaultdict(set)
    first: dict[int, int | None] = {}
    for article_id, group_id, earliest_id in members.iterator(chunk_size=5000):
        groups[article_id].add(group_id)
        first.setdefault(article_id, earliest_id)
    reaches = group_reaches(g for ids in groups.values() for g in ids)
    cross = {a: {g for g in ids if reaches[g].reuse is Reuse.ACROSS} for a, ids in groups.items()}
    wanted = {pk for pk in first.values() if pk is not None}
    sources = {
        pk: Source(pk, outlet or "", published)
        for pk, outlet, published in Article.objects.filter(id__in=wanted).values_list("id", "outlet__name", "published")
    }
    return {a: (len(groups[a]), sources.get(earliest) if earliest else None, len(cross[a])) for a, earliest in first.items()}


# --- comparing two articles --------------------------------------------------------------------------

_WORD = re.compile(r"\S+")


def word_diff(a: str, b: str) -> SafeString:
    """b against a, word by word: <del> what a has and b lacks, <ins> what b adds."""
    wa, wb = _WORD.findall(a), _WORD.findall(b)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(wb[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(wa[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(wb[j1:j2]))}</ins>")
    return mark_safe(" ".join(out))  # noqa: S308 (every word escaped)


@dataclass
class AlignedPassage:
    group: PassageGroup
    left: str
    right: str
    diff: SafeString | None  # when the two are not identical


def compare(left: Article, right: Article) -> list[AlignedPassage]:
    """Passages the two articles share, in the left article's order, with a diff where they differ."""
    members = PassageMember.objects.filter(article__in=[left, right], group__boilerplate=False).select_related(
        "group", "paragraph"
    )
    by_group: dict[int, dict[int, PassageMember]] = defaultdict(dict)
    for member in members:
        by_group[member.group_id].setdefault(member.article_id, member)
    aligned = []
    for pair in by_group.values():
        if left.pk in pair and right.pk in pair:
            a, b = pair[left.pk], pair[right.pk]
            ta, tb = a.paragraph.text[a.start : a.end], b.paragraph.text[b.start : b.end]
            same = " ".join(ta.split()) == " ".join(tb.split())
            aligned.append((a.paragraph.position, a.start, AlignedPassage(a.group, ta, tb, None if same else word_diff(ta, tb))))
    return [item for *_, item in sorted(aligned, key=lambda t: (t[0], t[1]))]
