"""What only the postgres engine does: analysis shared with PostgreSQL's configuration, index
rows in the articles' own transaction, its word table, and its start-up check."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from search.index.base import SearchQuery
from search.index.postgres import translate
from search.index.postgres.analysis import prepare, stem_analyzer
from search.store.curation import set_hidden
from search.store.models import Article, IndexTask
from tests.conftest import CORPUS, ROOT, import_into_db

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)]


def test_python_twin_stems_every_seed_word_as_postgresql_does(seeds, backend):
    """The highlighter stems words in Python: it must give PostgreSQL's lexemes, or it would
    mark other words than those matched."""
    words = sorted({w for a in seeds.values() for w in re.findall(r"[^\W\d_]+", prepare(a.title + " " + a.body))})
    assert len(words) > 500
    analyzer = stem_analyzer()
    with connection.cursor() as cursor:
        cursor.execute("SELECT w, to_tsvector('newsindex', w)::text FROM unnest(%s::text[]) AS w", [words])
        differ = []
        for word, vector in cursor.fetchall():
            python = [t.text for t in analyzer(word)]
            postgres = re.findall(r"'((?:[^']|'')*)'", vector)
            if python != postgres:
                differ.append((word, python, postgres))
    assert not differ, differ[:20]


def test_index_rows_follow_the_article_rows_transaction(seeds, backend):
    """No outbox lag: nothing is queued, and hiding an article leaves the index in the same
    transaction (rolled back together)."""
    assert IndexTask.objects.count() == 0
    target = seeds["002"].pk
    assert target in {h.article_id for h in backend.search(SearchQuery(text="author:wilford")).hits}
    with pytest.raises(RuntimeError), transaction.atomic():
        set_hidden([target], True)
        assert backend.search(SearchQuery(text="author:wilford")).total == 0  # seen at once, inside
        raise RuntimeError("roll back")
    assert Article.objects.get(pk=target).hidden is False
    assert backend.search(SearchQuery(text="author:wilford")).total == 1
    set_hidden([target], True)
    assert backend.search(SearchQuery(text="author:wilford", facets=True)).facets.outlets == []


def test_verify_and_rebuild_index(seeds, backend, capsys):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_pgdocument WHERE article_id = %s", [seeds["003"].pk])
        cursor.execute("UPDATE search_pgdocument SET fingerprint = 'old' WHERE article_id = %s", [seeds["004"].pk])
    with pytest.raises(SystemExit):
        call_command("verify_index")
    out = capsys.readouterr().out
    assert "1 missing from the index" in out and "1 stale in the index" in out
    call_command("rebuild_index")
    assert "indexed 5 articles" in capsys.readouterr().out
    call_command("verify_index")
    assert "index consistent with the database" in capsys.readouterr().out
    assert backend.doc_count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_outside_a_transaction_reads_ahead_and_indexes_everything(backend, capsys):
    """rebuild_index reads and encodes the next batch in a thread on its own connection
    (outbox.rebuild_now): with committed articles, as in production, it indexes all of them."""
    assert import_into_db(CORPUS).imported == 5
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE search_pgdocument")
    call_command("rebuild_index")
    assert "indexed 5 articles" in capsys.readouterr().out
    call_command("verify_index")
    assert "index consistent with the database" in capsys.readouterr().out
    assert backend.search(SearchQuery(text="kadyrov")).total == 4


@pytest.mark.django_db(transaction=True)
def test_a_search_during_a_rebuild_says_so_within_a_second_or_two(backend, client):
    """rebuild_index empties the engine's tables in its transaction (TRUNCATE holds them until it
    commits): a search does not hang or fail, it says the index is being rebuilt."""
    import time

    import psycopg

    from search.index.postgres.backend import REBUILDING

    assert import_into_db(CORPUS).imported == 5
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]) as rebuild:
        rebuild.execute("TRUNCATE search_pgdocument, search_pgword")  # as PostgresBackend.reset, left uncommitted
        started = time.monotonic()
        found = backend.search(SearchQuery(text="kadyrov", facets=True))
        assert time.monotonic() - started < 4
        assert found.total == 0 and REBUILDING in found.messages
        page = client.get("/", {"q": "kadyrov"})
        assert page.status_code == 200 and "being rebuilt" in page.content.decode()
        rebuild.rollback()
    assert backend.search(SearchQuery(text="kadyrov")).total == 4


def _gin_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('search_pgdocument', 'search_pgword') AND indexdef LIKE '%USING gin%'")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_makes_the_gin_indexes_after_the_rows_and_a_failed_one_keeps_the_old(backend, monkeypatch):
    """rebuild_index drops the GIN indexes inside its transaction and makes them once the rows
    are in (bulk_load); a rebuild that fails half-way rolls back to the old rows and indexes."""
    from search.management.commands import rebuild_index

    assert import_into_db(CORPUS).imported == 5
    names = {"search_pgdoc_text_gin", "search_pgdoc_names_gin", "search_pgdoc_actors_gin", "search_pgword_trgm"}
    assert _gin_indexes() == names
    seen: list[set[str]] = []
    real = rebuild_index.rebuild_now

    def failing(backend, ids, ahead):  # type: ignore[no-untyped-def]
        seen.append(_gin_indexes())
        real(backend, ids[:2], ahead)
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(rebuild_index, "rebuild_now", failing)
    with pytest.raises(RuntimeError):
        call_command("rebuild_index")
    assert seen == [set()]  # the rows went in without the indexes
    assert _gin_indexes() == names
    assert backend.search(SearchQuery(text="kadyrov")).total == 4
    monkeypatch.setattr(rebuild_index, "rebuild_now", real)
    call_command("rebuild_index")
    assert _gin_indexes() == names
    assert backend.search(SearchQuery(text="kadyrov")).total == 4
    assert backend.search(SearchQuery(text="kadyr*")).total == 4  # the word list and its trigram index


def test_a_term_standing_for_too_many_words_is_refused(seeds, backend, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_pgword WHERE kind = 't' AND word LIKE 's%%'")
        words = cursor.fetchone()[0]
    assert 20 < words <= translate.MAX_EXPANSION
    assert backend.search(SearchQuery(text="s*")).total > 0
    monkeypatch.setattr(translate, "MAX_EXPANSION", 20)  # a lower limit, to see it on the seeds
    results = backend.search(SearchQuery(text="s*"))
    assert results.total == 0
    assert any(m.startswith(f"“s*” stands for {words:,} different words") for m in results.messages), results.messages
    assert backend.match_spans("s*", "She said so.") == []


def test_wildcards_expand_over_the_corpus_words_as_stems(seeds, backend):
    found = {h.article_id for h in backend.search(SearchQuery(text="vis?s", limit=50)).hits}
    assert found == {h.article_id for h in backend.search(SearchQuery(text="visa OR visas", limit=50)).hits} != set()
    spans = backend.match_spans("chech*", "Chechnya and the Chechen leader")
    assert spans == [(0, 8), (17, 24)]


def test_postgres_engine_on_sqlite_is_refused_at_start_up(engine_name, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SEARCH_BACKEND="postgres", NEWSINDEX_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "SEARCH_BACKEND=postgres needs a PostgreSQL database" in done.stderr
