"""Any number of imports, index workers and editors at once (issue #11, concurrency): two
overlapping imports started together, again and again, with an index worker running and an
editor changing articles meanwhile; then exact article counts and a clean verify_index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection, transaction

from search.index.outbox import enqueue
from search.store.models import Actor, Article, IndexTask, Outlet, PassageGroup
from tests.conftest import CORPUS, ROOT, corpus_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.corpora]
ROUNDS = 3


def _database_url() -> str:
    """The test database, as a DATABASE_URL for the other processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{user}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _exports(folder: Path) -> tuple[Path, Path, int]:
    """Two exports sharing 80 records, the second with the URLs written otherwise; the number of articles."""
    records = []
    with open(corpus_path("allsides", "sample2000.jsonl")) as fh:
        for line in fh:
            record = json.loads(line)
            if len(record["content_original"]) > 800:
                records.append(record)
            if len(records) == 240:
                break

    def variant(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit(parts._replace(scheme="http" if parts.scheme == "https" else "https", netloc=parts.netloc.upper()))

    one, two = folder / "one.jsonl", folder / "two.jsonl"
    one.write_text("".join(json.dumps(r) + "\n" for r in records[:160]))
    two.write_text("".join(json.dumps({**r, "url": variant(r["url"])}) + "\n" for r in records[80:]))
    return one, two, len({r["url"] for r in records})


def _manage(*args: str, env: dict[str, str], **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True, **popen)  # type: ignore[call-overload]


def _empty_database() -> None:
    with transaction.atomic():
        ids = list(Article.objects.values_list("id", flat=True))
        PassageGroup.objects.all().delete()
        Article.objects.all().delete()
        Actor.objects.all().delete()
        Outlet.objects.all().delete()
        enqueue(ids, action=IndexTask.Action.DELETE)


def _edit_something(round_number: int, edits: int) -> int:
    """What an editor in the admin does: change an article and queue it, in one transaction."""
    article = Article.objects.order_by("?").only("id").first()
    if article is None:
        return edits
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(title=f"Edited in round {round_number}, edit {edits}")
        enqueue([article.pk])
    return edits + 1


def test_two_overlapping_imports_at_once_leave_a_complete_database_and_a_consistent_index(tmp_path, index_path):
    one, two, distinct = _exports(tmp_path)
    left, right = tmp_path / "left", tmp_path / "right"
    shutil.copytree(CORPUS, left)
    shutil.copytree(CORPUS, right)  # a copied folder: the same five articles
    expected = distinct + 5
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsindex.settings", "NEWSINDEX_DATA_DIR": str(index_path.parent), "DATABASE_URL": _database_url()}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    logs = tmp_path / "logs"
    logs.mkdir()
    worker = _manage("run_index_worker", "--interval", "0.2", env=env, stdout=subprocess.DEVNULL, stderr=(logs / "worker.err").open("w"))
    waited = 0
    try:
        for round_number in range(ROUNDS):
            _empty_database()
            imports = [
                _manage("import_articles", str(one), str(left), "--no-actors", "--batch-size", "50", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE),
                _manage("import_articles", str(two), str(right), "--no-actors", "--batch-size", "50", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE),
            ]
            edits = 0
            while any(p.poll() is None for p in imports):
                edits = _edit_something(round_number, edits)
                time.sleep(0.3)
            results = [(p.returncode, *p.communicate()) for p in imports]
            for code, out, err in results:
                assert code == 0, f"round {round_number}: exit {code}\n{out}\n{err}"
            waited += sum("waiting: another import is running (import_articles pid" in err or "waiting: another import is running (pid" in err for _, _, err in results)
            assert Article.objects.count() == expected, f"round {round_number}: {[out for _, out, _ in results]}"
            deadline = time.monotonic() + 120
            while IndexTask.objects.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not IndexTask.objects.exists(), "the index worker did not catch up"
            verify = subprocess.run([sys.executable, "manage.py", "verify_index"], cwd=ROOT, env=env, capture_output=True, text=True)
            assert verify.returncode == 0, f"round {round_number} ({edits} edits meanwhile): {verify.stdout}"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert waited, "the second import never had to wait: the imports did not overlap"


def test_a_second_import_says_who_holds_the_lock_and_since_when(tmp_path, index_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsindex.settings", "NEWSINDEX_DATA_DIR": str(index_path.parent), "DATABASE_URL": _database_url()}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import django, sys, time; django.setup(); from search.store.import_lock import import_lock\n"
         "with import_lock():\n    print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "manage.py", "import_articles", str(CORPUS), "--no-actors", "--wait", "1"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
        assert second.returncode == 1, second.stderr
        assert "waiting: another import is running (" in second.stderr
        assert f"pid {holder.pid}" in second.stderr and " since 20" in second.stderr, second.stderr
        assert "nothing was imported" in second.stderr
        assert time.monotonic() - started < 60
        assert not Article.objects.exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder died: the lock went with it, the next import runs at once
    again = subprocess.run([sys.executable, "manage.py", "import_articles", str(CORPUS), "--no-actors", "--wait", "0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert Article.objects.count() == 5
