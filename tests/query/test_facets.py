from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from search.index.outbox import enqueue
from search.query.params import SearchParams
from search.query.results import run_search
from search.store.models import Actor, Article
from tests.conftest import BOTH_ENGINES, import_into_db

pytestmark = [pytest.mark.django_db, BOTH_ENGINES]

ROWS = [  # file, outlet, date, text
    ("a.txt", "Daily Planet", "2017-05-18", "Chechen leader Ramzan Kadyrov denied the report about Chechnya on Monday."),
    ("b.txt", "Daily Planet", "2017-05-20", "Vladimir Putin backed an inquiry into Chechnya."),
    ("c.txt", "Gotham Gazette", "2017-05-20", "On Sunday the Chechen leader Ramzan Kadyrov and President Vladimir Putin met in Moscow about Chechnya."),
    ("d.txt", "Gotham Gazette", "2017-07-02", "Human Rights Watch reported on Chechnya again."),
    ("e.txt", "Metropolis Mail", "", "On Friday the Chechen leader Ramzan Kadyrov spoke to reporters about Chechnya."),
    ("f.txt", "", "2017-05-20", "Reporters in Moscow wrote about Chechnya."),
]


def import_rows(folder, rows) -> dict[int, str]:
    """Text files with a metadata.csv, one per row, imported: {article id: file name}."""
    lines = ["file,outlet,date"]
    for name, outlet, date, text in rows:
        (folder / name).write_text(f"Story {name}\n\n{text}")
        lines.append(f"{name},{outlet},{date}")
    (folder / "metadata.csv").write_text("\n".join(lines) + "\n")
    report = import_into_db(folder)
    assert report.imported == len(rows)
    return {Article.objects.get(title=f"Story {name}").pk: name for name, *_ in rows}


@pytest.fixture
def corpus(tmp_path, backend):
    return import_rows(tmp_path, ROWS)


def search(query: str):
    return run_search(SearchParams.from_query(QueryDict(query)))


def names(corpus, page) -> set[str]:
    return {corpus[row.article.pk] for row in page.rows}


def counts(facet) -> dict[str, int]:
    return {value.label: value.count for value in facet.values}


def test_counts_over_all_matches(corpus):
    page = search("q=chechnya")
    assert page.total == 6
    assert counts(page.outlets) == {"Daily Planet": 2, "Gotham Gazette": 2, "Metropolis Mail": 1}
    assert counts(page.actors)["Ramzan Kadyrov"] == 3
    assert counts(page.actors)["Vladimir Putin"] == 2


def test_or_within_a_facet(corpus):
    page = search("outlet=Daily+Planet&outlet=Metropolis+Mail")
    assert names(corpus, page) == {"a.txt", "b.txt", "e.txt"}


def test_and_across_facets(corpus):
    kadyrov = Actor.objects.get(name="Ramzan Kadyrov").pk
    page = search(f"outlet=Gotham+Gazette&actor={kadyrov}")
    assert names(corpus, page) == {"c.txt"}


def test_disjunctive_counts_keep_other_values(corpus):
    page = search("outlet=Daily+Planet")
    # the outlet facet ignores its own selection...
    assert counts(page.outlets) == {"Daily Planet": 2, "Gotham Gazette": 2, "Metropolis Mail": 1}
    assert [v.label for v in page.outlets.values if v.selected] == ["Daily Planet"]
    # ...the others count within it
    assert counts(page.actors) == {"Ramzan Kadyrov": 1, "Vladimir Putin": 1, "Chechnya": 2}


def test_date_histogram_zero_filled_and_undated(corpus):
    page = search("")
    dates = page.dates
    assert dates.granularity == "day"  # May 18 to July 2 is under three months
    assert [b.label for b in dates.buckets][:3] == ["2017-05-18", "2017-05-19", "2017-05-20"]
    assert [b.count for b in dates.buckets][:3] == [1, 0, 3]
    assert dates.buckets[-1].label == "2017-07-02" and dates.buckets[-1].count == 1
    assert len(dates.buckets) == (dt.date(2017, 7, 2) - dt.date(2017, 5, 18)).days + 1
    assert dates.undated == 1
    months = search("granularity=month").dates
    assert [(b.label, b.count) for b in months.buckets] == [("May 2017", 4), ("Jun 2017", 0), ("Jul 2017", 1)]


def test_date_range_and_undated_selection(corpus):
    assert names(corpus, search("from=2017-05-19&to=2017-05-31")) == {"b.txt", "c.txt", "f.txt"}
    assert names(corpus, search("undated=1")) == {"e.txt"}
    assert names(corpus, search("from=2017-07-01&undated=1")) == {"d.txt", "e.txt"}
    page = search("from=2017-05-20&to=2017-05-20")
    # the histogram still shows the other days, with the chosen one selected
    assert sum(b.count for b in page.dates.buckets) == 5
    assert [b.label for b in page.dates.buckets if b.selected] == ["2017-05-20"]


def test_url_round_trip(engine_name):
    raw = "q=chechnya&outlet=Daily+Planet&outlet=Gotham+Gazette&actor=3&actor=7&from=2017-05-01&to=2017-05-31&undated=1&granularity=month&sort=date&collapse=1&page=2"
    params = SearchParams.from_query(QueryDict(raw))
    again = SearchParams.from_query(QueryDict(params.querystring(page=params.page)[1:]))
    assert again == params
    assert params.actor == (3, 7) and params.outlet == ("Daily Planet", "Gotham Gazette")


def test_bad_facet_parameters_are_explained(corpus):
    page = search("from=2017-13-45")
    assert page.total == 6 and any("2017-13-45" in m for m in page.messages)
    page = search("actor=999999")
    assert page.total == 6 and any("999999" in m for m in page.messages)
    page = search("actor=abc")
    assert any("not an actor id" in m for m in page.messages)
    many = "&".join(f"outlet=o{n}" for n in range(500))
    page = search(many)
    assert page.total == 0 and any("first 50" in m for m in page.messages)


def test_hidden_articles_never_counted(corpus):
    hidden = next(pk for pk, name in corpus.items() if name == "c.txt")
    Article.objects.filter(pk=hidden).update(hidden=True)
    enqueue([hidden])
    from django.core.management import call_command

    call_command("run_index_worker", "--once")
    page = search("q=chechnya")
    assert page.total == 5
    assert counts(page.outlets)["Gotham Gazette"] == 1
    assert counts(page.actors)["Ramzan Kadyrov"] == 2
