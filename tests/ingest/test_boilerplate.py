from __future__ import annotations

from search.ingest.boilerplate import is_prompt, remove_reader_prompts
from search.ingest.clean import split_paragraphs
from tests.conftest import CORPUS, SEEDS


def test_independent_prompts_and_appeal_removed_from_seed():
    text = (CORPUS / SEEDS["002"]).read_text()
    kept, removed = remove_reader_prompts(split_paragraphs(text))
    body = "\n".join(kept)
    for phrase in (
        "Your support helps us to tell the story",
        "Your donation allows us",
        "paywalls",
        "Your support makes all the difference",
        "Join our commenting forum",
        "Join thought-provoking conversations",
        "Thank you for registering",
        "Please refresh the page",
        "Stay up to date with notifications",
    ):
        assert phrase not in body
        assert any(phrase in r for r in removed)
    # the news itself stays
    assert any("Lithuania has granted visas to two men" in p for p in kept)
    assert any("Theresa May’s government" in p for p in kept)


def test_news_sentences_are_not_prompts():
    assert not is_prompt("Comments made by the minister were condemned by rights groups.")
    assert not is_prompt("Share prices fell sharply on Monday.")
    assert is_prompt("Comments")
    assert is_prompt("Sign up to our free newsletter")


def test_appeal_block_stops_at_news():
    paragraphs = [
        "Your support helps us to tell the story",
        "Your donation keeps our reporters on the ground.",
        "Chechen authorities must end the persecution of gay men.",
    ]
    kept, removed = remove_reader_prompts(paragraphs)
    assert kept == ["Chechen authorities must end the persecution of gay men."]
    assert len(removed) == 2
