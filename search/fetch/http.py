"""A polite HTTP client for feeds, sitemaps and article pages (urllib3 underneath).

- robots.txt is read once per host (and again after an hour) and honoured for every URL,
  redirect targets included; its Crawl-delay lengthens the wait between requests;
- at most one request per `delay` seconds per host (1 s by default);
- conditional GET: give the ETag / Last-Modified of the last answer, a 304 says "unchanged";
- timeouts: to connect, between two reads, and for the whole answer (a page that trickles
  forever is cut at `total_timeout`);
- a size cap: an answer larger than `max_bytes` is rejected without reading the rest;
- redirects followed by hand, at most `max_redirects`, each hop checked like the first URL;
- a User-Agent that names newsindex;
- with `guard=True` (URLs that came in through the web) no connection to a private, loopback or
  link-local address is made, before or after a redirect (search.fetch.guard).

Every failure is a FetchError whose message says what happened, never a raw traceback.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import LocationParseError

from search.fetch.guard import GUARDED_POOLS, AddressRefused

USER_AGENT = "newsindex/1.0 (news monitoring; +https://github.com/newsindex/newsindex)"
ROBOTS_TTL = 3600.0  # seconds a host's robots.txt is trusted
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A URL could not be fetched; the message says why (`status`: the HTTP status, if any)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Refused(FetchError):
    """The URL leads to an address URLs from the web may not reach (private, loopback, link-local)."""


class RobotsForbidden(FetchError):
    """robots.txt of the host does not allow this URL for our User-Agent."""


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = USER_AGENT
    delay: float = 1.0  # seconds between two requests to one host
    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # longest silence while reading
    total_timeout: float = 30.0  # longest time for one answer, headers to last byte
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    guard: bool = False  # refuse private/loopback/link-local addresses (URLs from the web)


@dataclass
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def text(self) -> str:
        """The body decoded with the charset the server names, else UTF-8 (undecodable bytes replaced)."""
        message = Message()
        message["content-type"] = self.headers.get("content-type", "")
        charset = message.get_param("charset")
        if isinstance(charset, str):
            try:
                return self.body.decode(charset, errors="replace")
            except LookupError:
                pass
        return self.body.decode("utf-8", errors="replace")


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class Fetcher:
    """One per polling run (it remembers hosts' robots.txt and when each host was last asked)."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.pool = urllib3.PoolManager(
            num_pools=20, headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate"}
        )
        if self.policy.guard:
            self.pool.pool_classes_by_scheme = GUARDED_POOLS  # type: ignore[assignment]
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser, float]] = {}
        self._last_request: dict[str, float] = {}
        self._lock = threading.Lock()
        self.requests = 0  # how many HTTP requests were made (robots.txt included)

    # -- public ----------------------------------------------------------------------------------

    def get(self, url: str, *, etag: str = "", last_modified: str = "", robots: bool = True) -> Response:
        """GET `url`, following redirects. A 304 comes back as a Response with `not_modified`;
        any other answer but 2xx raises FetchError."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self.request("GET", url, headers=headers, robots=robots)

    def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None, robots: bool = True
    ) -> Response:
        current = _checked_url(url)
        seen = [current]
        for _ in range(self.policy.max_redirects + 1):
            if robots:
                self._check_robots(current)
            response, location = self._once(method, current, headers or {}, body)
            if location is None:
                if response.status == 304 or 200 <= response.status < 300:
                    return response
                raise FetchError(f"{current} answered HTTP {response.status}", response.status)
            current = _checked_url(urljoin(current, location))
            if current in seen:
                raise FetchError(f"redirect loop at {current}")
            seen.append(current)
            if method == "POST":  # a webhook that redirects is not followed with its payload
                raise FetchError(f"{url} redirected to {current}: not followed for a POST")
        raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch `url` (fetching robots.txt when not known yet)."""
        try:
            self._check_robots(url)
        except RobotsForbidden:
            return False
        return True

    def close(self) -> None:
        self.pool.clear()

    # -- one request -----------------------------------------------------------------------------

    def _wait_turn(self, url: str, extra_delay: float = 0.0) -> None:
        host = host_of(url)
        delay = max(self.policy.delay, extra_delay)
        with self._lock:
            now = time.monotonic()
            ready = self._last_request.get(host, -1e9) + delay
            self._last_request[host] = max(now, ready)
        if ready > now:
            time.sleep(ready - now)

    def _once(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[Response, str | None]:
        """One request, no redirect followed: (response, Location or None)."""
        robots = self._robots.get(host_of(url))
        crawl_delay = robots[0].crawl_delay(self.policy.user_agent) if robots else None
        self._wait_turn(url, float(crawl_delay or 0))
        policy = self.policy
        started = time.monotonic()
        self.requests += 1
        try:
            raw = self.pool.urlopen(
                method,
                url,
                headers={**self.pool.headers, **headers},
                body=body,
                redirect=False,
                retries=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout),
            )
        except AddressRefused as exc:
            raise Refused(str(exc)) from exc
        except (Urllib3Error, OSError) as exc:
            raise FetchError(f"{url}: {_describe(exc)}") from exc
        complete = False
        try:
            response_headers = {name.lower(): value for name, value in raw.headers.items()}
            if raw.status in (301, 302, 303, 307, 308) and raw.headers.get("location"):
                return Response(url, raw.status, response_headers), raw.headers["location"]
            length = response_headers.get("content-length", "")
            if length.isdigit() and int(length) > policy.max_bytes:
                raise FetchError(f"{url}: {int(length):,} bytes is over the {_mb(policy.max_bytes)} limit: not fetched")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() - started > policy.total_timeout:
                    raise FetchError(f"{url}: no complete answer within {policy.total_timeout:g} s: gave up")
                try:
                    chunk = raw.read1(_CHUNK)
                except (Urllib3Error, OSError) as exc:
                    raise FetchError(f"{url}: {_describe(exc)}") from exc
                if not chunk:
                    break
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(f"{url}: answer larger than the {_mb(policy.max_bytes)} limit: rejected")
                chunks.append(chunk)
            complete = True
            return Response(url, raw.status, response_headers, b"".join(chunks)), None
        finally:
            if complete:
                raw.release_conn()  # read to the end: the connection can serve the next request
            else:
                raw.close()

    # -- robots.txt ------------------------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        host = host_of(url)
        known = self._robots.get(host)
        if known is None or time.monotonic() - known[1] > ROBOTS_TTL:
            known = (self._read_robots(host), time.monotonic())
            self._robots[host] = known
        if not known[0].can_fetch(self.policy.user_agent, url):
            raise RobotsForbidden(f"{url}: robots.txt of {host} does not allow it")

    def _read_robots(self, host: str) -> urllib.robotparser.RobotFileParser:
        """As urllib.robotparser reads it: 401/403 forbid everything, other 4xx allow everything.
        A server error or no answer at all fails this URL (robots.txt is asked for again next time)."""
        parser = urllib.robotparser.RobotFileParser(host + "/robots.txt")
        try:
            response = self.request("GET", host + "/robots.txt", robots=False)
        except FetchError as exc:
            if exc.status in (401, 403):
                parser.disallow_all = True
            elif exc.status is not None and 400 <= exc.status < 500:
                parser.allow_all = True
            else:
                raise FetchError(f"robots.txt of {host} could not be read, so nothing is fetched there: {exc}", exc.status) from exc
            return parser
        parser.parse(response.text().splitlines())
        return parser


def _checked_url(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise FetchError(f"{url[:200]!r} is not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url[:200]!r} is not an http(s) URL")
    try:
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as exc:
        raise FetchError(f"{url[:200]!r}: {exc}") from exc
    return url.strip()



def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def _describe(exc: BaseException) -> str:
    """A one-line reason for a network error."""
    name = type(exc).__name__
    if isinstance(exc, LocationParseError):
        return "not a valid URL"
    if "ReadTimeout" in name or isinstance(exc, TimeoutError):
        return "timed out waiting for the server"
    if "ConnectTimeout" in name:
        return "timed out connecting"
    if "NewConnectionError" in name or isinstance(exc, ConnectionRefusedError):
        return "could not connect (refused or unreachable)"
    if "NameResolution" in name:
        return "host name not found"
    reason = getattr(exc, "reason", None) or exc
    return f"{name}: {str(reason)[:200]}"
