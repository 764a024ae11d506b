"""What editors do in the admin, as plain functions: each change queues its index work in the
same transaction, so the index worker brings search, facets and exports in step within seconds."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from search.index.outbox import enqueue
from search.store.actors import extract_for_articles, merge_actor
from search.store.models import Actor, ActorBlock, Article, MergeSuggestion, Outlet, OutletAlias


@transaction.atomic
def set_hidden(article_ids: Iterable[int], hidden: bool) -> int:
    ids = list(article_ids)
    changed = Article.objects.filter(id__in=ids).exclude(hidden=hidden).update(hidden=hidden)
    enqueue(ids)
    return changed


@transaction.atomic
def reindex(article_ids: Iterable[int]) -> int:
    return enqueue(list(article_ids))


def reextract_actors(article_ids: Iterable[int]) -> int:
    return extract_for_articles(list(article_ids))


@transaction.atomic
def outlet_changed(outlet: Outlet) -> int:
    """After a rename: every article of the outlet is indexed again."""
    return enqueue(outlet.articles.values_list("id", flat=True))


@transaction.atomic
def merge_outlets(sources: Iterable[Outlet], target: Outlet) -> int:
    """Move the sources' articles to `target`; their names become aliases that imports map to it."""
    moved = 0
    for source in sources:
        if source.pk == target.pk:
            continue
        ids = list(source.articles.values_list("id", flat=True))
        Article.objects.filter(id__in=ids).update(outlet=target)
        OutletAlias.objects.filter(outlet=source).update(outlet=target)
        OutletAlias.objects.update_or_create(name=source.name, defaults={"outlet": target})
        source.delete()
        enqueue(ids)
        moved += len(ids)
    return moved


@transaction.atomic
def actor_changed(actor: Actor) -> int:
    return enqueue(actor.article_links.values_list("article_id", flat=True))


def merge_actors(sources: Iterable[Actor], target: Actor) -> int:
    """A curator's merge: kept as an alias, so re-imports never bring the old name back."""
    touched: set[int] = set()
    for source in sources:
        if source.pk != target.pk:
            touched |= merge_actor(source, target, curated=True)
    return len(touched)


@transaction.atomic
def block_actors(actors: Iterable[Actor]) -> int:
    """'Not an actor': remember the name, remove the actor from every article."""
    touched: set[int] = set()
    for actor in actors:
        ActorBlock.objects.get_or_create(kind=actor.kind, key=actor.key, defaults={"name": actor.name})
        touched |= set(actor.article_links.values_list("article_id", flat=True))
        actor.delete()
    enqueue(touched)
    return len(touched)


def accept_suggestions(suggestions: Iterable[MergeSuggestion]) -> int:
    merged = 0
    for suggestion in list(suggestions):
        if Actor.objects.filter(pk=suggestion.actor_id).exists() and Actor.objects.filter(pk=suggestion.into_id).exists():
            merge_actors([suggestion.actor], suggestion.into)
            merged += 1
    return merged


def reject_suggestions(suggestions: Iterable[MergeSuggestion]) -> int:
    ids = [s.pk for s in suggestions]
    return MergeSuggestion.objects.filter(id__in=ids).update(rejected=True)
