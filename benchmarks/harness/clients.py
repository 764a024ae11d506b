"""The load test's clients (benchmarks/load_test.py): client threads sending a mix of the web
app's requests to one or more servers, every request recorded (`Sample`) and summed up per phase,
and the probes that check that newly imported articles are searchable through a server."""

from __future__ import annotations

import http.client
import json
import math
import random
import re
import socket
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .databases import Database
from .measure import percentile
from .processes import Failure, fetch

PROBES = 5  # imported articles that must become searchable through the server
MIX = [  # (kind, weight)
    ("search page", 25),
    ("htmx partial", 25),
    ("htmx outlet filter", 15),
    ("api search", 25),
    ("export csv", 10),
]
STOP_WORDS = set(
    "the and for with that this from have has had was were are his her its their they them than then "
    "what when where which while who whom why will would could should about after before over under "
    "into onto upon been being says said more most some such only also just very into your you our "
    "not but all any can may one two new out off how now".split()
)
WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass
class Sample:
    kind: str
    server: int  # index into the servers' ports
    started: float  # monotonic
    seconds: float
    status: int  # 0: no answer
    error: str = ""  # "timeout", "connection: ..." or "status 5xx"


# --- requests -----------------------------------------------------------------------------------------


def query_material(db: Database, rng: random.Random) -> tuple[list[str], list[str]]:
    """(words from the base titles, outlets with a few articles) for the request mix."""
    titles = [row[0] for row in db.rows("SELECT title FROM search_article WHERE NOT hidden")]
    outlets = [
        row[0]
        for row in db.rows(
            "SELECT o.name FROM search_outlet o JOIN search_article a ON a.outlet_id = o.id "
            "GROUP BY o.name ORDER BY count(*) DESC LIMIT 40"
        )
    ]
    words = Counter(w.lower() for title in titles for w in WORD.findall(title) if w.lower() not in STOP_WORDS)
    common = [w for w, _ in words.most_common(60)]
    rare = [w for w, n in words.items() if n <= 2]
    rng.shuffle(rare)
    vocabulary = common + rare[:140]
    if not vocabulary:
        raise Failure("the base corpus gave no words to search for")
    return vocabulary, outlets or [""]


def request_for(kind: str, rng: random.Random, words: list[str], outlets: list[str]) -> tuple[str, dict[str, str]]:
    word = rng.choice(words)
    text = word if rng.random() < 0.7 else f"{word} {rng.choice(words)}"
    htmx = {"HX-Request": "true", "HX-Target": "results", "HX-Current-URL": "http://127.0.0.1/"}
    if kind == "search page":
        return "/?" + urlencode({"q": text}), {}
    if kind == "htmx partial":
        sort = rng.choice(["relevance", "date"])
        return "/?" + urlencode({"q": text, "sort": sort}), htmx
    if kind == "htmx outlet filter":
        return "/?" + urlencode({"q": word if rng.random() < 0.5 else "", "outlet": rng.choice(outlets)}), htmx
    if kind == "api search":
        return "/api/search?" + urlencode({"q": text, "page": rng.choice(["1", "1", "2"])}), {}
    if kind == "export csv":
        return "/export.csv?" + urlencode({"q": word, "outlet": rng.choice(outlets)}), {}
    raise ValueError(kind)


# --- load -----------------------------------------------------------------------------------------


def one_request(port: int, kind: str, path: str, headers: dict[str, str], timeout: float, server: int = 0) -> Sample:
    started = time.monotonic()
    status, error = 0, ""
    try:
        status, _ = fetch(port, path, headers, timeout)
        if status >= 500:
            error = f"status {status}"
    except (TimeoutError, socket.timeout):
        error = "timeout"
    except (OSError, http.client.HTTPException) as exc:
        error = f"connection: {type(exc).__name__}"
    seconds = time.monotonic() - started
    if not error and seconds > timeout:
        error = "timeout"  # a slow-trickling answer: each read was under the socket timeout
    return Sample(kind, server, started, seconds, status, error)


class Load:
    """C client threads sending the request mix until stopped; every request is recorded. Client i
    talks to server i mod the number of servers, as a round-robin load balancer would spread them."""

    def __init__(self, ports: list[int], clients: int, words: list[str], outlets: list[str], timeout: float, seed: int) -> None:
        self.ports, self.clients, self.words, self.outlets, self.timeout, self.seed = ports, clients, words, outlets, timeout, seed
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), name=f"client-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)
        self._threads.clear()

    def _client(self, number: int) -> None:
        rng = random.Random(self.seed * 1000 + number)
        server = number % len(self.ports)
        kinds, weights = zip(*MIX)
        while not self._stop.is_set():
            kind = rng.choices(kinds, weights)[0]
            path, headers = request_for(kind, rng, self.words, self.outlets)
            sample = one_request(self.ports[server], kind, path, headers, self.timeout, server)
            with self._lock:
                self.samples.append(sample)


def summarise(samples: list[Sample], seconds: float) -> dict[str, Any]:
    latencies = sorted(s.seconds * 1000 for s in samples)
    failures = [s for s in samples if s.error]
    summary: dict[str, Any] = {
        "requests": len(samples),
        "failures": len(failures),
        "failure_reasons": dict(Counter(s.error for s in failures)),
        "client_errors_4xx": sum(1 for s in samples if 400 <= s.status < 500),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(samples) / seconds, 2) if seconds > 0 else None,
        "p50_ms": round(percentile(latencies, 50, "nearest"), 1),
        "p95_ms": round(percentile(latencies, 95, "nearest"), 1),
        "p99_ms": round(percentile(latencies, 99, "nearest"), 1),
        "max_ms": round(latencies[-1], 1) if latencies else math.nan,
    }
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    summary["by_kind"] = {
        kind: {
            "requests": len(group),
            "failures": sum(1 for s in group if s.error),
            "p50_ms": round(percentile([s.seconds * 1000 for s in group], 50, "nearest"), 1),
            "p95_ms": round(percentile([s.seconds * 1000 for s in group], 95, "nearest"), 1),
        }
        for kind, group in sorted(by_kind.items())
    }
    servers = sorted({s.server for s in samples})
    if len(servers) > 1:
        summary["by_server"] = {
            f"server {n + 1}": {"requests": sum(1 for s in samples if s.server == n), "failures": sum(1 for s in samples if s.server == n and s.error)}
            for n in servers
        }
    return summary


def api_hits(port: int, query: str, timeout: float) -> list[int]:
    status, body = fetch(port, "/api/search?" + urlencode({"q": query}), {}, timeout)
    if status != 200:
        return []
    return [hit["id"] for hit in json.loads(body).get("hits", [])]


def probe_queries(db: Database, after_id: int, rng: random.Random) -> list[tuple[int, str]]:
    """(id, query of its title words) for a few articles the measured import added."""
    rows = db.rows("SELECT id, title FROM search_article WHERE id > ? AND NOT hidden ORDER BY id", (after_id,))
    candidates = []
    for article_id, title in rows:
        words = [w for w in WORD.findall(title) if w.lower() not in STOP_WORDS]
        if len(words) >= 3:
            candidates.append((article_id, " ".join(f"title:{w}" for w in words[:8])))
    rng.shuffle(candidates)
    return candidates[:PROBES]


def wait_until_searchable(port: int, probes: list[tuple[int, str]], timeout: float, request_timeout: float) -> tuple[bool, float, list[int]]:
    started = time.monotonic()
    missing = list(probes)
    while missing and time.monotonic() - started < timeout:
        missing = [(article_id, query) for article_id, query in missing if article_id not in api_hits(port, query, request_timeout)]
        if missing:
            time.sleep(0.5)
    return not missing, time.monotonic() - started, [article_id for article_id, _ in missing]
