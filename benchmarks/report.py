"""Write BENCHMARKS.md from the JSON figures `make bench` leaves in benchmarks/out/.

    .venv/bin/python benchmarks/report.py [--in benchmarks/out] [--out BENCHMARKS.md]

Reads (each optional; a missing file, or one of another shape, makes its section say "not run"):

    import.json             benchmarks/allsides_dataset.py          import and unchanged re-import
    search.json             benchmarks/search_latency.py            latency on the AllSides folder
    synthetic_import.json   benchmarks/synthetic_dataset.py         the 200k synthetic folder's build
    synthetic_search.json   benchmarks/search_latency.py            latency on the synthetic folder
    haystack.json           benchmarks/haystack_reference.py        django-haystack's Whoosh faceting
    fts5.json               benchmarks/fts5_reference.py            SQLite FTS5
    export_duplicates.json  benchmarks/export_and_duplicates.py     CSV export, find_duplicates
    duplicates_speed.json   benchmarks/duplicates_eval.py --speed   shared-passage detector speed
    duplicates_recall.json  benchmarks/duplicates_eval.py           shared-passage recall
    actors.json             benchmarks/actors_eval.py               actor quality and NER speed
    load.json               benchmarks/load_test.py                 gunicorn under load, before/during an import
    hostile_memory.json     benchmarks/hostile_memory.py            import_articles' peak RSS on a hostile corpus

and writes BENCHMARKS.md: the machine, date, versions and the commands of `make bench` (read
from the Makefile's bench target), a summary of the targets of the issue (met / MISSED), then one
section and table per area, each with its target lines. A section headed `## Notes` in the
existing BENCHMARKS.md is kept verbatim, so hand-written explanations survive regeneration.

Needs no Django and never fails on the figures: whatever it cannot read is reported as not run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "benchmarks" / "out"

# Scale the size-bound targets are for; a run on fewer articles (less than 90 %) is "not assessed".
ALLSIDES_ARTICLES = 37_500
SYNTHETIC_ARTICLES = 200_000
SCALE_SLACK = 0.9

FILES: dict[str, tuple[str, str]] = {  # key -> (file name, script that writes it)
    "import": ("import.json", "benchmarks/allsides_dataset.py"),
    "import_ner": ("import_ner.json", "benchmarks/allsides_dataset.py --ner"),
    "search": ("search.json", "benchmarks/search_latency.py"),
    "synthetic_import": ("synthetic_import.json", "benchmarks/synthetic_dataset.py"),
    "synthetic_search": ("synthetic_search.json", "benchmarks/search_latency.py"),
    "haystack": ("haystack.json", "benchmarks/haystack_reference.py"),
    "fts5": ("fts5.json", "benchmarks/fts5_reference.py"),
    "export_duplicates": ("export_duplicates.json", "benchmarks/export_and_duplicates.py"),
    "duplicates_speed": ("duplicates_speed.json", "benchmarks/duplicates_eval.py --speed"),
    "duplicates_recall": ("duplicates_recall.json", "benchmarks/duplicates_eval.py"),
    "actors": ("actors.json", "benchmarks/actors_eval.py"),
    "load": ("load.json", "benchmarks/load_test.py"),
    "hostile_memory": ("hostile_memory.json", "benchmarks/hostile_memory.py"),
}

# What `make bench` runs when the Makefile has no bench target to read (shown as the commands).
DEFAULT_COMMANDS = [
    "mkdir -p benchmarks/out",
    ".venv/bin/python benchmarks/allsides_dataset.py --data-dir /tmp/newsindex-bench-allsides --json benchmarks/out/import.json",
    ".venv/bin/python benchmarks/allsides_dataset.py --ner --articles 5000 --data-dir /tmp/newsindex-bench-allsides-ner --json benchmarks/out/import_ner.json",
    ".venv/bin/python benchmarks/search_latency.py --data-dir /tmp/newsindex-bench-allsides --reuse --json benchmarks/out/search.json",
    ".venv/bin/python benchmarks/haystack_reference.py --data-dir /tmp/newsindex-bench-allsides --json benchmarks/out/haystack.json",
    ".venv/bin/python benchmarks/fts5_reference.py --data-dir /tmp/newsindex-bench-allsides --json benchmarks/out/fts5.json",
    ".venv/bin/python benchmarks/export_and_duplicates.py --data-dir /tmp/newsindex-bench-allsides --json benchmarks/out/export_duplicates.json",
    ".venv/bin/python benchmarks/synthetic_dataset.py --data-dir /tmp/newsindex-bench-synthetic --articles 200000 --json benchmarks/out/synthetic_import.json",
    ".venv/bin/python benchmarks/search_latency.py --data-dir /tmp/newsindex-bench-synthetic --reuse --json benchmarks/out/synthetic_search.json",
    ".venv/bin/python benchmarks/actors_eval.py --json benchmarks/out/actors.json",
    ".venv/bin/python benchmarks/duplicates_eval.py --json benchmarks/out/duplicates_recall.json",
    ".venv/bin/python benchmarks/duplicates_eval.py --speed --json benchmarks/out/duplicates_speed.json",
    ".venv/bin/python benchmarks/load_test.py --json benchmarks/out/load.json",
    ".venv/bin/python benchmarks/hostile_memory.py --json benchmarks/out/hostile_memory.json",
    ".venv/bin/python benchmarks/report.py",
]

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

STATUS_MET, STATUS_MISSED, STATUS_NOT_ASSESSED, STATUS_NOT_RUN = "met", "MISSED", "not assessed", "not run"


# --- formatting ----------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) or math.isinf(value) else float(value)


def fmt(value: Any, digits: int | None = None) -> str:
    """Numbers for tables: thousands separators, one decimal under 100 (two under 1), '–' when none."""
    number = _number(value)
    if number is None:
        return "–" if value is None or isinstance(value, float) else str(value)
    if digits is None:
        digits = 0 if abs(number) >= 100 or (isinstance(value, int) and not isinstance(value, bool)) else (1 if abs(number) >= 1 else 2)
    return f"{number:,.{digits}f}"


def fms(value: Any) -> str:
    """A measurement (milliseconds, seconds): like fmt, with whole numbers read as measured ones."""
    number = _number(value)
    return fmt(number) if number is not None else fmt(value)


def share(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:.3f}"


def table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in row) + " |")
    return lines


def code(text: str) -> str:
    return f"`{text}`"


# --- targets -------------------------------------------------------------------------------------


@dataclass
class Check:
    area: str
    target: str
    status: str
    figure: str

    def line(self) -> str:
        status = f"**{self.status}**" if self.status in (STATUS_MET, STATUS_MISSED) else self.status
        return f"**Target:** {self.target}: {status}" + (f" ({self.figure})" if self.figure else "") + "."


def check_at_most(area: str, target: str, value: Any, limit: float, figure: str, scale_note: str = "") -> Check:
    number = _number(value)
    if number is None:
        return Check(area, target, STATUS_NOT_RUN, "no figure")
    if scale_note:
        return Check(area, target, STATUS_NOT_ASSESSED, f"{figure}; {scale_note}")
    return Check(area, target, STATUS_MET if number <= limit else STATUS_MISSED, figure)


def check_at_least(area: str, target: str, value: Any, limit: float, figure: str, scale_note: str = "") -> Check:
    number = _number(value)
    if number is None:
        return Check(area, target, STATUS_NOT_RUN, "no figure")
    if scale_note:
        return Check(area, target, STATUS_NOT_ASSESSED, f"{figure}; {scale_note}")
    return Check(area, target, STATUS_MET if number >= limit else STATUS_MISSED, figure)


def scale_note(measured: Any, wanted: int, what: str = "articles") -> str:
    """'' when `measured` is close enough to the target's scale, else why the target is not assessed."""
    number = _number(measured)
    if number is None:
        return f"the number of {what} is not in the figures"
    if number < wanted * SCALE_SLACK:
        return f"measured at {fmt(int(number))} {what}, the target is for {fmt(wanted)}"
    return ""


# --- reading -------------------------------------------------------------------------------------


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
    cpu, ram = "", None
    with contextlib.suppress(OSError, StopIteration, ValueError, IndexError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    with contextlib.suppress(OSError, StopIteration, ValueError, IndexError):
        lines = Path("/proc/meminfo").read_text().splitlines()
        ram = int(next(line.split()[1] for line in lines if line.startswith("MemTotal:"))) / 2**20
    return {
        "cpu": cpu or platform.processor() or platform.machine(),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": ram,
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else [],
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


# --- the report ----------------------------------------------------------------------------------


@dataclass
class Report:
    in_dir: Path
    commands: list[str]
    notes: str
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    machine: dict[str, Any] = field(default_factory=local_machine)
    commit: str = ""
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key, (name, _) in FILES.items():
            figures, why = load_json(self.in_dir / name)
            if figures is None:
                self.missing[key] = why
            else:
                self.data[key] = figures

    # -- helpers

    def command_for(self, key: str) -> str:
        name, script = FILES[key]
        for command in self.commands:
            if any(token == name or token.endswith(f"/{name}") for token in command.split()):
                return command
        return script

    def run_date(self, key: str) -> str:
        machine = self.data.get(key, {}).get("machine")
        if isinstance(machine, dict) and isinstance(machine.get("date"), str):
            return machine["date"].replace("T", " ").replace("+00:00", " UTC")
        with contextlib.suppress(OSError):
            mtime = (self.in_dir / FILES[key][0]).stat().st_mtime
            return dt.datetime.fromtimestamp(mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC") + ", file time"
        return "–"

    def run_load(self, key: str) -> tuple[Any, Any, Any]:
        """(1-minute load at start, at end, CPUs) of a run, where its JSON says."""
        figures = self.data.get(key, {})
        machine = figures.get("machine") if isinstance(figures.get("machine"), dict) else {}
        start = machine.get("load_average") or machine.get("load_before") or figures.get("load_average_start")
        end = machine.get("load_average_end") or machine.get("load_after") or figures.get("load_average_end")
        if key == "synthetic_import":  # synthetic_dataset.py takes machine_facts() once, at the end
            start, end = None, start
        cpus = machine.get("nproc") or machine.get("cpus") or figures.get("cpus")

        def first(value: Any) -> Any:
            return value[0] if isinstance(value, list) and value else None

        return first(start), first(end), cpus

    def load_text(self, key: str) -> str:
        start, end, _ = self.run_load(key)
        if _number(start) is None and _number(end) is None:
            return ""
        return f"load {fmt(start, 1)} → {fmt(end, 1)}"

    def source_line(self, *keys: str) -> str:
        parts = []
        for key in keys:
            if key in self.data:
                load = self.load_text(key)
                parts.append(f"{code(self.command_for(key))} (run {self.run_date(key)}" + (f", {load}" if load else "") + ")")
        return "How: " + "; ".join(parts) + "." if parts else ""

    def not_run(self, *keys: str) -> str:
        reasons = [f"{code(FILES[k][0])} from {code(FILES[k][1])}: {self.missing[k]}" for k in keys if k in self.missing]
        return "not run (" + "; ".join(reasons) + ")."

    def section(self, title: str, keys: tuple[str, ...], targets: list[tuple[str, str]], render: Callable[[list[Check]], list[str]], how: bool = True) -> list[str]:
        """One `## title` section. `targets` are (area, target) the section checks: when it cannot
        render they are listed as not run in the summary. A file of another shape is not run too."""
        lines = [f"## {title}", ""]
        present = [k for k in keys if k in self.data]
        if not present:
            lines.append(self.not_run(*keys))
            self.checks += [Check(area, target, STATUS_NOT_RUN, "") for area, target in targets]
            return [*lines, ""]
        checks: list[Check] = []
        try:
            body = render(checks)
        except Exception as exc:  # noqa: BLE001 - a file of another shape must not stop the report
            names = ", ".join(code(FILES[k][0]) for k in present)
            lines.append(f"not run ({names}: not in the shape this report reads: {type(exc).__name__}: {exc}).")
            self.checks += [Check(area, target, STATUS_NOT_RUN, "unreadable figures") for area, target in targets]
            return [*lines, ""]
        done = {(c.area, c.target) for c in checks}
        checks += [Check(area, target, STATUS_NOT_RUN, "") for area, target in targets if (area, target) not in done]
        self.checks += checks
        lines += body
        source = self.source_line(*present) if how else ""
        if source:
            lines += ["", source]
        absent = [k for k in keys if k in self.missing]
        if absent:
            lines += ["", "Also " + self.not_run(*absent)]
        target_lines = [c.line() for c in checks]
        if target_lines:
            lines += ["", *[line + "  " if i < len(target_lines) - 1 else line for i, line in enumerate(target_lines)]]
        return [*lines, ""]

    # -- header

    def header(self) -> list[str]:
        machines = [f["machine"] for f in self.data.values() if isinstance(f.get("machine"), dict)]

        def known(name: str) -> Any:
            return next((m[name] for m in machines if m.get(name)), None)

        cpu = known("cpu") or self.machine["cpu"]
        cores = known("nproc") or known("cpus") or self.machine["nproc"]
        ram = self.machine.get("ram_gib")
        whoosh = known("whoosh") or (f"whoosh3 {package_version('whoosh3')}" if package_version("whoosh3") else "–")
        versions = [
            f"Python {known('python') or self.machine['python']}",
            f"Django {known('django') or package_version('django') or '–'}",
            whoosh,
            f"SQLite {known('sqlite') or sqlite_version()}",
        ]
        haystack = known("django_haystack") or package_version("django-haystack")
        if haystack:
            versions.append(f"django-haystack {haystack}")
        lines = [
            "# Benchmarks",
            "",
            f"Generated by {code('benchmarks/report.py')} on {self.now.strftime('%Y-%m-%d %H:%M UTC')}"
            + (f" at commit {code(self.commit)}" if self.commit else "")
            + f" from the JSON files in {code('benchmarks/out/')}; rerun with {code('make bench')}.",
            "",
            f"- Machine: {cpu}, {cores} cores, " + (f"{ram:.1f} GiB RAM" if ram else "RAM unknown") + f", {known('platform') or self.machine['platform']}",
            f"- Load average (1, 5, 15 min) when this report was written: {', '.join(fmt(x, 2) for x in self.machine['load_average']) or '–'}; each run's own is below",
            f"- Versions: {', '.join(versions)}",
            "",
            "Runs (date, and the 1-minute load average at the start and end of the run where the script records it; "
            "the machine has other work, so figures under load are upper bounds):",
            "",
        ]
        rows = []
        for key, (name, script) in FILES.items():
            if key not in self.data:
                rows.append([code(name), code(script), "not run", "–", "–"])
                continue
            start, end, cpus = self.run_load(key)
            load = f"{fmt(start, 2)} → {fmt(end, 2)}" if _number(start) is not None or _number(end) is not None else "–"
            rows.append([code(name), code(script), self.run_date(key), load, fmt(cpus)])
        lines += table(["file", "script", "date", "load", "cores"], rows)
        lines += ["", "Commands (`make bench` runs these from the repository root):", "", "```", "make bench"]
        lines += [f"  {command}" for command in self.commands]
        lines += ["```", ""]
        return lines

    def summary(self) -> list[str]:
        lines = ["## Targets", ""]
        lines += table(["area", "target", "result", "figure"], [[c.area, c.target, f"**{c.status}**" if c.status in (STATUS_MET, STATUS_MISSED) else c.status, c.figure or "–"] for c in self.checks])
        return [*lines, ""]

    # -- sections

    def import_section(self) -> list[str]:
        t_full = ("Import", "full import at least 40 articles/s on 2 cores")
        t_again = ("Import", "re-import of unchanged data at least 2,000 articles/s")

        def render(checks: list[Check]) -> list[str]:
            lines: list[str] = []
            rows = []
            first = again = None
            full = None  # the run the full-import target is judged on: real NER when measured
            for key in ("import", "import_ner"):
                figures = self.data.get(key)
                if figures is None:
                    continue
                actors = figures.get("actors", "")
                subset = f"first {fmt(figures['articles_asked'])} records of " if figures.get("articles_asked") else ""
                lines.append(
                    f"- {code(FILES[key][1])}: {subset}{code(str(figures.get('corpus', '?')))}, actors by {actors or '?'}; "
                    f"peak RSS of the import process {fmt(figures.get('peak_rss_mb'))} MiB"
                    + (f", of its NER worker processes {fmt(figures['peak_rss_children_mb'])} MiB" if figures.get("peak_rss_children_mb") else "")
                    + "."
                )
                for run in figures["runs"]:
                    seconds = run["seconds"]
                    per_s = run["imported"] / seconds if seconds and run["imported"] else None
                    label = f"{run['label']}, actors by {actors}"
                    rows.append([label, fmt(run["imported"]), fmt(run.get("unchanged")), fmt(run.get("rejected")), fmt(seconds), fmt(per_s), fmt(run.get("records_per_s")), fmt(run.get("passage_groups"))])
                    if run["label"].startswith("re-import"):
                        if again is None or (run.get("unchanged") or 0) > (again.get("unchanged") or 0):
                            again = run
                    elif run is figures["runs"][0]:
                        if first is None:
                            first = run
                        if "NER" in str(actors) or full is None:
                            full = (run, figures)
            lines.append("")
            for run in self.data.get("search", {}).get("imports", []) or []:  # search_latency.py's own import, when it did one
                rows.append([f"{run['label']} (search_latency.py, all stages)", fmt(run["imported"]), fmt(run.get("unchanged")), fmt(run.get("rejected")), fmt(run["seconds"]), fmt(run.get("articles_per_s")), fmt(run.get("records_per_s")), "–"])
            lines += table(["run", "imported", "unchanged", "rejected", "seconds", "articles/s", "records/s", "passage groups"], rows)
            for key in ("import", "import_ner"):
                figures = self.data.get(key)
                if figures is not None:
                    lines += ["", f"Per stage, {figures.get('actors', '?')} ({code(FILES[key][1])}, first run):", ""]
                    lines += self.stage_table(figures)
            if full is not None:
                run, figures = full
                rate = run["imported"] / run["seconds"] if run["seconds"] else None
                figure = f"{fmt(rate)} articles/s, {fmt(run['imported'])} articles in {fmt(run['seconds'])} s"
                cores = self.machine_cores()
                notes = []
                if figures.get("actors") and "NER" not in str(figures.get("actors")):
                    notes.append(f"actors by {figures['actors']}, not spaCy NER")
                else:
                    notes.append("actors by spaCy NER")
                if cores and cores != 2:
                    notes.append(f"on {cores} cores")
                if run["imported"] == 0:
                    checks.append(Check(*t_full, STATUS_NOT_ASSESSED, "the first run imported nothing: the data folder already held the corpus"))
                else:
                    figure += f"; {', '.join(notes)}" if notes else ""
                    checks.append(check_at_least(*t_full, rate, 40, figure, None))
            if again is not None:
                figure = f"{fmt(again.get('records_per_s'))} records/s, {fmt(again.get('unchanged'))} unchanged in {fmt(again['seconds'])} s"
                checks.append(check_at_least(*t_again, again.get("records_per_s"), 2000, figure, scale_note(again.get("unchanged"), ALLSIDES_ARTICLES)))
            return lines

        return self.section("Import (AllSides)", ("import", "import_ner"), [t_full, t_again], render)

    @staticmethod
    def stage_table(figures: dict[str, Any] | None) -> list[str]:
        """Per-stage times of the import when the JSON has them: runs[i]["stages"] as
        {"read": s, ...} or [{"label"/"stage": ..., "seconds": ...}]."""
        wanted = ["read", "clean", "actors", "duplicates", "index"]
        rows = []
        for run in (figures or {}).get("runs", []):
            stages = run.get("stages")
            if isinstance(stages, list):
                stages = {str(s.get("label") or s.get("stage")): s.get("seconds") for s in stages if isinstance(s, dict)}
            if not isinstance(stages, dict) or not stages:
                continue
            names = wanted + [n for n in stages if n not in wanted]
            imported = run.get("imported") or 0
            for name in names:
                if name in stages:
                    seconds = stages[name]
                    rate = imported / seconds if _number(seconds) and imported else None
                    rows.append([run.get("label", "?"), name, fmt(seconds), fmt(rate)])
        if not rows:
            return ["not measured: " + code("allsides_dataset.py") + " records only each run's total (read, clean, actors, duplicates and index are not timed apart)."]
        return table(["run", "stage", "seconds", "articles/s"], rows)

    def machine_cores(self) -> Any:
        for figures in self.data.values():
            machine = figures.get("machine")
            if isinstance(machine, dict) and (machine.get("nproc") or machine.get("cpus")):
                return machine.get("nproc") or machine.get("cpus")
        return self.machine.get("nproc")

    def index_size_section(self) -> list[str]:
        def render(checks: list[Check]) -> list[str]:
            rows = []
            for key, what in (("search", "newsindex, AllSides"), ("synthetic_search", "newsindex, synthetic")):
                figures = self.data.get(key)
                if figures is None:
                    continue
                articles = figures["articles"]
                index_mb = figures["index_bytes"] / 1e6
                db_mb = (figures.get("db_bytes", 0) + figures.get("db_wal_bytes", 0)) / 1e6
                rows.append([what, fmt(articles), fmt(index_mb), fmt(db_mb), fmt(index_mb * 1000 / articles if articles else None)])
            synthetic = self.data.get("synthetic_import")
            if synthetic is not None and "synthetic_search" not in self.data:
                articles = next((s.get("articles") for s in synthetic["stages"] if s.get("articles")), None)
                rows.append(["newsindex, synthetic (at build)", fmt(articles), fmt(synthetic.get("index_mb")), fmt(synthetic.get("database_mb")), fmt(synthetic["index_mb"] * 1000 / articles if articles else None)])
            for key, what, size in (("haystack", "django-haystack Whoosh index", "index_bytes"), ("fts5", "SQLite FTS5 file", "file_bytes")):
                figures = self.data.get(key)
                if figures is None:
                    continue
                build = figures["build"]
                articles = figures.get("articles")
                if build.get(size) is None:
                    rows.append([what, fmt(articles), "– (index reused, size not measured)", "–", "–"])
                else:
                    mb = build[size] / 1e6
                    rows.append([what, fmt(articles), fmt(mb), "–", fmt(mb * 1000 / articles if articles else None)])
            if not rows:
                raise KeyError("no index size in the figures")
            return table(["index", "articles", "index MB", "database MB", "index KB per article"], rows)

        return self.section("Index size", ("search", "synthetic_search", "synthetic_import", "haystack", "fts5"), [], render, how=False)

    def latency_rows(self, latency: dict[str, Any]) -> list[list[Any]]:
        kinds = [k for k in latency if k != "all" and isinstance(latency[k], dict)] + (["all"] if "all" in latency else [])
        rows = []
        for kind in kinds:
            s = latency[kind]
            name = "**all**" if kind == "all" else kind
            rows.append([name, fmt(s["n"]), fms(s["p50"]), fms(s["p95"]), fms(s["p99"]), fms(s.get("max"))])
        return rows

    def search_section(self, key: str, title: str, scale: int, limit: float, target: str) -> list[str]:
        t = ("Search", target)

        def render(checks: list[Check]) -> list[str]:
            figures = self.data[key]
            latency = figures["latency_ms"]
            queries = figures.get("queries") or []
            timed_out = sum(1 for q in queries if isinstance(q, dict) and q.get("timed_out"))
            no_match = sum(1 for q in queries if isinstance(q, dict) and q.get("total") == 0)
            what = (
                "Whoosh search, exact total, outlet/actor/date facets over all matches, 20 rows loaded with highlighted snippets"
            )
            if figures.get("via") == "http":
                how = (
                    f"as a GET of the search page (`/?q=...`, the whole HTML page) from one client against the production-style server "
                    f"(`make serve`'s gunicorn, {fmt(figures.get('workers'))} workers, DEBUG off), over loopback: {what}, template, HTTP"
                )
            else:
                how = f"through `run_search()` in process, the search page's data path: {what}"
            lines = [
                f"{fmt(figures['articles'])} articles in {code(str(figures.get('data_dir', '?')))}. Each query of the mix (seed 42) timed once "
                f"{how}. Milliseconds.",
                "",
            ]
            lines += table(["query kind", "n", "p50", "p95", "p99", "max"], self.latency_rows(latency))
            extra = []
            part = figures.get("server_search_ms")
            if part:
                extra.append(
                    f"of the HTTP time, the search itself (the page's Server-Timing `search` part) took p50 {fms(part['p50'])} ms, "
                    f"p95 {fms(part['p95'])} ms"
                )
            warm = figures.get("warmup_ms") or {}
            if warm.get("n"):
                extra.append(
                    f"not counted: a warm-up of {fmt(warm['n'])} requests (the first queries in each worker open the searcher, build "
                    f"the facet arrays and read the fields' word lists, again after every change of the index), the slowest "
                    f"{fms(warm.get('max'))} ms"
                )
            if queries:
                extra.append(f"{timed_out} of {len(queries)} queries hit the search time limit, {no_match} matched nothing")
            extra.append("the rows marked collapse=1 are the same queries again with copies folded into their earliest source")
            sentence = "; ".join(extra)
            lines += ["", sentence[:1].upper() + sentence[1:] + "."]
            overall = latency["all"]
            checks.append(check_at_most(*t, overall["p95"], limit, f"p95 {fms(overall['p95'])} ms over {fmt(overall['n'])} queries", scale_note(figures["articles"], scale)))
            return lines

        return self.section(title, (key,), [t], render)

    def synthetic_build_section(self) -> list[str]:
        def render(checks: list[Check]) -> list[str]:
            figures = self.data["synthetic_import"]
            lines = [
                f"{figures.get('corpus', 'synthetic corpus')}: rows written straight into the database, then `rebuild_index` "
                "(measures search at scale, not the importer).",
                "",
            ]
            rows = [[s["label"], fmt(s["seconds"]), fmt(s.get("articles_per_s")), fmt(s.get("peak_rss_mb_so_far"))] for s in figures["stages"]]
            rows.append(["**total**", fmt(figures.get("total_seconds")), "–", fmt(figures.get("peak_rss_mb"))])
            lines += table(["stage", "seconds", "articles/s", "peak RSS so far, MiB"], rows)
            lines += ["", f"Database {fmt(figures.get('database_mb'))} MB, index {fmt(figures.get('index_mb'))} MB."]
            return lines

        return self.section("Synthetic data folder (build)", ("synthetic_import",), [], render)

    def haystack_section(self) -> list[str]:
        t = ("References", "at least 10 times faster than django-haystack's Whoosh faceting (p50 and p95 over the mix)")

        def render(checks: list[Check]) -> list[str]:
            figures = self.data["haystack"]
            latency = figures["latency_ms"]
            ours, theirs = latency.get("newsindex", {}), latency["haystack"]
            lines = [
                f"{fmt(figures.get('articles'))} articles; the same query mix through newsindex's `run_search()` and haystack's "
                "`SearchQuerySet().raw_search(q)` with outlet, actor and monthly date facets, highlighting and `load_all()`, "
                "interleaved query by query. Milliseconds; ratio = haystack / newsindex.",
                "",
            ]
            lines += self.comparison_table(ours, theirs, "haystack")
            build = figures.get("build", {})
            if build.get("reused"):
                lines += ["", f"Haystack index reused ({fmt(build.get('documents'))} documents)."]
            elif build:
                lines += ["", f"Haystack index build: {fmt(build.get('documents'))} documents in {fmt(build.get('seconds'))} s ({fmt(build.get('articles_per_s'))} articles/s), {fmt((build.get('index_bytes') or 0) / 1e6)} MB."]
            counts = figures.get("count_summary")
            if isinstance(counts, dict):
                lines.append(
                    f"Counts: same total on {counts.get('queries_same_total', counts.get('same_total'))} of {counts.get('queries')} queries; "
                    f"haystack's outlet facet gives name tokens instead of outlet names on {counts.get('with_outlet_tokens_not_names')}; "
                    f"zero-count months missing from its histogram on {counts.get('with_months_missing_in_haystack')}."
                )
            all_ours, all_theirs = ours.get("all"), theirs.get("all")
            if all_ours and all_theirs:
                p50 = all_theirs["p50"] / all_ours["p50"] if all_ours["p50"] else None
                p95 = all_theirs["p95"] / all_ours["p95"] if all_ours["p95"] else None
                met = p50 is not None and p95 is not None and p50 >= 10 and p95 >= 10
                figure = f"haystack/newsindex p50 {fmt(p50, 1)}×, p95 {fmt(p95, 1)}× at {fmt(figures.get('articles'))} articles"
                checks.append(Check(*t, STATUS_MET if met else STATUS_MISSED, figure) if p50 is not None and p95 is not None else Check(*t, STATUS_NOT_RUN, "no figure"))
            else:
                checks.append(Check(*t, STATUS_NOT_RUN, "run with --no-ours: no newsindex line to compare"))
            return lines

        return self.section("Reference: django-haystack (Whoosh backend)", ("haystack",), [t], render)

    @staticmethod
    def comparison_table(ours: dict[str, Any], theirs: dict[str, Any], name: str) -> list[str]:
        kinds = [k for k in ours if k != "all"] + [k for k in theirs if k != "all" and k not in ours]
        kinds = [k for k in kinds if k not in ("all",)] + ["all"]
        rows = []
        for kind in kinds:
            o, t = ours.get(kind), theirs.get(kind)
            if not o and not t:
                continue
            ratio50 = t["p50"] / o["p50"] if o and t and o["p50"] else None
            ratio95 = t["p95"] / o["p95"] if o and t and o["p95"] else None
            n = (o or t)["n"]
            rows.append(
                [
                    "**all**" if kind == "all" else kind,
                    fmt(n),
                    fms(o["p50"]) if o else "–",
                    fms(o["p95"]) if o else "–",
                    fms(t["p50"]) if t else "not run",
                    fms(t["p95"]) if t else "–",
                    f"{fmt(ratio50, 2)}×" if ratio50 is not None else "–",
                    f"{fmt(ratio95, 2)}×" if ratio95 is not None else "–",
                ]
            )
        return table(["query kind", "n", "newsindex p50", "newsindex p95", f"{name} p50", f"{name} p95", "ratio p50", "ratio p95"], rows)

    def fts5_section(self) -> list[str]:
        def render(checks: list[Check]) -> list[str]:
            figures = self.data["fts5"]
            latency = figures["latency_ms"]
            lines = [
                f"{fmt(figures.get('articles'))} articles; the same query mix translated to FTS5 MATCH, then count, outlet/month/actor "
                "GROUP BYs and 20 rows by bm25 with snippet(), interleaved with newsindex's `run_search()`. Milliseconds; "
                "ratio = FTS5 / newsindex (below 1: FTS5 is faster). FTS5 does less (no stemming of our kind, no stop words, "
                "no fuzzy terms), so this is a floor, not a target.",
                "",
            ]
            lines += self.comparison_table(latency.get("newsindex", {}), latency["fts5"], "FTS5")
            skipped = figures.get("not_expressible") or []
            if skipped:
                lines += ["", f"Not expressible in FTS5, skipped: {', '.join(skipped)}; its **all** leaves them out (\"all FTS5 kinds\" compares like with like)."]
            build = figures.get("build", {})
            if build.get("reused"):
                lines += ["", f"FTS5 file reused ({fmt(build.get('documents'))} articles)."]
            elif build:
                lines += ["", f"FTS5 build: {fmt(build.get('documents'))} articles in {fmt(build.get('seconds'))} s ({fmt(build.get('articles_per_s'))} articles/s), {fmt((build.get('file_bytes') or 0) / 1e6)} MB."]
            counts = figures.get("count_comparison")
            if isinstance(counts, dict):
                lines.append(f"Counts: FTS5's total equals newsindex's on {counts.get('same_total')} of {counts.get('queries')} queries; facet counts differ on {counts.get('same_total_but_facets_differ')} of those.")
            return lines

        return self.section("Reference: SQLite FTS5", ("fts5",), [], render)

    def export_section(self) -> list[str]:
        t = ("Export", "CSV export of 37.5k rows at most 10 s")

        def render(checks: list[Check]) -> list[str]:
            figures = self.data["export_duplicates"]
            rows = []
            for name, what in (("export_all", "`/export.csv`, every article"), ("export_1000", "`/export.csv` of one query")):
                run = figures.get(name)
                if isinstance(run, dict):
                    rate = run["rows"] / run["seconds"] if run.get("seconds") else None
                    rows.append([what, fmt(run["rows"]), fmt(run["seconds"]), fmt(rate), fmt(run.get("peak_rss_mb"))])
            lines = ["Streamed through Django's test client in a process of its own (peak RSS is that process's).", ""]
            lines += table(["export", "rows", "seconds", "rows/s", "peak RSS, MiB"], rows)
            everything = figures["export_all"]
            checks.append(check_at_most(*t, everything["seconds"], 10, f"{fmt(everything['seconds'])} s for {fmt(everything['rows'])} rows", scale_note(everything["rows"], ALLSIDES_ARTICLES, "rows")))
            return lines

        return self.section("CSV export", ("export_duplicates",), [t], render)

    def duplicates_section(self) -> list[str]:
        t_full_detector = ("Shared passages", "full pass at most 60 s (detector: build + pass)")
        t_full_db = ("Shared passages", "full pass at most 60 s (`find_duplicates --rebuild`, with database writes)")
        t_new_detector = ("Shared passages", "100 new articles at most 5 s (detector)")
        t_new_db = ("Shared passages", "100 new articles at most 5 s (passage step of an import, with database writes)")

        def render(checks: list[Check]) -> list[str]:
            rows = []
            speed = self.data.get("duplicates_speed")
            if speed is not None:
                scale = scale_note(speed.get("articles"), ALLSIDES_ARTICLES)
                rows.append([
                    "detector alone, full pass (build + pass)",
                    f"{fmt(speed['build_and_full_pass_s'])} s (build {fmt(speed.get('build_s'))} + pass {fmt(speed.get('full_pass_s'))})",
                    f"{fmt(speed.get('articles'))} articles, {fmt(speed.get('paragraphs'))} paragraphs, {fmt(speed.get('groups'))} groups, {fmt(speed.get('workers'))} workers; peak RSS {fmt(speed.get('peak_rss_mib'))} MiB",
                ])
                checks.append(check_at_most(*t_full_detector, speed["build_and_full_pass_s"], 60, f"{fmt(speed['build_and_full_pass_s'])} s", scale))
                memory, disk = speed.get("incremental_in_memory"), speed.get("incremental_from_disk")
                if isinstance(memory, dict):
                    rows.append(["detector alone, 100 new articles, index in memory", f"{fmt(memory['total_s'])} s", f"{fmt(memory.get('new_articles'))} articles, {fmt(memory.get('groups'))} groups"])
                if isinstance(disk, dict):
                    rows.append(["detector alone, 100 new articles, index loaded and saved", f"{fmt(disk['total_s'])} s", f"same groups as in memory: {disk.get('same_groups')}"])
                incremental = disk if isinstance(disk, dict) else memory
                if isinstance(incremental, dict):
                    figure = f"{fmt(incremental['total_s'])} s" + (" with loading and saving the index" if incremental is disk else " in memory")
                    checks.append(check_at_most(*t_new_detector, incremental["total_s"], 5, figure, scale))
                if "check_incremental_equals_full" in speed:
                    rows.append(["check: incremental groups equal a full pass's", str(speed["check_incremental_equals_full"]), ""])
            figures = self.data.get("export_duplicates")
            if figures is not None:
                # the folder's size: the export of every article has a row per visible article
                folder = (figures.get("export_all") or {}).get("rows")
                scale = scale_note(folder, ALLSIDES_ARTICLES, "articles (rows of the full CSV export)")
                rebuild = figures.get("duplicates_rebuild")
                if isinstance(rebuild, dict):
                    rows.append(["`find_duplicates --rebuild` with database writes", f"{fmt(rebuild['seconds'])} s", f"{fmt(rebuild.get('groups'))} groups, {fmt(rebuild.get('occurrences'))} occurrences; peak RSS {fmt(rebuild.get('peak_rss_mb'))} MiB"])
                    checks.append(check_at_most(*t_full_db, rebuild["seconds"], 60, f"{fmt(rebuild['seconds'])} s", scale))
                new = figures.get("duplicates_incremental_100")
                if isinstance(new, dict):
                    rows.append(["100 new articles: passage step with database writes", f"{fmt(new['passage_step_s'])} s", f"{fmt(new.get('new_articles'))} articles imported without passages in {fmt(new.get('import_without_passages_s'))} s, {fmt(new.get('groups_touched'))} groups touched"])
                    checks.append(check_at_most(*t_new_db, new["passage_step_s"], 5, f"{fmt(new['passage_step_s'])} s for {fmt(new.get('new_articles'))} articles", scale))
            recall = self.data.get("duplicates_recall")
            if recall is not None:
                rows.append([
                    "recall of `clusters/shared_text_pairs.jsonl`: shared texts",
                    f"{share(recall['text_recall'])} ({fmt(recall.get('found_texts'))}/{fmt(recall.get('gold_texts'))})",
                    f"{fmt(recall.get('cluster_files'))} cluster files + {fmt(recall.get('background_articles'))} background articles, coverage ≥ {recall.get('coverage')}",
                ])
                rows.append(["recall: gold pairs with every shared text found", f"{share(recall.get('pair_recall'))} ({fmt(recall.get('found_pairs'))}/{fmt(recall.get('gold_pairs'))})", f"{fmt(recall.get('linked_pairs'))} pairs linked by some group"])
                rows.append(["flagged pairs not in the gold file", fmt(recall.get("flagged_pairs_not_gold")), f"{fmt(recall.get('flagged_within_one_cluster'))} within one cluster; sample for a precision check in {code(str(recall.get('precision_sample')))}"])
            return table(["what", "figure", "details"], rows)

        return self.section("Shared passages (duplicate detection)", ("duplicates_speed", "export_duplicates", "duplicates_recall"), [t_full_detector, t_full_db, t_new_detector, t_new_db], render)

    def actors_section(self) -> list[str]:
        t = ("Actors", "actor extraction at least 40 articles/s")

        def render(checks: list[Check]) -> list[str]:
            figures = self.data["actors"]
            seeds, basil, speed = figures.get("seeds"), figures.get("basil"), figures.get("throughput")
            rows = []
            if isinstance(seeds, dict):
                rows.append(["seeds: recall of (actor, article) pairs in the issue's list", share(seeds["recall"]), f"{fmt(seeds.get('gold_pairs'))} pairs; missed: {', '.join(seeds.get('missed') or []) or 'none'}"])
                rows.append(["seeds: share of extracted people/org pairs in the list", share(seeds.get("precision_people_orgs_vs_list")), f"{fmt(seeds.get('extracted_people_org_pairs'))} pairs (a lower bound: the list names the main actors only)"])
            if isinstance(basil, dict):
                rows.append(["BASIL clusters: recall by full name", share(basil["recall_exact_name"]), f"{fmt(basil.get('articles'))} articles, {fmt(basil.get('gold_actors'))} gold actors"])
                rows.append(["BASIL clusters: recall by surname", share(basil.get("recall_same_surname")), f"import {fmt(basil.get('import_seconds'))} s"])
            if isinstance(speed, dict):
                rows.append(["NER throughput (`MentionExtractor`)", f"{fmt(speed['articles_per_s'])} articles/s", f"{fmt(speed.get('articles'))} AllSides articles in {fmt(speed.get('seconds'))} s, {fmt(speed.get('processes'))} processes"])
                checks.append(check_at_least(*t, speed["articles_per_s"], 40, f"{fmt(speed['articles_per_s'])} articles/s with {fmt(speed.get('processes'))} processes"))
            if not rows:
                raise KeyError("seeds, basil, throughput")
            return table(["what", "figure", "details"], rows)

        return self.section("Actors", ("actors",), [t], render)

    def memory_section(self) -> list[str]:
        def render(checks: list[Check]) -> list[str]:
            rows = []
            figures = self.data.get("import")
            if figures is not None:
                rows.append(["import of the AllSides corpus (both runs, one process)", fmt(figures.get("peak_rss_mb")), code("import.json")])
            synthetic = self.data.get("synthetic_import")
            if synthetic is not None:
                rows.append(["synthetic folder: bulk rows and `rebuild_index`", fmt(synthetic.get("peak_rss_mb")), code("synthetic_import.json")])
            export = self.data.get("export_duplicates") or {}
            for name, what in (
                ("export_all", "CSV export of every article (Django, test client)"),
                ("export_1000", "CSV export of one query"),
                ("duplicates_rebuild", "`find_duplicates --rebuild`"),
                ("duplicates_incremental_100", "import of 100 new articles and their passage step"),
            ):
                if isinstance(export.get(name), dict):
                    rows.append([what, fmt(export[name].get("peak_rss_mb")), code("export_duplicates.json")])
            speed = self.data.get("duplicates_speed")
            if speed is not None:
                rows.append(["shared-passage detector over AllSides (its largest worker)", f"{fmt(speed.get('peak_rss_mib'))} ({fmt(speed.get('peak_rss_worker_mib'))})", code("duplicates_speed.json")])
            load = self.data.get("load")
            if load is not None:
                server = load.get("server_peak_rss_mb")
                rows.append(["web process (a gunicorn worker) under load", fmt(server) if server is not None else "not measured", code("load.json")])
                imported = (load.get("import") or {}).get("peak_rss_mb")
                rows.append(["`import_articles` under load", fmt(imported) if imported is not None else "not measured", code("load.json")])
            else:
                rows.append(["web process (a gunicorn worker) under load", "not run", code("load.json")])
            return ["Peak resident memory (`ru_maxrss`) of each measured process, MiB.", "", *table(["process", "peak RSS, MiB", "from"], rows)]

        return self.section("Memory (peak RSS)", ("import", "synthetic_import", "export_duplicates", "duplicates_speed", "load"), [], render, how=False)

    def load_section(self) -> list[str]:
        t = ("Load test", "no failed requests before or during an import (nor after it), and the imported articles searchable")

        def render(checks: list[Check]) -> list[str]:
            figures = self.data["load"]
            config = figures.get("config", {})
            setup = figures.get("setup", {})
            lines = [
                f"`gunicorn` with {fmt(config.get('workers'))} workers and the index worker, as `make serve`; {fmt(config.get('clients'))} clients "
                f"on loopback, {fmt(config.get('seconds'))} s per phase; base corpus {fmt(setup.get('base_articles'))} articles; "
                "mix: search page, htmx partials, outlet filter, /api/search, /export.csv. A failure is a 5xx, a connection error or a "
                f"request over {fmt(config.get('timeout'))} s.",
                "",
            ]
            rows = []
            failures = 0
            for name, phase in figures["phases"].items():
                failures += phase["failures"]
                reasons = ", ".join(f"{k}: {v}" for k, v in (phase.get("failure_reasons") or {}).items())
                rows.append([name, fmt(phase["requests"]), fmt(phase["failures"]) + (f" ({reasons})" if reasons else ""), fmt(phase.get("client_errors_4xx")), fms(phase["requests_per_s"]), fms(phase["p50_ms"]), fms(phase["p95_ms"]), fms(phase.get("p99_ms")), fms(phase.get("max_ms"))])
            lines += table(["phase", "requests", "failures", "4xx", "requests/s", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows)
            imported = figures.get("import") or {}
            searchable = figures.get("searchable") or {}
            lines += [
                "",
                f"Import under load: {fmt(imported.get('records'))} records, {fmt(imported.get('articles_added'))} articles added in {fmt(imported.get('seconds'))} s "
                f"({'with' if imported.get('actors') else 'without'} actor extraction), exit status {imported.get('exit_status')}: {imported.get('summary') or '–'}.",
                f"Imported articles searchable through the server: {'yes' if searchable.get('all_found') else 'NO'} ({fmt(searchable.get('probes'))} probes, "
                f"{fmt(searchable.get('seconds_after_import'))} s after the import). Server errors logged: {fmt(figures.get('server_errors_logged'))}; "
                f"load generator CPU {fmt(figures.get('client_cpu_seconds'))} s.",
            ]
            ok = failures == 0 and bool(searchable.get("all_found"))
            checks.append(Check(*t, STATUS_MET if ok else STATUS_MISSED, f"{failures} failed requests; searchable: {'yes' if searchable.get('all_found') else 'no'}"))
            return lines

        return self.section("Load test", ("load",), [t], render)

    def hostile_section(self) -> list[str]:
        t = ("Hostile input", "peak memory of import_articles on the hostile corpus under 500 MB")

        def render(checks: list[Check]) -> list[str]:
            figures = self.data["hostile_memory"]
            hostile, good = figures["hostile"], figures.get("good_only") or {}
            rows = []
            for name, file in figures["files"].items():
                if name.startswith("_"):
                    continue
                expands = file.get("expands_to")
                rows.append([code(name), file.get("what", ""), fmt(file["bytes"] / 2**20, 1) if "bytes" in file else "–", fmt(expands / 2**20) if expands else "–"])
            lines = [
                "`import_articles DIR --no-actors --no-progress` in a subprocess with a fresh data folder (SQLite); peak RSS is the "
                "kernel's `ru_maxrss` of that process. The corpus is generated each run:",
                "",
                *table(["file", "what", "MiB on disk", "MiB of content"], rows),
                "",
                *table(
                    ["run", "peak RSS, MiB", "seconds", "exit status", "summary"],
                    [
                        ["the good files alone", fmt(good.get("peak_rss_mb")), fmt(good.get("seconds")), good.get("exit_status", "–"), good.get("summary", "–")],
                        ["the whole hostile folder", fmt(hostile["peak_rss_mb"]), fmt(hostile["seconds"]), hostile["exit_status"], hostile["summary"]],
                    ],
                ),
                "",
                "Rejections reported:",
                "",
                *[f"- {code(re.sub(r'/[^ ]*/corpus/', '', line))}" for line in hostile.get("rejected", [])],  # names inside the corpus
            ]
            checks.append(check_at_most(*t, hostile["peak_rss_mb"], figures.get("target_mb", 500), f"{fmt(hostile['peak_rss_mb'])} MiB"))
            return lines

        return self.section("Hostile input (peak memory)", ("hostile_memory",), [t], render)

    # -- everything

    def render(self) -> str:
        body: list[str] = []
        body += self.import_section()
        body += self.search_section("search", "Search latency (AllSides)", ALLSIDES_ARTICLES, 100, "search + facets + snippets p95 at most 100 ms at 37.5k articles")
        body += self.search_section("synthetic_search", "Search latency (synthetic corpus)", SYNTHETIC_ARTICLES, 250, "search + facets + snippets p95 at most 250 ms at 200k articles")
        body += self.synthetic_build_section()
        body += self.haystack_section()
        body += self.fts5_section()
        body += self.index_size_section()
        body += self.export_section()
        body += self.duplicates_section()
        body += self.actors_section()
        body += self.memory_section()
        body += self.hostile_section()
        body += self.load_section()
        lines = [*self.header(), *self.summary(), *body]
        text = "\n".join(lines).rstrip("\n") + "\n\n" + self.notes.rstrip("\n") + "\n"
        return text


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def build_report(in_dir: Path, out: Path, makefile: Path | None = None, env: dict[str, str] | None = None, now: dt.datetime | None = None) -> Report:
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    notes = previous_notes(previous) or DEFAULT_NOTES
    commands = makefile_commands(makefile or REPO / "Makefile", dict(os.environ) if env is None else env) or DEFAULT_COMMANDS
    report = Report(in_dir=in_dir, commands=commands, notes=notes, commit=git_commit())
    if now is not None:
        report.now = now
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in", dest="in_dir", type=Path, default=OUT_DIR, help="folder of the JSON figures (default: benchmarks/out)")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md", help="the Markdown file to write (default: BENCHMARKS.md)")
    parser.add_argument("--makefile", type=Path, default=REPO / "Makefile", help="where the bench target's commands are read")
    args = parser.parse_args(argv)
    report = build_report(args.in_dir, args.out, args.makefile)
    text = report.render()
    args.out.write_text(text, encoding="utf-8")
    counts = {status: sum(1 for c in report.checks if c.status == status) for status in (STATUS_MET, STATUS_MISSED, STATUS_NOT_ASSESSED, STATUS_NOT_RUN)}
    print(f"wrote {args.out}: targets met {counts['met']}, MISSED {counts['MISSED']}, not assessed {counts['not assessed']}, not run {counts['not run']}")
    if report.missing:
        print("not run: " + ", ".join(FILES[k][0] for k in report.missing), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
