"""Curation in a real browser: an editor hides an article in the admin and search catches up.

Same set-up as tests/web/test_browser.py: Debian's Chromium (/usr/bin/chromium) through
Playwright against pytest-django's live_server (a thread of this process, so the per-test index
path of the autouse ``index_path`` fixture applies to it); the corpus is imported with
``transactional_db`` so the server thread sees the rows.

The admin only queues index work (IndexTask rows); a real index worker applies it. The test
starts ``manage.py run_index_worker`` (its polling loop) as a subprocess pointed at the test
database and at this test's index folder, and never calls into the index itself: the change has
to reach the search page, its facets and the CSV export through that worker, within seconds.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import expect

from search.index import get_backend
from search.index.base import SearchQuery
from search.store.models import Article, IndexTask
from tests.conftest import CORPUS, ROOT, SEEDS, import_into_db
from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS


pytestmark = BROWSER_TESTS

CATCH_UP_SECONDS = 15.0  # "search catches up within seconds"
WORKER_START_SECONDS = 60.0  # a cold Django start on a busy machine
# Only The Independent's article: its byline, Greg Wilford, is stored as its author, not in the
# body, and bare words search title and body (README: `author:wilford` searches one field).
QUERY = "author:wilford"
OUTLET = "The Independent"
HIDE_ACTION = "Hide from search, facets and exports"
USERNAME = "curator"
PASSWORD = "a-long-test-password-9431"


@pytest.fixture
def corpus(transactional_db, index_path):  # type: ignore[no-untyped-def]
    """The five sample articles, committed so the live server thread and the worker see them."""
    report = import_into_db(CORPUS)
    assert report.imported == 5, report
    assert not IndexTask.objects.exists(), "the import left index work queued"
    return report


@pytest.fixture
def independent(corpus) -> Article:  # type: ignore[no-untyped-def]
    article = Article.objects.select_related("outlet").get(source_file__endswith=SEEDS["002"])
    assert article.outlet_name == OUTLET
    return article


@pytest.fixture
def curator(transactional_db):  # type: ignore[no-untyped-def]
    """A staff superuser made for this test: there is no default account."""
    return get_user_model().objects.create_superuser(USERNAME, "curator@example.org", PASSWORD)


def _database_url() -> str:
    """The test database (not the configured one), as a DATABASE_URL for another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert name and ":memory:" not in name and "mode=memory" not in name, f"the test database is not a file: {name}"
        return f"sqlite:///{name}"
    assert connection.vendor == "postgresql", connection.vendor
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{user}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`manage.py run_index_worker` in its own process; its output goes to files for failure reports."""

    def __init__(self, data_dir: Path, log_dir: Path) -> None:
        self.stdout_path = log_dir / "worker.stdout"
        self.stderr_path = log_dir / "worker.stderr"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsindex.settings",
            # DATA_DIR/index is the index_path of this test; the shingles file sits beside it too.
            "NEWSINDEX_DATA_DIR": str(data_dir),
            "DATABASE_URL": _database_url(),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self._out = self.stdout_path.open("w")
        self._err = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_index_worker"],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=self._err,
        )

    def output(self) -> str:
        return f"worker stdout:\n{self.stdout_path.read_text()}\nworker stderr:\n{self.stderr_path.read_text()}"

    def assert_alive(self) -> None:
        code = self.process.poll()
        assert code is None, f"the index worker exited with {code}\n{self.output()}"

    def wait_until_polling(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while "index worker: applying queued index work" not in self.stdout_path.read_text():
            self.assert_alive()
            assert time.monotonic() < deadline, f"the index worker did not start within {timeout:.0f} s\n{self.output()}"
            time.sleep(0.2)

    def stop(self) -> None:
        """Ctrl-C, as an operator would; kill it only if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._out.close()
        self._err.close()


@pytest.fixture
def index_worker(corpus, index_path: Path, tmp_path: Path) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    """A running index worker on the test database and this test's index; stopped at the end
    (before the test database is flushed, since this fixture depends on it)."""
    assert index_path == tmp_path / "index"
    worker = Worker(data_dir=index_path.parent, log_dir=tmp_path)
    try:
        worker.wait_until_polling(WORKER_START_SECONDS)
        yield worker
    finally:
        worker.stop()


def fresh_total(index_path: Path) -> int:
    """For failure reports only: how many articles match QUERY in a newly opened reader of the index."""
    backend = type(get_backend())(str(index_path))
    return backend.search(SearchQuery(text=QUERY)).total


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def outlet_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator('#results section.facet[data-facet="outlet"] .facet-value .label').all_inner_texts()


def test_hiding_in_the_admin_reaches_search_facets_and_export(  # type: ignore[no-untyped-def]
    live_server, independent, curator, index_worker, index_path, page
) -> None:
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    search_url = f"{live_server.url}/?{urlencode({'q': QUERY})}"
    export_url = f"{live_server.url}/export.csv?{urlencode({'q': QUERY})}"
    count = page.locator("#results p.count")
    hits = page.locator("#results li.hit")

    # 1. The search page finds the article, with its outlet in the facet and a row in the export.
    page.goto(live_server.url + "/")
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator("#q").fill(QUERY)
    with page.expect_response(lambda r: parse_qs(urlsplit(r.url).query).get("q") == [QUERY]):
        page.locator("form.search button[type=submit]").click()
    expect(count).to_contain_text(re.compile(r"of\s+1\s+article\b"))
    expect(hits).to_have_count(1)
    expect(hits.first.locator("h2")).to_have_text(independent.title)
    expect(hits.first.locator(".outlet")).to_have_text(OUTLET)
    assert outlet_labels(page) == [OUTLET]
    export_link = page.locator("#results a.export")
    expect(export_link).to_have_attribute("href", f"/export.csv?{urlencode({'q': QUERY})}")
    before = page.request.get(export_url)
    assert before.ok and before.headers["x-total-count"] == "1"
    rows = read_csv(before.text())
    assert [row[0] for row in rows[1:]] == [str(independent.pk)], rows

    # 2. Log into the admin through its login form.
    page.goto(live_server.url + "/admin/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.locator("#id_username").fill(USERNAME)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#login-form [type=submit]").click()
    assert page.url.rstrip("/").endswith("/admin"), page.url
    expect(page.locator("#user-tools")).to_contain_text(USERNAME)

    # 3. The Article changelist: tick the article, choose the hide action, run it.
    page.goto(live_server.url + "/admin/search/article/")
    row = page.locator("#result_list tbody tr", has_text=independent.title)
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    expect(row.locator("input.action-select")).to_have_value(str(independent.pk))
    page.locator("select[name=action]").select_option(label=HIDE_ACTION)
    with page.expect_navigation():
        page.locator("#changelist-form button[name=index]").click()
    # The action reports at the default level (INFO), which the admin shows like a success:
    # any message but a warning or an error.
    message = page.locator("ul.messagelist li")
    expect(message).to_have_count(1)
    expect(message).to_have_text("1 article hidden; search catches up within seconds.")
    assert (message.get_attribute("class") or "") not in ("warning", "error")
    independent.refresh_from_db()
    assert independent.hidden

    # 4. The worker applies the queued work; reload the search page until it shows.
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        page.goto(search_url)
        text = count.inner_text()
        if "No articles match" in text:
            break
        index_worker.assert_alive()
        assert time.monotonic() < deadline, (
            f"search still shows the hidden article after {CATCH_UP_SECONDS:.0f} s: {text!r}; "
            f"{IndexTask.objects.count()} index tasks queued; {fresh_total(index_path)} match in a freshly "
            f"opened index\n{index_worker.output()}"
        )
        time.sleep(0.5)
    # The worker deletes its tasks just after the index commit the page has now seen.
    while IndexTask.objects.exists():
        assert time.monotonic() < deadline + 5, f"the worker updated the index but left its tasks queued\n{index_worker.output()}"
        time.sleep(0.2)

    # 5. No results, no Independent in the outlet facet, an export with only its header row.
    expect(count).to_contain_text(f"No articles match for {QUERY}")
    expect(hits).to_have_count(0)
    expect(page.locator("#results a.export")).to_have_count(0)
    assert OUTLET not in outlet_labels(page)
    expect(page.locator('#results section.facet[data-facet="outlet"]')).not_to_contain_text(OUTLET)
    after = page.request.get(export_url)
    assert after.ok and after.headers["x-total-count"] == "0", after.headers
    rows = read_csv(after.text())
    assert len(rows) == 1 and rows[0][0] == "id", rows
    # Not only this query: the unfiltered page no longer lists the outlet either.
    page.goto(live_server.url + "/")
    expect(page.locator('#results section.facet[data-facet="outlet"]')).to_be_attached()
    assert OUTLET not in outlet_labels(page)

    index_worker.assert_alive()
    assert not errors, f"JavaScript errors: {errors}"


def test_anonymous_browser_is_sent_to_the_admin_login(live_server, transactional_db, page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/admin/search/article/")
    page.wait_for_url(re.compile(r"/admin/login/\?next=/admin/search/article/$"))
    expect(page.locator("#login-form #id_username")).to_be_visible()
    expect(page.locator("#result_list")).to_have_count(0)
