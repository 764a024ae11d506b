"""Which stored article a record is, and which record earlier in the same import it repeats.

The keys come from search.ingest.identity; this module looks them up in the database (a batch at
a time) and remembers what the running import has already accepted, so the second of two twin
files, or the same record in a second export, is reported as "same article as ..." instead of
being stored twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from search.ingest.identity import Identity, compatible
from search.store.models import Article, ArticleLocation

REASONS = {
    "url": "same URL",
    "record": "same record id from the same source",
    "location": "the same file or record read twice",
    "text": "same outlet and text",
    "bare_text": "same text, one copy naming no outlet",
}
_FIELDS = ("id", "content_hash", "url_key", "record_key", "text_key", "bare_text_key")


@dataclass(frozen=True)
class Known:
    """A stored article, as identity sees it."""

    article_id: int
    content_hash: str
    ident: Identity


@dataclass
class Seen:
    """A record this import accepted (stored, updated or found unchanged)."""

    ident: Identity
    where: str
    content_hash: str
    article_id: int | None = None


@dataclass(frozen=True)
class Decision:
    article: Known | None = None  # the stored article the record is; None: a new article
    first: Seen | None = None  # set when an earlier record of this import is the same article
    kind: str = ""  # the key that decided: url, record, location or text

    def reason(self, content_hash: str) -> str:
        reason = REASONS.get(self.kind, "same article")
        if self.first is not None and self.first.content_hash != content_hash:
            reason += "; the records differ, the first is kept"
        return reason


def _known(row: tuple[int, str, str, str, str, str]) -> Known:
    pk, content_hash, url_key, record_key, text_key, bare_text_key = row
    return Known(pk, content_hash, Identity("", url_key, record_key, "", text_key, bare_text_key))


class Resolver:
    """One per import run."""

    def __init__(self) -> None:
        self._seen: dict[str, Seen] = {}  # "kind:key" -> the first record with it
        self._articles: dict[int, Seen] = {}  # stored article -> the record that was it
        self._stored: dict[tuple[str, str], list[Known]] = {}

    def prefetch(self, idents: list[Identity]) -> None:
        """Look up every key of a batch in a few queries (the cache holds one batch)."""
        self._stored = {}
        wanted: dict[str, set[str]] = defaultdict(set)
        for ident in idents:
            for kind, key in ident.keys():
                wanted[kind].add(key)
        for kind, keys in wanted.items():
            self._fetch(kind, keys)

    def _fetch(self, kind: str, keys: set[str]) -> None:
        found: dict[str, list[Known]] = defaultdict(list)
        ordered = sorted(keys)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            if kind == "location":
                rows = ArticleLocation.objects.filter(key__in=chunk).values_list("key", *(f"article__{f}" for f in _FIELDS))
                for key, *article in rows:
                    found[key].append(_known(tuple(article)))  # type: ignore[arg-type]
            else:
                field = f"{kind}_key"
                rows = Article.objects.filter(**{f"{field}__in": chunk}).order_by("id").values_list(field, *_FIELDS)
                for key, *article in rows:
                    found[key].append(_known(tuple(article)))  # type: ignore[arg-type]
        for key in keys:
            self._stored[(kind, key)] = found.get(key, [])

    def _candidates(self, kind: str, key: str) -> list[Known]:
        if (kind, key) not in self._stored:
            self._fetch(kind, {key})
        return self._stored[(kind, key)]

    def resolve(self, ident: Identity) -> Decision:
        """Keys in order of precedence; at each, a record seen earlier in this import, then a
        stored article. The first that may be this record (search.ingest.identity.compatible) wins."""
        for kind, key in ident.keys():
            seen = self._seen.get(f"{kind}:{key}")
            if seen is not None and compatible(kind, seen.ident, ident):
                return Decision(first=seen, kind=kind)
            for known in self._candidates(kind, key):
                if compatible(kind, known.ident, ident):
                    return Decision(article=known, first=self._articles.get(known.article_id), kind=kind)
        return Decision()

    def read_there_before(self, ident: Identity, article_id: int) -> bool:
        """Was this article read from this record's place before (an ArticleLocation exists)?"""
        return any(known.article_id == article_id for known in self._candidates("location", ident.location_key))

    def claim(self, ident: Identity, where: str, content_hash: str, article_id: int | None = None) -> Seen:
        seen = Seen(ident, where, content_hash)
        for kind, key in ident.keys():
            self._seen.setdefault(f"{kind}:{key}", seen)
        if article_id is not None:
            self.stored_as(seen, article_id)
        return seen

    def stored_as(self, seen: Seen, article_id: int) -> None:
        seen.article_id = article_id
        self._articles.setdefault(article_id, seen)
