"""What the index holds for an article."""

from __future__ import annotations

import hashlib
import json

from search.index.base import IndexDocument
from search.store.models import Article


def document_for(article: Article) -> IndexDocument:
    """The index document of a (not hidden) article; prefetch paragraphs and outlet for speed."""
    doc: IndexDocument = {
        "id": article.pk,
        "title": article.title,
        "body": article.body,
        "outlet": article.outlet_name,
        "authors": list(article.authors or []),
        "date": article.published,
        "actors": [],
        "actor_names": [],
        "fingerprint": "",
    }
    doc["fingerprint"] = fingerprint(doc)
    return doc


def fingerprint(doc: IndexDocument) -> str:
    """Changes whenever anything indexed for the article changes: how verify_index spots stale documents."""
    payload = {k: v for k, v in doc.items() if k != "fingerprint"}
    return hashlib.blake2b(json.dumps(payload, sort_keys=True, default=str).encode(), digest_size=12).hexdigest()
