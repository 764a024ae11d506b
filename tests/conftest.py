"""Shared fixtures: a fresh index per test (Whoosh folder, or the postgres engine's tables rolled
back with the test's transaction), the engine to run on, and the sample corpus imported into it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from search.index import _load, get_backend
from search.index.base import SearchBackend
from search.store.importer import ImportReport, Importer
from search.store.models import Article

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
SEEDS = {
    "000": "000_dc8a73144e061a33.txt",
    "001": "001_4051cc1a3433920e.txt",
    "002": "002_d6a710220473de7e.txt",
    "003": "003_c5d7433bcc9b9966.txt",
    "004": "004_2fb6a8b5e2453ce6.txt",
}


# The PostgreSQL pass runs only what can differ between the databases: a test that opens no
# database connection (no django_db mark, no database fixture) is left to the SQLite pass, so
# it still runs once. Replica and load tests read the configured database themselves (settings,
# servers in subprocesses) and run in both passes.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "admin_client", "admin_user", "django_user_model"}
)
READ_THE_DATABASE_THEMSELVES = ("replica", "load")
LEFT_TO_SQLITE = pytest.StashKey[int]()


def postgres_pass() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def opens_no_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return False
    return not any(item.get_closest_marker(name) for name in READ_THE_DATABASE_THEMSELVES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not postgres_pass():
        return
    left = [item for item in items if opens_no_database(item)]
    if left:
        items[:] = [item for item in items if not opens_no_database(item)]
        config.hook.pytest_deselected(items=left)
        config.stash[LEFT_TO_SQLITE] = len(left)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A PostgreSQL pass over a part of the suite that opens no database has nothing to do: not a failure."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.stash.get(LEFT_TO_SQLITE, 0):
        session.exitstatus = pytest.ExitCode.OK


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    left = config.stash.get(LEFT_TO_SQLITE, 0)
    return f"PostgreSQL pass: {left} tests that open no database are left to the SQLite pass (deselected)" if left else None


@pytest.fixture(autouse=True)
def index_path(tmp_path: Path, settings) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """Every test gets its own empty index folder."""
    path = tmp_path / "index"
    settings.NEWSINDEX_SEARCH = {**settings.NEWSINDEX_SEARCH, "PATH": str(path)}
    settings.NEWSINDEX_SHINGLES = str(tmp_path / "shingles")
    yield path
    _load.cache_clear()


# Modules of the shared engine suite run every test on both engines (as Wagtail's BackendTests):
#     pytestmark = [pytest.mark.django_db, BOTH_ENGINES]
ENGINE_NAMES = ("whoosh", "postgres")
BOTH_ENGINES = pytest.mark.parametrize("engine_name", ENGINE_NAMES, indirect=True)


@pytest.fixture
def engine_name(request, settings, index_path: Path) -> str:  # type: ignore[no-untyped-def]
    """The engine a test runs on: its parameter, else SEARCH_BACKEND (whoosh by default).
    The postgres engine is skipped, with the reason, when the database is SQLite."""
    name = getattr(request, "param", None) or settings.SEARCH_BACKEND
    if name == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the postgres engine needs PostgreSQL: set DATABASE_URL=postgres://...")
    settings.NEWSINDEX_SEARCH = {**settings.NEWSINDEX_SEARCH, "BACKEND": settings.SEARCH_ENGINES[name]}
    _load.cache_clear()
    return name


@pytest.fixture
def backend(engine_name: str) -> SearchBackend:
    return get_backend()


def import_into_db(*paths: str | Path, **options: bool) -> ImportReport:
    return Importer(**options).run([str(p) for p in paths])


@pytest.fixture
def seeds(db, backend) -> dict[str, Article]:  # type: ignore[no-untyped-def]
    """The five sample articles from corpus/, imported and indexed, by their number."""
    report = import_into_db(CORPUS)
    assert report.imported == 5, report
    by_file = {Path(a.source_file).name: a for a in Article.objects.select_related("outlet")}
    return {number: by_file[name] for number, name in SEEDS.items()}


def corpus_path(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared corpora sit beside the checkout in CI)")
    return path
