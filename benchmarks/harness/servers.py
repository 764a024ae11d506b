"""The search page as the benchmarks time it: Django started in this process over a data folder,
one query through `run_search()` in process, or a GET of the page from `make serve`'s server
(`PageServer`, gunicorn over the same data folder)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from .processes import REPO, Children, fetch, manage, wait_for_server


def setup_django(data_dir: Path | str | None = None) -> None:
    """Start Django as manage.py does (DATABASE_URL, DEBUG and SEARCH_BACKEND as the environment
    says), over the data folder `data_dir` when given (set first: the settings read it)."""
    if data_dir is not None:
        os.environ["NEWSINDEX_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsindex.settings")
    for path in (str(REPO), str(REPO / "benchmarks")):  # `search`, and settings modules beside the scripts
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def start_django(data_dir: Path, engine: str | None = "whoosh", settings_module: str = "newsindex.settings") -> None:
    """Start Django for a timing run over `data_dir`: DEBUG off (Django keeps no SQL query in
    memory); `engine` sets SEARCH_BACKEND (None: as the environment says). With the postgres engine
    DATABASE_URL is kept (the index is in that database); otherwise only when
    NEWSINDEX_BENCH_KEEP_DATABASE=1 (Whoosh beside the same PostgreSQL data), else the run uses
    SQLite in the data folder."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ["DEBUG"] = "0"
    if engine is not None:
        os.environ["SEARCH_BACKEND"] = engine
    if engine != "postgres" and os.environ.get("NEWSINDEX_BENCH_KEEP_DATABASE") != "1" and os.environ.pop("DATABASE_URL", None):
        print("note: DATABASE_URL is set; ignored, the benchmark uses SQLite in the data folder", file=sys.stderr)
    setup_django(data_dir)


@dataclass
class QueryTiming:
    kind: str
    q: str
    ms: float
    total: int
    rows: int
    timed_out: bool
    messages: list[str]
    server_ms: float | None = None  # over HTTP: the page's Server-Timing "search" part


def run_query(q: str, **extra: str) -> QueryTiming:
    """One query through run_search() in this process: the search page's data path."""
    from django.http import QueryDict

    from search.query.params import SearchParams
    from search.query.results import run_search

    started = time.perf_counter()
    page = run_search(SearchParams.from_query(QueryDict(urlencode({"q": q, **extra}))))
    ms = (time.perf_counter() - started) * 1000
    return QueryTiming("", q, ms, page.total, len(page.rows), page.timed_out, list(page.messages))


_SERVER_SEARCH = re.compile(r"\bsearch;dur=([0-9.]+)")
_NOTICE = re.compile(r'<p class="notice">(.*?)</p>', re.S)


class PageServer:
    """The server of `make serve` over the benchmark's data folder: gunicorn workers (DEBUG off,
    whitenoise), on a free loopback port; every child is stopped by close()."""

    def __init__(self, data_dir: Path, workers: int, engine: str | None = None) -> None:
        self.workers = workers
        self.log_dir = Path(tempfile.mkdtemp(prefix="newsindex-bench-http-"))
        self.children = Children(self.log_dir)
        env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data_dir), "DEBUG": "false", "PYTHONUNBUFFERED": "1"}
        for name in ("NEWSINDEX_HTTPS", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        # DATABASE_URL and SEARCH_BACKEND stay as start_django() left them: the server reads the
        # same database with the same engine, unless `engine` names another one.
        if engine is not None:
            env["SEARCH_BACKEND"] = engine
        manage(env, "collectstatic", "--noinput", "-v0")
        self.port, server = self.children.start_gunicorn("gunicorn", env, workers)
        wait_for_server(self.port, server)

    @property
    def pid(self) -> int:
        """gunicorn's master, the leader of its process group (for PeakMemory.watch)."""
        return self.children.procs["gunicorn"].pid

    def get(self, q: str, **extra: str) -> QueryTiming:
        path = "/?" + urlencode({"q": q, **extra})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Connection": "close"})
            response = conn.getresponse()
            body = response.read()
            ms = (time.perf_counter() - started) * 1000
        finally:
            conn.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}:\n{self.children.tail('gunicorn')}")
        html = body.decode("utf-8", "replace")
        total = response.getheader("X-Total-Count")
        found = _SERVER_SEARCH.search(response.getheader("Server-Timing") or "")
        server_ms = float(found.group(1)) if found else None
        messages = [re.sub(r"<[^>]+>", "", m).strip() for m in _NOTICE.findall(html)]
        timed_out = any("took longer than" in m or "took too long" in m for m in messages)
        return QueryTiming("", q, ms, int(total) if total else -1, html.count('<li class="hit">'), timed_out, messages, server_ms)

    def warm(self, queries: list[str]) -> list[float]:
        """Each query once per worker at the same time: a sync worker serves one request at a
        time, so concurrent requests reach different workers (each opens its own searcher).
        Returns the milliseconds of every warm-up request."""

        def timed(q: str) -> float:
            started = time.perf_counter()
            fetch(self.port, "/?" + urlencode({"q": q}), {}, 120)
            return (time.perf_counter() - started) * 1000

        times: list[float] = []
        with ThreadPoolExecutor(self.workers) as pool:
            for q in queries:
                for _ in range(2):
                    times += list(pool.map(lambda _n, q=q: timed(q), range(self.workers)))
        return times

    def close(self) -> None:
        self.children.stop_all()
        shutil.rmtree(self.log_dir, ignore_errors=True)
