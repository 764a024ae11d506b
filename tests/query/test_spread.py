"""A shared passage's page: its copies in order of appearance, the presumed source, lags, the
timeline, undated copies apart; on the seeds and on a corpus with clock times in datelines."""

from __future__ import annotations

import datetime as dt

import pytest

from search.query.spread import LABEL_WIDTH, LAG_WIDTH, TICKS, WIDTH, passage_spread, tick_count
from search.store.models import Article, PassageGroup, PassageMember
from tests.conftest import import_into_db

pytestmark = pytest.mark.django_db


def members_of(group: PassageGroup) -> list[Article]:
    ids = set(PassageMember.objects.filter(group=group).values_list("article_id", flat=True))
    return list(Article.objects.filter(pk__in=ids).order_by("pk"))


def test_the_seeds_three_passages(seeds, client):
    groups = list(PassageGroup.objects.filter(boilerplate=False))
    assert len(groups) == 3
    independent, a004 = seeds["002"], seeds["004"]
    assert independent.outlet_name == "The Independent" and independent.published == dt.date(2017, 5, 20)
    assert a004.published == dt.date(2017, 5, 18)
    seen_dated = set()
    for group in groups:
        articles = members_of(group)
        spread = passage_spread(group.pk)
        dated = [a for a in articles if a.published and a.date_precision == "day"]
        undated = [a for a in articles if a not in dated]
        assert [c.article.pk for c in spread.copies] == [a.pk for a in sorted(dated, key=lambda a: (a.published, a.pk))]
        assert {c.article.pk for c in spread.undated} == {a.pk for a in undated}
        assert spread.articles == len(articles)
        # the presumed source is the first dated copy, else the first imported
        source = spread.source
        assert source is not None and source.article.pk == (dated[0].pk if dated else undated[0].pk)
        assert sum(c.source for c in [*spread.copies, *spread.undated]) == 1
        if dated:
            assert spread.timeline is not None and len(spread.timeline.rows) == len(dated)
            assert spread.copies[0].lag == "first"
        else:
            assert spread.timeline is None
        seen_dated.update(c.article.pk for c in spread.copies)

        html = client.get(f"/passages/{group.pk}/").content.decode()
        assert ("Undated copies" in html) == bool(undated)
        assert ('<svg class="timeline"' in html) == bool(dated)
        for copy in spread.copies + spread.undated:
            assert f'data-article="{copy.article.pk}"' in html
            if not copy.source:  # compare with the earliest
                assert f"/compare/{source.article.pk}/{copy.article.pk}/" in html
        api = client.get(f"/api/passages/{group.pk}").json()
        assert api["ok"] and api["presumed_source"]["id"] == source.article.pk
        assert [c["id"] for c in api["copies"]] == [c.article.pk for c in spread.copies]
        assert {c["id"] for c in api["undated"]} == {a.pk for a in undated}
    # 004's 18 May article carries a shared passage and is its source; The Independent shares none
    assert seen_dated == {a004.pk}
    assert not PassageMember.objects.filter(article=independent).exists()
    assert client.get("/passages/999999/").status_code == 404
    assert client.get("/api/passages/999999").json() == {"ok": False, "error": "No shared passage with id 999999", "status": 404}


def test_every_entry_point_links_to_the_passage_page(seeds, client):
    group = PassageMember.objects.filter(article=seeds["004"]).first().group
    link = f'href="/passages/{group.pk}/"'
    assert link in client.get(f"/articles/{seeds['004'].pk}/").content.decode()
    assert link in client.get("/duplicates/").content.decode()
    assert link in client.get("/", {"q": "chechnya"}).content.decode()
    listing = client.get("/api/passages").json()
    assert {p["id"] for p in listing["passages"]} == set(PassageGroup.objects.filter(boilerplate=False).values_list("pk", flat=True))


SHARED = (
    "The commission said on Saturday that it would publish the full findings of its inquiry into the "
    "collapse of the bridge next month, after hearing evidence from engineers, residents and the city council."
)
TIMED = [  # file, outlet, metadata date, dateline, own paragraph
    ("wire-1.txt", "Wire One", "2017-05-20", "Saturday 20 May 2017 14:34 BST", "Engineers had warned about cracks for years."),
    ("two.txt", "Paper Two", "", "Saturday 20 May 2017 17:34 BST", "Residents gathered near the river on Saturday evening."),
    ("three.txt", "Paper Three", "2017-05-22", "", "The council declined to comment on the report."),
    ("four.txt", "Paper Four", "", "", "Traffic was diverted through the old town."),
    ("wire-2.txt", "Wire One", "2017-05-23", "", "A second hearing is planned for the autumn."),
]


def test_lags_from_clock_times_and_days(tmp_path, backend, client):
    lines = ["file,outlet,date"]
    for name, outlet, date, dateline, own in TIMED:
        head = f"{dateline}\n\n" if dateline else ""
        (tmp_path / name).write_text(f"Bridge inquiry {name}\n\n{head}{SHARED}\n\n{own}\n")
        lines.append(f"{name},{outlet},{date}")
    (tmp_path / "metadata.csv").write_text("\n".join(lines) + "\n")
    assert import_into_db(tmp_path).imported == len(TIMED)
    by_name = {name: Article.objects.get(title=f"Bridge inquiry {name}") for name, *_ in TIMED}
    group_ids = set(PassageMember.objects.filter(article=by_name["four.txt"]).values_list("group_id", flat=True))
    assert len(group_ids) == 1
    spread = passage_spread(group_ids.pop())
    order = [(c.article.pk, c.lag) for c in spread.copies]
    assert order == [
        (by_name["wire-1.txt"].pk, "first"),
        (by_name["two.txt"].pk, "+3 h"),  # 17:34 BST after 14:34 BST
        (by_name["three.txt"].pk, "+2 days"),  # no time of day: whole days
        (by_name["wire-2.txt"].pk, "+3 days"),
    ]
    assert spread.copies[0].time_label == "14:34 UTC+01:00" and spread.copies[0].source
    assert [c.article.pk for c in spread.undated] == [by_name["four.txt"].pk]
    rows = spread.timeline.rows
    assert [row.label for row in rows] == ["Wire One", "Paper Two", "Paper Three"]  # one row per outlet
    assert [len(row.marks) for row in rows] == [2, 1, 1]
    xs = [mark.x for row in rows for mark in row.marks]
    assert rows[0].marks[0].x < rows[1].marks[0].x < rows[2].marks[0].x < rows[0].marks[1].x
    assert min(xs) >= spread.timeline.track_start and max(xs) <= spread.timeline.track_end
    api = client.get(f"/api/passages/{spread.group.pk}").json()
    assert [c["lag"] for c in api["copies"]] == ["first", "+3 h", "+2 days", "+3 days"]
    assert api["copies"][1]["time"] == "2017-05-20T17:34:00+01:00" and api["copies"][1]["lag_seconds"] == 3 * 3600
    assert [c["outlet"] for c in api["undated"]] == ["Paper Four"]


@pytest.mark.parametrize("label", ["17 May 23:02", "17 May 2017", "May 2017"])
def test_timeline_tick_labels_keep_apart(label):
    """Chromium draws the 12px labels 6.9 units a character (measured with getBBox); first
    label anchored at its start, last at its end, the others centred (templates/search/passage.html)."""
    track = WIDTH - LAG_WIDTH - LABEL_WIDTH
    count = tick_count(track, len(label))
    assert 2 <= count <= TICKS
    width = len(label) * 6.9
    xs = [track * i / (count - 1) for i in range(count)]
    spans = [(x, x + width) if i == 0 else (x - width, x) if i == count - 1 else (x - width / 2, x + width / 2) for i, x in enumerate(xs)]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), spans
    assert tick_count(track, 3) == TICKS  # short labels keep every tick


def test_compare_api_is_the_compare_page(seeds, client):
    a000, a003 = seeds["000"], seeds["003"]
    api = client.get(f"/api/compare/{a000.pk}/{a003.pk}").json()
    html = client.get(f"/compare/{a000.pk}/{a003.pk}/").content.decode()
    shared = set(PassageMember.objects.filter(article=a000).values_list("group_id", flat=True)) & set(
        PassageMember.objects.filter(article=a003).values_list("group_id", flat=True)
    )
    assert {p["id"] for p in api["passages"]} == shared and len(shared) == html.count('<blockquote class="left">')
    assert api["left"]["id"] == a000.pk and api["right"]["id"] == a003.pk
    assert all(p["diff_html"] for p in api["passages"])  # 003 quotes it inside "MEPs said: ..."
    assert client.get(f"/api/compare/{a000.pk}/999999").json()["error"] == "No article with id 999999"
    assert client.get(f"/api/compare/999998/{a000.pk}").status_code == 404
