# City safety data warehouse - common tasks. Variables can be overridden: make refresh RAW=/data/raw
PY        ?= .venv/bin/python
WAREHOUSE ?= warehouse
RAW       ?= raw
PORT      ?= 8501
READINGS  ?= 1000000
BENCH_OUT ?= bench/out

export CSW_WAREHOUSE_DIR := $(abspath $(WAREHOUSE))
export CSW_RAW_DIR := $(abspath $(RAW))

SHELL := /bin/bash

.PHONY: help setup demo refresh status serve serve-all test bench bench-smoke bench-huge dagster-dev

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup:  ## install Debian packages, the Python env (uv.lock) and the dbt manifest
	./setup.sh

demo: setup  ## write the deterministic demo exports into $(RAW)/demo, refresh, add the next morning's exports, refresh again
	$(PY) -m pipelines.demo.generate --out $(RAW)
	$(PY) -m pipelines refresh --raw-dir $(RAW) --warehouse-dir $(WAREHOUSE)
	$(PY) -m pipelines.demo.generate --out $(RAW) --next-day
	$(PY) -m pipelines refresh --raw-dir $(RAW) --warehouse-dir $(WAREHOUSE)

refresh:  ## ingest -> audit -> dbt build -> publish, through Dagster (recorded in $(WAREHOUSE)/dagster_home)
	$(PY) -m pipelines refresh --raw-dir $(RAW) --warehouse-dir $(WAREHOUSE)

status:  ## published version, last failure, file ledger
	$(PY) -m pipelines status --warehouse-dir $(WAREHOUSE)

serve:  ## dashboards on http://127.0.0.1:$(PORT)
	$(PY) -m pipelines serve --warehouse-dir $(WAREHOUSE) --port $(PORT)

serve-all:  ## the service: Dagster UI :3000 + daemon (schedule, sensors, alerts) + dashboards :$(PORT); logs in $(WAREHOUSE)/logs
	$(PY) -m pipelines service --raw-dir $(RAW) --warehouse-dir $(WAREHOUSE) --port $(PORT)

test:  ## the whole test suite
	$(PY) -m pytest -q

bench:  ## benchmark 1M+10M readings: full/baseline/incremental/no-op/dashboard/ingest -> $(BENCH_OUT)/report.md (slow)
	$(PY) -m bench.run --out $(BENCH_OUT)

bench-smoke:  ## also the opt-in full smoke: five tiny refreshes, product vs baseline numbers (several minutes)
	CSW_BENCH_SMOKE=1 $(PY) -m pytest -q tests/bench

bench-huge:  ## bench plus 100M readings under CSW_DUCKDB_MEMORY_LIMIT=1GB (very slow)
	$(PY) -m bench.run --huge --out $(BENCH_OUT)

dagster-dev:  ## Dagster UI + daemon (schedule, sensors) on http://127.0.0.1:3000 with the warehouse's instance
	mkdir -p $(WAREHOUSE)/dagster_home
	test -f $(WAREHOUSE)/dagster_home/dagster.yaml || cp dagster.yaml $(WAREHOUSE)/dagster_home/dagster.yaml
	DAGSTER_HOME=$(abspath $(WAREHOUSE))/dagster_home .venv/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000
