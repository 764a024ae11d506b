"""Field names of manifests and records, mapped onto canonical names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

# Canonical field -> names accepted for it (compared case-insensitively).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "file": ("file", "path", "filename"),
    "title": ("title", "headline"),
    "outlet": ("outlet", "source", "publication", "site"),
    "date": ("date", "published", "publish_date", "date_publish"),
    "url": ("url", "link"),
    "authors": ("authors", "author"),
    "body": ("text", "body", "content", "maintext", "content_original"),
    "id": ("id",),
}
_LOOKUP = {alias: canonical for canonical, names in FIELD_ALIASES.items() for alias in names}
META_FIELDS = ("title", "outlet", "date", "url", "authors")


def canonical_name(name: str) -> str | None:
    return _LOOKUP.get(name.strip().lower())


def canonical_fields(row: Mapping[str, object]) -> dict[str, str]:
    """Keep the known fields of a manifest row or record, as stripped strings.

    When several aliases of one field are present, the first non-empty one wins.
    Values that are not strings (numbers, lists of authors) are turned into strings;
    nested objects are ignored.
    """
    out: dict[str, str] = {}
    for name, value in row.items():
        if not isinstance(name, str):
            continue
        canonical = canonical_name(name)
        if canonical is None or out.get(canonical):
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = "; ".join(v.strip() for v in value if v.strip())
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value)
        else:
            continue
        out[canonical] = text.strip()
    return out


_AUTHOR_PREFIX = re.compile(r"^\s*(by|written by|words by)\s+", re.IGNORECASE)


def split_authors(value: str) -> list[str]:
    """'A, B and C' / 'A; B' / 'By A' -> ['A', 'B', 'C'] (order kept, duplicates dropped)."""
    value = _AUTHOR_PREFIX.sub("", value or "")
    parts = re.split(r";|,|\s+and\s+|\s*&\s*|\|", value) if value else []
    seen: dict[str, None] = {}
    for part in parts:
        name = " ".join(part.split()).strip(" .")
        if name and len(name) <= 120 and name.lower() not in {"staff", "et al"}:
            seen.setdefault(name, None)
    return list(seen)


# Outlet names that are not a publisher: an aggregator's labels for the pieces it reposts.
_PSEUDO_OUTLET = re.compile(
    r"^(?:guest (?:writer|author|contributor|columnist)s?\b.*|allsides\b.*|.*\ballsides founder|"
    r"unknown|n/?a|none|null|staff|editorial(?: board)?)$",
    re.IGNORECASE,
)


def is_pseudo_outlet(name: str) -> bool:
    """'Guest Writer - Left', 'AllSides', 'John Gable, AllSides Founder': a label, not a publisher."""
    return bool(_PSEUDO_OUTLET.match(" ".join(name.split())))


def choose_outlet(outlet: str, url: str) -> str:
    """The record's outlet; its URL's domain when the outlet is missing or a pseudo-outlet.

    A domain is turned into the publisher's name by an outlet alias (curators edit them in the
    admin; the importer also learns them from the corpus: search.store.outlets).
    """
    outlet = " ".join(outlet.split())
    if not outlet or is_pseudo_outlet(outlet):
        return outlet_from_url(url) or outlet
    return outlet


def outlet_from_url(url: str) -> str:
    """The publisher's domain, e.g. 'https://www.independent.co.uk/x' -> 'independent.co.uk'."""
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    for prefix in ("www.", "www2.", "m.", "amp."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    return host if "." in host else ""


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    return url if scheme in {"http", "https"} and len(url) <= 2000 else ""
