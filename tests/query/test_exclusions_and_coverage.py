"""Exclusion filters (-outlet=, -actor=), the facet time budget, the outlet-split histogram and
"who covered it first", on a small corpus whose expected answers are worked out from its rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
from django.http import QueryDict

from search.index import get_backend
from search.index.base import FacetCounts
from search.query.coverage import coverage_from_ids
from search.query.params import SearchParams
from search.query.results import run_search
from search.store.models import Actor, Article
from tests.query.test_facets import ROWS as FACET_ROWS, import_rows

pytestmark = pytest.mark.django_db

# file, outlet, date, text (every one mentions Chechnya): the facet tests' rows and one more
ROWS = [*FACET_ROWS, ("g.txt", "Metropolis Mail", "2017-05-25", "Chechnya was quiet, officials in Grozny told reporters.")]


@pytest.fixture
def corpus(tmp_path, backend):
    return import_rows(tmp_path, ROWS)


def search(query: str, **options):
    return run_search(SearchParams.from_query(QueryDict(query)), **options)


def names(corpus, page) -> set[str]:
    return {corpus[row.article.pk] for row in page.rows}


def counts(facet) -> dict[str, int]:
    return {value.label: value.count for value in facet.values}


def rows_where(keep) -> set[str]:
    return {name for name, outlet, date, text in ROWS if keep(name, outlet, date, text)}


def actor_articles(corpus, actor: Actor) -> set[str]:
    return {corpus[pk] for pk in Article.objects.filter(actor_links__actor=actor).values_list("pk", flat=True)}


# --- parameters ------------------------------------------------------------------------------------


def test_exclusions_parse_and_round_trip():
    params = SearchParams.from_query(QueryDict("q=x&-outlet=Fox+News&-outlet=A%26B&actor=3&-actor=7&split=outlet"))
    assert params.exclude_outlet == ("Fox News", "A&B") and params.exclude_actor == (7,) and params.split == "outlet"
    assert params.querystring() == "?q=x&-outlet=Fox+News&-outlet=A%26B&actor=3&-actor=7&split=outlet"
    again = SearchParams.from_query(QueryDict(params.querystring()[1:]))
    assert again == params
    query = params.search_query()
    assert query.exclude_outlets == ("Fox News", "A&B") and query.exclude_actors == (7,)


def test_a_value_both_selected_and_excluded_is_excluded_with_a_message():
    params = SearchParams.from_query(QueryDict("outlet=BBC&-outlet=BBC&actor=4&-actor=4&-actor=x&split=bogus"))
    assert params.outlet == () and params.exclude_outlet == ("BBC",)
    assert params.actor == () and params.exclude_actor == (4,)
    assert params.split == ""
    text = " ".join(params.problems)
    assert "both selected and excluded" in text and "'-actor=x' is not an actor id" in text and "bogus" in text


def test_toggles_move_a_value_between_selected_and_excluded():
    params = SearchParams.from_query(QueryDict("q=v&outlet=BBC&-outlet=CNN&page=3"))
    # excluding a selected value moves it across; selecting an excluded one likewise
    assert params.toggle("-outlet", "BBC") == params.querystring(outlet=(), exclude_outlet=("CNN", "BBC"))
    assert params.toggle("outlet", "CNN") == params.querystring(outlet=("BBC", "CNN"), exclude_outlet=())
    # taking an exclusion back, and excluding a new value, in canonical order
    assert params.toggle("-outlet", "CNN") == params.querystring(exclude_outlet=())
    for value, url in zip(["Fox", "CNN", "BBC"], params.toggles("-outlet", ["Fox", "CNN", "BBC"]), strict=True):
        assert SearchParams.from_query(QueryDict(url[1:])) == SearchParams.from_query(QueryDict(params.toggle("-outlet", value)[1:]))
    assert params.toggles("-outlet", ["Fox"]) == [params.querystring(exclude_outlet=("CNN", "Fox"))]


# --- exclusions --------------------------------------------------------------------------------------


def test_excluding_an_outlet_hides_its_articles_and_keeps_disjunctive_counts(corpus):
    page = search("q=chechnya&-outlet=Daily+Planet")
    assert names(corpus, page) == rows_where(lambda n, o, d, t: o != "Daily Planet")
    # the outlet facet is counted without its own selection: the excluded outlet keeps its count
    everything = search("q=chechnya")
    assert counts(page.outlets) == counts(everything.outlets)
    assert [v.label for v in page.outlets.values if v.excluded] == ["Daily Planet"]
    assert not any(v.selected for v in page.outlets.values)
    # the other facets count within the exclusion
    kadyrov = Actor.objects.get(name="Ramzan Kadyrov")
    expected = actor_articles(corpus, kadyrov) - rows_where(lambda n, o, d, t: o == "Daily Planet")
    assert counts(page.actors)["Ramzan Kadyrov"] == len(expected) < counts(everything.actors)["Ramzan Kadyrov"]
    assert sum(b.count for b in page.dates.buckets) + page.dates.undated == page.total
    # a struck-through chip that takes the exclusion back
    chip = next(c for c in page.chips if c.excluded)
    assert chip.label == "outlet: Daily Planet" and chip.remove_url == "?q=chechnya"


def test_excluding_an_actor_and_combining_with_selections(corpus):
    kadyrov = Actor.objects.get(name="Ramzan Kadyrov")
    with_him = actor_articles(corpus, kadyrov)
    page = search(f"-actor={kadyrov.pk}")
    assert names(corpus, page) == set(corpus.values()) - with_him
    assert counts(page.actors)["Ramzan Kadyrov"] == len(with_him)  # disjunctive: still counted, excluded
    assert [v.label for v in page.actors.values if v.excluded] == ["Ramzan Kadyrov"]
    page = search(f"outlet=Gotham+Gazette&outlet=Metropolis+Mail&-actor={kadyrov.pk}")
    assert names(corpus, page) == rows_where(lambda n, o, d, t: o in ("Gotham Gazette", "Metropolis Mail")) - with_him
    # unknown excluded actor ids are dropped with a message, as selected ones are
    page = search("-actor=999999")
    assert page.total == len(ROWS) and any("999999" in m for m in page.messages)


def test_export_and_api_honour_exclusions(client, corpus):
    params = {"q": "chechnya", "-outlet": ["Gotham Gazette", "Metropolis Mail"], "sort": "date"}
    expected = rows_where(lambda n, o, d, t: o not in ("Gotham Gazette", "Metropolis Mail"))
    api = client.get("/api/search", params).json()
    assert {corpus[hit["id"]] for hit in api["hits"]} == expected and api["total"] == len(expected)
    assert api["query"]["-outlet"] in ("Gotham Gazette", "Metropolis Mail")
    excluded = {v["value"] for v in api["facets"]["outlet"] if v["excluded"]}
    assert excluded == {"Gotham Gazette", "Metropolis Mail"}
    response = client.get("/export.csv", params)
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert {corpus[int(r["id"])] for r in rows} == expected
    assert [int(r["id"]) for r in rows] == [hit["id"] for hit in api["hits"]]


# --- the facet time budget ------------------------------------------------------------------------


def test_a_spent_budget_gives_partial_counts_never_empty_ones(corpus, settings, client):
    full = search("q=chechnya")
    assert not full.facets_partial and full.facets_counted is None
    settings.NEWSINDEX_FACET_BUDGET_MS = 0  # spent at once: only the first range is counted
    page = search("q=chechnya")
    assert page.total == full.total == len(ROWS)  # the results themselves are complete
    assert page.facets_partial and 1 <= page.facets_counted < page.total
    # every facet is there, counted over the same part of the matches (no selections here)
    assert page.outlets is not None and page.actors is not None and page.dates is not None
    counted_days = sum(b.count for b in page.dates.buckets) + page.dates.undated
    assert counted_days == page.facets_counted
    partial_outlets, full_outlets = counts(page.outlets), counts(full.outlets)
    assert all(partial_outlets[name] <= full_outlets[name] for name in partial_outlets)
    assert sum(partial_outlets.values()) <= page.facets_counted
    assert sum(partial_outlets.values()) < sum(full_outlets.values())
    html = client.get("/", {"q": "chechnya"}).content.decode()
    assert "Partial counts" in html and 'class="partial-mark"' in html
    api = client.get("/api/search", {"q": "chechnya"}).json()
    assert api["facets"]["partial"] is True and api["facets"]["counted"] == page.facets_counted
    assert api["total"] == len(ROWS) and api["facets"]["outlet"]
    settings.NEWSINDEX_FACET_BUDGET_MS = None
    assert not search("q=chechnya").facets_partial


# --- coverage: split histogram, who covered it first ----------------------------------------------


def expected_first(corpus) -> list[tuple[str, str]]:
    """Each outlet's first article (by date, then import order; undated last), earliest first."""
    by_outlet: dict[str, tuple] = {}
    for pk, name in sorted(corpus.items()):
        _, outlet, date, _ = next(r for r in ROWS if r[0] == name)
        key = (date == "", date, pk)
        if outlet not in by_outlet or key < by_outlet[outlet][0]:
            by_outlet[outlet] = (key, name)
    return [(outlet, name) for outlet, (key, name) in sorted(by_outlet.items(), key=lambda item: item[1][0])]


def test_who_covered_it_first(corpus):
    page = search("q=chechnya", coverage=True)
    assert [(row.outlet, corpus[row.article.pk]) for row in page.first] == expected_first(corpus)
    first_day = min(dt.date.fromisoformat(d) for _, _, d, _ in ROWS if d)
    for row in page.first:
        if row.day is None:
            assert row.lag == "undated"
        else:
            assert row.day == row.article.published and row.lag_days == (row.day - first_day).days
    assert page.first[0].lag == "first"
    assert page.first_outlets == len(page.first)
    # it follows the filters
    page = search("q=chechnya&-outlet=Daily+Planet", coverage=True)
    assert "Daily Planet" not in {row.outlet for row in page.first}


def test_split_histogram_stacks_outlets_and_adds_up(corpus):
    page = search("q=chechnya&split=outlet")
    assert page.split is not None
    dated = Counter(outlet for _, outlet, date, _ in ROWS if outlet and date)
    totals = {s.name: s.total for s in page.split.series}
    assert {name: totals[name] for name in dated} == dict(dated)
    assert totals.get("other", 0) == sum(1 for _, outlet, date, _ in ROWS if date and not outlet)
    for bar, bucket in zip(page.split.bars, page.dates.buckets, strict=True):
        assert sum(segment.count for segment in bar.segments) == bucket.count == bar.count
    day = {dt.date.fromisoformat(d): Counter() for _, _, d, _ in ROWS if d}
    for _, outlet, date, _ in ROWS:
        if date:
            day[dt.date.fromisoformat(date)][outlet or "other"] += 1
    for bar in page.split.bars:
        assert {s.series.name: s.count for s in bar.segments} == dict(day.get(bar.start, {}))
    # a bar's link sets from/to to its day; the legend's links select the outlet
    assert page.split.bars[0].url.endswith("from=2017-05-18&to=2017-05-18&split=outlet")
    assert not search("q=chechnya").split


@pytest.mark.parametrize("engine_name", ["whoosh", "postgres"], indirect=True)
def test_coverage_worked_out_from_ids_equals_the_engines(corpus):
    """The fallback for engines that do not count coverage gives each engine's own answers."""
    for raw in ("q=chechnya", "q=chechnya&-outlet=Gotham+Gazette&from=2017-05-19", "outlet=Metropolis+Mail&undated=1"):
        params = SearchParams.from_query(QueryDict(raw))
        engine = get_backend().search(params.search_query(coverage=True)).facets
        worked_out = FacetCounts()
        coverage_from_ids(params, worked_out)
        assert worked_out.outlet_days == engine.outlet_days, raw
        assert worked_out.first == engine.first, raw


def test_coverage_api_is_the_coverage_page(client, corpus):
    api = client.get("/api/coverage", {"q": "chechnya", "split": "outlet"}).json()
    assert [(row["outlet"] or "", corpus[row["article_id"]]) for row in api["first_coverage"]] == expected_first(corpus)
    assert api["split"]["series"] and sum(b["count"] for b in api["split"]["buckets"]) == sum(1 for r in ROWS if r[2])
    html = client.get("/coverage/", {"q": "chechnya"}).content.decode()
    for row in api["first_coverage"]:
        assert f'data-article="{row["article_id"]}"' in html
