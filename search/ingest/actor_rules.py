"""Shape rules that tell an actor's name from what NER wrongly reads as one.

Plain string tests, no model and no Django: the rules an entity-extraction builder (Aleph's name
cleaning, passim's boilerplate filters) applies around a statistical tagger, general rather than
tuned to single names:
- a span in Title Case that holds a headline verb or a capitalised function word is a headline
  fragment ("Comey Asks Justice Department", "Bank Of America" from a title);
- a span whose head noun names an event, a law, a building or a storm is not a person,
  organisation or place ("Arms Trade Treaty", "New Hampshire Primary", "Lincoln Memorial",
  "Diplomatic Room of the White House", "Superstorm Sandy");
- a paragraph that is only "Name, Outlet" is a citation or credit line, not prose naming actors;
- a title written in headline case is not trusted on its own: a name found only there must also
  appear in the article's body.
"""

from __future__ import annotations

import re

# Verbs headline writers put between names (third person, present tense) and the words that turn
# a name into a clause. Only whole capitalised words inside a span count ("James" is not a verb).
_HEADLINE_VERBS = frozenset(
    "says said asks slams blasts rips warns vows urges calls wants claims admits backs denies defends tells pushes "
    "signs seeks faces threatens announces responds reacts wins loses leads hits attacks praises endorses talks "
    "meets visits mocks accuses sues fires picks taps unveils gets goes takes makes needs resigns quits drops "
    "launches joins leaves rejects refuses approves blocks kills passes votes plans eyes weighs slaps bashes "
    "touts hails rebukes scolds grills questions demands orders bans ends opens returns reveals shows explains "
    "insists suggests sees thinks knows gives keeps becomes stays heads files charges arrests indicts "
    "convicts sentences pardons names nominates fights battles targets dumps ditches cuts raises lowers "
    "confirms confronts admit says add adds doubles slams wrote told won lost killed called sent".split()
)
# Capitalised inside a span only in headline case; names write them lower ("Bank of America").
_HEADLINE_FUNCTION_WORDS = frozenset(
    "to with from into over after before about amid as is are was were be been being could would should might must "
    "not his her their its our your this that these those why how what when than vs if or but so just also still "
    "again of for and in on at by she he they we it him them".split()
)
# Names start with these only in headlines ("Add Sri Lanka", "Watch Obama").
_IMPERATIVE_LEAD = frozenset("add watch see read listen meet inside remember forget imagine let".split())

# Head nouns of events, laws, buildings and natural events: never a person, organisation or place.
_NON_ACTOR_HEADS = frozenset(
    "act acts treaty accord accords amendment amendments doctrine campaign primary primaries caucus caucuses "
    "election elections referendum war wars summit olympics games cup bowl marathon festival awards award prize "
    "scandal shutdown crisis massacre shooting shootings bombing bombings attack attacks riot riots uprising "
    "memorial monument cathedral basilica stadium arena airport room ballroom plaza bridge tunnel highway "
    "freeway boulevard avenue hurricane superstorm storm typhoon cyclone earthquake wildfire fire flood "
    "pipeline".split()
)
# ... of which these are also common surnames: a span tagged PERSON keeps them ("Bruce Arena").
_SURNAME_HEADS = frozenset("arena bridge storm fire flood hall park day law tower cup".split())
# Two-word heads ("Joshua Tree National Park").
_NON_ACTOR_PAIRS = frozenset({"national park", "state park", "national forest", "national monument", "world cup", "super bowl"})
# A storm's or an operation's name starts with its kind ("Superstorm Sandy", "Hurricane Katrina").
_NON_ACTOR_LEADS = frozenset("hurricane superstorm typhoon cyclone operation battle siege tropical".split())

_WORD = re.compile(r"[\w'’.-]+")


def headline_fragment(name: str) -> bool:
    """A span in Title Case that is part of a headline, not a name: a headline verb or a
    capitalised function word after its first word ("Comey Asks Justice Department", "Trump Is
    Right"), or an imperative first word ("Add Sri Lanka")."""
    words = name.split()
    if len(words) < 2:
        return False
    if words[0].lower() in _IMPERATIVE_LEAD or words[0].lower() in _HEADLINE_VERBS:
        return True  # "Add Sri Lanka", "Wrote Racist"
    for word in words[1:]:
        plain = word.strip("'’\".,:;!?")
        if not plain or not plain[0].isupper() or plain.isupper() and len(plain) > 1:
            continue  # lower-case particles are judged elsewhere; "IS", "US" are acronyms
        low = plain.lower()
        if low in _HEADLINE_VERBS or low in _HEADLINE_FUNCTION_WORDS:
            return True
    return False


def strip_trailing_verbs(name: str) -> str:
    """A headline's verb after a name ("Kirstjen Nielsen Resigns" -> "Kirstjen Nielsen")."""
    words = name.split()
    while len(words) > 1 and words[-1].lower() in _HEADLINE_VERBS:
        words.pop()
    return " ".join(words)


def head_noun(name: str) -> str:
    """The word a name is about: the last one before "of" ("Room" of "Diplomatic Room of the
    White House", "Treaty" of "Treaty of Versailles"), else the last one."""
    words = name.split()
    for i, word in enumerate(words[1:], 1):
        if word.lower() == "of":
            return words[i - 1].lower().strip(".,")
    return words[-1].lower().strip(".,") if words else ""


def non_actor(name: str, kind: str) -> bool:
    """An event, a law, a building or a storm, whatever kind NER gave it."""
    words = name.lower().split()
    if len(words) < 2:
        return False
    if words[0] in _NON_ACTOR_LEADS:
        return True
    if " ".join(words[-2:]) in _NON_ACTOR_PAIRS:
        return True
    head = head_noun(name)
    if kind == "person" and head in _SURNAME_HEADS:
        return False
    return head in _NON_ACTOR_HEADS


def shouted_headline(name: str) -> bool:
    """Words in capitals that are not acronyms: a headline set in capitals ("MOURNED AS COMMUNITY")."""
    words = [w for w in name.split() if any(ch.isalpha() for ch in w)]
    return len(words) >= 2 and all(w.isupper() for w in words) and any(len(w.strip(".,")) >= 6 for w in words)


_SENTENCE_END = re.compile(r"[!?:;”\"…]$|[a-z]{3,}\.$")
_CREDIT_WORD = r"(?:[A-Z&][\w.'’&-]*|of|the|for|and|on|at|de|via)"
_CITATION = re.compile(
    rf"^(?:[-–—]\s*)?(?:(?i:photo|photograph|image|credit)s?:\s*)?(?:by\s+)?(?P<who>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,4}})\s*(?:,|\s[-–—|/]\s|/|\sfor\s)\s*"
    rf"(?P<where>{_CREDIT_WORD}(?:,?\s+{_CREDIT_WORD}|/{_CREDIT_WORD}){{0,7}})$"
)
_CONTRIBUTOR = re.compile(r"\bcontributed\s+(?:to\s+this\s+(?:report|article|story)|reporting)\b", re.IGNORECASE)
# A byline: short, and not a sentence ("By Monday, Ms. Lauten had resigned ..." is one).
_BYLINE = re.compile(
    r"^(?:by|photo by|reporting by|written by|write to|with reporting by|additional reporting by)\s+[A-Z]", re.IGNORECASE
)
_UP_TO_LAST_SENTENCE = re.compile(r"^.*(?:[a-z0-9)]{2,}[.!?][\"”’]?|[\"”])\s+", re.DOTALL)


def credited(paragraph: str) -> str:
    """Who a credit line names ("Nick Miroff" of "Nick Miroff, Washington Post", "Adam Maida" of
    "Adam Maida for BuzzFeed News", "Chris Albert" of "Chris Albert / CBS News"), or ''."""
    text = " ".join(paragraph.split())
    if not text or len(text) > 90 or len(text.split()) > 12 or _SENTENCE_END.search(text):
        return ""
    match = _CITATION.match(text)
    return match.group("who") if match else ""


def citation_line(paragraph: str) -> bool:
    """A paragraph that only credits a writer and an outlet ("Editorial Board, New York Times")."""
    return bool(credited(paragraph))


def credit_names(paragraph: str) -> str:
    """The part of a paragraph that credits people rather than naming actors: the writer of a
    credit line, of a credit after the line's last sentence or quotation ("... of it.” Josh
    Voorhees, Slate", "... March 17, 2020. Mike Segar/Reuters"). An embedded tweet's author
    ("— Donald J. Trump (@realDonaldTrump) November 13, 2017") is a speaker quoted, and stays."""
    text = paragraph.strip()
    who = credited(text)
    if who:
        return who
    tail = _UP_TO_LAST_SENTENCE.sub("", text)
    return credited(tail) if tail != text else ""


_AUTHOR_BIO = re.compile(r"^(?!(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|President)\b)(?:[A-Z][\w.'’-]*\s){1,3}[A-Z][\w'’-]+,?\s(?:is|was|has been|serves as)\s(?:a|an|the|one|author|editor|professor|senior|director|president)\b")


def author_bio(paragraph: str) -> bool:
    """An article's closing line about its writer ("Fred Gedrich is a foreign policy and national
    security analyst. He served in ...")."""
    return len(paragraph) < 400 and _AUTHOR_BIO.match(paragraph.strip()) is not None


def contributor_line(paragraph: str) -> bool:
    """A byline or a contributor line: the people it names wrote the article, they are not in it."""
    text = paragraph.strip()
    if _BYLINE.match(text):
        return len(text) < 150 and (text.lower().startswith(("write to", "with reporting", "additional reporting")) or not _SENTENCE_END.search(text))
    return len(text) < 500 and _CONTRIBUTOR.search(text) is not None


def headline_case(title: str) -> bool:
    """A title written in Headline Case: most of its longer words capitalised."""
    words = [w for w in _WORD.findall(title) if len(w) >= 4 and w[0].isalpha()]
    if len(words) < 3:
        return False
    return sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def named_in(name: str, kind: str, body: str) -> bool:
    """The name written in the body, or for a person the surname ("Kirstjen Nielsen" of a title
    whose article says "Nielsen")."""
    if name in body:
        return True
    words = name.split()
    return kind == "person" and len(words) > 1 and len(words[-1]) >= 3 and re.search(rf"\b{re.escape(words[-1])}\b", body) is not None
