"""Issue #12: one actor per entity, passages worth showing, outlets behind pseudo-outlets, and
the new rules applied to an existing archive without losing curators' decisions."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from search.duplicates.quality import is_quotation, junk_reason, snap_span
from search.ingest.actors import normalize_name, resolve_in_article
from search.ingest.fields import choose_outlet, is_pseudo_outlet
from search.ingest.records import SourceRecord
from search.ingest.pipeline import clean_record
from search.store.actors import merge_actor
from search.store.models import (
    Actor,
    ActorAlias,
    ActorBlock,
    Article,
    ArticleActor,
    BoilerplatePassage,
    NameAlias,
    OutletAlias,
    PassageGroup,
)
from search.store.passages import mark_boilerplate
from tests.conftest import import_into_db

pytestmark = pytest.mark.django_db


# -- actors: plain functions ------------------------------------------------------------------------


def test_short_form_joins_the_full_name_whatever_its_kind():
    found = resolve_in_article(
        [("Donald Trump", "PERSON"), ("Trump", "ORG"), ("Trump", "ORG"), ("Mr Trump", "PERSON"), ("President Trump", "ORG")]
    )
    assert [(m.name, m.kind, m.count) for m in found] == [("Donald Trump", "person", 5)]


def test_a_place_is_not_a_surname():
    found = resolve_in_article([("George Washington", "PERSON"), ("Washington", "GPE")])
    assert {(m.name, m.kind) for m in found} == {("George Washington", "person"), ("Washington", "place")}


def test_kind_is_the_majority_of_the_mentions():
    found = resolve_in_article([("Exxon", "PERSON"), ("Exxon", "ORG"), ("Exxon", "ORG")])
    assert [(m.name, m.kind, dict(m.votes)) for m in found] == [("Exxon", "org", {"org": 2, "person": 1})]


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Broadcaster Tavis Smiley", "person", ("Tavis Smiley", "person")),
        ("Will Egypt", "place", ("Egypt", "place")),
        ("Like Trump", "person", ("Trump", "person")),
        ("Will Smith", "person", ("Will Smith", "person")),
        ("New York", "place", ("New York", "place")),
        ("Getty Images", "org", None),
        ("AP Photo/Evan Vucci", "org", None),
        ("State", "org", None),
        ("Twitter", "person", ("Twitter", "org")),
        ("Secretary of State Mike Pompeo", "person", ("Mike Pompeo", "person")),
        ("Human Rights Watch", "org", ("Human Rights Watch", "org")),
        ("Trump supporters", "org", ("Trump", "org")),
    ],
)
def test_noise_and_roles_out(text, label, expected):
    assert normalize_name(text, label) == expected


# -- actors: in the database ------------------------------------------------------------------------


def _write(folder, name, title, body):
    (folder / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def test_curated_abbreviations_join_their_expansion(tmp_path):
    assert NameAlias.objects.filter(alias="GOP", name="Republican Party").exists()  # seeded by 0009
    _write(tmp_path, "a.txt", "Party news", "The GOP held a meeting in Ohio on Monday. The Associated Press reported it.")
    _write(tmp_path, "b.txt", "More party news", "The Republican Party met again. AP said the vote was close.")
    import_into_db(tmp_path, passages=False)
    names = set(Actor.objects.values_list("name", flat=True))
    assert {"Republican Party", "Associated Press"} <= names
    assert not names & {"GOP", "AP"}
    assert Actor.objects.get(name="Republican Party").article_links.count() == 2


def test_curator_alias_added_in_the_admin_applies_on_reextraction(tmp_path):
    _write(tmp_path, "a.txt", "Chamber", "Chamber of Commerce officials met Senator Mitch McConnell in Kentucky on Monday.")
    import_into_db(tmp_path, passages=False)
    NameAlias.objects.create(alias="Chamber of Commerce", name="American Chamber of Commerce", kind="org")
    call_command("extract_actors", "--all", verbosity=0)
    assert Actor.objects.filter(name="American Chamber of Commerce").exists()
    assert not Actor.objects.filter(key="chamber of commerce").exists()


def test_surname_joins_the_dominating_full_name(tmp_path):
    for n in range(9):
        _write(tmp_path, f"b{n}.txt", f"Campaign day {n}", f"Bernie Sanders spoke in Iowa on day {n} of the campaign.")
    _write(tmp_path, "s.txt", "Briefing", "Sarah Sanders spoke at the White House briefing in Washington.")
    _write(tmp_path, "x.txt", "Poll", "A new poll shows Sanders ahead in New Hampshire among young voters.")
    import_into_db(tmp_path, passages=False)
    assert not Actor.objects.filter(key="sanders").exists()
    bernie = Actor.objects.get(name="Bernie Sanders")
    assert bernie.article_links.count() == 10  # 9 / (9 + 1) = 90 % of the full-name articles


def test_existing_archive_rechecked_keeping_merges_and_blocklist(tmp_path):
    """extract_actors --all applies the new rules to what is imported; curators' decisions stay."""
    _write(tmp_path, "a.txt", "Visit", "Angela Merkel met Emmanuel Macron in Paris. Merkel said the talks went well. Greenpeace protested.")
    _write(tmp_path, "b.txt", "Talks", "Mrs Merkel and Macron spoke to reporters in Berlin about Greenpeace and the Élysée.")
    import_into_db(tmp_path, passages=False)
    # An old archive: the same name stored as two actors of different kinds, plus curators' work.
    macron = Actor.objects.get(name="Emmanuel Macron")
    stale = Actor.objects.create(name="Merkel", kind="org", key="merkel")
    ArticleActor.objects.create(article=Article.objects.get(title="Talks"), actor=stale, mentions=1, kind="org")
    green = Actor.objects.get(key="greenpeace")
    ActorBlock.objects.create(kind=green.kind, key=green.key, name=green.name)
    green.delete()
    elysee = Actor.objects.create(name="Elysee Palace", kind="org", key="elysee palace")
    merge_actor(elysee, macron, curated=True)  # a curator's (odd but deliberate) merge
    call_command("extract_actors", "--all", verbosity=0)
    merkels = Actor.objects.filter(key__contains="merkel").annotate(n=Count("article_links"))
    assert [(a.name, a.kind, a.n) for a in merkels] == [("Angela Merkel", "person", 2)]
    assert not Actor.objects.filter(key="greenpeace").exists()
    assert ActorAlias.objects.filter(key="elysee palace", actor=macron).exists()


# -- outlets ----------------------------------------------------------------------------------------


def test_pseudo_outlets_are_named_by_the_url_domain():
    assert is_pseudo_outlet("Guest Writer - Left") and is_pseudo_outlet("AllSides") and is_pseudo_outlet("John Gable, AllSides Founder")
    assert not is_pseudo_outlet("CNN (Web News)")
    assert choose_outlet("Guest Writer - Right", "https://www.nationalreview.com/2019/x") == "nationalreview.com"
    assert choose_outlet("", "https://www.cnn.com/x") == "cnn.com"
    assert choose_outlet("Reuters", "https://www.cnn.com/x") == "Reuters"
    record = SourceRecord("/x", 1, "k", "record", "Body.", {"title": "T", "outlet": "Guest Writer - Left", "url": "https://nytimes.com/a"})
    assert clean_record(record).outlet == "nytimes.com"


def test_domain_outlet_learned_from_the_corpus_and_editable(tmp_path):
    rows = [
        {"title": f"Story {n}", "source": "New York Times - News", "url": f"https://www.nytimes.com/{n}", "text": f"Report number {n} on the budget talks in Albany."}
        for n in range(4)
    ]
    rows.append({"title": "Op-ed", "source": "Guest Writer - Left", "url": "https://www.nytimes.com/op", "text": "An opinion on the budget."})
    rows.append({"title": "Other", "source": "Guest Writer - Right", "url": "https://www.example.org/op", "text": "Another opinion."})
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    import_into_db(path, actors=False, passages=False)
    assert Article.objects.get(title="Op-ed").outlet.name == "New York Times - News"
    assert Article.objects.get(title="Other").outlet.name == "example.org"  # nothing in the corpus says more
    assert OutletAlias.objects.get(name="nytimes.com").outlet.name == "New York Times - News"


# -- passages ---------------------------------------------------------------------------------------


def test_span_edges_snap_to_clauses():
    text = "He left. The Internal Revenue Service said on Monday that the new rules would take effect next year for all filers. But critics disagreed."
    start, end = snap_span(text, text.index("left."), text.index("critics") + 3)
    assert text[start:end] == "The Internal Revenue Service said on Monday that the new rules would take effect next year for all filers."
    start, end = snap_span(text, text.index("nal Revenue"), text.index("all filers") + 3)
    assert text[start:end].startswith("Internal Revenue") and text[start:end].endswith("filers.")


@pytest.mark.parametrize(
    "text",
    [
        "In his weekly radio and Internet address, the president said",
        "Justices Ruth Bader Ginsburg and Sonia Sotomayor dissented",
        "said Rep. Adam Schiff of California, the ranking member of the House Intelligence Committee",
        "(Photo by Chip Somodevilla/Getty Images) President Donald Trump speaks in the Rose Garden",
        "is a senior fellow at the Manhattan Institute and a contributing editor of City Journal",
        "Click here to sign up for our newsletter and get the latest headlines every morning",
    ],
)
def test_formulas_captions_bios_and_furniture_are_not_passages(text):
    assert junk_reason(text) is not None


def test_news_sentence_is_a_passage():
    assert junk_reason("The Senate voted 51-49 to approve the bill that would repeal large parts of the health law") is None


def test_short_quotation_counts(tmp_path):
    quote = "I just want to wish my successor all the best"
    assert len(quote) < 50 and is_quotation(f"He said: “{quote},” and left.", 11, 11 + len(quote))
    _write(tmp_path, "a.txt", "Farewell", f"The outgoing mayor spoke on Friday evening. “{quote},” he told the crowd outside city hall.")
    _write(tmp_path, "b.txt", "Goodbye", f"Residents gathered downtown. The mayor said: “{quote}.” Then he walked away quietly.")
    _write(tmp_path, "c.txt", "Not quoted", f"Some people think so: {quote} ever, which is a nice thing to say to anyone.")
    _write(tmp_path, "d.txt", "Not quoted either", f"Nobody doubts it, and {quote} anyway, as one says at such moments.")
    import_into_db(tmp_path, actors=False)
    groups = list(PassageGroup.objects.all())
    assert len(groups) == 1 and quote in groups[0].text
    assert set(groups[0].members.values_list("article__title", flat=True)) == {"Farewell", "Goodbye"}


def test_find_duplicates_rebuild_keeps_curators_boilerplate_marks(seeds):
    group = PassageGroup.objects.filter(text__contains="continues to be concerned").get()
    mark_boilerplate([group])
    call_command("find_duplicates", "--rebuild", verbosity=0)
    again = PassageGroup.objects.get(text_key=group.text_key)
    assert again.boilerplate and not again.learned_boilerplate
    assert BoilerplatePassage.objects.filter(text_key=group.text_key).exists()
    assert PassageGroup.objects.count() == 3  # the seeds' three passages, nothing else
