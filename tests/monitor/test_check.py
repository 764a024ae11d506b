""""Who else ran this text?" on the seeds: /check/ and /api/check find the shared passages of a
pasted paragraph, with coverage, both sides of each passage and the earliest outlet."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils.html import escape

from search.query.check import check_text
from search.store.models import PassageMember

pytestmark = pytest.mark.django_db

STATE_DEPARTMENT = "The United States continues to be concerned about the situation in the Republic of Chechnya"


def paragraph_with(article, words: str) -> str:  # type: ignore[no-untyped-def]
    return next(p.text for p in article.paragraphs.all() if words in p.text)


def carriers(words: str) -> set[int]:
    """Articles that the import found carrying the passage containing `words`."""
    groups = {m.group_id for m in PassageMember.objects.select_related("paragraph") if words in m.paragraph.text[m.start : m.end]}
    return set(PassageMember.objects.filter(group_id__in=groups).values_list("article_id", flat=True))


def test_a_pasted_paragraph_finds_every_article_that_carries_it(seeds):
    pasted = paragraph_with(seeds["000"], STATE_DEPARTMENT)
    result = check_text("My own introduction, which no outlet printed.\n\n" + pasted)
    found = {m.article.pk for m in result.matches}
    assert found == carriers(STATE_DEPARTMENT) == {seeds["000"].pk, seeds["001"].pk}
    by_id = {m.article.pk: m for m in result.matches}
    share = len(pasted) / (len(pasted) + len("My own introduction, which no outlet printed."))
    assert by_id[seeds["000"].pk].coverage == pytest.approx(share, abs=0.05)
    passage = by_id[seeds["001"].pk].passages[0]
    assert STATE_DEPARTMENT in passage.pasted and STATE_DEPARTMENT in passage.found
    assert 'class="found"' in result.highlighted[1] and "found" not in result.highlighted[0]
    dated = [m for m in result.matches if m.article.published]
    assert result.earliest.article == (min(dated, key=lambda m: m.article.published).article if dated else min(result.matches, key=lambda m: m.article.pk).article)


def test_a_reworded_quote_is_found_with_a_word_diff(seeds):
    meps = "Chechen authorities must end the persecution of gay men and an investigation must be held as a matter of urgency"
    reworded = "MEPs said: " + meps.replace("an investigation", "an inquiry") + "."
    result = check_text(reworded)
    found = {m.article.pk for m in result.matches}
    assert found and found <= carriers("persecution of gay men and an investigation")
    diffs = [p.diff for m in result.matches for p in m.passages if p.diff]
    assert diffs and all("<del>inquiry</del>" in d and "<ins>investigation</ins>" in d for d in diffs)


def test_nothing_found_and_nothing_stored(seeds):
    before = PassageMember.objects.count()
    result = check_text("A completely unrelated paragraph about gardening in the spring, with tulips and daffodils everywhere.")
    assert result.matches == [] and result.coverage == 0
    assert PassageMember.objects.count() == before


def test_check_page_and_api(client, seeds):
    pasted = paragraph_with(seeds["001"], STATE_DEPARTMENT)
    page = client.post(reverse("search:check"), {"text": pasted})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 articles carry passages" in html and escape(seeds["000"].title) in html and escape(seeds["001"].title) in html
    assert reverse("search:compare", args=[min(seeds["000"].pk, seeds["001"].pk), max(seeds["000"].pk, seeds["001"].pk)]) in html or "compare with the earliest" in html
    api = client.post(reverse("api:api-check"), data={"text": pasted}, content_type="application/json").json()
    assert api["ok"] and {m["id"] for m in api["matches"]} == {seeds["000"].pk, seeds["001"].pk}
    assert all(m["coverage"] > 0.5 for m in api["matches"]) and api["earliest"] in {seeds["000"].pk, seeds["001"].pk}
    upload = io.BytesIO(f"<html><body><article><h1>Press release</h1><p>{pasted}</p></article></body></html>".encode())
    upload.name = "release.html"
    api = client.post(reverse("api:api-check"), {"file": upload}).json()
    assert {m["id"] for m in api["matches"]} == {seeds["000"].pk, seeds["001"].pk}
    bad = io.BytesIO(b"\x00\x01\x02binary")
    bad.name = "x.pdf"
    answer = client.post(reverse("api:api-check"), {"file": bad})
    assert answer.status_code == 400 and "txt or .html" in answer.json()["error"]
    assert client.post(reverse("api:api-check"), data=b"{not json", content_type="application/json").status_code == 400
    assert client.get(reverse("search:check")).status_code == 200


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n  ", "!!! ??? ...", "\x00\x01 nul and controls \ufffd", "word " * 30_000, "é" * 150_000, "<script>alert(1)</script>\n\n" * 50],
)
def test_odd_texts_get_an_answer_never_an_error(client, seeds, text):
    answer = client.post(reverse("api:api-check"), data={"text": text}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["ok"]
    page = client.post(reverse("search:check"), {"text": text})
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.content.decode().split("</textarea>", 1)[-1]
    if len(text) > 100_000:
        assert "Only the first 100,000 characters were checked." in answer.json()["messages"]


def test_a_long_pasted_text_is_cut_at_100000_characters(seeds):
    pasted = paragraph_with(seeds["000"], STATE_DEPARTMENT)
    result = check_text(pasted + "\n\n" + "filler words here and there. " * 5000)
    assert result.messages == ["Only the first 100,000 characters were checked."]
    assert {seeds["000"].pk, seeds["001"].pk} <= {m.article.pk for m in result.matches}


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"--x", "multipart/form-data", "form data could not be read"),  # no boundary
        (b'{"text": "' + b"a" * 3_000_000 + b'"}', "application/json", "send a long text as a .txt file"),
        (b"text=" + b"a" * 3_000_000, "application/x-www-form-urlencoded", "send a long text as a .txt file"),
        ("&".join(f"f{i}=1" for i in range(2000)).encode(), "application/x-www-form-urlencoded", "form data could not be read"),
    ],
)
def test_unreadable_requests_are_a_message_in_the_api_error_shape(client, seeds, body, content_type, message):
    answer = client.post(reverse("api:api-check"), data=body, content_type=content_type)
    assert answer.status_code == 400 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["ok"] is False and message in answer.json()["error"]


def test_a_wire_text_in_many_near_copies_is_found_in_all_of_them_as_by_listing_every_match(tmp_path, monkeypatch, backend):
    """Segments come from their ends (search/duplicates/chains.py): the answer is the one that
    listing every shingle match gives, for a text that 60 articles carry with small changes."""
    import json

    from search.duplicates import detect
    from search.duplicates.align import frontier_matches, segments
    from search.store.importer import Importer
    from tests.duplicates.test_chains import near_copies

    paras = near_copies(60, seed=11)
    bodies: dict[int, list[str]] = defaultdict(list)
    for p in paras[1:]:
        bodies[p.article].append(p.text)
    lines = [json.dumps({"id": a, "title": f"Harbour story {a}", "text": "\n\n".join(texts)}) for a, texts in bodies.items()]
    (tmp_path / "wire.jsonl").write_text("\n".join(lines))
    Importer(actors=False).run([tmp_path / "wire.jsonl"])
    pasted = "An introduction of my own, about something else entirely.\n\n" + paras[0].text
    answer = check_text(pasted)
    monkeypatch.setattr(detect, "frontier_segments", lambda index, rows, done, settings: segments(frontier_matches(index, rows, done, settings), settings))
    listed = check_text(pasted)
    assert shown(answer) == shown(listed)
    assert len(answer.matches) == 60 and 0.7 < answer.coverage < 0.95
    assert any(p.diff for m in answer.matches for p in m.passages)  # reworded copies show a diff


def shown(result):  # type: ignore[no-untyped-def]
    """What the page shows of a check."""
    return (
        [str(h) for h in result.highlighted],
        round(result.coverage, 9),
        [(m.article.pk, round(m.coverage, 9), [(p.pasted_paragraph, p.paragraph_position, p.pasted, p.found, p.diff) for p in m.passages]) for m in result.matches],
    )


def test_a_phrase_repeated_in_both_texts_lists_each_passage_once(tmp_path, backend):
    """A photo gallery: the same caption header before every caption, in the pasted text and in
    the article (reworded a little). Every repeat of the header pairs with every other one (6 x 6
    pairs of one group); the answer lists each passage once."""
    import json

    from search.store.importer import Importer

    header = "Photos: the storm over the harbour in pictures from Tuesday night."
    captions = [
        f"Caption {n}: {what} near the {where}, where crews worked until dawn to clear the road."
        for n, (what, where) in enumerate([("Waves break", "lighthouse"), ("A fallen oak", "school"), ("Boats adrift", "marina"),
                                           ("Flooded cellars", "old town"), ("A torn roof", "station"), ("Sandbags", "bridge")], 1)
    ]
    gallery = " ".join(f"{header} {caption}" for caption in captions)
    carried = gallery.replace("Sandbags", "Sandbags piled up")  # not an exact copy: aligned word by word
    record = {"id": 1, "title": "The storm in pictures", "text": "Our gallery of the night.\n\n" + carried}
    (tmp_path / "gallery.jsonl").write_text(json.dumps(record))
    Importer(actors=False).run([tmp_path / "gallery.jsonl"])
    result = check_text(gallery)
    [match] = result.matches
    listed = [(p.pasted_paragraph, p.paragraph_position, p.pasted, p.found) for p in match.passages]
    assert len(listed) == len(set(listed))
    assert match.coverage == pytest.approx(1.0, abs=0.01) and all(caption in " ".join(p.found for p in match.passages) for caption in captions)
