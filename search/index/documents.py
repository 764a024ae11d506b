"""What the index holds for an article."""

from __future__ import annotations

import hashlib
import json

from django.db.models import Prefetch, QuerySet

from search.index.base import IndexDocument
from search.store.models import Article, ArticleActor, Paragraph


def indexable(articles: QuerySet[Article]) -> QuerySet[Article]:
    """The articles with everything document_for() reads, in four queries."""
    return articles.select_related("outlet").prefetch_related(
        Prefetch("paragraphs", queryset=Paragraph.objects.order_by("position")),
        Prefetch("actor_links", queryset=ArticleActor.objects.select_related("actor")),
        "copies_of",
    )


def document_for(article: Article) -> IndexDocument:
    """The index document of a (not hidden) article; use `indexable()` to load articles for it."""
    doc: IndexDocument = {
        "id": article.pk,
        "title": article.title,
        "body": article.body,
        "outlet": article.outlet_name,
        "authors": list(article.authors or []),
        "date": article.published,
        "actors": sorted(link.actor_id for link in article.actor_links.all()),
        "actor_names": sorted(link.actor.name for link in article.actor_links.all()),
        "copy_of": sorted(copy.source_id for copy in article.copies_of.all()),
        "fingerprint": "",
    }
    doc["fingerprint"] = fingerprint(doc)
    return doc


def fingerprint(doc: IndexDocument) -> str:
    """Changes whenever anything indexed for the article changes: how verify_index spots stale documents."""
    payload = {k: v for k, v in doc.items() if k != "fingerprint"}
    return hashlib.blake2b(json.dumps(payload, sort_keys=True, default=str).encode(), digest_size=12).hexdigest()
