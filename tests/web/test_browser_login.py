"""A private archive in a real browser: anonymous → the login page → search works.

Debian's Chromium through Playwright against pytest-django's live_server (see
tests/web/test_browser.py); NEWSINDEX_LOGIN_REQUIRED is switched on with the settings fixture,
which the live server thread shares.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.conftest import CORPUS, import_into_db
from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS

pytestmark = BROWSER_TESTS
PASSWORD = "a-long-test-password-5127"


@pytest.fixture
def private_corpus(transactional_db, index_path, settings):  # type: ignore[no-untyped-def]
    settings.NEWSINDEX_LOGIN_REQUIRED = True
    assert import_into_db(CORPUS).imported == 5
    reader = get_user_model().objects.create_user("rita", password=PASSWORD)
    reader.groups.add(Group.objects.get(name="readers"))
    return reader


def test_anonymous_visitor_logs_in_and_searches(live_server, private_corpus, page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # 1. A shared search link, opened without an account: the login page, remembering the link.
    page.goto(live_server.url + "/?q=Linkevicius")
    assert urlsplit(page.url).path == "/accounts/login/"
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/?q=Linkevicius"]
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("header.site .brand")).to_have_text("newsindex")  # the app's own page
    expect(page.locator("form.login button")).to_have_css("background-color", re.compile(r"rgb\("))
    # no results leak onto the login page
    expect(page.locator("#results")).to_have_count(0)

    # 2. A wrong password keeps you out.
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("p.notice")).to_contain_text("didn't match")

    # 3. The right one opens the link that was asked for.
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/" and parse_qs(urlsplit(url).query).get("q") == ["Linkevicius"])
    expect(page.locator("#results p.count")).to_contain_text(re.compile(r"of\s+2\s+articles"))
    expect(page.locator("header.site .user")).to_have_text("rita")

    # 4. Live search works as usual (htmx requests carry the session cookie).
    page.wait_for_function("() => window.htmx !== undefined")
    with page.expect_response(lambda r: "q=chechnya" in r.url and r.request.headers.get("hx-request") == "true") as response:
        page.locator("#q").fill("")
        page.locator("#q").press_sequentially("chechnya", delay=30)
    assert response.value.status == 200
    expect(page.locator("#results li.hit").first).to_be_visible()
    expect(page.locator("#results mark").first).to_be_visible()

    # 5. Logging out closes the archive again.
    page.get_by_role("button", name="Log out").click()
    assert urlsplit(page.url).path == "/accounts/login/"
    page.goto(live_server.url + "/")
    assert urlsplit(page.url).path == "/accounts/login/"
    assert not errors, errors
