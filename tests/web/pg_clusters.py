"""A throwaway PostgreSQL primary and its streaming replica, for tests: PostgreSQL 15's own
binaries (initdb, pg_basebackup -R, pg_ctl) in a temporary folder owned by the postgres OS user,
on free 127.0.0.1 ports, with a pg_hba.conf of their own that trusts 127.0.0.1 for replication.

Every command has a time limit; stop() stops both servers (immediate mode when the fast one hangs)
and removes the folder, whatever state the start-up got to.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

PG_BIN = Path("/usr/lib/postgresql/15/bin")
OS_USER = "postgres"
DATABASE = "newsindex"
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
max_connections = 40
shared_buffers = 32MB
fsync = off
wal_level = replica
max_wal_senders = 4
hot_standby = on
logging_collector = off
"""
HBA = """
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def unavailable() -> str:
    """Why these clusters cannot be started here ('' when they can)."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15 binaries are not installed in {PG_BIN}"
    if os.geteuid() != 0 and getpass.getuser() != OS_USER:
        return f"starting PostgreSQL servers needs root (to run them as {OS_USER}) or the {OS_USER} user"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "runuser is missing (util-linux)"
    return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Clusters:
    """A primary and a streaming replica. Use as a context manager, or call stop() yourself."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="newsindex-pg-"))
        self.root.chmod(0o700)
        shutil.chown(self.root, OS_USER, OS_USER)
        self.primary_dir, self.replica_dir = self.root / "primary", self.root / "replica"
        self.primary_port, self.replica_port = free_port(), free_port()
        self.started: list[Path] = []

    def url(self, which: str) -> str:
        port = self.primary_port if which == "primary" else self.replica_port
        return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"

    # --- commands run as the postgres OS user --------------------------------------------------

    def as_postgres(self, *args: str, timeout: float = 120) -> str:
        command = [*args] if os.geteuid() != 0 else ["runuser", "-u", OS_USER, "--", *args]
        proc = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
        return proc.stdout

    def write_as_postgres(self, path: Path, text: str, append: bool = False) -> None:
        with open(path, "a" if append else "w") as fh:
            fh.write(text)
        shutil.chown(path, OS_USER, OS_USER)

    def pg_ctl_start(self, data: Path) -> None:
        self.started.append(data)
        self.as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(self.root / f"{data.name}.log"), "-w", "-t", "60", "start", timeout=90)

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> Clusters:
        self.as_postgres(str(PG_BIN / "initdb"), "-D", str(self.primary_dir), "-U", OS_USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self.write_as_postgres(self.primary_dir / "postgresql.conf", SETTINGS.format(port=self.primary_port, sockets=self.root), append=True)
        self.write_as_postgres(self.primary_dir / "pg_hba.conf", HBA)
        self.pg_ctl_start(self.primary_dir)
        with self.connect("primary", "postgres") as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        self.as_postgres(
            str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", OS_USER,
            "-D", str(self.replica_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # -R: standby.signal and primary_conninfo, so it streams from the primary
        self.write_as_postgres(self.replica_dir / "postgresql.conf", f"port = {self.replica_port}\n", append=True)
        self.pg_ctl_start(self.replica_dir)
        with self.connect("replica") as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0], "the replica is not a standby"
        return self

    def stop(self) -> None:
        for data in reversed(self.started):
            try:
                self.as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop", timeout=45)
            except (RuntimeError, subprocess.TimeoutExpired):
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self.as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop", timeout=45)
        self.started.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop_replica(self) -> None:
        self.as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.replica_dir), "-m", "fast", "-w", "-t", "30", "stop", timeout=45)
        self.started.remove(self.replica_dir)

    def __enter__(self) -> Clusters:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def log(self, which: str, lines: int = 30) -> str:
        path = self.root / f"{which}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # --- SQL ----------------------------------------------------------------------------------

    def connect(self, which: str, database: str = DATABASE) -> psycopg.Connection[Any]:
        port = self.primary_port if which == "primary" else self.replica_port
        return psycopg.connect(host="127.0.0.1", port=port, user=OS_USER, dbname=database, autocommit=True, connect_timeout=10)

    def one(self, which: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with self.connect(which) as conn:
            cursor = conn.execute(sql, params)
            row = cursor.fetchone() if cursor.description else None
        return row[0] if row else None

    def wait_caught_up(self, timeout: float = 60) -> float:
        """Seconds until the replica has replayed everything the primary had written when called."""
        started = time.monotonic()
        lsn = self.one("primary", "SELECT pg_current_wal_lsn()::text")
        while time.monotonic() - started < timeout:
            if self.one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)):
                return time.monotonic() - started
            time.sleep(0.1)
        raise TimeoutError(f"the replica did not replay up to {lsn} within {timeout:.0f}s:\n{self.log('replica')}")

    def pause_replay(self, timeout: float = 30) -> None:
        self.one("replica", "SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + timeout
        while self.one("replica", "SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise TimeoutError("the replica did not pause its replay")
            time.sleep(0.1)

    def resume_replay(self) -> None:
        self.one("replica", "SELECT pg_wal_replay_resume()")
