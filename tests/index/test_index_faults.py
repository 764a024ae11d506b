"""Index faults: a read-only index folder, a full disk, a writer lock held by a stuck process.

Every command runs as a subprocess, as a user runs it, on a data folder of its own (SQLite): three
seed articles imported and indexed, then the other two imported while the fault is on. Each fault
must give a one-line error (no traceback, exit 1), keep the imported articles in the database and
their work in the outbox, leave the index openable and searchable, and once the fault is gone
`run_index_worker` brings the index in step (`verify_index` exits 0).

The tests run as root, whom `chmod` does not stop, so each fault is made with something that stops
root too (no monkeypatching: the kernel returns the errors):
- read-only by permissions: the folder and its files are chmod a-w and the commands run under
  `setpriv --bounding-set -dac_override,-dac_read_search`, i.e. as root without the capability
  that ignores file modes: what any non-root service user gets (EACCES);
- read-only file system: a read-only bind mount of the index folder in a private mount namespace
  (`unshare --mount`), like a read-only volume (EROFS);
- disk full: the index folder on a 1 MB tmpfs in a private mount namespace, filled up (ENOSPC);
- lock: a live process opens the writer and sleeps.
The namespaces belong to a holder process (`sleep`); killing it removes the mounts, so nothing is
left mounted even when a test fails. Mount faults need CAP_SYS_ADMIN and are skipped without it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.index.base import SearchQuery
from search.index.whoosh.backend import WhooshBackend
from tests.conftest import CORPUS, ROOT, SEEDS

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass: the commands get a database of their own"
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="faults are made with Linux mounts and capabilities"),
]

BASE = ["000", "001", "002"]  # imported and indexed before the fault
NEW = ["003", "004"]  # imported while the fault is on
NEW_QUERIES = ["title:urgent", "title:refugees"]  # one hit each, in 003 and 004
CMD_TIMEOUT = 120


def _copy_seeds(numbers: list[str], folder: Path) -> Path:
    folder.mkdir(parents=True)
    lines = (CORPUS / "metadata.csv").read_text().splitlines()
    rows = [line for line in lines[1:] if any(line.startswith(SEEDS[n]) for n in numbers)]
    (folder / "metadata.csv").write_text("\n".join([lines[0], *rows]) + "\n")
    for number in numbers:
        shutil.copy(CORPUS / SEEDS[number], folder / SEEDS[number])
    return folder


def manage(env: dict[str, str], *args: str, prefix: list[str] | tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=CMD_TIMEOUT,
    )


def command_env(data: Path) -> dict[str, str]:
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data)}
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The command failed with exit 1 and said why in one line, without a traceback."""
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def db_state(data: Path) -> tuple[int, set[int], set[int]]:
    """(articles, ids of the new articles, article ids with queued index work)."""
    with sqlite3.connect(data / "newsindex.sqlite3") as conn:
        count = conn.execute("SELECT count(*) FROM search_article").fetchone()[0]
        new = {
            row[0]
            for row in conn.execute("SELECT id, source_file FROM search_article")
            for number in NEW
            if str(row[1]).endswith(SEEDS[number])
        }
        queued = {row[0] for row in conn.execute("SELECT DISTINCT article_id FROM search_indextask")}
    return count, new, queued


def hits(index: Path, text: str) -> int:
    """Open the index afresh (as a new web process would) and count the matches."""
    return WhooshBackend(str(index)).search(SearchQuery(text=text)).total


def assert_fault_left_things_intact(data: Path, index: Path) -> None:
    count, new, queued = db_state(data)
    assert count == len(BASE) + len(NEW), "the import kept what it stored"
    assert len(new) == len(NEW) and new <= queued, "the new articles' index work stays queued"
    assert hits(index, "chechnya") == len(BASE), "the index still opens and searches, as before the fault"
    assert all(hits(index, q) == 0 for q in NEW_QUERIES)


def assert_recovered(env: dict[str, str], index: Path, prefix: tuple[str, ...] = (), worked: bool = False) -> None:
    if not worked:
        drained = manage(env, "run_index_worker", "--once", prefix=prefix)
        # the new articles, and older ones that now share passages with them
        assert drained.returncode == 0 and "index updated for" in drained.stdout, drained.stderr
        assert int(drained.stdout.split("index updated for")[1].split()[0]) >= len(NEW)
    verify = manage(env, "verify_index", prefix=prefix)
    assert verify.returncode == 0 and "index consistent" in verify.stdout, verify.stdout + verify.stderr
    assert "0 queued index tasks" in verify.stdout
    assert hits(index, "chechnya") == len(BASE) + len(NEW)
    assert all(hits(index, q) == 1 for q in NEW_QUERIES)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the three base articles imported and indexed, copied by each test."""
    root = tmp_path_factory.mktemp("index-faults")
    env = command_env(root / "data")
    assert manage(env, "migrate", "--noinput", "-v0").returncode == 0
    base = manage(env, "import_articles", str(_copy_seeds(BASE, root / "base")), "--no-actors", "--no-progress")
    assert base.returncode == 0, base.stderr
    _copy_seeds(NEW, root / "new")
    return root


@pytest.fixture
def site(template: Path, tmp_path: Path) -> tuple[dict[str, str], Path, Path, Path]:
    """(command environment, data folder, its index folder, the folder of new articles)."""
    data = tmp_path / "data"
    shutil.copytree(template / "data", data)
    return command_env(data), data, data / "index", template / "new"


@pytest.fixture
def namespace() -> Iterator:
    """Start a holder process in a private mount namespace; yields a function taking its setup script."""
    holders: list[subprocess.Popen[str]] = []

    def start(setup: str) -> tuple[str, ...]:
        if not shutil.which("unshare") or not shutil.which("nsenter"):
            pytest.skip("unshare/nsenter (util-linux) are not installed")
        holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", f"set -e; {setup}; echo ready; exec sleep 600"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        holders.append(holder)
        if holder.stdout.readline().strip() != "ready":
            holder.wait(timeout=10)
            pytest.skip(f"cannot make a private mount namespace here (needs CAP_SYS_ADMIN): {holder.stderr.read().strip()}")
        return ("nsenter", "--target", str(holder.pid), "--mount", f"--wd={ROOT}", "--")

    yield start
    for holder in holders:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)


def test_read_only_index_folder_by_permissions(site):
    env, data, index, new = site
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is not installed")
    no_override = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--")
    modes = {path: path.stat().st_mode for path in [index, *index.iterdir()]}
    for path in modes:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        probe = subprocess.run([*no_override, "touch", str(index / "probe")], capture_output=True)
        if probe.returncode == 0:
            pytest.skip("dropping CAP_DAC_OVERRIDE does not make a chmod a-w folder read-only here")
        line = one_line_error(
            manage(env, "import_articles", str(new), "--no-actors", "--no-progress", prefix=no_override),
            "the index folder is not writable by this user", str(index), "give this user write permission",
            "articles stored so far are kept", "run_index_worker --once",
        )
        assert line.startswith("CommandError: ")
        one_line_error(
            manage(env, "run_index_worker", "--once", prefix=no_override),
            "the index folder is not writable by this user", "queued index work", "is kept",
        )
        one_line_error(manage(env, "unlock_index", prefix=no_override), "not writable by this user")
        assert_fault_left_things_intact(data, index)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert_recovered(env, index)


def test_read_only_file_system(site, namespace):
    env, data, index, new = site
    inside = namespace(f"mount --bind '{index}' '{index}'; mount -o remount,bind,ro '{index}'")
    one_line_error(
        manage(env, "import_articles", str(new), "--no-actors", "--no-progress", prefix=inside),
        "the index folder is on a read-only file system", str(index), "articles stored so far are kept",
    )
    one_line_error(manage(env, "run_index_worker", "--once", prefix=inside), "read-only file system", "is kept")
    assert_fault_left_things_intact(data, index)
    assert_recovered(env, index)  # outside the namespace the folder is writable: the fault is gone


# No room at all: the first write of the new segment fails. 100 KB (measured: 200 KB can be enough for the two articles): its files are written and the
# disk fills while they are assembled into one segment file, just before the commit's TOC.
@pytest.mark.parametrize("free_kb", [0, 100], ids=["no-room", "full-while-assembling"])
def test_disk_full_during_index_commit(site, namespace, tmp_path, free_kb):
    env, data, index, new = site
    stage = tmp_path / "stage"
    filler = index / ".disk-filler"
    # The index moves onto a 1 MB tmpfs, which a filler file then fills up but for free_kb.
    inside = namespace(
        f"cp -a '{index}' '{stage}'; mount -t tmpfs -o size=1m tmpfs '{index}'; cp -a '{stage}/.' '{index}/'; "
        f"dd if=/dev/zero of='{filler}' bs=4k 2>/dev/null || true; truncate -s -{free_kb}K '{filler}'; test -s '{filler}'"
    )
    holder_pid = inside[2]
    seen = Path(f"/proc/{holder_pid}/root") / index.relative_to("/")  # the index as the namespace sees it
    line = one_line_error(
        manage(env, "import_articles", str(new), "--no-actors", "--no-progress", prefix=inside),
        "no space left on the disk holding the index", str(index), "free some space", "articles stored so far are kept",
    )
    assert "Errno" not in line
    one_line_error(manage(env, "run_index_worker", "--once", prefix=inside), "no space left", "is kept")
    assert_fault_left_things_intact(data, seen)

    # The long-running worker says it once (not every second), keeps the work and carries on when space is freed.
    errors = tmp_path / "worker.err"
    with errors.open("w") as stderr:
        worker = subprocess.Popen(
            [*inside, sys.executable, str(ROOT / "manage.py"), "run_index_worker", "--interval", "0.2"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
    try:
        # Its first attempt on the full disk (however slowly it starts on a busy machine), then
        # about 15 more before space is freed.
        deadline = time.monotonic() + 60
        while "no space left" not in errors.read_text() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)
        assert worker.poll() is None, (worker.communicate(), errors.read_text())
        subprocess.run([*inside, "rm", str(filler)], check=True)
        deadline = time.monotonic() + 30
        while db_state(data)[2] and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGINT)
        out, _ = worker.communicate(timeout=30)
    err = errors.read_text()
    assert "Traceback" not in out + err, err
    assert err.count("no space left on the disk holding the index") == 1, err
    assert len(err.strip().splitlines()) == 1 and "Queued work is kept" in err, err
    assert "the index can be written again" in out and "index updated for" in out, out
    assert_recovered(env, seen, prefix=inside, worked=True)


def test_writer_lock_held_by_a_stuck_process(site, tmp_path):
    env, data, index, new = site
    script = tmp_path / "stuck_writer.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import django\n"
        "import os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'newsindex.settings')\n"
        "django.setup()\n"
        "from search.index import get_backend\n"
        "writer = get_backend().open_writer()\n"
        "print('locked', flush=True)\n"
        "time.sleep(600)\n"
    )
    stuck = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert stuck.stdout.readline().strip() == "locked"
        who = f"pid {stuck.pid}: "
        line = one_line_error(
            manage(env, "import_articles", str(new), "--no-actors", "--no-progress", "--lock-timeout", "1"),
            f"the index at {index} is locked by another process ({who}", "stuck_writer.py",
            f"if it is stuck, stop it (kill {stuck.pid}), then run `python manage.py unlock_index`",
            "articles stored so far are kept",
        )
        assert "Errno" not in line
        one_line_error(manage(env, "run_index_worker", "--once"), f"locked by another process ({who}", "is kept")
        # unlock_index refuses while the process lives, and says which one it is
        one_line_error(manage(env, "unlock_index"), f"held by a running process ({who}", f"kill {stuck.pid}")
        assert_fault_left_things_intact(data, index)
    finally:
        os.killpg(stuck.pid, signal.SIGKILL)
        stuck.wait(timeout=10)
    assert (index / "articles_WRITELOCK").exists(), "a killed writer leaves its lock file behind"
    unlocked = manage(env, "unlock_index")
    assert unlocked.returncode == 0 and "stale lock removed" in unlocked.stdout, unlocked.stderr
    assert not (index / "articles_WRITELOCK").exists()
    assert_recovered(env, index)
