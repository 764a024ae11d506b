"""What the report reads: the JSON figures of each script, the earlier BENCHMARKS.md's notes, the
Makefile's bench recipe, the commit, and the machine this process runs on."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.harness.measure import machine_facts

REPO = Path(__file__).resolve().parent.parent.parent
OUT_DIR = REPO / "benchmarks" / "out"

FILES: dict[str, tuple[str, str]] = {  # key -> (file name, script that writes it)
    "import": ("import.json", "benchmarks/allsides_dataset.py"),  # import and unchanged re-import
    "import_ner": ("import_ner.json", "benchmarks/allsides_dataset.py --ner"),  # the same with spaCy NER, on a subset
    "search": ("search.json", "benchmarks/search_latency.py"),  # latency on the AllSides folder
    "synthetic_import": ("synthetic_import.json", "benchmarks/synthetic_dataset.py"),  # the 200k synthetic folder's build
    "synthetic_search": ("synthetic_search.json", "benchmarks/search_latency.py"),  # latency on the synthetic folder
    "haystack": ("haystack.json", "benchmarks/haystack_reference.py"),  # django-haystack's Whoosh faceting
    "fts5": ("fts5.json", "benchmarks/fts5_reference.py"),  # SQLite FTS5
    "export_duplicates": ("export_duplicates.json", "benchmarks/export_and_duplicates.py"),  # CSV export, find_duplicates
    "duplicates_speed": ("duplicates_speed.json", "benchmarks/duplicates_eval.py --speed"),  # shared-passage detector speed
    "duplicates_recall": ("duplicates_recall.json", "benchmarks/duplicates_eval.py"),  # shared-passage recall
    "actors": ("actors.json", "benchmarks/actors_eval.py"),  # actor quality and NER speed
    "load": ("load.json", "benchmarks/load_test.py"),  # gunicorn under load, before/during an import
    "hostile_memory": ("hostile_memory.json", "benchmarks/hostile_memory.py"),  # import_articles' peak RSS on a hostile corpus
}


def default_commands() -> list[str]:
    """What the commands say when the Makefile has no bench target to read: each script of FILES."""
    return ["mkdir -p benchmarks/out", *(f".venv/bin/python {script} --json benchmarks/out/{name}" for name, script in FILES.values()), ".venv/bin/python benchmarks/report.py"]


DEFAULT_NOTES = """## Notes

Hand-written; `benchmarks/report.py` keeps this section as it is when it rewrites the file.

- The machine is shared with other work: each run's load average is in the table at the top;
  under load the figures are upper bounds. Two vCPUs behave like about 1.2 cores for vectorised
  code (two spaCy processes side by side each run at 60 % of the speed of one alone).
- `allsides_dataset.py` takes actors from a capitalised-name heuristic, not spaCy NER (NER runs
  at about 10 articles/s here, see Actors), so its import rate leaves NER out.
- Fuzzy terms (`word~`) expand against the whole term list several times (search, exact total,
  highlighting) and dominate the tail of the search latency.
- Shared passages, precision (judged by hand, not regenerated): of a random sample of 50 flagged
  article pairs that are not in `clusters/shared_text_pairs.jsonl`, 31 share real text (quotes,
  wire sentences, rewordings), 14 only a stock phrase of 8 or more words, and 5 are linked only
  through a third article. BBC: all 98 exact duplicate files are reported as copies of their twin
  (`tests/store/test_corpora.py::test_bbc_folder`).
"""



def load_json(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(figures, '') or (None, why not)."""
    if not path.exists():
        return None, f"{path.name} is missing"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"{path.name} could not be read ({type(exc).__name__}: {exc})"
    if not isinstance(data, dict):
        return None, f"{path.name} holds a {type(data).__name__}, not an object"
    return data, ""


def previous_notes(text: str) -> str | None:
    """The `## Notes` section of an earlier BENCHMARKS.md, verbatim (up to the next `## ` heading)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "## Notes"), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "".join(lines[start:end]).rstrip("\n") + "\n"


def makefile_commands(makefile: Path, env: dict[str, str]) -> list[str] | None:
    """The recipe of the Makefile's `bench` target, variables expanded (the environment overrides
    `?=` variables as make does; variables given to make on its command line are in the
    environment of its recipes). None when there is no bench target."""
    try:
        text = makefile.read_text(encoding="utf-8")
    except OSError:
        return None
    variables: dict[str, str] = {}
    recipe: list[str] | None = None
    in_bench = False
    for raw in text.splitlines():
        if in_bench:
            if raw.startswith("\t"):
                recipe.append(raw[1:].strip())  # type: ignore[union-attr]
                continue
            if raw.strip() and not raw.startswith("#"):
                in_bench = False
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|::=|=)\s*(.*)$", raw)
        if match:
            name, op, value = match.groups()
            variables[name] = env[name] if op == "?=" and name in env else value.strip()
            continue
        if re.match(r"^bench\s*:(?!=)", raw):
            recipe, in_bench = [], True
    if not recipe:
        return None
    for name in list(variables):
        if name in env:
            variables[name] = env[name]

    def expand(value: str, depth: int = 0) -> str:
        if depth > 10:
            return value
        return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: expand(variables[m.group(1)], depth + 1) if m.group(1) in variables else m.group(0), value)

    return [expand(line.lstrip("@-+ ")) for line in recipe if line and not line.startswith("#")]


def git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        if result.returncode == 0:
            return result.stdout.strip()
    return ""


def local_machine() -> dict[str, Any]:
    """What this process can see of the machine (used where the JSON files say nothing)."""
    ram = None
    with contextlib.suppress(OSError, StopIteration, ValueError, IndexError):
        lines = Path("/proc/meminfo").read_text().splitlines()
        ram = int(next(line.split()[1] for line in lines if line.startswith("MemTotal:"))) / 2**20
    return {**machine_facts(django=False), "ram_gib": ram}


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version
