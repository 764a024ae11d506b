"""poll_sources against a local site: feeds, sitemaps, URL lists and pages flow into the archive
through the importer; broken sources fail alone with their reason in the source's health."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from search.fetch.http import Fetcher
from search.monitor.admin import SourceForm
from search.monitor.models import Source, SourceItem
from search.monitor.poll import fetch_policy, poll
from search.store.importer import Importer
from search.store.models import Article
from tests.conftest import corpus_path
from tests.monitor.site import Page, atom, cluster_articles, fifty_megabytes, never_finishes, rss, seed_articles, sitemap_index, urlset

pytestmark = pytest.mark.django_db


def run_poll(*sources: Source):  # type: ignore[no-untyped-def]
    fetcher = Fetcher(fetch_policy(from_web=True))
    try:
        return poll([Source.objects.get(pk=s.pk) for s in sources], fetcher, Importer(actors=False))
    finally:
        fetcher.close()


def titles() -> set[str]:
    return set(Article.objects.values_list("title", flat=True))


def test_rss_atom_and_a_sitemap_index_flow_into_the_archive(site, allow_private, backend):
    seeds = seed_articles()
    pages = site.add_articles(seeds)
    site.routes["/rss.xml"] = Page(rss("Feed Outlet", pages[:2]), "application/rss+xml")
    site.routes["/atom.xml"] = Page(atom("Atom Outlet", pages[2:3]), "application/atom+xml")
    site.routes["/sitemap-a.xml"] = Page(urlset([pages[3][0]], news=True), "application/xml")
    site.routes["/sitemap-b.xml"] = Page(urlset([pages[4][0], pages[0][0]]), "application/xml")
    site.routes["/sitemap_index.xml"] = Page(sitemap_index([site.url("/sitemap-a.xml"), site.url("/sitemap-b.xml")]), "application/xml")
    feed = Source.objects.create(kind="feed", url=site.url("/rss.xml"))
    atom_source = Source.objects.create(kind="feed", url=site.url("/atom.xml"), outlet="Chosen Outlet")
    sitemap = Source.objects.create(kind="sitemap", url=site.url("/sitemap_index.xml"))
    report = run_poll(feed, atom_source, sitemap)
    assert [o.error for o in report.outcomes] == ["", "", ""]
    assert report.imported == 5  # seed 000 is listed by the feed and a sitemap: one article
    assert titles() == {a.title for a in seeds}
    by_title = {a.title: a for a in Article.objects.select_related("outlet")}
    assert by_title[seeds[1].title].outlet.name == "Feed Outlet"  # the feed's title is the default outlet
    assert by_title[seeds[2].title].outlet.name == "Chosen Outlet"
    assert by_title[seeds[2].title].url == pages[2][0]
    assert by_title[seeds[3].title].published == dt.date(2017, 5, 20)  # the news sitemap's date
    assert by_title[seeds[4].title].published == dt.date(2017, 5, 18)  # the page's own date
    assert backend.doc_count() == 5
    feed.refresh_from_db()
    assert feed.last_success and not feed.last_error and feed.feed_title == "Feed Outlet"
    assert feed.articles_since(dt.timedelta(hours=24)) == 2
    sitemap.refresh_from_db()
    assert sitemap.articles_since(dt.timedelta(days=7)) == 2  # 000 went to the feed, which came first
    assert set(sitemap.items.values_list("status", flat=True)) == {"imported", "unchanged"}


def test_broken_sources_fail_alone_with_their_reason(site, allow_private):
    seeds = seed_articles()
    pages = site.add_articles(seeds[:3])
    site.routes["/good.xml"] = Page(rss("Good", pages[:2]), "application/rss+xml")
    truncated = rss("Cut", pages[2:3] + pages[:1])
    site.routes["/truncated.xml"] = Page(truncated[: truncated.rindex(b"<item>") + 6], "application/rss+xml")  # broken XML
    site.routes["/broken.xml"] = Page(b"<html><body><p>We are down for maintenance</p>", "text/html")
    site.routes["/error.xml"] = Page(b"oops", "text/plain", 500)
    site.routes["/loop/a"] = Page(b"", status=302, headers={"Location": "/loop/b"})
    site.routes["/loop/b"] = Page(b"", status=302, headers={"Location": "/loop/a"})
    site.routes["/news/slow.html"] = never_finishes
    site.routes["/news/huge.html"] = fifty_megabytes
    site.routes["/private/hidden.html"] = Page(seeds[3].html())
    allow_private["MAX_BYTES"] = 10 * 1024 * 1024
    broken = Source.objects.create(name="broken", kind="feed", url=site.url("/broken.xml"))
    error = Source.objects.create(name="error", kind="feed", url=site.url("/error.xml"))
    loop = Source.objects.create(name="loop", kind="sitemap", url=site.url("/loop/a"))
    listed = Source.objects.create(
        name="list",
        kind="urls",
        urls="\n".join([site.url("/news/slow.html"), site.url("/news/huge.html"), site.url("/private/hidden.html"), site.url("/news/missing.html")]),
    )
    good = Source.objects.create(name="good", kind="feed", url=site.url("/good.xml"))
    cut = Source.objects.create(name="cut", kind="feed", url=site.url("/truncated.xml"))
    report = run_poll(broken, error, loop, listed, good, cut)
    errors = {o.source.name: o.error for o in report.outcomes}
    assert "not a readable feed" in errors["broken"]
    assert "HTTP 500" in errors["error"]
    assert "redirect loop" in errors["loop"]
    assert errors["list"] == errors["good"] == errors["cut"] == ""
    assert "not well-formed" in report.outcomes[-1].line() and "1 items read anyway" in report.outcomes[-1].line()
    assert report.imported == 3 and titles() == {seeds[0].title, seeds[1].title, seeds[2].title}
    reasons = dict(SourceItem.objects.filter(source__name="list").values_list("url", "reason"))
    assert "no complete answer within 3 s" in reasons[site.url("/news/slow.html")]
    assert "larger than the 10 MB limit" in reasons[site.url("/news/huge.html")]
    assert "robots.txt" in reasons[site.url("/private/hidden.html")]
    assert "HTTP 404" in reasons[site.url("/news/missing.html")]
    assert site.requests_for("/private/hidden.html") == []
    assert SourceItem.objects.get(url=site.url("/private/hidden.html")).status == "forbidden"
    error.refresh_from_db()
    assert error.failures == 1 and "HTTP 500" in error.last_error and error.last_success is None


def test_a_feed_whose_items_appear_over_several_polls(site, allow_private):
    cluster = corpus_path("clusters", "allsides_overlap__abp_019_2017-05-15")
    articles = cluster_articles(cluster)
    assert len(articles) >= 3
    pages = site.add_articles(articles)
    source = Source.objects.create(kind="feed", url=site.url("/feed.xml"), outlet="Wire")
    counts = []
    for shown in range(1, len(pages) + 1):
        site.routes["/feed.xml"] = Page(rss("Wire", pages[:shown]), "application/rss+xml", etag=f'"{shown}"')
        counts.append(run_poll(source).imported)
    assert counts == [1] * len(pages)
    assert Article.objects.count() == len(pages)
    for url, _ in pages:  # every page fetched once, however many polls listed it
        assert len(site.requests_for(url.removeprefix(site.base))) == 1
    again = run_poll(source)  # nothing changed: the feed answers 304 to the conditional GET
    assert again.imported == 0 and "not modified" in again.outcomes[0].line()
    assert site.requests_for("/feed.xml")[-1].headers["if-none-match"] == f'"{len(pages)}"'


def test_sources_from_the_web_may_not_reach_private_addresses(site, settings):
    settings.NEWSINDEX_FETCH = {**settings.NEWSINDEX_FETCH, "ALLOW_PRIVATE": False, "DELAY": 0.0}
    site.add_articles(seed_articles()[:1])
    form = SourceForm({"kind": "feed", "url": site.url("/rss.xml"), "interval_minutes": 30, "active": True})
    assert not form.is_valid() and "127.0.0.1 is a loopback address" in str(form.errors["url"])
    form = SourceForm({"kind": "urls", "urls": "http://169.254.169.254/latest/meta-data/", "interval_minutes": 30})
    assert not form.is_valid() and "link-local" in str(form.errors["urls"])
    source = Source.objects.create(kind="page", url=site.url("/news/seed-000.html"))  # say it got in before
    report = run_poll(source)
    assert "loopback" in report.outcomes[0].error or "loopback" in SourceItem.objects.get().reason
    assert site.log == [] and Article.objects.count() == 0
    settings.NEWSINDEX_FETCH = {**settings.NEWSINDEX_FETCH, "ALLOW_PRIVATE": True}
    assert SourceForm({"kind": "feed", "url": site.url("/rss.xml"), "interval_minutes": 30}).is_valid()


def test_poll_sources_command_and_import_articles_with_a_url(site, allow_private, capsys):
    seeds = seed_articles()
    pages = site.add_articles(seeds)
    site.routes["/rss.xml"] = Page(rss("Feed Outlet", pages[:2]), "application/rss+xml")
    site.routes["/sitemap.xml"] = Page(urlset([u for u, _ in pages[2:4]]), "application/xml")
    Source.objects.create(name="feed", kind="feed", url=site.url("/rss.xml"))
    Source.objects.create(name="asleep", kind="feed", url=site.url("/nothing.xml"), active=False)
    call_command("poll_sources", "--once", "--no-actors")
    out = capsys.readouterr().out
    assert "feed: 2 listed, 2 new, 2 imported" in out and "asleep" not in out
    call_command("import_articles", site.url("/sitemap.xml"), pages[4][0], "--no-actors")
    assert "imported 3" in capsys.readouterr().out
    assert titles() == {a.title for a in seeds}
    call_command("import_articles", site.url("/sitemap.xml"), "--no-actors")  # once more: nothing new
    assert "imported 0, updated 0, unchanged 2" in capsys.readouterr().out


def test_due_and_quiet(site, allow_private):
    now = timezone.now()
    source = Source.objects.create(kind="urls", urls="http://127.0.0.1/x", interval_minutes=60, last_polled=now - dt.timedelta(minutes=30))
    assert not source.is_due(now) and source.is_due(now + dt.timedelta(minutes=31))
    assert not source.quiet(now)  # nothing published yet: not "quiet"
    for n, hours in enumerate((30, 28, 26, 24)):  # an item every two hours, the last one a day ago
        SourceItem.objects.create(source=source, url=f"http://127.0.0.1/{n}", status="imported", first_seen=now - dt.timedelta(hours=hours))
    assert source.quiet(now)  # 24 h without news, where 2 h was usual
    assert not source.quiet(now - dt.timedelta(hours=19))
