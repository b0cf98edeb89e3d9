"""AppTest (streamlit.testing.v1) tests of the dashboard pages against a hand-built serving copy.

Expected numbers come from oracle SQL on the fixture rows (sum(num)/sum(den), mart contract), never
from the app's own code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import duckdb
import pytest
from serving_fixture import OTHER_SOURCE, SOURCE, STREETS, build_serving_copy, expected_rate

from dashboards import i18n, registry

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
OVERVIEW_IDS = {"F1", "G1", "G2", "G3", "G4", "C16", "C17", "C20"}


def daily_oracle(db, metric_id, source, start, end, street=None) -> float:
    table, num, den = DAILY[metric_id]
    extra, params = ("AND street = ?", [street]) if street else ("", [])
    return expected_rate(
        db,
        f"SELECT sum({num}) / sum({den}) FROM {table} WHERE source_system = ? AND date_local BETWEEN ? AND ? {extra}",
        [source, start, end, *params],
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


def view(name: str) -> str:
    return f"views/{name}_page.py"


def test_kpi_tiles_equal_sum_num_over_sum_den(serving, make_app):
    at = make_app(range=[START, END]).run()
    assert_clean(at)
    tiles = metrics_by_id(at)
    assert set(tiles) == OVERVIEW_IDS
    for metric_id in DAILY:
        expected = daily_oracle(serving.db_path, metric_id, SOURCE, START, END)
        assert tiles[metric_id].value == pct(expected), metric_id
    for metric_id in MONTHLY:
        expected = monthly_oracle(serving.db_path, metric_id, "2025-03-01")
        assert tiles[metric_id].value == pct(expected), metric_id
    # C20 has no numerator/denominator: the mean street score of the latest month in the window
    c20 = expected_rate(serving.db_path, "SELECT avg(composite_score) FROM marts.fct_street_composite_monthly "
                                         "WHERE source_system = ? AND period_month = '2025-03-01'", [SOURCE])
    assert tiles["C20"].value == f"{c20:,.1f}"
    # change vs previous period: same-length window before START (F1) / previous month (G2)
    f1_delta = (daily_oracle(serving.db_path, "F1", SOURCE, START, END)
                - daily_oracle(serving.db_path, "F1", SOURCE, PREV_START, PREV_END)) * 100
    assert tiles["F1"].delta == delta_text(f1_delta)
    g2_delta = (monthly_oracle(serving.db_path, "G2", "2025-03-01")
                - monthly_oracle(serving.db_path, "G2", "2025-02-01")) * 100
    assert tiles["G2"].delta == delta_text(g2_delta)
    # definitions on hover come from marts.dim_metric; state badges name the target
    con = duckdb.connect(str(serving.db_path), read_only=True)
    definition = con.execute("SELECT definition_zh FROM marts.dim_metric WHERE metric_id = 'F1'").fetchone()[0]
    con.close()
    assert definition in tiles["F1"].help and "98.0 %" in tiles["F1"].help
    badges = [m.value for m in at.markdown]
    assert any("目标 98.0 %" in b for b in badges), badges
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


def test_default_range_and_filter_changes_update_kpis_and_url(serving, make_app):
    at = make_app().run()
    assert_clean(at)
    assert at.date_input(key="range").value == (dt.date(2025, 3, 2), dt.date(2025, 3, 31))
    expected = daily_oracle(serving.db_path, "C16", SOURCE, "2025-03-02", "2025-03-31")
    assert metrics_by_id(at)["C16"].value == pct(expected)
    at.date_input(key="range").set_value((dt.date(2025, 3, 10), dt.date(2025, 3, 12))).run()
    assert_clean(at)
    assert at.query_params["range"] == ["2025-03-10", "2025-03-12"]
    assert metrics_by_id(at)["F1"].value == pct(daily_oracle(serving.db_path, "F1", SOURCE, "2025-03-10", "2025-03-12"))
    street = STREETS[2]
    at.multiselect(key="street").set_value([street]).run()
    assert_clean(at)
    assert at.query_params["street"] in (street, [street])
    assert metrics_by_id(at)["F1"].value == pct(
        daily_oracle(serving.db_path, "F1", SOURCE, "2025-03-10", "2025-03-12", street))


def test_url_reproduces_the_view(serving, make_app):
    street = STREETS[1]
    at = make_app(range=["2025-03-05", "2025-03-20"], street=[street], overview_m="C17").run()
    assert_clean(at)
    assert at.multiselect(key="street").value == [street]
    assert at.selectbox(key="overview_m").value == "C17"
    assert metrics_by_id(at)["C16"].value == pct(
        daily_oracle(serving.db_path, "C16", SOURCE, "2025-03-05", "2025-03-20", street))


def test_language_switch_in_sidebar_and_url(serving, make_app):
    con = duckdb.connect(str(serving.db_path), read_only=True)
    name_en, name_zh = con.execute("SELECT name_en, name_zh FROM marts.dim_metric WHERE metric_id = 'F1'").fetchone()
    con.close()
    at = make_app(lang="en").run()
    assert_clean(at)
    assert at.title[0].value == "Overview"
    assert metrics_by_id(at)["F1"].label == f"{name_en} F1"
    assert at.query_params.get("lang") == "en"
    switch = at.sidebar.get("button_group")[0]
    switch.set_value("zh").run()
    assert_clean(at)
    assert at.title[0].value == "总览"
    assert metrics_by_id(at)["F1"].label == f"{name_zh} F1"
    assert "lang" not in at.query_params  # zh is the default: clean URL
    at.sidebar.get("button_group")[0].set_value("en").run()
    assert at.query_params.get("lang") == "en"
    at.switch_page(view("quality")).run()
    assert_clean(at)
    assert at.title[0].value == "Data quality"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_with_version_and_no_error(serving, make_app, lang):
    metas = registry.discover()
    assert [m.url_path for m in metas] == ["overview", "gas", "facilities", "confined", "construction",
                                           "complaints", "sensors", "quality", "sql"]
    at = make_app(lang=lang).run() if lang == "en" else make_app().run()
    for meta in metas:
        if meta.url_path != "overview":
            at.switch_page(f"views/{meta.path.name}").run()
        assert_clean(at)
        assert at.title[0].value == i18n.STRINGS[lang][meta.title_key], meta.url_path
        assert any("v3" in c.value for c in at.caption), meta.url_path
        assert not any(("尚未提供" if lang == "zh" else "Not yet available") in i.value for i in at.info), meta.url_path
        if meta.url_path not in ("quality", "sql"):
            assert len(at.metric) >= 3, meta.url_path
            assert all(m.value != "" for m in at.metric)


def test_domain_page_category_filter_and_drill_down(serving, make_app):
    """Complaints page: ?channel=wechat filters C1; the drill-down lists the events behind it with
    source file and line, and a chosen street narrows them."""
    at = make_app(range=[START, END], channel=["wechat"]).run()
    at.switch_page(view("complaints")).run()
    assert_clean(at)
    assert at.multiselect(key="channel").value == ["wechat"]
    c1 = expected_rate(serving.db_path, "SELECT sum(complaints_received) FROM marts.fct_complaints_received_daily "
                                        "WHERE source_system = ? AND channel = 'wechat' AND date_local BETWEEN ? AND ?",
                       [SOURCE, START, END])
    assert metrics_by_id(at)["C1"].value == f"{c1:,.0f}"
    at.selectbox(key="complaints_m").set_value("C1").run()
    street = STREETS[0]
    at.selectbox(key="complaints_drill_street").set_value(street).run()
    assert_clean(at)
    expected = int(expected_rate(serving.db_path, "SELECT count(*) FROM marts.fct_event_lineage WHERE source_system = ? "
                                                  "AND aggregate_type = 'complaint' AND channel = 'wechat' AND street = ? "
                                                  "AND date_local BETWEEN ? AND ?", [SOURCE, street, START, END]))
    assert expected > 0
    events = at.dataframe[0].value
    assert len(events) == expected
    assert set(events["街道"]) == {street} and set(events["渠道"]) == {"wechat"}
    assert events["来源文件"].str.startswith("demo/").all() and (events["来源行号"] > 0).all()
    assert any(f"共 {expected} 条事件" in c.value for c in at.caption)


def test_missing_marts_show_not_yet_available(tmp_path, monkeypatch, make_app):
    fx = build_serving_copy(tmp_path / "wh", drop=("fct_sensor_alarms_daily", "fct_sensor_devices_daily",
                                                    "dim_bridge", "fct_bridge_condition_yearly"))
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(fx.warehouse_dir))
    at = make_app().run()
    at.switch_page(view("sensors")).run()
    assert_clean(at)
    assert not at.metric
    assert any("尚未提供" in i.value and "fct_sensor_alarms_daily" in i.value for i in at.info), [i.value for i in at.info]
    assert at.dataframe, "the readings summary still shows"
    at.switch_page(view("facilities")).run()
    assert_clean(at)
    assert {"F1", "F2", "F2R"} <= set(metrics_by_id(at)) and "B4" not in metrics_by_id(at)
    assert any("B4" in i.value and "尚未提供" in i.value for i in at.info)
    assert any("marts.dim_bridge" in i.value for i in at.info)


def test_data_quality_page_lists_freshness_ledger_and_rejects(serving, make_app):
    at = make_app().run()
    at.switch_page(view("quality")).run()
    assert_clean(at)
    assert at.title[0].value == "数据质量"
    freshness, ledger, rejected = at.dataframe[0].value, at.dataframe[1].value, at.dataframe[2].value
    latest = freshness[(freshness["数据表"] == "fct_fault_disposal_daily") & (freshness["数据来源系统"] == SOURCE)]
    assert latest.iloc[0]["最新日期"] == dt.date(2025, 3, 31)
    assert any("正常" in s.value for s in at.success)
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


def _run_sql(at, sql: str):
    at.text_area(key="sql_text").set_value(sql)
    at.button(key="sql_run").click().run()
    return at


def test_sql_page_runs_select_and_refuses_everything_else(serving, make_app):
    at = make_app().run()
    at.switch_page(view("sql")).run()
    assert_clean(at)
    _run_sql(at, "SELECT street, sum(faults_due) AS due FROM marts.fct_fault_disposal_daily "
                 "WHERE source_system = 'licheng' GROUP BY street ORDER BY street")
    assert_clean(at)
    result = at.dataframe[0].value
    assert list(result["street"]) == sorted(STREETS)
    assert int(result["due"].sum()) == int(expected_rate(
        serving.db_path, "SELECT sum(faults_due) FROM marts.fct_fault_disposal_daily WHERE source_system = 'licheng'"))
    refused = {
        "COPY (SELECT 1) TO '/tmp/x.csv'": "COPY",
        "ATTACH '/tmp/other.duckdb' AS o": "ATTACH",
        "INSTALL httpfs": "INSTALL/LOAD",
        "CREATE TABLE t AS SELECT 1": "CREATE",
        "SELECT * FROM read_csv('/etc/passwd')": "sandbox",
        "SELECT 1; SELECT 2": "one statement",
    }
    for sql, word in refused.items():
        _run_sql(at, sql)
        assert not at.exception
        assert len(at.error) == 1 and "查询被拒绝" in at.error[0].value and word in at.error[0].value, (sql, at.error)
    _run_sql(at, "SELECT * FROM range(7000)")
    assert_clean(at)
    assert len(at.dataframe[0].value) == 5000
    assert any("截断" in w.value for w in at.warning)
    _run_sql(at, "SELECT * FROM marts.no_such_table")
    assert not at.exception and "SQL 错误" in at.error[0].value


def test_missing_warehouse_shows_empty_state(tmp_path, monkeypatch, make_app):
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(tmp_path / "nothing-here"))
    at = make_app().run()
    assert_clean(at)
    assert not at.metric
    assert any("python -m pipelines refresh" in i.value for i in at.info)
    at.switch_page(view("quality")).run()
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
    # the notice is in the UI language (stage 数据审核, time in its own offset); the raw tool message is folded under it
    assert any("数据审核" in n and "2025-04-02 02:05 UTC+08:00" in n and "v3" in n for n in notices), notices
    assert not any("reconciliation" in n for n in notices), notices
    assert [c.value for c in at.code] == [failure["message"]]
    # the last good version is still served
    assert metrics_by_id(at)["F1"].value == pct(daily_oracle(fx.db_path, "F1", SOURCE, START, END))
    at.switch_page(view("gas")).run()
    assert any("数据审核" in w.value for w in at.warning)
    # the data-quality page never shows the green "status OK" box under a failure notice
    at.switch_page(view("quality")).run()
    assert_clean(at)
    assert any("数据审核" in w.value for w in at.warning) and not at.success


def test_stale_banner_after_26_hours(tmp_path, monkeypatch, make_app):
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=30)
    fx = build_serving_copy(tmp_path / "wh", published_at=old)
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(fx.warehouse_dir))
    at = make_app().run()
    assert_clean(at)
    assert any("26" in w.value and "30" in w.value for w in at.warning), [w.value for w in at.warning]
    at.switch_page(view("sensors")).run()
    assert any("26" in w.value and "30" in w.value for w in at.warning)


def test_stale_banner_follows_csw_stale_hours(tmp_path, monkeypatch, make_app):
    """The dashboards use the same CSW_STALE_HOURS as check-freshness and the stale_data alert."""
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=5)
    fx = build_serving_copy(tmp_path / "wh", published_at=old)
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(fx.warehouse_dir))
    monkeypatch.setenv("CSW_STALE_HOURS", "4")
    at = make_app().run()
    assert_clean(at)
    assert any("(more than 4 h)" in w.value and " 5 hours" in w.value for w in at.warning) or \
        any("超过 4 小时" in w.value and "5 小时前" in w.value for w in at.warning), [w.value for w in at.warning]
    monkeypatch.setenv("CSW_STALE_HOURS", "6")
    at = make_app().run()
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    proc = subprocess.run([sys.executable, "-m", "pipelines", "check-freshness", "--warehouse-dir",
                           str(fx.warehouse_dir)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CSW_STALE_HOURS": "6"})
    assert proc.returncode == 0, proc.stdout + proc.stderr  # same verdict as the CLI


def test_fresh_copy_has_no_banner(serving, make_app):
    at = make_app().run()
    assert_clean(at)
    assert not at.warning


def test_locked_serving_file_shows_refresh_in_progress(serving_fresh, make_app):
    serving = serving_fresh
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
    assert len(at.metric) == len(OVERVIEW_IDS)


def test_contract_break_is_a_friendly_error_not_a_traceback(serving_fresh, make_app):
    serving = serving_fresh
    con = duckdb.connect(str(serving.db_path))
    con.execute("DROP TABLE ops.rejected_rows")
    con.close()
    at = make_app().run()
    at.switch_page(view("quality")).run()
    assert not at.exception
    assert len(at.error) == 1 and "ERR-" in at.error[0].value
    assert "Traceback" not in at.error[0].value


def test_new_version_is_picked_up_without_restart(serving_fresh, make_app):
    serving = serving_fresh
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


def test_data_quality_page_shows_restated_numbers(serving_fresh, make_app):
    """口径回溯: past numbers changed by a later load, per cut-off, with the metric name and the file that caused it."""
    con = duckdb.connect(str(serving_fresh.db_path))
    con.execute("""
        CREATE TABLE marts.fct_metric_restatements (
            source_system VARCHAR, metric_id VARCHAR, date_local DATE, cutoff_at TIMESTAMPTZ,
            latest_cutoff_at TIMESTAMPTZ, numerator_then BIGINT, denominator_then BIGINT, value_then DOUBLE,
            numerator_latest BIGINT, denominator_latest BIGINT, value_latest DOUBLE, value_delta DOUBLE,
            caused_by_loads VARCHAR)""")
    con.execute("""
        INSERT INTO marts.fct_metric_restatements VALUES
        ('licheng', 'F1', DATE '2025-03-30', TIMESTAMPTZ '2025-03-31 18:00:00+00', TIMESTAMPTZ '2025-03-31 18:02:00+00',
         8, 10, 0.8, 9, 10, 0.9, 0.1, 'L20250331180100b2'),
        ('licheng', 'C1', DATE '2025-03-29', TIMESTAMPTZ '2025-03-31 17:00:00+00', TIMESTAMPTZ '2025-03-31 18:02:00+00',
         5, NULL, 5.0, 6, NULL, 6.0, 1.0, 'L20250331180000a1'),
        ('licheng', 'C1', DATE '2025-03-28', TIMESTAMPTZ '2025-03-31 17:00:00.400+00', TIMESTAMPTZ '2025-03-31 18:02:00+00',
         5, NULL, 5.0, 7, NULL, 7.0, 2.0, 'L20250331180000a1')""")
    con.close()
    at = make_app().run()
    at.switch_page(view("quality")).run()
    assert_clean(at)
    restated = at.dataframe[1].value  # after the freshness table
    assert list(restated.columns) == ["数据来源系统", "指标", "日期", "当时数值", "现值", "变化", "引起变化的文件"]
    assert len(restated) == 1  # the latest cut-off (2025-04-01 02:00 Shanghai) is chosen by default
    row = restated.iloc[0]
    assert row["指标"] == "F1 设施故障日处置率" and row["引起变化的文件"] == "licheng/燃气检查_2025-03.xlsx"
    assert (row["当时数值"], row["现值"], row["变化"]) == ("80.0 %", "90.0 %", "+10.0 个百分点")
    assert any("1 个数值改变" in c.value for c in at.caption)
    assert row["日期"] == dt.date(2025, 3, 30)
    # two loads of one refresh within the same second stay two cut-offs (labels to the millisecond)
    assert at.selectbox(key="restated_cutoff").options == [
        "2025-04-01 02:00:00.000", "2025-04-01 01:00:00.400", "2025-04-01 01:00:00.000"]
