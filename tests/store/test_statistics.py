"""Planner statistics after an import (search.store.statistics)."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from search.store.statistics import refresh_statistics
from tests.conftest import CORPUS, import_into_db

pytestmark = pytest.mark.django_db(transaction=True)


def _analysed() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # counters as of now, not of this transaction's start
        cursor.execute("SELECT relname, analyze_count, n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables WHERE relname LIKE 'search%%'")
        return {name: (count, changed, live) for name, count, changed, live in cursor.fetchall()}


def test_an_import_leaves_the_tables_it_filled_analysed():
    if connection.vendor != "postgresql":
        assert refresh_statistics() == []  # nothing to do on SQLite
        return
    before = _analysed()
    import_into_db(CORPUS)
    # A backend publishes its table counters at most once a second, so the import's own check
    # may not have seen its last rows yet; on a real import that is the last second's rows.
    time.sleep(1.1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # a transaction ends: the counters are published
    refresh_statistics()
    after = _analysed()
    # The seeds' paragraphs (more than autovacuum's 50 rows) are analysed, and no table is left
    # changed beyond autovacuum's threshold (tables changed less are left alone, as it would).
    assert after["search_paragraph"][0] > before["search_paragraph"][0]
    assert after["search_paragraph"][1] == 0
    assert all(changed <= 50 + 0.1 * live for _, changed, live in after.values()), after
    assert refresh_statistics() == []
