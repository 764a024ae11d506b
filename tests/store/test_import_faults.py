"""Kill the importer at random points: nothing half-imported, the index repairable, a rerun completes."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, corpus_path

pytestmark = [pytest.mark.corpora]
TRIALS = 10


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass: the killed importer gets a database of its own")
def test_sigkill_during_import_loses_nothing(tmp_path):
    corpus = corpus_path("bbc", "tech").resolve()
    # its exact twin files (same text, by the manifest's md5) are one article each
    with open(corpus.parent / "metadata.csv", newline="") as fh:
        expected = len({row["md5"] for row in csv.DictReader(fh) if row["file"].startswith("tech/")})
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)  # a database of its own, on SQLite, so the killed process owns it
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    assert run(["migrate", "--noinput"], env).returncode == 0
    rng = random.Random(20261121)
    import sqlite3

    db = tmp_path / "data" / "newsindex.sqlite3"
    for trial in range(TRIALS):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_articles", str(corpus), "--no-actors", "--batch-size", "40"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 6.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        with sqlite3.connect(db) as conn:
            empty = conn.execute(
                "SELECT count(*) FROM search_article a WHERE NOT EXISTS (SELECT 1 FROM search_paragraph p WHERE p.article_id = a.id)"
            ).fetchone()[0]
        assert empty == 0, f"trial {trial}: {empty} articles without their paragraphs"
        # the queued index work is applied by the next writer; then the index matches the database
        assert run(["run_index_worker", "--once"], env).returncode == 0
        verify = run(["verify_index"], env)
        assert verify.returncode == 0, f"trial {trial}: {verify.stdout}"
    final = run(["import_articles", str(corpus), "--no-actors"], env)
    assert final.returncode == 0, final.stderr
    assert run(["verify_index"], env).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM search_article").fetchone()[0] == expected
