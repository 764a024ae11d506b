"""The frame of BENCHMARKS.md: the figures read, one `## section` with its sources, targets and
what did not run, the header (machine, runs, commands) and the summary of the targets."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .sources import FILES, load_json, local_machine, package_version, sqlite_version
from .tables import STATUS_MET, STATUS_MISSED, STATUS_NOT_RUN, Check, _number, code, fmt, table


@dataclass
class ReportCore:
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


    def machine_cores(self) -> Any:
        for figures in self.data.values():
            machine = figures.get("machine")
            if isinstance(machine, dict) and (machine.get("nproc") or machine.get("cpus")):
                return machine.get("nproc") or machine.get("cpus")
        return self.machine.get("nproc")
