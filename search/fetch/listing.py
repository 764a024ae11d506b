"""What a feed, a sitemap or a list of URLs says is there: article URLs with what it tells of them.

Feeds (RSS 0.9x-2.0, RSS 1.0, Atom, JSON Feed...) are read by feedparser, which copes with the
usual malformations. Sitemaps (urlset, sitemap index, Google News sitemaps, plain-text sitemaps,
gzip-compressed or not) are read with lxml, with entities and network access off: trafilatura's
own sitemap reader drops every link to an IP address or to localhost, and keeps neither
<lastmod> nor the news title and date, which a monitor wants.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser
from courlan import normalize_url
from lxml import etree

_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
MAX_ENTRIES = 5000  # per feed or sitemap: the rest is ignored with a note


class ListingError(Exception):
    """The text is not a feed or a sitemap we can read; the message says why."""


@dataclass(frozen=True)
class Entry:
    url: str
    title: str = ""
    published: str = ""  # as the listing gives it (parsed by the importer's date reader)


@dataclass
class Listing:
    entries: list[Entry] = field(default_factory=list)
    title: str = ""  # a feed's own title: the default outlet of its articles
    sitemaps: list[str] = field(default_factory=list)  # a sitemap index's sitemaps
    problems: list[str] = field(default_factory=list)


def canonical(url: str) -> str:
    """One spelling per URL (courlan: lower-case host, default port and fragment dropped, query sorted)."""
    try:
        return normalize_url(url.strip())
    except ValueError:
        return url.strip()


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _add(listing: Listing, base: str, url: str, title: str = "", published: str = "") -> None:
    url = urljoin(base, (url or "").strip())
    if not _is_http(url):
        return
    if len(listing.entries) >= MAX_ENTRIES:
        if not listing.problems or "more than" not in listing.problems[-1]:
            listing.problems.append(f"more than {MAX_ENTRIES} entries: the rest ignored")
        return
    listing.entries.append(Entry(canonical(url), " ".join((title or "").split()), published or ""))


# --- feeds ---------------------------------------------------------------------------------------


def parse_feed(body: bytes, base_url: str, content_type: str = "") -> Listing:
    """Entries of an RSS/Atom/JSON feed. Raises ListingError when nothing can be read from it."""
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, resolve_relative_uris=True, sanitize_html=False)
    listing = Listing(title=" ".join(str(parsed.feed.get("title", "")).split()))
    for item in parsed.entries:
        link = item.get("link") or ""
        if not link:  # Atom entries may carry only rel="alternate" links, or an id that is a URL
            link = next((l.get("href", "") for l in item.get("links", []) if l.get("rel") in (None, "alternate")), "")
        if not link and str(item.get("id", "")).startswith("http"):
            link = item["id"]
        if urljoin(base_url, link) == base_url:  # an item without a link gets the feed's own URL
            continue
        _add(listing, base_url, link, item.get("title", ""), item.get("published") or item.get("updated") or "")
    # A feed served as text/html or with a wrong charset is still a feed: only broken XML counts.
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _HARMLESS):
        reason = _reason(parsed.get("bozo_exception"))
        if not listing.entries:
            raise ListingError(f"not a readable feed ({reason})")
        listing.problems.append(f"feed is not well-formed ({reason}): {len(listing.entries)} items read anyway")
    elif not parsed.get("version") and not listing.entries:
        raise ListingError("not a feed (no RSS or Atom elements)")
    return listing


def _reason(exc: object) -> str:
    text = " ".join(str(exc or "unknown error").split())
    return text[:200]


# --- sitemaps ------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _gunzip(body: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ListingError(f"not a readable gzip file ({exc})") from exc
    if len(out) > limit:
        raise ListingError(f"the uncompressed sitemap is over {limit // (1024 * 1024)} MB: not read")
    return out


def parse_sitemap(body: bytes, base_url: str, max_bytes: int = 50 * 1024 * 1024) -> Listing:
    """URLs of a sitemap or sitemap index (news sitemaps included), XML or plain text."""
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body, max_bytes)
    listing = Listing()
    head = body[:500].lstrip().lower()
    if not head.startswith(b"<"):  # a text sitemap: one URL per line
        for line in body.decode("utf-8", errors="replace").splitlines():
            if line.strip().startswith(("http://", "https://")):
                _add(listing, base_url, line.strip())
        if not listing.entries:
            raise ListingError("not a sitemap (neither XML nor a list of URLs)")
        return listing
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ListingError(f"not readable XML ({_reason(exc)})") from exc
    if root is None:
        raise ListingError("not readable XML")
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ListingError(f"not a sitemap (the root element is <{kind or '?'}>)")
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        fields: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            if name in ("loc", "lastmod", "publication_date", "title") and child.text and name not in fields:
                fields[name] = child.text.strip()
        loc = fields.get("loc", "")
        if not loc:
            continue
        if kind == "sitemapindex":
            url = urljoin(base_url, loc)
            if _is_http(url):
                listing.sitemaps.append(url)
        else:
            _add(listing, base_url, loc, fields.get("title", ""), fields.get("publication_date") or fields.get("lastmod", ""))
    return listing


def parse_url_list(text: str) -> list[str]:
    """The http(s) URLs of a text, one per line (blank lines and # comments skipped)."""
    urls = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and _is_http(line):
            urls.append(canonical(line))
    return list(dict.fromkeys(urls))
