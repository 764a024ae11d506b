"""Actors across the corpus: resolve each article's mentions to stored actors, merge variants.

Per mention, in order: a curated name alias (an abbreviation: "AP", "GOP", "D.C.") gives its
name and kind; the curated not-an-actor list drops it; a curator's merge (actor alias) names its
actor; an actor with the same folded name is reused whatever kind spaCy gave this mention (accent
variants meet here); "US X" joins the organisation X; otherwise a new actor is made. Each link
keeps the kind of its mentions, so after an import `settle_kinds()` gives every actor the
majority kind over all its mentions, `merge_variants()` joins a surname used alone to the full
name that dominates it (SURNAME_SHARE), folds one-letter misspellings of much more frequent
names into them and records less certain pairs as suggestions, and `prune_weak()` applies the
minimum-evidence rule.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Count, Sum

from search.index.outbox import enqueue
from search.ingest.actors import (
    KNOWN_KINDS,
    Mention,
    accents,
    extract_all,
    extract_mentions,
    fold,
    in_capitals,
    load_nlp,
    majority_kind,
    surname_of,
)
from search.store.actor_evidence import person_shaped_kinds, prune_weak
from search.store.models import Actor, ActorAlias, ActorBlock, Article, ArticleActor, MergeSuggestion, NameAlias

PARALLEL_MIN_TEXTS = 64
MISSPELLING_RATIO = 3  # a one-letter variant merges into a name used in 3x as many articles
MISSPELLING_MIN_CHARS = 5  # ... when the word that differs has at least this many letters
# A surname used alone joins the full name holding at least this share of the articles of all
# the people with that surname ("Sanders" -> "Bernie Sanders" beside a few "Sarah Sanders";
# "Trump" -> "Donald Trump" beside Ivanka, Melania, Eric and Donald Jr: 88 % on the AllSides
# subset); otherwise each of them becomes a merge suggestion ("Clinton": Hillary 72 %, Bill).
# The same rule joins a first name used alone ("Hillary") to the full name that dominates it.
SURNAME_SHARE = 0.8
# A one-word name that is mostly a place ("Washington") joins a person only when at least this
# share of its mentions were tagged as a person; one tagged as an organisation ("Trump" in "the
# Trump administration", "Sanders" in a headline) joins like a person's, unless it is a
# known organisation (search.ingest.actors.KNOWN_KINDS).
SURNAME_PERSON_VOTES = 0.25
MIDDLE_INITIAL_RATIO = 3


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
        self.blocked_keys = set(ActorBlock.objects.values_list("key", flat=True))
        self.aliases = {(kind, key): actor_id for kind, key, actor_id in ActorAlias.objects.values_list("kind", "key", "actor_id")}
        self.name_aliases = {key: (name, kind) for key, name, kind in NameAlias.objects.values_list("key", "name", "kind")}
        self.known: dict[tuple[str, str], int] = {}
        self.by_key: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for pk, kind, key, name in Actor.objects.values_list("id", "kind", "key", "name").order_by("id").iterator():
            self._remember(pk, kind, key, name)

    def _remember(self, pk: int, kind: str, key: str, name: str) -> None:
        self.known[(kind, key)] = pk
        self.by_key.setdefault(key, pk)
        self.names[pk] = name

    def canonical(self, mention: Mention) -> Mention:
        """The mention under its curated name alias, if it has one ("GOP" -> Republican Party)."""
        alias = self.name_aliases.get(mention.key)
        if alias is None:
            return mention
        name, kind = alias
        return Mention(name, fold(name), kind, mention.count, ((kind, mention.count),))  # type: ignore[arg-type]

    def _lookup(self, mention: Mention) -> int | None:
        ident = (mention.kind, mention.key)
        if ident in self.aliases:
            return self.aliases[ident]
        for kind in ("person", "org", "place"):  # a curator's merge of this name under another kind
            if (kind, mention.key) in self.aliases:
                return self.aliases[(kind, mention.key)]
        if ident in self.known:
            return self.known[ident]
        if mention.key in self.by_key:
            return self.by_key[mention.key]
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
        """One new actor per new name, of the kind most of this batch's mentions of it have."""
        names: dict[str, str] = {}
        kinds: dict[str, Counter[str]] = defaultdict(Counter)
        for mention in mentions:
            if mention.key in names:
                if accents(mention.name) > accents(names[mention.key]) or (in_capitals(names[mention.key]) and not in_capitals(mention.name)):
                    names[mention.key] = mention.name[:300]
                kinds[mention.key].update(dict(mention.votes) or {mention.kind: mention.count})
                continue
            actor_id = self._lookup(mention)
            if actor_id is None:
                names[mention.key] = mention.name[:300]
                kinds[mention.key].update(dict(mention.votes) or {mention.kind: mention.count})
            else:
                self._maybe_respell(actor_id, mention.name)
        created = Actor.objects.bulk_create(
            [Actor(kind=majority_kind(kinds[key]), key=key[:300], name=name) for key, name in names.items()]
        )
        for actor in created:
            self._remember(actor.pk, actor.kind, actor.key, actor.name)

    def _is_blocked(self, mention: Mention) -> bool:
        """A curator's not-an-actor entry blocks the name whatever kind spaCy gave it."""
        return mention.key in self.blocked_keys

    def resolve(self, mentions_by_article: Sequence[tuple[int, list[Mention]]]) -> dict[int, dict[int, tuple[int, Counter[str]]]]:
        """{article id: {actor id: (mentions, mentions per kind)}}, creating actors not seen before."""
        articles = [(article_id, [self.canonical(m) for m in found]) for article_id, found in mentions_by_article]
        self._create_missing(m for _, found in articles for m in found if not self._is_blocked(m))
        links: dict[int, dict[int, tuple[int, Counter[str]]]] = {}
        for article_id, found in articles:
            counts: dict[int, int] = defaultdict(int)
            kinds: dict[int, Counter[str]] = defaultdict(Counter)
            for mention in found:
                if self._is_blocked(mention):
                    continue
                actor_id = self._lookup(mention)
                if actor_id is not None:
                    counts[actor_id] += mention.count
                    kinds[actor_id].update(dict(mention.votes) or {mention.kind: mention.count})
            links[article_id] = {actor_id: (count, kinds[actor_id]) for actor_id, count in counts.items()}
        return links

    def assign(self, mentions_by_article: Sequence[tuple[int, list[Mention]]]) -> None:
        """Replace these articles' actors (call inside a transaction)."""
        links = self.resolve(mentions_by_article)
        ArticleActor.objects.filter(article_id__in=list(links)).delete()
        ArticleActor.objects.bulk_create(
            [
                ArticleActor(article_id=article_id, actor_id=actor_id, mentions=count, kind=majority_kind(kinds))
                for article_id, found in links.items()
                for actor_id, (count, kinds) in found.items()
            ],
            batch_size=1000,
        )


def better_spelling(current: str, spelling: str) -> str:
    """`current` with the accents of `spelling` where they name the same (whole name or surname)."""
    if in_capitals(current) and not in_capitals(spelling) and fold(spelling) == fold(current):
        return spelling[:300]  # "HILLARY CLINTON" first seen in a headline
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


def kind_votes() -> dict[int, Counter[str]]:
    """Mentions per kind of every actor, over all its articles."""
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    rows = ArticleActor.objects.exclude(kind="").values_list("actor_id", "kind").annotate(n=Sum("mentions")).order_by()
    for actor_id, kind, n in rows:
        votes[actor_id][kind] += n
    return votes


def settle_kinds() -> tuple[int, int]:
    """Give every actor the kind most of its mentions have (curated name aliases fix theirs).

    An actor left with the kind and name of another one (old archives had "Trump" as a person
    and as an organisation) is merged into it. Returns (kinds changed, actors merged).
    """
    fixed = {fold(name): kind for name, kind in NameAlias.objects.values_list("name", "kind")}
    votes = kind_votes()
    changed = merged = 0
    # One name, one actor: actors sharing a key (stored under different kinds) become one.
    by_key: dict[str, list[Actor]] = defaultdict(list)
    for actor in Actor.objects.all():
        by_key[actor.key].append(actor)
    for same in by_key.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda a: (-sum(votes.get(a.pk, Counter()).values()), a.pk))
        for source in same[1:]:
            votes[same[0].pk] = votes.get(same[0].pk, Counter()) + votes.pop(source.pk, Counter())
            merge_actor(source, same[0])
            merged += 1
    actors = {a.pk: a for a in Actor.objects.all()}
    by_ident = {(a.kind, a.key): a for a in actors.values()}
    for pk, actor in list(actors.items()):
        if pk not in actors:
            continue
        kind = fixed.get(actor.key) or (majority_kind(votes[pk]) if votes.get(pk) else actor.kind)
        other = by_ident.get((kind, actor.key))
        if other is not None and other.pk != pk:
            # Keep the one more articles name; the other's links move onto it.
            source, target = (actor, other) if sum(votes[pk].values()) <= sum(votes[other.pk].values()) else (other, actor)
            del actors[source.pk]
            merge_actor(source, target)
            merged += 1
            if target is other:
                continue
            actor = target
        if kind != actor.kind:
            by_ident.pop((actor.kind, actor.key), None)
            actor.kind = kind
            Actor.objects.filter(pk=actor.pk).update(kind=kind)
            by_ident[(kind, actor.key)] = actor
            changed += 1
    return changed, merged


def merge_variants() -> tuple[int, int]:
    """Merge safe variants across the corpus; suggest the rest. Returns (merged, suggested)."""
    _, merged = settle_kinds()
    person_shaped_kinds()
    frequency = dict(
        Actor.objects.annotate(n=Count("article_links")).values_list("id", "n")
    )
    votes = kind_votes()
    actors = {a.pk: a for a in Actor.objects.all()}
    suggested = 0
    by_key = {a.key: a for a in actors.values()}
    # A middle name: "Hillary Rodham Clinton" is "Hillary Clinton" when that form is known. A
    # middle initial often tells people apart ("John F. Kennedy" and Senator John Kennedy, "George
    # W. Bush" and "George Bush"): it joins the plain form only when that form is named in
    # MIDDLE_INITIAL_RATIO times as many articles and no middle of another initial is seen with
    # that first name and surname ("Donald J. Trump" -> "Donald Trump" beside "Donald John Trump";
    # "George W. Bush" stays beside "George H. W. Bush"); otherwise it is suggested. Done before
    # the surname rule.
    middles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for actor in actors.values():
        words = actor.key.split()
        if actor.kind == "person" and len(words) >= 3 and frequency.get(actor.pk, 0) >= 2:  # not a one-off misreading
            middles[(words[0], words[-1])].add(" ".join(words[1:-1]))
    for actor in list(actors.values()):
        words = actor.key.split()
        if actor.kind != "person" or len(words) != 3:
            continue
        short = by_key.get(f"{words[0]} {words[2]}")
        if short is None or short.pk not in actors or short.kind != "person" or short.pk == actor.pk:
            continue
        if len(words[1]) < 2 and (
            frequency.get(short.pk, 0) < MIDDLE_INITIAL_RATIO * frequency.get(actor.pk, 0)
            or any(not middle.startswith(words[1]) for middle in middles[(words[0], words[2])])
        ):
            suggested += _suggest(actor, short, "middle initial")
            continue
        del actors[actor.pk]
        merge_actor(actor, short)
        frequency[short.pk] = frequency.get(short.pk, 0) + frequency.get(actor.pk, 0)
        merged += 1
    # A surname alone (whatever kind spaCy gave it) joins the full name that dominates it.
    by_surname: dict[str, list[Actor]] = defaultdict(list)
    for actor in actors.values():
        if actor.kind == "person" and " " in actor.key:
            by_surname[surname_of(actor.key)].append(actor)
    by_first: dict[str, list[Actor]] = defaultdict(list)
    for actor in actors.values():
        if actor.kind == "person" and " " in actor.key:
            by_first[actor.key.split()[0]].append(actor)
    for actor in list(actors.values()):
        if " " in actor.key:
            continue
        surname_owners = by_surname.get(actor.key, [])
        if not surname_owners:
            continue
        # A word that is also the first name of people ("Hillary": Hillary Clinton beside Edmund
        # Hillary) is weighed against everyone it may stand for.
        owners = sorted(surname_owners, key=lambda a: (-frequency.get(a.pk, 0), a.pk))
        first_owners = sorted(by_first.get(actor.key, []) if actor.kind == "person" else [], key=lambda a: (-frequency.get(a.pk, 0), a.pk))
        if first_owners and frequency.get(first_owners[0].pk, 0) >= 5 * sum(frequency.get(o.pk, 0) for o in owners):
            owners = first_owners
        mentions = sum(votes.get(actor.pk, Counter()).values()) or 1
        person_share = votes.get(actor.pk, Counter()).get("person", 0) / mentions
        if (actor.kind == "place" and person_share < SURNAME_PERSON_VOTES) or actor.key in KNOWN_KINDS:
            continue  # "Washington" the place, "Amazon" the company
        if actor.kind != "person" and frequency.get(owners[0].pk, 0) * 2 < frequency.get(actor.pk, 0):
            continue  # "Senate" is not the surname of a rarely named "X Senate"
        # The top owner's middle-initial forms count with it ("Donald J. Trump" with "Donald Trump").
        top = sum(frequency.get(o.pk, 0) for o in owners if o is owners[0] or _initial_variant(o.key, owners[0].key))
        share = top / max(1, sum(frequency.get(o.pk, 0) for o in owners))
        if share >= SURNAME_SHARE:
            del actors[actor.pk]
            merge_actor(actor, owners[0])
            merged += 1
        else:
            for owner in owners[:5]:
                suggested += _suggest(actor, owner, "surname of several people")
    # A first name alone ("Bernie") joins the full name that dominates it, when no one has it
    # as a surname (those were weighed above).
    for actor in list(actors.values()):
        if " " in actor.key or actor.kind != "person" or actor.pk not in actors or by_surname.get(actor.key):
            continue
        owners = sorted((o for o in by_first.get(actor.key, []) if o.pk in actors), key=lambda a: (-frequency.get(a.pk, 0), a.pk))
        if not owners:
            continue
        share = frequency.get(owners[0].pk, 0) / max(1, sum(frequency.get(o.pk, 0) for o in owners))
        if share >= SURNAME_SHARE and frequency.get(owners[0].pk, 0) >= frequency.get(actor.pk, 0):
            del actors[actor.pk]
            merge_actor(actor, owners[0])
            merged += 1
        else:
            for owner in owners[:5]:
                suggested += _suggest(actor, owner, "first name of several people")
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
                token = a.key.split()[position]
                if len(token) < MISSPELLING_MIN_CHARS or not _one_edit_apart(token, b.key.split()[position]):
                    continue  # "ABC News" / "NBC News": short words one letter apart are other names
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


def _initial_variant(key: str, other: str) -> bool:
    """Same first name and surname, differing only by middle initials ("donald j trump")."""
    a, b = key.split(), other.split()
    return a[0] == b[0] and surname_of(key) == surname_of(other) and all(len(w) == 1 for w in set(a) ^ set(b))


def _suggest(actor: Actor, into: Actor, reason: str) -> int:
    _, created = MergeSuggestion.objects.get_or_create(actor=actor, into=into, defaults={"reason": reason})
    return int(created)


def delete_orphans() -> int:
    """Actors no article names any more (after re-extraction), and those without the minimum
    evidence (prune_weak), are removed."""
    weak = prune_weak()
    deleted, _ = Actor.objects.filter(article_links__isnull=True).delete()
    return weak + deleted


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

