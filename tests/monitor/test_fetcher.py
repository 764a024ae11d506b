"""The polite fetcher against a local site: robots.txt, per-host delay, conditional GET, timeouts,
the size cap, redirects, the private-address guard (no Django database needed)."""

from __future__ import annotations

import time

import pytest

from search.fetch import guard
from search.fetch.guard import refusal
from search.fetch.http import Fetcher, FetchError, FetchPolicy, RobotsForbidden
from tests.monitor.site import Page, Site, fifty_megabytes, never_finishes, seed_articles

FAST = FetchPolicy(delay=0.0, total_timeout=3.0, read_timeout=2.0)


def test_robots_txt_is_honoured_and_the_user_agent_names_newsindex(site):
    article = seed_articles()[1]
    site.routes["/private/secret.html"] = Page(article.html())
    site.routes["/news/open.html"] = Page(article.html())
    fetcher = Fetcher(FAST)
    assert b"Chechen" in fetcher.get(site.url("/news/open.html")).body
    with pytest.raises(RobotsForbidden, match="robots.txt"):
        fetcher.get(site.url("/private/secret.html"))
    assert site.requests_for("/private/secret.html") == []  # never asked for
    assert len(site.requests_for("/robots.txt")) == 1  # read once per host
    assert all("newsindex" in entry.headers["user-agent"] for entry in site.log)


def test_one_request_per_second_per_host_by_default(site):
    site.routes["/a.html"] = site.routes["/b.html"] = Page(seed_articles()[0].html())
    fetcher = Fetcher()  # the default policy
    assert fetcher.policy.delay == 1.0
    fetcher.get(site.url("/a.html"))
    fetcher.get(site.url("/b.html"))
    fetcher.get(site.url("/a.html"))
    times = [entry.at for entry in site.log]  # robots.txt, a, b, a
    assert len(times) == 4
    assert all(later - earlier >= 0.95 for earlier, later in zip(times, times[1:]))


def test_conditional_get(site):
    site.routes["/feed.xml"] = Page(b"<rss version='2.0'><channel><title>x</title></channel></rss>", "application/rss+xml", etag='"v1"')
    fetcher = Fetcher(FAST)
    first = fetcher.get(site.url("/feed.xml"))
    assert first.status == 200 and first.etag == '"v1"'
    second = fetcher.get(site.url("/feed.xml"), etag=first.etag)
    assert second.not_modified and second.body == b""
    assert site.requests_for("/feed.xml")[-1].headers["if-none-match"] == '"v1"'


def test_server_error_is_a_clear_failure(site):
    site.routes["/broken.html"] = Page(b"oops", "text/plain", 500)
    with pytest.raises(FetchError, match="HTTP 500") as caught:
        Fetcher(FAST).get(site.url("/broken.html"))
    assert caught.value.status == 500


def test_redirects_are_followed_but_bounded(site):
    article = seed_articles()[2]
    site.routes["/moved.html"] = Page(b"", status=301, headers={"Location": "/news/here.html"})
    site.routes["/news/here.html"] = Page(article.html())
    response = Fetcher(FAST).get(site.url("/moved.html"))
    assert response.url == site.url("/news/here.html") and b"Chechnya" in response.body
    site.routes["/loop/a"] = Page(b"", status=302, headers={"Location": "/loop/b"})
    site.routes["/loop/b"] = Page(b"", status=302, headers={"Location": "/loop/a"})
    with pytest.raises(FetchError, match="redirect loop"):
        Fetcher(FAST).get(site.url("/loop/a"))
    for n in range(8):
        site.routes[f"/chain/{n}"] = Page(b"", status=302, headers={"Location": f"/chain/{n + 1}"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        Fetcher(FAST).get(site.url("/chain/0"))
    assert len(site.requests_for("/chain/5")) == 1 and site.requests_for("/chain/6") == []


def test_a_page_that_never_finishes_is_given_up(site):
    site.routes["/slow.html"] = never_finishes
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 2 s"):
        Fetcher(FetchPolicy(delay=0.0, total_timeout=2.0, read_timeout=1.0)).get(site.url("/slow.html"))
    assert time.monotonic() - started < 4


def test_a_silent_server_times_out(site):
    def silent(handler):  # type: ignore[no-untyped-def]
        time.sleep(3)

    site.routes["/silent.html"] = silent
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        Fetcher(FetchPolicy(delay=0.0, read_timeout=0.5)).get(site.url("/silent.html"))
    assert time.monotonic() - started < 2


def test_a_50_mb_page_is_cut_at_the_size_cap(site):
    site.routes["/huge.html"] = fifty_megabytes
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than the 10 MB limit"):
        Fetcher(FAST).get(site.url("/huge.html"))
    assert time.monotonic() - started < 10
    site.routes["/declared.html"] = Page(b"x", headers={"X-Pad": "1"})
    site.routes["/declared.html"].body = b"x" * (11 * 1024 * 1024)
    with pytest.raises(FetchError, match="over the 10 MB limit: not fetched"):
        Fetcher(FAST).get(site.url("/declared.html"))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not a public"),
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_which_addresses_are_refused(address, reason):
    found = refusal(address)
    assert (found is None) if reason is None else (reason in found)


def test_the_guard_refuses_private_addresses_before_any_request(site):
    site.routes["/news/a.html"] = Page(seed_articles()[0].html())
    with pytest.raises(FetchError, match="127.0.0.1 is a loopback address"):
        Fetcher(FetchPolicy(delay=0.0, guard=True)).get(site.url("/news/a.html"))
    assert site.log == []  # not even robots.txt was asked for


def test_the_guard_refuses_private_addresses_after_a_redirect(site, monkeypatch):
    """127.0.0.2 stands for a private address, 127.0.0.1 for a public one (both local test sites)."""
    monkeypatch.setattr(guard, "refusal", lambda address: "127.0.0.2 is a private address" if address == "127.0.0.2" else None)
    inside = Site("127.0.0.2").start()
    try:
        inside.routes["/news/a.html"] = Page(seed_articles()[0].html())
        site.routes["/news/a.html"] = Page(seed_articles()[0].html())
        site.routes["/jump"] = Page(b"", status=302, headers={"Location": inside.url("/news/a.html")})
        fetcher = Fetcher(FetchPolicy(delay=0.0, guard=True))
        assert b"Chechen" in fetcher.get(site.url("/news/a.html")).body  # the "public" address is fine
        with pytest.raises(FetchError, match="127.0.0.2 is a private address"):
            fetcher.get(site.url("/jump"))
        assert inside.log == []  # the redirect target was never asked anything
        assert Fetcher(FetchPolicy(delay=0.0)).get(site.url("/jump")).url == inside.url("/news/a.html")  # unguarded: followed
    finally:
        inside.stop()
