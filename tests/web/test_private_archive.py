"""NEWSINDEX_LOGIN_REQUIRED=1: a private archive. Roles, login, API tokens, no write path for readers."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from search.store.access import TOKEN_LENGTH, ApiToken
from search.store.models import Article

pytestmark = pytest.mark.django_db

PAGES = ["/", "/?q=chechnya", "/duplicates/", "/export.csv?q=chechnya"]


@pytest.fixture
def private(settings):  # type: ignore[no-untyped-def]
    settings.NEWSINDEX_LOGIN_REQUIRED = True


def make_user(django_user_model, name: str, role: str | None = None, **extra):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user(name, password="correct horse battery", **extra)
    if role:
        call_command("grant_role", name, role, stdout=open("/dev/null", "w"))
    return django_user_model.objects.get(pk=user.pk)


def token_for(user, name: str = "script") -> str:  # type: ignore[no-untyped-def]
    from io import StringIO

    out = StringIO()
    call_command("create_api_token", user.get_username(), name, stdout=out)
    return out.getvalue().strip()


def test_roles_are_groups_with_the_permissions_they_need():
    readers = {p.codename for p in Group.objects.get(name="readers").permissions.all()}
    curators = {p.codename for p in Group.objects.get(name="curators").permissions.all()}
    assert readers == {"read_archive"}
    assert {"read_archive", "change_article", "change_actor", "add_actoralias", "add_actorblock", "change_passagegroup"} <= curators
    # curators edit; they do not delete articles, manage users or hand out tokens
    assert not {"delete_article", "add_user", "change_user", "add_apitoken", "change_group"} & curators


def test_anonymous_pages_redirect_to_the_login_page(client, seeds, private):
    for url in PAGES + [f"/articles/{seeds['000'].pk}/", f"/compare/{seeds['000'].pk}/{seeds['001'].pk}/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    html = login.content.decode()
    assert 'class="brand"' in html and "search/app.css" in html and "csrfmiddlewaretoken" in html  # the app's own page
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/static/search/app.css").status_code == 200


@pytest.mark.parametrize("url", ["/api/search?q=chechnya", "/api/articles/1", "/api/schema"])
def test_anonymous_api_gets_401_in_the_error_envelope(client, seeds, private, url):
    response = client.get(url)
    assert response.status_code == 401 and response["Content-Type"] == "application/json"
    assert response.json() == {"ok": False, "error": "Log in, or send an API token: 'Authorization: Bearer <token>'.", "status": 401}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_login_then_every_page_works(client, seeds, private, django_user_model):
    make_user(django_user_model, "rita", "reader")
    response = client.post("/accounts/login/", {"username": "rita", "password": "correct horse battery", "next": "/?q=chechnya"})
    assert response.status_code == 302 and response["Location"] == "/?q=chechnya"
    page = client.get("/?q=chechnya")
    assert page.status_code == 200 and "rita" in page.content.decode() and "Log out" in page.content.decode()
    for url in PAGES + [f"/articles/{seeds['000'].pk}/", "/api/search?q=chechnya", f"/api/articles/{seeds['002'].pk}", "/api/schema"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/search", {"q": "Linkevicius"}).json()["total"] == 2
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_stays_on_the_login_page(client, seeds, private, django_user_model):
    make_user(django_user_model, "rita", "reader")
    response = client.post("/accounts/login/", {"username": "rita", "password": "wrong"})
    assert response.status_code == 200 and "didn't match" in response.content.decode()
    assert client.get("/").status_code == 302


def test_an_account_without_a_role_is_refused(client, seeds, private, django_user_model):
    client.force_login(make_user(django_user_model, "nobody"))
    assert client.get("/").status_code == 403
    assert "no role in the archive" in client.get("/").content.decode()
    response = client.get("/api/search")
    assert response.status_code == 403 and response.json()["status"] == 403


def test_readers_never_reach_a_write_path(client, seeds, private, django_user_model):
    article = seeds["000"]
    change = f"/admin/search/article/{article.pk}/change/"
    hide = {"action": "hide", "_selected_action": [article.pk]}
    for user in (None, make_user(django_user_model, "rita", "reader"), make_user(django_user_model, "stan", "reader", is_staff=True)):
        if user is not None:
            client.force_login(user)
        staff = user is not None and user.is_staff
        response = client.get(change)
        assert response.status_code == (403 if staff else 302)
        for url, data in ((change, {"title": "Defaced"}), ("/admin/search/article/", hide), ("/admin/search/actorblock/add/", {"name": "x"})):
            response = client.post(url, data)
            assert response.status_code in (302, 403), (user, url)
            if response.status_code == 302:
                assert "/login/" in response["Location"], (user, url, response["Location"])
        for url in ("/", "/export.csv", "/api/search", f"/api/articles/{article.pk}"):
            assert client.post(url).status_code in (302, 401, 405), (user, url)  # login first, or not allowed
    article.refresh_from_db()
    assert article.title != "Defaced" and not Article.objects.filter(hidden=True).exists()


def test_curators_edit_in_the_admin(client, seeds, private, django_user_model):
    curator = make_user(django_user_model, "cora", "curator")
    assert curator.is_staff and not curator.is_superuser
    client.force_login(curator)
    article = seeds["000"]
    response = client.post("/admin/search/article/", {"action": "hide", "_selected_action": [article.pk]})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).hidden
    assert client.get("/admin/search/apitoken/").status_code == 403  # tokens are the administrators' business
    assert client.get("/").status_code == 200


def test_api_token_reads_the_private_archive(client, seeds, private, django_user_model):
    reader = make_user(django_user_model, "script-user", "reader")
    key = token_for(reader)
    assert len(key) == TOKEN_LENGTH and re.fullmatch(r"[A-Za-z0-9_-]+", key)
    token = ApiToken.objects.get()
    assert key not in (token.key_hash, token.prefix) and token.prefix == key[:8] and token.last_used is None
    bearer = {"Authorization": f"Bearer {key}"}
    data = client.get("/api/search", {"q": "Linkevicius", "sort": "date"}, headers=bearer).json()
    assert data["total"] == 2 and [h["id"] for h in data["hits"]] == [seeds["002"].pk, seeds["001"].pk]
    assert client.get(f"/api/articles/{seeds['002'].pk}", headers=bearer).json()["outlet"] == "The Independent"
    export = client.get("/export.csv", {"q": "Linkevicius"}, headers=bearer)
    assert export.status_code == 200 and export["X-Total-Count"] == "2"
    token.refresh_from_db()
    assert token.last_used is not None
    # a token is for scripts: it opens no HTML page and no admin
    assert client.get("/", headers=bearer).status_code == 302
    assert client.get("/admin/search/article/", headers=bearer).status_code == 302
    assert client.get("/api/search").status_code == 401  # no session was created by the token


def test_bad_or_revoked_tokens_are_refused_even_on_a_public_archive(client, seeds, django_user_model, settings):
    reader = make_user(django_user_model, "script-user", "reader")
    key = token_for(reader)
    for private in (False, True):
        settings.NEWSINDEX_LOGIN_REQUIRED = private
        for header in ("Bearer " + "x" * TOKEN_LENGTH, "Bearer ", "Bearer " + key[:-1] + ("A" if key[-1] != "A" else "B")):
            response = client.get("/api/search", headers={"Authorization": header})
            assert response.status_code == 401 and response.json()["error"] == "The API token is unknown or revoked."
        assert client.get("/api/search", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    ApiToken.objects.update(revoked=True)
    assert client.get("/api/search", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    nobody = make_user(django_user_model, "nobody")
    other = token_for(nobody)
    assert client.get("/api/search", headers={"Authorization": f"Bearer {other}"}).status_code == 403


def test_admin_creates_a_token_and_shows_it_once(admin_client, seeds, private, django_user_model, client):
    reader = make_user(django_user_model, "script-user", "reader")
    response = admin_client.post("/admin/search/apitoken/add/", {"user": reader.pk, "name": "nightly export"}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    (key,) = re.findall(r"The token for script-user: ([A-Za-z0-9_-]{40})", html)
    assert client.get("/api/search", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listing = admin_client.get("/admin/search/apitoken/").content.decode()
    assert "nightly export" in listing and key not in listing
