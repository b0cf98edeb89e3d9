"""Real `dbt build` of the city_safety project on a small hand-made event store (DuckDB file).

Every expected number below is computed by hand from the events in conftest.py (see the comments
there). The builds run the dbt CLI as a subprocess, exactly as the pipeline does.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import duckdb
import pytest

from conftest import AS_OF, A, B, C, DBT_DIR, MARTS, build_copy, build_events, mart_hashes, query, run_dbt

D = dt.date

# Binding column lists (/tmp/marts.md); fct_fault_disposal_daily adds faults_reported and dim_metric adds
# rate_column / numerator_column / denominator_column (documented extras).
CONTRACT_COLUMNS = {
    "fct_fault_disposal_daily": [
        "source_system", "date_local", "street", "facility_type", "faults_due", "faults_disposed_on_time",
        "faults_disposed", "faults_overdue_open", "faults_reported", "disposal_rate", "target_rate"],
    "fct_gas_inspection_coverage": [
        "source_system", "period_month", "street", "subject_type", "units_registered", "units_inspected",
        "coverage_rate", "units_inspected_ytd", "coverage_rate_ytd", "units_with_board", "info_board_rate",
        "units_with_alarm", "leak_alarm_rate", "target_rate"],
    "fct_complaint_closure_daily": [
        "source_system", "date_local", "channel", "category", "street", "complaints_due", "complaints_closed",
        "complaints_closed_on_time", "closure_rate", "on_time_closure_rate", "target_rate"],
    "fct_complaints_received_daily": [
        "source_system", "date_local", "channel", "category", "street", "complaints_received"],
    "fct_sensor_readings_daily": [
        "source_system", "date_local", "device_id", "sensor_type", "unit", "readings", "readings_flagged",
        "avg_value", "min_value", "max_value"],
    "dim_street": ["source_system", "street"],
    "dim_metric": [
        "metric_id", "name_zh", "name_en", "definition_zh", "definition_en", "formula", "target", "unit",
        "source", "model", "rate_column", "numerator_column", "denominator_column"],
    "fct_event_lineage": [
        "event_id", "event_type", "source_system", "aggregate_type", "aggregate_id", "occurred_at",
        "date_local", "street", "category", "channel", "subject_type", "source", "source_file", "source_line",
        "load_id"],
}


@pytest.fixture(scope="module")
def base(built):
    """The default build, checked to have succeeded, with its mart hashes taken right after it."""
    assert built.run.returncode == 0, built.run.output[-5000:]
    return built, mart_hashes(built.path)


@pytest.fixture(scope="module")
def as_of_build(dbt_tmp):
    """The same event store built as of 2024-03-10 00:00+08:00 (before the second night's loads)."""
    b = build_copy(dbt_tmp, "as_of", ["--vars", json.dumps({"as_of": AS_OF})])
    assert b.run.returncode == 0, b.run.output[-5000:]
    return b


def test_build_runs_models_tests_and_unit_tests(base):
    built, _ = base
    out = built.run.output
    assert "ERROR=0" in out and "WARN=0" in out, out[-3000:]
    for unit_test in ["fault_disposal_rate_hand_computed", "fault_due_at_from_limits_extensions_and_zone",
                      "complaint_closure_rates_hand_computed", "complaint_due_at_and_valid_close",
                      "gas_unit_inspected_twice_counts_once_and_alarm_must_work", "gas_coverage_rates_hand_computed"]:
        assert re.search(rf"PASS \S+::{unit_test}\b", out), unit_test


def test_mart_columns_match_contract(base):
    built, _ = base
    for name, cols in CONTRACT_COLUMNS.items():
        got = [r[0] for r in query(built.path, f"DESCRIBE main_marts.{name}")]
        assert got == cols, name
    types = dict(query(built.path, "SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_schema = 'main_marts' AND table_name = 'fct_fault_disposal_daily'"))
    assert types["date_local"] == "DATE" and types["disposal_rate"] == "DOUBLE" and types["faults_due"] == "BIGINT"


def test_fault_disposal_daily_values(base):
    built, _ = base
    rows = query(built.path, """
        SELECT date_local, faults_due, faults_disposed_on_time, faults_disposed, faults_overdue_open,
               faults_reported, disposal_rate, target_rate
        FROM main_marts.fct_fault_disposal_daily
        WHERE source_system = 'licheng' AND street = ? AND facility_type = 'streetlight' ORDER BY date_local""", [A])
    assert rows == [
        # report-only day: nothing due -> NULL, not 0 (F4 cancelled is not counted as reported)
        (D(2024, 3, 1), 0, 0, 0, 0, 5, None, 0.98),
        # F1 (23:50 report, next-day repair) and F6 on time; F2 late; F5 repaired 03-09 (late)
        (D(2024, 3, 2), 4, 2, 4, 0, 0, 0.5, 0.98),
        # F3 after its extension
        (D(2024, 3, 3), 1, 1, 1, 0, 0, 1.0, 0.98),
    ]


def test_complaint_facts_values(base):
    built, _ = base
    closure = query(built.path, """
        SELECT source_system, date_local, channel, category, street, complaints_due, complaints_closed,
               complaints_closed_on_time, closure_rate, on_time_closure_rate
        FROM main_marts.fct_complaint_closure_daily ORDER BY ALL""")
    assert closure == [
        # LA1: received 03-01 20:00 PST + 240 h = 03-11 21:00 PDT (DST started 03-10)
        ("la311", D(2024, 3, 11), "phone", "streetlight_fault", "CD 13", 1, 1, 1, 1.0, 1.0),
        ("la311", D(2024, 3, 13), "phone", "graffiti", "CD 1", 1, 0, 0, 0.0, 0.0),
        ("licheng", D(2024, 3, 5), "wechat", "road", B, 1, 0, 0, 0.0, 0.0),
        # C1 on time, C2 duplicate close (denominator only), C3 corrected close on time
        ("licheng", D(2024, 3, 6), "12345", "noise", A, 3, 2, 2, 2 / 3, 2 / 3),
    ]
    received = query(built.path, "SELECT * FROM main_marts.fct_complaints_received_daily ORDER BY ALL")
    assert received == [
        # LA local dates (UTC and Shanghai would say 03-02 and 03-03); LA1 in two exports counted once
        ("la311", D(2024, 3, 1), "phone", "streetlight_fault", "CD 13", 1),
        ("la311", D(2024, 3, 2), "phone", "graffiti", "CD 1", 1),
        ("licheng", D(2024, 3, 1), "12345", "noise", A, 3),
        ("licheng", D(2024, 3, 2), "wechat", "road", B, 1),
    ]


def test_gas_inspection_coverage_values(base):
    built, _ = base
    rows = query(built.path, "SELECT * EXCLUDE (source_system, target_rate) "
                             "FROM main_marts.fct_gas_inspection_coverage ORDER BY ALL")
    assert rows == [
        # month, street, type, registered, inspected, rate, ytd, ytd rate, board, rate, alarm, rate
        (D(2024, 1, 1), A, "restaurant", 2, 1, 0.5, 1, 0.5, 0, 0.0, 1, 0.5),
        (D(2024, 1, 1), B, "lpg_station", 1, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0),
        (D(2024, 2, 1), A, "restaurant", 2, 1, 0.5, 2, 1.0, 1, 0.5, 2, 1.0),
        (D(2024, 2, 1), B, "lpg_station", 1, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0),
        # R1 inspected twice (counts once), its alarm not functional; R3 registered 03-20, not inspected
        (D(2024, 3, 1), A, "restaurant", 3, 1, 1 / 3, 2, 2 / 3, 1, 1 / 3, 1, 1 / 3),
        # P1's inspection at 2024-02-29 17:30Z is March 1 in Shanghai
        (D(2024, 3, 1), B, "lpg_station", 1, 1, 1.0, 1, 1.0, 1, 1.0, 1, 1.0),
    ]


def test_sensor_daily_values(base):
    built, _ = base
    rows = query(built.path, "SELECT * FROM main_marts.fct_sensor_readings_daily ORDER BY ALL")
    assert rows == [
        # 2024-03-02 03:00Z is 03-01 in Chicago
        ("chicago_beach", D(2024, 3, 1), "Montrose Beach", "water_temperature", "degC", 1, 0, 4.5, 4.5, 4.5),
        # sentinel counted, never averaged
        ("licheng", D(2024, 3, 1), "D1", "gas_leak", "ppm", 3, 1, 20.0, 10.0, 30.0),
        # 16:30Z on 03-01 is 03-02 in Shanghai; the rejected file's 999 is ignored
        ("licheng", D(2024, 3, 2), "D1", "gas_leak", "ppm", 2, 0, 65.0, 50.0, 80.0),
    ]


def test_dimensions_and_lineage(base):
    built, _ = base
    assert query(built.path, "SELECT * FROM main_marts.dim_street ORDER BY ALL") == [
        ("la311", "CD 1"), ("la311", "CD 13"), ("licheng", C), ("licheng", A), ("licheng", B)]
    loads = dict(query(built.path, "SELECT load_id, count(*) FROM main_marts.fct_event_lineage GROUP BY 1"))
    assert "L07_rejected" not in loads and "L02_complaints" not in loads  # rejected file, superseded load
    assert loads["L12_complaints"] == 7
    # both LA1 events are in two exports: the copy from the later load survives, each event once
    assert "L05_la" not in loads and loads["L06_la_overlap"] == 3
    # every fixture event minus 1 in the rejected file, 7 in the superseded load and 2 duplicate copies
    assert sum(loads.values()) == len(build_events()) - 1 - 7 - 2
    la1 = query(built.path, "SELECT date_local, source_file, source_line FROM main_marts.fct_event_lineage "
                            "WHERE aggregate_id = 'LA1' AND event_type = 'complaint_received'")
    assert la1 == [(D(2024, 3, 1), "la311/part2.csv", la1[0][2])]


def test_dim_metric_matches_seed_and_model_meta(base):
    built, _ = base
    with open(DBT_DIR / "seeds" / "metric_definitions.csv", encoding="utf-8") as f:
        seed = {r["metric_id"]: r for r in csv.DictReader(f)}
    dim = {r[0]: r for r in query(built.path, "SELECT metric_id, name_zh, target, model FROM main_marts.dim_metric")}
    assert set(dim) == set(seed) and {"F1", "G2", "G3", "G4", "C16", "C17"} <= set(dim)
    manifest = json.loads((built.path.parent / "target" / "manifest.json").read_text(encoding="utf-8"))
    seen = set()
    for node in manifest["nodes"].values():
        for m in node.get("config", {}).get("meta", {}).get("metrics", []):
            row = seed[m["id"]]
            assert (m["name_zh"], m["name_en"], m["formula"], m["source"]) == (
                row["name_zh"], row["name_en"], row["formula"], row["source"]), m["id"]
            assert m["target"] == (float(row["target"]) if row["target"] else None)
            assert node["name"] == row["model"] == dim[m["id"]][3]
            seen.add(m["id"])
    assert seen == set(seed)


def test_replay_after_dropping_projections_is_identical(base):
    built, hashes = base
    con = duckdb.connect(str(built.path))
    try:
        for schema in ["main_marts", "main_intermediate", "main_staging", "main_seeds"]:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        con.close()
    run = run_dbt(["build"], built.path, built.path.parent, {"TZ": "Asia/Shanghai"})
    assert run.returncode == 0, run.output[-3000:]
    assert mart_hashes(built.path) == hashes


def test_process_and_session_time_zone_do_not_change_marts(base, dbt_tmp):
    _, hashes = base
    # TZ=UTC for the process and a UTC DuckDB session: local dates still follow the source systems' zones
    other = build_copy(dbt_tmp, "utc", env_extra={"TZ": "UTC", "CSW_TIMEZONE": "UTC"})
    assert other.run.returncode == 0, other.run.output[-3000:]
    assert mart_hashes(other.path) == hashes


def test_as_of_excludes_later_loads(base, as_of_build):
    _, hashes = base
    p = as_of_build.path
    assert mart_hashes(p)["fct_fault_disposal_daily"] != hashes["fct_fault_disposal_daily"]
    # F5's repair was learned on 03-12: as of 03-10 it is overdue and open
    assert query(p, "SELECT faults_due, faults_disposed_on_time, faults_disposed, faults_overdue_open, disposal_rate "
                    "FROM main_marts.fct_fault_disposal_daily WHERE date_local = DATE '2024-03-02'") == [
        (4, 2, 3, 1, 0.5)]
    # the corrected complaint export (03-12) is not yet known: C3 closed late
    assert query(p, "SELECT complaints_due, complaints_closed, complaints_closed_on_time "
                    "FROM main_marts.fct_complaint_closure_daily WHERE date_local = DATE '2024-03-06'") == [(3, 2, 1)]
    # the late sensor reading and the April gas load are excluded
    assert query(p, "SELECT readings, avg_value FROM main_marts.fct_sensor_readings_daily "
                    "WHERE device_id = 'D1' AND date_local = DATE '2024-03-02'") == [(1, 50.0)]
    assert query(p, "SELECT units_registered, units_inspected, units_with_alarm FROM main_marts.fct_gas_inspection_coverage "
                    "WHERE period_month = DATE '2024-03-01' AND subject_type = 'restaurant'") == [(2, 1, 1)]
    assert ("licheng", C) not in query(p, "SELECT * FROM main_marts.dim_street")
    assert query(p, "SELECT count(*) FROM main_marts.fct_event_lineage "
                    "WHERE load_id IN ('L11_faults', 'L12_complaints', 'L13_gas')") == [(0,)]
    assert query(p, "SELECT cutoff_at FROM main_intermediate.int_build_cutoff") == [
        (dt.datetime.fromisoformat("2024-03-10T00:00:00+08:00"),)]


def test_parse_needs_no_database_file(tmp_path):
    db = tmp_path / "missing" / "build.duckdb"
    run = run_dbt(["parse"], db, tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert not db.exists() and not db.parent.exists()
    assert (tmp_path / "target" / "manifest.json").exists()


def test_as_of_without_offset_is_rejected_with_clear_error(tmp_path):
    run = run_dbt(["parse", "--vars", json.dumps({"as_of": "2024-03-10 00:00:00"})], tmp_path / "x.duckdb", tmp_path)
    assert run.returncode != 0
    assert "var as_of = '2024-03-10 00:00:00' is not an ISO timestamp with an offset" in run.output


def test_all_marts_are_listed(base):
    built, _ = base
    tables = {r[0] for r in query(built.path, "SELECT table_name FROM information_schema.tables "
                                              "WHERE table_schema = 'main_marts'")}
    assert tables == set(MARTS)
