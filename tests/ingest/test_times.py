"""Time of day of a publication, from metadata timestamps or datelines, for the day it is dated."""

from __future__ import annotations

import datetime as dt

from search.ingest.times import publication_time

DAY = dt.date(2017, 5, 20)
BST = dt.timezone(dt.timedelta(hours=1))


def test_dateline_with_a_zone():
    text = "Greg Wilford\nSaturday 20 May 2017 17:34 BST\nComments\n"
    assert publication_time(DAY, "2017-05-20", text) == dt.datetime(2017, 5, 20, 17, 34, tzinfo=BST)


def test_twelve_hour_clock_and_american_zones():
    when = publication_time(DAY, "", "May 20, 2017 at 5:02 pm EDT")
    assert when == dt.datetime(2017, 5, 20, 17, 2, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert publication_time(DAY, "", "May 20, 2017 12:15 a.m.") == dt.datetime(2017, 5, 20, 0, 15)  # no zone: naive


def test_metadata_timestamp_wins_and_must_be_the_same_day():
    assert publication_time(DAY, "2017-05-20T09:15:00Z", "Saturday 20 May 2017 17:34 BST") == dt.datetime(2017, 5, 20, 9, 15, tzinfo=dt.UTC)
    assert publication_time(DAY, "2017-05-21T09:15:00+02:00", "") is None
    assert publication_time(DAY, "", "Friday 19 May 2017 17:34 BST") is None  # another day's dateline
    assert publication_time(DAY, "", "Thursday, May 18, 2017") is None


def test_nothing_to_go_by():
    assert publication_time(None, "2017-05-20T09:15:00Z", "") is None
    assert publication_time(DAY, "2017-05-20", "Just some prose about 17:34 and May 2017.") is None
    assert publication_time(DAY, "", "Saturday 20 May 2017 27:61 BST") is None
