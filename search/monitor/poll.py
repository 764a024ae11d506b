"""Poll sources: list what each offers, fetch the pages not seen yet, import them through the importer.

One failing source never stops the others: each source's listing and each page fetch fail on
their own, with the reason kept in the source's health (admin) and on the item. Every page
fetched in one round goes through ONE import (one index writer session, one passage update).
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from search.fetch.guard import refusal
from search.fetch.http import Fetcher, FetchError, FetchPolicy, Response, RobotsForbidden
from search.fetch.listing import Entry, ListingError, canonical, parse_feed, parse_sitemap, parse_url_list
from search.ingest.decode import decode_bytes
from search.ingest.identity import url_key
from search.ingest.progress import Progress
from search.ingest.readers import Ignored, content_hash, is_url, iter_inputs, scrub
from search.ingest.records import RejectedRecord, Rejection, SourceRecord
from search.monitor.models import Source, SourceItem
from search.store.importer import ImportReport, Importer, source_key
from search.store.models import Article

log = logging.getLogger(__name__)

MAX_SITEMAPS = 50  # child sitemaps read from one sitemap index per poll
MAX_NEW_PER_POLL = 200  # pages fetched from one source per poll (the rest come next time)
MAX_ATTEMPTS = 3  # a page that could not be fetched is tried again at the next polls, this often
HTML_TYPES = {"text/html", "application/xhtml+xml", "text/plain", ""}


def fetch_policy(*, from_web: bool) -> FetchPolicy:
    """The fetcher's settings. URLs that came in through the web (sources added in the admin,
    webhooks, URLs given to a page) may not reach private addresses unless
    NEWSINDEX_FETCH_ALLOW_PRIVATE=1; the command line trusts its operator."""
    config = settings.NEWSINDEX_FETCH
    return FetchPolicy(
        delay=float(config["DELAY"]),
        total_timeout=float(config["TIMEOUT"]),
        read_timeout=min(10.0, float(config["TIMEOUT"])),
        max_bytes=int(config["MAX_BYTES"]),
        guard=from_web and not config["ALLOW_PRIVATE"],
    )


def address_problem(url: str) -> str | None:
    """Why a URL given through the web may not be fetched: it names or resolves to a private,
    loopback or link-local address (unless NEWSINDEX_FETCH_ALLOW_PRIVATE=1). A name that does not
    resolve now is accepted: the fetcher checks every connection it makes anyway."""
    if settings.NEWSINDEX_FETCH["ALLOW_PRIVATE"] or not url:
        return None
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return None
    for address in sorted(addresses):
        reason = refusal(address)
        if reason:
            return f"{host} leads to {reason.split(' is ', 1)[0]}, which is not public ({reason}); set NEWSINDEX_FETCH_ALLOW_PRIVATE=1 to allow it"
    return None


@dataclass
class SourceOutcome:
    source: Source
    listed: int = 0
    new: int = 0
    imported: int = 0
    failed: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.error:
            return f"{self.source}: ERROR {self.error}"
        text = f"{self.source}: {self.listed} listed, {self.new} new, {self.imported} imported"
        if self.failed:
            text += f", {self.failed} not fetched"
        return text + "".join(f"; {note}" for note in self.notes)


@dataclass
class PollReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    import_report: ImportReport | None = None

    @property
    def imported(self) -> int:
        return self.import_report.imported if self.import_report else 0


# --- listing what a source offers --------------------------------------------------------------------


def _listing(source: Source, fetcher: Fetcher, outcome: SourceOutcome) -> list[Entry]:
    if source.kind == Source.Kind.URLS:
        return [Entry(url) for url in parse_url_list(source.urls)]
    if source.kind == Source.Kind.PAGE:
        return [Entry(canonical(source.url))]
    response = fetcher.get(source.url, etag=source.etag, last_modified=source.last_modified)
    if response.not_modified:
        outcome.notes.append("not modified since the last poll")
        return []
    if source.kind == Source.Kind.FEED:
        listing = parse_feed(response.body, response.url, response.headers.get("content-type", ""))
        source.feed_title = listing.title[:300]
        entries = listing.entries
    else:
        listing = parse_sitemap(response.body, response.url, fetcher.policy.max_bytes)
        entries = listing.entries
        queue, seen = list(listing.sitemaps), {response.url}
        while queue and len(seen) <= MAX_SITEMAPS:  # a sitemap index: its sitemaps (and theirs)
            child = queue.pop(0)
            if child in seen:
                continue
            seen.add(child)
            try:
                sub = parse_sitemap(fetcher.get(child).body, child, fetcher.policy.max_bytes)
            except (FetchError, ListingError) as exc:
                outcome.notes.append(f"sitemap {child}: {exc}")
                continue
            entries += sub.entries
            queue += sub.sitemaps
            listing.problems += sub.problems
    outcome.notes += listing.problems
    source.etag, source.last_modified = response.etag[:300], response.last_modified[:100]
    return entries


# --- fetching pages ------------------------------------------------------------------------------------


def page_text(response: Response) -> str:
    """The page as text: the charset the server names, else UTF-8 / cp1252 / detected (as for files)."""
    if response.content_type not in HTML_TYPES:
        raise RejectedRecord(f"not an HTML page ({response.content_type})")
    if "charset=" in response.headers.get("content-type", "").lower():
        return response.text()
    return decode_bytes(response.body)[0]


def page_record(url: str, response: Response, meta: dict[str, str]) -> SourceRecord:
    """A fetched page as the importer's input: identity is the (canonical) URL."""
    content = scrub(page_text(response))
    meta = {name: scrub(value) for name, value in meta.items() if value}
    meta["url"] = canonical(response.url)
    return SourceRecord(url, None, url, "html", content, meta, content_hash("html", meta, content))


@dataclass
class _Pending:
    source: Source
    entry: Entry
    item: SourceItem | None


def _new_entries(source: Source, entries: list[Entry]) -> list[tuple[Entry, SourceItem | None]]:
    """Entries never fetched for this source, plus earlier failures worth another try."""
    if source.kind == Source.Kind.PAGE:  # one page is fetched every poll (a changed page updates its article)
        return [(entries[0], source.items.filter(url=entries[0].url).first())] if entries else []
    urls = list(dict.fromkeys(e.url for e in entries))
    known = {item.url: item for item in source.items.filter(url__in=urls)}
    by_url = {e.url: e for e in entries}
    out = []
    for url in urls:
        item = known.get(url)
        if item is None or (item.status == SourceItem.Status.FAILED and item.attempts < MAX_ATTEMPTS):
            out.append((by_url[url], item))
    return out


def _outlet(source: Source) -> str:
    return source.outlet or source.feed_title


def poll(sources: Iterable[Source], fetcher: Fetcher, importer: Importer | None = None) -> PollReport:
    """List every source, fetch its new pages and import them all in one import."""
    report = PollReport()
    pending: dict[str, list[_Pending]] = {}  # record key (URL) -> the sources that listed it
    records: list[SourceRecord | Rejection] = []
    now = timezone.now()
    for source in sources:
        outcome = SourceOutcome(source)
        report.outcomes.append(outcome)
        source.last_polled = now
        try:
            entries = _listing(source, fetcher, outcome)
        except (FetchError, ListingError) as exc:
            outcome.error = str(exc)
            _failed(source, outcome.error)
            continue
        except Exception as exc:  # noqa: BLE001 - one broken source never stops the others
            log.exception("source %s failed", source)
            outcome.error = f"{type(exc).__name__}: {exc}"
            _failed(source, outcome.error)
            continue
        outcome.listed = len(entries)
        fresh = _new_entries(source, entries)
        if len(fresh) > MAX_NEW_PER_POLL:
            outcome.notes.append(f"{len(fresh) - MAX_NEW_PER_POLL} more new pages left for the next poll")
            fresh = fresh[:MAX_NEW_PER_POLL]
        outcome.new = len(fresh)
        for entry, item in fresh:
            if entry.url in pending:  # two sources list one page: fetched once
                pending[entry.url].append(_Pending(source, entry, item))
                continue
            try:
                response = fetcher.get(entry.url)
                record = page_record(entry.url, response, {"outlet": _outlet(source), "title": entry.title, "date": entry.published})
            except RobotsForbidden as exc:
                _item(source, entry.url, item, SourceItem.Status.FORBIDDEN, str(exc))
                outcome.failed += 1
                continue
            except (FetchError, RejectedRecord) as exc:
                _item(source, entry.url, item, SourceItem.Status.FAILED, str(exc))
                outcome.failed += 1
                continue
            pending[entry.url] = [_Pending(source, entry, item)]
            records.append(record)
        source.last_success = now
        source.failures = 0
        source.save()
    if records:
        importer = importer or Importer()
        report.import_report = importer.run_items(records)
        _settle(pending, report, importer)
    return report


def _failed(source: Source, error: str) -> None:
    source.last_error = error[:2000]
    source.last_error_at = source.last_polled
    source.failures += 1
    source.save()


def _item(source: Source, url: str, item: SourceItem | None, status: str, reason: str, article_id: int | None = None) -> None:
    if item is None:
        SourceItem.objects.update_or_create(
            source=source, url=url[:2000], defaults={"status": status, "reason": reason[:2000], "article_id": article_id}
        )
    else:
        item.status, item.reason, item.article_id = status, reason[:2000], article_id
        item.attempts += 1
        item.save()


def _settle(pending: dict[str, list[_Pending]], report: PollReport, importer: Importer) -> None:
    """Record on each item what the import made of its page."""
    assert report.import_report is not None
    rejected = {r.path: r.reason for r in report.import_report.rejected}
    keys = {source_key(SourceRecord(url, None, url, "html", "")): url for url in pending}
    articles = dict(Article.objects.filter(source_key__in=keys).values_list("source_key", "id"))
    by_url = {url: articles.get(key) for key, url in keys.items()}
    missing = [url for url, pk in by_url.items() if pk is None]
    if missing:  # the importer matched the page to an article stored before (same canonical URL)
        by_key = {url_key(url): url for url in missing}
        found = Article.objects.filter(url_key__in=[k for k in by_key if k]).values_list("url_key", "id")
        by_url.update({by_key[key]: pk for key, pk in found})
    outcomes = {o.source.pk: o for o in report.outcomes}
    for url, waiting in pending.items():
        pk = by_url.get(url)
        for entry in waiting:
            if url in rejected or pk is None:
                _item(entry.source, url, entry.item, SourceItem.Status.REJECTED, rejected.get(url, "not imported"))
            elif pk in importer.new_ids and entry is waiting[0]:
                _item(entry.source, url, entry.item, SourceItem.Status.IMPORTED, "", pk)
                outcomes[entry.source.pk].imported += 1
            else:
                _item(entry.source, url, entry.item, SourceItem.Status.UNCHANGED, "", pk)


def due_sources(now: dt.datetime | None = None) -> list[Source]:
    now = now or timezone.now()
    return [s for s in Source.objects.filter(active=True) if s.is_due(now)]


def next_due() -> dt.datetime | None:
    """When the next active source is due (None when there is none)."""
    times = [
        s.last_polled + dt.timedelta(minutes=s.interval_minutes) if s.last_polled else timezone.now()
        for s in Source.objects.filter(active=True)
    ]
    return min(times, default=None)


def inputs(paths: list[str], progress: Progress | None = None) -> Iterator[SourceRecord | Rejection | Ignored]:
    """import_articles' inputs: files and folders as always, and http(s) URLs of a feed, a sitemap
    or a page, fetched politely (the command line trusts its operator: private addresses allowed)."""
    urls = [p for p in paths if is_url(p)]
    yield from iter_inputs([p for p in paths if p not in urls], progress)
    if urls:
        fetcher = Fetcher(fetch_policy(from_web=False))
        try:
            for url in urls:
                yield from iter_url_records(url, fetcher)
        finally:
            fetcher.close()


def iter_url_records(url: str, fetcher: Fetcher) -> Iterator[SourceRecord | Rejection]:
    """For `import_articles URL`: a feed or sitemap gives its pages, any other URL is one page."""
    try:
        response = fetcher.get(url)
    except FetchError as exc:
        yield Rejection(url, None, str(exc))
        return
    entries: list[Entry] | None = None
    body_head = response.body[:1000].lstrip().lower()
    looks_xml = response.content_type.endswith("xml") or body_head.startswith((b"<?xml", b"<rss", b"<feed", b"<urlset", b"<sitemapindex"))
    if looks_xml or response.body[:2] == b"\x1f\x8b":
        try:
            listing = parse_sitemap(response.body, response.url, fetcher.policy.max_bytes)
            entries = list(listing.entries)
            for child in listing.sitemaps[:MAX_SITEMAPS]:
                try:
                    entries += parse_sitemap(fetcher.get(child).body, child, fetcher.policy.max_bytes).entries
                except (FetchError, ListingError) as exc:
                    yield Rejection(child, None, str(exc))
        except ListingError:
            try:
                listing = parse_feed(response.body, response.url, response.headers.get("content-type", ""))
                entries = listing.entries
            except ListingError as exc:
                yield Rejection(url, None, str(exc))
                return
    if entries is None:
        try:
            yield page_record(canonical(url), response, {})
        except RejectedRecord as exc:
            yield Rejection(url, None, str(exc))
        return
    outlet = listing.title
    for entry in dict((e.url, e) for e in entries).values():
        try:
            page = fetcher.get(entry.url)
            yield page_record(entry.url, page, {"outlet": outlet, "title": entry.title, "date": entry.published})
        except (FetchError, RejectedRecord) as exc:
            yield Rejection(entry.url, None, str(exc))
