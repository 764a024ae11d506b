"""Merge articles that identity makes one (databases imported before it, or by older versions).

Groups: the same canonical URL; else the same record id from the same source; else the same
outlet and text; else the same text where one of the two names no outlet; never across two
different URLs or two record ids of one source (the rules of search.ingest.identity.compatible). In each group the oldest article (lowest id, so its links
stay valid) survives and takes over from the others:

- curators' edits: a field (title, outlet, date, authors, URL) that differs from what cleaning
  the article's own raw record gives was edited by a curator, and the edit is kept (the most
  recently updated member's, when several were edited);
- the hidden flag: hidden if any member was hidden (a curator hid it; a merge never shows it);
- actor links, the places the articles were read from and anything else that points at an
  article are moved to the survivor; passage marks are kept by text and shared passages are
  recomputed once at the end;
- index work is queued in the same transaction: the merged-away ids leave the index, the
  survivor is indexed again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction

from search.index.outbox import enqueue
from search.ingest.pipeline import clean_record
from search.ingest.records import RejectedRecord, SourceRecord
from search.store import passages
from search.store.identity import REASONS
from search.store.models import Article, ArticleActor, ArticleLocation, IndexTask, Outlet, OutletAlias

log = logging.getLogger(__name__)
EDITABLE = ("title", "outlet_id", "published", "date_precision", "authors", "url")
# Relations handled here by hand; any other model pointing at Article is moved generically.
HANDLED = {"paragraphs", "actor_links", "locations", "passages", "copies_of", "copied_by"}


@dataclass
class MergeGroup:
    survivor: int
    merged: list[int]
    reason: str
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        ids = ", ".join(map(str, self.merged))
        notes = f"; {'; '.join(self.notes)}" if self.notes else ""
        return f"merged {ids} into {self.survivor} ({self.reason}){notes}"


class _Components:
    """Union-find over article ids, keeping each component's URL and record keys."""

    def __init__(self, rows: list[tuple[int, str, str, str, str]]) -> None:
        self.parent = {pk: pk for pk, *_ in rows}
        self.urls = {pk: {u} - {""} for pk, u, *_ in rows}
        self.records = {pk: {r} - {""} for pk, _, r, *_ in rows}
        self.reason: dict[int, str] = {}

    def find(self, pk: int) -> int:
        while self.parent[pk] != pk:
            self.parent[pk] = self.parent[self.parent[pk]]
            pk = self.parent[pk]
        return pk

    def union(self, a: int, b: int, kind: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        urls, records = self.urls[ra] | self.urls[rb], self.records[ra] | self.records[rb]
        if kind != "url" and len(urls) > 1:
            return
        if kind in ("text", "bare_text") and self.records[ra] and self.records[rb] and not self.records[ra] & self.records[rb]:
            return
        root, other = min(ra, rb), max(ra, rb)
        self.parent[other] = root
        self.urls[root], self.records[root] = urls, records
        self.reason.setdefault(root, REASONS[kind])


def find_groups() -> list[MergeGroup]:
    rows = list(Article.objects.order_by("id").values_list("id", "url_key", "record_key", "text_key", "bare_text_key"))
    components = _Components(rows)
    for kind, column in (("url", 1), ("record", 2), ("text", 3)):
        by_key: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            if row[column]:
                by_key[row[column]].append(row[0])
        for ids in by_key.values():
            for other in ids[1:]:
                components.union(ids[0], other, kind)
    # The same text, one copy naming no outlet: it joins the first copy that names one (or the
    # first copy at all); two copies under two named outlets stay apart (syndication).
    by_text: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for pk, _, _, text_key, bare_text_key in rows:
        if bare_text_key:
            by_text[bare_text_key][text_key == bare_text_key].append(pk)
    for named, unnamed in by_text.values():
        if unnamed and len(named) + len(unnamed) > 1:
            anchor = (named or unnamed)[0]
            for other in unnamed:
                if other != anchor:
                    components.union(anchor, other, "bare_text")
    members: dict[int, list[int]] = defaultdict(list)
    for pk, *_ in rows:
        members[components.find(pk)].append(pk)
    return [
        MergeGroup(root, sorted(ids)[1:], components.reason.get(root, "same article"))
        for root, ids in sorted(members.items())
        if len(ids) > 1
    ]


def _imported_values(article: Article, outlet_ids: dict[str, int]) -> dict[str, object] | None:
    """What the import gives for the editable fields (None when the raw record no longer cleans)."""
    record = SourceRecord(article.source_file, article.source_line, article.source_key, article.raw_kind, article.raw_text, dict(article.raw_meta or {}))  # type: ignore[arg-type]
    try:
        clean = clean_record(record)
    except RejectedRecord:
        return None
    return {
        "title": clean.title,
        "outlet_id": outlet_ids.get(clean.outlet) if clean.outlet else None,
        "published": clean.published,
        "date_precision": clean.date_precision,
        "authors": clean.authors,
        "url": clean.url or article.url,  # an HTML page's link comes from the page itself
    }


def _curators_edits(articles: list[Article]) -> dict[str, tuple[object, int]]:
    """field -> (value, article id) for fields a curator changed, newest edit first."""
    outlet_ids = dict(Outlet.objects.values_list("name", "id"))
    outlet_ids.update(OutletAlias.objects.values_list("name", "outlet_id"))
    edits: dict[str, tuple[object, int]] = {}
    for article in sorted(articles, key=lambda a: a.updated_at, reverse=True):
        imported = _imported_values(article, outlet_ids)
        if imported is None:
            continue
        for name in EDITABLE:
            if getattr(article, name) != imported[name]:
                edits.setdefault(name, (getattr(article, name), article.pk))
    return edits


def _move_other_relations(survivor: Article, merged: list[int]) -> None:
    """Anything else that points at an article (added by other parts of the app) follows it;
    what cannot (a unique pair the survivor already has) goes with the merged article."""
    for relation in Article._meta.related_objects:
        if relation.name in HANDLED or not isinstance(relation, models.ManyToOneRel) or relation.many_to_many:
            continue
        model, column = relation.related_model, relation.field.name
        for pk in model.objects.filter(**{f"{column}__in": merged}).values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    model.objects.filter(pk=pk).update(**{column: survivor.pk})
            except IntegrityError:
                pass


def _merge(group: MergeGroup) -> None:
    articles = list(Article.objects.filter(id__in=[group.survivor, *group.merged]))
    survivor = next(a for a in articles if a.pk == group.survivor)
    for name, (value, source) in _curators_edits(articles).items():
        if source != survivor.pk:
            group.notes.append(f"{name.removesuffix('_id')} from {source} (a curator's edit)")
        setattr(survivor, name, value)
    hidden = [a.pk for a in articles if a.hidden]
    if hidden and not survivor.hidden:
        group.notes.append(f"kept hidden: {', '.join(map(str, hidden))} was hidden")
        survivor.hidden = True
    survivor.url_key = survivor.url_key or next((a.url_key for a in articles if a.url_key), "")
    survivor.record_key = survivor.record_key or next((a.record_key for a in articles if a.record_key), "")
    survivor.save()
    have = set(ArticleActor.objects.filter(article=survivor).values_list("actor_id", flat=True))
    moved = 0
    for link in ArticleActor.objects.filter(article_id__in=group.merged).order_by("id"):
        if link.actor_id not in have:
            ArticleActor.objects.filter(pk=link.pk).update(article=survivor)
            have.add(link.actor_id)
            moved += 1
    if moved:
        group.notes.append(f"{moved} actor links moved")
    ArticleLocation.objects.filter(article_id__in=group.merged).update(article=survivor)
    _move_other_relations(survivor, group.merged)
    Article.objects.filter(id__in=group.merged).delete()
    enqueue(group.merged, action=IndexTask.Action.DELETE)
    enqueue([survivor.pk])


def merge_duplicates(*, dry_run: bool = False, report: Callable[[str], None] | None = None) -> list[MergeGroup]:
    """Find the groups and (unless `dry_run`) merge each in its own transaction."""
    say = report or log.info
    groups = find_groups()
    for group in groups:
        if not dry_run:
            with transaction.atomic():
                _merge(group)
        say(("would merge" + str(group).removeprefix("merged")) if dry_run else str(group))
    if groups and not dry_run:
        stats = passages.rebuild()  # the merged-away articles' shared passages are gone with them
        say(f"shared passages recomputed: {stats.groups} groups")
    return groups
