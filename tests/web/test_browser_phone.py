"""The search page on a phone-sized screen: results first, the filters one link away."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS

pytestmark = BROWSER_TESTS


def test_a_phone_shows_results_before_the_filters(live_server, corpus, new_context) -> None:  # type: ignore[no-untyped-def]
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/?q=chechnya")
    first_hit = page.locator("#results li.hit").first
    expect(first_hit).to_be_in_viewport()
    filters = page.locator("#filters")
    assert first_hit.bounding_box()["y"] < filters.bounding_box()["y"]
    expect(filters).not_to_be_in_viewport()
    page.get_by_role("link", name="Filters: outlets, actors, dates ↓").click()
    expect(page.locator("#filters section.facet").first).to_be_in_viewport()
    page.get_by_role("link", name="Back to the results ↑").click()
    expect(first_hit).to_be_in_viewport()


def test_a_wide_screen_keeps_the_filters_beside_the_results(live_server, corpus, new_context) -> None:  # type: ignore[no-untyped-def]
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/?q=chechnya")
    hit, filters = page.locator("#results li.hit").first.bounding_box(), page.locator("#filters").bounding_box()
    assert filters["x"] + filters["width"] <= hit["x"]
    expect(page.locator(".to-filters")).to_be_hidden()
    expect(page.locator(".to-results")).to_be_hidden()
