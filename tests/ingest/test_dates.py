from __future__ import annotations

import datetime as dt

import pytest

from search.ingest.dates import find_dateline, is_dateline, parse_date


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2017-05-20", dt.date(2017, 5, 20), "day"),
        ("2019-02-03T10:00:00Z", dt.date(2019, 2, 3), "day"),
        ("5/18/17", dt.date(2017, 5, 18), "day"),
        ("May 2017", dt.date(2017, 5, 1), "month"),
        ("2017", dt.date(2017, 1, 1), "year"),
    ],
)
def test_parse_date_values(value, expected, precision):
    assert parse_date(value) == (expected, precision, "")


@pytest.mark.parametrize("value", ["0001-11-30", "2050-09-30", "2017-13-45", "garbage"])
def test_parse_date_drops_impossible_dates_with_warning(value):
    day, precision, warning = parse_date(value)
    assert day is None and precision == ""
    assert value in warning and "dropped" in warning


def test_empty_date_is_no_warning():
    assert parse_date("") == (None, "", "")


@pytest.mark.parametrize(
    ("line", "expected"),
    [("Saturday 20 May 2017 17:34 BST", dt.date(2017, 5, 20)), ("Thursday, May 18, 2017", dt.date(2017, 5, 18))],
)
def test_datelines_of_the_seeds(line, expected):
    index, day, precision, warning = find_dateline(["A headline", "Greg Wilford", line, "Body text."])
    assert (index, day, precision, warning) == (2, expected, "day", "")
    assert is_dateline(line)


def test_dates_inside_prose_are_not_datelines():
    prose = "It discussed the issue on Wednesday (May 16) and came to a resolution on Thursday (May 18), according to Interfax."
    assert find_dateline([prose])[0] == -1
    assert not is_dateline("Published on May 18, 2017 by the ministry of foreign affairs of Lithuania")


def test_dateline_without_year_is_not_guessed():
    assert find_dateline(["Thursday, May 18"])[1] is None


def test_correction_notes_are_not_datelines():
    assert find_dateline(["Body text.", "Correction: December 19, 2012"])[0] == -1
    assert find_dateline(["Updated: December 19, 2012 5:02 pm"])[1] == dt.date(2012, 12, 19)
