"""A consistent copy of the database while imports, the index worker and the web app run.

SQLite: the online backup API copies the database in one step inside one read transaction, so
the copy is one committed state (WAL lets writers go on meanwhile). PostgreSQL: `pg_dump` in
custom format, which reads one snapshot. The search index is not backed up: it is rebuilt from
the database (`rebuild_index`), like the shared-passage shingles (`find_duplicates --rebuild`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class BackupError(Exception):
    """The backup could not be written; the message says why."""


@dataclass
class BackupReport:
    path: Path
    engine: str  # "sqlite" or "postgresql"
    bytes: int
    seconds: float
    articles: int | None  # counted in the copy (SQLite); None when the dump is not readable as a database


def backup(settings_dict: dict[str, Any], target: Path) -> BackupReport:
    """Write a consistent copy of the database described by settings_dict to target (atomically)."""
    engine = settings_dict["ENGINE"]
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    started = time.monotonic()
    try:
        if engine.endswith("sqlite3"):
            kind, articles = "sqlite", _sqlite(Path(settings_dict["NAME"]), partial)
        elif engine.endswith("postgresql"):
            kind, articles = "postgresql", _pg_dump(settings_dict, partial)
        else:
            raise BackupError(f"no backup method for the database engine {engine}")
        partial.chmod(0o600)  # it holds password and token hashes
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, kind, target.stat().st_size, time.monotonic() - started, articles)


def _sqlite(source: Path, partial: Path) -> int:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    if partial.resolve() == source.resolve():
        raise BackupError("the backup would overwrite the database itself")
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # pages=-1: all pages in one step, one snapshot of committed data
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed SQLite's check: {check}")
        return dst.execute("SELECT count(*) FROM search_article").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the database in settings_dict (the password never on a command line)."""
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _pg_dump(settings_dict: dict[str, Any], partial: Path) -> None:  # the count would need a restore
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={partial}"],
        env=pg_environment(settings_dict), capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip() or result.returncode}")
    return None
