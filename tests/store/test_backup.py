"""`manage.py backup` while an import runs: the restored copy holds every article committed by
then (and nothing half-written), every curation decision, and rebuilds a consistent index.

Runs on the database of the test pass: SQLite (the copy is put in place as a data folder's
database file) or PostgreSQL (pg_restore into a new database named after the configured one,
e.g. newsindex_restore for newsindex, dropped afterwards).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from search.store import curation
from search.store.access import ApiToken, token_hash
from search.store.backup import pg_environment
from search.store.models import Actor, ActorAlias, ActorBlock, Article, BoilerplatePassage, Outlet, OutletAlias, Paragraph, PassageGroup
from search.store.passages import mark_boilerplate
from tests.conftest import CORPUS, ROOT, corpus_path, import_into_db

pytestmark = [pytest.mark.corpora, pytest.mark.django_db(transaction=True)]
Query = Callable[[str], list[tuple[Any, ...]]]


def manage(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def database_url(settings_dict: dict[str, Any], name: str | None = None) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/{name or settings_dict['NAME']}"


def environment(data_dir: Path, url: str | None) -> dict[str, str]:
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if url is None:
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = url
    return env


def curate() -> dict[str, Any]:
    """A curator's month in miniature: a hidden article, an edited title, merged outlets and actors,
    a blocked actor, a boilerplate passage, a reader with an API token. Returns what to look for."""
    articles = list(Article.objects.order_by("id"))
    curation.set_hidden([articles[0].pk], True)
    Article.objects.filter(pk=articles[1].pk).update(title="Curated: MEPs demand inquiry")
    curation.reindex([articles[1].pk])
    outlet = Outlet.objects.get(name="The Independent")
    extra = Outlet.objects.create(name="Independent Online")
    curation.merge_outlets([extra], outlet)
    people = list(Actor.objects.filter(kind="person").order_by("name")[:3])
    assert len(people) == 3, "the sample corpus has people in it"
    curation.merge_actors([people[0]], people[1])
    curation.block_actors([people[2]])
    group = PassageGroup.objects.order_by("id").first()
    assert group is not None, "the sample articles share passages"
    mark_boilerplate([group])
    from django.contrib.auth import get_user_model

    reader = get_user_model().objects.create_user("reader", password="correct horse battery")
    reader.groups.add(Group.objects.get(name="readers"))
    _, key = ApiToken.issue(reader, "script")
    return {
        "hidden": articles[0].pk,
        "titled": (articles[1].pk, "Curated: MEPs demand inquiry"),
        "outlet_alias": ("Independent Online", "The Independent"),
        "actor_aliases": set(ActorAlias.objects.values_list("key", "actor__name")),
        "actor_blocks": set(ActorBlock.objects.values_list("key", flat=True)),
        "boilerplate": set(BoilerplatePassage.objects.values_list("text_key", flat=True)),
        "token": token_hash(key),
    }


def article_ids() -> set[int]:
    return set(Article.objects.values_list("id", flat=True))


def paragraph_counts(ids: set[int]) -> dict[int, int]:
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    for article_id in Paragraph.objects.filter(article_id__in=ids).values_list("article_id", flat=True):
        counts[article_id] += 1
    return counts


@contextmanager
def restored(backup: Path, tmp_path: Path) -> Iterator[tuple[Query, dict[str, str]]]:
    """Restore the backup as the README says; yield a query function and the environment of a
    data folder that uses the restored database."""
    data = tmp_path / "restored"
    data.mkdir()
    if connection.vendor == "sqlite":
        shutil.copy(backup, data / "newsindex.sqlite3")  # "copy the file into place"
        db = sqlite3.connect(data / "newsindex.sqlite3")
        try:
            yield (lambda sql: db.execute(sql).fetchall()), environment(data, None)
        finally:
            db.close()
        return
    import psycopg

    settings_dict = connection.settings_dict
    restore_db = str(settings_dict["NAME"]).removeprefix("test_") + "_restore"  # beside the test database
    admin_env = pg_environment({**settings_dict, "NAME": "postgres"})
    subprocess.run(["dropdb", "--if-exists", restore_db], env=admin_env, check=True, capture_output=True)
    subprocess.run(["createdb", restore_db], env=admin_env, check=True, capture_output=True)
    try:
        result = subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={restore_db}", str(backup)], env=admin_env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        url = database_url(settings_dict, restore_db)
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
            yield (lambda sql: db.execute(sql).fetchall()), environment(data, url)
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", restore_db], env=admin_env, capture_output=True)


def test_backup_during_an_import_restores_committed_articles_and_curation(tmp_path, index_path):
    sample = corpus_path("allsides", "sample2000.jsonl")
    assert import_into_db(CORPUS).imported == 5
    curated = curate()
    before_import = len(article_ids())

    importer_env = environment(tmp_path / "importer", database_url(connection.settings_dict))
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_articles", str(sample), "--no-actors", "--no-progress", "--batch-size", "50"],
        cwd=ROOT, env=importer_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    backup = tmp_path / ("backup.sqlite3" if connection.vendor == "sqlite" else "backup.dump")
    try:
        deadline = time.monotonic() + 300
        while len(article_ids()) < before_import + 100:
            assert process.poll() is None, f"the import ended before the backup: {process.communicate()[0][-2000:]}"
            assert time.monotonic() < deadline, "the import committed nothing in 5 minutes"
            time.sleep(0.2)
        committed = article_ids()
        call_command("backup", str(backup))
        seen_after = article_ids()
        assert process.poll() is None, "the import had finished: the backup was not taken mid-import"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert len(seen_after) < 2000 + before_import

    with restored(backup, tmp_path) as (query, env):
        ids = {row[0] for row in query("SELECT id FROM search_article")}
        # every article committed before the backup began; nothing that was not committed by its end
        assert committed <= ids <= seen_after, (len(committed), len(ids), len(seen_after))
        # and no article without all of its paragraphs (one transaction per batch)
        restored_counts = dict.fromkeys(ids, 0)
        for (article_id,) in query("SELECT article_id FROM search_paragraph"):
            restored_counts[article_id] += 1
        assert restored_counts == paragraph_counts(ids)
        assert min(restored_counts.values()) > 0

        # every curation decision
        hidden = {row[0] for row in query("SELECT id FROM search_article WHERE hidden")}
        assert hidden == {curated["hidden"]}
        pk, title = curated["titled"]
        assert query(f"SELECT title FROM search_article WHERE id = {pk}") == [(title,)]
        aliases = set(query("SELECT a.name, o.name FROM search_outletalias a JOIN search_outlet o ON o.id = a.outlet_id"))
        assert curated["outlet_alias"] in aliases
        assert set(query("SELECT a.key, o.name FROM search_actoralias a JOIN search_actor o ON o.id = a.actor_id")) == curated["actor_aliases"]
        assert {row[0] for row in query("SELECT key FROM search_actorblock")} == curated["actor_blocks"]
        assert {row[0] for row in query("SELECT text_key FROM search_boilerplatepassage")} == curated["boilerplate"]
        assert query("SELECT key_hash, revoked FROM search_apitoken") == [(curated["token"], False)]

        # then the README's next step: rebuild the index from the restored database
        rebuild = manage(["rebuild_index", "--processes", "1"], env)
        assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
        verify = manage(["verify_index"], env)
        assert verify.returncode == 0, verify.stdout + verify.stderr
