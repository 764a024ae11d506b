"""Time of day of a publication, where the input gives one.

Articles keep their publication date (a day); some inputs also say when in the day: an ISO
timestamp in the metadata ("2017-05-20T16:34:00Z") or a dateline with a clock time ("Saturday
20 May 2017 17:34 BST"). The raw input is kept with every article, so the time is read from it
when a page needs it (a passage's spread), for the day the article is dated, never another.
"""

from __future__ import annotations

import datetime as dt
import re

from search.ingest.dates import DATELINE_SEARCH_LINES, MAX_DATELINE_CHARS, _DATELINE, _parser

# Zone abbreviations seen in English-language datelines with one meaning; "ET", "IST" and the
# like are ambiguous and leave the time without a zone (treated as UTC, and said so).
ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 60, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180, "MSK": 180,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}
_ISO_TIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d\d)(?::\d\d(?:\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?\s*$", re.IGNORECASE
)
_CLOCK = re.compile(r"(\d{1,2})[:.](\d\d)(?:\s*([ap])\.?m\.?)?(?:\s+([A-Z]{1,4}))?\s*$", re.IGNORECASE)


def _zone(offset_minutes: int | None) -> dt.tzinfo | None:
    return None if offset_minutes is None else dt.timezone(dt.timedelta(minutes=offset_minutes))


def _iso_offset(raw: str | None) -> int | None:
    if not raw:
        return None
    if raw.upper() == "Z":
        return 0
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:]))


def from_metadata(value: str, day: dt.date) -> dt.datetime | None:
    """A metadata date with a time on `day`: the time (aware when the value has a zone)."""
    match = _ISO_TIME.match(value or "")
    if not match:
        return None
    try:
        when = dt.datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4]), int(match[5]))
    except ValueError:
        return None
    if when.date() != day:
        return None
    return when.replace(tzinfo=_zone(_iso_offset(match[6])))


def from_dateline(lines: list[str], day: dt.date) -> dt.datetime | None:
    """The clock time of the first dateline (among the first lines) that names `day`."""
    for line in lines[:DATELINE_SEARCH_LINES]:
        stripped = line.strip()
        if not stripped or len(stripped) > MAX_DATELINE_CHARS:
            continue
        match = _DATELINE.search(stripped)
        if not match:
            continue
        clock = _CLOCK.search(match.group(0))
        if not clock:
            continue
        data = _parser().get_date_data(match.group(0)[: clock.start()].strip(" ,"))
        if data.date_obj is None or data.date_obj.date() != day:
            continue
        hour, minute = int(clock[1]), int(clock[2])
        if clock[3]:
            hour = hour % 12 + (12 if clock[3].lower() == "p" else 0)
        if hour > 23 or minute > 59:
            return None
        zone = ZONES.get((clock[4] or "").upper())
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_zone(zone))
    return None


def publication_time(day: dt.date | None, meta_date: str, text_head: str) -> dt.datetime | None:
    """When on its `day` an article was published, from its metadata or its dateline; None when
    the input does not say. A time without a zone is naive."""
    if day is None:
        return None
    return from_metadata(meta_date, day) or from_dateline(text_head.splitlines(), day)
