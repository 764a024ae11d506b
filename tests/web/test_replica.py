"""Reads from a streaming replica (DATABASE_REPLICA_URL), writes to the primary.

The router's decisions are checked directly; then a real primary and streaming replica (PostgreSQL
15, started by the test in a temporary folder) serve gunicorn: the seeds imported on the primary are
read through the pages once the replica has caught up, and with the replica's replay paused the
pages show exactly what the replica holds (an article imported meanwhile on the primary is not
there yet), while the admin, its writes, and a curator's next pages use the primary. With the
replica stopped, the pages are served from the primary.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.html import escape

from newsindex.routers import PIN_COOKIE, READ_ONLY_VIEWS, REPLICA, ReplicaMiddleware, ReplicaRouter
from search.store.models import Article
from tests.conftest import CORPUS, ROOT, corpus_path
from tests.web.pg_clusters import Clusters, unavailable
from tests.web.test_load import load_test_module

pytestmark = [pytest.mark.replica]
TIMEOUT = 30  # seconds for one HTTP request and for anything to become visible
PASSWORD = "replica-test-curator-7f3a"  # noqa: S105 (a throwaway user in a throwaway cluster)


# --- the router's decisions ------------------------------------------------------------------------


def reads_during(request: HttpRequest, *, write: bool = False) -> tuple[list[str], HttpResponse]:
    """Where reads of Article go while the middleware handles `request` (before and after a write)."""
    router = ReplicaRouter()
    seen: list[str] = []

    def view(_request: HttpRequest) -> HttpResponse:
        seen.append(router.db_for_read(Article))
        if write:
            assert router.db_for_write(Article) == DEFAULT_DB_ALIAS
            seen.append(router.db_for_read(Article))
        return HttpResponse("ok")

    response = ReplicaMiddleware(view, active=True)(request)
    response.close()  # sends request_finished, as the WSGI server does after the body
    return seen, response


def test_read_only_pages_read_from_the_replica() -> None:
    factory = RequestFactory()
    for path in ("/", "/?q=chechnya", "/articles/1/", "/compare/1/2/", "/duplicates/", "/export.csv?q=x", "/api/search", "/api/articles/3", "/api/passages", "/api/passages/3", "/api/compare/1/2", "/api/coverage?q=x"):
        seen, response = reads_during(factory.get(path))
        assert seen == [REPLICA], path
        assert PIN_COOKIE not in response.cookies, path
    assert reads_during(factory.head("/api/search"))[0] == [REPLICA]


def test_every_read_only_view_name_exists() -> None:
    from django.urls import get_resolver

    namespaces = get_resolver().namespace_dict  # the pages ("search") and the JSON API ("api", django-ninja)
    names = {f"{space}:{name}" for space in ("search", "api") for name in namespaces[space][1].reverse_dict if isinstance(name, str)}
    assert READ_ONLY_VIEWS <= names, READ_ONLY_VIEWS - names


def test_admin_posts_and_unknown_pages_use_the_primary() -> None:
    factory = RequestFactory()
    for request in (factory.get("/admin/"), factory.get("/admin/search/article/"), factory.get("/no-such-page/"), factory.post("/api/search")):
        seen, _ = reads_during(request)
        assert seen == [DEFAULT_DB_ALIAS], request.path


def test_a_write_sends_the_rest_of_the_request_and_the_next_ones_to_the_primary() -> None:
    factory = RequestFactory()
    seen, response = reads_during(factory.get("/api/search"), write=True)
    assert seen == [REPLICA, DEFAULT_DB_ALIAS]
    pin = response.cookies[PIN_COOKIE]
    assert 0 < int(pin["max-age"]) <= 60 and pin["httponly"]
    _, response = reads_during(factory.post("/admin/login/"))
    assert PIN_COOKIE in response.cookies  # a login or a curator's change: their next pages read their writes
    pinned = factory.get("/articles/1/")
    pinned.COOKIES[PIN_COOKIE] = "1"
    assert reads_during(pinned)[0] == [DEFAULT_DB_ALIAS]


def test_outside_requests_everything_uses_the_primary() -> None:
    router = ReplicaRouter()
    reads_during(RequestFactory().get("/"))  # a finished request leaves nothing behind
    assert router.db_for_read(Article) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Article) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "search") and not router.allow_migrate(REPLICA, "search")


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_there() -> None:
    router = ReplicaRouter()

    def view(_request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            inside = router.db_for_read(Article)
        return HttpResponse(f"{inside} {router.db_for_read(Article)}")

    response = ReplicaMiddleware(view, active=True)(RequestFactory().get("/"))
    response.close()
    assert response.content.decode() == f"{DEFAULT_DB_ALIAS} {REPLICA}"
    assert not connections[DEFAULT_DB_ALIAS].in_atomic_block


def test_deploy_check_warns_when_the_secret_key_is_one_machines_on_postgresql(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from django.core.checks import run_checks

    def warned() -> bool:
        return any(message.id == "newsindex.W001" for message in run_checks(include_deployment_checks=True))

    settings.SECRET_KEY_FILE = tmp_path / "secret_key"
    assert warned() == (settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")
    settings.SECRET_KEY_FILE = None  # SECRET_KEY came from the environment
    assert not warned()


def test_a_replica_of_sqlite_is_a_configuration_error_at_start_up(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(tmp_path), "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5432/newsindex"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "DATABASE_REPLICA_URL needs DATABASE_URL to be a PostgreSQL primary" in proc.stderr


# --- a real primary and streaming replica ----------------------------------------------------------


@pytest.fixture
def clusters() -> Iterator[Clusters]:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("a PostgreSQL test: runs in make test's PostgreSQL pass (DATABASE_URL=postgres://...)")
    if reason := unavailable():
        pytest.skip(reason)
    with Clusters() as started:
        yield started


def postgres_engine() -> bool:
    import importlib.util

    return importlib.util.find_spec("search.index.postgres") is not None


def django_env(data: Path, database_url: str) -> dict[str, str]:
    """A manage.py or gunicorn environment: this database, its own data folder, a shared key."""
    env = {**os.environ, "DATABASE_URL": database_url, "NEWSINDEX_DATA_DIR": str(data), "DEBUG": "false", "PYTHONUNBUFFERED": "1"}
    env["SECRET_KEY"] = "replica-test-key-shared-by-every-server-of-this-database"
    for name in ("DATABASE_REPLICA_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "NEWSINDEX_HTTPS"):
        env.pop(name, None)
    if postgres_engine():
        env["SEARCH_BACKEND"] = "postgres"
    else:
        env.pop("SEARCH_BACKEND", None)  # Whoosh: the importer and the server share this data folder
    return env


def get(port: int, path: str, session: requests.Session | None = None) -> requests.Response:
    return (session or requests).get(f"http://127.0.0.1:{port}{path}", timeout=TIMEOUT, allow_redirects=False)


def hit_ids(port: int, query: str) -> list[int]:
    response = get(port, "/api/search?" + requests.compat.urlencode({"q": query}))
    assert response.status_code == 200, response.text[:500]
    return [hit["id"] for hit in response.json()["hits"]]


def title_query(title: str) -> str:
    return " ".join(f"title:{word}" for word in re.findall(r"[^\W\d_]{4,}", title))


def admin_session(port: int) -> requests.Session:
    session = requests.Session()
    assert get(port, "/admin/login/", session).status_code == 200
    response = session.post(
        f"http://127.0.0.1:{port}/admin/login/?next=/admin/",
        data={"username": "curator", "password": PASSWORD, "next": "/admin/", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/", response.text[:1000]
    return session


def until(check: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {TIMEOUT}s: {what}")
        time.sleep(0.3)


def test_pages_read_from_a_streaming_replica_and_writes_go_to_the_primary(clusters: Clusters, tmp_path: Path) -> None:
    new_file = corpus_path("bbc", "politics", "001.txt")
    load_test: ModuleType = load_test_module()
    if not Path(load_test.GUNICORN).exists():
        pytest.skip(f"gunicorn is not installed at {load_test.GUNICORN}")
    env = django_env(tmp_path / "data", clusters.url("primary"))
    # With the postgres engine the server has a data folder of its own (nothing shared on disk);
    # a Whoosh index lives in one folder, which the importer and the server then share.
    server_data = tmp_path / "server" if postgres_engine() else tmp_path / "data"
    server_env = {**django_env(server_data, clusters.url("primary")), "DATABASE_REPLICA_URL": clusters.url("replica")}
    load_test.manage(env, "migrate", "--noinput", "-v0", timeout=300)
    load_test.manage(env, "import_articles", str(CORPUS), "--no-actors", "--no-progress", timeout=300)
    load_test.manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput", "--username", "curator", "--email", "curator@example.org")
    clusters.wait_caught_up()
    with clusters.connect("replica") as conn:
        seeds = conn.execute("SELECT id, title FROM search_article ORDER BY id").fetchall()
    assert len(seeds) == 5

    children = load_test.Children(tmp_path)
    try:
        port = load_test.free_port()
        server = children.start(
            "gunicorn",
            [load_test.GUNICORN, "newsindex.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "30"],
            server_env,
        )
        load_test.wait_for_server(port, server)

        # The seeds, imported on the primary, through the pages served from the caught-up replica.
        found = hit_ids(port, "chechnya")
        assert found and set(found) <= {pk for pk, _ in seeds}
        page = get(port, "/?q=chechnya")
        assert page.status_code == 200 and all(f'href="/articles/{pk}/' in page.text for pk in found)
        for pk, title in seeds:
            article = get(port, f"/articles/{pk}/")
            assert article.status_code == 200 and escape(title) in article.text, pk
        exported = get(port, "/export.csv?q=chechnya")
        assert exported.status_code == 200 and len(exported.text.strip().splitlines()) == len(found) + 1

        # Replay paused: the pages show what the replica holds, not what the primary holds.
        clusters.pause_replay()
        load_test.manage(env, "import_articles", str(new_file), "--no-actors", "--no-progress", timeout=300)
        with clusters.connect("primary") as conn:
            new_id, new_title = conn.execute("SELECT id, title FROM search_article ORDER BY id DESC LIMIT 1").fetchone()
        assert new_id not in {pk for pk, _ in seeds}
        assert clusters.one("replica", "SELECT count(*) FROM search_article WHERE id = %s", (new_id,)) == 0
        assert get(port, f"/articles/{new_id}/").status_code == 404
        assert get(port, f"/api/articles/{new_id}").status_code == 404
        assert new_id not in hit_ids(port, title_query(new_title))

        # The admin reads and writes the primary (the replica refuses writes: they would fail).
        curator = admin_session(port)
        change = get(port, f"/admin/search/article/{new_id}/change/", curator)
        assert change.status_code == 200 and escape(new_title) in change.text
        hidden_id, hidden_title = seeds[0]
        hide = curator.post(
            f"http://127.0.0.1:{port}/admin/search/article/",
            data={"action": "hide", "_selected_action": [str(hidden_id)], "index": "0", "select_across": "0", "csrfmiddlewaretoken": curator.cookies["csrftoken"]},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        assert hide.status_code == 302, hide.text[:1000]
        assert clusters.one("primary", "SELECT hidden FROM search_article WHERE id = %s", (hidden_id,)) is True
        # The curator's own next pages read the primary (pinned by a cookie): the article is gone;
        # everybody else still reads the paused replica, where it is not hidden yet.
        assert PIN_COOKIE in curator.cookies
        assert get(port, f"/articles/{hidden_id}/", curator).status_code == 404
        anonymous = get(port, f"/articles/{hidden_id}/")
        assert anonymous.status_code == 200 and escape(hidden_title) in anonymous.text

        # Replay resumed: once the replica has caught up, the pages show the import and the change.
        clusters.resume_replay()
        clusters.wait_caught_up()
        article = get(port, f"/api/articles/{new_id}")
        assert article.status_code == 200 and article.json()["title"] == new_title
        until(lambda: new_id in hit_ids(port, title_query(new_title)), f"article {new_id} found by /api/search")
        assert f'href="/articles/{new_id}/' in get(port, "/?" + requests.compat.urlencode({"q": title_query(new_title)})).text
        assert get(port, f"/articles/{hidden_id}/").status_code == 404
        assert hidden_id not in hit_ids(port, "chechnya")

        # The replica stops: the pages are served from the primary, no error page.
        clusters.stop_replica()
        assert get(port, f"/api/articles/{new_id}").status_code == 200
        assert new_id in hit_ids(port, title_query(new_title))
        assert get(port, f"/articles/{seeds[1][0]}/").status_code == 200
        assert get(port, "/export.csv?q=chechnya").status_code == 200
        log = children.tail("gunicorn", 400)
        assert "reading from the replica failed" in log
        errors = [line for line in log.splitlines() if "Traceback" in line or "[ERROR]" in line]
        assert not errors, children.tail("gunicorn", 60)
        if postgres_engine():  # on the server's own disk: only the static files
            assert {path.name for path in server_data.iterdir()} <= {"static"}, list(server_data.iterdir())
    finally:
        children.stop_all()
