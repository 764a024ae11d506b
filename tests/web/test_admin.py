"""Curation in the admin reaches search, facets and exports through the index worker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.http import QueryDict

from search.index.base import SearchQuery
from search.query.params import SearchParams
from search.query.results import run_search
from search.store.importer import Importer
from search.store.models import Actor, ActorAlias, Article, IndexTask, Outlet, OutletAlias
from tests.conftest import BOTH_ENGINES, CORPUS, ROOT

pytestmark = pytest.mark.django_db


def drain() -> None:
    call_command("run_index_worker", "--once")


def search(query: str):
    return run_search(SearchParams.from_query(QueryDict(query)))


def test_anonymous_users_get_the_login_page(client, seeds):
    response = client.get("/admin/search/article/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.post("/admin/search/article/", {"action": "hide", "_selected_action": [seeds["000"].pk]})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not Article.objects.filter(hidden=True).exists()
    for url in ("/", "/export.csv", "/api/search", f"/api/articles/{seeds['000'].pk}"):
        assert client.post(url).status_code == 405


@BOTH_ENGINES
def test_editing_an_article_reaches_search_and_facets(admin_client, seeds, backend):
    article = seeds["003"]
    outlet = Outlet.objects.create(name="PinkNews")
    response = admin_client.post(
        f"/admin/search/article/{article.pk}/change/",
        {
            "title": "MEPs demand inquiry into Chechnya",
            "outlet": outlet.pk,
            "published": "2017-05-18",
            "date_precision": "day",
            "authors": '["Josh Jackman"]',
            "url": "",
            "paragraphs-TOTAL_FORMS": "0",
            "paragraphs-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # Queued for the worker on Whoosh; written in the edit's own transaction on postgres.
    assert IndexTask.objects.filter(article_id=article.pk).exists() is not backend.transactional
    drain()
    page = search("q=title:inquiry")
    assert [row.article.pk for row in page.rows] == [article.pk]
    assert {v.label: v.count for v in search("").outlets.values} == {"The Independent": 1, "PinkNews": 1}
    assert backend.search(SearchQuery(text="author:jackman")).total == 1
    rows = b"".join(admin_client.get("/export.csv", {"outlet": "PinkNews"}).streaming_content).decode()
    assert "MEPs demand inquiry into Chechnya" in rows


@BOTH_ENGINES
def test_hide_action_removes_from_search_facets_and_export(admin_client, seeds, backend):
    target = seeds["002"]
    response = admin_client.post("/admin/search/article/", {"action": "hide", "_selected_action": [target.pk]}, follow=True)
    assert response.redirect_chain[0][1] == 302
    # The message says when search shows it: at once on the postgres engine (written in the same
    # transaction), after the index worker on Whoosh.
    later = "1 article hidden; search catches up within seconds."
    assert ("1 article hidden." if backend.transactional else later) in response.content.decode()
    if backend.transactional:
        assert later not in response.content.decode()
    else:
        drain()
    assert search("q=Wilford").total == 0
    assert search("").outlets.values == []
    assert f"/articles/{target.pk}/" not in b"".join(admin_client.get("/export.csv").streaming_content).decode()  # not the bare id: "18" is in dates


def test_merge_outlets_keeps_alias_for_later_imports(admin_client, tmp_path, backend):
    for name, outlet in (("a.txt", "Fox News"), ("b.txt", "Fox Online News")):
        (tmp_path / name).write_text(f"Story {name}\n\nA report about the border wall and the budget.")
    (tmp_path / "metadata.csv").write_text("file,outlet\na.txt,Fox News\nb.txt,Fox Online News\n")
    Importer(actors=False).run([tmp_path])
    keep = Outlet.objects.get(name="Fox News")
    ids = list(Outlet.objects.values_list("id", flat=True))
    # step one shows the choice, step two merges
    response = admin_client.post("/admin/search/outlet/", {"action": "merge", "_selected_action": ids})
    assert response.status_code == 200 and b"Choose the outlet to keep" in response.content
    response = admin_client.post("/admin/search/outlet/", {"action": "merge", "_selected_action": ids, "apply": "1", "target": keep.pk})
    assert response.status_code == 302
    assert list(Outlet.objects.values_list("name", flat=True)) == ["Fox News"]
    assert OutletAlias.objects.get(name="Fox Online News").outlet == keep
    drain()
    assert {v.label: v.count for v in search("").outlets.values} == {"Fox News": 2}
    # a later import with the old name lands in the kept outlet
    (tmp_path / "c.txt").write_text("Story c\n\nAnother report about the border wall.")
    (tmp_path / "metadata.csv").write_text("file,outlet\na.txt,Fox News\nb.txt,Fox Online News\nc.txt,Fox Online News\n")
    Importer(actors=False).run([tmp_path])
    assert Outlet.objects.count() == 1
    assert {v.label: v.count for v in search("").outlets.values} == {"Fox News": 3}


def test_actor_merge_and_not_an_actor_from_admin(admin_client, seeds):
    source, target = Actor.objects.get(name="BuzzFeed News"), Actor.objects.get(name="Buzzfeed")
    admin_client.post("/admin/search/actor/", {"action": "merge", "_selected_action": [source.pk, target.pk], "apply": "1", "target": target.pk})
    assert ActorAlias.objects.filter(key="buzzfeed news", actor=target).exists()
    lgbt = Actor.objects.get(name="LGBT")
    admin_client.post("/admin/search/actor/", {"action": "not_an_actor", "_selected_action": [lgbt.pk]})
    drain()
    page = search("")
    labels = {v.label: v.count for v in page.actors.values}
    assert "LGBT" not in labels and "BuzzFeed News" not in labels
    assert labels["Buzzfeed"] == 3  # 000, 001 and 004


@pytest.mark.parametrize("engine_name", ["whoosh"], indirect=True)  # the outbox and its writer
def test_bulk_action_on_1000_articles_is_one_index_batch(admin_client, tmp_path, backend):
    lines = "\n".join(f'{{"id": {n}, "title": "Story {n}", "text": "Paragraph number {n} about harbour works."}}' for n in range(1000))
    (tmp_path / "many.jsonl").write_text(lines)
    Importer(actors=False).run([tmp_path / "many.jsonl"])
    generation = backend._open_index().latest_generation()
    ids = list(Article.objects.values_list("id", flat=True))
    # "select all 1000" in the changelist: the admin sends the page's ids plus select_across
    admin_client.post("/admin/search/article/", {"action": "hide", "_selected_action": ids[:50], "select_across": "1", "index": "0"})
    assert IndexTask.objects.count() == 1000
    drain()
    assert backend._open_index().latest_generation() == generation + 1  # one commit for all of them
    assert search("q=harbour").total == 0


@pytest.mark.parametrize("engine_name", ["whoosh"], indirect=True)  # the outbox and its writer
def test_outbox_survives_a_killed_worker(transactional_db, backend, index_path):
    from search.index.outbox import enqueue
    from tests.conftest import import_into_db

    import_into_db(CORPUS)
    article = Article.objects.order_by("id").first()
    Article.objects.filter(pk=article.pk).update(title="Renamed before the crash")
    enqueue([article.pk])
    # a worker process that applies the task and dies before committing, holding the writer
    script = (
        "import os, django; django.setup();"
        "from search.index import get_backend; from search.index.outbox import IndexSession;"
        "s = IndexSession(get_backend()); s.drain(); os._exit(9)"
    )
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsindex.settings", "NEWSINDEX_DATA_DIR": str(index_path.parent), "DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 9, result.stderr
    assert IndexTask.objects.filter(article_id=article.pk).exists()
    assert backend.search(SearchQuery(text="title:crash")).total == 0
    drain()  # the restarted worker applies it
    assert backend.search(SearchQuery(text="title:crash")).total == 1
    assert not IndexTask.objects.exists()
