"""Kill the index worker while it enriches (SIGKILL, at random points): restarted, it ends exactly
where an inline import of the same files ends, and the index matches the database."""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT, corpus_path

pytestmark = [pytest.mark.corpora]
SLICE = 60
TRIALS = 3

SNAPSHOT = {
    "actors": "SELECT key, name, kind FROM search_actor",
    "links": "SELECT a.source_key, x.key, l.kind, l.mentions FROM search_articleactor l JOIN search_article a ON a.id = l.article_id JOIN search_actor x ON x.id = l.actor_id",
    "suggestions": "SELECT a.key, b.key, s.reason FROM search_mergesuggestion s JOIN search_actor a ON a.id = s.actor_id JOIN search_actor b ON b.id = s.into_id",
    "groups": "SELECT text_key, article_count, outlet_count, boilerplate, exact FROM search_passagegroup",
    "members": "SELECT g.text_key, a.source_key, p.position, m.start, m.\"end\" FROM search_passagemember m JOIN search_passagegroup g ON g.id = m.group_id "
               "JOIN search_article a ON a.id = m.article_id JOIN search_paragraph p ON p.id = m.paragraph_id",
    "copies": "SELECT a.source_key, b.source_key FROM search_articlecopy c JOIN search_article a ON a.id = c.article_id JOIN search_article b ON b.id = c.source_id",
}


def run(args: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def archive(tmp_path: Path, name: str) -> tuple[dict[str, str], Path]:
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(tmp_path / name)}
    env.pop("DATABASE_URL", None)  # a database of its own, on SQLite, so the killed process owns it
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    assert run(["migrate", "--noinput"], env).returncode == 0
    return env, tmp_path / name / "newsindex.sqlite3"


def snapshot(db: Path) -> dict[str, set[tuple]]:
    with sqlite3.connect(db) as conn:
        return {name: set(conn.execute(sql).fetchall()) for name, sql in SNAPSHOT.items()}


def waiting(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM search_pendingenrichment").fetchone()[0]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass: the killed worker gets a database of its own")
def test_sigkill_during_enrichment_then_restart_gives_the_inline_result(tmp_path):
    part = tmp_path / "allsides-slice.jsonl"
    with corpus_path("allsides", "sample2000.jsonl").open(encoding="utf-8") as src:
        part.write_text("".join(itertools.islice(src, SLICE)), encoding="utf-8")
    inputs = [str(CORPUS), str(part)]

    env, db = archive(tmp_path, "inline")
    assert run(["import_articles", *inputs], env).returncode == 0
    inline = snapshot(db)
    assert inline["links"] and inline["members"]

    env, db = archive(tmp_path, "later")
    assert run(["import_articles", *inputs, "--enrich=later"], env).returncode == 0
    assert waiting(db) == 5 + SLICE
    rng = random.Random(20261204)
    for trial in range(TRIALS):
        # the worker as `make run` starts it; small actor batches, so a kill lands between and inside them
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_index_worker", "--interval", "0.2", "--enrich-batch-size", "15"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(4.0, 20.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        if not waiting(db):
            break
    finish = run(["enrich_articles"], env)
    assert finish.returncode == 0, finish.stderr
    assert "nothing waits for enrichment" in finish.stdout
    assert snapshot(db) == inline
    verify = run(["verify_index"], env)
    assert verify.returncode == 0, verify.stdout
