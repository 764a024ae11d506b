"""Write BENCHMARKS.md from the JSON figures `make bench` leaves in benchmarks/out/.

    .venv/bin/python benchmarks/report.py [--in benchmarks/out] [--out BENCHMARKS.md]

Reads the JSON files listed in benchmarks/reporting/sources.py (FILES: which script writes each;
every one optional: a missing file, or one of another shape, makes its section say "not run")
and writes BENCHMARKS.md: the machine, date, versions and the commands of `make bench` (read
from the Makefile's bench target), a summary of the targets of the issue (met / MISSED), then one
section and table per area, each with its target lines. A section headed `## Notes` in the
existing BENCHMARKS.md is kept verbatim, so hand-written explanations survive regeneration.

Needs no Django and never fails on the figures: whatever it cannot read is reported as not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `benchmarks.reporting`

from benchmarks.reporting.other_sections import OtherSections  # noqa: E402
from benchmarks.reporting.search_sections import SearchSections  # noqa: E402
from benchmarks.reporting.sources import DEFAULT_NOTES, FILES, OUT_DIR, REPO, default_commands, git_commit, makefile_commands, previous_notes  # noqa: E402, F401
from benchmarks.reporting.tables import ALLSIDES_ARTICLES, STATUS_MET, STATUS_MISSED, STATUS_NOT_ASSESSED, STATUS_NOT_RUN, SYNTHETIC_ARTICLES  # noqa: E402


class Report(SearchSections, OtherSections):
    """The whole of BENCHMARKS.md, section by section, in the order it is read."""

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



def build_report(in_dir: Path, out: Path, makefile: Path | None = None, env: dict[str, str] | None = None, now: dt.datetime | None = None) -> Report:
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    notes = previous_notes(previous) or DEFAULT_NOTES
    commands = makefile_commands(makefile or REPO / "Makefile", dict(os.environ) if env is None else env) or default_commands()
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
