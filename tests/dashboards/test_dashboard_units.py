"""Unit tests of the dashboard's pure parts (KPI arithmetic, page discovery, i18n) and of the
read-only data access on a real DuckDB serving file."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from dashboards import data, i18n, kpis, registry


def test_ratio_is_sum_over_sum_and_none_without_denominator():
    df = pd.DataFrame({"n": [1, 9, 0], "d": [2, 10, 0]})
    assert kpis.ratio(df, "n", "d") == pytest.approx(10 / 12)  # not the mean of row rates
    assert kpis.ratio(df[df["d"] == 0], "n", "d") is None
    assert kpis.ratio(df.iloc[0:0], "n", "d") is None


def test_previous_window_and_months():
    assert kpis.previous_window(dt.date(2025, 3, 16), dt.date(2025, 3, 31)) == (
        dt.date(2025, 2, 28), dt.date(2025, 3, 15))
    assert kpis.previous_month(dt.date(2025, 1, 1)) == dt.date(2024, 12, 1)


@pytest.mark.parametrize(("value", "state"), [(0.98, "green"), (0.99, "green"), (0.95, "amber"),
                                              (0.929, "red"), (None, "none")])
def test_rag_state_against_98_percent(value, state):
    assert kpis.rag_state(value, 0.98) == state


def test_normalize_target_accepts_percent_or_fraction():
    assert kpis.normalize_target(98, 0.5) == pytest.approx(0.98)
    assert kpis.normalize_target(0.95, 0.5) == pytest.approx(0.95)
    assert kpis.normalize_target(None, 0.5) == 0.5
    assert kpis.normalize_target(float("nan"), 0.5) == 0.5


def test_monthly_kpi_uses_latest_month_in_range_not_a_sum_of_months():
    df = pd.DataFrame({
        "period_month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)],
        "subject_type": ["restaurant"] * 3,
        "units_inspected": [10, 5, 8], "units_registered": [10, 10, 10],
    })
    kv = kpis.monthly_kpi(kpis.KPI_BY_ID["G2"], df, dt.date(2025, 2, 3), dt.date(2025, 2, 20))
    assert (kv.value, kv.previous) == (0.5, 1.0)
    assert kv.period == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))


def test_street_breakdown_lists_the_street_most_behind_first():
    df = pd.DataFrame({"street": ["A", "B", "B", "C"], "n": [9, 1, 2, 0], "d": [10, 2, 2, 0]})
    out = kpis.street_breakdown(df, "n", "d")
    assert list(out["street"]) == ["B", "A", "C"]
    assert out["rate"].iloc[0] == pytest.approx(0.75) and pd.isna(out["rate"].iloc[2])


def test_every_string_exists_in_both_languages():
    assert set(i18n.STRINGS["zh"]) == set(i18n.STRINGS["en"])


def test_pages_are_discovered_in_order():
    metas = registry.discover()
    assert [m.url_path for m in metas][:2] == ["overview", "quality"]
    assert all(m.title_key in i18n.STRINGS["zh"] for m in metas)


def test_page_without_declaration_is_a_clear_error(tmp_path):
    (tmp_path / "broken_page.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(registry.PageDeclarationError, match="broken_page.py:1: no module-level PAGE"):
        registry.discover(tmp_path)
    (tmp_path / "broken_page.py").write_text('PAGE = {"order": 1, "title": "t", "url_path": "broken_page"}\n')
    with pytest.raises(registry.PageDeclarationError, match="equals the file's page name"):
        registry.discover(tmp_path)


def test_no_warehouse_and_bad_pointer(tmp_path):
    with pytest.raises(data.NoWarehouse):
        data.current_snapshot(tmp_path)
    serving = tmp_path / "serving"
    serving.mkdir()
    (serving / "CURRENT.json").write_text('{"version": 1, "file": "v000001.du', encoding="utf-8")
    with pytest.raises(data.RefreshInProgress):  # half-written pointer
        data.current_snapshot(tmp_path)
    (serving / "CURRENT.json").write_text(json.dumps({"version": 1, "file": "v000001.duckdb"}))
    with pytest.raises(data.ServingContractError, match="published_at"):
        data.current_snapshot(tmp_path)


def test_snapshot_reads_pointer_in_shanghai_and_queries_read_only(serving):
    snap = data.current_snapshot()
    assert snap.version == 3 and snap.path == serving.db_path.resolve()
    assert str(snap.published_at.tzinfo) == "Asia/Shanghai"
    assert not snap.is_stale()
    assert snap.is_stale(snap.published_at + dt.timedelta(hours=26, minutes=1))
    ledger = data.file_ledger(snap)
    assert len(ledger) == 3
    # TIMESTAMPTZ comes back in the session zone: 02:00 Shanghai, not 18:00 UTC
    first = ledger.sort_values("recorded_at").iloc[0]["recorded_at"]
    assert (first.hour, str(first.tz)) == (2, "Asia/Shanghai")
    assert data.rejected_count(snap) == 3
    assert data.date_bounds(snap, "licheng") == (dt.date(2025, 2, 9), dt.date(2025, 3, 31))


def test_last_failure_reads_marker(serving):
    assert data.last_failure() is None
    (serving.warehouse_dir / "serving" / "LAST_FAILURE.json").write_text(
        json.dumps({"failed_at": "2025-04-02T02:05:00+08:00", "stage": "publish", "message": "disk full"}))
    assert data.last_failure() == data.Failure("2025-04-02T02:05:00+08:00", "publish", "disk full")
