"""Publication dates: from metadata values or from a dateline near the top of the text."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from dateparser.date import DateDataParser

from search.ingest.records import DatePrecision

EARLIEST = dt.date(1900, 1, 1)
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)?\s*$")
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?"
# A dateline names a month and a four-digit year: "Saturday 20 May 2017 17:34 BST",
# "Thursday, May 18, 2017", "May 18, 2017 at 5:02 pm", "Published 18 May 2017".
_DATELINE = re.compile(
    rf"(?:{_WEEKDAY}\s*)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?)"
    rf"\s*,?\s+(?:19|20)\d\d(?:,?\s*(?:at\s+)?\d{{1,2}}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{{2,4}})?)?",
    re.IGNORECASE,
)
# Lines longer than this are prose, not datelines.
MAX_DATELINE_CHARS = 80
DATELINE_SEARCH_LINES = 25


@lru_cache(maxsize=1)
def _parser() -> DateDataParser:
    return DateDataParser(
        languages=["en"],
        settings={"PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "MDY", "RETURN_AS_TIMEZONE_AWARE": False},
    )


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _checked(day: dt.date, precision: DatePrecision, raw: str) -> tuple[dt.date | None, DatePrecision, str]:
    if day < EARLIEST:
        return None, "", f"date {raw!r} is before 1900: dropped"
    if day > today():
        return None, "", f"date {raw!r} is in the future: dropped"
    return day, precision, ""


def parse_date(value: str) -> tuple[dt.date | None, DatePrecision, str]:
    """Parse a metadata date value. Returns (date, precision, warning); the warning is '' when fine."""
    raw = (value or "").strip()
    if not raw:
        return None, "", ""
    try:
        if m := _ISO.match(raw):
            return _checked(dt.date(int(m[1]), int(m[2]), int(m[3])), "day", raw)
        if m := _YEAR_MONTH.match(raw):
            return _checked(dt.date(int(m[1]), int(m[2]), 1), "month", raw)
        if m := _YEAR.match(raw):
            return _checked(dt.date(int(m[1]), 1, 1), "year", raw)
    except ValueError:
        return None, "", f"date {raw!r} is not a real date: dropped"
    if len(raw) > 100:
        return None, "", "date value too long to be a date: dropped"
    data = _parser().get_date_data(raw)
    if data.date_obj is None:
        return None, "", f"date {raw!r} not understood: dropped"
    precision: DatePrecision = data.period if data.period in ("day", "month", "year") else "day"
    return _checked(data.date_obj.date(), precision, raw)


def find_dateline(lines: list[str]) -> tuple[int, dt.date | None, DatePrecision, str]:
    """Look for a dateline among the first lines. Returns (line index or -1, date, precision, warning)."""
    for index, line in enumerate(lines[:DATELINE_SEARCH_LINES]):
        stripped = line.strip()
        if not stripped or not is_dateline(stripped):  # a line that is only a date ("Correction: May 5, 2012" is not)
            continue
        match = _DATELINE.search(stripped)
        if not match:
            continue
        data = _parser().get_date_data(match.group(0))
        if data.date_obj is None:
            continue
        day, precision, warning = _checked(data.date_obj.date(), "day", match.group(0))
        return index, day, precision, warning
    return -1, None, "", ""


def is_dateline(line: str) -> bool:
    """True when the line is only a dateline (so it can leave the body once read)."""
    stripped = line.strip()
    match = _DATELINE.search(stripped)
    if not match or len(stripped) > MAX_DATELINE_CHARS:
        return False
    rest = (stripped[: match.start()] + stripped[match.end() :]).strip(" ,|-–—")
    rest = re.sub(r"^(published|updated|posted|last updated)\b:?", "", rest, flags=re.IGNORECASE).strip()
    return not rest
