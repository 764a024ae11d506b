"""What the index holds for an article."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable

from search.index.base import IndexDocument
from search.store.models import Article, ArticleActor, ArticleCopy


def documents_for(article_ids: Iterable[int]) -> list[IndexDocument]:
    """The index documents of these articles that are visible (hidden and deleted ones are left
    out), in id order. Four plain queries and no model instances: building Paragraph objects
    cost as much as the indexing itself."""
    ids = sorted(set(article_ids))
    if not ids:
        return []
    rows = (
        Article.objects.filter(id__in=ids, hidden=False)
        .order_by("id")
        .values_list("id", "title", "outlet__name", "authors", "published")
    )
    bodies = Article.bodies(ids)
    actors: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for article_id, actor_id, name in ArticleActor.objects.filter(article_id__in=ids).values_list("article_id", "actor_id", "actor__name"):
        actors[article_id].append((actor_id, name))
    copies: dict[int, list[int]] = defaultdict(list)
    for article_id, source_id in ArticleCopy.objects.filter(article_id__in=ids).values_list("article_id", "source_id"):
        copies[article_id].append(source_id)
    return [
        _document(pk, title, outlet or "", authors, published, bodies[pk], actors[pk], copies[pk])
        for pk, title, outlet, authors, published in rows
    ]


def _document(pk, title, outlet, authors, published, body, actors, copies) -> IndexDocument:  # type: ignore[no-untyped-def]
    doc: IndexDocument = {
        "id": pk,
        "title": title,
        "body": body,
        "outlet": outlet,
        "authors": list(authors or []),
        "date": published,
        "actors": sorted(actor_id for actor_id, _ in actors),
        "actor_names": sorted(name for _, name in actors),
        "copy_of": sorted(copies),
        "fingerprint": "",
    }
    doc["fingerprint"] = fingerprint(doc)
    return doc


def fingerprint(doc: IndexDocument) -> str:
    """Changes whenever anything indexed for the article changes: how verify_index spots stale documents."""
    payload = {k: v for k, v in doc.items() if k != "fingerprint"}
    return hashlib.blake2b(json.dumps(payload, sort_keys=True, default=str).encode(), digest_size=12).hexdigest()
