"""One rule for how far a shared passage reached (search.query.reuse), and every page saying the
same: the search results, the passage page, /duplicates/, the article page and their JSON twins.

On the seeds only 002 has an outlet (The Independent) and it shares nothing; the outlets of
others are then set in the database to make a passage partly known, one outlet's own, and
across outlets."""

from __future__ import annotations

import re

import pytest

from search.query.reuse import Reach, Reuse, reach
from search.store.models import Article, Outlet, PassageGroup, PassageMember

pytestmark = pytest.mark.django_db


def test_the_rule():
    assert reach({1: 7, 2: 8, 3: None}).reuse is Reuse.ACROSS
    assert reach({1: 7, 2: 7}).reuse is Reuse.OWN
    assert reach({1: 7, 2: None}) == Reach(articles=2, outlets=1, unknown=1)
    assert reach({1: 7, 2: None}).reuse is Reuse.UNKNOWN  # unknown is not "the same outlet"
    assert reach({1: None, 2: ""}).reuse is Reuse.UNKNOWN
    assert reach({1: None, 2: None}).text == "2 articles, outlets unknown"
    assert reach({1: 7, 2: None, 3: None}).text == "3 articles, 1 outlet and 2 articles of unknown outlet (outlets unknown)"
    assert reach({1: 7, 2: 7}).text == "2 articles, 1 outlet (one outlet reusing its own text)"
    assert reach({1: 7, 2: 8}).text == "2 articles, 2 outlets (across outlets)"


def group_of(*articles: Article) -> PassageGroup:
    """The passage every one of these articles carries."""
    ids = set.intersection(*(set(PassageMember.objects.filter(article=a).values_list("group_id", flat=True)) for a in articles))
    assert len(ids) == 1, ids
    return PassageGroup.objects.get(pk=ids.pop())


def what_pages_say(client, group: PassageGroup, carrier: Article) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The passage's reach as each page and API states it."""
    passage_html = client.get(f"/passages/{group.pk}/").content.decode()
    duplicates_html = client.get("/duplicates/").content.decode()
    entry = next(chunk for chunk in duplicates_html.split('<li class="group">')[1:] if f'href="/passages/{group.pk}/"' in chunk)
    listed = next(p for p in client.get("/api/passages").json()["passages"] if p["id"] == group.pk)
    detail = client.get(f"/api/passages/{group.pk}").json()
    article_html = client.get(f"/articles/{carrier.pk}/").content.decode()
    aside = next(a for a in article_html.split('<aside class="provenance')[1:] if f'href="/passages/{group.pk}/"' in a)
    return {
        "passage page": re.search(r'<strong class="reach">(.*?)</strong>', passage_html).group(1),
        "duplicates": re.search(r'<strong class="reach">(.*?)</strong>', entry).group(1),
        "api list": {k: listed[k] for k in ("articles", "outlets", "outlets_unknown", "reuse")},
        "api detail": {k: detail[k] for k in ("articles", "outlets", "outlets_unknown", "reuse")},
        "article page": re.search(r'<span class="reuse">(.*?)</span>', aside).group(1),
    }


def search_row_says(client, article: Article) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """The search result row's sharing line for the article, and its /api/search twin."""
    query = {"q": f'"{article.title}"'}
    html = client.get("/", query).content.decode()
    row = next(chunk for chunk in html.split('<p class="sharing">')[1:] if f'href="/articles/{article.pk}/"' in chunk)
    hit = next(h for h in client.get("/api/search", query).json()["hits"] if h["id"] == article.pk)
    return re.search(r'<span class="reach">(.*?)</span>', row).group(1), hit["shared"]


def test_pages_agree_on_the_seeds(seeds, client):
    visas = seeds["004"]  # "US denied visas ...": shares one passage with 001, neither names an outlet
    group = group_of(visas, seeds["001"])
    said = what_pages_say(client, group, visas)
    assert said == {
        "passage page": "2 articles, outlets unknown",
        "duplicates": "2 articles, outlets unknown",
        "api list": {"articles": 2, "outlets": 0, "outlets_unknown": 2, "reuse": "outlets_unknown"},
        "api detail": {"articles": 2, "outlets": 0, "outlets_unknown": 2, "reuse": "outlets_unknown"},
        "article page": "Outlets unknown.",
    }
    line, shared = search_row_says(client, visas)
    assert line == "outlets unknown"
    assert shared == {"passages": 1, "articles": 1, "across_outlets": 0, "one_outlet": 0, "outlets_unknown": 1, "passage_ids": [group.pk]}


def test_pages_agree_as_outlets_become_known(seeds, client):
    first, second = seeds["000"], seeds["003"]  # the MEPs' statement
    group = group_of(first, second)
    independent = seeds["002"].outlet
    Article.objects.filter(pk=first.pk).update(outlet=independent)
    said = what_pages_say(client, group, first)
    partly = "2 articles, 1 outlet and 1 article of unknown outlet (outlets unknown)"
    assert said["passage page"] == said["duplicates"] == partly  # never "one outlet reusing its own text"
    assert said["api list"] == said["api detail"] == {"articles": 2, "outlets": 1, "outlets_unknown": 1, "reuse": "outlets_unknown"}
    assert said["article page"] == "Outlets unknown."

    Article.objects.filter(pk=second.pk).update(outlet=independent)
    said = what_pages_say(client, group, first)
    assert said["passage page"] == said["duplicates"] == "2 articles, 1 outlet (one outlet reusing its own text)"
    assert said["api list"] == said["api detail"] == {"articles": 2, "outlets": 1, "outlets_unknown": 0, "reuse": "one_outlet"}
    assert said["article page"] == "Same outlet’s own text."

    Article.objects.filter(pk=second.pk).update(outlet=Outlet.objects.create(name="PinkNews"))
    said = what_pages_say(client, group, first)
    assert said["passage page"] == said["duplicates"] == "2 articles, 2 outlets (across outlets)"
    assert said["api list"] == said["api detail"] == {"articles": 2, "outlets": 2, "outlets_unknown": 0, "reuse": "across_outlets"}
    assert said["article page"] == "Across outlets."
    # 000 also shares the State Department quote with 001, whose outlet is unknown
    line, shared = search_row_says(client, Article.objects.get(pk=first.pk))
    assert line == "1 across outlets, 1 with outlets unknown"
    assert (shared["across_outlets"], shared["one_outlet"], shared["outlets_unknown"]) == (1, 0, 1)
