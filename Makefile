# newsindex: `make run` serves the sample corpus, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQ_HASH := $(shell sha1sum requirements.txt | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQ_HASH)
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/newsindex

.PHONY: run serve setup test test-sqlite test-postgres chromium libreoffice bench bench-engines bench-engines-200k bench-monitor bench-report clean
WORKERS ?= 3

# Create the virtualenv and install the pinned requirements, once per version of requirements.txt.
$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# Migrate, import corpus/ (unchanged files are skipped) and bring the index up to date.
setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_articles corpus/
	@# The postgres engine indexes in the articles' transaction; an archive switched to it needs one rebuild.
	@if [ "$$SEARCH_BACKEND" = postgres ]; then $(BIN)/python manage.py verify_index >/dev/null || $(BIN)/python manage.py rebuild_index; fi

run: setup
	@echo "newsindex: serving http://$(HOST):$(PORT)/  (Ctrl-C stops the server, the index worker and the source poller)"
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; trap 'exit 0' INT TERM; \
	$(BIN)/python manage.py run_index_worker & \
	$(BIN)/python manage.py poll_sources & \
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT) & \
	wait -n

# Ctrl-C (or SIGTERM) stops all three; so does any one of them ending (its status is make's).

# Production-style: gunicorn workers (each reads the same index and sees new imports without a
# restart), whitenoise for static files, DEBUG off, the index worker beside it.
serve: setup
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "newsindex: gunicorn with $(WORKERS) workers on http://$(HOST):$(PORT)/"
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; trap 'exit 0' INT TERM; \
	$(BIN)/python manage.py run_index_worker & \
	$(BIN)/python manage.py poll_sources & \
	DEBUG=false $(BIN)/gunicorn newsindex.wsgi --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - --timeout 30 & \
	wait -n

# Browser tests drive Debian's Chromium; install it when it is missing.
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The CSV export test opens the export in LibreOffice Calc (headless); install it when missing.
libreoffice:
	@test -x /usr/bin/soffice || { \
	  echo "Installing Debian's LibreOffice Calc (no GUI) for the CSV round-trip test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null; }

# The two passes run at once (two processes, each with a data folder of its own): -O prints each
# pass's output whole when it ends, -k lets the other pass finish when one fails, and make fails
# when either does.
test: $(STAMP) chromium libreoffice
	@echo "== the SQLite and PostgreSQL passes run at once; each one's output follows when it ends =="
	@$(MAKE) --no-print-directory -j2 -k --output-sync=target test-sqlite test-postgres

# Tests keep their database files apart from the data of `make run`, and the passes from each other.
TEST_ENV = NEWSINDEX_DATA_DIR=$(CURDIR)/data/test$(1)

test-sqlite: $(STAMP)
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL $(call TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@echo "== test suite on PostgreSQL ($(PG_TEST_URL)) =="
	@if $(BIN)/python scripts/pg_ready.py "$(PG_TEST_URL)"; then \
	  $(call TEST_ENV,-postgres) DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is not reachable at $(PG_TEST_URL): CI needs it"; exit 1; \
	else echo "PostgreSQL is not reachable at $(PG_TEST_URL): skipped the PostgreSQL run"; fi

# Heavy benchmarks, not part of `make test` (about two hours on 2 cores: the AllSides import and
# the 200k synthetic folder): figures go to benchmarks/out/*.json, then benchmarks/report.py
# writes BENCHMARKS.md from them. The long hostile-query pass runs here too.
BENCH_DATA ?= /tmp/newsindex-bench-allsides
SYNTH_DATA ?= /tmp/newsindex-bench-synthetic
SYNTH_ARTICLES ?= 200000
NER_ARTICLES ?= 5000
bench: $(STAMP)
	mkdir -p benchmarks/out
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
	rm -rf $(BENCH_DATA) $(BENCH_DATA)-ner $(SYNTH_DATA)
	$(BIN)/python benchmarks/allsides_dataset.py --data-dir $(BENCH_DATA) --json benchmarks/out/import.json
	$(BIN)/python benchmarks/allsides_dataset.py --ner --articles $(NER_ARTICLES) --data-dir $(BENCH_DATA)-ner --json benchmarks/out/import_ner.json
	$(BIN)/python benchmarks/search_latency.py --data-dir $(BENCH_DATA) --reuse --json benchmarks/out/search.json
	$(BIN)/python benchmarks/haystack_reference.py --data-dir $(BENCH_DATA) --json benchmarks/out/haystack.json
	$(BIN)/python benchmarks/fts5_reference.py --data-dir $(BENCH_DATA) --json benchmarks/out/fts5.json
	$(BIN)/python benchmarks/export_and_duplicates.py --data-dir $(BENCH_DATA) --json benchmarks/out/export_duplicates.json
	$(BIN)/python benchmarks/duplicates_eval.py --json benchmarks/out/duplicates_recall.json
	$(BIN)/python benchmarks/duplicates_eval.py --speed --index-file $(BENCH_DATA)/bench-shingles --json benchmarks/out/duplicates_speed.json
	$(BIN)/python benchmarks/actors_eval.py --json benchmarks/out/actors.json
	-$(BIN)/python benchmarks/load_test.py --json benchmarks/out/load.json
	$(BIN)/python benchmarks/hostile_memory.py --json benchmarks/out/hostile_memory.json
	$(BIN)/python benchmarks/synthetic_dataset.py --data-dir $(SYNTH_DATA) --articles $(SYNTH_ARTICLES) --json benchmarks/out/synthetic_import.json
	$(BIN)/python benchmarks/search_latency.py --data-dir $(SYNTH_DATA) --reuse --json benchmarks/out/synthetic_search.json
	-$(TEST_ENV) NEWSINDEX_HOSTILE_EXAMPLES=500 $(BIN)/python -m pytest -m hostile -q tests/web/test_hostile_queries.py
	$(BIN)/python benchmarks/report.py

# Both search engines on one PostgreSQL archive of AllSides (issue #13): import, each engine's
# index rebuilt and timed, the query mix interleaved over HTTP, the postgres engine's two-step
# ranking against an exact one; then the passage pages and coverage on the same archive (issue #15). About an hour on 2 cores. BENCH_PG is dropped and created anew.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/newsindex_bench
BENCH_PG_SYNTH ?= postgres://postgres@127.0.0.1:5432/newsindex_bench_synthetic
FRESH_PG := $(BIN)/python -c 'import sys; sys.path.insert(0, "benchmarks"); import load_test as t; t.drop_database(sys.argv[1]); t.create_database(sys.argv[1])'
bench-engines: $(STAMP)
	mkdir -p benchmarks/out
	rm -rf $(BENCH_DATA)-pg
	$(FRESH_PG) $(BENCH_PG)
	DATABASE_URL=$(BENCH_PG) $(BIN)/python benchmarks/allsides_dataset.py --data-dir $(BENCH_DATA)-pg --json benchmarks/out/import_pg.json
	DATABASE_URL=$(BENCH_PG) $(BIN)/python benchmarks/engines_side_by_side.py --data-dir $(BENCH_DATA)-pg --rebuild whoosh,postgres --json benchmarks/out/engines.json
	DATABASE_URL=$(BENCH_PG) $(BIN)/python benchmarks/ranking_agreement.py --data-dir $(BENCH_DATA)-pg --json benchmarks/out/ranking_agreement.json
	NEWSINDEX_BENCH_KEEP_DATABASE=1 DATABASE_URL=$(BENCH_PG) $(BIN)/python benchmarks/spread_latency.py --data-dir $(BENCH_DATA)-pg --json benchmarks/out/spread.json

# The same at 200k synthetic articles (SYNTH_ARTICLES): stored in PostgreSQL, then both engines'
# indexes built by rebuild_index and timed. About an hour on 2 cores.
bench-engines-200k: $(STAMP)
	mkdir -p benchmarks/out
	rm -rf $(SYNTH_DATA)-pg
	$(FRESH_PG) $(BENCH_PG_SYNTH)
	NEWSINDEX_BENCH_KEEP_DATABASE=1 DATABASE_URL=$(BENCH_PG_SYNTH) $(BIN)/python benchmarks/synthetic_dataset.py --engine postgres --data-dir $(SYNTH_DATA)-pg --articles $(SYNTH_ARTICLES) --json benchmarks/out/synthetic_import_pg.json
	DATABASE_URL=$(BENCH_PG_SYNTH) $(BIN)/python benchmarks/engines_side_by_side.py --data-dir $(SYNTH_DATA)-pg --rebuild whoosh,postgres --json benchmarks/out/engines_synthetic.json

# Monitoring at AllSides scale (issue #16): 100 saved searches over an import of the last 100
# records into the other 37,418, and /check/ answer times. About 25 minutes.
bench-monitor: $(STAMP)
	mkdir -p benchmarks/out
	rm -rf $(BENCH_DATA)-monitor
	$(BIN)/python benchmarks/monitor_bench.py --data-dir $(BENCH_DATA)-monitor --corpus ../shared/corpora/allsides/articles.jsonl.gz --json benchmarks/out/monitor.json

# Rewrite BENCHMARKS.md from whatever benchmarks/out/*.json holds (no benchmark is run).
bench-report:
	$(BIN)/python benchmarks/report.py

clean:
	rm -rf $(VENV) data
