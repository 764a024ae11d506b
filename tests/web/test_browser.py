"""The search page in a real browser: live search over htmx, highlighting, history, no-JS fallback.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright against pytest-django's
live_server. The live server is a thread of this process, so the per-test index path set by
the autouse ``index_path`` fixture applies to it too; the corpus is imported inside the test
(with ``transactional_db``) so the server thread sees the rows.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS


pytestmark = BROWSER_TESTS


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def url_with_q(value: str):  # type: ignore[no-untyped-def]
    """A predicate for page.wait_for_url: the page's q parameter is exactly ``value``."""
    return lambda url: query_of(url).get("q") == [value]


def marks(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#results mark").all_inner_texts()


def test_live_search_highlights_pushes_url_and_restores_on_back(live_server, corpus, page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.url + "/")
    expect(page.locator("#q")).to_be_visible()
    # htmx must be loaded and have processed the form before typing means anything.
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__noReload = 'still-here'; }")

    # 1. Type the first query; htmx fetches the results after the input settles.
    with page.expect_response(lambda r: "q=Linkevicius" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#q").press_sequentially("Linkevicius", delay=30)
    results = page.locator("#results")
    count = page.locator("#results p.count")
    expect(count).to_contain_text(re.compile(r"of\s+2\s+articles"))
    expect(count).to_contain_text("Linkevicius")
    assert page.evaluate("() => window.__noReload") == "still-here", "the page reloaded instead of swapping #results"

    # 2. Highlighted matches: accents do not matter, so both spellings may be marked.
    expect(results.locator("mark").first).to_be_visible()
    first_marks = marks(page)
    assert first_marks, "no <mark> in the results"
    assert {m.casefold() for m in first_marks} <= {"linkevicius", "linkevičius"}, first_marks
    expect(results.locator("li.hit")).to_have_count(2)

    # 3. hx-push-url put the query into the address bar.
    page.wait_for_url(url_with_q("Linkevicius"))
    first_url = page.url
    assert query_of(first_url)["q"] == ["Linkevicius"]

    # 4. A second query: a phrase, marked as one <mark>.
    with page.expect_response(lambda r: "State+Department" in r.url or "State%20Department" in r.url):
        page.locator("#q").fill('"State Department"')
    expect(count).to_contain_text('"State Department"')
    expect(results.locator("mark", has_text=re.compile(r"^State Department$")).first).to_be_visible()
    second_marks = marks(page)
    assert "State Department" in second_marks, second_marks
    assert not {"State", "Department"} & set(second_marks), f"the phrase was marked word by word: {second_marks}"
    page.wait_for_url(url_with_q('"State Department"'))
    assert page.url != first_url
    assert page.evaluate("() => window.__noReload") == "still-here", "the page reloaded on the second query"

    # 5. Back: the first query's URL, results and search box come back.
    page.go_back()
    page.wait_for_url(url_with_q("Linkevicius"))
    expect(count).to_contain_text(re.compile(r"of\s+2\s+articles"))
    expect(count).to_contain_text("Linkevicius")
    expect(results.locator("li.hit")).to_have_count(2)
    assert {m.casefold() for m in marks(page)} <= {"linkevicius", "linkevičius"}, marks(page)
    assert marks(page), "no <mark> after going back"
    expect(page.locator("#q")).to_have_value("Linkevicius")

    assert not errors, f"JavaScript errors on the page: {errors}"


def test_search_form_works_without_javascript(live_server, corpus, new_context) -> None:  # type: ignore[no-untyped-def]
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    page.goto(live_server.url + "/")
    page.locator("#q").fill("Linkevicius")
    with page.expect_navigation():
        page.locator("form.search button[type=submit]").click()

    assert query_of(page.url).get("q") == ["Linkevicius"], page.url
    count = page.locator("#results p.count")
    expect(count).to_contain_text(re.compile(r"of\s+2\s+articles"))
    expect(page.locator("#results li.hit")).to_have_count(2)
    assert {m.casefold() for m in marks(page)} <= {"linkevicius", "linkevičius"}
    assert marks(page), "no <mark> in the no-JS results"
    expect(page.locator("#q")).to_have_value("Linkevicius")
