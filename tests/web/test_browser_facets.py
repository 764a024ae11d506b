"""The facet sidebar in a real browser: htmx-boosted toggles, disjunctive counts, chips, history.

Same set-up as tests/web/test_browser.py: Debian's Chromium (/usr/bin/chromium) through
Playwright against pytest-django's live_server, which runs in a thread of this process, so the
per-test index path of the autouse ``index_path`` fixture applies to it; the corpus is imported
by a ``transactional_db`` fixture so the server thread sees the rows.

The corpus is built in tmp_path with a metadata.csv manifest (three outlets with articles about
Chechnya, plus one article that does not mention it). Every expected count is computed from that
corpus and from the actors spaCy actually stored for it, never typed in by hand.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from search.store.models import Actor, ArticleActor, Article
from tests.conftest import import_into_db
from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS


pytestmark = BROWSER_TESTS

QUERY = "chechnya"
OUTLET = "Daily Planet"  # the outlet clicked in step 2
PERSON = "Ramzan Kadyrov"  # the actor clicked in step 3

ROWS = [  # file, outlet, date, title, text
    (
        "planet-1.txt", "Daily Planet", "2017-04-03", "Kadyrov denies the reports",
        "The Chechen leader Ramzan Kadyrov on Monday denied reports that men in Chechnya had been detained. "
        "His spokesman told reporters in Grozny that the claims were false.",
    ),
    (
        "planet-2.txt", "Daily Planet", "2017-04-12", "Kremlin calls for calm",
        "Vladimir Putin said on Wednesday that the Kremlin would look into the reports from Chechnya. "
        "The Russian president spoke to journalists in Moscow after a meeting with his ministers.",
    ),
    (
        "planet-3.txt", "Daily Planet", "2017-05-05", "A meeting in Moscow",
        "Ramzan Kadyrov flew to Moscow on Friday, where he met Vladimir Putin to discuss the situation in Chechnya. "
        "Neither man spoke to the press after the talks.",
    ),
    (
        "gazette-1.txt", "Gotham Gazette", "2017-04-20", "Rights groups speak out",
        "Human Rights Watch said on Thursday that it had gathered testimony from men who fled Chechnya. "
        "The group urged the authorities to open an investigation.",
    ),
    (
        "gazette-2.txt", "Gotham Gazette", "2017-05-11", "Kadyrov answers critics",
        "In a television interview on Thursday, Ramzan Kadyrov dismissed his critics and said that Chechnya "
        "was a peaceful region. He did not answer questions about the detentions.",
    ),
    (
        "mail-1.txt", "Metropolis Mail", "2017-04-25", "Putin asked about Chechnya",
        "At a news conference in Moscow on Tuesday, Vladimir Putin was asked about Chechnya and said that he "
        "had spoken to the prosecutor general. He gave no further details.",
    ),
    (
        "mail-2.txt", "Metropolis Mail", "2017-06-01", "Market report",
        "Shares in Berlin rose on Thursday after the central bank kept interest rates unchanged. "
        "Analysts in Frankfurt expected little change before the summer.",
    ),
]


@dataclass
class Corpus:
    """What the page should show, worked out from the rows above and the stored actors."""

    outlet_of: dict[int, str]  # article pk -> outlet name
    actors_of: dict[int, set[int]]  # article pk -> actor pks
    actor_key: dict[int, tuple[str, str]]  # actor pk -> (name, kind)
    matching: set[int]  # article pks that mention the query

    def hits(self, outlets: Set[str] = frozenset(), actors: Set[int] = frozenset()) -> set[int]:
        """OR within a facet, AND across facets, as the search page filters."""
        return {
            pk
            for pk in self.matching
            if (not outlets or self.outlet_of[pk] in outlets) and (not actors or self.actors_of[pk] & actors)
        }

    def outlet_counts(self, outlets: Set[str] = frozenset(), actors: Set[int] = frozenset()) -> dict[str, int]:
        """Disjunctive: the outlet facet ignores its own selection."""
        return dict(Counter(self.outlet_of[pk] for pk in self.hits(actors=actors)))

    def actor_counts(self, outlets: Set[str] = frozenset(), actors: Set[int] = frozenset()) -> dict[tuple[str, str], int]:
        counts: Counter[tuple[str, str]] = Counter()
        for pk in self.hits(outlets=outlets):
            counts.update(self.actor_key[a] for a in self.actors_of[pk])
        return dict(counts)


@pytest.fixture
def corpus(transactional_db, index_path, tmp_path) -> Corpus:  # type: ignore[no-untyped-def]
    """Seven articles from three outlets, imported through a metadata.csv manifest and committed."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    with (folder / "metadata.csv").open("w", newline="") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(["file", "outlet", "date"])
        for name, outlet, date, title, text in ROWS:
            (folder / name).write_text(f"{title}\n\n{text}\n")
            writer.writerow([name, outlet, date])
    report = import_into_db(folder)
    assert report.imported == len(ROWS), report

    by_title = {a.title: a for a in Article.objects.select_related("outlet")}
    articles = {by_title[title].pk: (outlet, title, text) for _, outlet, _, title, text in ROWS}
    actors_of: dict[int, set[int]] = {pk: set() for pk in articles}
    for link in ArticleActor.objects.all():
        actors_of[link.article_id].add(link.actor_id)
    corpus = Corpus(
        outlet_of={pk: by_title[title].outlet_name for pk, (_, title, _) in articles.items()},
        actors_of=actors_of,
        actor_key={a.pk: (a.name, a.kind) for a in Actor.objects.all()},
        matching={pk for pk, (_, title, text) in articles.items() if QUERY in f"{title} {text}".casefold()},
    )
    assert corpus.outlet_of == {pk: outlet for pk, (outlet, _, _) in articles.items()}, "the manifest was not applied"
    # the scenario needs spaCy to have found the person in more than one outlet
    assert PERSON in {name for name, kind in corpus.actor_key.values() if kind == "person"}, corpus.actor_key
    return corpus


# --- reading the page -----------------------------------------------------------------------------


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def url_is(**wanted: list[str]):  # type: ignore[no-untyped-def]
    """A predicate for page.wait_for_url: the query string holds exactly these parameters."""
    return lambda url: query_of(url) == wanted


def total(page) -> int:  # type: ignore[no-untyped-def]
    text = page.locator("#results p.count").inner_text()
    found = re.search(r"of\s+(\d+)\s+articles?", text)
    return int(found.group(1)) if found else 0


def facet_values(page, facet: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every value of a facet (shown and under "more"): label, kind, count, selected, href."""
    return page.locator(f"#results section.facet[data-facet={facet}] a.facet-value").evaluate_all(
        """links => links.map(a => ({
            label: a.querySelector('.label').textContent.trim(),
            kind: (a.querySelector('.kind') || {textContent: ''}).textContent.trim(),
            count: parseInt(a.querySelector('.count').textContent, 10),
            selected: a.getAttribute('aria-pressed') === 'true' && a.classList.contains('selected'),
            href: a.getAttribute('href'),
        }))"""
    )


def outlet_counts(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {v["label"]: v["count"] for v in facet_values(page, "outlet") if v["count"]}


def actor_counts(page) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {(v["label"], v["kind"]): v["count"] for v in facet_values(page, "actor") if v["count"]}


def selected(page, facet: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [v["label"] for v in facet_values(page, facet) if v["selected"]]


def chips(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [re.sub(r"\s*×\s*$", "", text.strip()) for text in page.locator("#results a.chip").all_inner_texts()]


def form_state(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The hidden inputs the search form submits along with the query box."""
    pairs = page.locator("form.search #form-state input[type=hidden]").evaluate_all(
        "inputs => inputs.map(i => [i.name, i.value])"
    )
    state: dict[str, list[str]] = {}
    for name, value in pairs:
        state.setdefault(name, []).append(value)
    return state


def facet_link(page, facet: str, label: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#results section.facet[data-facet={facet}] a.facet-value").filter(
        has=page.locator("span.label", has_text=re.compile(rf"^{re.escape(label)}$"))
    )


def htmx_results_response(page):  # type: ignore[no-untyped-def]
    """Expect the htmx request that fetches the #results partial."""
    return page.expect_response(
        lambda r: r.request.headers.get("hx-request") == "true" and r.request.headers.get("hx-target") == "results"
    )


def still_same_document(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("() => window.__noReload") == "still-here", "the page reloaded instead of swapping #results"


@dataclass
class State:
    url: dict[str, list[str]]
    total: int
    outlets: dict[str, int]
    actors: dict[tuple[str, str], int]
    selected_outlets: list[str]
    selected_actors: list[str]
    chips: list[str]
    form: dict[str, list[str]]


def state_of(page) -> State:  # type: ignore[no-untyped-def]
    return State(
        url=query_of(page.url),
        total=total(page),
        outlets=outlet_counts(page),
        actors=actor_counts(page),
        selected_outlets=selected(page, "outlet"),
        selected_actors=selected(page, "actor"),
        chips=chips(page),
        form=form_state(page),
    )


def assert_state(page, corpus: Corpus, *, outlets: set[str], actors: set[int]) -> State:  # type: ignore[no-untyped-def]
    """The page shows what the corpus says for this selection, in every place it shows it."""
    # wait for the swap to land: the count line shows this selection's total
    expected_total = len(corpus.hits(outlets, actors))
    expect(page.locator("#results p.count")).to_contain_text(
        re.compile(rf"of\s+{expected_total}\s+articles?\b")
    )
    expect(page.locator("#results a.chip")).to_have_count(len(outlets) + len(actors))
    now = state_of(page)
    expected_url = {"q": [QUERY]}
    if outlets:
        expected_url["outlet"] = sorted(outlets)
    if actors:
        expected_url["actor"] = sorted(str(a) for a in actors)
    assert {k: sorted(v) for k, v in now.url.items()} == expected_url, page.url
    assert now.total == expected_total
    expect(page.locator("#results li.hit")).to_have_count(expected_total)
    assert now.outlets == corpus.outlet_counts(outlets, actors), "outlet facet counts"
    assert now.actors == corpus.actor_counts(outlets, actors), "actor facet counts"
    assert sorted(now.selected_outlets) == sorted(outlets)
    assert sorted(now.selected_actors) == sorted(corpus.actor_key[a][0] for a in actors)
    assert sorted(now.chips) == sorted(
        [f"outlet: {o}" for o in outlets] + [f"actor: {corpus.actor_key[a][0]}" for a in actors]
    )
    # the search form's hidden inputs carry the same filters, so a new query keeps them
    assert {k: sorted(v) for k, v in now.form.items()} == {k: v for k, v in expected_url.items() if k != "q"}, (
        "the search form's hidden filter inputs do not match the URL"
    )
    expect(page.locator("#q")).to_have_value(QUERY)
    return now


# --- the test -------------------------------------------------------------------------------------


def test_facets_toggle_over_htmx_with_disjunctive_counts_chips_and_history(live_server, corpus, page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    kadyrov = Actor.objects.get(name=PERSON, kind="person").pk

    # The corpus must make every step show something different, or the test proves nothing.
    assert len(set(corpus.outlet_of.values())) >= 3
    assert len(corpus.hits()) > len(corpus.hits({OUTLET})) > len(corpus.hits({OUTLET}, {kadyrov})) > 0
    assert corpus.outlet_counts({OUTLET}, {kadyrov}) != corpus.outlet_counts({OUTLET})
    assert len(corpus.hits(actors={kadyrov})) > len(corpus.hits({OUTLET}, {kadyrov}))  # AND, not OR

    # 1. The query alone: counts for every outlet that mentions it.
    page.goto(f"{live_server.url}/?{urlencode({'q': QUERY})}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__noReload = 'still-here'; }")
    step1 = assert_state(page, corpus, outlets=set(), actors=set())
    assert len(step1.outlets) >= 3, step1.outlets
    assert step1.outlets[OUTLET] == len(corpus.hits({OUTLET}))

    # 2. One outlet: an htmx swap, not a page load.
    with htmx_results_response(page):
        facet_link(page, "outlet", OUTLET).click()
    page.wait_for_url(url_is(q=[QUERY], outlet=[OUTLET]))
    step2 = assert_state(page, corpus, outlets={OUTLET}, actors=set())
    still_same_document(page)
    assert step2.total == step1.outlets[OUTLET], "the result count is not the count the outlet showed"
    clicked = facet_link(page, "outlet", OUTLET)
    expect(clicked).to_have_attribute("aria-pressed", "true")
    expect(clicked).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#results a.chip", has_text=f"outlet: {OUTLET}")).to_be_visible()
    # disjunctive: the other outlets keep the counts they had before the click, and stay clickable
    assert step2.outlets == step1.outlets
    for value in facet_values(page, "outlet"):
        if value["label"] != OUTLET:
            assert not value["selected"] and value["count"] == step1.outlets[value["label"]], value
    # within the outlet, the actor facet counts changed
    assert step2.actors != step1.actors

    # 3. One actor as well: AND across facets.
    person = facet_link(page, "actor", PERSON).filter(has=page.locator("span.kind-person"))
    expect(person).to_have_count(1)
    assert int(person.locator(".count").inner_text()) == len(corpus.hits({OUTLET}, {kadyrov}))
    assert query_of(person.get_attribute("href") or "").get("actor") == [str(kadyrov)]
    with htmx_results_response(page):
        person.click()
    page.wait_for_url(url_is(q=[QUERY], outlet=[OUTLET], actor=[str(kadyrov)]))
    step3 = assert_state(page, corpus, outlets={OUTLET}, actors={kadyrov})
    still_same_document(page)
    assert step3.total < step2.total
    assert step3.total < len(corpus.hits(actors={kadyrov}))
    assert step3.outlets != step2.outlets, "the outlet counts did not follow the actor filter"
    expect(page.locator("#results a.chip", has_text=f"actor: {PERSON}")).to_be_visible()

    # 4. Back restores step 2, back again step 1: URL, counts, selection, chips and form state.
    page.go_back()
    page.wait_for_url(url_is(q=[QUERY], outlet=[OUTLET]))
    assert assert_state(page, corpus, outlets={OUTLET}, actors=set()) == step2
    still_same_document(page)

    page.go_back()
    page.wait_for_url(url_is(q=[QUERY]))
    assert assert_state(page, corpus, outlets=set(), actors=set()) == step1
    still_same_document(page)

    # 5. A chip's × removes just its filter. Start from step 3's URL, loaded afresh.
    page.goto(f"{live_server.url}/?{urlencode({'q': QUERY, 'outlet': OUTLET, 'actor': kadyrov})}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__noReload = 'still-here'; }")
    assert assert_state(page, corpus, outlets={OUTLET}, actors={kadyrov}) == step3

    with htmx_results_response(page):
        page.locator("#results a.chip", has_text=f"outlet: {OUTLET}").click()
    page.wait_for_url(url_is(q=[QUERY], actor=[str(kadyrov)]))
    assert_state(page, corpus, outlets=set(), actors={kadyrov})
    still_same_document(page)
    expect(facet_link(page, "outlet", OUTLET)).to_have_attribute("aria-pressed", "false")

    with htmx_results_response(page):
        page.locator("#results a.chip", has_text=f"actor: {PERSON}").click()
    page.wait_for_url(url_is(q=[QUERY]))
    assert assert_state(page, corpus, outlets=set(), actors=set()) == step1
    still_same_document(page)

    assert not errors, f"JavaScript errors on the page: {errors}"
