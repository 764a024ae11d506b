"""Sources in the admin: adding one, its health columns, "Poll now"."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from search.monitor.models import Source, SourceItem
from search.store.models import Article
from tests.monitor.site import Page, rss, seed_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):  # type: ignore[no-untyped-def]
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.org", "a long pass phrase"))
    return client


def test_add_poll_and_see_health(staff, site, allow_private, backend):
    pages = site.add_articles(seed_articles()[:2])
    site.routes["/rss.xml"] = Page(rss("Feed Outlet", pages), "application/rss+xml")
    site.routes["/down.xml"] = Page(b"oops", "text/plain", 500)
    answer = staff.post(
        reverse("admin:search_source_add"),
        {"name": "wire", "kind": "feed", "url": site.url("/rss.xml"), "urls": "", "outlet": "", "active": "on", "interval_minutes": "15",
         "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "0"},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    Source.objects.create(name="down", kind="feed", url=site.url("/down.xml"))
    answer = staff.post(
        reverse("admin:search_source_changelist"),
        {"action": "poll_now", "_selected_action": [s.pk for s in Source.objects.all()]},
        follow=True,
    )
    text = answer.content.decode()
    assert "Wire: 2 listed, 2 new, 2 imported" in text and "Down: ERROR" in text and "HTTP 500" in text
    assert Article.objects.count() == 2
    listing = staff.get(reverse("admin:search_source_changelist")).content.decode()
    assert "Feed Outlet" in listing  # the outlet column shows the feed's title
    wire = Source.objects.get(name="wire")
    page = staff.get(reverse("admin:search_source_change", args=[wire.pk])).content.decode()
    assert SourceItem.objects.filter(source=wire, status="imported").count() == 2 and pages[0][0] in page
    bad = staff.post(reverse("admin:search_source_add"), {"kind": "feed", "url": "", "interval_minutes": "30",
                                                           "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"})
    assert bad.status_code == 200 and "needs its URL" in bad.content.decode()
