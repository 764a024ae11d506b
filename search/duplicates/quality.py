"""Which shared passages are real reuse, and where their edges are (plain functions on text).

The detector (align/group) finds every stretch of 8+ words two articles share. Many are not
reuse a reader cares about: stock phrases any reporter writes, attribution formulas ("said Rep.
X, vice chairman of ..."), photo captions and credits, author bios, "click here" lines. What
text-reuse tools (passim, TextPAIR) do, and what this module does for the database layer:

- `snap_span`: a member's edges move to word and clause boundaries: a stray word or two of the
  previous or next sentence is cut off, a span starting inside a name or a word is widened to it,
  a span ending just before the end of its sentence is carried to it;
- `junk_reason`: captions, credits, bios, furniture and attribution-only passages (once names,
  titles and attribution words are taken out, too few informative words are left) are named;
- `is_quotation`: a short passage (8+ words but under 50 characters) counts when it is a quote.
"""

from __future__ import annotations

import re
from collections import defaultdict
from difflib import SequenceMatcher

from search.duplicates.model import PassageGroup, Span

MIN_INFORMATIVE_WORDS = 3  # words left once names, numbers, titles, attribution and stop words are out
MIN_QUOTED_INFORMATIVE = 2
MIN_CHARS = 50  # a passage counts from this many characters, or from 8 words inside a quotation
# A member must contain most of the passage: below this similarity to the representative it is
# another text that merely overlaps it, and is left out of the group.
MIN_MEMBER_SIMILARITY = 0.7
_EDGE_WORDS = 3  # at most this many stray words are cut off (or added) at either end

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+")
_WORD = re.compile(r"[\w'’.-]+")

_CAPTION = re.compile(
    r"\b(?:getty images|ap photo|afp via getty|photo by|photo:|photos:|image:|image caption|file photo|"
    r"photograph(?:ed)? by|courtesy of|pictured|shutterstock|reuters/|/reuters|/ap\b|/afp|/getty|"
    r"\(ap\)|\(photo|credit:|caption|slideshow|gallery|click to enlarge|hide caption|toggle caption)",
    re.IGNORECASE,
)
_BIO = re.compile(
    r"(?:\bis (?:a|an|the) (?:[\w-]+ ){0,4}(?:columnist|contributor|writer|correspondent|reporter|editor|"
    r"fellow|professor|author|host|analyst|commentator|president|director|founder|member)\b|"
    r"\bis the author of\b|\bis (?:writing|working on) (?:a|an|his|her) (?:new )?(?:book|novel|memoir)\b|\bfollow (?:him|her|them|us|me) on\b|\bviews expressed\b|\bopinions expressed\b|"
    r"\bdo(?:es)? not necessarily reflect\b|\bemail (?:him|her|them) at\b)",
    re.IGNORECASE,
)
_FURNITURE = re.compile(
    r"\b(?:click here|sign up (?:for|to|here|now)|subscribe (?:to|now|for|here)|(?:our|the|daily|free) newsletter|"
    r"all rights reserved|copyright (?:©|\d{4})|© ?\d{4}|this (?:article|story|piece) (?:was |originally |first )*"
    r"(?:appeared|published)|originally (?:appeared|published)|read more\b|contributed to this report|"
    r"contributed reporting|reporting by|editing by|writing by|terms of (?:use|service)|privacy policy|"
    r"share this|tweet this|related:|recommended:|sponsored (?:content|by)|send (?:us )?tips|see pdf|"
    r"share your (?:experiences|story|stories)|(?:report|story|article) has been updated|write to \w+|"
    r"media playback|media caption|photos of the week|best news pictures|get the brief|"
    r"choose your country|please refresh|all times eastern|download the (?:ms|full|pdf|app)|"
    r"text \w+ to \d{4,}|call 1-800|for your convenience|printable|podcast|"
    r"(?:produced|published) in partnership with|reporting network)|^By [A-Z][\w'’-]+(?: [A-Z][\w'’.-]+){1,3},(?: [\w'’-]+){0,5} (?:correspondent|reporter|editor|writer|staff|contributor|columnist)\b|^Welcome to (?:the|our)\b|\bwww\.|^Interactive\b|\b[\w.+-]+@[\w-]+\.[\w.]+|\bShares$|, [A-Z][\w'’-]+ [A-Z][\w'’-]+ writes\.$",
    re.IGNORECASE,
)
# A short stretch (fewer than FRAGMENT_WORDS words) that is neither a quotation nor a whole
# sentence is a stock phrase any reporter writes ("investigation into Russian meddling in the
# 2016 election", "one of the first two Muslim women elected to Congress").
FRAGMENT_WORDS = 12
# Words of attribution formulas and titles: what is left without them is the passage's content.
_ATTRIBUTION = set(
    """said says say saying told tell tells according statement statements added adding noted noting
    asked asking wrote writes writing spoke speaking declared announced reported reporting interview
    interviews address weekly radio internet told remarks comment comments commented spokesman
    spokeswoman spokesperson press release conference briefing dissented dissent dissenting joined
    opinion majority wrote concurring rep sen gov rep. sen. gov. mr mrs ms dr president vice chairman
    chairwoman chair ranking member committee secretary minister senator representative congressman
    congresswoman governor mayor leader speaker director chief executive officer spokesman justice
    justices judge attorney general former top aide adviser official officials""".split()
)
_STOP = set(
    """a an the and or but of to in on at by for from with as is was were be been being are it its this
    that these those he she they them his her their we our you your i me my not no so than then there
    here who whom which what when where why how all any both each few more most other some such only own
    same too very can will just should now also into over after before about against between through
    during under again further once would could may might must do does did has have had having said""".split()
)


def snap_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Move a passage's edges to word and clause boundaries (see the module docstring)."""
    start, end = max(0, start), min(len(text), end)
    # Inside a word: widen to it.
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "'’"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] in "'’"):
        end += 1
    # A clause boundary within the first few words: the words before it belong to another sentence.
    head = text[start:end]
    words_seen = 0
    for match in _SENTENCE_END.finditer(head):
        words_seen = len(_WORD.findall(head[: match.start()]))
        if words_seen > _EDGE_WORDS:
            break
        if words_seen and _abbreviation_before(head, match.start()):
            continue
        rest = head[match.end() :]
        # Only a fragment that starts mid-sentence is stray ("... the vote. The court ruled")
        if len(_WORD.findall(rest)) >= 8 and not head.lstrip("\"'“‘([ ")[:1].isupper():
            start += match.end()
        break
    # A span starting inside a name ("... Smith said" from "John Smith said"): take the name.
    while start > 1 and text[start].isupper() and text[start - 1] == " ":
        before = re.search(r"([A-Z][\w'’.-]*)\s$", text[max(0, start - 40) : start])
        if not before or _SENTENCE_END.search(text[max(0, start - 3) : start]) or before.group(1).lower() in _STOP:
            break
        start -= len(before.group(1)) + 1
    # The end: cut stray words after the last clause boundary, or carry on to a close one.
    body = text[start:end]
    ends = [m for m in _SENTENCE_END.finditer(body) if not _abbreviation_before(body, m.start())]
    if ends:
        last = ends[-1]
        tail = body[last.end() :].rstrip()
        tail_words = len(_WORD.findall(tail))
        # A stray start of the next sentence: short and unfinished ("The court" but not "he said.").
        unfinished = not re.search(r"[.!?…][\"'”’»)\]]*$", tail)
        if 0 < tail_words <= _EDGE_WORDS and unfinished and len(_WORD.findall(body[: last.start()])) >= 8:
            end = start + len(body[: last.end()].rstrip())
            return start, end
    after = _SENTENCE_END.search(text, end)
    if after and len(_WORD.findall(text[end : after.start()])) <= 2 and not text[end : after.start()].count("\n"):
        end = len(text[: after.end()].rstrip())
    return start, end


def _abbreviation_before(text: str, at: int) -> bool:
    """The full stop at `at` ends an abbreviation ("Rep.", "U.S.", "I.R.S."), not a sentence."""
    if at >= len(text) or text[at] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[:at])
    if not word:
        return False
    w = word.group(1)
    if w[:1].isupper() and len(w) <= 4 and w.isalpha():
        return True  # "Capt.", "Gen.", "Sen.", "Mr."
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", w)) or w.lower() in {
        "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "st", "jr", "sr", "inc",
        "co", "corp", "ltd", "vs", "no", "jan", "feb", "aug", "sept", "oct", "nov", "dec", "u.s", "u.n",
    }


def informative_words(text: str) -> int:
    """Words left once names (capitalised words), numbers, titles, attribution and stop words are out."""
    count = 0
    for i, word in enumerate(_WORD.findall(text)):
        bare = word.strip(".'’-").lower()
        if not bare or bare in _STOP or bare in _ATTRIBUTION or bare.isdigit():
            continue
        if word[0].isupper() and i > 0:
            continue  # a name (the first word of the text is capitalised anyway)
        count += 1
    return count


def junk_reason(text: str, quoted: bool = False, whole_sentence: bool | None = None) -> str | None:
    """Why this shared text is not reuse worth showing, or None. A quotation is someone's own
    words, never an attribution formula: it needs only MIN_QUOTED_INFORMATIVE words.
    `whole_sentence`: whether the text is a whole sentence of its paragraph (None: judged from
    the text alone)."""
    if _CAPTION.search(text):
        return "caption or credit"
    if _FURNITURE.search(text):
        return "page furniture"
    if _BIO.search(text):
        return "author bio"
    if informative_words(text) < (MIN_QUOTED_INFORMATIVE if quoted else MIN_INFORMATIVE_WORDS):
        return "attribution or stock phrase"
    quotes = any(mark in text for mark in "“”\"")
    sentence = _is_sentence(text) if whole_sentence is None else whole_sentence
    if not quoted and not quotes and len(_WORD.findall(text)) < FRAGMENT_WORDS and not sentence:
        return "short fragment (stock phrase)"
    return None


def whole_sentence(paragraph: str, start: int, end: int) -> bool:
    """The span starts where a sentence starts and ends where one ends."""
    before = paragraph[:start].rstrip(" \"'“‘([")
    starts = not before or before[-1] in ".!?…:;\"”’"
    tail = paragraph[end:].strip()
    ends = bool(re.search(r"[.!?…][\"'”’»)\]]*$", paragraph[start:end].rstrip())) or not tail or tail[:1] in ".!?…"
    return starts and ends and _is_sentence(paragraph[start:end] + ("" if ends and tail[:1] not in ".!?…" else "."))


def _is_sentence(text: str) -> bool:
    """Starts with a capital (or a quote) and ends with sentence punctuation."""
    bare = text.strip()
    first = bare.lstrip("\"'“‘([")[:1]
    return bool(first) and first.isupper() and bool(re.search(r"[.!?…][\"'”’»)\]]*$", bare))


_OPENING = re.compile(r"(?:^|[\s(\[—–-])[“\"‘]([^“”\"]*)$")
_CLOSING = re.compile(r"^([^“”\"]*?)[”\"’](?=\s|$|[.,;:!?)\]—–-])")


def is_quotation(text: str, start: int, end: int) -> bool:
    """The span is a quotation: it opens at (or within two words of) an opening quote mark and
    closes at (or within two words of) the closing one. A few words inside a long quoted
    paragraph are not a quotation of their own."""
    span = text[start:end].strip()
    if not span:
        return False
    opened = span[:1] in "“\"‘"
    if not opened:
        before = _OPENING.search(text[max(0, start - 200) : start])
        opened = before is not None and len(_WORD.findall(before.group(1))) <= 2
    closed = span[-1:] in "”\"’" or span[-2:-1] in "”\"’"
    if not closed:
        after = _CLOSING.match(text[end : end + 200])
        closed = after is not None and len(_WORD.findall(after.group(1))) <= 2
    return opened and closed


def refine(found: list[PassageGroup], texts: dict[int, str]) -> tuple[list[PassageGroup], dict[str, int]]:
    """The groups worth showing, their members' edges snapped to word and clause boundaries.

    Members that do not contain most of the passage are grouped apart (_split); groups left in one article, too short
    (under MIN_CHARS unless a quotation of 8+ words) or that are captions, credits, bios,
    furniture or attribution formulas (search.duplicates.quality) go. Returns the groups kept
    and how many were dropped for each reason.
    """
    kept: list[PassageGroup] = []
    dropped: dict[str, int] = defaultdict(int)
    work = [p for group in found for p in _split(group, texts)]
    while work:
        part = work.pop()
        members = []
        for span, similarity in part.members:
            start, end = snap_span(texts[span.paragraph], span.start, span.end)
            members.append((Span(span.article, span.paragraph, start, end), similarity))
        if len({span.article for span, _ in members}) < 2:
            dropped["in one article"] += 1
            continue
        first = members[0][0]
        paragraph = texts[first.paragraph]
        text = paragraph[first.start : first.end]
        quoted = is_quotation(paragraph, first.start, first.end)
        reason = "short and not a quotation" if len(text) < MIN_CHARS and not quoted else None
        reason = reason or junk_reason(text, quoted, whole_sentence(paragraph, first.start, first.end))
        if reason:
            dropped[reason] += 1
            # Members that are a longer or reworded variant of the junk passage (a sentence
            # around a stock phrase) may still be a passage among themselves.
            rest = [(span, sim) for span, sim in part.members if sim < 0.95]
            if len({span.article for span, _ in rest}) >= 2:
                work.extend(_split(PassageGroup(rest, False), texts, force=True))
            continue
        kept.append(PassageGroup(members, part.exact))
    kept.sort(key=lambda g: g.members[0][0])
    return kept, dict(dropped)


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip(".'’").replace("’", "'") for w in _WORD.findall(text.casefold()))


def _split(group: PassageGroup, texts: dict[int, str], force: bool = False) -> list[PassageGroup]:
    """The group as one or more groups whose members all contain most of their passage.

    The detector chains overlapping occurrences, and measures similarity to the member in the
    lowest article id, which may be a longer or reworded variant that the others merely overlap
    (identical copies then score 0.45 against it). Here the most common wording is the
    representative; members under MIN_MEMBER_SIMILARITY to it are grouped again among themselves.
    """
    members = [(span, sim) for span, sim in group.members if span.paragraph in texts]
    if not force and (group.exact or (members and members[0] == group.members[0] and all(sim >= MIN_MEMBER_SIMILARITY for _, sim in members))):
        return [PassageGroup(members, group.exact)] if members else []
    out = []
    while len(members) >= 2:
        scored = _rerepresent(members, texts)
        near = [(span, sim) for span, sim in scored if sim >= MIN_MEMBER_SIMILARITY]
        out.append(PassageGroup(near, all(sim == 1.0 for _, sim in near)))
        members = [(span, sim) for span, sim in scored if sim < MIN_MEMBER_SIMILARITY]
    return out


def _rerepresent(members: list[tuple[Span, float]], texts: dict[int, str]) -> list[tuple[Span, float]]:
    """Members with their similarity to their most common wording (put first; ties: the earliest)."""
    words = [_words(texts[span.paragraph][span.start : span.end]) for span, _ in members]
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    for w in words:
        counts[w] += 1
    best = max(range(len(members)), key=lambda i: (counts[words[i]], -i))
    ref = words[best]
    matcher = SequenceMatcher(None, [], list(ref), autojunk=False)
    scored = []
    for i, (span, _) in enumerate(members):
        if words[i] == ref:
            scored.append((span, 1.0))
            continue
        matcher.set_seq1(list(words[i]))
        scored.append((span, round(matcher.ratio(), 4)))
    return [scored[best]] + scored[:best] + scored[best + 1 :]


def quote_checker(texts: dict[int, str]):  # type: ignore[no-untyped-def]
    """Settings.is_quote over paragraph texts held in memory."""

    def is_quote(spans: list[tuple[int, int, int]]) -> list[bool]:
        return [pid in texts and is_quotation(texts[pid], a, b) for pid, a, b in spans]

    return is_quote
