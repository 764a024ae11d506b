"""A local web site for the fetcher and polling tests: a threaded http.server on 127.0.0.1.

Pages are made at test time from the seeds (corpus/) and ../shared/corpora/ (never copied into
the repository); tests add routes, change them between polls and read the request log.
"""

from __future__ import annotations

import csv
import html
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from search.ingest.boilerplate import remove_reader_prompts
from tests.conftest import CORPUS

Handler = Callable[["_RequestHandler"], None]


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""  # answered with 304 to a matching If-None-Match


@dataclass
class Logged:
    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Article:
    slug: str
    title: str
    paragraphs: list[str]
    outlet: str = ""
    date: str = ""

    def html(self) -> bytes:
        paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in self.paragraphs)
        site = f'<meta property="og:site_name" content="{html.escape(self.outlet)}">' if self.outlet else ""
        date = f'<meta property="article:published_time" content="{self.date}">' if self.date else ""
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(self.title)}</title>{site}{date}</head>"
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(self.title)}</h1>\n{paras}</article>"
            "<footer>Contact us</footer></body></html>"
        ).encode()


def text_article(path: Path, slug: str, outlet: str = "", date: str = "") -> Article:
    """A `title, blank line, body` text file (the seeds, the clusters) as a page's content."""
    blocks = [" ".join(b.split()) for b in path.read_text(encoding="utf-8", errors="replace").split("\n\n") if b.strip()]
    blocks, _ = remove_reader_prompts(blocks)  # a page's title is not "Stay up to date with notifications"
    return Article(slug, blocks[0], [b for b in blocks[1:] if b != blocks[0]], outlet, date)


def seed_articles() -> list[Article]:
    rows = {r["file"]: r for r in csv.DictReader((CORPUS / "metadata.csv").open())}
    return [
        text_article(CORPUS / name, f"seed-{name[:3]}", rows[name]["outlet"], rows[name]["date"])
        for name in sorted(rows)
    ]


def cluster_articles(cluster: Path) -> list[Article]:
    rows = [r for r in csv.DictReader((cluster.parent / "metadata.csv").open()) if r["cluster"] == cluster.name]
    return [text_article(cluster.parent / r["file"], f"{cluster.name}-{Path(r['file']).stem}", r["outlet"], r["date"]) for r in rows]


def rss(title: str, items: list[tuple[str, Article]]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{html.escape(url)}</link>"
        + (f"<pubDate>{format_datetime(_day(a.date))}</pubDate>" if a.date else "")
        + "</item>"
        for url, a in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{html.escape(title)}</title>{entries}</channel></rss>'.encode()


def atom(title: str, items: list[tuple[str, Article]]) -> bytes:
    entries = "".join(
        f'<entry><title>{html.escape(a.title)}</title><link rel="alternate" href="{html.escape(url)}"/>'
        f"<id>{html.escape(url)}</id><updated>{(a.date or '2017-05-20')}T12:00:00Z</updated></entry>"
        for url, a in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{html.escape(title)}</title>'
        f"<id>urn:test</id><updated>2017-05-20T12:00:00Z</updated>{entries}</feed>"
    ).encode()


def urlset(urls: list[str], news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    body = "".join(
        f"<url><loc>{html.escape(u)}</loc>"
        + ("<news:news><news:publication_date>2017-05-20</news:publication_date></news:news>" if news else "")
        + "</url>"
        for u in urls
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{body}</urlset>'.encode()


def sitemap_index(urls: list[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{html.escape(u)}</loc></sitemap>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'.encode()


def _day(date: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime.fromisoformat(date + "T12:00:00+00:00")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Site

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _log(self, body: bytes = b"") -> None:
        self.site.log.append(Logged(time.monotonic(), self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))

    def do_GET(self) -> None:
        self._log()
        route = self.site.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self.send_page(Page(b"not found", "text/plain", 404))
        elif callable(route):
            route(self)
        else:
            self.send_page(route)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        self._log(body)
        status = self.site.post_statuses.pop(0) if self.site.post_statuses else 200
        self.site.posts.append((self.path, status, json.loads(body or b"null")))
        self.send_page(Page(b"ok", "text/plain", status))

    def send_page(self, page: Page) -> None:
        if page.etag and self.headers.get("if-none-match") == page.etag:
            self.send_response(304)
            self.send_header("ETag", page.etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        if page.etag:
            self.send_header("ETag", page.etag)
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(page.body)


def never_finishes(handler: _RequestHandler) -> None:
    """Headers, then a byte now and then, forever (until the client hangs up or 60 s pass)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    handler.close_connection = True
    stop = time.monotonic() + 60
    try:
        while time.monotonic() < stop and not handler.site.stopping.is_set():
            handler.wfile.write(b"<p>")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


def fifty_megabytes(handler: _RequestHandler) -> None:
    """A 50 MB page sent without a Content-Length (the size is only seen while reading)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.close_connection = True
    block = b"<p>" + b"filler text " * 87_000 + b"</p>\n"  # about 1 MB
    try:
        handler.wfile.write(b"<html><body>")
        for _ in range(50):
            handler.wfile.write(block)
        handler.wfile.write(b"</body></html>")
    except OSError:
        pass
    handler.site.big_page_done.set()


class Site:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Page | Handler] = {"/robots.txt": Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")}
        self.log: list[Logged] = []
        self.posts: list[tuple[str, int, Any]] = []
        self.post_statuses: list[int] = []  # statuses answered to the next POSTs (then 200)
        self.stopping = threading.Event()
        self.big_page_done = threading.Event()
        handler = type("Handler", (_RequestHandler,), {"site": self})
        self.server = ThreadingHTTPServer((host, 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add_articles(self, articles: list[Article], folder: str = "/news/") -> list[tuple[str, Article]]:
        out = []
        for article in articles:
            path = f"{folder}{article.slug}.html"
            self.routes[path] = Page(article.html())
            out.append((self.url(path), article))
        return out

    def requests_for(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path]

    def start(self) -> Site:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
