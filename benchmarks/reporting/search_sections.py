"""Sections of the search side: import, search latency, the synthetic folder's build, the
references (django-haystack, SQLite FTS5) and index sizes."""

from __future__ import annotations

from typing import Any

from .core import ReportCore
from .sources import FILES
from .tables import ALLSIDES_ARTICLES, STATUS_MET, STATUS_MISSED, STATUS_NOT_ASSESSED, STATUS_NOT_RUN, Check, _number, check_at_least, check_at_most, code, fmt, fms, scale_note, table


class SearchSections(ReportCore):
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
            lines += self.build_lines(figures.get("build", {}), "Haystack index", "documents", "index_bytes")
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
    def build_lines(build: dict[str, Any], name: str, unit: str, size_key: str, built: str | None = None) -> list[str]:
        """How a reference engine's index was had: reused, or built (time, rate, size)."""
        if build.get("reused"):
            return ["", f"{name} reused ({fmt(build.get('documents'))} {unit})."]
        if build:
            return ["", f"{built or name} build: {fmt(build.get('documents'))} {unit} in {fmt(build.get('seconds'))} s ({fmt(build.get('articles_per_s'))} articles/s), {fmt((build.get(size_key) or 0) / 1e6)} MB."]
        return []

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
            lines += self.build_lines(figures.get("build", {}), "FTS5 file", "articles", "file_bytes", built="FTS5")
            counts = figures.get("count_comparison")
            if isinstance(counts, dict):
                lines.append(f"Counts: FTS5's total equals newsindex's on {counts.get('same_total')} of {counts.get('queries')} queries; facet counts differ on {counts.get('same_total_but_facets_differ')} of those.")
            return lines

        return self.section("Reference: SQLite FTS5", ("fts5",), [], render)
