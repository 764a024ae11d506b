"""The minimum evidence an actor needs to stay (issue #12): what spaCy's small model tags once,
in one article, is most often not a name at all."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from django.db.models import Count, Sum

from search.index.outbox import enqueue
from search.ingest.actor_rules import headline_case, named_in
from search.ingest.actors import fold
from search.store.models import Actor, ActorAlias, Article, ArticleActor, NameAlias


def prune_weak() -> int:
    """The minimum-evidence rule: an actor named in one article only is dropped when
    - it is one word mentioned once (spaCy's small model is most often wrong on single words
      seen once: a headline word, a caption, a button), or
    - its article's title is in Headline Case and the body never writes the name (nor, for a
      person, the surname): a headline fragment ("Chill Greta", "Sum Perceptions");
    and a family named in the plural ("the Kushners", "the Trumps") is not one actor, wherever named.
    A name seen again, in another article or in the body, stays. Curated names (a curator's merge
    alias, a name alias) are kept. Returns the actors removed.
    """
    curated = set(ActorAlias.objects.values_list("actor_id", flat=True))
    curated_keys = {fold(name) for name in NameAlias.objects.values_list("name", flat=True)}
    single = [
        (pk, key, name, kind, mentions)
        for pk, key, name, kind, mentions in Actor.objects.annotate(n=Count("article_links"), m=Sum("article_links__mentions"))
        .filter(n=1)
        .values_list("id", "key", "name", "kind", "m")
        if pk not in curated and key not in curated_keys
    ]
    weak = [pk for pk, key, _, _, mentions in single if mentions == 1 and " " not in key]
    weak += _only_in_headline([(pk, name, kind) for pk, key, name, kind, mentions in single if not (mentions == 1 and " " not in key)])
    weak += [pk for pk in _families() if pk not in curated]
    weak = list(dict.fromkeys(weak))
    touched = set(ArticleActor.objects.filter(actor_id__in=weak).values_list("article_id", flat=True))
    for start in range(0, len(weak), 500):
        Actor.objects.filter(pk__in=weak[start : start + 500]).delete()
    enqueue(touched)
    return len(weak)


def _families() -> list[int]:
    """One-word actors that are a surname of the corpus's people in the plural ("Kushners"), when
    that plural is not itself someone's surname ("Williams" of Serena Williams stays)."""
    from search.ingest.actors import surname_of

    surnames = {surname_of(key) for key in Actor.objects.filter(kind="person", key__contains=" ").values_list("key", flat=True)}
    found = []
    for pk, key in Actor.objects.exclude(key__contains=" ").values_list("id", "key"):
        stem = key[:-2] if key.endswith("es") and key[:-2] in surnames else key[:-1]
        if key.endswith("s") and stem in surnames and key not in surnames and len(stem) >= 3:
            found.append(pk)
    return found


def _only_in_headline(actors: list[tuple[int, str, str]], batch: int = 500) -> list[int]:
    """Those of these one-article actors named only in their article's headline-case title."""
    article_of: dict[int, int] = {}
    pks = [pk for pk, _, _ in actors]
    for start in range(0, len(pks), batch):
        article_of.update(ArticleActor.objects.filter(actor_id__in=pks[start : start + batch]).values_list("actor_id", "article_id"))
    by_article: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for pk, name, kind in actors:
        if pk in article_of:
            by_article[article_of[pk]].append((pk, name, kind))
    out: list[int] = []
    ids = sorted(by_article)
    for start in range(0, len(ids), batch):
        for article in Article.objects.filter(id__in=ids[start : start + batch]).prefetch_related("paragraphs"):
            if not headline_case(article.title):
                continue
            body = "\n".join(p.text for p in article.body_paragraphs())
            if body.strip():
                out.extend(pk for pk, name, kind in by_article[article.pk] if not named_in(name, kind, body))
    return out


# A thin actor (at most this many mentions over the corpus) tagged as an organisation or a place
# becomes a person when its name is shaped like one: its first word is the first name of at least
# FIRST_NAME_PEOPLE people in the corpus and of fewer than half as many organisations or places
# ("Amanda Mull" tagged ORG once), or an initial, a first name and a surname ("M. Stanton Evans").
THIN_MENTIONS = 3
FIRST_NAME_PEOPLE = 3
_INITIAL_NAME = re.compile(r"^[A-Z]\.\s[A-Z][a-z]+\s[A-Z][a-z]+$")


def person_shaped_kinds() -> int:
    """Give the person kind to thin organisations and places named like people, learning first
    names from the corpus's own people (no name list to maintain). Returns the actors changed."""
    from search.ingest.actors import KNOWN_KINDS, _ORG_TAIL
    from search.store.actors import kind_votes

    fixed = {fold(name) for name in NameAlias.objects.values_list("name", flat=True)}
    people: Counter[str] = Counter()
    others: Counter[str] = Counter()
    actors = list(Actor.objects.values_list("id", "key", "name", "kind"))
    for _, key, _, kind in actors:
        words = key.split()
        if 2 <= len(words) <= 3:
            (people if kind == "person" else others)[words[0]] += 1
    votes = kind_votes()
    taken = {key for _, key, _, kind in actors if kind == "person"}
    changed = []
    for pk, key, name, kind in actors:
        words = key.split()
        if kind == "person" or not 2 <= len(words) <= 3 or key in KNOWN_KINDS or key in fixed or key in taken:
            continue
        if sum(votes.get(pk, Counter()).values()) > THIN_MENTIONS or _ORG_TAIL.search(name):
            continue
        first = words[0]
        if _INITIAL_NAME.match(name) or (
            len(first) >= 3 and people[first] >= FIRST_NAME_PEOPLE and people[first] > 2 * others[first] and all(w.isalpha() for w in words)
        ):
            changed.append(pk)
    for start in range(0, len(changed), 500):
        Actor.objects.filter(pk__in=changed[start : start + 500]).update(kind="person")
    return len(changed)
