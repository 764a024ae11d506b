"""import_articles --enrich=later: searchable at once, actors and shared passages in the background,
ending exactly where an inline import of the same files ends (issue #14 §1)."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.http import QueryDict

from search.index import _load, get_backend
from search.index.base import SearchQuery
from search.index.outbox import drain_once
from search.query.params import SearchParams
from search.query.results import run_search
from search.store import enrichment, passages
from search.store.actors import ActorResolver
from search.store.enrichment import Enricher
from search.store.models import (
    Actor,
    Article,
    ArticleActor,
    ArticleCopy,
    MergeSuggestion,
    Outlet,
    PassageGroup,
    PassageMember,
    PendingEnrichment,
)
from tests.conftest import CORPUS, corpus_path, import_into_db

pytestmark = pytest.mark.django_db
SLICE = 120  # records of the AllSides sample: enough for boilerplate, shared passages and merges


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    """The five seeds and the first records of the AllSides sample."""
    sample = corpus_path("allsides", "sample2000.jsonl")
    part = tmp_path / "allsides-slice.jsonl"
    with sample.open(encoding="utf-8") as src:
        part.write_text("".join(itertools.islice(src, SLICE)), encoding="utf-8")
    return [CORPUS, part]


def snapshot() -> dict[str, set]:
    """The enrichment of the archive, by keys that do not depend on row ids."""
    where = dict(Article.objects.values_list("id", "source_key"))
    return {
        "actors": set(Actor.objects.values_list("key", "name", "kind")),
        "links": {(where[a], key, kind, n) for a, key, kind, n in ArticleActor.objects.values_list("article_id", "actor__key", "kind", "mentions")},
        "suggestions": set(MergeSuggestion.objects.values_list("actor__key", "into__key", "reason")),
        "groups": set(PassageGroup.objects.values_list("text_key", "article_count", "outlet_count", "boilerplate", "exact")),
        "members": {
            (key, where[a], position, start, end)
            for key, a, position, start, end in PassageMember.objects.values_list("group__text_key", "article_id", "paragraph__position", "start", "end")
        },
        "copies": {(where[a], where[s]) for a, s in ArticleCopy.objects.values_list("article_id", "source_id")},
    }


def fresh_archive(tmp_path: Path, name: str, settings) -> None:  # type: ignore[no-untyped-def]
    """Forget every article and actor, and start a new index and shingle folder."""
    Article.objects.all().delete()
    Actor.objects.all().delete()
    PassageGroup.objects.all().delete()
    Outlet.objects.all().delete()
    settings.NEWSINDEX_SEARCH = {**settings.NEWSINDEX_SEARCH, "PATH": str(tmp_path / f"index-{name}")}
    settings.NEWSINDEX_SHINGLES = str(tmp_path / f"shingles-{name}")
    _load.cache_clear()


def inline_result(files: list[Path], tmp_path: Path, settings) -> dict[str, set]:  # type: ignore[no-untyped-def]
    import_into_db(*files)
    result = snapshot()
    fresh_archive(tmp_path, "later", settings)
    return result


def actor_facet(q: str = "") -> list[str]:
    page = run_search(SearchParams.from_query(QueryDict(f"q={q}")))
    return [value.label for value in page.actors.values] if page.actors else []


def test_later_import_is_searchable_at_once_and_enrichment_ends_like_an_inline_import(files, tmp_path, backend, settings, client):
    inline = inline_result(files, tmp_path, settings)
    assert inline["links"] and inline["suggestions"] and inline["members"]  # real data: actors, merges, shared passages

    report = import_into_db(*files, enrich="later")
    articles = Article.objects.count()
    assert report.imported == articles and report.awaiting_enrichment == articles
    # searchable at once, with no actors and no passages yet
    assert get_backend().doc_count() == articles
    assert get_backend().search(SearchQuery(text="Chechnya")).total > 0
    assert not ArticleActor.objects.exists() and not PassageMember.objects.exists()
    assert actor_facet() == []
    state = enrichment.progress()
    assert state is not None and (state.actors_pending, state.passages_pending, state.actors_percent) == (articles, articles, 0)
    page = client.get("/?q=chechnya")
    assert b'class="notice enrichment"' in page.content and b"actors extracted for 0% of articles" in page.content
    api = client.get("/api/search", {"q": "chechnya"}).json()
    assert api["enrichment"]["actors_pending"] == articles and api["enrichment"]["passages_pending"] == articles

    enricher = Enricher(batch_size=50)
    steps = []
    while (step := enricher.step()) is not None:
        steps.append(step.stage)
        if step.stage == "actors" and len(steps) == 2:  # part-way: the facet and the line follow
            drain_once()
            assert actor_facet() and 0 < enrichment.progress().actors_percent < 100
    enricher.close()
    assert steps[0] == "passages" and steps.count("actors") == -(-articles // 50) and steps[-1] == "merge"
    drain_once()

    assert snapshot() == inline
    assert enrichment.progress() is None and not PendingEnrichment.objects.exists()
    assert "Chechnya" in actor_facet("chechnya")
    page = client.get("/?q=chechnya")
    assert b'class="notice enrichment"' not in page.content and b"Chechnya" in page.content
    assert client.get("/api/search", {"q": "chechnya"}).json()["enrichment"] is None
    call_command("verify_index", stdout=open(tmp_path / "verify.txt", "w"))  # raises when the index is stale


def test_enrichment_interrupted_midway_then_resumed_gives_the_same_result(files, tmp_path, backend, settings, monkeypatch):
    inline = inline_result(files, tmp_path, settings)
    import_into_db(*files, enrich="later")
    articles = Article.objects.count()

    # 1. the passage pass fails after committing its groups, before saving its shingles
    def no_disk(index):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(passages, "_save", no_disk)
    with pytest.raises(OSError):
        Enricher().step()
    assert PendingEnrichment.objects.filter(passages=True).count() == articles  # still waiting
    monkeypatch.undo()

    # 2. the third actor batch fails in its transaction: the first two stay done, the rest waits
    calls = {"n": 0}
    assign = ActorResolver.assign

    def failing_assign(self, found):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return assign(self, found)

    monkeypatch.setattr(ActorResolver, "assign", failing_assign)
    enricher = Enricher(batch_size=40)
    with pytest.raises(RuntimeError):
        while enricher.step() is not None:
            pass
    enricher.close()
    assert PendingEnrichment.objects.filter(passages=True).count() == 0
    assert PendingEnrichment.objects.filter(actors=False).count() == 80
    waiting = set(PendingEnrichment.objects.filter(actors=True).values_list("article_id", flat=True))
    assert waiting and not ArticleActor.objects.filter(article_id__in=waiting).exists()
    monkeypatch.undo()

    # 3. a new worker resumes (another batch size: the order is what matters)
    Enricher(batch_size=70).run()
    drain_once()
    assert snapshot() == inline
    assert enrichment.progress() is None


def test_a_later_import_of_new_articles_is_compared_incrementally(tmp_path, backend, settings):
    """Three seeds first, then two more with --enrich=later: the background pass adds them to the
    saved shingles (no recomputation) and finds what an inline import finds."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for index, path in enumerate(sorted(CORPUS.glob("*.txt"))):
        shutil.copy(path, first if index in (0, 2, 3) else second)
    import_into_db(first)
    import_into_db(second)
    inline = snapshot()
    fresh_archive(tmp_path, "later", settings)

    import_into_db(first)
    import_into_db(second, enrich="later")
    assert PendingEnrichment.objects.count() == 2
    rebuilt = []
    update_for = passages.update_for

    def watched(ids, **kwargs):  # type: ignore[no-untyped-def]
        stats = update_for(ids, **kwargs)
        rebuilt.append(stats.rebuilt)
        return stats

    passages.update_for = watched
    try:
        Enricher().run()
    finally:
        passages.update_for = update_for
    drain_once()
    assert rebuilt == [False]
    assert snapshot() == inline


def test_an_updated_article_waits_again_and_an_inline_import_clears_its_actors(tmp_path, backend):
    folder = tmp_path / "c"
    shutil.copytree(CORPUS, folder)
    import_into_db(folder)
    target = next(folder.glob("003_*.txt"))
    target.write_text(target.read_text() + "\n\nA new closing paragraph about Ramzan Kadyrov in Grozny.\n")
    report = import_into_db(folder, enrich="later")
    assert (report.updated, report.awaiting_enrichment) == (1, 1)
    article = Article.objects.get(source_file=str(target))
    assert PendingEnrichment.objects.get().article_id == article.pk
    target.write_text(target.read_text() + "\n\nAnd one more line.\n")
    import_into_db(folder)  # inline: its actors are extracted now
    row = PendingEnrichment.objects.get()
    assert not row.actors and row.passages
    Enricher().run()
    assert not PendingEnrichment.objects.exists()
    assert ArticleActor.objects.filter(article=article, actor__key="ramzan kadyrov").exists()


def test_command_options(tmp_path, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_articles", str(CORPUS), "--enrich", "sometimes")
    call_command("import_articles", str(CORPUS), "--enrich=later")
    assert "5 articles await their actors and shared passages" in capsys.readouterr().out
    call_command("enrich_articles")
    out = capsys.readouterr().out
    assert "nothing waits for enrichment" in out and ArticleActor.objects.exists()
    with pytest.raises(ValueError, match="enrich must be one of"):
        import_into_db(CORPUS, enrich="sometimes")
    assert django_settings.NEWSINDEX_SHINGLES


def test_saved_searches_by_actor_alert_once_the_actors_are_found(tmp_path, backend, django_user_model):
    from search.monitor.models import Delivery, SavedSearch, SavedSearchMatch

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for index, path in enumerate(sorted(CORPUS.glob("*.txt"))):
        shutil.copy(path, first if index in (0, 2) else second)
    import_into_db(first)
    kadyrov = Actor.objects.get(key="ramzan kadyrov")
    user = django_user_model.objects.create_user("watcher")
    by_actor = SavedSearch.objects.create(user=user, name="Kadyrov", query=f"actor={kadyrov.pk}", webhook_url="https://example.org/hook")
    by_words = SavedSearch.objects.create(user=user, name="Chechnya", query="q=chechnya", webhook_url="https://example.org/hook")

    import_into_db(second, enrich="later")
    new = set(PendingEnrichment.objects.values_list("article_id", flat=True))
    assert set(SavedSearchMatch.objects.filter(saved_search=by_words).values_list("article_id", flat=True)) == new
    assert not SavedSearchMatch.objects.filter(saved_search=by_actor).exists()  # no actors yet

    Enricher().run()
    naming = set(ArticleActor.objects.filter(actor=kadyrov, article_id__in=new).values_list("article_id", flat=True))
    assert naming  # the seeds name him in more than one article
    assert set(SavedSearchMatch.objects.filter(saved_search=by_actor).values_list("article_id", flat=True)) == naming
    # delivered as they are found (after an actor batch, after the merge of name variants), each once
    delivered = [a["id"] for d in Delivery.objects.filter(saved_search=by_actor) for a in d.payload["articles"]]
    assert sorted(delivered) == sorted(naming)
    assert Delivery.objects.filter(saved_search=by_words).count() == 1  # not delivered again
