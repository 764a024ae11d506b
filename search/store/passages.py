"""Shared passages in the database: detect (search.duplicates), store as groups, keep in step.

`rebuild()` recomputes every group from the stored paragraphs; `update_for(new_ids)` compares
new articles with the whole corpus using the saved shingle index. Boilerplate paragraphs (the
importer's) never take part; passages a curator marked as boilerplate stay out of highlights and
counts across recomputations (they are remembered by their normalised text).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Length

from search.duplicates.detect import Para, Settings, ShingleIndex, Span, find_groups
from search.duplicates.model import PassageGroup as FoundGroup
from search.duplicates.quality import is_quotation, refine
from search.index.outbox import enqueue
from search.ingest.clean import match_key
from search.store.models import (
    Article,
    ArticleCopy,
    BoilerplatePassage,
    Paragraph,
    PassageGroup,
    PassageMember,
)

log = logging.getLogger(__name__)
COPY_COVERAGE = 0.8  # an article this much covered by an earlier one is a copy of it (collapse=1)
# A passage only one outlet uses, in this many articles or more spread over this many days or
# more, is that outlet's boilerplate (a sign-off, a bio, a caption template): marked automatically.
LEARN_MIN_ARTICLES = 3
LEARN_MIN_DAYS = 60


def quoted_spans(spans: list[tuple[int, int, int]]) -> list[bool]:
    """Settings.is_quote for the detector: are these (paragraph, start, end) spans quotations?"""
    texts: dict[int, str] = {}
    ids = sorted({pid for pid, _, _ in spans})
    for start in range(0, len(ids), 900):
        texts.update(Paragraph.objects.filter(id__in=ids[start : start + 900]).values_list("id", "text"))
    return [pid in texts and is_quotation(texts[pid], a, b) for pid, a, b in spans]


def detector_settings() -> Settings:
    return Settings(is_quote=quoted_spans)


def shingle_path() -> Path:
    return Path(settings.NEWSINDEX_SHINGLES)


def text_key(text: str) -> str:
    return hashlib.blake2b(match_key(text).encode(), digest_size=16).hexdigest()


def corpus_paras(article_ids: Iterable[int] | None = None) -> Iterator[Para]:
    rows = Paragraph.objects.filter(boilerplate=False)
    if article_ids is not None:
        rows = rows.filter(article_id__in=list(article_ids))
    for pk, article_id, text in rows.order_by("id").values_list("id", "article_id", "text").iterator(chunk_size=5000):
        yield Para(article_id, pk, text)


@dataclass
class PassageStats:
    groups: int
    members: int
    articles_changed: int
    rebuilt: bool = False  # every group was recomputed (not only those of the articles asked about)


def rebuild() -> PassageStats:
    index = ShingleIndex.build(corpus_paras())
    found = find_groups(index, settings=detector_settings())
    with transaction.atomic():
        before = set(PassageMember.objects.values_list("article_id", flat=True).distinct())
        _delete_all_groups()
        stats = _store(found)
        copies_changed = _refresh_copies(None)
        # The index holds only which article copies which (collapse); highlights and counts are
        # read from the database. So only articles whose copy status changed are reindexed.
        enqueue(copies_changed)
        changed = copies_changed | before | _articles_of(found)
    _save(index)
    stats.articles_changed = len(changed)
    stats.rebuilt = True
    return stats


def update_for(article_ids: Iterable[int], *, replaced: bool = False) -> PassageStats:
    """Compare these (new) articles with the corpus. `replaced`: some of them existed before with
    other paragraphs, which the saved index still holds, so everything is recomputed."""
    ids = set(article_ids)
    path = shingle_path()
    if replaced or not path.exists():
        return rebuild()
    try:
        index = ShingleIndex.load(path)
    except (OSError, ValueError) as exc:
        log.warning("shingle index unreadable (%s): rebuilding", exc)
        return rebuild()
    if ids and np.isin(np.fromiter(ids, dtype=np.int64), index.para_article).any():  # compared before: redo all
        return rebuild()
    index.add(corpus_paras(ids))
    found = find_groups(index, ids, detector_settings())
    with transaction.atomic():
        touched = _drop_overlapping(found)
        stats = _store(found)
        copies_changed = _refresh_copies(touched | _articles_of(found))
        enqueue(copies_changed)  # the index holds only the copy relation (see rebuild)
        changed = copies_changed | touched | _articles_of(found)
    _save(index)
    stats.articles_changed = len(changed)
    return stats


def _delete_all_groups() -> None:
    """Every group and member, in three statements: Django's delete() would first load each
    member, to clear the groups' `earliest` pointing at it (600k objects on a large corpus)."""
    PassageGroup.objects.exclude(earliest=None).update(earliest=None)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(PassageMember._meta.db_table)}")  # noqa: S608 (table names from the models)
        cursor.execute(f"DELETE FROM {quote(PassageGroup._meta.db_table)}")  # noqa: S608


def _save(index: ShingleIndex) -> None:
    """Write the index beside the current one, then swap the folders: a crash leaves the old
    index, or none (the next import then rebuilds it), never half of one."""
    path = shingle_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh, old = path.with_name(path.name + ".new"), path.with_name(path.name + ".old")
    for leftover in (fresh, old):
        _remove(leftover)
    index.save(fresh)
    if path.exists():
        path.rename(old)  # its files may still be mapped by `index`: unlinking them later is safe
    fresh.rename(path)
    _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()  # a file: the .npz of earlier versions


def _articles_of(found: list[FoundGroup]) -> set[int]:
    return {span.article for group in found for span, _ in group.members}


def _drop_overlapping(found: list[FoundGroup]) -> set[int]:
    """Delete stored groups that the new groups replace (they share an occurrence). Returns their articles."""
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for group in found:
        for span, _ in group.members:
            spans[span.paragraph].append((span.start, span.end))
    doomed: set[int] = set()
    for member in PassageMember.objects.filter(paragraph_id__in=list(spans)).only("group_id", "paragraph_id", "start", "end"):
        if any(member.start < end and start < member.end for start, end in spans[member.paragraph_id]):
            doomed.add(member.group_id)
    touched = set(PassageMember.objects.filter(group_id__in=doomed).values_list("article_id", flat=True))
    PassageGroup.objects.filter(id__in=doomed).delete()
    return touched


def _texts(paragraph_ids: set[int]) -> dict[int, str]:
    texts: dict[int, str] = {}
    ids = sorted(paragraph_ids)
    for start in range(0, len(ids), 900):
        texts.update(Paragraph.objects.filter(id__in=ids[start : start + 900]).values_list("id", "text"))
    return texts


def _learned(articles: set[int], meta: dict[int, tuple[dt.date | None, int | None]]) -> bool:
    """One outlet's own text recurring over a long period: its boilerplate."""
    outlets = {meta[a][1] for a in articles}
    dates = sorted(meta[a][0] for a in articles if meta[a][0] is not None)
    return (
        len(outlets) == 1
        and None not in outlets
        and len(articles) >= LEARN_MIN_ARTICLES
        and len(dates) >= 2
        and (dates[-1] - dates[0]).days >= LEARN_MIN_DAYS
    )


def _store(found: list[FoundGroup]) -> PassageStats:
    paragraph_ids = {span.paragraph for group in found for span, _ in group.members}
    texts = _texts(paragraph_ids)
    # Paragraphs deleted since the shingle index was saved (an article deleted in the admin) drop out.
    found, _ = refine(found, texts)
    article_ids = _articles_of(found)
    meta = {
        pk: (published, outlet_id)
        for pk, published, outlet_id in Article.objects.filter(id__in=article_ids).values_list("id", "published", "outlet_id")
    }
    marked = set(BoilerplatePassage.objects.values_list("text_key", flat=True))
    groups: list[PassageGroup] = []
    for found_group in found:
        first = found_group.members[0][0]
        text = texts[first.paragraph][first.start : first.end]
        articles = {span.article for span, _ in found_group.members}
        outlets = {meta[a][1] for a in articles if meta[a][1] is not None}
        key = text_key(text)
        learned = _learned(articles, meta)
        groups.append(
            PassageGroup(
                text=text,
                text_key=key,
                exact=found_group.exact,
                article_count=len(articles),
                outlet_count=len(outlets),
                boilerplate=key in marked or learned,
                learned_boilerplate=learned,
            )
        )
    PassageGroup.objects.bulk_create(groups, batch_size=500)
    members: list[PassageMember] = []
    for group, found_group in zip(groups, found, strict=True):
        for span, similarity in found_group.members:
            members.append(
                PassageMember(
                    group=group,
                    article_id=span.article,
                    paragraph_id=span.paragraph,
                    start=span.start,
                    end=span.end,
                    similarity=round(float(similarity), 4),
                )
            )
    PassageMember.objects.bulk_create(members, batch_size=1000)
    _set_earliest()
    return PassageStats(groups=len(groups), members=len(members), articles_changed=0)


def _set_earliest() -> None:
    """The presumed source of each group lacking one: its earliest member by date (undated
    last), then by import order. One set-based UPDATE (a window over the members of those
    groups), not an update per group and not a correlated subquery: on PostgreSQL, groups and
    members written in this same transaction have no statistics yet, and the planner ran the
    subquery as a scan of every member per group (hours at 46k groups)."""
    group, member, article = (connection.ops.quote_name(m._meta.db_table) for m in (PassageGroup, PassageMember, Article))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {group} SET earliest_id = first.member_id
            FROM (
                SELECT ranked.member_id, ranked.group_id FROM (
                    SELECT m.id AS member_id, m.group_id AS group_id,
                           ROW_NUMBER() OVER (
                               PARTITION BY m.group_id
                               ORDER BY a.published ASC NULLS LAST, m.article_id ASC, m.id ASC
                           ) AS rank
                    FROM {member} m
                    JOIN {article} a ON a.id = m.article_id
                    JOIN {group} g ON g.id = m.group_id
                    WHERE g.earliest_id IS NULL
                ) ranked
                WHERE ranked.rank = 1
            ) first
            WHERE {group}.id = first.group_id
            """
        )


def _refresh_copies(article_ids: set[int] | None) -> set[int]:
    """Recompute which articles are mostly copies of an earlier one. Returns articles whose answer changed."""
    members = PassageMember.objects.filter(group__boilerplate=False)
    if article_ids is not None:
        groups = PassageMember.objects.filter(article_id__in=article_ids).values("group_id")
        members = members.filter(group_id__in=groups)
    by_group: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for group_id, article_id, paragraph_id, start, end in members.values_list("group_id", "article_id", "paragraph_id", "start", "end"):
        by_group[group_id].append((article_id, paragraph_id, start, end))
    covered: dict[tuple[int, int], dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for rows in by_group.values():
        for article, paragraph, start, end in rows:
            for other, *_ in rows:
                if other != article:
                    covered[(article, other)][paragraph].append((start, end))
    involved = {a for a, _ in covered} | set(article_ids or ())
    paragraphs = Paragraph.objects.filter(boilerplate=False)
    if article_ids is not None:
        paragraphs = paragraphs.filter(article_id__in=involved)
    lengths: dict[int, int] = dict(
        paragraphs.order_by().values("article_id").annotate(chars=Sum(Length("text"))).values_list("article_id", "chars")
    )
    articles = Article.objects.all() if article_ids is None else Article.objects.filter(id__in=involved)
    meta = {pk: (published or dt.date.max, pk) for pk, published in articles.values_list("id", "published") if pk in involved}
    copies: list[ArticleCopy] = []
    for (article, other), paragraphs in covered.items():
        chars = sum(_union_length(spans) for spans in paragraphs.values())
        coverage = chars / lengths[article] if lengths.get(article) else 0.0
        if coverage >= COPY_COVERAGE and meta[other] < meta[article]:
            copies.append(ArticleCopy(article_id=article, source_id=other, coverage=round(coverage, 3)))
    old = ArticleCopy.objects.all() if article_ids is None else ArticleCopy.objects.filter(article_id__in=involved)
    before = set(old.values_list("article_id", "source_id"))
    old.delete()
    ArticleCopy.objects.bulk_create(copies, batch_size=1000)
    after = {(c.article_id, c.source_id) for c in copies}
    return {article for article, _ in before ^ after}


def _union_length(spans: list[tuple[int, int]]) -> int:
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


@transaction.atomic
def mark_boilerplate(groups: Iterable[PassageGroup], boilerplate: bool = True) -> int:
    """A curator's mark; remembered by text so it survives recomputation and re-import."""
    groups = list(groups)
    for group in groups:
        if boilerplate:
            BoilerplatePassage.objects.get_or_create(text_key=group.text_key, defaults={"text": group.text})
        else:
            BoilerplatePassage.objects.filter(text_key=group.text_key).delete()
    PassageGroup.objects.filter(text_key__in=[g.text_key for g in groups]).update(boilerplate=boilerplate)
    articles = set(PassageMember.objects.filter(group__in=groups).values_list("article_id", flat=True))
    changed = _refresh_copies(articles)
    enqueue(articles | changed)
    return len(groups)
