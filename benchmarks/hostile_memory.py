"""Peak memory of `import_articles` on a generated hostile corpus (issue 11: under 500 MB).

    .venv/bin/python benchmarks/hostile_memory.py [--json benchmarks/out/hostile_memory.json]
        [--line-gb 3] [--bomb-gb 10] [--json-mb 600] [--workdir DIR] [--keep]

Writes, in a temporary folder: a `.jsonl.gz` whose first line is 3 GB of text (a few MB
compressed), a gzip bomb (10 GB of zeros), a 1 GB single-line `.jsonl`, a 600 MB single-line
`.json`, a CSV with a 200 MB field, a FIFO, a folder link loop and a self-link, beside good files.
Then runs `manage.py import_articles DIR --no-actors --no-progress` in a subprocess with a fresh
NEWSINDEX_DATA_DIR and takes its peak RSS from the kernel (`wait4`'s `ru_maxrss`), once on the
good files alone and once on the whole hostile folder. Generating takes about a minute and
writes about 1.9 GB to the temporary folder (removed afterwards unless --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the repository: `search`, `benchmarks.harness`
from benchmarks.harness.measure import load_average, machine_facts, write_json  # noqa: E402

MB = 1024 * 1024
TARGET_MB = 500
GOOD_TEXT = "Harbour council meets {n}\n\nThe harbour council met on Monday to discuss the repairs to the north pier, number {n}."


def good_record(n: int) -> dict[str, str]:
    return {"id": f"good-{n}", "title": f"Good record {n}", "text": f"The city council voted on the budget for the new library, item {n}."}


def write_gzip_repeated(path: Path, head: bytes, block: bytes, count: int, tail: bytes) -> None:
    """A valid one-member gzip file of head + block * count + tail, written in seconds: `block` is
    compressed once (after a full flush deflate output does not depend on what came before, so
    the same bytes repeat), only the CRC is computed over all of it."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc, size = 0, 0
    with open(path, "wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # magic, deflate, no flags, no mtime, max compression, unknown OS

        def feed(data: bytes) -> bytes:
            nonlocal crc, size
            crc, size = zlib.crc32(data, crc), size + len(data)
            return co.compress(data) + co.flush(zlib.Z_FULL_FLUSH)

        fh.write(feed(head))
        first = feed(block)
        second = feed(block)
        assert first == second, "deflate output after a full flush should repeat"
        fh.write(first + second)
        for _ in range(count - 2):
            fh.write(first)
            crc = zlib.crc32(block, crc)
        size += len(block) * (count - 2)
        fh.write(feed(tail) + co.flush())
        fh.write(struct.pack("<II", crc, size & 0xFFFFFFFF))


def write_line_file(path: Path, nbytes: int, block: bytes, *, compressed: bool) -> None:
    """One JSON record whose text is `nbytes` long (repeats of `block`), then a good record."""
    head, tail = b'{"title": "Huge", "text": "', b'"}\n' + json.dumps(good_record(999)).encode() + b"\n"
    if compressed:
        write_gzip_repeated(path, head, block, nbytes // len(block), tail)
        return
    with open(path, "wb") as fh:
        fh.write(head)
        for _ in range(nbytes // len(block)):
            fh.write(block)
        fh.write(tail)


def generate(folder: Path, line_gb: float, bomb_gb: float, json_mb: int) -> dict[str, dict[str, int | str]]:
    """Write the hostile corpus; return {file name: {"bytes": on disk, "expands_to": ..., "what": ...}}."""
    folder.mkdir(parents=True)
    files: dict[str, dict[str, int | str]] = {}
    good = folder / "good"
    good.mkdir()
    for n in range(20):
        (good / f"article{n:02d}.txt").write_text(GOOD_TEXT.format(n=n))
    (good / "records.jsonl").write_text("".join(json.dumps(good_record(n)) + "\n" for n in range(50)))
    (good / "records.json").write_text(json.dumps({"articles": [good_record(n) for n in range(100, 120)]}))
    files["good/"] = {"bytes": sum(p.stat().st_size for p in good.iterdir()), "what": "20 text files, 50 JSONL and 20 JSON records"}

    prose = (b"All work and no play makes Jack a dull boy. " * (MB // 44 + 1))[:MB]
    started = time.monotonic()
    line = int(line_gb * 1024 * MB)
    write_line_file(folder / "huge-line.jsonl.gz", line, prose, compressed=True)
    files["huge-line.jsonl.gz"] = {"expands_to": line, "what": f"one {line_gb:g} GB line of text, then a good record"}

    dense = os.urandom(MB // 2).hex().encode()  # does not compress much: only the line limit can stop it
    write_line_file(folder / "huge-line.jsonl", 1024 * MB, dense, compressed=False)
    files["huge-line.jsonl"] = {"expands_to": 1024 * MB, "what": "one 1 GB line (not compressed), then a good record"}

    bomb = int(bomb_gb * 1024 * MB)
    write_gzip_repeated(folder / "bomb.jsonl.gz", b"", bytes(MB), bomb // MB, b"")
    files["bomb.jsonl.gz"] = {"expands_to": bomb, "what": f"gzip bomb: {bomb_gb:g} GB of zeros"}

    with open(folder / "huge-record.json", "wb") as fh:
        fh.write(b'[{"title": "Huge", "text": "')
        for _ in range(json_mb):
            fh.write(dense[:MB])
        fh.write(b'"}, ' + json.dumps(good_record(998)).encode() + b"]")
    files["huge-record.json"] = {"expands_to": json_mb * MB, "what": f"one {json_mb} MB line: a list whose first record is {json_mb} MB"}

    with open(folder / "huge-field.csv", "wb") as fh:
        fh.write(b'title,text\nGood row,"A good row before the huge one."\nHuge,"')
        for _ in range(200):
            fh.write(dense[:MB])
        fh.write(b'"\n')
    files["huge-field.csv"] = {"expands_to": 200 * MB, "what": "a CSV row with a 200 MB field after a good row"}

    for name in list(files):
        path = folder / name.rstrip("/")
        if path.is_file():
            files[name]["bytes"] = path.stat().st_size
    os.mkfifo(folder / "pipe.jsonl")
    files["pipe.jsonl"] = {"what": "a named pipe (FIFO) that no one writes to"}
    (folder / "loop").symlink_to(folder)
    files["loop"] = {"what": "a symbolic link to its own folder"}
    (folder / "knot.txt").symlink_to(folder / "knot.txt")
    files["knot.txt"] = {"what": "a symbolic link to itself"}
    files["_generation"] = {"seconds": round(time.monotonic() - started, 1)}
    return files


def run_import(folder: Path, data_dir: Path) -> dict[str, object]:
    """import_articles in a fresh data folder: exit status, seconds, peak RSS (MiB), its output."""
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)  # SQLite in the fresh folder
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True, timeout=600)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([*manage, "import_articles", str(folder), "--no-actors", "--no-progress"], cwd=REPO, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {
        "exit_status": proc.returncode,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # ru_maxrss is in KiB on Linux
        "summary": stdout.strip().splitlines()[-1] if stdout.strip() else "",
        "rejected": [line for line in stderr.splitlines() if line.startswith("rejected ")],
        "stderr_tail": stderr.strip().splitlines()[-5:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "out" / "hostile_memory.json")
    parser.add_argument("--line-gb", type=float, default=3.0, help="the huge line of the .jsonl.gz (default 3 GB)")
    parser.add_argument("--bomb-gb", type=float, default=10.0, help="what the gzip bomb expands to (default 10 GB)")
    parser.add_argument("--json-mb", type=int, default=600, help="the huge record of the .json file (default 600 MB)")
    parser.add_argument("--workdir", type=Path, help="where to generate (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newsindex-hostile-", dir=args.workdir))
    machine = machine_facts()  # the date and load at the start
    try:
        corpus = work / "corpus"
        print(f"generating the hostile corpus in {corpus} ...", flush=True)
        files = generate(corpus, args.line_gb, args.bomb_gb, args.json_mb)
        print(f"generated in {files['_generation']['seconds']} s; importing the good files alone ...", flush=True)
        baseline = run_import(corpus / "good", work / "data-good")
        print(f"good files alone: peak RSS {baseline['peak_rss_mb']} MiB; importing the hostile folder ...", flush=True)
        hostile = run_import(corpus, work / "data-hostile")
        print(f"hostile folder: peak RSS {hostile['peak_rss_mb']} MiB in {hostile['seconds']} s, exit {hostile['exit_status']}", flush=True)
        print(hostile["summary"])
        for line in hostile["rejected"]:
            print("  " + str(line)[:200])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    figures = {
        "machine": {**machine, "load_average_end": load_average()},
        "target_mb": TARGET_MB,
        "files": files,
        "good_only": baseline,
        "hostile": hostile,
        "peak_rss_mb": hostile["peak_rss_mb"],
    }
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
