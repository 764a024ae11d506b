"""Tests of the Django-free shared-passage detector (search/duplicates).

Run without Django: `.venv/bin/python -m pytest tests/duplicates -q -p no:django --noconftest`
(tests/conftest.py imports Django models, hence --noconftest); plain `pytest tests/duplicates`
works too. Nothing here touches a database.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from search.duplicates.detect import Para, PassageGroup, Settings, ShingleIndex, Span, find_groups
from search.duplicates.tokens import tokenize

pytestmark: list[pytest.MarkDecorator] = []

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
CLUSTERS = ROOT.parent / "shared" / "corpora" / "clusters"

STATE_DEPARTMENT = (
    "The United States continues to be concerned about the situation in the Republic of Chechnya, where credible "
    "reports indicate at least 100 men have been detained on the basis of their sexual orientation"
)
REPORT_COMES_AFTER = (
    "The report comes after the European Parliament called on Moscow to conduct an investigation into the "
    "allegations of torture and killing of gay men in Chechnya."
)
MEPS = (
    "Chechen authorities must end the persecution of gay men and an investigation must be held as a matter of urgency"
)


# -- helpers ---------------------------------------------------------------------------------------


def split_seed(path: Path) -> list[str]:
    """Paragraphs of a seed file: line 1 is the title, blank lines separate paragraphs."""
    body = path.read_text(encoding="utf-8").split("\n", 1)[1]
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def seed_paras() -> tuple[list[Para], dict[int, str]]:
    """Article id = the file's number (000 -> 0); paragraph ids unique across files."""
    paras: list[Para] = []
    for path in sorted(CORPUS.glob("[0-9][0-9][0-9]_*.txt")):
        article = int(path.name[:3])
        for text in split_seed(path):
            paras.append(Para(article, len(paras), text))
    return paras, {p.paragraph: p.text for p in paras}


def corpus(*articles: list[str], first_article: int = 1) -> tuple[list[Para], dict[int, str]]:
    """Paragraphs of articles given as lists of paragraph texts; ids count up from 1 / 100."""
    paras = [
        Para(first_article + a, 100 * (first_article + a) + k, text)
        for a, texts in enumerate(articles)
        for k, text in enumerate(texts)
    ]
    return paras, {p.paragraph: p.text for p in paras}


def sliced(span: Span, texts: dict[int, str]) -> str:
    return texts[span.paragraph][span.start : span.end]


def squash(text: str) -> str:
    return " ".join(text.split())


def group_with(groups: list[PassageGroup], *articles: int) -> PassageGroup:
    matching = [g for g in groups if set(articles) <= g.articles]
    assert len(matching) == 1, f"expected one group with articles {articles}, got {matching}"
    return matching[0]


def member_of(group: PassageGroup, article: int) -> tuple[Span, float]:
    found = [(span, sim) for span, sim in group.members if span.article == article]
    assert len(found) == 1
    return found[0]


def canonical(groups: list[PassageGroup]) -> list[tuple[bool, tuple[tuple[Span, float], ...]]]:
    return sorted((g.exact, tuple(g.members)) for g in groups)


def unique_sentence(k: int) -> str:
    """A sentence sharing no five words in a row with any other (k < 1000)."""
    rng = random.Random(k)
    words = ["alpha", "bravo", "cedar", "delta", "ember", "fjord", "grove", "haven", "inlet", "jetty"]
    return " ".join(rng.sample(words, 10)) + f" {k}."


FILLER = [
    "Officials in the capital declined to comment on the negotiations when reached by telephone on Monday.",
    "The ministry published a lengthy statement about agricultural subsidies and rural broadband plans.",
    "Local residents gathered outside the town hall, where a brass band played for most of the afternoon.",
    "Analysts expect the central bank to keep interest rates unchanged until the end of the summer.",
]


# -- the seed articles -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> tuple[list[PassageGroup], dict[int, str]]:
    paras, texts = seed_paras()
    return find_groups(ShingleIndex.build(paras)), texts


def test_seed_state_department_quote_000_001(seeds: tuple[list[PassageGroup], dict[int, str]]) -> None:
    groups, texts = seeds
    group = group_with(groups, 0, 1)
    assert group.articles == {0, 1} and group.exact
    for span, similarity in group.members:
        text = sliced(span, texts)
        assert text.startswith('"' + STATE_DEPARTMENT + '"')  # the opening quote mark is glued on
        assert text == texts[span.paragraph]  # identical whole paragraphs
        assert similarity == 1.0


def test_seed_report_comes_after_001_004(seeds: tuple[list[PassageGroup], dict[int, str]]) -> None:
    groups, texts = seeds
    group = group_with(groups, 1, 4)
    assert group.articles == {1, 4} and group.exact
    span_001, _ = member_of(group, 1)
    assert sliced(span_001, texts) == REPORT_COMES_AFTER
    span_004, _ = member_of(group, 4)
    assert squash(sliced(span_004, texts)) == REPORT_COMES_AFTER  # 004 has no-break spaces
    assert sliced(span_004, texts) != REPORT_COMES_AFTER


def test_seed_meps_statement_inside_longer_paragraphs_000_003(
    seeds: tuple[list[PassageGroup], dict[int, str]],
) -> None:
    groups, texts = seeds
    group = group_with(groups, 0, 3)
    assert group.articles == {0, 3}
    span_000, _ = member_of(group, 0)
    assert sliced(span_000, texts) == MEPS  # ", MEPs said on Thursday." is not part of it
    assert texts[span_000.paragraph].endswith(", MEPs said on Thursday.")
    span_003, _ = member_of(group, 3)
    assert sliced(span_003, texts) == "\u201c" + MEPS + "."
    assert texts[span_003.paragraph][: span_003.start] == "MEPs said: "


def test_seed_no_other_shared_passages(seeds: tuple[list[PassageGroup], dict[int, str]]) -> None:
    """Only the three passages above are shared. (002 and 004 share no paragraph: "Victims of the
    government crackdown..." and "The Russia LGBT Network hopes..." occur in 002 only.)"""
    groups, texts = seeds
    assert sorted(tuple(sorted(g.articles)) for g in groups) == [(0, 1), (0, 3), (1, 4)]
    assert all("Victims of the government" not in sliced(s, texts) for g in groups for s, _ in g.members)


def test_seed_titles_repeated_inside_one_article_are_not_shared() -> None:
    """001 and 003 repeat their title as a paragraph: one article, so no group."""
    paras, texts = seed_paras()
    title_001 = "Gay Chechens Denied US Visas After Attempting To Escape Horrific Abuse"
    paras.append(Para(1, 10_000, title_001))
    groups = find_groups(ShingleIndex.build(paras))
    assert all(title_001 not in sliced(s, {**texts, 10_000: title_001}) for g in groups for s, _ in g.members)


# -- constructed cases -----------------------------------------------------------------------------

QUOTE = "We will not rest until every family displaced by the floods has a safe and permanent home again"


def test_embedded_quote_found_with_exact_spans() -> None:
    a = f'The minister spoke in the flooded valley on Tuesday. "{QUOTE}," she told reporters gathered outside.'
    b = f"Speaking later in parliament, she repeated the pledge: {QUOTE}. Opposition members were not convinced."
    paras, texts = corpus([FILLER[0], a], [b, FILLER[1]])
    groups = find_groups(ShingleIndex.build(paras))
    assert len(groups) == 1
    group = groups[0]
    assert group.exact  # the occurrences are identical after normalisation
    assert sliced(member_of(group, 1)[0], texts) == '"' + QUOTE
    assert sliced(member_of(group, 2)[0], texts) == QUOTE + "."
    assert [sim for _, sim in group.members] == [1.0, 1.0]  # same words, punctuation aside


def test_short_common_phrase_is_not_a_passage() -> None:
    a = "Activists have documented the abduction of gay men in Chechnya since early April this year."
    b = "Human rights groups say the persecution of gay men in Chechnya has spread to other regions."
    paras, _ = corpus([a], [b])
    assert find_groups(ShingleIndex.build(paras)) == []


def test_minimum_length_needs_both_eight_words_and_fifty_characters() -> None:
    eight_long = "the international monitoring commission published its preliminary findings"  # 8 words
    seven_long = "the international monitoring commission published preliminary findings"  # 7 words
    eight_short = "he said it was not a big deal at all"  # 10 words, 36 characters
    found = []
    for shared in (eight_long, seven_long, eight_short):
        paras, _ = corpus([f"On Monday {shared} after months of delay."], [f"Critics noted that {shared}, too late."])
        found.append(len(find_groups(ShingleIndex.build(paras))))
    assert found == [1, 0, 0]


def test_reworded_sentence_stays_one_passage() -> None:
    original = (
        "The committee will meet again next week to review the evidence and decide whether the inquiry "
        "should be extended into the autumn."
    )
    reworded = (
        "MEPs said: The committee will meet again next Tuesday to review all the evidence and decide whether "
        "the inquiry should be extended into the autumn."
    )
    paras, texts = corpus([original], [reworded])
    groups = find_groups(ShingleIndex.build(paras))
    assert len(groups) == 1 and not groups[0].exact
    (span_a, sim_a), (span_b, sim_b) = groups[0].members
    assert sliced(span_a, texts) == original
    assert sliced(span_b, texts) == reworded[len("MEPs said: ") :]
    assert sim_a == 1.0 and 0.85 < sim_b < 1.0


def test_exact_paragraphs_equal_after_normalisation() -> None:
    text = "Prices rose by 3.2 percent in March, the statistics office said, the fastest pace in a decade."
    variant = "PRICES rose by 3.2 percent in March -- the statistics office said -- the fastest pace in a decade"
    paras, texts = corpus([text, FILLER[0]], [FILLER[1], variant])
    groups = find_groups(ShingleIndex.build(paras))
    assert len(groups) == 1 and groups[0].exact
    assert [sliced(s, texts) for s, _ in groups[0].members] == [text, variant]
    assert [sim for _, sim in groups[0].members] == [1.0, 1.0]


def test_shingles_in_too_many_articles_are_ignored() -> None:
    boiler = "Sign up for our daily newsletter to receive the top stories of the day in your inbox every morning."
    articles = [[unique_sentence(k), boiler + f" Edition {k}."] for k in range(6)]
    paras, _ = corpus(*articles)
    index = ShingleIndex.build(paras)
    assert find_groups(index, settings=Settings(max_articles=5)) == []
    groups = find_groups(index, settings=Settings(max_articles=6))
    assert len(groups) == 1 and len(groups[0].articles) == 6


def test_whole_paragraph_in_too_many_articles_is_boilerplate() -> None:
    boiler = "This article was produced with the support of our readers. Please consider a donation today."
    paras, _ = corpus(*[[boiler, unique_sentence(k)] for k in range(4)])
    index = ShingleIndex.build(paras)
    assert find_groups(index, settings=Settings(max_articles=3)) == []
    assert find_groups(index, settings=Settings(max_articles=4))[0].exact


def test_repeats_inside_one_article_make_no_pair() -> None:
    repeated = "The governor declared a state of emergency across the northern counties late on Sunday night."
    paras, _ = corpus([repeated, FILLER[0], repeated + " Schools will stay closed."], [FILLER[1], FILLER[2]])
    assert find_groups(ShingleIndex.build(paras)) == []


def test_overlapping_passages_form_one_group() -> None:
    """A~B and B~C on the same text: one group of three, even though each pair differs a little."""
    core = "the central bank raised its benchmark interest rate by half a percentage point on Thursday"
    a = f"In a surprise move, {core}, citing stubborn inflation."
    b = f"Markets fell after {core}, the largest increase since 2000."
    c = f"Officials confirmed that {core}, as had been widely expected by economists."
    paras, texts = corpus([a], [b], [c])
    groups = find_groups(ShingleIndex.build(paras))
    assert len(groups) == 1 and groups[0].articles == {1, 2, 3}
    assert all(squash(sliced(s, texts)).startswith(core) for s, _ in groups[0].members)


def test_touching_passages_do_not_chain() -> None:
    """B shares one sentence with A and the next with C: A and C share nothing, two groups."""
    s1 = "The mayor announced a new plan to rebuild the harbour wall before the winter storms arrive."
    s2 = "Funding for the project will come from a special levy on cruise ship passengers next year."
    paras, _ = corpus([f"{s1} {FILLER[0]}"], [f"{s1} {s2}"], [f"{FILLER[1]} {s2}"])
    groups = find_groups(ShingleIndex.build(paras))
    assert sorted(tuple(sorted(g.articles)) for g in groups) == [(1, 2), (2, 3)]


def test_spans_are_character_exact_around_unicode() -> None:
    """Ligatures, combining marks and emoji before the passage must not shift the offsets."""
    shared = "the ﬁnal report on the Straße collapse was handed to prosecutors in Linkevic\u030cius's office"
    a = f"😀 Café owners (ﬁve of them) said: {shared}."
    b = "Update: the final report on the STRASSE collapse was handed to prosecutors in Linkevičius’s office!"
    paras, texts = corpus([a], [b])
    groups = find_groups(ShingleIndex.build(paras))
    assert len(groups) == 1
    assert sliced(member_of(groups[0], 1)[0], texts) == shared + "."
    assert sliced(member_of(groups[0], 2)[0], texts) == b[len("Update: ") :]
    assert [sim for _, sim in groups[0].members] == [1.0, 1.0]


def test_normalised_words_ignore_case_quotes_and_punctuation() -> None:
    one, two = tokenize(["“Don’t exist,” they said."]), tokenize(['"don\'t exist" They said'])
    assert one.word_hash.tolist() == two.word_hash.tolist()
    assert len(one.word_hash) == 4


# -- incremental use -------------------------------------------------------------------------------


def test_incremental_add_matches_full_rebuild_on_seeds() -> None:
    paras, _ = seed_paras()
    for new_article in range(5):
        old = [p for p in paras if p.article != new_article]
        new = [p for p in paras if p.article == new_article]
        index = ShingleIndex.build(old)
        index.add(new)
        incremental = find_groups(index, {new_article})
        full = [g for g in find_groups(ShingleIndex.build(paras)) if new_article in g.articles]
        assert canonical(incremental) == canonical(full)
    assert find_groups(index, {1}) and find_groups(index, {2}) == []


def test_incremental_walk_reaches_groups_beyond_direct_partners() -> None:
    """New N quotes A; A's passage is also in B, via a longer overlap N does not share: the group
    must contain B exactly as in a full pass."""
    long_a = (
        "Rescue teams reached the village after a six hour climb, and the regional governor said that every "
        "missing hiker had now been found alive and well."
    )
    b = "Reports on Sunday: rescue teams reached the village after a six hour climb, local radio said."
    n = "The regional governor said that every missing hiker had now been found alive and well, officials added."
    base, _ = corpus([long_a, FILLER[0]], [FILLER[1], b], [FILLER[2]])
    new = [Para(9, 900, n)]
    index = ShingleIndex.build(base)
    index.add(new)
    incremental = find_groups(index, {9})
    full = [g for g in find_groups(ShingleIndex.build(base + new)) if 9 in g.articles]
    assert canonical(incremental) == canonical(full)
    assert [g.articles for g in incremental] == [{1, 9}]


def test_save_load_round_trip(tmp_path: Path) -> None:
    paras, _ = seed_paras()
    index = ShingleIndex.build([p for p in paras if p.article != 3])
    path = tmp_path / "shingles"
    index.save(path)
    loaded = ShingleIndex.load(path)
    assert canonical(find_groups(loaded)) == canonical(find_groups(index))
    new = [p for p in paras if p.article == 3]
    loaded.add(new)
    assert [g.articles for g in find_groups(loaded, {3})] == [{0, 3}]


def test_adding_known_paragraph_ids_is_rejected() -> None:
    paras, _ = seed_paras()
    index = ShingleIndex.build(paras)
    with pytest.raises(ValueError):
        index.add([Para(99, paras[0].paragraph, "Some text that is new.")])


def test_empty_index_and_empty_paragraphs() -> None:
    assert find_groups(ShingleIndex.build([])) == []
    paras, _ = corpus(["", "  ", "..."], ["", "—"])
    index = ShingleIndex.build(paras)
    assert find_groups(index) == [] and find_groups(index, {1}) == []


def test_index_grows_its_word_field_without_losing_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The packed shingle array widens its word-index field as the corpus grows (re-packing);
    starting from a tiny field, adding articles one by one must find what a fresh build finds."""
    paras, _ = seed_paras()
    reference = canonical(find_groups(ShingleIndex.build(paras)))
    monkeypatch.setattr("search.duplicates.index._MIN_INDEX_BITS", 4)
    index = ShingleIndex.build([p for p in paras if p.article == 0])
    widths = [index.index_bits]
    for article in range(1, 5):
        index.add([p for p in paras if p.article == article])
        widths.append(index.index_bits)
    assert widths[0] < widths[-1]
    assert canonical(find_groups(index)) == reference


def test_parallel_build_equals_serial_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked tokenising workers and streamed batches give the very same index."""
    monkeypatch.setattr("search.duplicates.index._BATCH_PARAS", 7)  # several batches
    paras, _ = seed_paras()
    serial = ShingleIndex.build(iter(paras))
    parallel = ShingleIndex.build(paras, workers=2)
    for name in ShingleIndex._ARRAYS:
        assert (getattr(serial, name) == getattr(parallel, name)).all(), name
    assert canonical(find_groups(parallel)) == canonical(find_groups(serial))


# -- real clusters (skipped when ../shared/corpora is absent) --------------------------------------


@pytest.mark.corpora
@pytest.mark.skipif(not CLUSTERS.is_dir(), reason="shared corpora not available")
def test_incremental_matches_full_pass_on_real_clusters() -> None:
    paras: list[Para] = []
    files = sorted(CLUSTERS.glob("allsides_overlap__*/*.txt"))[:60] + sorted(CLUSTERS.glob("ecbplus__t2*/*.txt"))
    for article, path in enumerate(files):
        lines = path.read_text(encoding="utf-8").split("\n", 1)[1]
        parts = lines.split("\n\n") if "\n\n" in lines.strip("\n") else lines.split("\n")
        for text in (p.strip() for p in parts):
            if text:
                paras.append(Para(article, len(paras), text))
    full = find_groups(ShingleIndex.build(paras))
    assert len(full) > 20
    new = set(random.Random(1).sample(sorted({p.article for p in paras}), 10))
    index = ShingleIndex.build([p for p in paras if p.article not in new])
    index.add([p for p in paras if p.article in new])
    assert canonical(find_groups(index, new)) == canonical([g for g in full if g.articles & new])
