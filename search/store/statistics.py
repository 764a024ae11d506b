"""Planner statistics after bulk writes (PostgreSQL): ANALYZE what an import or rebuild changed.

PostgreSQL plans each query from per-table statistics that ANALYZE gathers; autovacuum gathers
them some time after a table changes by more than 10% (and not at all where it is turned off).
Until then a freshly imported archive is planned as if empty: measured on 37.5k AllSides
articles, the search page's passage summaries took 50 ms instead of 6 (a scan of every article
where an index lookup of 20 was right) and the postgres engine's p95 doubled. As PostgreSQL's
documentation advises after populating a database ("Run ANALYZE Afterwards"), the importer,
`rebuild_index` and `find_duplicates --rebuild` analyse the tables they changed by autovacuum's
own rule (50 rows plus 10% of the table) before they finish. (PostgreSQL publishes a
backend's row counts at most once a second, so the rows of the last second may be counted at
the next refresh or by autovacuum.)
"""

from __future__ import annotations

import logging

from django.db import connections, router

from search.store.models import Article

log = logging.getLogger(__name__)

_STALE = """
SELECT relname FROM pg_stat_user_tables
WHERE schemaname = current_schema() AND relname LIKE 'search\\_%%'
  AND n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0)
ORDER BY relname
"""


def refresh_statistics() -> list[str]:
    """ANALYZE the app's tables that changed enough since their last ANALYZE; their names."""
    alias = router.db_for_write(Article) or "default"
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return []  # SQLite plans without gathered statistics here
    with connection.cursor() as cursor:
        cursor.execute(_STALE)
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    if tables:
        log.info("statistics refreshed: %s", ", ".join(tables))
    return tables
