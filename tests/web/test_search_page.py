from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import BOTH_ENGINES, import_into_db

pytestmark = [pytest.mark.django_db, BOTH_ENGINES]


def test_search_page_lists_newest_without_query(client, seeds):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "1–5 of <strong>5</strong> articles" in html
    assert html.index(seeds["002"].title) < html.index(seeds["004"].title)  # dated, newest first
    assert "Unknown outlet" in html and "The Independent" in html
    assert "20 May 2017" in html and "undated" in html
    assert 'hx-get="/"' in html and 'hx-push-url="true"' in html
    # Cookie too: the header shows who is logged in
    assert [v.strip() for v in response["Vary"].split(",")] == ["HX-Request", "Cookie"]


def test_search_highlights_query_words(client, seeds):
    html = client.get("/", {"q": "Linkevicius"}).content.decode()
    assert "of <strong>2</strong> articles" in html
    assert "<mark>Linkevičius</mark>" in html and "<mark>Linkevicius</mark>" in html


def test_phrase_marked_as_one_unit(client, seeds):
    html = client.get("/", {"q": '"State Department"'}).content.decode()
    assert "<mark>State Department</mark>" in html


def test_search_page_reports_its_total_and_timing(client, seeds):
    response = client.get("/", {"q": "Linkevicius"})
    assert response["X-Total-Count"] == "2"
    timing = dict(part.strip().split(";", 1) for part in response["Server-Timing"].split(","))
    assert set(timing) == {"search", "render"}
    assert float(timing["search"].split("dur=")[1].split(";")[0]) > 0
    assert client.get("/", {"q": "nosuchwordanywhere"})["X-Total-Count"] == "0"


def test_htmx_request_gets_only_the_results_partial(client, seeds):
    response = client.get("/", {"q": "visas"}, headers={"HX-Request": "true", "HX-Target": "results"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert 'role="search"' not in html and "<html" not in html
    # the search form's hidden filter fields are refreshed out of band
    assert '<div id="form-state" hx-swap-oob="true">' in html


def test_htmx_history_restore_gets_the_full_page(client, seeds):
    response = client.get("/", {"q": "visas"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert 'role="search"' in response.content.decode()


def test_sort_by_date_and_pagination_links(client, seeds):
    html = client.get("/", {"q": "chechnya", "sort": "date"}).content.decode()
    assert html.index(seeds["002"].title) < html.index(seeds["004"].title)


def test_article_text_is_escaped_everywhere(client, tmp_path, backend):
    (tmp_path / "x.txt").write_text(
        "<script>alert(1)</script> headline\n\nBody with <img src=x onerror=alert(2)> and <b>bold</b> about Chechnya.\n"
    )
    import_into_db(tmp_path)
    for params in ({"q": "chechnya"}, {}):
        body = client.get("/", params).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "<img src=x" not in body and "<b>bold</b>" not in body
    # JSON carries the text as data; only its HTML snippet is markup, and that is escaped
    (hit,) = client.get("/api/search", {"q": "chechnya"}).json()["hits"]
    assert hit["title"] == "<script>alert(1)</script> headline"
    assert "&lt;img src=x onerror=alert(2)&gt;" in hit["snippet_html"] and "<img" not in hit["snippet_html"]
    html = client.get("/", {"q": "chechnya"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_query_is_escaped_in_page(client, seeds):
    html = client.get("/", {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"unclosed'},
        {"q": "title:"},
        {"q": "AND"},
        {"q": "*"},
        {"q": "((("},
        {"q": "date:[2017 to"},
        {"q": "x~99999"},
        {"q": "a" * 10000},
        {"q": "\x00\x01"},
        {"q": "title:* OR body:?"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999999999999"},
        {"sort": "bogus"},
        {"from": "2017-13-45"},
        {"to": "yesterday"},
        {"outlet": "No such outlet"},
        {"granularity": "fortnight"},
        {"collapse": "maybe"},
    ],
)
def test_bad_input_never_a_server_error(client, seeds, params):
    for url in ("/", "/api/search"):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)


def test_unknown_date_parameter_is_explained(client, seeds):
    html = client.get("/", {"from": "2017-13-45"}).content.decode()
    assert "is not a date like 2017-05-20: ignored" in html


def test_article_page_highlights_query_words(client, seeds):
    article = seeds["004"]
    html = client.get(reverse("search:article", args=[article.pk]), {"q": "Kadrov~"}).content.decode()
    assert "<mark>Kadrov</mark>" in html
    assert "Your support" not in client.get(reverse("search:article", args=[seeds["002"].pk])).content.decode()


def test_article_page_404_for_missing(client, seeds):
    assert client.get("/articles/999999/").status_code == 404


def test_pages_answer_head_requests_without_a_body(client, seeds):
    """Link checkers and uptime monitors ask with HEAD: the read-only pages answer as to GET."""
    article = seeds["004"]
    for url in ("/", "/?q=kadyrov", f"/articles/{article.pk}/", "/duplicates/", "/coverage/?q=kadyrov"):
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b"", url
    assert client.post("/").status_code == 405


def test_the_import_path_is_shown_to_curators_only(client, admin_client, seeds):
    article = seeds["004"]
    assert article.source_file
    reader, curator = client.get(f"/articles/{article.pk}/"), admin_client.get(f"/articles/{article.pk}/")
    assert reader.status_code == curator.status_code == 200
    assert article.title in reader.content.decode() and article.source_file not in reader.content.decode()
    assert article.source_file in curator.content.decode()


def test_comparing_an_article_with_itself_opens_its_page(client, seeds):
    article = seeds["004"]
    response = client.get(f"/compare/{article.pk}/{article.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/articles/{article.pk}/"


def test_api_search_shape(client, seeds):
    data = client.get("/api/search", {"q": "Linkevicius", "sort": "date"}).json()
    assert data["ok"] is True and data["total"] == 2 and data["query"] == {"q": "Linkevicius", "sort": "date"}
    assert [hit["id"] for hit in data["hits"]] == [seeds["002"].pk, seeds["001"].pk]
    assert data["hits"][0]["outlet"] == "The Independent" and data["hits"][0]["published"] == "2017-05-20"
    relevance = client.get("/api/search", {"q": "Linkevicius"}).json()["hits"]
    assert all(hit["score"] > 0 for hit in relevance)


def test_paging_past_the_end_shows_the_last_page_with_one_message(client, seeds):
    message = "There is only 1 page of results: showing page 1."
    api = client.get("/api/search", {"q": "chechnya", "page": "999"}).json()
    everything = client.get("/api/search", {"q": "chechnya"}).json()
    assert (api["page"], api["pages"], api["messages"]) == (1, 1, [message])
    assert "page" not in api["query"] and api["hits"] == everything["hits"] and api["total"] == everything["total"] > 0
    html = client.get("/", {"q": "chechnya", "page": "999"}).content.decode()
    assert html.count(message) == 1 and "Only the first" not in html
    assert f"1–{everything['total']} of <strong>{everything['total']}</strong> articles" in html
    passages = client.get("/api/passages", {"page": "999"}).json()
    assert (passages["page"], passages["pages"], passages["messages"]) == (1, 1, [message]) and passages["passages"]
