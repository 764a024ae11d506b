"""One import at a time per database: a second one waits and says who holds it since when.

Imports decide identity (is this record an article already stored?), learn boilerplate over
whole outlets, merge actors and recompute shared passages: two at once would each store the
same new article. So they queue. Index workers and web processes never take this lock.

- PostgreSQL: a session advisory lock (released by the server when the process dies, even on
  another machine); the holder is described in its connection's application_name.
- SQLite: an flock() on a file beside the database (released by the kernel when the process
  dies); the holder is described in the file.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

POLL_SECONDS = 0.5
# pg_advisory_lock(int, int): the first number is this application's, the second the lock's.
PG_LOCK = (0x6E657773, 1)  # "news", import


class ImportBusy(Exception):
    """Another import holds the lock and did not finish within the wait."""


def describe_self(since: dt.datetime) -> str:
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:200]
    return f"pid {os.getpid()} on {socket.gethostname()}, since {since:%Y-%m-%d %H:%M:%S} UTC: {command}"


def _message(holder: str) -> str:
    return f"another import is running ({holder or 'holder unknown'})"


def _lock_file_path() -> Path:
    name = str(connection.settings_dict.get("NAME") or "")
    if name and not name.startswith("file:") and name != ":memory:":
        return Path(name).with_name(Path(name).name + ".import-lock")
    return Path(settings.DATA_DIR) / "import.lock"


@contextmanager
def _sqlite_lock(wait: float | None, notify: Callable[[str], None]) -> Iterator[None]:
    import fcntl

    path = _lock_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        deadline = None if wait is None else time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip()
                if deadline is not None and time.monotonic() >= deadline:
                    raise ImportBusy(_message(holder)) from None
                if not told:
                    notify(f"waiting: {_message(holder)}")
                    told = True
                time.sleep(POLL_SECONDS)
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(describe_self(dt.datetime.now(dt.UTC)) + "\n")
            fh.flush()
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


def _pg_holder(conn) -> str:  # type: ignore[no-untyped-def]
    row = conn.execute(
        "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 2",
        PG_LOCK,
    ).fetchone()
    if row is None:
        return ""
    name, address = row
    return f"{name or 'a process'}{f' from {address}' if address else ''}"


@contextmanager
def _pg_lock(wait: float | None, notify: Callable[[str], None], holder: str = "import_articles") -> Iterator[None]:
    """On a connection of its own, in autocommit: the lock does not depend on the state of the
    import's transactions, and closing the connection (or the process dying) releases it."""
    conn = connection.get_new_connection(connection.get_connection_params())
    try:
        conn.autocommit = True
        deadline = None if wait is None else time.monotonic() + wait
        told = False
        while not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", PG_LOCK).fetchone()[0]:
            holder = _pg_holder(conn)
            if deadline is not None and time.monotonic() >= deadline:
                raise ImportBusy(_message(holder))
            if not told:
                notify(f"waiting: {_message(holder)}")
                told = True
            time.sleep(POLL_SECONDS)
        since = dt.datetime.now(dt.UTC)
        # application_name holds at most 63 bytes: what another import prints about this one.
        label = f"{holder} pid {os.getpid()} since {since:%Y-%m-%d %H:%M:%S} UTC"
        conn.execute("SELECT set_config('application_name', %s, false)", [label])
        yield
    finally:
        conn.close()


def _sqlite_holder() -> str:
    """The description in the lock file while its writer lives ('' when none: the file is
    emptied on release, and a killed import's pid is no longer running)."""
    try:
        text = _lock_file_path().read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    try:
        pid = int(text.split()[1]) if text.startswith("pid ") else 0
        if pid:
            os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return ""
    except PermissionError:
        pass  # alive, another user's
    return text


def import_running() -> str:
    """Who holds the import lock now ('' when nobody does), without taking it: the index
    worker leaves longer gaps then, so the import gets the index writer when it needs it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 2",
                PG_LOCK,
            )
            row = cursor.fetchone()
        return (row[0] or "an import") if row else ""
    return _sqlite_holder()


@contextmanager
def import_lock(wait: float | None = None, notify: Callable[[str], None] | None = None, holder: str = "import_articles") -> Iterator[None]:
    """Hold the import lock; wait for it at most `wait` seconds (None: as long as it takes),
    calling `notify` once with who holds it. Raises ImportBusy when the wait runs out. Background
    enrichment (search.store.enrichment) takes it too, as holder "enrichment"."""
    say = notify or (lambda message: print(message, file=sys.stderr))
    # `holder` names the lock's holder on PostgreSQL; SQLite's lock file holds the command line.
    lock = _pg_lock(wait, say, holder) if connection.vendor == "postgresql" else _sqlite_lock(wait, say)
    with lock:
        yield
