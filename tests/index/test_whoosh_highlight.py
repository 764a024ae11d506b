"""The highlighter's spans against a full analysis of the text by the index's analyzer."""

from __future__ import annotations

import json
from functools import cache

import pytest
from whoosh.support.charset import accent_map

from search.index.highlight import Highlighter, fold
from search.index.whoosh.schema import news_analyzer
from tests.conftest import CORPUS, corpus_path

ANALYZER = news_analyzer()


def full_analysis(singles: set[str], phrases: set[tuple[str, ...]], text: str) -> list[tuple[int, int]]:
    """Every paragraph through Whoosh's analyzer, every token compared: slow and plainly right."""
    spans = []
    base = 0
    for paragraph in text.split("\n\n"):
        tokens = [(word, base + start, base + end) for word, start, end in paragraph_tokens(paragraph)]
        spans += [(start, end) for word, start, end in tokens if word in singles]
        for words in phrases:
            for i in range(len(tokens) - len(words) + 1):
                if all(tokens[i + k][0] == words[k] for k in range(len(words))):
                    spans.append((tokens[i][1], tokens[i + len(words) - 1][2]))
        base += len(paragraph) + 2
    return sorted(set(spans))


@cache
def paragraph_tokens(paragraph: str) -> tuple[tuple[str, int, int], ...]:
    """The analyzer's tokens of one paragraph with their offsets, computed once for all the cases."""
    return tuple((t.text, t.startchar, t.endchar) for t in ANALYZER(paragraph, chars=True, mode="index"))


def analysed(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text)]


CASES = [
    ({"trump"}, set()),
    ({"presid", "elect"}, set()),
    ({"us"}, {("white", "hous")}),
    (set(), {("new", "york"), ("suprem", "court")}),
    ({"happi", "famili", "govern"}, {("hi", "number")}),
    ({"kadyrov", "linkevicius", "chechnya"}, {("state", "depart", "spokesperson")}),
    ({"immigr", "immigrant", "immigr"}, set()),
    ({"trump", "elect", "istanbul", "a", "s"}, set()),
    ({"trump"}, {("new", "york")}),
    (set(), {("state", "union"), ("us", "presid"), ("said", "trump"), ("trump", "said")}),
]


def _texts() -> list[str]:
    texts = [path.read_text() for path in sorted(CORPUS.glob("*.txt"))]
    with corpus_path("allsides", "sample2000.jsonl").open() as fh:
        for number, line in enumerate(fh):
            if number >= 300:
                break
            record = json.loads(line)
            texts.append(record["title"] + "\n\n" + (record.get("content_original") or "").replace("\n", "\n\n"))
    texts.append("U.S. and U.S officials; the US. Straße, Linkevičius, naïve café — happy families, ÆTHER.\n\nHis numbers!")
    texts.append("İstanbul's US trump. Trump2020 __trump__ trump_tower A.U.S. u..s TRUMP's; Trumps.\n\ne\u0301lection Élection")
    texts.append("İ" * 3 + " presidents' Presidency, pres.ident; the state departments' spokespersons\n\nNew-York new york")
    return texts


@pytest.mark.corpora
@pytest.mark.parametrize(("singles", "phrases"), CASES)
def test_spans_equal_a_full_analysis(singles, phrases):
    highlight = Highlighter(singles, phrases, ANALYZER)
    found = 0
    for text in _texts():
        expected = full_analysis(singles, phrases, text)
        assert highlight(text) == expected
        found += len(expected)
    assert found > 0


@pytest.mark.corpora
def test_folding_only_runs_outside_ascii_is_folding_every_character():
    texts = _texts()
    assert any(not text.isascii() for text in texts) and any(text.isascii() for text in texts)
    for text in texts:
        assert fold(text) == text.replace(".", "").lower().translate(accent_map)


def test_words_come_out_as_the_index_has_them():
    text = "The U.S. president's families met Linkevičius.\n\nNothing here.\n\nHis numbers rose; his numbers fell."
    highlight = Highlighter(set(analysed("US families Linkevicius")), {tuple(analysed("his numbers"))}, ANALYZER)
    marked = [text[start:end] for start, end in highlight(text)]
    assert marked == ["U.S.", "families", "Linkevičius", "His numbers", "his numbers"]
    assert analysed("U.S. families") == ["us", "famili"] and fold("Linkevičius") == "linkevicius"
    assert analysed("his numbers") == ["hi", "number"]  # the phrase is matched as the index holds it


def test_a_phrase_needs_its_words_in_order_within_a_paragraph():
    highlight = Highlighter(set(), {("new", "york")}, ANALYZER)
    assert highlight("York is new.\n\nNew\n\nYork") == []
    assert highlight("In New York.") == [(3, 11)]


def test_nothing_to_look_for_marks_nothing():
    assert Highlighter(set(), set(), ANALYZER)("Anything at all") == []
