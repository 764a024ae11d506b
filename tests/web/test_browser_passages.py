"""Shared passages in a real browser: highlights, provenance links, jumping to the passage, compare.

Same set-up as tests/web/test_browser.py: Debian's Chromium (/usr/bin/chromium) through
Playwright against pytest-django's live_server, which runs in a thread of this process, so the
per-test index path of the autouse ``index_path`` fixture applies to it; the five seed articles
are imported by a ``transactional_db`` fixture so the server thread sees the rows.

Article and passage-group ids, titles, spans and the earliest source are read from the database
after the import, never typed in by hand. The seeds share three passages: the State Department
quote (000, 001), the European Parliament sentence (001, 004) and the MEPs' statement (000, and
003, which quotes it inside "MEPs said: “..."); 002 (The Independent) shares nothing.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from search.query.reuse import Reuse, group_reaches
from search.store.models import Article, PassageGroup, PassageMember
from tests.conftest import CORPUS, SEEDS, import_into_db
from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS


pytestmark = BROWSER_TESTS


STATE_DEPARTMENT = "The United States continues to be concerned about the situation in the Republic of Chechnya"
MEPS = "Chechen authorities must end the persecution of gay men and an investigation must be held as a matter of urgency"


# --- what the database says ------------------------------------------------------------------------


@dataclass
class Shared:
    """One passage group as stored: its id, and each member article's span text."""

    group: PassageGroup
    spans: dict[int, str]  # article pk -> the passage's text in that article

    @property
    def pk(self) -> int:
        return self.group.pk

    @property
    def articles(self) -> set[int]:
        return set(self.spans)


def shared_passage(article: Article, containing: str) -> Shared:
    """The (single) visible passage group of ``article`` whose span there contains ``containing``."""
    members = [
        m
        for m in PassageMember.objects.filter(article=article, group__boilerplate=False).select_related("paragraph")
        if containing in m.paragraph.text[m.start : m.end]
    ]
    assert len(members) == 1, f"expected one shared passage containing {containing!r} in {article.source_file}: {members}"
    group = PassageGroup.objects.select_related("earliest__article").get(pk=members[0].group_id)
    spans: dict[int, str] = {}
    for member in PassageMember.objects.filter(group=group).select_related("paragraph").order_by("id"):
        spans.setdefault(member.article_id, member.paragraph.text[member.start : member.end])
    return Shared(group, spans)


@pytest.fixture
def seeds(transactional_db, index_path) -> dict[str, Article]:  # type: ignore[no-untyped-def]
    """The five sample articles, committed so the live server thread sees them, by their number."""
    report = import_into_db(CORPUS)
    assert report.imported == 5, report
    by_file = {Path(a.source_file).name: a for a in Article.objects.select_related("outlet")}
    return {number: by_file[name] for number, name in SEEDS.items()}


# --- reading the page ------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


def provenance_of(page, group_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """The provenance asides right under the paragraph holding passage ``group_id``, as data."""
    return page.locator(f"span.passage[data-group='{group_id}']").evaluate(
        """span => {
            const out = [];
            let node = span.closest('p').nextElementSibling;
            while (node && node.matches('aside.provenance')) {
                out.push({
                    text: node.textContent.replace(/\\s+/g, ' ').trim(),
                    alsoIn: Array.from(node.querySelectorAll('a.also-in')).map(a => ({
                        href: a.getAttribute('href'), title: a.getAttribute('title')})),
                    compare: Array.from(node.querySelectorAll('a.compare')).map(a => a.getAttribute('href')),
                    earliestLinks: Array.from(node.querySelectorAll('a:not(.also-in):not(.compare)')).map(
                        a => a.getAttribute('href')),
                    earliestIsThis: !!node.querySelector('strong'),
                });
                node = node.nextElementSibling;
            }
            return out;
        }"""
    )


def the_aside_for(page, shared: Shared, here: Article) -> dict:  # type: ignore[no-untyped-def]
    """The one aside under the passage's paragraph whose "also in" links point at this group."""
    asides = [
        aside
        for aside in provenance_of(page, shared.pk)
        if any(link["href"].endswith(f"#passage-{shared.pk}") for link in aside["alsoIn"])
    ]
    assert len(asides) == 1, f"no single provenance aside for passage {shared.pk} on article {here.pk}: {asides}"
    return asides[0]


def assert_highlighted(page, shared: Shared, article: Article, containing: str) -> None:  # type: ignore[no-untyped-def]
    span = page.locator(f"span.passage#passage-{shared.pk}")
    expect(span).to_have_count(1)
    expect(span).to_be_visible()
    expect(span).to_have_attribute("data-group", str(shared.pk))
    expect(span).to_contain_text(containing)
    assert words(span.inner_text()) == words(shared.spans[article.pk]), "the highlight is not the stored span"
    # highlighted for real: the stylesheet gives it a background colour
    background = span.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("", "transparent", "rgba(0, 0, 0, 0)"), f"passage span has no highlight: {background}"


def assert_provenance(page, shared: Shared, here: Article, by_pk: dict[int, Article]) -> dict:  # type: ignore[no-untyped-def]
    """The aside names every other article with the passage, links to compare, names the earliest."""
    aside = the_aside_for(page, shared, here)
    others = shared.articles - {here.pk}
    assert others, "the passage is shared with nobody"
    assert sorted(link["href"] for link in aside["alsoIn"]) == sorted(
        f"{reverse('search:article', args=[pk])}#passage-{shared.pk}" for pk in others
    ), aside
    assert {link["title"] for link in aside["alsoIn"]} == {by_pk[pk].title for pk in others}, aside
    assert sorted(aside["compare"]) == sorted(reverse("search:compare", args=[here.pk, pk]) for pk in others), aside
    reuse = {Reuse.ACROSS: "Across outlets. ", Reuse.OWN: "Same outlet’s own text. "}.get(
        group_reaches([shared.pk])[shared.pk].reuse, "Outlets unknown. "
    )
    assert aside["text"].startswith(reuse + ("Also in:" if shared.group.exact else "Also, reworded, in:")), aside["text"]
    earliest = shared.group.earliest.article if shared.group.earliest else None
    assert earliest is not None, "the group has no earliest member"
    if earliest.pk == here.pk:
        assert aside["earliestIsThis"] and "Earliest: this article" in aside["text"], aside
    else:
        assert reverse("search:article", args=[earliest.pk]) in aside["earliestLinks"], aside
        assert "Earliest:" in aside["text"], aside
    return aside


def diff_parts(page, index: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The right-hand blockquote of the ``index``-th compared passage as (kind, text) pieces."""
    return page.locator("blockquote.right").nth(index).evaluate(
        """q => Array.from(q.childNodes).map(n => [
            n.nodeType === Node.TEXT_NODE ? 'equal' : n.tagName.toLowerCase(), n.textContent])"""
    )


# --- the test --------------------------------------------------------------------------------------


def test_shared_passages_highlight_link_to_each_other_and_compare_word_by_word(live_server, seeds, page) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    by_pk = {a.pk: a for a in seeds.values()}
    a000, a001, a002, a003 = seeds["000"], seeds["001"], seeds["002"], seeds["003"]

    # What the detector stored: the scenario needs exactly these sharings.
    state = shared_passage(a001, STATE_DEPARTMENT)
    assert state.articles == {a000.pk, a001.pk}, state.spans
    meps = shared_passage(a000, MEPS)
    assert meps.articles == {a000.pk, a003.pk}, meps.spans
    assert state.pk != meps.pk
    assert not PassageMember.objects.filter(article=a002).exists(), "002 should share nothing"
    # 003 carries the statement inside "MEPs said: “...": the stored texts differ, word by word
    assert words(meps.spans[a000.pk]) != words(meps.spans[a003.pk]), meps.spans

    # 1. Article 001: the State Department quote is highlighted and its aside names 000.
    page.goto(live_server.url + reverse("search:article", args=[a001.pk]))
    expect(page.locator("article.full h1")).to_have_text(a001.title)
    assert_highlighted(page, state, a001, STATE_DEPARTMENT)
    aside = assert_provenance(page, state, a001, by_pk)
    assert [link["title"] for link in aside["alsoIn"]] == [a000.title]

    # 2. Its "also in" link lands on 000, at the same passage, highlighted there too.
    also_in = page.locator(
        f"aside.provenance a.also-in[href='{reverse('search:article', args=[a000.pk])}#passage-{state.pk}']"
    )
    expect(also_in).to_have_count(1)
    expect(also_in).to_be_visible()
    also_in.click()
    page.wait_for_url(f"{live_server.url}{reverse('search:article', args=[a000.pk])}#passage-{state.pk}")
    expect(page.locator("article.full h1")).to_have_text(a000.title)
    assert page.evaluate("() => location.hash") == f"#passage-{state.pk}"
    assert_highlighted(page, state, a000, STATE_DEPARTMENT)
    target = page.locator("span.passage:target")
    expect(target).to_have_count(1)
    expect(target).to_have_attribute("data-group", str(state.pk))
    expect(target).to_be_in_viewport()  # the browser scrolled to the passage
    assert_provenance(page, state, a000, by_pk)

    # 3. On 000, the MEPs' statement is highlighted; its compare link opens 000 against 003.
    assert_highlighted(page, meps, a000, MEPS)
    assert_provenance(page, meps, a000, by_pk)
    compare_href = reverse("search:compare", args=[a000.pk, a003.pk])
    compare = page.locator(f"span.passage#passage-{meps.pk}").locator(
        "xpath=ancestor::p[1]/following-sibling::aside[contains(concat(' ', @class, ' '), ' provenance ')]"
        f"//a[@class='compare' and @href='{compare_href}']"
    )
    expect(compare.first).to_be_visible()
    compare.first.click()
    page.wait_for_url(live_server.url + compare_href)

    headers = page.locator(".compare-grid header h2 a")
    expect(headers).to_have_count(2)
    assert [headers.nth(0).get_attribute("href"), headers.nth(1).get_attribute("href")] == [
        reverse("search:article", args=[a000.pk]),
        reverse("search:article", args=[a003.pk]),
    ]
    expect(headers.nth(0)).to_have_text(a000.title)
    expect(headers.nth(1)).to_have_text(a003.title)

    shared_by_both = set(
        PassageMember.objects.filter(article=a000, group__boilerplate=False).values_list("group_id", flat=True)
    ) & set(PassageMember.objects.filter(article=a003, group__boilerplate=False).values_list("group_id", flat=True))
    assert shared_by_both == {meps.pk}
    lefts, rights = page.locator("blockquote.left"), page.locator("blockquote.right")
    expect(lefts).to_have_count(len(shared_by_both))
    expect(rights).to_have_count(len(shared_by_both))
    expect(lefts.first).to_be_visible()
    expect(rights.first).to_be_visible()
    assert words(lefts.first.inner_text()) == words(meps.spans[a000.pk]), "left: not 000's text"
    expect(lefts.first).to_contain_text(MEPS)
    expect(rights.first).to_contain_text(re.compile(r"authorities must end the persecution"))

    # The right side is a word-level diff: <del> words only on the left, <ins> words only on the right.
    expect(rights.first.locator("ins").first).to_be_visible()
    expect(rights.first.locator("del").first).to_be_visible()
    parts = diff_parts(page, 0)
    assert {kind for kind, _ in parts} <= {"equal", "ins", "del"}, parts
    left_words = [w for kind, text in parts if kind in ("equal", "del") for w in words(text)]
    right_words = [w for kind, text in parts if kind in ("equal", "ins") for w in words(text)]
    assert left_words == words(meps.spans[a000.pk]), f"the diff does not rebuild 000's text: {parts}"
    assert right_words == words(meps.spans[a003.pk]), f"the diff does not rebuild 003's text: {parts}"
    inserted = [w for kind, text in parts if kind == "ins" for w in words(text)]
    deleted = [w for kind, text in parts if kind == "del" for w in words(text)]
    assert inserted and deleted, parts
    # word-level: every changed word is a whole word of its side, not a character run
    assert set(inserted) <= set(words(meps.spans[a003.pk])) and set(deleted) <= set(words(meps.spans[a000.pk]))
    expect(page.locator(".compare-grid p.diff-note")).to_have_count(1)

    # 4. Article 002 (The Independent) shares nothing: no highlight, no provenance.
    page.goto(live_server.url + reverse("search:article", args=[a002.pk]))
    expect(page.locator("article.full h1")).to_have_text(a002.title)
    expect(page.locator("article.full p").first).to_be_visible()
    expect(page.locator("span.passage")).to_have_count(0)
    expect(page.locator("aside.provenance")).to_have_count(0)
    expect(page.locator("a.also-in, a.compare")).to_have_count(0)

    assert not errors, f"JavaScript errors on the page: {errors}"
