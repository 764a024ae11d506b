"""Hostile article data in a real browser: every page shows the payloads as text, none runs.

Same set-up as tests/web/test_browser.py: Debian's Chromium (/usr/bin/chromium) through
Playwright against pytest-django's live_server, which runs in a thread of this process, so the
per-test index path of the autouse ``index_path`` fixture applies to it; the corpus is imported
by a ``transactional_db`` fixture so the server thread sees the rows.

The corpus (built in tmp_path: .txt files with a metadata.csv manifest, plus a .jsonl record)
carries script, event-handler, attribute-breaking, template and formula payloads in titles,
bodies, outlet names, author names, URLs and a person named in the text. Two articles share a
long passage that itself carries payloads (and differs by one payload, so the compare page shows
a word diff). Actors: whatever spaCy tags in the payload text (it does tag ``John"><b``), plus an
actor whose name is a full payload and one whose name is a spreadsheet formula, created directly,
linked with ArticleActor and indexed through the outbox and ``run_index_worker --once``.

The browser context bypasses the Content-Security-Policy on purpose: the CSP would stop inline
payloads from running even if a template failed to escape them, and this test is about the
escaping. A page fails if a dialog opens, ``window.__xss`` gets set, an element with an
``injected*`` id (or an iframe/object/embed, an inline script mentioning ``__xss``, an ``on*``
attribute or a ``javascript:`` URL) appears, or a payload is not visible as text.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from search.index.outbox import enqueue
from search.ingest.actors import fold
from search.store.models import Actor, ArticleActor, Article, Outlet, PassageGroup, PassageMember
from tests.conftest import import_into_db
from tests.web.conftest import BROWSER_TESTS, TIMEOUT_MS


pytestmark = BROWSER_TESTS

WORD = "zanzibarite"  # in every article: a query that matches them all

# --- payloads ---------------------------------------------------------------------------------------

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '<svg onload="window.__xss=1">'
BREAK = '"><b id=injected>x</b>'
TEMPLATE = "{{7*7}}"
ALERT_IMG = "<img src=x onerror=alert(document.domain)>"
IFRAME = '<iframe id=injected-iframe srcdoc="<script>parent.__xss=1</script>"></iframe>'
LINK = '<a id=injected-link href="javascript:window.__xss=1">click me</a>'
FORM = '<form id=injected-form action="javascript:window.__xss=1"><button>go</button></form>'
STYLE = "<style id=injected-style>body{display:none}</style>"
CLOSERS = "</textarea></title></q></mark></blockquote><script>window.__xss=1</script>"
SINGLE_BREAK = "'><b id=injected-single>x</b>"

SHARED_TEMPLATE = (
    f"The joint statement {SCRIPT} on the {WORD} inquiry said that investigators had interviewed dozens of witnesses "
    "across three provinces and that the findings would be published in full once the families had "
    "been informed, while officials added that {changed} no date had been set for the hearing, but that the "
    f"report would name every agency involved {BREAK} and recommend changes to the law on detention and "
    "the rules on access for lawyers and doctors."
)
SHARED_A = SHARED_TEMPLATE.replace("{changed}", IMG)
SHARED_B = SHARED_TEMPLATE.replace("{changed}", SVG)

SPACY_PERSON = f'Yesterday Mr John"><b id=injected-person>x</b> Smith told reporters in London that the talks had failed.'


@dataclass(frozen=True)
class Doc:
    file: str
    title: str
    outlet: str
    date: str
    url: str
    authors: str
    paragraphs: tuple[str, ...]


WIRE_A = Doc(
    "wire-a.txt",
    f"{SCRIPT} Wire {IMG} {WORD} report",
    f"{BREAK} Herald",
    "2017-05-01",
    "javascript:window.__xss=1//https://example.com/",
    f"{SVG}; {BREAK.replace('injected', 'injected-author')}",
    (
        SPACY_PERSON,
        f"The {WORD} affair began in the spring, sources said.",
        SHARED_A,
        f"Other text: {IFRAME} and {LINK} and {ALERT_IMG}.",
    ),
)
WIRE_B = Doc(
    "wire-b.txt",
    f'=HYPERLINK("http://evil.example/","click") {WORD} copy',
    f"+Planet {SVG} Daily",
    "2017-05-03",
    "JaVaScRiPt:alert(document.domain)",
    "@SUM(1+1); -2+3",
    (
        f"The {WORD} affair, reported by <b id=injected-b>bold</b> sources, went on on Wednesday {TEMPLATE} ${{7*7}} {{% debug %}}.",
        SHARED_B,
        f"A closing line with {SINGLE_BREAK} in it.",
    ),
)
NOTES = Doc(
    "notes.txt",
    f'{TEMPLATE} {{% now "Y" %}} ${{7*7}} <%= 7*7 %> {WORD} notes',
    f"-Minus {TEMPLATE} Times",
    "",
    "data:text/html,<script>window.__xss=1</script>",
    TEMPLATE,
    (
        f"{CLOSERS} {WORD} {STYLE}",
        f"Submit here: {FORM} or not at all.",
    ),
)
RECORD = {
    "id": "r1",
    "title": f'"><svg id=injected-svg onload=alert(1)> JSON {WORD} record',
    "outlet": "@Outlet <img src=x onerror=alert(2)>",
    "date": "2017-06-01",
    "url": 'https://example.com/?q="><b id=injected-url>x</b>',
    "authors": ["Mallory <script>alert(3)</script>", "Eve'><b id=injected-author2>x</b>"],
    "text": f"A record about the {WORD} case. {IMG} More text follows {BREAK} here.\n\n"
    "A second paragraph <math><mtext><table><mglyph><style><img src=x onerror=alert(4)></style></mglyph></table></mtext></math>.",
}
FULL_ACTOR = f'Jane{BREAK.replace("injected", "injected-actor")}{IMG} Roe'
FORMULA_ACTOR = '=HYPERLINK("http://evil.example/","actor")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PAYLOAD_QUERY = f"{BREAK}{IMG}{SCRIPT}{TEMPLATE}"
MATCHING_PAYLOAD_QUERY = f'{WORD} OR "{SCRIPT}"'


# --- the corpus -----------------------------------------------------------------------------------


def write_corpus(folder: Path) -> None:
    folder.mkdir()
    with (folder / "metadata.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "title", "outlet", "date", "url", "authors"])
        for doc in (WIRE_A, WIRE_B, NOTES):
            writer.writerow([doc.file, doc.title, doc.outlet, doc.date, doc.url, doc.authors])
            (folder / doc.file).write_text("\n\n".join(doc.paragraphs) + "\n", encoding="utf-8")
    (folder / "records.jsonl").write_text(json.dumps(RECORD) + "\n", encoding="utf-8")


@dataclass
class Corpus:
    a: Article
    b: Article
    notes: Article
    record: Article
    full_actor: Actor
    formula_actor: Actor
    spacy_actors: list[Actor]
    groups: list[PassageGroup]

    @property
    def articles(self) -> list[Article]:
        return [self.a, self.b, self.notes, self.record]


@pytest.fixture
def corpus(transactional_db, index_path, tmp_path) -> Corpus:  # type: ignore[no-untyped-def]
    folder = tmp_path / "corpus"
    write_corpus(folder)
    report = import_into_db(folder)
    assert report.imported == 4, report
    by_file = {Path(a.source_file).name: a for a in Article.objects.select_related("outlet")}
    a, b, notes = by_file["wire-a.txt"], by_file["wire-b.txt"], by_file["notes.txt"]
    record = by_file["records.jsonl"]
    # The stored fields are the payloads, unchanged (so the pages must escape them) ...
    assert a.title == WIRE_A.title and a.outlet_name == WIRE_A.outlet
    assert b.title == WIRE_B.title and record.title == RECORD["title"]
    assert a.authors == [SVG, BREAK.replace("injected", "injected-author")]
    # ... except the URLs that are not http(s), which the importer drops.
    assert (a.url, b.url, notes.url) == ("", "", "")
    assert record.url == RECORD["url"]

    # Actors spaCy found in the payload text: names with markup characters in them.
    spacy_actors = [actor for actor in Actor.objects.all() if set(actor.name) & set("<>\"'{}")]
    # And two created directly: a full payload, and a formula ranked first in the CSV's actors cell.
    full = Actor.objects.create(name=FULL_ACTOR, kind="person", key=fold(FULL_ACTOR))
    formula = Actor.objects.create(name=FORMULA_ACTOR, kind="org", key=fold(FORMULA_ACTOR) or "formula")
    ArticleActor.objects.create(article=a, actor=full, mentions=50)
    ArticleActor.objects.create(article=a, actor=formula, mentions=99)
    ArticleActor.objects.create(article=record, actor=full, mentions=1)
    enqueue([a.pk, record.pk])
    call_command("run_index_worker", "--once", stdout=io.StringIO())

    groups = list(PassageGroup.objects.filter(members__article=a).filter(members__article=b).distinct())
    assert groups, "the two wire articles share no passage: the compare page would show no payload"
    assert PassageMember.objects.filter(group__in=groups).count() >= 2
    return Corpus(a, b, notes, record, full, formula, spacy_actors, groups)


# --- the browser ------------------------------------------------------------------------------------


# Everything in the DOM that only an unescaped payload could have put there.
INJECTION_PROBE = """() => {
    const out = [];
    const show = el => el.outerHTML.slice(0, 200);
    for (const el of document.querySelectorAll('[id^="injected"]')) out.push('injected element: ' + show(el));
    for (const el of document.querySelectorAll('iframe, frame, object, embed, base, math, form[action^="javascript"]'))
        out.push('unexpected element: ' + show(el));
    for (const el of document.querySelectorAll('script'))
        if (!el.src && el.textContent.includes('__xss')) out.push('inline script: ' + show(el));
    const urlAttrs = ['href', 'src', 'action', 'formaction', 'srcdoc', 'data', 'xlink:href', 'poster', 'background'];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
            const name = attr.name.toLowerCase();
            const value = attr.value.replace(/[\\u0000-\\u0020]+/g, '').toLowerCase();
            if (name.startsWith('on')) out.push(`event handler ${name}: ` + show(el));
            else if (urlAttrs.includes(name) && /^(javascript|vbscript|data:text\\/html)/.test(value))
                out.push(`script URL in ${name}: ` + show(el));
        }
    }
    return out;
}"""


@dataclass
class Watch:
    """One page's listeners and everything found wrong, page after page."""

    page: object
    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self, where: str, visible: Iterable[str] = ()) -> None:
        page = self.page
        page.wait_for_load_state("load")  # type: ignore[attr-defined]
        page.wait_for_timeout(150)  # type: ignore[attr-defined]  # late onerror/onload handlers
        if self.dialogs:
            self.problems.append(f"{where}: dialog opened: {self.dialogs}")
            self.dialogs.clear()
        if page.evaluate("() => window.__xss") is not None:  # type: ignore[attr-defined]
            self.problems.append(f"{where}: window.__xss was set: a payload ran")
        for found in page.evaluate(INJECTION_PROBE):  # type: ignore[attr-defined]
            self.problems.append(f"{where}: {found}")
        if self.errors:
            self.problems.append(f"{where}: JavaScript errors: {self.errors}")
            self.errors.clear()
        text = page.evaluate("() => document.body.innerText")  # type: ignore[attr-defined]
        for wanted in visible:
            if wanted not in text:
                self.problems.append(f"{where}: payload not shown as text: {wanted!r}")

    def done(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems)

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Report what was found so far even when a step fails (an injected page may break the next step)."""
        self.done()


@pytest.fixture
def watch(new_context) -> Watch:  # type: ignore[no-untyped-def]
    context = new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    state = Watch(page)

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        state.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: state.errors.append(str(exc)))
    return state


def visit(watch: Watch, url: str, where: str, visible: Iterable[str] = ()) -> None:
    response = watch.page.goto(url)  # type: ignore[attr-defined]
    assert response is not None and response.status == 200, f"{where}: GET {url} -> {response and response.status}"
    watch.check(where, visible)


def authors_line(authors: list[str]) -> str:
    return ", ".join(authors)


# --- the tests ---------------------------------------------------------------------------------------


def test_public_pages_show_payloads_as_text(live_server, corpus: Corpus, watch: Watch) -> None:  # type: ignore[no-untyped-def]
    with watch:
        base = live_server.url
        page = watch.page
        a, b, notes, record = corpus.a, corpus.b, corpus.notes, corpus.record
        titles = [x.title for x in corpus.articles]
        outlets = [x.outlet_name for x in corpus.articles]
        actor_names = [corpus.full_actor.name, *(actor.name for actor in corpus.spacy_actors)]

        # The search page: every title, outlet and author line, and the actor facet.
        everything = [*titles, *outlets, authors_line(a.authors), authors_line(record.authors), *actor_names]
        visit(watch, f"{base}/", "search page", everything)
        visit(watch, f"{base}/?{urlencode({'q': WORD})}", f"search for {WORD}", everything)
        visit(watch, f"{base}/?{urlencode({'q': MATCHING_PAYLOAD_QUERY})}", "search matching a payload", [a.title, MATCHING_PAYLOAD_QUERY])
        assert page.locator("#results mark").count(), "the payload query marked nothing"  # type: ignore[attr-defined]
        # A query that is itself a payload: reflected in the title, the box, the count and the links.
        visit(watch, f"{base}/?{urlencode({'q': PAYLOAD_QUERY})}", "payload query", [PAYLOAD_QUERY])
        expect(page.locator("#q")).to_have_value(PAYLOAD_QUERY)  # type: ignore[attr-defined]
        assert page.title().startswith(PAYLOAD_QUERY), page.title()  # type: ignore[attr-defined]
        # Facet filters with payload values: chips and hidden form fields.
        visit(
            watch,
            f"{base}/?{urlencode([('q', WORD), ('outlet', a.outlet_name), ('outlet', PAYLOAD_QUERY), ('actor', corpus.full_actor.pk)])}",
            "payload filters",
            [f"outlet: {a.outlet_name}", f"outlet: {PAYLOAD_QUERY}", f"actor: {corpus.full_actor.name}"],
        )

        # Live search over htmx: the results partial is swapped in, a boosted facet link swaps again,
        # and going back restores htmx's snapshot of the page.
        visit(watch, f"{base}/", "search page before typing")
        page.wait_for_function("() => window.htmx !== undefined")  # type: ignore[attr-defined]
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):  # type: ignore[attr-defined]
            page.locator("#q").fill(MATCHING_PAYLOAD_QUERY)  # type: ignore[attr-defined]
        expect(page.locator("#results p.count")).to_contain_text(MATCHING_PAYLOAD_QUERY)  # type: ignore[attr-defined]
        watch.check("htmx results for a payload query", [a.title, a.outlet_name])
        page.locator("#results a.facet-value", has_text="Herald").first.click()  # type: ignore[attr-defined]
        expect(page.locator("#results .chips")).to_contain_text(a.outlet_name)  # type: ignore[attr-defined]
        watch.check("htmx facet toggle", [f"outlet: {a.outlet_name}", a.title])
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):  # type: ignore[attr-defined]
            page.locator("#q").fill(PAYLOAD_QUERY)  # type: ignore[attr-defined]
        expect(page.locator("#results p.count")).to_contain_text(PAYLOAD_QUERY)  # type: ignore[attr-defined]
        watch.check("htmx results for a payload-only query", [PAYLOAD_QUERY, f"outlet: {a.outlet_name}"])
        page.go_back()  # type: ignore[attr-defined]
        expect(page.locator("#results p.count")).to_contain_text(MATCHING_PAYLOAD_QUERY)  # type: ignore[attr-defined]
        watch.check("back to the payload query (htmx history)", [f"outlet: {a.outlet_name}", a.title])

        # Article pages, plain and with a query (marks inside payload text, the back link).
        for article, doc_paragraphs in (
            (a, WIRE_A.paragraphs),
            (b, WIRE_B.paragraphs),
            (notes, NOTES.paragraphs),
            (record, tuple(RECORD["text"].split("\n\n"))),
        ):
            visible = [article.title, article.outlet_name, *doc_paragraphs]
            if article.authors:
                visible.append(authors_line(article.authors))
            visit(watch, f"{base}/articles/{article.pk}/", f"article {article.source_file}", visible)
            visit(watch, f"{base}/articles/{article.pk}/?{urlencode({'q': MATCHING_PAYLOAD_QUERY})}", f"article {article.source_file} with a query", visible)
            visit(watch, f"{base}/articles/{article.pk}/?{urlencode({'q': PAYLOAD_QUERY})}", f"article {article.source_file} with a payload query", [article.title])
        # The shared passage's provenance links name the other article (title attribute, text).
        visit(watch, f"{base}/articles/{a.pk}/", "article A provenance", [b.outlet_name])
        assert page.locator("aside.provenance").count(), "no shared-passage provenance on article A"  # type: ignore[attr-defined]
        assert page.locator("span.passage").count(), "no shared-passage highlight on article A"  # type: ignore[attr-defined]
        assert page.locator("a.also-in").first.get_attribute("title") == b.title  # type: ignore[attr-defined]
        # The record's http(s) URL is kept: an escaped href, not a way out of the attribute.
        visit(watch, f"{base}/articles/{record.pk}/", "article with a hostile http URL")
        assert page.locator("a", has_text="original").get_attribute("href") == RECORD["url"]  # type: ignore[attr-defined]

        # Compare page: both sides of the shared passage, and the word diff (<del>/<ins>) between them.
        visit(watch, f"{base}/compare/{a.pk}/{b.pk}/", "compare page", [a.title, b.title, a.outlet_name, b.outlet_name, SCRIPT, IMG, BREAK])
        assert page.locator("blockquote.left").count(), "the compare page shows no shared passage"  # type: ignore[attr-defined]
        left = page.locator("blockquote.left").first.inner_text()  # type: ignore[attr-defined]
        assert SCRIPT in left and IMG in left and BREAK in left, left
        diff = page.locator("blockquote.right").first  # type: ignore[attr-defined]
        if diff.locator("del, ins").count():
            assert SVG in diff.inner_text(), diff.inner_text()
        visit(watch, f"{base}/compare/{b.pk}/{a.pk}/", "compare page, reversed", [SCRIPT, SVG, BREAK])

        # The shared-passage list, plain and filtered by a payload query.
        visit(watch, f"{base}/duplicates/", "duplicates page", [SCRIPT, BREAK, a.title, b.title, a.outlet_name])
        visit(watch, f"{base}/duplicates/?{urlencode({'q': PAYLOAD_QUERY})}", "duplicates with a payload query")
        expect(page.locator("#q")).to_have_value(PAYLOAD_QUERY)  # type: ignore[attr-defined]
        visit(watch, f"{base}/duplicates/?{urlencode({'q': WORD, 'outlet': a.outlet_name})}", "duplicates filtered", [SCRIPT])


def test_admin_changelists_show_payloads_as_text(live_server, corpus: Corpus, watch: Watch) -> None:  # type: ignore[no-untyped-def]
    with watch:
        base = live_server.url
        page = watch.page
        get_user_model().objects.create_superuser("curator", "curator@example.com", "xss-test-password-1")
        page.goto(f"{base}/admin/login/?next=/admin/")  # type: ignore[attr-defined]
        page.locator("#id_username").fill("curator")  # type: ignore[attr-defined]
        page.locator("#id_password").fill("xss-test-password-1")  # type: ignore[attr-defined]
        with page.expect_navigation():  # type: ignore[attr-defined]
            page.locator("input[type=submit]").click()  # type: ignore[attr-defined]
        expect(page.locator("#site-name")).to_be_visible()  # type: ignore[attr-defined]
        watch.check("admin index")

        titles = [x.title for x in corpus.articles]
        outlets = list(Outlet.objects.values_list("name", flat=True))
        assert set(outlets) >= {x.outlet_name for x in corpus.articles}
        actors = [corpus.full_actor.name, corpus.formula_actor.name, *(actor.name for actor in corpus.spacy_actors)]

        visit(watch, f"{base}/admin/search/article/", "admin article changelist", [*titles, *(x.outlet_name for x in corpus.articles)])
        visit(watch, f"{base}/admin/search/article/?{urlencode({'q': PAYLOAD_QUERY})}", "admin article search for a payload")
        expect(page.locator("#searchbar")).to_have_value(PAYLOAD_QUERY)  # type: ignore[attr-defined]
        visit(watch, f"{base}/admin/search/article/?{urlencode({'q': 'injected'})}", "admin article search", [corpus.a.title])
        visit(watch, f"{base}/admin/search/outlet/", "admin outlet changelist", outlets)
        visit(watch, f"{base}/admin/search/actor/", "admin actor changelist", actors)
        visit(watch, f"{base}/admin/search/actor/?{urlencode({'q': 'Jane'})}", "admin actor search", [corpus.full_actor.name])
        excerpts = [group.text[:120] for group in corpus.groups]
        assert any(SCRIPT in excerpt for excerpt in excerpts), excerpts
        visit(watch, f"{base}/admin/search/passagegroup/", "admin passage changelist", excerpts)
        # Change forms: the values sit in inputs (escaped attributes and textareas), the paragraphs inline.
        for article in corpus.articles:
            visit(watch, f"{base}/admin/search/article/{article.pk}/change/", f"admin change {article.source_file}", [article.source_file])
            expect(page.locator("#id_title")).to_have_value(article.title)  # type: ignore[attr-defined]
        visit(watch, f"{base}/admin/search/actor/{corpus.full_actor.pk}/change/", "admin change actor")
        expect(page.locator("#id_name")).to_have_value(corpus.full_actor.name)  # type: ignore[attr-defined]
        visit(watch, f"{base}/admin/search/outlet/{corpus.a.outlet_id}/change/", "admin change outlet")
        expect(page.locator("#id_name")).to_have_value(corpus.a.outlet_name)  # type: ignore[attr-defined]

        # The merge action's confirmation page (our own template) lists the outlets by name.
        visit(watch, f"{base}/admin/search/outlet/", "admin outlet changelist again")
        page.locator("#action-toggle").check()  # type: ignore[attr-defined]
        page.locator("select[name=action]").select_option("merge")  # type: ignore[attr-defined]
        with page.expect_navigation():  # type: ignore[attr-defined]
            page.locator("button[name=index]").click()  # type: ignore[attr-defined]
        watch.check("admin merge outlets confirmation", outlets)


def test_csv_export_neutralises_formulas(live_server, corpus: Corpus, watch: Watch) -> None:  # type: ignore[no-untyped-def]
    request = watch.page.context.request  # type: ignore[attr-defined]
    for params in ({}, {"q": WORD}, {"q": MATCHING_PAYLOAD_QUERY, "sort": "date"}):
        response = request.get(f"{live_server.url}/export.csv?{urlencode(params)}")
        assert response.status == 200, params
        text = response.body().decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text[1:])))
        assert {int(row["id"]) for row in rows} == {x.pk for x in corpus.articles}, params

        formula_cells = [(row["id"], column, value) for row in rows for column, value in row.items() if value.startswith(FORMULA_STARTS)]
        assert not formula_cells, f"cells a spreadsheet would run as formulas: {formula_cells}"

        by_id = {int(row["id"]): row for row in rows}
        a, b, notes, record = (by_id[x.pk] for x in corpus.articles)
        # Cells that started with = + - @ got a single quote in front, nothing else changed.
        assert b["title"] == "'" + corpus.b.title
        assert b["outlet"] == "'" + corpus.b.outlet_name
        assert b["authors"] == "'" + "; ".join(corpus.b.authors)
        assert notes["outlet"] == "'" + corpus.notes.outlet_name
        assert record["outlet"] == "'" + corpus.record.outlet_name
        assert a["actors"].startswith("'" + FORMULA_ACTOR + "; "), a["actors"]
        assert FULL_ACTOR in a["actors"].split("; ")
        # Payload text is data in a CSV: kept as it is.
        assert a["title"] == corpus.a.title and a["outlet"] == corpus.a.outlet_name
        assert a["authors"] == "; ".join(corpus.a.authors)
        assert record["url"] == RECORD["url"] and a["url"] == "" and b["url"] == ""
        # "Outlet (date) URL" of the earliest carrier: starts with the outlet name, so neutralised too.
        for row in (a, b):
            source = row["earliest_source"]
            assert source and not source.startswith(FORMULA_STARTS), source
