"""CSV export and shared-passage figures on an imported data folder (see allsides_dataset.py).

    .venv/bin/python benchmarks/export_and_duplicates.py --data-dir /tmp/allsides

Each measurement runs in a child process of its own, so its peak memory (ru_maxrss) is its own:
1. /export.csv of every article (no filter), streamed and counted; and of a 1,000-row query, to
   show memory stays flat as rows grow;
2. `find_duplicates --rebuild`: the full shared-passage pass with the database writes;
3. 100 new articles (AllSides records under new ids) imported, then the incremental passage step
   timed on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: `search`, `benchmarks.harness`
from benchmarks.harness.measure import write_json  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "corpora" / "allsides" / "sample2000.jsonl"


def child(code: str, data_dir: Path) -> dict:
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "newsindex.settings", "PYTHONPATH": str(ROOT)}
    prelude = "import json, resource, time, django; django.setup()\n"
    epilogue = "\nout['peak_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024); print(json.dumps(out))"
    result = subprocess.run([sys.executable, "-c", prelude + code + epilogue], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


EXPORT = """
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
started = time.monotonic()
response = client.get("/export.csv", QUERY)
rows = sum(chunk.count("\\n") for chunk in (c.decode() if isinstance(c, bytes) else c for c in response.streaming_content)) - 1
out = {"rows": rows, "seconds": round(time.monotonic() - started, 2)}
"""

REBUILD = """
from search.store import passages
started = time.monotonic()
stats = passages.rebuild()
out = {"groups": stats.groups, "occurrences": stats.members, "seconds": round(time.monotonic() - started, 1)}
"""

INCREMENTAL = """
from search.store import passages
from search.store.importer import Importer
importer = Importer(actors=False, passages=False)
started = time.monotonic()
importer.run([PATH])
imported = time.monotonic() - started
started = time.monotonic()
stats = passages.update_for(importer.new_ids)
out = {"new_articles": len(importer.new_ids), "import_without_passages_s": round(imported, 2),
       "passage_step_s": round(time.monotonic() - started, 2), "groups_touched": stats.groups}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures: dict[str, dict] = {}
    figures["export_all"] = child(EXPORT.replace("QUERY", "{}"), args.data_dir)
    print("export, all articles:", figures["export_all"], flush=True)
    figures["export_1000"] = child(EXPORT.replace("QUERY", "{'q': 'trump', 'from': '2019-01-01', 'to': '2019-03-31'}"), args.data_dir)
    print("export, one query:", figures["export_1000"], flush=True)
    figures["duplicates_rebuild"] = child(REBUILD, args.data_dir)
    print("find_duplicates --rebuild:", figures["duplicates_rebuild"], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "new100.jsonl"
        with open(SAMPLE) as fh, open(path, "w") as out:
            for n, line in zip(range(100), fh):
                record = json.loads(line)
                record["ID"] = f"bench-new-{int(time.time())}-{n}"  # new every run
                out.write(json.dumps(record) + "\n")
        figures["duplicates_incremental_100"] = child(INCREMENTAL.replace("PATH", repr(str(path))), args.data_dir)
    print("100 new articles:", figures["duplicates_incremental_100"], flush=True)
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
