"""Saving a search and checking a text, in a real browser (Debian's Chromium through Playwright,
as tests/web/test_browser.py): log in, save the search from the search page, see the new-match
count after an import, open it, read its feed; paste a paragraph on /check/ and follow the
link to compare."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from search.monitor.models import SavedSearch
from search.store.models import Article
from tests.conftest import import_into_db
from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS

pytestmark = BROWSER_TESTS

STATE_DEPARTMENT = "The United States continues to be concerned about the situation in the Republic of Chechnya"


def test_saving_a_search_and_seeing_its_new_matches(live_server, corpus, page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    get_user_model().objects.create_user("desk", password="a long pass phrase")
    page.goto(live_server.url + "/?q=grozny")
    page.locator("details.save-search summary").click()
    page.locator("details.save-search input[name=name]").fill("Grozny watch")
    page.locator("details.save-search").get_by_role("button", name="Save…").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))  # not logged in yet: the login page, then back
    expect(page.locator("header.site")).to_have_count(1)  # a page of its own, not loaded into the results
    page.fill("#id_username", "desk")
    page.fill("#id_password", "a long pass phrase")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/saved/new\?"))
    expect(page.locator("#saved-name")).to_have_value("Grozny watch")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/saved/$"))
    saved = page.locator("li.saved", has_text="Grozny watch")
    expect(saved).to_be_visible()
    expect(saved.locator(".new-count")).to_have_text("no new matches")
    assert SavedSearch.objects.get().query == "q=grozny"

    story = tmp_path / "grozny.txt"
    story.write_text("Grozny residents report new arrests\n\nPolice in Grozny detained several more men on Friday, witnesses said.\n")
    assert import_into_db(story).imported == 1
    page.reload()
    expect(saved.locator(".new-count")).to_have_text("1 new")

    feed_url = saved.locator("a.feed-url").get_attribute("href")
    saved.get_by_role("link", name="Grozny watch").click()
    page.wait_for_url(re.compile(r"/\?q=grozny$"))
    expect(page.locator("#results").get_by_text("Grozny residents report new arrests")).to_be_visible()
    page.goto(live_server.url + "/saved/")
    expect(page.locator("li.saved", has_text="Grozny watch").locator(".new-count")).to_have_text("no new matches")
    feed = page.request.get(live_server.url + feed_url)
    assert feed.ok and "Grozny residents report new arrests" in feed.text()


def test_check_page_finds_who_ran_a_pasted_paragraph(live_server, corpus, page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    carriers = [a for a in Article.objects.prefetch_related("paragraphs") if STATE_DEPARTMENT in a.body]
    assert len(carriers) == 2
    pasted = next(p.text for p in carriers[0].paragraphs.all() if STATE_DEPARTMENT in p.text)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Check a text").click()
    page.fill("#check-text", "An opening line of our own that nobody printed.\n\n" + pasted)
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".check-summary")).to_contain_text("2 articles carry passages")
    expect(page.locator(".check-pasted mark.found")).to_contain_text(STATE_DEPARTMENT)
    assert "An opening line" not in " ".join(page.locator(".check-pasted mark.found").all_inner_texts())
    matches = page.locator("li.check-match")
    expect(matches).to_have_count(2)
    assert {int(matches.nth(i).get_attribute("data-article")) for i in range(2)} == {a.pk for a in carriers}
    expect(matches.first.locator(".coverage")).to_have_text(re.compile(r"^\d+%$"))
    page.get_by_role("link", name="compare with the earliest").click()
    page.wait_for_url(re.compile(r"/compare/\d+/\d+/$"))
    expect(page.locator(".compare-grid blockquote").first).to_contain_text(STATE_DEPARTMENT)
    assert errors == []
