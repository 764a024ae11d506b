"""A short run of benchmarks/load_test.py: gunicorn and the index worker as `make serve` runs them,
five clients for 10 s, then 10 s (or as long as it takes) while 150 AllSides articles are imported.

No request may fail (a 5xx, a refused connection or an answer slower than 30 s), and the articles
imported under load must become searchable through the running server, without a restart.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import CORPUS, ROOT, corpus_path

pytestmark = [
    pytest.mark.load,
    pytest.mark.corpora,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass: the server gets a data folder of its own"
    ),
]


def load_test_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("newsindex_load_test", ROOT / "benchmarks" / "load_test.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_no_failed_request_and_new_articles_searchable_during_import(tmp_path: Path) -> None:
    source = corpus_path("allsides", "articles.jsonl.gz")
    load_test = load_test_module()
    if not Path(load_test.GUNICORN).exists():
        pytest.skip(f"gunicorn is not installed at {load_test.GUNICORN}")
    config = load_test.Config(
        clients=5, seconds=10, import_count=150, base=CORPUS, source=source, workers=3, actors=False,
        timeout=30, import_timeout=120, visible_timeout=30, data_dir=tmp_path / "data", log=lambda message: None,
    )
    report = load_test.run(config)
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
