"""Actors across the corpus: resolve each article's mentions to stored actors, merge variants.

Per mention, in order: the curated not-an-actor list drops it; a curated alias names its actor;
an actor with the same folded name and kind is reused (accent variants meet here); a surname
alone joins the one person in the corpus with that surname; "US X" joins the organisation X;
otherwise a new actor is made. After an import, `merge_variants()` folds one-letter misspellings
of much more frequent names into them and records less certain pairs as suggestions.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Count

from search.index.outbox import enqueue
from search.ingest.actors import Mention, accents, extract_all, extract_mentions, fold, load_nlp
from search.store.models import Actor, ActorAlias, ActorBlock, Article, ArticleActor, MergeSuggestion

PARALLEL_MIN_TEXTS = 64
MISSPELLING_RATIO = 3  # a one-letter variant merges into a name used in 3x as many articles


# --- extraction on both cores ------------------------------------------------------------------

class MentionExtractor:
    """NER over many texts: in this process for a few, in a pool of worker processes for many.

    Workers are spawned, not forked: measured here, forked workers ran at half the speed of one
    process (the model's memory is copied page by page as they touch it), spawned ones load the
    model once each and run side by side. Each uses one BLAS thread, so two never fight for a core.
    """

    def __init__(self, processes: int | None = None) -> None:
        self.processes = processes if processes is not None else min(2, os.cpu_count() or 1)
        self._pool: multiprocessing.pool.Pool | None = None

    def __call__(self, texts: Sequence[list[str]]) -> list[list[Mention]]:
        """Mentions of each article, given as a list of paragraphs (title first)."""
        if self.processes < 2 or len(texts) < PARALLEL_MIN_TEXTS:
            return list(extract_mentions(texts))
        if self._pool is None:
            for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(name, "1")
            # The worker functions live in search.ingest.actors, which needs no Django set-up.
            self._pool = multiprocessing.get_context("spawn").Pool(self.processes, initializer=load_nlp)
        size = -(-len(texts) // (self.processes * 4))
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        return [mentions for part in self._pool.map(extract_all, chunks) for mentions in part]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


def article_text(title: str, paragraphs: Iterable[str]) -> list[str]:
    """What NER reads of an article: its title and clean paragraphs."""
    return [title, *paragraphs]


# --- resolution --------------------------------------------------------------------------------


class ActorResolver:
    """Maps mentions to Actor rows. Loads the known actors once; creates new ones in bulk."""

    def __init__(self) -> None:
        self.blocked = set(ActorBlock.objects.values_list("kind", "key"))
        self.aliases = {(kind, key): actor_id for kind, key, actor_id in ActorAlias.objects.values_list("kind", "key", "actor_id")}
        self.known: dict[tuple[str, str], int] = {}
        self.names: dict[int, str] = {}
        self.surnames: dict[str, set[int]] = defaultdict(set)
        for pk, kind, key, name in Actor.objects.values_list("id", "kind", "key", "name").iterator():
            self._remember(pk, kind, key, name)

    def _remember(self, pk: int, kind: str, key: str, name: str) -> None:
        self.known[(kind, key)] = pk
        self.names[pk] = name
        if kind == "person" and " " in key:
            self.surnames[key.rsplit(" ", 1)[1]].add(pk)

    def _lookup(self, mention: Mention) -> int | None:
        ident = (mention.kind, mention.key)
        if ident in self.aliases:
            return self.aliases[ident]
        if ident in self.known:
            return self.known[ident]
        if mention.kind == "person" and " " not in mention.key:
            owners = self.surnames.get(mention.key, set())
            if len(owners) == 1:
                return next(iter(owners))
        if mention.kind == "org" and (short := _strip_us(mention.key)) != mention.key:
            return self.known.get(("org", short))
        return None

    def _maybe_respell(self, actor_id: int, spelling: str) -> None:
        """Show the best-spelled form: 'Linas Linkevicius' seen as 'Linkevičius' becomes 'Linas Linkevičius'."""
        current = self.names[actor_id]
        better = better_spelling(current, spelling)
        if better != current:
            self.names[actor_id] = better
            Actor.objects.filter(pk=actor_id).update(name=better)

    def _create_missing(self, mentions: Iterable[Mention]) -> None:
        new: dict[tuple[str, str], str] = {}
        for mention in mentions:
            ident = (mention.kind, mention.key)
            if ident in new:
                if accents(mention.name) > accents(new[ident]):
                    new[ident] = mention.name[:300]
                continue
            actor_id = self._lookup(mention)
            if actor_id is None:
                new[ident] = mention.name[:300]
            else:
                self._maybe_respell(actor_id, mention.name)
        created = Actor.objects.bulk_create([Actor(kind=kind, key=key[:300], name=name) for (kind, key), name in new.items()])
        for actor in created:
            self._remember(actor.pk, actor.kind, actor.key, actor.name)

    def resolve(self, mentions_by_article: Sequence[tuple[int, list[Mention]]]) -> dict[int, dict[int, int]]:
        """{article id: {actor id: mentions}}, creating actors not seen before."""
        wanted = [m for _, found in mentions_by_article for m in found if (m.kind, m.key) not in self.blocked]
        surname_only = [m for m in wanted if m.kind == "person" and " " not in m.key]
        # Full names first, so a surname alone finds a person first named in this same batch.
        self._create_missing(m for m in wanted if not (m.kind == "person" and " " not in m.key))
        self._create_missing(surname_only)
        links: dict[int, dict[int, int]] = {}
        for article_id, found in mentions_by_article:
            counts: dict[int, int] = defaultdict(int)
            for mention in found:
                if (mention.kind, mention.key) in self.blocked:
                    continue
                actor_id = self._lookup(mention)
                if actor_id is not None:
                    counts[actor_id] += mention.count
            links[article_id] = dict(counts)
        return links

    def assign(self, mentions_by_article: Sequence[tuple[int, list[Mention]]]) -> None:
        """Replace these articles' actors (call inside a transaction)."""
        links = self.resolve(mentions_by_article)
        ArticleActor.objects.filter(article_id__in=list(links)).delete()
        ArticleActor.objects.bulk_create(
            [
                ArticleActor(article_id=article_id, actor_id=actor_id, mentions=count)
                for article_id, counts in links.items()
                for actor_id, count in counts.items()
            ],
            batch_size=1000,
        )


def better_spelling(current: str, spelling: str) -> str:
    """`current` with the accents of `spelling` where they name the same (whole name or surname)."""
    if accents(spelling) <= accents(current):
        return current
    if fold(spelling) == fold(current):
        return spelling[:300]
    first, _, last = current.rpartition(" ")
    if first and fold(spelling) == fold(last) and accents(spelling) > accents(last):
        return f"{first} {spelling}"[:300]
    return current


def _strip_us(key: str) -> str:
    for prefix in ("us ", "u s ", "usa ", "united states "):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


# --- merging -----------------------------------------------------------------------------------


def merge_actor(source: Actor, target: Actor, *, curated: bool = False) -> set[int]:
    """Move everything of `source` onto `target` and delete `source`. Returns the articles touched.

    A curated merge also records an alias, so later imports map the old name to `target`.
    """
    with transaction.atomic():
        touched = set(ArticleActor.objects.filter(actor=source).values_list("article_id", flat=True))
        existing = {link.article_id: link for link in ArticleActor.objects.filter(actor=target, article_id__in=touched)}
        for link in ArticleActor.objects.filter(actor=source):
            if link.article_id in existing:
                target_link = existing[link.article_id]
                target_link.mentions += link.mentions
                target_link.save(update_fields=["mentions"])
                link.delete()
            else:
                link.actor = target
                link.save(update_fields=["actor"])
        ActorAlias.objects.filter(actor=source).update(actor=target)
        if curated:
            ActorAlias.objects.update_or_create(kind=source.kind, key=source.key, defaults={"actor": target})
        MergeSuggestion.objects.filter(actor=source).delete()
        MergeSuggestion.objects.filter(into=source).delete()
        respelled = better_spelling(target.name, source.name)
        if respelled != target.name:
            target.name = respelled
            target.save(update_fields=["name"])
        source.delete()
        enqueue(touched)
    return touched


def _one_edit_apart(a: str, b: str) -> bool:
    """Exactly one substitution, insertion or deletion."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :] if len(a) < len(b) else a[i + 1 :] == b[i + 1 :]


def merge_variants() -> tuple[int, int]:
    """Merge safe variants across the corpus; suggest the rest. Returns (merged, suggested)."""
    frequency = dict(
        Actor.objects.annotate(n=Count("article_links")).values_list("id", "n")
    )
    actors = {a.pk: a for a in Actor.objects.all()}
    merged = suggested = 0
    # A surname alone whose person became known after it was first seen.
    by_surname: dict[str, list[Actor]] = defaultdict(list)
    for actor in actors.values():
        if actor.kind == "person" and " " in actor.key:
            by_surname[actor.key.rsplit(" ", 1)[1]].append(actor)
    for actor in list(actors.values()):
        if actor.kind == "person" and " " not in actor.key:
            owners = by_surname.get(actor.key, [])
            if len(owners) == 1:
                del actors[actor.pk]
                merge_actor(actor, owners[0])
                merged += 1
            elif len(owners) > 1:
                for owner in owners:
                    suggested += _suggest(actor, owner, "surname of several people")
    # One token off: "Ramzan Kadrov" / "Ramzan Kadyrov", "Russian LGBT Network" / "Russia LGBT Network".
    buckets: dict[tuple[str, int, str], list[Actor]] = defaultdict(list)
    for actor in actors.values():
        tokens = actor.key.split()
        if len(tokens) < 2 or actor.kind == "place":
            continue
        for position in range(len(tokens)):
            if actor.kind == "person" and position == 0:
                continue  # people must share their first name
            masked = " ".join(tokens[:position] + ["*"] + tokens[position + 1 :])
            buckets[(actor.kind, position, masked)].append(actor)
    seen: set[tuple[int, int]] = set()
    for (_, position, _), members in buckets.items():
        if len(members) < 2 or len(members) > 50:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if a.pk not in actors or b.pk not in actors or (a.pk, b.pk) in seen:
                    continue
                seen.add((a.pk, b.pk))
                if not _one_edit_apart(a.key.split()[position], b.key.split()[position]):
                    continue
                small, large = sorted((a, b), key=lambda x: (frequency.get(x.pk, 0), -x.pk))
                if frequency.get(large.pk, 0) >= MISSPELLING_RATIO * max(1, frequency.get(small.pk, 0)):
                    del actors[small.pk]
                    merge_actor(small, large)
                    merged += 1
                else:
                    suggested += _suggest(small, large, "one letter apart")
    # "US State Department" / "State Department"
    org_keys = {a.key: a for a in actors.values() if a.kind == "org"}
    for actor in list(actors.values()):
        if actor.kind == "org" and (short := _strip_us(actor.key)) != actor.key and short in org_keys:
            del actors[actor.pk]
            merge_actor(actor, org_keys[short])
            merged += 1
    return merged, suggested


def _suggest(actor: Actor, into: Actor, reason: str) -> int:
    _, created = MergeSuggestion.objects.get_or_create(actor=actor, into=into, defaults={"reason": reason})
    return int(created)


def delete_orphans() -> int:
    """Actors no article names any more (after re-extraction) are removed."""
    deleted, _ = Actor.objects.filter(article_links__isnull=True).delete()
    return deleted


def extract_for_articles(article_ids: Iterable[int], extractor: MentionExtractor | None = None, batch: int = 500) -> int:
    """Re-run NER on stored articles, replace their actors and queue them for indexing."""
    extractor = extractor or MentionExtractor()
    ids = list(article_ids)
    resolver = ActorResolver()
    done = 0
    for start in range(0, len(ids), batch):
        articles = list(Article.objects.filter(id__in=ids[start : start + batch]).prefetch_related("paragraphs"))
        texts = [article_text(a.title, (p.text for p in a.body_paragraphs())) for a in articles]
        mentions = extractor(texts)
        with transaction.atomic():
            resolver.assign([(a.pk, found) for a, found in zip(articles, mentions, strict=True)])
            enqueue(a.pk for a in articles)
        done += len(articles)
    return done

