from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from search.index.base import SearchQuery
from search.index.outbox import IndexSession, enqueue
from search.store.models import Article, IndexTask

# The outbox's queue, its single writer and its lock: what an engine writing outside the database
# transaction (Whoosh) relies on. The postgres engine writes in the transaction instead (see
# test_postgres_backend.py).
pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("engine_name", ["whoosh"], indirect=True)]


def verify() -> tuple[int, str]:
    import io

    out = io.StringIO()
    try:
        call_command("verify_index", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_verify_index_consistent_after_import(seeds):
    code, out = verify()
    assert code == 0 and "index consistent" in out


def test_verify_index_finds_stale_and_worker_fixes_it(seeds, backend):
    article = seeds["003"]
    Article.objects.filter(pk=article.pk).update(title="Renamed without telling the index")
    code, out = verify()
    assert code == 1 and "1 stale in the index" in out and str(article.pk) in out
    enqueue([article.pk])
    call_command("run_index_worker", "--once")
    assert verify()[0] == 0
    assert {h.article_id for h in backend.search(SearchQuery(text="telling")).hits} == {article.pk}


def test_hidden_article_leaves_the_index_through_the_outbox(seeds, backend):
    article = seeds["002"]
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(hidden=True)
        enqueue([article.pk])
    call_command("run_index_worker", "--once")
    assert backend.search(SearchQuery(text="Wilford")).total == 0
    code, out = verify()
    assert code == 0, out


def test_crash_before_commit_keeps_work_queued(seeds, backend):
    article = seeds["001"]
    Article.objects.filter(pk=article.pk).update(title="Moskalkova retitled")
    enqueue([article.pk])
    session = IndexSession(backend)
    session.drain()
    session.abort()  # what a killed writer amounts to: nothing committed
    assert IndexTask.objects.count() == 1
    assert backend.search(SearchQuery(text="title:retitled")).total == 0
    call_command("run_index_worker", "--once")  # the next writer applies it
    assert IndexTask.objects.count() == 0
    assert backend.search(SearchQuery(text="title:retitled")).total == 1


def test_verify_index_reports_missing_and_rebuild_fixes(seeds, backend):
    backend.reset()
    code, out = verify()
    assert code == 1 and "5 missing from the index" in out
    call_command("rebuild_index")
    assert verify()[0] == 0
    assert backend.doc_count() == 5


@pytest.mark.parametrize("processes", [1, 2])
def test_rebuild_with_parallel_workers_gives_the_same_answers(seeds, backend, processes):
    queries = ["kadyrov", '"european parliament"', "outlet:independent", "chechnya -putin"]
    before = {q: [hit.article_id for hit in backend.search(SearchQuery(text=q, limit=10)).hits] for q in queries}
    call_command("rebuild_index", processes=processes)
    assert backend.doc_count() == Article.objects.filter(hidden=False).count()
    assert verify()[0] == 0
    after = {q: [hit.article_id for hit in backend.search(SearchQuery(text=q, limit=10)).hits] for q in queries}
    assert after == before and all(before.values())


def test_unlock_index_refuses_live_lock_and_removes_stale(seeds, backend, index_path):
    writer = backend.open_writer()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="held by a running process"):
        call_command("unlock_index")
    writer.cancel()
    # a lock file left behind by a killed process (no one holds the OS lock on it)
    (index_path / "articles_WRITELOCK").write_text("")
    call_command("unlock_index")
    assert not (index_path / "articles_WRITELOCK").exists()


def test_edit_queued_while_an_article_waits_for_commit_is_not_lost(seeds, backend):
    """An import applies an article, and before its commit an editor (or a second import) changes
    that article again and queues it; the writer then applies other work and commits. The edit's
    task must outlive that commit: it was never applied. (Deleting every task up to the highest id
    read left "stale in the index" after two imports ran at once.)"""
    first, other = seeds["001"], seeds["004"]
    enqueue([first.pk])
    session = IndexSession(backend)
    assert session.drain() == 1  # applied, not committed
    Article.objects.filter(pk=first.pk).update(title="Retitled while waiting for the commit")
    enqueue([first.pk])  # the editor's task
    enqueue([other.pk])  # and other work, read by the next drain
    session.drain()
    session.close()
    code, out = verify()
    assert code == 0, out
    assert backend.search(SearchQuery(text="title:retitled")).total == 1
    assert IndexTask.objects.count() == 0


def test_commit_deletes_exactly_the_tasks_it_read(seeds, backend):
    """A task whose id is lower than ones already read but that becomes visible only later (a
    PostgreSQL transaction that took its id early and committed late) stays queued."""
    article = seeds["002"]
    enqueue([article.pk])
    session = IndexSession(backend)
    session.drain()
    read = set(IndexTask.objects.values_list("id", flat=True))
    late = IndexTask.objects.create(article_id=article.pk)
    IndexTask.objects.filter(pk=late.pk).update(id=min(read) - 1)  # as if allocated before the read
    session.close()
    assert list(IndexTask.objects.values_list("id", flat=True)) == [min(read) - 1]
