"""Sections beside search: CSV export, shared passages, actors, memory, hostile input, load test."""

from __future__ import annotations

import re

from .core import ReportCore
from .tables import ALLSIDES_ARTICLES, STATUS_MET, STATUS_MISSED, Check, check_at_least, check_at_most, code, fmt, fms, scale_note, share, table


class OtherSections(ReportCore):
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
