"""Saved searches: matches found at import over the new articles only, /saved/ counts, the private
Atom feed, the webhook through the durable queue, followed passages."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from search.fetch.http import Fetcher
from search.monitor.alerts import MAX_ATTEMPTS, deliver_due, match_new
from search.monitor.models import Delivery, FollowedPassage, SavedSearch, Source
from search.monitor.poll import fetch_policy
from search.store.models import Article, PassageGroup
from tests.conftest import CORPUS, import_into_db
from tests.monitor.site import Article as PageArticle
from tests.monitor.site import Page, rss, seed_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user("desk", password="a long pass phrase")


@pytest.fixture
def logged_in(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def feed_of(client, url: str):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    return feedparser.parse(response.content)


def test_saving_a_search_and_its_new_matches(logged_in, user, backend):
    logged_in.post(reverse("search:saved"), {"name": "Chechnya, Independent", "query": "outlet=The+Independent&q=chechnya&page=3"})
    logged_in.post(reverse("search:saved"), {"name": "Visas", "query": "q=visas"})
    logged_in.post(reverse("search:saved"), {"name": "", "query": "q=x"})  # no name: refused with a message
    saved = SavedSearch.objects.get(name="Chechnya, Independent")
    assert saved.query == "q=chechnya&outlet=The+Independent"  # canonical order, no page
    assert SavedSearch.objects.count() == 2
    report = import_into_db(CORPUS)
    assert report.imported == 5 and "alerts" in report.stages
    independent = Article.objects.get(outlet__name="The Independent")
    assert list(saved.matches.values_list("article_id", flat=True)) == [independent.pk]
    visas = SavedSearch.objects.get(name="Visas")
    expected = {a.pk for a in Article.objects.all() if "visa" in (a.title + a.body).lower()}
    assert set(visas.matches.values_list("article_id", flat=True)) == expected and expected
    page = logged_in.get(reverse("search:saved")).content.decode()
    assert "1 new" in page and f"{len(expected)} new" in page
    opened = logged_in.get(reverse("search:saved-open", args=[saved.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("search:search") + "?q=chechnya&outlet=The+Independent"
    api = {s["name"]: s for s in logged_in.get(reverse("api:api-saved")).json()["saved"]}
    assert api["Chechnya, Independent"]["new_matches"] == 0 and api["Visas"]["new_matches"] == len(expected)


def test_only_new_articles_are_matched(user, backend, tmp_path):
    import_into_db(CORPUS)
    saved = SavedSearch.objects.create(user=user, name="Grozny", query="q=grozny")
    assert not saved.matches.exists()  # saving looks forward, not back
    page = tmp_path / "new.txt"
    page.write_text("Grozny residents report new arrests\n\nPolice in Grozny detained several more men on Friday, witnesses said.\n")
    import_into_db(page)
    new = Article.objects.get(source_file=str(page))
    assert list(saved.matches.values_list("article_id", flat=True)) == [new.pk]
    assert match_new([new.pk]) == {saved.pk: [new.pk]}


def test_atom_feed_with_a_revocable_token(logged_in, user, backend):
    saved = SavedSearch.objects.create(user=user, name="Chechnya", query="q=chechnya")
    import_into_db(CORPUS)
    url = reverse("search:saved-feed", args=[saved.feed_token])
    parsed = feed_of(logged_in, url)
    titles = {e.title for e in parsed.entries}
    assert titles == set(Article.objects.filter(id__in=saved.matches.values("article_id")).values_list("title", flat=True))
    assert parsed.feed.title == "newsindex: Chechnya" and all(e.link.startswith("http://testserver/articles/") for e in parsed.entries)
    logged_in.logout()
    assert logged_in.get(url).status_code == 200  # the token is the key: no login for feed readers
    logged_in.force_login(user)
    logged_in.post(reverse("search:saved-token", args=[saved.pk]))
    assert logged_in.get(url).status_code == 404
    saved.refresh_from_db()
    assert len(feed_of(logged_in, reverse("search:saved-feed", args=[saved.feed_token])).entries) == len(titles)


def test_webhook_is_retried_with_backoff_until_delivered(site, allow_private, user, backend):
    saved = SavedSearch.objects.create(user=user, name="Visas", query="q=visas", webhook_url=site.url("/hook"))
    import_into_db(CORPUS)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.payload["new_matches"] == saved.matches.count()
    site.post_statuses = [500, 503]
    fetcher = Fetcher(fetch_policy(from_web=True))
    assert deliver_due(fetcher) == (0, 1)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "HTTP 500" in delivery.last_error
    first_wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=50) < first_wait <= dt.timedelta(seconds=60)
    assert deliver_due(fetcher) == (0, 0)  # not due yet
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert deliver_due(fetcher) == (0, 1)
    delivery.refresh_from_db()
    assert dt.timedelta(seconds=110) < delivery.next_attempt_at - timezone.now() <= dt.timedelta(seconds=120)  # doubled
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert deliver_due(fetcher) == (1, 0)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    path, status, payload = site.posts[-1]
    assert (path, status) == ("/hook", 200) and payload["saved_search"]["name"] == "Visas"
    assert {a["title"] for a in payload["articles"]} == set(Article.objects.filter(id__in=saved.matches.values("article_id")).values_list("title", flat=True))
    assert site.log[-1].headers["content-type"] == "application/json"


def test_a_webhook_that_keeps_failing_is_given_up(site, allow_private, user):
    saved = SavedSearch.objects.create(user=user, name="x", webhook_url=site.url("/hook"))
    Delivery.objects.create(saved_search=saved, url=saved.webhook_url, payload={"n": 1})
    site.post_statuses = [500] * MAX_ATTEMPTS
    fetcher = Fetcher(fetch_policy(from_web=True))
    for _ in range(MAX_ATTEMPTS):
        Delivery.objects.update(next_attempt_at=timezone.now())
        deliver_due(fetcher)
    assert Delivery.objects.get().status == "failed" and len(site.posts) == MAX_ATTEMPTS


def test_webhooks_to_private_addresses_are_refused(logged_in, user, site, settings):
    settings.NEWSINDEX_FETCH = {**settings.NEWSINDEX_FETCH, "ALLOW_PRIVATE": False, "DELAY": 0.0}
    logged_in.post(reverse("search:saved"), {"name": "x", "query": "q=a", "webhook_url": site.url("/hook")})
    assert not SavedSearch.objects.exists()
    saved = SavedSearch.objects.create(user=user, name="x", webhook_url=site.url("/hook"))  # got in before the rule
    Delivery.objects.create(saved_search=saved, url=saved.webhook_url, payload={})
    assert deliver_due(Fetcher(fetch_policy(from_web=True))) == (0, 1)
    assert "loopback" in Delivery.objects.get().last_error and site.posts == []


def test_a_feed_item_reaches_the_saved_search_feed_and_webhook_within_one_poll(logged_in, user, site, allow_private, backend, capsys):
    saved = SavedSearch.objects.create(user=user, name="Visas", query="q=visas", webhook_url=site.url("/hook"))
    pages = site.add_articles(seed_articles())
    site.routes["/feed.xml"] = Page(rss("Wire", pages[:1]), "application/rss+xml")  # seed 000: about visas
    Source.objects.create(name="wire", kind="feed", url=site.url("/feed.xml"))
    call_command("poll_sources", "--once", "--no-actors")
    assert "webhooks: 1 delivered" in capsys.readouterr().out
    article = Article.objects.get()
    assert [a["id"] for a in site.posts[-1][2]["articles"]] == [article.pk]
    parsed = feed_of(logged_in, reverse("search:saved-feed", args=[saved.feed_token]))
    assert [e.title for e in parsed.entries] == [article.title]


def test_following_a_passage(logged_in, user, site, allow_private, backend):
    import_into_db(CORPUS)
    group = PassageGroup.objects.filter(text__contains="The United States continues to be concerned").get()
    page = logged_in.get(reverse("search:duplicates")).content.decode()
    assert f'name="group" value="{group.pk}"' in page
    logged_in.post(reverse("search:follow"), {"group": group.pk})
    followed = FollowedPassage.objects.get()
    url = reverse("search:passage-feed", args=[followed.feed_token])
    before = {e.title for e in feed_of(logged_in, url).entries}
    assert before == set(Article.objects.filter(passages__group=group).values_list("title", flat=True))
    quote = group.text
    copy = PageArticle("next-outlet", "The press release travels on", ["A third outlet ran the statement today.", quote, "More reaction is expected."], "Next Outlet", "2017-05-22")
    page_url = site.add_articles([copy])[0][0]
    call_command("import_articles", page_url, "--no-actors")
    after = feed_of(logged_in, url).entries
    assert after[0].title == "The press release travels on" and {e.title for e in after} == before | {copy.title}


def test_the_search_page_offers_saving_without_knowing_the_user(client, user, seeds):
    html = client.get("/", {"q": "chechnya", "outlet": "The Independent"}).content.decode()
    assert 'action="/saved/new"' in html and 'value="q=chechnya&amp;outlet=The+Independent"' in html
    answer = client.get(reverse("search:saved-new"), {"query": "q=chechnya&outlet=The+Independent", "name": "Chechnya"})
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/?next=/saved/new")
    client.force_login(user)
    form = client.get(reverse("search:saved-new"), {"query": "outlet=The+Independent&q=chechnya", "name": "Chechnya"}).content.decode()
    assert 'name="query" value="q=chechnya&amp;outlet=The+Independent"' in form and 'value="Chechnya"' in form
