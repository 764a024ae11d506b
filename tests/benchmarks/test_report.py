"""benchmarks/report.py: BENCHMARKS.md from hand-made figures of each script's JSON shape."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from benchmarks import report

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
MACHINE = {
    "date": "2026-11-21T10:00:00+00:00",
    "nproc": 2,
    "load_average": [1.5, 2.0, 2.5],
    "load_average_end": [1.7, 2.0, 2.5],
    "cpu": "Test CPU @ 2.80GHz",
    "platform": "Linux-test",
    "python": "3.11.7",
    "django": "5.2.19",
    "whoosh": "whoosh3 3.54.0",
}


def summary(p50: float, p95: float, n: int = 10) -> dict[str, float]:
    return {"n": n, "p50": p50, "p95": p95, "p99": p95 * 1.1, "max": p95 * 1.2, "mean": p50}


def search_json(articles: int, p95: float) -> dict[str, Any]:  # search_latency.py
    return {
        "machine": MACHINE,
        "corpus": "x",
        "data_dir": "/tmp/d",
        "articles": articles,
        "imports": [],
        "query_mix": {"common term": 10, "phrase": 10},
        "warmup": [],
        "latency_ms": {"all": summary(40, p95, 20), "common term": summary(30, 60), "phrase": summary(50, p95)},
        "queries": [{"kind": "phrase", "q": '"a b"', "ms": 50, "total": 0, "rows": 0, "timed_out": False, "messages": []}],
        "index_bytes": 439_000_000,
        "index_apparent_bytes": 439_000_000,
        "db_bytes": 900_000_000,
        "db_apparent_bytes": 900_000_000,
        "db_wal_bytes": 0,
    }


def figures() -> dict[str, dict[str, Any]]:
    """One file of each shape, at the targets' scale: some targets met, some missed."""
    return {
        "import.json": {  # allsides_dataset.py
            "corpus": "articles.jsonl.gz",
            "actors": "name heuristic",
            "runs": [
                {"label": "import", "imported": 37518, "unchanged": 0, "rejected": 3, "passage_groups": 43068, "seconds": 800.0, "records_per_s": 46.9},
                {"label": "re-import (unchanged)", "imported": 0, "unchanged": 37518, "rejected": 3, "passage_groups": 0, "seconds": 25.0, "records_per_s": 1500.8},
            ],
            "peak_rss_mb": 812,
        },
        "search.json": search_json(37518, 80.0),
        "synthetic_import.json": {  # synthetic_dataset.py
            "corpus": "synthetic, seed 0, 200000 articles",
            "data_dir": "/tmp/s",
            "stages": [
                {"label": "migrate", "seconds": 0.3, "articles_per_s": None, "peak_rss_mb_so_far": 68},
                {"label": "generate + store", "seconds": 600.0, "articles_per_s": 333.3, "articles": 200000, "peak_rss_mb_so_far": 400},
                {"label": "rebuild_index", "seconds": 4000.0, "articles_per_s": 50.0, "output": "indexed", "peak_rss_mb_so_far": 900},
            ],
            "total_seconds": 4600.3,
            "peak_rss_mb": 900,
            "database_mb": 6000,
            "index_mb": 2300,
            "machine": MACHINE,
        },
        "synthetic_search.json": search_json(200000, 300.0),
        "haystack.json": {  # haystack_reference.py
            "machine": {**MACHINE, "django_haystack": "3.4.0"},
            "articles": 37518,
            "build": {"reused": False, "documents": 37518, "seconds": 900.0, "articles_per_s": 41.7, "index_bytes": 1_200_000_000},
            "latency_ms": {
                "newsindex": {"all": summary(40, 90), "phrase": summary(30, 60)},
                "haystack": {"all": summary(800, 1800), "phrase": summary(700, 1500)},
            },
            "ratio_to_newsindex": {"all": {"p50": 20.0, "p95": 20.0}},
            "count_summary": {"queries": 100, "same_total": 97, "with_outlet_tokens_not_names": 96, "with_months_missing_in_haystack": 65},
        },
        "fts5.json": {  # fts5_reference.py
            "machine": {**MACHINE, "sqlite": "3.40.1"},
            "articles": 37518,
            "build": {"reused": False, "documents": 37518, "seconds": 60.0, "articles_per_s": 625.3, "file_bytes": 500_000_000},
            "not_expressible": ["fuzzy"],
            "latency_ms": {
                "newsindex": {"all": summary(40, 90), "fuzzy": summary(900, 1000), "all FTS5 kinds": summary(35, 80)},
                "fts5": {"all": summary(8, 19), "all FTS5 kinds": summary(8, 19)},
            },
            "count_comparison": {"queries": 93, "same_total": 85, "same_total_but_facets_differ": 14},
        },
        "export_duplicates.json": {  # export_and_duplicates.py
            "export_all": {"rows": 37518, "seconds": 12.5, "peak_rss_mb": 208},
            "export_1000": {"rows": 831, "seconds": 0.6, "peak_rss_mb": 179},
            "duplicates_rebuild": {"groups": 43068, "occurrences": 119166, "seconds": 110.0, "peak_rss_mb": 2000},
            "duplicates_incremental_100": {"new_articles": 100, "import_without_passages_s": 9.0, "passage_step_s": 2.5, "groups_touched": 300, "peak_rss_mb": 400},
        },
        "duplicates_speed.json": {  # duplicates_eval.py --speed --json
            "mode": "speed",
            "cpus": 2,
            "load_average_start": [1.3, 1.0, 1.0],
            "articles": 37518,
            "paragraphs": 919000,
            "workers": 2,
            "build_s": 10.9,
            "full_pass_s": 6.6,
            "build_and_full_pass_s": 17.5,
            "groups": 43000,
            "incremental_in_memory": {"new_articles": 100, "total_s": 1.6, "groups": 57},
            "incremental_from_disk": {"total_s": 2.8, "same_groups": True},
            "load_average_end": [1.4, 1.0, 1.0],
            "peak_rss_mib": 1500,
            "peak_rss_worker_mib": 900,
        },
        "duplicates_recall.json": {  # duplicates_eval.py --json
            "mode": "recall",
            "cluster_files": 764,
            "background_articles": 0,
            "coverage": 0.9,
            "gold_pairs": 139,
            "found_pairs": 138,
            "pair_recall": 138 / 139,
            "linked_pairs": 139,
            "gold_texts": 694,
            "found_texts": 693,
            "text_recall": 693 / 694,
            "flagged_pairs_not_gold": 633,
            "flagged_within_one_cluster": 551,
            "precision_sample": "/tmp/sample.txt",
        },
        "actors.json": {  # actors_eval.py
            "seeds": {"gold_pairs": 31, "recall": 30 / 31, "precision_people_orgs_vs_list": 0.476, "extracted_people_org_pairs": 63, "missed": ["moskalkova person 001"]},
            "basil": {"articles": 270, "gold_actors": 544, "recall_exact_name": 0.57, "recall_same_surname": 0.768, "import_seconds": 31.4},
            "throughput": {"articles": 400, "seconds": 43.0, "articles_per_s": 9.3, "processes": 2},
        },
        "hostile_memory.json": {  # hostile_memory.py
            "machine": MACHINE,
            "target_mb": 500,
            "files": {
                "bomb.jsonl.gz": {"bytes": 10_500_000, "expands_to": 10 * 2**30, "what": "gzip bomb: 10 GB of zeros"},
                "pipe.jsonl": {"what": "a named pipe (FIFO) that no one writes to"},
                "_generation": {"seconds": 60.0},
            },
            "good_only": {"exit_status": 0, "seconds": 9.0, "peak_rss_mb": 128.9, "summary": "imported 90", "rejected": []},
            "hostile": {
                "exit_status": 1, "seconds": 40.0, "peak_rss_mb": 131.5, "summary": "imported 92, rejected 7",
                "rejected": ["rejected /tmp/newsindex-hostile-x/corpus/pipe.jsonl: not a regular file but a named pipe (FIFO): skipped"],
            },
            "peak_rss_mb": 131.5,
        },
        "load.json": {  # load_test.py
            "config": {"clients": 20, "seconds": 60.0, "workers": 3, "timeout": 30.0, "import_count": 5000},
            "machine": {"cpus": 2, "python": "3.11.7", "load_before": [2.0, 2.0, 2.0], "load_after": [4.0, 3.0, 2.0]},
            "setup": {"seconds": 39.3, "base_articles": 1997},
            "phases": {
                "before import": {"requests": 230, "failures": 0, "failure_reasons": {}, "client_errors_4xx": 0, "seconds": 20.0, "requests_per_s": 11.49, "p50_ms": 1887.1, "p95_ms": 2553.9, "p99_ms": 2665.3, "max_ms": 2955.9, "by_kind": {}},
                "during import": {"requests": 1699, "failures": 2, "failure_reasons": {"timeout": 2}, "client_errors_4xx": 0, "seconds": 211.0, "requests_per_s": 8.05, "p50_ms": 2439.3, "p95_ms": 3590.1, "p99_ms": 4410.7, "max_ms": 5939.3, "by_kind": {}},
            },
            "import": {"records": 500, "articles_added": 500, "seconds": 211.0, "exit_status": 0, "summary": "imported 500", "actors": True},
            "searchable": {"probes": 5, "all_found": True, "seconds_after_import": 0.18, "missing_ids": []},
            "server_errors_logged": 0,
            "client_cpu_seconds": 1.5,
        },
    }


def write(folder: Path, files: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_text(data if isinstance(data, str) else json.dumps(data))
    return folder


def render(tmp_path: Path, files: dict[str, Any], previous: str | None = None, makefile: str | None = None) -> str:
    out = tmp_path / "BENCHMARKS.md"
    if previous is not None:
        out.write_text(previous)
    mk = tmp_path / "Makefile"
    if makefile is not None:
        mk.write_text(makefile)
    built = report.build_report(write(tmp_path / "out", files), out, mk, env={}, now=NOW)
    return built.render()


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def target_line(text: str, title: str, words: str) -> str:
    return next(line for line in section(text, title).splitlines() if line.startswith("**Target:**") and words in line)


def test_every_shape_gives_its_table_and_target_lines(tmp_path: Path) -> None:
    text = render(tmp_path, figures())
    assert "Test CPU @ 2.80GHz, 2 cores" in text
    assert "Django 5.2.19" in text and "django-haystack 3.4.0" in text and "SQLite 3.40.1" in text
    assert "2026-11-21 12:00 UTC" in text

    imp = section(text, "Import (AllSides)")
    assert "| import, actors by name heuristic | 37,518 | 0 | 3 | 800 | 46.9 | 46.9 | 43,068 |" in imp
    assert "**met** (46.9 articles/s" in target_line(text, "Import (AllSides)", "full import")
    assert "**MISSED** (1,501 records/s" in target_line(text, "Import (AllSides)", "re-import")
    assert "not measured" in imp  # no per-stage timings in allsides_dataset.py's JSON


    search = section(text, "Search latency (AllSides)")
    assert "| phrase | 10 | 50.0 | 80.0 | 88.0 | 96.0 |" in search
    assert "| **all** | 20 | 40.0 | 80.0 |" in search
    assert "**met** (p95 80.0 ms over 20 queries)" in target_line(text, "Search latency (AllSides)", "100 ms")
    assert "**MISSED** (p95 300 ms" in target_line(text, "Search latency (synthetic corpus)", "250 ms")

    assert "| rebuild_index | 4,000 | 50.0 | 900 |" in section(text, "Synthetic data folder (build)")
    haystack = section(text, "Reference: django-haystack (Whoosh backend)")
    assert "| phrase | 10 | 30.0 | 60.0 | 700 | 1,500 | 23.33× | 25.00× |" in haystack
    assert "**met** (haystack/newsindex p50 20.0×, p95 20.0×" in haystack
    fts5 = section(text, "Reference: SQLite FTS5")
    assert "| fuzzy | 10 | 900 | 1,000 | not run |" in fts5
    assert "| all FTS5 kinds | 10 | 35.0 | 80.0 | 8.0 | 19.0 | 0.23× | 0.24× |" in fts5
    assert "| newsindex, AllSides | 37,518 | 439 | 900 | 11.7 |" in section(text, "Index size")

    assert "| `/export.csv`, every article | 37,518 | 12.5 |" in section(text, "CSV export")
    assert "**MISSED** (12.5 s for 37,518 rows)" in target_line(text, "CSV export", "37.5k rows")

    dup = section(text, "Shared passages (duplicate detection)")
    assert "**met** (17.5 s)" in target_line(text, "Shared passages (duplicate detection)", "(detector: build + pass)")
    assert "**MISSED** (110 s)" in target_line(text, "Shared passages (duplicate detection)", "find_duplicates --rebuild")
    assert "**met** (2.8 s with loading and saving the index)" in target_line(text, "Shared passages (duplicate detection)", "100 new articles at most 5 s (detector)")
    assert "**met** (2.5 s for 100 articles)" in target_line(text, "Shared passages (duplicate detection)", "passage step")
    assert "0.999 (693/694)" in dup

    assert "**MISSED** (9.3 articles/s with 2 processes)" in target_line(text, "Actors", "40 articles/s")
    memory = section(text, "Memory (peak RSS)")
    assert "| import of the AllSides corpus (both runs, one process) | 812 |" in memory
    assert "| web process (a gunicorn worker) under load | not measured |" in memory
    load = section(text, "Load test")
    assert "| during import | 1,699 | 2 (timeout: 2) | 0 | 8.1 | 2,439 | 3,590 |" in load
    assert "**MISSED** (2 failed requests" in target_line(text, "Load test", "failed requests")

    hostile = section(text, "Hostile input (peak memory)")
    assert "| `bomb.jsonl.gz` | gzip bomb: 10 GB of zeros | 10.0 | 10,240 |" in hostile
    assert "| the whole hostile folder | 132 | 40.0 | 1 | imported 92, rejected 7 |" in hostile
    assert "- `rejected pipe.jsonl: not a regular file but a named pipe (FIFO): skipped`" in hostile
    assert "**met** (132 MiB)" in target_line(text, "Hostile input (peak memory)", "500 MB")

    targets = section(text, "Targets")
    assert targets.count("**met**") == 7 and targets.count("**MISSED**") == 6
    assert "not run" not in targets
    assert text.rstrip().endswith(report.DEFAULT_NOTES.rstrip())  # no Notes before: the default ones


def test_missing_files_say_not_run(tmp_path: Path) -> None:
    text = render(tmp_path, {"search.json": search_json(37518, 80.0)})
    for title in ("Import (AllSides)", "CSV export", "Actors", "Load test", "Reference: django-haystack (Whoosh backend)", "Reference: SQLite FTS5"):
        assert "not run (" in section(text, title), title
    assert "`import.json` from `benchmarks/allsides_dataset.py`: import.json is missing" in section(text, "Import (AllSides)")
    assert "**met**" in target_line(text, "Search latency (AllSides)", "100 ms")
    targets = section(text, "Targets")
    assert "| Actors | actor extraction at least 40 articles/s | not run |" in targets
    assert "| `load.json` | `benchmarks/load_test.py` | not run |" in text

    empty = render(tmp_path / "none", {})
    assert "**met**" not in empty and "**MISSED**" not in empty


def test_other_shapes_say_not_run_instead_of_failing(tmp_path: Path) -> None:
    files = {
        "search.json": {"latency_ms": "not a table", "articles": 5},
        "import.json": {"runs": [{"label": "import"}]},
        "actors.json": [1, 2, 3],
        "load.json": "{not json",
        "haystack.json": {"latency_ms": {"haystack": {}}},
    }
    text = render(tmp_path, files)
    assert "not run (`search.json`: not in the shape this report reads" in section(text, "Search latency (AllSides)")
    assert "not run (`import.json`: not in the shape" in section(text, "Import (AllSides)")
    assert "actors.json holds a list, not an object" in section(text, "Actors")
    assert "load.json could not be read" in section(text, "Load test")
    assert "not run" in section(text, "Reference: django-haystack (Whoosh backend)")
    assert "**met**" not in section(text, "Targets")


def test_scale_below_the_targets_is_not_assessed(tmp_path: Path) -> None:
    small = figures()
    small["search.json"] = search_json(2000, 80.0)
    small["export_duplicates.json"]["export_all"]["rows"] = 2000
    text = render(tmp_path, small)
    line = target_line(text, "Search latency (AllSides)", "100 ms")
    assert "not assessed (p95 80.0 ms over 20 queries; measured at 2,000 articles, the target is for 37,500)" in line
    assert "not assessed" in target_line(text, "CSV export", "37.5k rows")
    assert "not assessed" in target_line(text, "Shared passages (duplicate detection)", "find_duplicates --rebuild")


def test_notes_survive_regeneration(tmp_path: Path) -> None:
    notes = "## Notes\n\nWritten by hand: the 200k run shared the machine with a 4-hour import.\n\n| a | b |\n| --- | --- |\n"
    previous = "# Benchmarks\n\nold text\n\n## Search\n\nold table\n\n" + notes + "\n## Something after\n\nmore\n"
    text = render(tmp_path, figures(), previous=previous)
    assert text.endswith(notes)
    assert "old table" not in text and report.DEFAULT_NOTES not in text
    # and again from the file just written
    (tmp_path / "BENCHMARKS.md").write_text(text)
    assert report.previous_notes(text) == notes
    assert render(tmp_path, {}, previous=text).endswith(notes)


def test_commands_come_from_the_makefile_bench_target(tmp_path: Path) -> None:
    makefile = (
        "VENV := .venv\nBIN := $(VENV)/bin\nBENCH_DATA ?= /tmp/bench-a\n\n"
        "bench: $(STAMP)\n\tmkdir -p benchmarks/out\n"
        "\t$(BIN)/python benchmarks/search_latency.py --data-dir $(BENCH_DATA) --reuse --json benchmarks/out/search.json\n"
        "\t-$(BIN)/python benchmarks/load_test.py --json benchmarks/out/load.json\n\n"
        "clean:\n\trm -rf data\n"
    )
    text = render(tmp_path, figures(), makefile=makefile)
    assert "  .venv/bin/python benchmarks/search_latency.py --data-dir /tmp/bench-a --reuse --json benchmarks/out/search.json\n" in text
    assert "  .venv/bin/python benchmarks/load_test.py --json benchmarks/out/load.json\n" in text
    assert "rm -rf data" not in text
    how = next(line for line in section(text, "Search latency (AllSides)").splitlines() if line.startswith("How:"))
    assert "`.venv/bin/python benchmarks/search_latency.py --data-dir /tmp/bench-a --reuse --json benchmarks/out/search.json` (run 2026-11-21 10:00:00 UTC, load 1.5 → 1.7)" in how
    commands = report.makefile_commands(tmp_path / "Makefile", {"BENCH_DATA": "/data/x"})
    assert commands is not None and "--data-dir /data/x" in commands[1]
    assert report.makefile_commands(tmp_path / "missing", {}) is None


def test_main_writes_the_file(tmp_path: Path) -> None:
    folder = write(tmp_path / "out", {"actors.json": figures()["actors.json"]})
    out = tmp_path / "BENCHMARKS.md"
    assert report.main(["--in", str(folder), "--out", str(out), "--makefile", str(tmp_path / "none")]) == 0
    text = out.read_text()
    assert "## Actors" in text and "**MISSED** (9.3 articles/s" in text
    assert "make bench" in text and "benchmarks/report.py" in text  # the default commands


def test_the_full_import_target_is_judged_on_the_ner_run_when_there_is_one(tmp_path: Path) -> None:
    files = figures()
    files["import_ner.json"] = {
        "corpus": "articles.jsonl.gz",
        "articles_asked": 5000,
        "actors": "spaCy NER",
        "runs": [
            {"label": "import", "imported": 5000, "unchanged": 0, "rejected": 0, "passage_groups": 900, "seconds": 250.0,
             "records_per_s": 20.0, "stages": {"read": 1.0, "actors": 200.0, "index": 30.0}},
        ],
        "peak_rss_mb": 700,
        "peak_rss_children_mb": 650,
    }
    text = render(tmp_path, files)
    imp = section(text, "Import (AllSides)")
    assert "| import, actors by spaCy NER | 5,000 | 0 | 0 | 250 | 20.0 | 20.0 | 900 |" in imp
    assert "first 5,000 records of" in imp and "of its NER worker processes 650 MiB" in imp
    assert "| import | actors | 200 | 25.0 |" in imp  # the NER run's stages
    line = target_line(text, "Import (AllSides)", "full import")
    assert "**MISSED** (20.0 articles/s, 5,000 articles in 250 s; actors by spaCy NER" in line

