"""How a story spread, in a real browser: from an article's highlight to the passage's page with
its timeline; on the search page the histogram split by outlet, a brushed date range, and an
outlet excluded (struck-through chip, counts change, the excluded outlet keeps its count).

Same set-up as the other browser tests: Debian's Chromium through Playwright against
pytest-django's live_server; the seeds are imported by a ``transactional_db`` fixture. Expected
values are read from the database after the import, never typed in by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from search.store.models import Article, PassageMember
from tests.conftest import CORPUS, SEEDS, import_into_db
from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS

pytestmark = BROWSER_TESTS

QUERY = "chechnya"


@pytest.fixture
def seeds(transactional_db, index_path) -> dict[str, Article]:  # type: ignore[no-untyped-def]
    report = import_into_db(CORPUS)
    assert report.imported == 5, report
    by_file = {Path(a.source_file).name: a for a in Article.objects.select_related("outlet")}
    return {number: by_file[name] for number, name in SEEDS.items()}


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def total(page) -> int:  # type: ignore[no-untyped-def]
    found = re.search(r"of\s+(\d+)\s+articles?", page.locator("#results p.count").inner_text())
    return int(found.group(1)) if found else 0


def split_segments(page) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.locator("svg.split-histogram rect[data-outlet]").evaluate_all(
        "rects => rects.map(r => ({outlet: r.dataset.outlet, count: parseInt(r.dataset.count, 10),"
        " height: r.getBBox().height, bar: r.closest('a').dataset.from}))"
    )


def test_passage_page_from_a_highlight_then_split_brush_and_exclude(live_server, seeds, page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    a001, a004, independent = seeds["001"], seeds["004"], seeds["002"]

    # The passage 001 shares with 004 (dated 18 May): its group, from the database.
    shared = set(PassageMember.objects.filter(article=a001).values_list("group_id", flat=True)) & set(
        PassageMember.objects.filter(article=a004).values_list("group_id", flat=True)
    )
    assert len(shared) == 1
    group_id = shared.pop()
    carriers = set(PassageMember.objects.filter(group_id=group_id).values_list("article_id", flat=True))
    undated = {pk for pk in carriers if Article.objects.get(pk=pk).published is None}
    assert a004.pk in carriers and undated and a004.pk not in undated

    # 1. From 001's highlight to the passage's page.
    page.goto(live_server.url + reverse("search:article", args=[a001.pk]))
    link = page.locator(f"aside.provenance a.spread-link[href='{reverse('search:passage', args=[group_id])}']")
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(live_server.url + reverse("search:passage", args=[group_id]))
    source = page.locator("section.presumed-source")
    expect(source).to_contain_text(a004.title)
    expect(source).to_contain_text("18 May 2017")
    timeline = page.locator("svg.timeline")
    expect(timeline).to_be_visible()
    box = timeline.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 40, box
    mark = timeline.locator(f"circle.mark.source[data-article='{a004.pk}']")
    expect(mark).to_have_count(1)
    expect(timeline.locator("circle.mark")).to_have_count(len(carriers) - len(undated))
    expect(timeline.locator("text.lag").first).to_have_text("first")
    undated_rows = page.locator("table.copies.undated tr.copy")
    expect(undated_rows).to_have_count(len(undated))
    assert {int(pk) for pk in undated_rows.evaluate_all("rows => rows.map(r => r.dataset.article)")} == undated
    expect(page.locator("table.copies.undated a.compare").first).to_have_attribute(
        "href", reverse("search:compare", args=[a004.pk, next(iter(undated))])
    )
    # Links in the undated table look like every other link (the facet's plain-text style stays there).
    link_colour = "a => getComputedStyle(a).color"
    body_colour = page.locator("table.copies.undated td.outlet").first.evaluate("td => getComputedStyle(td).color")
    accent = page.locator("table.copies.dated td a").first.evaluate(link_colour)
    assert accent != body_colour
    for link in page.locator("table.copies.undated td a").all():
        assert link.evaluate(link_colour) == accent, link.inner_text()
    # The timeline's time labels never overlap one another.
    boxes = timeline.locator("text.tick-label").evaluate_all(
        "labels => labels.filter(t => t.textContent.trim()).map(t => { const b = t.getBBox(); return [b.x, b.x + b.width]; })"
    )
    assert len(boxes) >= 2, boxes
    assert all(left[1] <= right[0] for left, right in zip(boxes, boxes[1:])), boxes

    # 2. The search page, its histogram split by outlet.
    page.goto(f"{live_server.url}/?q={QUERY}")
    everything = total(page)
    matching = [a for a in Article.objects.select_related("outlet") if QUERY in (a.title + " " + a.body).lower()]
    assert everything == len(matching)
    expect(page.locator("svg.split-histogram")).to_have_count(0)
    page.locator("#results p.split-toggle a", has_text="split by outlet").click()
    page.wait_for_url(lambda url: query_of(url).get("split") == ["outlet"])
    expect(page.locator("svg.split-histogram")).to_be_visible()
    segments = split_segments(page)
    dated = [a for a in matching if a.published]
    by_outlet: dict[str, int] = {}
    for article in dated:
        name = article.outlet_name if article.outlet_name == independent.outlet_name else "other"
        by_outlet[name] = by_outlet.get(name, 0) + 1
    seen: dict[str, int] = {}
    for segment in segments:
        seen[segment["outlet"]] = seen.get(segment["outlet"], 0) + segment["count"]
        assert segment["height"] > 0
    assert seen == by_outlet
    expect(page.locator("ul.legend li", has_text=independent.outlet_name)).to_be_visible()

    # 3. Brushing across the bars sets from/to to the range dragged over.
    bars = page.locator("svg.split-histogram a.bar")
    first_bar, last_bar = bars.first.bounding_box(), bars.last.bounding_box()
    assert bars.count() >= 2 and first_bar and last_bar
    page.mouse.move(first_bar["x"] + first_bar["width"] / 2, first_bar["y"] + first_bar["height"] - 2)
    page.mouse.down()
    page.mouse.move(last_bar["x"] + last_bar["width"] / 2, last_bar["y"] + last_bar["height"] - 2, steps=8)
    page.mouse.up()
    low, high = min(a.published for a in dated), max(a.published for a in dated)
    page.wait_for_url(lambda url: query_of(url).get("from") == [low.isoformat()] and query_of(url).get("to") == [high.isoformat()])
    expect(page.locator("#results p.count")).to_contain_text(re.compile(rf"of\s+{len(dated)}\s+articles?"))

    # 4. Excluding The Independent: fewer results, a struck-through chip, its facet count kept.
    row = page.locator("#results section.facet[data-facet=outlet] li.facet-row").filter(has_text=independent.outlet_name)
    before = total(page)
    row.locator("a.exclude").click()
    wanted = before - sum(1 for a in dated if a.outlet_name == independent.outlet_name)
    expect(page.locator("#results p.count")).to_contain_text(re.compile(rf"of\s+{wanted}\s+articles?"))
    assert wanted < before
    assert query_of(page.url).get("-outlet") == [independent.outlet_name]
    chip = page.locator("#results a.chip.excluded")
    expect(chip).to_have_count(1)
    expect(chip.locator("s")).to_have_text(f"outlet: {independent.outlet_name}")
    assert "line-through" in chip.locator("s").evaluate("el => getComputedStyle(el).textDecorationLine")
    excluded = page.locator("#results section.facet[data-facet=outlet] a.facet-value.excluded")
    expect(excluded).to_have_count(1)
    expect(excluded.locator(".count")).to_have_text(str(sum(1 for a in dated if a.outlet_name == independent.outlet_name)))
    assert independent.outlet_name not in {s["outlet"] for s in split_segments(page)}
    # the form keeps the exclusion for the next query typed
    assert page.locator("form.search #form-state input[name='-outlet']").get_attribute("value") == independent.outlet_name

    # 5. The chip takes it back.
    chip.click()
    expect(page.locator("#results p.count")).to_contain_text(re.compile(rf"of\s+{before}\s+articles?"))
    expect(page.locator("#results a.chip.excluded")).to_have_count(0)

    assert not errors, f"JavaScript errors on the page: {errors}"
