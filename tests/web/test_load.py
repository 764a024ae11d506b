"""Short runs of benchmarks/load_test.py: gunicorn and the index worker as `make serve` runs them,
clients for 10 s, then 10 s (or as long as it takes) while 150 AllSides articles are imported.

No request may fail (a 5xx, a refused connection or an answer slower than 30 s), and the articles
imported under load must become searchable through the running server, without a restart. On
PostgreSQL with the postgres engine, two separate servers (a data folder each: nothing shared on
disk) serve one database, and both must find the new articles.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import CORPUS, ROOT, corpus_path

pytestmark = [pytest.mark.load, pytest.mark.corpora]
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def load_test_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("newsindex_load_test", ROOT / "benchmarks" / "load_test.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def short_run(tmp_path: Path, **options: Any) -> dict[str, Any]:
    source = corpus_path("allsides", "articles.jsonl.gz")
    load_test = load_test_module()
    if not Path(load_test.GUNICORN).exists():
        pytest.skip(f"gunicorn is not installed at {load_test.GUNICORN}")
    config = load_test.Config(
        **{
            "clients": 5, "seconds": 10, "import_count": 150, "base": CORPUS, "source": source, "workers": 3, "actors": False,
            "timeout": 30, "import_timeout": 120, "visible_timeout": 30, "data_dir": tmp_path / "data", "log": lambda message: None,
            **options,
        }
    )
    return load_test.run(config)


def assert_no_failure_and_searchable(report: dict[str, Any]) -> None:
    phases = report["phases"]
    assert {"before import", "during import"} <= set(phases), phases.keys()
    for name, phase in phases.items():
        assert phase["failures"] == 0, (name, phase["failure_reasons"])
        assert phase["client_errors_4xx"] == 0, name
    assert phases["before import"]["requests"] >= 20 and phases["during import"]["requests"] >= 5, phases
    assert report["import"]["exit_status"] == 0, report["import"]
    assert report["import"]["articles_added"] >= 100, report["import"]
    assert report["searchable"]["all_found"], report["searchable"]
    assert report["server_errors_logged"] == 0


@pytest.mark.skipif(POSTGRES, reason="runs once, in the SQLite pass: the server gets a data folder of its own")
def test_no_failed_request_and_new_articles_searchable_during_import(tmp_path: Path) -> None:
    assert_no_failure_and_searchable(short_run(tmp_path))


def postgres_engine() -> bool:
    return importlib.util.find_spec("search.index.postgres") is not None


def database_beside(url: str, suffix: str) -> str:
    """The test database's server, another database name: the load test creates and drops it."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


@pytest.mark.skipif(
    not postgres_engine(),
    reason="needs the postgres search engine (search.index.postgres): with Whoosh each server would need an index of its own",
)
@pytest.mark.skipif(not POSTGRES, reason="two servers share one PostgreSQL database: runs in the PostgreSQL pass (DATABASE_URL=postgres://...)")
def test_two_servers_without_shared_disk_serve_one_database_during_an_import(tmp_path: Path) -> None:
    load_test = load_test_module()
    database = database_beside(os.environ["DATABASE_URL"], "_two")
    load_test.drop_database(database)  # a run killed before its clean-up may have left it
    report = short_run(tmp_path, servers=2, workers=2, clients=6, database_url=database, search_backend="postgres")
    assert_no_failure_and_searchable(report)
    for name, phase in report["phases"].items():
        assert set(phase["by_server"]) == {"server 1", "server 2"}, name
        assert all(server["requests"] > 0 and server["failures"] == 0 for server in phase["by_server"].values()), (name, phase["by_server"])
    servers = report["searchable"]["servers"]
    assert len(servers) == 2 and len({s["port"] for s in servers}) == 2
    assert all(server["all_found"] for server in servers), servers
    files = report["server_data_files"]  # on a server's own disk: only the static files it collected
    assert set(files) == {"server-1", "server-2"} and all(set(names) <= {"static"} for names in files.values()), files
