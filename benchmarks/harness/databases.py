"""The database of a run: plain SQL on it (SQLite read-only, or PostgreSQL), and PostgreSQL
databases created for a run and dropped after it (the Makefile's FRESH_PG uses these too)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from .processes import Failure


class Database:
    """Plain SQL on the run's database (SQLite file read-only, or PostgreSQL through psycopg)."""

    def __init__(self, sqlite_file: Path | None = None, url: str | None = None) -> None:
        self.sqlite_file, self.url = sqlite_file, url

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """`sql` with ? placeholders."""
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with contextlib.closing(sqlite3.connect(f"file:{self.sqlite_file}?mode=ro", uri=True)) as conn:
            return conn.execute(sql, params).fetchall()


def _maintenance(url: str) -> tuple[str, str]:
    """(database name, URL of the same server's `postgres` database)."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if parts.scheme not in ("postgres", "postgresql") or not name:
        raise Failure(f"--database-url {url!r}: give postgres://user@host:port/NAME")
    return name, urlunsplit(parts._replace(path="/postgres"))


def create_database(url: str) -> None:
    """Create the run's database, or accept an existing one without tables."""
    import psycopg
    from psycopg import sql

    name, maintenance = _maintenance(url)
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                return
    except psycopg.Error as exc:
        raise Failure(f"PostgreSQL at {maintenance}: {exc}") from exc
    if Database(url=url).rows("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")[0][0]:
        raise Failure(f"database {name} has tables: the load test needs a fresh database (it creates and drops it)")


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name, maintenance = _maintenance(url)
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
