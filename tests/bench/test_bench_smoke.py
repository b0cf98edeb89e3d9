"""The benchmark harness for real, at smoke scale. No timing is asserted.

Default suite (``test_quick_*``): ``python -m bench.run --smoke --published-warehouse DIR`` on the session's
published demo warehouse (tests/conftest.py ``demo_published``): real scale generation, the real bare
DuckDB baseline (its totals checked against the generated counts), the real ingest-speed measurement
(``ingest_kind`` vs bare ``read_csv`` on the generated sensor CSV), every dashboard page query on the demo
serving copy, and both report files; no refresh, so it costs well under a minute.

Opt-in (``CSW_BENCH_SMOKE=1``, ``make bench-smoke``): ``python -m bench.run --smoke`` runs every section
including five real refreshes of generated data through Dagster + dbt (each 1-4 min of fixed overhead on
the shared 2-core machine, see bench/RESULTS.md) and checks that the product's marts and the baseline
compute the same headline numbers on the same files (bench/compare.py): the baseline reads only the
clean generated layout, not the deliberately dirty demo exports, so that check needs those refreshes.
The generator and baseline unit tests below always run.
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
def quick(demo_published, tmp_path_factory) -> tuple[dict, Path, Path]:
    """Run the quick smoke benchmark on the published demo warehouse; (report.json, report folder, work)."""
    base = tmp_path_factory.mktemp("bench_quick")
    out, work = base / "out", base / "work"
    pointer = demo_published.warehouse / "serving" / "CURRENT.json"
    before = pointer.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--smoke", "--published-warehouse",
                           str(demo_published.warehouse), "--out", str(out), "--work", str(work)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert pointer.read_bytes() == before, "the benchmark must only read the published warehouse"
    return json.loads((out / "report.json").read_text(encoding="utf-8")), out, work


MD_HEADINGS = ("## Targets", "## Full refresh vs bare DuckDB baseline", "## Product vs baseline",
               "## Incremental", "## Dashboard queries", "## Raw ingest speed", "## 100M readings")
TARGET_IDS = {"full_vs_baseline", "incremental_share", "incremental_long_vs_short", "dashboard_p95", "peak_memory",
              "ingest_speed"}


def test_quick_report_has_every_section_and_skips_only_the_refreshes(quick):
    report, out, _ = quick
    assert report["mode"] == "quick"
    assert [s for s in SECTIONS if s not in report] == []
    md = (out / "report.md").read_text(encoding="utf-8")
    assert [h for h in MD_HEADINGS if h not in md] == []
    assert report["machine"]["commit"] and report["machine"]["cores"] >= 1
    assert {t["id"] for t in report["targets"]} == TARGET_IDS
    met = {t["id"]: t["met"] for t in report["targets"]}
    assert met["full_vs_baseline"] is None and met["incremental_share"] is None  # not measured, not guessed
    assert met["dashboard_p95"] is not None and met["ingest_speed"] is not None
    assert "skipped" in report["full_refresh"]["tiny"] and "skipped" in report["agreement"]["tiny"]
    assert "skipped" in report["incremental_long_vs_short"]
    assert report["noop_refresh"] == {} and report["incremental"] == {}
    assert "| tiny | - | - | - | - | quick mode" in md  # the agreement table says why it is empty


def test_quick_generation_and_baseline_agree_on_the_generated_counts(quick):
    report, _, work = quick
    tiny, gen = report["scales"]["tiny"], report["generation"]["tiny"]
    assert gen["rows"]["readings"] == tiny["readings"] > 0
    for rel, size in gen["files"].items():
        assert (work / "raw_tiny" / rel).stat().st_size == size, rel
    base = report["baseline"]["tiny"]
    assert base["ok"], base["output_tail"][-800:]
    assert base["seconds"] > 0 and base["peak_tree_rss_mib"] > 10
    assert set(base["internal"]["rows"]) == {"b_fault_disposal_daily", "b_complaint_closure_daily",
                                             "b_gas_inspection_coverage", "b_sensor_readings_daily"}
    assert all(n > 0 for n in base["internal"]["rows"].values()), base["internal"]["rows"]
    assert base["totals"] == {"readings": tiny["readings"], "complaints_due": tiny["complaints"]}
    assert base["product_over_baseline"] is None


def test_quick_ingest_speed_loads_every_generated_reading(quick):
    report, _, _ = quick
    ing = report["ingest_speed"]
    assert ing["product"]["ok"] and ing["bare"]["ok"], (ing["product"]["output_tail"], ing["bare"]["output_tail"])
    assert ing["product"]["result"]["rows"] == ing["rows"] == ing["bare"]["result"]["rows"] \
        == report["scales"]["tiny"]["readings"]
    assert ing["product"]["result"]["rows_rejected"] == 0
    assert ing["speed_ratio"] > 0 and ing["csv_bytes"] > 0


def test_quick_dashboard_measures_every_page_query_on_the_demo_copy(quick, demo_published):
    report, out, _ = quick
    dash = report["dashboard"]
    assert not dash["errors"], dash["errors"]
    assert dash["not_measured"] == [], f"page queries without a benchmark scenario: {dash['not_measured']}"
    current = json.loads((demo_published.warehouse / "serving" / "CURRENT.json").read_text(encoding="utf-8"))
    assert dash["version"] == current["version"]
    kinds = {label.split()[0] for label in dash["calls"]}
    assert {"source_systems", "date_bounds", "streets", "metric_dim", "fact_rows", "distinct_values", "lineage",
            "points", "has_table", "table_rows", "file_ledger", "rejected_count", "rejected_rows", "latest_dates",
            "tables", "schema_catalog"} <= kinds
    assert {"fct_fault_disposal_daily", "fct_complaint_closure_daily", "fct_gas_inspection_coverage"} <= \
        {label.split()[1] for label in dash["calls"] if label.startswith("fact_rows ")}
    assert all(c["p95_ms"] > 0 and c["n"] == dash["repeats"] for c in dash["calls"].values())
    assert dash["statements"] and all(s["p95_ms"] > 0 and s["calls"] for s in dash["statements"])
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| fact_rows fct_fault_disposal_daily |" in md and "Not measured" not in md


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
    assert [h for h in MD_HEADINGS if h not in md] == []
    assert report["machine"]["commit"], "commit measured must be recorded"
    assert {t["id"] for t in report["targets"]} == TARGET_IDS


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
    assert report["baseline"]["tiny"]["totals"]["readings"] == report["scales"]["tiny"]["readings"]
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
