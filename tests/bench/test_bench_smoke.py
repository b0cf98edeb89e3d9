"""The benchmark harness for real, at smoke scale: ``python -m bench.run --smoke``.

Runs every section once on tiny generated data (real refreshes through Dagster + dbt, the real bare
DuckDB baseline, real dashboard queries) and checks the report is complete and that the product and
the baseline compute the same headline numbers on the same files. No timing is asserted.

The smoke run needs five real refreshes; each costs the product's fixed per-refresh overhead (1-4 min on
the shared 2-core machine, see bench/RESULTS.md), so those tests run only with ``CSW_BENCH_SMOKE=1``
(``make bench-smoke``) to keep the default suite under its time budget. The generator and baseline tests
below always run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bench import scale
from bench.baseline import run_baseline
from bench.report import SECTIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> tuple[dict, Path]:
    """Run the smoke benchmark once; return (report.json content, report folder)."""
    if os.environ.get("CSW_BENCH_SMOKE") != "1":
        pytest.skip("set CSW_BENCH_SMOKE=1 (make bench-smoke): five real refreshes, several minutes")
    base = tmp_path_factory.mktemp("bench")
    out, work = base / "out", base / "work"
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--smoke", "--out", str(out), "--work", str(work)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads((out / "report.json").read_text(encoding="utf-8")), out


def test_report_has_every_section(smoke):
    report, out = smoke
    missing = [s for s in SECTIONS if s not in report]
    assert not missing, f"report.json lacks {missing}"
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## Targets", "## Full refresh vs bare DuckDB baseline", "## Incremental",
                    "## Dashboard queries", "## Raw ingest speed", "## 100M readings"):
        assert heading in md
    assert report["machine"]["commit"], "commit measured must be recorded"
    assert {t["id"] for t in report["targets"]} == {"full_vs_baseline", "incremental_share",
                                                    "incremental_long_vs_short", "dashboard_p95", "peak_memory",
                                                    "ingest_speed"}


def test_every_measured_command_succeeded(smoke):
    report, _ = smoke
    runs = {"full_refresh tiny": report["full_refresh"]["tiny"], "baseline tiny": report["baseline"]["tiny"],
            "noop_refresh tiny": report["noop_refresh"]["tiny"],
            **{f"incremental {k}": v for k, v in report["incremental"].items()},
            "ingest product": report["ingest_speed"]["product"], "ingest bare": report["ingest_speed"]["bare"]}
    failed = {k: v["output_tail"][-800:] for k, v in runs.items() if not v["ok"]}
    assert not failed, failed
    for name, m in runs.items():
        assert m["seconds"] > 0 and m["peak_tree_rss_mib"] > 10, name
    assert set(report["incremental"]) == {"tiny@30d", "tiny@60d"}
    assert report["incremental_long_vs_short"]["ratio"] > 0


def test_product_and_baseline_compute_the_same_headline_numbers(smoke):
    report, _ = smoke
    comps = report["agreement"]["tiny"]
    assert len(comps) == 4
    for c in comps:
        assert c["product_rows"] > 0, c["metric"]
        assert c["same"], f"{c['metric']}: {c['only_in_product']} rows only in product, " \
                          f"{c['only_in_baseline']} only in baseline, e.g. {c['examples']}"
        assert c["product_totals"] == pytest.approx(c["baseline_totals"], rel=1e-9)
    sensors = next(c for c in comps if c["metric"].startswith("sensor"))
    assert sensors["product_totals"]["readings"] == report["scales"]["tiny"]["readings"]


def test_ingest_loads_every_reading_and_dashboard_queries_all_ran(smoke):
    report, _ = smoke
    ing = report["ingest_speed"]
    assert ing["product"]["result"]["rows"] == ing["rows"] == ing["bare"]["result"]["rows"]
    assert ing["product"]["result"]["rows_rejected"] == 0
    dash = report["dashboard"]
    assert not dash["errors"], dash["errors"]
    assert dash["statements"] and all(s["p95_ms"] > 0 for s in dash["statements"])
    assert {"fault_daily 60d", "closure_daily 60d", "gas_monthly 2m", "file_ledger"} <= set(dash["calls"])


def test_generator_is_deterministic_and_streams_whole_device_days(tmp_path):
    spec = scale.ScaleSpec.proportional(5_000, days=3, seed=7)
    a, b = tmp_path / "a", tmp_path / "b"
    wa, wb = scale.generate(a, spec), scale.generate(b, spec)
    assert wa.rows == wb.rows and wa.rows["readings"] == spec.actual_readings == spec.devices * 3 * 96
    for rel in wa.files:
        if rel.endswith(".csv"):
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    day = scale.add_day(a, spec, 0)
    assert day.rows["readings"] == spec.devices * 96
    assert set(day.files) == {"demo/gas_inspections_20261101.xlsx", "demo/facility_faults_20261101.csv",
                              "demo/complaints_20261101.csv", "bench_sensors/readings_20261101.csv"}


def test_baseline_counts_match_the_generated_files(tmp_path):
    spec = scale.ScaleSpec.proportional(5_000, days=3, seed=11)
    raw = tmp_path / "raw"
    scale.generate(raw, spec)
    out = run_baseline(raw, tmp_path / "b.duckdb")
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    try:
        readings = con.execute("SELECT sum(readings) FROM b_sensor_readings_daily").fetchone()[0]
        due = con.execute("SELECT sum(complaints_due) FROM b_complaint_closure_daily").fetchone()[0]
    finally:
        con.close()
    assert readings == spec.actual_readings
    assert due == spec.complaints
    assert set(out["rows"]) == {"b_fault_disposal_daily", "b_complaint_closure_daily",
                                "b_gas_inspection_coverage", "b_sensor_readings_daily"}
