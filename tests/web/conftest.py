"""Shared set-up of the browser tests: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
# made from it (live_server set-up, imports in tests) unless told this is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() or not shutil.which(str(CHROMIUM)),
    reason=f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
)

BROWSER_TESTS = [pytest.mark.browser, requires_chromium]  # every browser test module's pytestmark
TIMEOUT_MS = 10_000  # what expect() and waits allow a page in the browser tests


@pytest.fixture
def corpus(transactional_db, index_path):  # type: ignore[no-untyped-def]
    """The five sample articles, committed so the live server thread sees them (modules with
    a corpus of their own define their own `corpus`)."""
    from tests.conftest import CORPUS, import_into_db

    report = import_into_db(CORPUS)
    assert report.imported == 5, report
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch the system Chromium instead of a Playwright-downloaded browser (no network here)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
