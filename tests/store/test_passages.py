"""Shared passages stored for the seeds, kept in step with imports and curators' marks."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import call_command
from django.http import QueryDict

from search.query.params import SearchParams
from search.query.passages import compare, passage_counts, word_diff
from search.query.results import run_search
from search.store.models import ArticleCopy, BoilerplatePassage, PassageGroup, PassageMember
from search.store.passages import mark_boilerplate
from tests.conftest import BOTH_ENGINES, CORPUS, SEEDS, import_into_db

pytestmark = pytest.mark.django_db

QUOTE = "The United States continues to be concerned about the situation in the Republic of Chechnya"
REPORT = "The report comes after the European Parliament called on Moscow"
MEPS = "Chechen authorities must end the persecution of gay men and an investigation must be held as a matter of urgency"


def group_with(text: str) -> PassageGroup:
    (group,) = [g for g in PassageGroup.objects.all() if text in " ".join(g.text.split())]
    return group


def numbers(seeds, group: PassageGroup) -> set[str]:
    ids = set(group.members.values_list("article_id", flat=True))
    return {n for n, a in seeds.items() if a.pk in ids}


def test_seed_passages_with_their_articles(seeds):
    assert PassageGroup.objects.count() == 3
    assert numbers(seeds, group_with(QUOTE)) == {"000", "001"}
    assert numbers(seeds, group_with(REPORT)) == {"001", "004"}
    assert numbers(seeds, group_with(MEPS)) == {"000", "003"}


def test_member_offsets_slice_the_paragraph_text(seeds):
    for member in PassageMember.objects.select_related("paragraph"):
        piece = " ".join(member.paragraph.text[member.start : member.end].split())
        assert any(text in piece for text in (QUOTE, REPORT, MEPS)), piece
    meps_in_003 = PassageMember.objects.get(group=group_with(MEPS), article=seeds["003"])
    before = meps_in_003.paragraph.text[: meps_in_003.start]
    assert before.startswith("MEPs said:")  # the reworded copy: the prefix is not part of the passage


def test_earliest_member_is_the_presumed_source(seeds):
    # 004 is dated 18 May 2017, 001 is undated: the dated one comes first
    assert group_with(REPORT).earliest.article_id == seeds["004"].pk
    # both undated: import order decides
    assert group_with(QUOTE).earliest.article_id == min(seeds["000"].pk, seeds["001"].pk)


def test_boilerplate_never_grouped(seeds):
    texts = " ".join(PassageGroup.objects.values_list("text", flat=True))
    for prompt in ("Your support", "commenting forum", "registering", "Notifications"):
        assert prompt not in texts


def test_reimporting_the_seeds_changes_no_group(seeds):
    before = sorted(PassageMember.objects.values_list("article_id", "paragraph_id", "start", "end"))
    import_into_db(CORPUS)
    assert sorted(PassageMember.objects.values_list("article_id", "paragraph_id", "start", "end")) == before


def test_incremental_import_matches_a_full_rebuild(tmp_path, backend):
    folder = tmp_path / "c"
    folder.mkdir()
    for number in ("000", "002", "003"):
        shutil.copy(CORPUS / SEEDS[number], folder)
    import_into_db(folder)
    for number in ("001", "004"):
        shutil.copy(CORPUS / SEEDS[number], folder)
    import_into_db(folder)  # only 001 and 004 are new: compared against the saved shingles
    incremental = sorted(PassageMember.objects.values_list("article_id", "paragraph_id", "start", "end"))
    call_command("find_duplicates", "--rebuild")
    assert sorted(PassageMember.objects.values_list("article_id", "paragraph_id", "start", "end")) == incremental
    assert PassageGroup.objects.count() == 3


def test_curator_boilerplate_mark_survives_reimport(tmp_path, backend):
    folder = tmp_path / "c"
    shutil.copytree(CORPUS, folder)
    import_into_db(folder)
    mark_boilerplate([group_with(QUOTE)])
    assert BoilerplatePassage.objects.count() == 1
    changed = folder / SEEDS["001"]
    changed.write_text(changed.read_text() + "\n\nA closing line added later.\n")
    report = import_into_db(folder)  # a changed article: every group is recomputed
    assert report.updated == 1
    assert group_with(QUOTE).boilerplate
    first = PassageMember.objects.filter(group=group_with(MEPS)).order_by("article_id").first().article_id
    assert passage_counts([first])[first][0] == 1  # the quote no longer counts, only the MEPs' statement


def test_word_diff_of_the_reworded_statement(seeds):
    aligned = compare(seeds["000"], seeds["003"])
    assert len(aligned) == 1
    assert MEPS in " ".join(aligned[0].left.split())
    html = str(word_diff("Chechen authorities must end it now.", "MEPs said: Chechen authorities must end it."))
    assert html == "<ins>MEPs said:</ins> Chechen authorities must end <del>it now.</del> <ins>it.</ins>"


def test_search_rows_say_what_they_share(seeds, client):
    page = run_search(SearchParams.from_query(QueryDict("q=State+Department")))
    row = next(r for r in page.rows if r.article.pk == seeds["000"].pk)
    assert (row.sharing.passages, row.sharing.articles) == (2, 2)  # the quote (001) and the MEPs (003)
    html = client.get("/", {"q": "State Department"}).content.decode()
    assert "2 passages shared with 2 other articles" in html


@BOTH_ENGINES
def test_collapse_hides_mostly_copied_articles(tmp_path, backend, client):
    wire = [
        "The central bank raised interest rates by a quarter point on Wednesday, citing persistent inflation in services.",
        "Officials said further increases were possible if wage growth did not slow in the coming months.",
        "Markets had widely expected the move after a run of strong employment figures earlier in the year.",
    ]
    (tmp_path / "a.txt").write_text("Bank raises rates\n\n" + "\n\n".join(wire))
    (tmp_path / "b.txt").write_text("Rates go up\n\n" + "\n\n".join(wire))
    (tmp_path / "c.txt").write_text("Own reporting\n\n" + wire[0] + "\n\nOur correspondent spoke to shop owners in the city centre who worried about their loans and the cost of rent, heating and food.")
    (tmp_path / "metadata.csv").write_text("file,outlet,date\na.txt,Wire,2020-01-01\nb.txt,Paper,2020-01-02\nc.txt,Daily,2020-01-03\n")
    import_into_db(tmp_path)
    assert ArticleCopy.objects.count() == 1  # b copies a; c only quotes it
    page = run_search(SearchParams.from_query(QueryDict("q=interest+rates&collapse=1")))
    assert (page.uncollapsed_total, page.total) == (3, 2)
    assert "b.txt" not in {row.article.source_file.rsplit("/", 1)[-1] for row in page.rows}
    html = client.get("/", {"q": "interest rates", "collapse": "1"}).content.decode()
    assert "<strong>3</strong> articles, <strong>2</strong> unique" in html
    rows = b"".join(client.get("/export.csv", {"q": "interest rates", "collapse": "1"}).streaming_content).decode()
    assert rows.count("\n") == 3  # header and two rows


def test_duplicates_page_filters_like_search(seeds, client):
    html = client.get("/duplicates/").content.decode()
    assert "3 shared passages" in html
    html = client.get("/duplicates/", {"q": "Moskalkova"}).content.decode()  # only 001 matches
    assert "2 shared passages in the matching articles" in html
    html = client.get("/duplicates/", {"outlet": "The Independent"}).content.decode()
    assert "0 shared passages" in html
