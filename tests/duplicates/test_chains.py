"""Segments found from their first and last matches (search/duplicates/chains.py) are exactly the
segments of every listed match, on the case they exist for: one text in many near-copies."""

from __future__ import annotations

import random

import numpy as np
import pytest

from search.duplicates import chains
from search.duplicates.align import frontier_matches, segments
from search.duplicates.chains import frontier_segments
from search.duplicates.detect import Para, Settings, ShingleIndex, find_groups
from tests.duplicates.test_detect import CLUSTERS, canonical

WIRE = (
    "The harbour authority said on Tuesday that the northern pier would stay closed for at least three weeks "
    "while divers inspect the foundations, after a cargo ship struck it during the storm on Sunday night. "
    "Ferries to the islands will leave from the southern terminal instead, and the authority asked travellers "
    "to allow an extra hour for the journey. A spokeswoman said nobody was hurt and that the ship's crew "
    "had been cooperating fully with the investigation, which is expected to report before the end of the month."
).split()
OWN = "Readers in the valley wrote to us about the weather and the price of bread this week at the market".split()


def near_copies(n: int, seed: int = 7) -> list[Para]:
    """Article 0 is the wire text as sent; articles 1..n reword, cut, extend and repeat it."""
    rng = random.Random(seed)
    paras = [Para(0, 0, " ".join(WIRE))]
    for article in range(1, n + 1):
        words = list(WIRE)
        for _ in range(rng.randint(0, 3)):  # a changed word here and there
            words[rng.randrange(len(words))] = rng.choice(["officials", "reportedly", "Monday", "port", "ferry"])
        if rng.random() < 0.3:  # an insertion ("officials said")
            at = rng.randrange(len(words))
            words[at:at] = ["officials", "said"]
        if rng.random() < 0.3:  # only a part of it
            start = rng.randrange(len(words) // 2)
            words = words[start : start + rng.randint(20, len(words))]
        lead = rng.sample(OWN, 8)
        texts = [" ".join(lead + words)] if rng.random() < 0.5 else [" ".join(lead), " ".join(words)]
        if rng.random() < 0.2:  # the same text twice in one article
            texts.append(" ".join(words[: len(words) // 2]))
        paras += [Para(article, 100 * article + k, t) for k, t in enumerate(texts)]
    return paras


def as_tuple(segs):  # type: ignore[no-untyped-def]
    return None if segs is None else tuple(tuple(getattr(segs, f).tolist()) for f in segs.__dataclass_fields__)


def assert_same_segments(index: ShingleIndex, rows: np.ndarray, done: np.ndarray, settings: Settings) -> None:
    listed = segments(frontier_matches(index, rows, done, settings), settings)
    assert as_tuple(frontier_segments(index, rows, done, settings)) == as_tuple(listed)


@pytest.mark.parametrize("small", [True, False], ids=["small index paths", "large index paths"])
def test_segments_of_many_near_copies_equal_the_listed_matches(small: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chains, "_TABLE_WORDS_PER_ENTRY", 32 if small else 0)  # word table or sorted words
    monkeypatch.setattr(chains, "_MAX_PAIR_CODE_BITS", 30 if small else 0)  # pair codes or their ranks
    index = ShingleIndex.build(near_copies(80))
    settings = Settings(max_articles=100)
    n = len(index)
    rng = np.random.default_rng(3)
    assert_same_segments(index, np.array([0]), np.zeros(n, dtype=bool), settings)  # the pasted row
    done = np.zeros(n, dtype=bool)
    done[0] = True
    assert_same_segments(index, np.arange(1, n), done, settings)  # then every copy at once
    for _ in range(5):  # and frontiers of some rows with others done
        state = rng.integers(0, 3, n)
        assert_same_segments(index, np.flatnonzero(state == 0), state == 1, settings)
    segs = frontier_segments(index, np.arange(n), np.zeros(n, dtype=bool), settings)
    assert segs is not None and len(segs.pid) > 1000


def test_incremental_groups_of_near_copies_equal_a_full_pass() -> None:
    paras = near_copies(80)
    settings = Settings(max_articles=100)
    index = ShingleIndex.build(paras[1:])
    index.add(paras[:1])
    incremental = find_groups(index, {0}, settings)
    full = [g for g in find_groups(ShingleIndex.build(paras), None, settings) if 0 in g.articles]
    assert canonical(incremental) == canonical(full)
    assert len(set().union(*(g.articles for g in incremental))) == 81


@pytest.mark.corpora
@pytest.mark.skipif(not CLUSTERS.is_dir(), reason="shared corpora not available")
def test_segments_equal_the_listed_matches_on_real_clusters() -> None:
    paras: list[Para] = []
    for article, path in enumerate(sorted(CLUSTERS.glob("allsides_overlap__*/*.txt"))[:80]):
        body = path.read_text(encoding="utf-8").split("\n", 1)[1]
        for text in (p.strip() for p in body.split("\n\n" if "\n\n" in body.strip("\n") else "\n")):
            if text:
                paras.append(Para(article, len(paras), text))
    index = ShingleIndex.build(paras)
    settings = Settings()
    rng = np.random.default_rng(5)
    for _ in range(5):
        state = rng.integers(0, 3, len(index))
        assert_same_segments(index, np.flatnonzero(state == 0), state == 1, settings)
