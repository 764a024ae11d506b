"""Boilerplate learned from the corpus: paragraphs one outlet prints under many articles."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.functions import Length

from search.store.models import Article, Paragraph

MIN_ARTICLES = 5  # a paragraph in at least this many articles of one outlet is that outlet's boilerplate
MAX_CHARS = 600  # longer paragraphs are news copied between stories, not boilerplate


def learn_outlet_boilerplate(outlet_ids: Iterable[int]) -> set[int]:
    """Mark recurring paragraphs of these outlets as boilerplate. Returns the articles changed."""
    outlet_ids = list(outlet_ids)
    changed: set[int] = set()
    if not outlet_ids:
        return changed
    recurring = (
        Paragraph.objects.annotate(chars=Length("text"))
        .filter(article__outlet_id__in=outlet_ids, chars__lte=MAX_CHARS, boilerplate=False)
        .values("article__outlet_id", "text_hash")
        .annotate(articles=Count("article_id", distinct=True))
        .filter(articles__gte=MIN_ARTICLES)
    )
    by_outlet: dict[int, list[str]] = {}
    for row in recurring:
        by_outlet.setdefault(row["article__outlet_id"], []).append(row["text_hash"])
    for outlet_id, hashes in by_outlet.items():
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            targets = Paragraph.objects.filter(article__outlet_id=outlet_id, text_hash__in=chunk, boilerplate=False)
            changed.update(targets.values_list("article_id", flat=True))
            targets.update(boilerplate=True)
    if changed:
        # Never leave an article without text: if everything in it recurs, it is a repeated story.
        emptied = list(
            Article.objects.filter(id__in=changed)
            .annotate(kept=Count("paragraphs", filter=Q(paragraphs__boilerplate=False)))
            .filter(kept=0)
            .values_list("id", flat=True)
        )
        if emptied:
            Paragraph.objects.filter(article_id__in=emptied).update(boilerplate=False)
    return changed
