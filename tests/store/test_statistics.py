"""Planner statistics after an import (search.store.statistics)."""

from __future__ import annotations

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
    after = _analysed()
    # The seeds' paragraphs (more than autovacuum's 50 rows) are analysed; the five articles
    # are below the threshold and left alone, as autovacuum would.
    assert after["search_paragraph"][0] > before["search_paragraph"][0]
    assert after["search_paragraph"][1] == 0
    assert after["search_article"][0] == before["search_article"][0] and after["search_article"][1] >= 5
    assert refresh_statistics() == []  # nothing changed enough since
