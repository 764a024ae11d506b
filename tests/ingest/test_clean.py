from __future__ import annotations

from search.ingest.clean import drop_repeats, match_key, normalize_text, paragraph_hash, split_paragraphs


def test_normalize_text_nfc_and_spaces():
    decomposed = "Linkevic\u030cius\u00a0told"  # c + combining caron, non-breaking space
    assert normalize_text(decomposed) == "Linkevičius told"


def test_split_paragraphs_blank_lines():
    assert split_paragraphs("One.\n\nTwo.\n\n\n\nThree.") == ["One.", "Two.", "Three."]


def test_split_paragraphs_one_sentence_per_line_keeps_sentences_apart():
    text = "Lohan has checked into the Betty Ford Center to begin a 90-day stay.\nShe was there before, from September 2010 to January 2011.\nHer latest stay comes after a crash."
    assert len(split_paragraphs(text)) == 3


def test_split_paragraphs_rejoins_hard_wrapped_prose():
    text = (
        "The European Parliament has called for an immediate and independent\n"
        "investigation into the persecution of gay men in Chechnya, MEPs said on\n"
        "Thursday.\n\nSecond paragraph."
    )
    paragraphs = split_paragraphs(text)
    assert paragraphs[0].startswith("The European Parliament") and paragraphs[0].endswith("Thursday.")
    assert len(paragraphs) == 2


def test_split_paragraphs_short_lines_stand_alone():
    assert split_paragraphs("Greg Wilford\nSaturday 20 May 2017 17:34 BST\nComments") == [
        "Greg Wilford",
        "Saturday 20 May 2017 17:34 BST",
        "Comments",
    ]


def test_match_key_ignores_case_quotes_and_punctuation():
    assert match_key("“Don’t exist,” they said.") == match_key('"don\'t exist" They said')
    assert paragraph_hash("A, b.") == paragraph_hash("a b")


def test_drop_repeats_keeps_first_and_drops_headline_repeat():
    title = "European Parliament calls for ‘urgent investigation’"
    paragraphs = ["European Parliament calls for 'urgent investigation'", "Body one.", "Body two.", "Body one."]
    assert drop_repeats(paragraphs, title) == ["Body one.", "Body two."]


def test_drop_repeats_drops_caption_printed_twice():
    assert drop_repeats(["Russian LGBT protesters", "Russian LGBT protesters (PA)", "Text."]) == [
        "Russian LGBT protesters (PA)",
        "Text.",
    ]
