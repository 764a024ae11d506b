"""404 and 500 pages in the app's own layout (templates/404.html, 500.html). Django renders them
only with DEBUG off, as in production (make serve); the JSON API keeps its own error envelope."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def in_the_app_layout(html: str) -> bool:
    return '<header class="site">' in html and "search/app.css" in html and 'href="/duplicates/"' in html


@override_settings(DEBUG=False)
def test_missing_pages_are_not_found_pages_of_the_app(client, seeds):
    for url, says in (
        ("/articles/999999/", "No such article."),
        ("/passages/999999/", "No such shared passage."),
        ("/no/such/page/", "There is nothing at this address."),  # no view: never "Resolver404"
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 404, url
        assert in_the_app_layout(html) and "<h1>Not found</h1>" in html and says in html, url
        assert "Resolver404" not in html
    api = client.get("/api/articles/999999")
    assert api.status_code == 404 and api.json() == {"ok": False, "error": "No article with id 999999", "status": 404}


@override_settings(DEBUG=False)
def test_a_server_error_is_an_error_page_of_the_app(db, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the index went away")

    monkeypatch.setattr("search.web.views.run_search", broken)
    response = Client(raise_request_exception=False).get("/", {"q": "visas"})
    html = response.content.decode()
    assert response.status_code == 500
    assert in_the_app_layout(html) and "<h1>Something went wrong</h1>" in html
    assert "the index went away" not in html  # no internals shown
