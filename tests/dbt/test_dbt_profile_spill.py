"""A dbt node that spills to disk must not break the nodes after it (bench/RESULTS.md finding 5).

The 10M incremental refresh failed its audit with every test of fct_metric_restatements in ERROR: that model
spilled under the 2 GB memory limit, and dbt-duckdb then ran `SET temp_directory = ...` (a profile `settings`
entry) on the next node's new cursor, which DuckDB refuses once the spill directory has been used ("Cannot
switch temporary directory after the current one has been used"). Here a throwaway two-model project, run with
the real dbt/profiles.yml and a small memory limit, builds a model whose sort spills and then a model after it.
"""

from __future__ import annotations

from pathlib import Path

from conftest import query, run_dbt

ROWS = 4_000_000

PROJECT = """\
name: spill_check
version: "1.0.0"
config-version: 2
profile: city_safety
model-paths: ["models"]
flags:
  send_anonymous_usage_stats: false
models:
  spill_check:
    +materialized: table
"""

# a 4M-row sort in a 40 MB budget: DuckDB sorts out of core, in the spill directory
SPILLING_MODEL = f"select i, hash(i) as h from range({ROWS}) as r(i) order by h"
NEXT_MODEL = "select count(*) as n from {{ ref('spilling') }}"


def test_nodes_after_a_spill_still_run(tmp_path: Path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(PROJECT, encoding="utf-8")
    (project / "models" / "spilling.sql").write_text(SPILLING_MODEL, encoding="utf-8")
    (project / "models" / "after_spill.sql").write_text(NEXT_MODEL, encoding="utf-8")
    db = tmp_path / "build.duckdb"
    spill = tmp_path / "spill"
    run = run_dbt(["run"], db, tmp_path, project_dir=project,
                  env_extra={"CSW_DUCKDB_MEMORY_LIMIT": "40MB", "CSW_DUCKDB_TEMP_DIR": str(spill),
                             "CSW_DBT_THREADS": "1"})
    assert run.returncode == 0, run.output[-3000:]
    assert query(db, "SELECT n FROM main.after_spill") == [(ROWS,)]
