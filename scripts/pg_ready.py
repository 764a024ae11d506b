"""Exit 0 when the PostgreSQL server named by a database URL answers, else 1.

Used by `make test-postgres`. The test database itself is created by pytest-django.
"""

from __future__ import annotations

import sys

import dj_database_url
import psycopg


def main(url: str) -> int:
    cfg = dj_database_url.parse(url)
    try:
        # Connect to the maintenance database: the project database may not exist yet.
        conn = psycopg.connect(
            host=cfg["HOST"] or "127.0.0.1",
            port=cfg["PORT"] or 5432,
            user=cfg["USER"] or "postgres",
            dbname="postgres",
            connect_timeout=3,
        )
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable: {exc}".strip(), file=sys.stderr)
        return 1
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
