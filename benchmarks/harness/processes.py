"""Child processes of a benchmark: manage.py commands and gunicorn as `make serve` runs it, each
in a process group of its own so that stopping it stops its workers too."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


class Failure(RuntimeError):
    """The set-up or a child process failed: the run cannot be measured."""


class Children:
    """Child processes, each in a process group of its own, all killed by stop_all()."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        try:
            proc = subprocess.Popen(args, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self.procs[name] = proc
        return proc

    def start_gunicorn(self, name: str, env: dict[str, str], workers: int) -> tuple[int, subprocess.Popen[bytes]]:
        """`make serve`'s server (newsindex.wsgi, sync workers, 30 s timeout) on a free loopback
        port: (port, process). It may not answer yet: see wait_for_server."""
        port = free_port()
        args = [GUNICORN, "newsindex.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "30"]
        return port, self.start(name, args, env)

    def stop(self, name: str, grace: float = 10.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)  # the whole group: gunicorn's workers, the importer's NER pool
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything the leader left behind in its group

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def tail(self, name: str, lines: int = 15) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def manage(env: dict[str, str], *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, start_new_session=True
    )
    if proc.returncode not in (0, 1):  # 1: an import with some rejected records
        raise Failure(f"manage.py {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return proc


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close", **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for_server(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Failure(f"gunicorn exited with status {server.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if fetch(port, "/api/search?q=", {}, 10)[0] == 200:
                return
        time.sleep(0.3)
    raise Failure(f"gunicorn did not answer on 127.0.0.1:{port} within {timeout:.0f}s")


@contextlib.contextmanager
def signals_exit() -> Iterator[None]:
    """SIGTERM and SIGHUP end the run like Ctrl-C does, so the children are stopped (by the `finally`
    blocks on the way out).

    Ctrl-C (SIGINT) raises KeyboardInterrupt even when the script was started with SIGINT ignored
    (a background job of a non-interactive shell), so `kill -INT` always stops it cleanly.
    """

    def leave(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
