"""Unit tests of the dashboard's pure parts (KPI arithmetic, page discovery, i18n) and of the
read-only data access on a real DuckDB serving file."""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
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
    assert [m.url_path for m in metas] == ["overview", "gas", "facilities", "confined", "construction",
                                           "complaints", "sensors", "quality", "sql"]
    assert all(m.title_key in i18n.STRINGS["zh"] for m in metas)
    assert [m.url_path for m in metas if m.analyst_only] == ["sql"]


def test_page_without_declaration_is_a_clear_error(tmp_path):
    (tmp_path / "broken_page.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(registry.PageDeclarationError, match="broken_page.py:1: no module-level PAGE"):
        registry.discover(tmp_path)
    (tmp_path / "broken_page.py").write_text('PAGE = {"order": 1, "title": "t"}\n')
    with pytest.raises(registry.PageDeclarationError, match="broken_page.py:1: PAGE lacks url_path"):
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


# --- metric registry engine (dashboards.metrics) ---------------------------------------------

from dashboards import frame, maps, metrics  # noqa: E402


def _metric(**kw) -> metrics.MetricDef:
    row = {"metric_id": "X1", "name_zh": "测试率", "name_en": "Test rate", "unit": "ratio", "target": 0.9,
           "model": "fct_x", "numerator_column": "n", "denominator_column": "d", "date_column": "date_local"}
    row.update(kw)
    return metrics.metric_from_row(row)


def test_parse_filter_accepts_only_column_equals_literal():
    assert metrics.parse_filter("shift = 'day'") == ("shift", "day")
    assert metrics.parse_filter(None) is None
    for bad in ("shift = day", "1 = 1 OR true", "shift = 'a' AND x = 'b'", "shift in ('a')"):
        with pytest.raises(metrics.MetricDefinitionError, match="X9: unsupported filter"):
            metrics.parse_filter(bad, "X9")


def test_metric_from_row_reads_targets_units_and_refuses_bad_identifiers():
    assert _metric(target=98).target == pytest.approx(0.98)  # percent in the registry
    assert _metric(unit="score", target=90, numerator_column=None, denominator_column=None,
                   rate_column="s").target == 90
    assert _metric(date_column="period_month").grain == "month"
    with pytest.raises(metrics.MetricDefinitionError, match="not a plain identifier"):
        _metric(numerator_column="n; DROP TABLE x")
    with pytest.raises(metrics.MetricDefinitionError, match="unknown date column"):
        _metric(date_column="week")


def test_compute_daily_is_sum_over_sum_against_previous_window():
    days = [dt.date(2025, 3, d) for d in range(1, 11)]
    rows = pd.DataFrame({"date_local": days, "street": ["A"] * 10, "n": [9, 8, 7, 6, 5, 1, 1, 1, 1, 1],
                         "d": [10, 10, 10, 10, 10, 1, 2, 3, 4, 5]})
    mv = metrics.compute(_metric(), rows, dt.date(2025, 3, 6), dt.date(2025, 3, 10))
    assert mv.value == pytest.approx(5 / 15) and mv.previous == pytest.approx(35 / 50)
    assert (mv.numerator, mv.denominator) == (5, 15) and mv.state == "red"
    assert list(mv.series["period"]) == days[5:]
    empty = metrics.compute(_metric(), rows.iloc[0:0], dt.date(2025, 3, 6), dt.date(2025, 3, 10))
    assert empty.value is None and empty.state == "none"  # never 0 %


def test_compute_monthly_takes_latest_month_and_counts_sum():
    m = _metric(date_column="period_month", denominator_column=None, unit="count", target=None)
    rows = pd.DataFrame({"period_month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 2, 1)],
                         "street": ["A", "A", "B"], "n": [4, 3, 5]})
    mv = metrics.compute(m, rows, dt.date(2025, 2, 10), dt.date(2025, 2, 20))
    assert (mv.value, mv.previous, mv.period) == (8, 4, (dt.date(2025, 2, 1), dt.date(2025, 2, 28)))
    assert mv.state == "notarget"
    streets = metrics.by_street(m, rows, mv)
    assert list(streets["street"]) == ["A", "B"] and list(streets["value"]) == [3, 5]


def test_metric_filter_and_lower_is_better_states():
    m = _metric(filter="shift = 'day'")
    rows = pd.DataFrame({"date_local": [dt.date(2025, 3, 1)] * 2, "shift": ["day", "night"], "n": [9, 0],
                         "d": [10, 10]})
    assert metrics.compute(m, rows, dt.date(2025, 3, 1), dt.date(2025, 3, 1)).value == pytest.approx(0.9)
    low = _metric(direction="lower_better", unit="minutes", target=10)
    assert [metrics.rag_state(low, v) for v in (9, 10.4, 12)] == ["green", "amber", "red"]
    assert metrics.format_delta(low, -1.25, "zh") == "-1.2 分钟（较上期）"  # ASCII minus: arrow down
    assert metrics.delta_color(low, -1.25) == "inverse"
    assert metrics.format_value(_metric(unit="yuan"), 12345.6) == "¥12,346"


def test_registry_of_the_published_dim_metric_is_complete(serving):
    defs, bad = metrics.registry(data.metric_dim(data.current_snapshot()))
    assert not bad
    from dashboards import catalog
    for spec in (catalog.OVERVIEW, catalog.GAS, catalog.FACILITIES, catalog.CONFINED, catalog.CONSTRUCTION,
                 catalog.COMPLAINTS, catalog.SENSORS):
        missing = [m for m in spec.metrics if m not in defs]
        assert not missing, (spec.key, missing)
        for m in spec.metrics:
            assert defs[m].model in catalog.LINEAGE, (spec.key, m)


# --- street scope: enforced in dashboards/data.py below every query ----------------------------


def test_street_scope_filters_every_table(serving):
    snap = data.current_snapshot()
    street = "海滨街道"
    scope = data.Scope(street)
    everything = data.query(snap, "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
                                  "WHERE table_catalog = current_database()", scope=data.ALL_STREETS)
    with_street = set(data.query(snap, "SELECT table_schema || '.' || table_name AS t FROM information_schema.columns "
                                       "WHERE table_catalog = current_database() AND column_name = 'street'",
                                 scope=data.ALL_STREETS)["t"])
    checked = 0
    for table in everything["t"]:
        total = int(data.query(snap, f"SELECT count(*) AS n FROM {table}", scope=data.ALL_STREETS).iloc[0]["n"])
        seen = data.query(snap, f"SELECT * FROM {table}", scope=scope)
        if table in with_street:
            assert set(seen["street"]) <= {street}, table
            own = int(data.query(snap, f"SELECT count(*) AS n FROM {table} WHERE street = ?", (street,),
                                 scope=data.ALL_STREETS).iloc[0]["n"])
            assert len(seen) == own, table
            checked += total > own
        elif table in data.STREET_NEUTRAL:
            assert len(seen) == total, table
        else:
            assert seen.empty, f"{table} has no street column and is not street-neutral: must be hidden"
    assert checked >= 10
    # the domain helpers go through the same path
    with data.service_scope(scope):
        assert data.streets(snap, "licheng") == [street]
        assert set(data.fact_rows(snap, "fct_fault_disposal_daily", "date_local", dt.date(2025, 3, 1),
                                  dt.date(2025, 3, 31), "licheng", ["street"])["street"]) == {street}
        events, total = data.lineage(snap, "licheng", dt.date(2025, 3, 1), dt.date(2025, 3, 31), ["complaint"])
        assert total > 0 and set(events["street"]) == {street}
        assert data.rejected_count(snap) == 0  # raw rejected text may name any street


def test_login_on_without_user_reads_nothing(serving, monkeypatch, tmp_path):
    monkeypatch.setenv("CSW_AUTH_FILE", str(tmp_path / "users.yaml"))
    with pytest.raises(data.NotAuthorized):
        data.current_scope()


# --- auth ----------------------------------------------------------------------------------------

from dashboards import auth  # noqa: E402


def _users_file(tmp_path, entries):
    import yaml

    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump({"users": entries}, allow_unicode=True), encoding="utf-8")
    return path


def test_users_file_is_validated_with_file_entry_and_reason(tmp_path):
    good = auth.hash_password("pw", rounds=4)
    users = auth.load_users(_users_file(tmp_path, [
        {"username": "a", "role": "leadership", "password_hash": good},
        {"username": "b", "role": "street", "street": "鲤中街道", "password_hash": good}]))
    assert users["b"].user.street == "鲤中街道" and users["a"].user.street is None
    assert auth.verify(users, "b", "pw").role == "street"
    assert auth.verify(users, "b", "wrong") is None and auth.verify(users, "nobody", "pw") is None
    cases = [
        ([{"username": "c", "role": "boss", "password_hash": good}], r"users\[1\] \(c\): role 'boss'"),
        ([{"username": "c", "role": "street", "password_hash": good}], r"\(c\): role street needs a 'street'"),
        ([{"username": "c", "role": "analyst", "password_hash": "plaintext"}], r"\(c\): password_hash must be a bcrypt"),
        ([{"role": "analyst", "password_hash": good}], r"users\[1\]: missing username"),
        ([{"username": "c", "role": "analyst", "password_hash": good}] * 2, r"users\[2\] \(c\): duplicate"),
    ]
    for entries, message in cases:
        with pytest.raises(auth.AuthConfigError, match=message):
            auth.load_users(_users_file(tmp_path, entries))
    with pytest.raises(auth.AuthConfigError, match="cannot read"):
        auth.load_users(tmp_path / "missing.yaml")


# --- downloads, maps --------------------------------------------------------------------------


def test_xlsx_and_csv_keep_chinese_headers_and_local_times():
    import io

    import openpyxl

    df = pd.DataFrame({"街道": ["鲤中街道"], "处置率": [0.975],
                       "发生时间": pd.to_datetime(["2025-03-01T01:00:00Z"]).tz_convert("UTC")})
    wb = openpyxl.load_workbook(io.BytesIO(frame.to_xlsx(df)))
    ws = wb.active
    assert [c.value for c in ws[1]] == ["街道", "处置率", "发生时间"]
    assert ws["A2"].value == "鲤中街道" and ws["C2"].value == dt.datetime(2025, 3, 1, 9, 0)  # Shanghai wall clock
    text = frame.to_csv(df).decode("utf-8-sig")
    assert text.splitlines()[0] == "街道,处置率,发生时间"


def test_schematic_geojson_has_the_demo_streets_as_closed_polygons():
    from pipelines.demo.registry import STREET_CENTRE
    from pipelines.demo.spec import STREETS

    shapes = maps.load_streets(maps.DEFAULT_GEOJSON)
    assert set(shapes) == set(STREETS)

    def inside(pt, ring):
        x, y = pt
        hit = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
        return hit

    for name, rings in shapes.items():
        ring = rings[0]
        assert ring[0] == ring[-1] and len(ring) >= 4, name
        assert inside(STREET_CENTRE[name], ring), name  # each street's centre lies in its own cell
    fig = maps.street_map(pd.DataFrame({"street": [STREETS[0]], "value": [0.9]}), "t", "v", str,
                          maps.DEFAULT_GEOJSON, scale=100)
    assert all(tr.type == "scatter" for tr in fig.data)  # no geo traces: nothing fetched from a CDN


def test_fixture_marts_match_the_dbt_yaml():
    from serving_fixture import ALL_MARTS, MART_DDL, yaml_models

    models = yaml_models()
    for table in ALL_MARTS:
        ddl = re.search(rf"CREATE TABLE marts\.{table} \((.*?)\);", MART_DDL, re.S).group(1)
        cols = [c.strip().split()[0] for c in ddl.split(",")]
        assert cols == models[table]["columns"], table


def test_points_come_from_lineage_coordinates_when_published(serving_fresh):
    snap = data.current_snapshot()
    window = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    with data.service_scope():
        assert data.points(snap, "licheng", *window, ["alarm"]).empty  # demo lineage has no lon/lat
    con = duckdb.connect(str(serving_fresh.db_path))
    con.execute("ALTER TABLE marts.fct_event_lineage ADD COLUMN lon DOUBLE")
    con.execute("ALTER TABLE marts.fct_event_lineage ADD COLUMN lat DOUBLE")
    con.execute("UPDATE marts.fct_event_lineage SET lon = 118.59, lat = 24.91 WHERE aggregate_type = 'alarm'")
    n = con.execute("SELECT count(*) FROM marts.fct_event_lineage WHERE aggregate_type = 'alarm' AND "
                    "date_local BETWEEN '2025-03-01' AND '2025-03-31'").fetchone()[0]
    con.close()
    snap = data.Snapshot(snap.warehouse_dir, snap.version + 100, snap.path, snap.published_at)  # new cache key
    with data.service_scope():
        pts = data.points(snap, "licheng", *window, ["alarm"])
    assert len(pts) == n > 0 and set(pts["lon"]) == {118.59}
    fig = maps.point_map(pts, "t", "alarms")
    assert len(fig.data) == 1 and list(fig.data[0].x) == list(pts["lon"])


def test_metrics_the_data_set_cannot_report_are_not_shown_as_zero(serving_fresh):
    """marts.dim_metric_source says licheng never records first_contact_made: H4 响应率 leaves the tiles and is
    listed as not reported (with the evidence it needs) instead of a 0 % tile; C16 is unaffected."""
    from dashboards import domain, filters

    window = dict(source="licheng", zone="Asia/Shanghai", start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    with data.service_scope():
        snap = data.current_snapshot()
        defs, _ = domain.page_metrics(snap, ("C16", "H4"))
        before = domain.load(snap, filters.Filters(**window), defs, ())
    assert set(before.values) == {"C16", "H4"} and before.unreported == {}  # the mart is not published yet

    con = duckdb.connect(str(serving_fresh.db_path))
    con.execute("CREATE TABLE marts.dim_metric_source (metric_id VARCHAR, source_system VARCHAR, requires VARCHAR, "
                "reported BOOLEAN, evidence_events BIGINT)")
    con.execute("INSERT INTO marts.dim_metric_source VALUES ('H4', 'licheng', 'first_contact_made', false, 0), "
                "('C16', 'licheng', NULL, true, NULL), ('H4', 'la311', 'first_contact_made', true, 3)")
    con.close()
    snap = data.Snapshot(snap.warehouse_dir, snap.version + 100, snap.path, snap.published_at)  # new cache key
    with data.service_scope():
        assert data.unreported_metrics(snap, "licheng") == {"H4": "first_contact_made"}
        assert data.unreported_metrics(snap, "la311") == {}
        after = domain.load(snap, filters.Filters(**window), defs, ())
    assert set(after.values) == {"C16"}
    assert after.unreported == {"H4": "first_contact_made"}
    assert after.values["C16"].value == before.values["C16"].value
