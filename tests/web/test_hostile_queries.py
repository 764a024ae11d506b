"""Hostile query strings and parameters: never a server error, never a hang.

Property-based (hypothesis): arbitrary query text built from the pieces of the query syntax
(quotes, brackets, field prefixes, wildcards, fuzzy and boost marks, operators) mixed with
arbitrary unicode and control characters goes to the search page, the JSON API and the CSV
export, and every response must be below 500 and come back within ``TIME_LIMIT`` seconds.
Explicit cases cover the known-expensive shapes (very long queries, many OR terms, leading
wildcards, large fuzzy distances), malformed query strings and junk in every other URL
parameter; those also go to /duplicates/ and an article page, which read ``q`` too.

A request still running after ``TIME_LIMIT`` seconds is interrupted (SIGALRM in this, the main
thread) and reported, so a runaway query fails the test quickly instead of eating the machine.
The five seed articles (``seeds`` in tests/conftest.py) give the index something to match.
Hypothesis runs derandomized (the same examples every run) and keeps no example database, so
the test writes no files and a failure reproduces.
"""

from __future__ import annotations

import os
import signal
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import BOTH_ENGINES

pytestmark = [pytest.mark.django_db, pytest.mark.hostile, BOTH_ENGINES]

ENDPOINTS = ("/", "/api/search", "/export.csv", "/api/coverage")
TIME_LIMIT = 5.0  # seconds per response, the body included
PARAMS = ("q", "outlet", "-outlet", "actor", "-actor", "from", "to", "granularity", "split", "sort", "page", "collapse", "undated")

# `make test` runs a short pass; `make bench` sets NEWSINDEX_HOSTILE_EXAMPLES=500 for the long one.
EXAMPLES = int(os.environ.get("NEWSINDEX_HOSTILE_EXAMPLES", "40"))
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the per-request TIME_LIMIT is the real deadline
    database=None,  # no .hypothesis/ folder in the checkout
    derandomize=True,  # the same examples every run: a failure reproduces, a pass stays a pass
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- fetching -------------------------------------------------------------------------------------


class Hung(BaseException):
    """Raised by SIGALRM inside a request that overran TIME_LIMIT (not an Exception: Django lets it through)."""


@contextmanager
def hard_limit(seconds: float) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise Hung

    previous = signal.signal(signal.SIGALRM, stop)
    # Repeats every half second until cleared: an exception raised while Python runs a gc
    # callback (hypothesis installs one) is swallowed, so one alarm may not be enough.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def web() -> Client:
    """A test client that hands back a 500 (with exc_info) instead of raising the view's exception."""
    return Client(raise_request_exception=False)


SERVER_ERROR, TOO_SLOW = "server error", "too slow"


def fetch(
    client: Client, url: str, params: dict[str, Any] | None = None, *, query_string: str | None = None
) -> tuple[str, str] | None:
    """None when the GET answered below 500 within TIME_LIMIT (the whole body read), else (kind, what went wrong)."""
    started = time.monotonic()
    try:
        with hard_limit(TIME_LIMIT):
            response = client.get(f"{url}?{query_string}") if query_string is not None else client.get(url, params or {})
            if response.streaming:
                b"".join(response.streaming_content)
            else:
                response.content  # noqa: B018
    except Hung:
        return TOO_SLOW, f"no answer within {TIME_LIMIT:.0f}s (interrupted)"
    seconds = time.monotonic() - started
    if response.status_code >= 500:
        exc = getattr(response, "exc_info", None)
        return SERVER_ERROR, f"{response.status_code} ({exc[0].__name__}: {exc[1]})" if exc else str(response.status_code)
    if seconds >= TIME_LIMIT:
        return TOO_SLOW, f"{response.status_code} after {seconds:.1f}s (limit {TIME_LIMIT:.0f}s)"
    return None


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else f"{text[:200]}... ({len(text)} chars)"


def assert_survives(client: Client, params: dict[str, Any]) -> None:
    """Every endpoint answers; stops at the first that does not (hypothesis then shrinks faster)."""
    for url in ENDPOINTS:
        problem = fetch(client, url, params)
        where = f"GET {url} {shown(params)}"
        # Two assertions on two lines: hypothesis then reports a 500 and a slow answer as two
        # bugs, each with its own minimal example, instead of shrinking them into one.
        assert problem is None or problem[0] != SERVER_ERROR, f"{where}: {problem[1]}"
        assert problem is None, f"{where}: {problem[1]}"


# --- strategies --------------------------------------------------------------------------------------

SYNTAX = [
    '"', "'", "“", "”", "«", "»", "(", ")", "[", "]", "{", "}", "<", ">", "=", ":", "\\", "/", "|", "&", "!",
    "title:", "body:", "outlet:", "outlet_name:", "date:", "published:", "author:", "authors:", "by:",
    "actor:", "actors:", "id:", "article_id:", "day:", "undated:", "fingerprint:", "copy_of:", "nosuchfield:",
    "*", "?", "*a*", "a*", "*a", "?*?", "~", "~1", "~2", "~9", "~99999", "~2/1", "~1/99", "^", "^2", "^-1", "^1e308",
    "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "to", "and", "or", "not", "&&", "||", "-", "+",
    "chechnya", "Chechnya", "Linkevičius", "Linkevicius", "Kadyrov", "State", "Department", "visas", "the", "a",
    "2017", "2017-05-20", "2017-13-45", "[2017 to 2018]", "[2017-05-01 to 2017-05-31]", "[2017 to", "to 2017]",
    "{2017 TO}", "[* TO *]", ">2017", "<=2017-05-20", ">=", "yesterday", "today", "-1 week", "10000",
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\t", "\n", "\r", "\x0b", "\x0c", "\u0085", "\u2028", "\u00a0",
    "\u200b", "\u200d", "\u202e", "\ufeff", "\ufffd", "\uffff", "🙂", "👨‍👩‍👧", "ß", "İ", "ﬁ", "Ⅻ", "𝔘", "中文", "עברית",
    "e\u0301", "%", "%00", "%ff", "#", ";", ",", ".", "...", "<script>alert(1)</script>", "'; DROP TABLE x; --",
]
SEPARATORS = ["", " ", "  ", "\t"]

token = st.one_of(
    st.sampled_from(SYNTAX),
    st.text(min_size=1, max_size=12),  # arbitrary unicode (no surrogates), control characters included
    st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=15),
)
words = st.one_of(
    st.sampled_from(["chechnya", "Linkevičius", "visas", "gay", "State", "a", "x", "the", "abcdefghijklmnopqrstuvwxyz"]),
    st.text(alphabet=string.ascii_letters + "áčšžß", min_size=1, max_size=30),
)
numbers = st.one_of(st.integers(min_value=-5, max_value=100_000).map(str), st.sampled_from(["", "1.5", "1e9", "-", "x"]))
# The operators that make Whoosh do work in proportion to their argument: fuzzy distance and
# prefix (word~N/P), boosts, ranges, wildcards and field prefixes.
structured = st.one_of(
    st.builds(lambda w, d, p: f"{w}~{d}{p}", words, numbers, st.one_of(st.just(""), numbers.map(lambda n: "/" + n))),
    st.builds(lambda w, b: f"{w}^{b}", words, numbers),
    st.builds(
        lambda field, open_, low, to, high, close: f"{field}{open_}{low} {to} {high}{close}",
        st.sampled_from(["", "date:", "title:", "day:", "nosuch:"]),
        st.sampled_from(["[", "{", "(", ""]),
        st.one_of(words, numbers, st.just("2017-05-01"), st.just("")),
        st.sampled_from(["to", "TO", ""]),
        st.one_of(words, numbers, st.just("2017"), st.just("")),
        st.sampled_from(["]", "}", ")", ""]),
    ),
    st.builds(lambda f, w: f"{f}{w}", st.sampled_from(["title:", "body:", "outlet:", "author:", "actor:", "date:", "date:>", "date:<=", "id:"]),
              st.one_of(words, numbers, st.just('"a b"'), st.just("*"))),
    st.text(alphabet="*?ab", min_size=1, max_size=12),
)
queries = st.one_of(
    st.lists(st.one_of(token, structured), max_size=40).flatmap(lambda parts: st.sampled_from(SEPARATORS).map(lambda sep: sep.join(parts))),
    st.text(max_size=300),
)
junk = st.one_of(
    st.sampled_from(
        [
            "", " ", "0", "-1", "1", "00", "9" * 30, "1e9", "NaN", "inf", "true", "yes", "on", "2017-05-20", "2017-02-30",
            "0000-00-00", "9999-12-31", "2017-5-2", "２０１７-05-20", "relevance", "date", "oldest", "year", "month",
            "day", "fortnight", "The Independent", "Unknown outlet", "\x00", "\uffff", "🙂", "a" * 5000,
        ]
    ),
    st.text(max_size=60),
)
junk_params = st.dictionaries(st.sampled_from(PARAMS), st.lists(junk, min_size=1, max_size=4), max_size=len(PARAMS))


# --- properties ----------------------------------------------------------------------------------------


@HYPOTHESIS
@given(q=queries)
@example(q="*")
@example(q='"unclosed')
@example(q="((((")
@example(q="))))")
@example(q="[[[")
@example(q='title:"a OR (b')
@example(q="*a*")
def test_any_query_string_is_answered(web, seeds, q: str) -> None:  # type: ignore[no-untyped-def]
    assert_survives(web, {"q": q})


@HYPOTHESIS
@given(params=junk_params)
@example(params={"page": ["99999999999999999999"], "sort": ["\x00"], "from": ["2017-02-30"], "to": ["0000-00-00"]})
@example(params={"actor": ["99999999999"], "outlet": ["\x00"], "granularity": ["day"], "collapse": ["1"], "undated": ["1"]})
@example(params={"actor": [str(n) for n in range(60)], "outlet": [f"o{n}" for n in range(60)]})
def test_junk_in_every_parameter_is_answered(web, seeds, params: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    assert_survives(web, params)


# --- explicit shapes ----------------------------------------------------------------------------------
# Each group runs in one test (one import of the seeds) and reports every failing case at once.

HOSTILE_QUERIES = {
    "boosted-open-date-range": "date:(2017-05-01 TO ]^2",  # parsed to a term of no field
    "10000-chars-one-word": "a" * 10_000,
    "10000-chars-many-words": "chechnya " * 1_200,
    "10000-brackets": ("(" * 5_000) + (")" * 5_000),
    "10000-quotes": '"' * 10_000,
    "star": "*",
    "stars": "* * *",
    "question-mark": "?",
    "infix-wildcard": "*a*",
    "infix-wildcards": "*a* *e* *i* *o* *u*",
    "field-wildcards": "title:*a* OR body:*e* OR outlet:*i*",
    "1000-stars": "*" * 1_000,
    "500-wildcard-runs": "*a" * 500,
    "open-quote": '"unbalanced',
    "close-quote": 'unbalanced"',
    "odd-quotes": '"a" "b',
    "open-brackets": "(chechnya OR (visas",
    "close-brackets": "chechnya) OR visas)",
    "open-range": "[2017 TO",
    "open-date-range": "date:[2017-05-01 to",
    "open-brace": "date:{",
    "500-or-terms": " OR ".join(f"term{n}" for n in range(500)),
    "500-short-or-terms": " OR ".join("abcdefghijklmnopqrstuvwxyz"[n % 26] * (1 + n % 5) for n in range(500)),
    "500-or-infix-wildcards": " OR ".join(["*a*"] * 500),
    "500-nots": " ".join(["NOT"] * 500),
    "500-ands": "a AND " * 500,
    "fuzzy-huge-distance": "chechnya~99999",
    "fuzzy-long-word-distance-50": "Linkevičius~50",
    "fuzzy-26-letters-distance-9": "abcdefghijklmnopqrstuvwxyz~9",
    "fuzzy-prefix-too-long": "chechnya~2/99",
    "huge-boost": "chechnya^99999999999999999999",
    "empty-fields": "title: outlet: date: author:",
    "date-words": "date:yesterday date:tomorrow date:>2017 date:<=1900",
    "date-out-of-range": "date:[19999-01-01 to 99999-12-31]",
    "control-chars": "\x00\x01\x02\x1b[31m\x7f",
    "format-chars": "\u202e\u200b\ufeff\uffff",
    "emoji": "🙂" * 2_000,
}

MALFORMED_QUERY_STRINGS = {
    "invalid-utf8": "q=%ff%fe%fd",
    "overlong-nul": "q=%c0%80",
    "encoded-surrogate": "q=%ed%a0%80",
    "truncated-escape": "q=%",
    "bad-escape": "q=%zz",
    "repeated-q": "q=a&q=b&q=",
    "q-without-value": "q",
    "empty-names": "=&&&=",
    "long-raw": "q=" + "x" * 10_000 + "&page=2",
    "invalid-utf8-everywhere": "outlet=%ff&actor=%ff&from=%ff&to=%ff&granularity=%ff&sort=%ff&page=%ff&collapse=%ff&undated=%ff",
    "nul-escapes": "page=%00&sort=%00&from=%00",
}

HOSTILE_COMBINATIONS = {
    "from-with-no-match": {"q": "zzzznomatch", "from": "2017-01-01"},
    "to-with-no-match": {"q": "zzzznomatch", "to": "2017-01-01"},
    "from-unknown-outlet": {"outlet": "No such outlet", "from": "2017-01-01"},
    "to-unknown-actor": {"actor": "99999999", "to": "2017-01-01"},
    "from-only": {"from": "2017-05-01"},
    "to-only": {"to": "2017-05-01"},
    "widest-range": {"from": "0001-01-01", "to": "9999-12-31"},
    "widest-range-by-day": {"from": "0001-01-01", "to": "9999-12-31", "granularity": "day"},
    "last-day": {"from": "9999-12-31", "to": "9999-12-31"},
    "first-day": {"from": "0001-01-01", "to": "0001-01-01", "granularity": "month"},
    "from-first-day-by-day": {"from": "0001-01-01", "granularity": "day"},
    "to-last-day-by-year": {"to": "9999-12-31", "granularity": "year"},
    "reversed-range": {"from": "2017-12-31", "to": "2017-01-01", "q": "chechnya"},
    "everything-at-once": {
        "q": '"gay men" OR title:(visas*', "outlet": ["The Independent", "Unknown outlet"], "actor": ["1", "999999"],
        "from": "2017-05-20", "to": "2017-05-01", "granularity": "day", "sort": "oldest", "page": "500",
        "collapse": "1", "undated": "1",
    },
}

JUNK_VALUES = [
    "", "-1", "0", "99999999999999999999", "1.5", "1e3", "abc", "2017-13-45", "2017-02-30", "0000-00-00", "9999-12-31",
    "\x00", "\uffff", "🙂", "<script>alert(1)</script>", "' OR 1=1 --", "x" * 10_000,
    "²", "٣", "1²",  # digits to str.isdigit() that int() refuses (found by the long run of make bench)
]


def failures(client: Client, cases: dict[str, dict[str, Any] | str], endpoints: tuple[str, ...]) -> list[str]:
    """Every (case, endpoint) that answered 500+, too slowly, or hung; cases are params or raw query strings."""
    found = []
    for name, case in cases.items():
        for url in endpoints:
            if isinstance(case, str):
                problem = fetch(client, url, query_string=case)
            else:
                problem = fetch(client, url, case)
            if problem:
                found.append(f"{name}: GET {url}: {problem[1]}")
    return found


def all_endpoints(seeds) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return (*ENDPOINTS, "/duplicates/", "/api/passages", "/coverage/", f"/articles/{seeds['001'].pk}/")


def test_explicit_hostile_queries(web, seeds) -> None:  # type: ignore[no-untyped-def]
    bad = failures(web, {name: {"q": q} for name, q in HOSTILE_QUERIES.items()}, all_endpoints(seeds))
    assert not bad, f"{len(bad)} failures:\n" + "\n".join(bad)


def test_hostile_parameter_combinations(web, seeds) -> None:  # type: ignore[no-untyped-def]
    bad = failures(web, dict(HOSTILE_COMBINATIONS), (*ENDPOINTS, "/duplicates/"))
    assert not bad, f"{len(bad)} failures:\n" + "\n".join(bad)


def test_malformed_query_strings(web, seeds) -> None:  # type: ignore[no-untyped-def]
    bad = failures(web, dict(MALFORMED_QUERY_STRINGS), all_endpoints(seeds))
    assert not bad, f"{len(bad)} failures:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", [p for p in PARAMS if p != "q"])
def test_junk_value_in_each_parameter(web, seeds, name: str) -> None:  # type: ignore[no-untyped-def]
    cases: dict[str, dict[str, Any] | str] = {}
    for value in JUNK_VALUES:
        label = f"{name}={value[:20]!r}" + (f"..({len(value)} chars)" if len(value) > 20 else "")
        cases[label + " with q"] = {name: value, "q": "chechnya"}
        cases[label + " x60"] = {name: [value] * 60}
    bad = failures(web, cases, (*ENDPOINTS, "/duplicates/"))
    assert not bad, f"{len(bad)} failures:\n" + "\n".join(bad)
