"""The quality rules on real detector output (search/duplicates/quality.py), without Django."""

from __future__ import annotations

from search.duplicates.detect import Para, Settings, ShingleIndex, find_groups
from search.duplicates.quality import quote_checker, refine

STOCK = "the investigation into Russian meddling in the 2016 election"
SENTENCE = (
    "Prosecutors said on Tuesday that the investigation into Russian meddling in the 2016 election "
    "had produced more than thirty indictments and several guilty pleas."
)


def _groups(*articles: str) -> list[tuple[set[int], str]]:
    paras = [Para(n, n, text) for n, text in enumerate(articles)]
    texts = {p.paragraph: p.text for p in paras}
    found, _ = refine(find_groups(ShingleIndex.build(paras), settings=Settings(is_quote=quote_checker(texts))), texts)
    return [({span.article for span, _ in g.members}, texts[g.members[0][0].paragraph][g.members[0][0].start : g.members[0][0].end]) for g in found]


def test_stock_phrase_is_dropped_but_the_sentence_around_it_is_kept() -> None:
    groups = _groups(
        f"Critics keep talking about {STOCK} on cable news.",
        f"Nobody remembers {STOCK} any more, one pollster said.",
        f"Officials in Ohio. {SENTENCE} The court will meet again.",
        f"In other news. {SENTENCE} More later.",
    )
    assert groups == [({2, 3}, SENTENCE)]


def test_the_most_common_wording_represents_the_group() -> None:
    """The detector's representative is the member in the lowest article id (here the longer
    paragraph); the group shows the wording most members share."""
    longer = SENTENCE + " The special counsel declined to comment on the timing of further charges."
    assert _groups(longer, SENTENCE, SENTENCE) == [({0, 1, 2}, SENTENCE)]
