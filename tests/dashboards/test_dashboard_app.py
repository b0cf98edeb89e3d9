"""AppTest (streamlit.testing.v1) tests of the dashboard pages against a hand-built serving copy.

Expected numbers come from oracle SQL on the fixture rows (sum(num)/sum(den), mart contract), never
from the app's own code.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import duckdb
import pytest
from serving_fixture import OTHER_SOURCE, SOURCE, build_serving_copy, expected_rate

START, END = "2025-03-16", "2025-03-31"
PREV_START, PREV_END = "2025-03-01", "2025-03-15"

DAILY = {
    "F1": ("marts.fct_fault_disposal_daily", "faults_disposed_on_time", "faults_due"),
    "C16": ("marts.fct_complaint_closure_daily", "complaints_closed", "complaints_due"),
    "C17": ("marts.fct_complaint_closure_daily", "complaints_closed_on_time", "complaints_due"),
}
MONTHLY = {
    "G2": ("restaurant", "units_inspected"),
    "G1": ("lpg_station", "units_inspected"),
    "G3": ("restaurant", "units_with_alarm"),
    "G4": ("restaurant", "units_with_board"),
}


def daily_oracle(db, metric_id, source, start, end) -> float:
    table, num, den = DAILY[metric_id]
    return expected_rate(
        db,
        f"SELECT sum({num}) / sum({den}) FROM {table} WHERE source_system = ? AND date_local BETWEEN ? AND ?",
        [source, start, end],
    )


def monthly_oracle(db, metric_id, month) -> float:
    subject, num = MONTHLY[metric_id]
    return expected_rate(
        db,
        f"SELECT sum({num}) / sum(units_registered) FROM marts.fct_gas_inspection_coverage "
        "WHERE source_system = ? AND subject_type = ? AND period_month = ?",
        [SOURCE, subject, month],
    )


def metrics_by_id(at) -> dict:
    """metric id (last word of the label) -> Metric element."""
    return {m.label.split()[-1]: m for m in at.metric}


def pct(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def delta_text(points: float) -> str:
    """The zh delta caption for a change of ``points`` percentage points."""
    return f"{round(points, 1):+.1f} 个百分点（较上期）" if round(points, 1) else "持平（较上期）"


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_kpi_tiles_equal_sum_num_over_sum_den(serving, make_app):
    at = make_app(range=[START, END]).run()
    assert_clean(at)
    tiles = metrics_by_id(at)
    assert set(tiles) == {"F1", "G1", "G2", "G3", "G4", "C16", "C17"}
    for metric_id in DAILY:
        expected = daily_oracle(serving.db_path, metric_id, SOURCE, START, END)
        assert tiles[metric_id].value == pct(expected), metric_id
    for metric_id in MONTHLY:
        expected = monthly_oracle(serving.db_path, metric_id, "2025-03-01")
        assert tiles[metric_id].value == pct(expected), metric_id
    # change vs previous period: same-length window before START (F1) / previous month (G2)
    f1_delta = (daily_oracle(serving.db_path, "F1", SOURCE, START, END)
                - daily_oracle(serving.db_path, "F1", SOURCE, PREV_START, PREV_END)) * 100
    assert tiles["F1"].delta == delta_text(f1_delta)
    g2_delta = (monthly_oracle(serving.db_path, "G2", "2025-03-01")
                - monthly_oracle(serving.db_path, "G2", "2025-02-01")) * 100
    assert tiles["G2"].delta == delta_text(g2_delta)
    # definitions on hover come from marts.dim_metric
    con = duckdb.connect(str(serving.db_path), read_only=True)
    definition = con.execute("SELECT definition_zh FROM marts.dim_metric WHERE metric_id = 'F1'").fetchone()[0]
    con.close()
    assert definition in tiles["F1"].help
    # version and publish time (zone named) on the page
    assert any("v3" in c.value and "(Asia/Shanghai)" in c.value for c in at.caption)


def test_data_set_selector_keeps_sources_apart(serving, make_app):
    at = make_app(range=[START, END], source=OTHER_SOURCE).run()
    assert_clean(at)
    assert at.selectbox(key="source").value == OTHER_SOURCE
    tiles = metrics_by_id(at)
    expected = daily_oracle(serving.db_path, "F1", OTHER_SOURCE, START, END)
    assert expected != daily_oracle(serving.db_path, "F1", SOURCE, START, END)
    assert tiles["F1"].value == pct(expected)
    assert tiles["G2"].value == "—"  # the fixture has no gas rows for la311: never 0 %
    # choosing licheng again puts the default back and drops it from the URL
    at.selectbox(key="source").set_value(SOURCE).run()
    assert metrics_by_id(at)["F1"].value == pct(daily_oracle(serving.db_path, "F1", SOURCE, START, END))
    assert "source" not in at.query_params


def test_default_range_is_last_30_days_with_data(serving, make_app):
    at = make_app().run()
    assert_clean(at)
    assert at.date_input(key="range").value == (dt.date(2025, 3, 2), dt.date(2025, 3, 31))
    expected = daily_oracle(serving.db_path, "C16", SOURCE, "2025-03-02", "2025-03-31")
    assert metrics_by_id(at)["C16"].value == pct(expected)


def test_changing_range_updates_kpis_and_url(serving, make_app):
    at = make_app().run()
    at.date_input(key="range").set_value((dt.date(2025, 3, 10), dt.date(2025, 3, 12))).run()
    assert_clean(at)
    assert at.query_params["range"] == ["2025-03-10", "2025-03-12"]
    expected = daily_oracle(serving.db_path, "F1", SOURCE, "2025-03-10", "2025-03-12")
    assert metrics_by_id(at)["F1"].value == pct(expected)


def test_language_switch_in_sidebar_and_url(serving, make_app):
    at = make_app(lang="en").run()
    assert_clean(at)
    assert at.title[0].value == "Overview"
    assert metrics_by_id(at)["F1"].label == "Daily fault disposal rate F1"
    assert at.query_params.get("lang") == "en"
    switch = at.sidebar.get("button_group")[0]
    switch.set_value("zh").run()
    assert_clean(at)
    assert at.title[0].value == "总览"
    assert metrics_by_id(at)["F1"].label == "设施故障日处置率 F1"
    assert "lang" not in at.query_params  # zh is the default: clean URL
    at.sidebar.get("button_group")[0].set_value("en").run()
    assert at.query_params.get("lang") == "en"
    at.switch_page("pages/quality_page.py").run()
    assert_clean(at)
    assert at.title[0].value == "Data quality"


def test_data_quality_page_lists_ledger_and_rejects(serving, make_app):
    at = make_app().run()
    at.switch_page("pages/quality_page.py").run()
    assert_clean(at)
    assert at.title[0].value == "数据质量"
    ledger, rejected = at.dataframe[0].value, at.dataframe[1].value
    assert list(ledger.columns[:8]) == ["文件", "来源", "状态", "编码", "文件行数", "载入行数", "拒绝行数",
                                        "主要拒绝原因"]
    row = ledger[ledger["文件"] == "licheng/燃气检查_2025-03.xlsx"].iloc[0]
    assert (row["文件行数"], row["载入行数"], row["拒绝行数"]) == (100, 97, 3)
    assert row["主要拒绝原因"] == "parse_error ×2, missing_required ×1"
    assert ledger[ledger["文件"] == "licheng/设施故障_gbk.csv"].iloc[0]["状态"] == "rejected_file"
    # recorded_at 2025-04-01 02:00 Shanghai shown as Shanghai wall-clock time
    assert "2025-04-01 02:00:00" in set(ledger["载入时间（Asia/Shanghai）"])
    assert sorted(rejected["行号"]) == [7, 19, 42]
    assert set(rejected["原因代码"]) == {"parse_error", "missing_required"}


def test_missing_warehouse_shows_empty_state(tmp_path, monkeypatch, make_app):
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(tmp_path / "nothing-here"))
    at = make_app().run()
    assert_clean(at)
    assert not at.metric
    assert any("python -m pipelines refresh" in i.value for i in at.info)
    at.switch_page("pages/quality_page.py").run()
    assert_clean(at)
    assert any("python -m pipelines refresh" in i.value for i in at.info)


def test_last_failure_notice_while_serving_last_good_version(tmp_path, monkeypatch, make_app):
    failure = {"failed_at": "2025-04-02T02:05:00+08:00", "stage": "audit",
               "message": "row-count reconciliation failed for fct_fault_disposal_daily"}
    fx = build_serving_copy(tmp_path / "wh", failure=failure)
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(fx.warehouse_dir))
    at = make_app(range=[START, END]).run()
    assert_clean(at)
    notices = [w.value for w in at.warning]
    assert any("audit" in n and "row-count reconciliation failed" in n and "v3" in n for n in notices), notices
    # the last good version is still served
    assert metrics_by_id(at)["F1"].value == pct(daily_oracle(fx.db_path, "F1", SOURCE, START, END))
    at.switch_page("pages/quality_page.py").run()
    assert any("audit" in w.value for w in at.warning)


def test_stale_banner_after_26_hours(tmp_path, monkeypatch, make_app):
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=30)
    fx = build_serving_copy(tmp_path / "wh", published_at=old)
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(fx.warehouse_dir))
    at = make_app().run()
    assert_clean(at)
    assert any("26" in w.value and "30" in w.value for w in at.warning), [w.value for w in at.warning]


def test_fresh_copy_has_no_banner(serving, make_app):
    at = make_app().run()
    assert_clean(at)
    assert not at.warning


def test_locked_serving_file_shows_refresh_in_progress(serving, make_app):
    # another process holds the serving file open for writing (DuckDB's exclusive file lock)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)",
         str(serving.db_path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        at = make_app().run()
        assert_clean(at)
        assert any("数据刷新中" in i.value for i in at.info), [i.value for i in at.info]
    finally:
        holder.kill()
        holder.wait()
    at.run()  # lock released: the page recovers without a restart
    assert_clean(at)
    assert len(at.metric) == 7


def test_contract_break_is_a_friendly_error_not_a_traceback(serving, make_app):
    con = duckdb.connect(str(serving.db_path))
    con.execute("DROP TABLE ops.rejected_rows")
    con.close()
    at = make_app().run()
    at.switch_page("pages/quality_page.py").run()
    assert not at.exception
    assert len(at.error) == 1 and "ERR-" in at.error[0].value
    assert "Traceback" not in at.error[0].value


def test_new_version_is_picked_up_without_restart(serving, make_app):
    at = make_app(range=[START, END]).run()
    before = metrics_by_id(at)["F1"].value
    # publish v4: same file layout, different numbers, pointer replaced atomically
    fx4 = build_serving_copy(serving.warehouse_dir, version=4)
    con = duckdb.connect(str(fx4.db_path))
    con.execute("UPDATE marts.fct_fault_disposal_daily SET faults_disposed_on_time = faults_due")
    con.close()
    pointer = serving.warehouse_dir / "serving" / "CURRENT.json"
    meta = json.loads(pointer.read_text(encoding="utf-8"))
    assert meta["version"] == 4
    at.run()
    assert_clean(at)
    assert metrics_by_id(at)["F1"].value == "100.0 %" != before
    assert any("v4" in c.value for c in at.caption)
