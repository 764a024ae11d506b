"""Which article a source record is, from the record alone: its identity keys (no Django).

An article is the same article however it arrives. In order of precedence:

- its canonical URL: scheme, host case, a leading "www.", the default port, a trailing slash,
  the fragment and tracking parameters (utm_*, fbclid, gclid, ... as courlan knows them, plus a
  few more) do not count;
- without a URL, its record id within its source (the record's outlet), so two exports of one
  dataset agree; an id without an outlet says nothing across files;
- the place it was read from (file path plus record id or line): the same file edited in place;
- its outlet and text: an exact copy of a file (a moved or copied folder, a twin file);
- its text alone, when one of the two names no outlet: a copy of the files without the manifest
  that named their outlet (or the manifest added later) is the same article, while the same text
  under two named outlets (syndication) stays two articles.

Every key is a SHA-256 hex digest, so it fits an index whatever the input.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

from search.ingest.fields import clean_url
from search.ingest.records import SourceRecord

# Tracking parameters courlan (1.4) keeps; it already drops utm_*, fbclid, gclid, msclkid,
# igshid, mc_cid, _ga, ref, source and their like.
EXTRA_TRACKERS = frozenset(
    {"cmp", "cmpid", "smid", "smtyp", "ocid", "ito", "icid", "ncid", "s_cid", "sr_share", "at_medium",
     "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4", "guccounter", "guce_referrer",
     "guce_referrer_sig", "__twitter_impression", "_hsenc", "_hsmi", "hsctatracking", "wt.mc_id", "wt_mc_id", "amp"}
)


def _digest(*parts: str) -> str:
    text = "\x1f".join(parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def canonical_url(url: str) -> str:
    """'HTTP://WWW.Example.com/a/?utm_source=x#top' -> 'example.com/a'; '' when not an http(s) URL.

    The scheme is left out: http and https copies of a page are one article.
    """
    url = clean_url(url)
    if not url:
        return ""
    try:
        normal = normalize_url(url, strict=False, trailing_slash=False)
        parts = urlsplit(normal)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return url.strip().lower()
    if not host:
        return ""
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in EXTRA_TRACKERS]
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit(("", host, path, urlencode(sorted(query), doseq=True), "")).removeprefix("//")


def url_key(url: str) -> str:
    """The key an article stored from this URL has (`Article.url_key`), "" for no http(s) URL."""
    canonical = canonical_url(url)
    return _digest(canonical) if canonical else ""


def _outlet(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def normalised_text(text: str) -> str:
    """The text as an exact-copy test sees it: Unicode NFC, line endings and the spaces at the
    ends of lines and of the text aside. A paragraph split differently is another text."""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.strip() for line in lines).strip()


def record_id(record: SourceRecord) -> str:
    """The record's own id ('' for whole files and records without one): readers key records as
    '<path>#id=<id>' (or '#line=<n>')."""
    tail = record.key[len(record.path) :] if record.key.startswith(record.path) else ""
    return tail[len("#id=") :] if tail.startswith("#id=") else ""


@dataclass(frozen=True)
class Identity:
    url: str  # the canonical URL, for messages ("" without one)
    url_key: str  # "" without a URL
    record_key: str  # "" without a record id or without an outlet
    location_key: str  # path plus record id or line: always set
    text_key: str  # outlet plus normalised text: always set
    bare_text_key: str = ""  # normalised text without the outlet (= text_key when there is no outlet)

    def with_url(self, url: str) -> Identity:
        """The same identity once cleaning found a URL (an HTML page's canonical link)."""
        canonical = canonical_url(url)
        return replace(self, url=canonical, url_key=_digest(canonical) if canonical else "") if canonical else self

    def keys(self) -> list[tuple[str, str]]:
        """(kind, key) in order of precedence, the empty ones left out."""
        pairs = [("url", self.url_key), ("record", self.record_key), ("location", self.location_key), ("text", self.text_key),
                 ("bare_text", self.bare_text_key)]
        return [(kind, key) for kind, key in pairs if key]


def location_key(record_key: str) -> str:
    """The key of where a record was read: the same hash `Article.source_key` always held."""
    return hashlib.sha256(record_key.encode("utf-8", "surrogatepass")).hexdigest()


def identity_of(kind: str, content: str, meta: dict[str, str], location: str, ident: str = "") -> Identity:
    """Keys from the parts a stored article keeps (raw kind, text, meta) plus where it was read."""
    url = canonical_url(meta.get("url", ""))
    outlet = _outlet(meta.get("outlet", ""))
    text = normalised_text(content)
    return Identity(
        url=url,
        url_key=_digest(url) if url else "",
        record_key=_digest(outlet, ident) if ident and outlet else "",
        location_key=location,
        text_key=_digest(outlet, kind, text),
        bare_text_key=_digest("", kind, text),
    )


def identify(record: SourceRecord) -> Identity:
    return identity_of(record.kind, record.content, record.meta, location_key(record.key), record_id(record))


def names_no_outlet(ident: Identity) -> bool:
    """The record named no outlet (its text key is the bare text's)."""
    return bool(ident.bare_text_key) and ident.text_key == ident.bare_text_key


def compatible(kind: str, found: Identity, new: Identity) -> bool:
    """May a record with keys `new` be the article with keys `found`, which share the `kind` key?

    A shared URL decides. Otherwise two different URLs, or two different record ids of one
    source, are two articles, whatever else they share (a file rewritten in place with another
    article, the same text under two URLs).
    """
    if kind == "url":
        return True
    if kind == "bare_text" and not (names_no_outlet(found) or names_no_outlet(new)):
        return False  # the same text under two named outlets: syndication, two articles
    if found.url_key and new.url_key and found.url_key != new.url_key:
        return False
    return not (found.record_key and new.record_key and found.record_key != new.record_key)
