"""Every real export in ../shared/realdata loads through its contract; rows in file = loaded + rejected.

Counts asserted here are the real files' known quirks (shared/realdata/MANIFEST.md).
"""

from __future__ import annotations

import pytest

from tests.ingest.helpers import ingest_all, rejects

CSV_EXPECTED = {
    # path: (rows_in_file, rows_rejected)
    "la311/MyLA311_Service_Request_Data_2017_Subset.csv": (9999, 0),
    "la311/2018_mini.csv": (10000, 0),
    "lexington_lives/businesses.csv": (1401, 0),
    "lexington_lives/inspections.csv": (3332, 272),      # same-day re-inspections, later line kept
    "lexington_lives/violations.csv": (5075, 0),
    "lexington_lives/most_recent_food_scores.csv": (3437, 29),  # 29 exact duplicate rows
    "lexington_lives/feed_info.csv": (1, 0),
    "chicago_beach_sensors/Beach_Water_Quality_-_Automated_Sensors.csv": (34923, 6),  # 6 rows without time
    "chicago_beach_sensors/chicago_sensor_locations.csv": (9, 0),
    "uk_ea_water_levels/wet_day.csv": (20729, 242),     # 241 duplicate keys + 1 blank value
    "uk_ea_water_levels/stations.csv": (2026, 0),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, request):
    import duckdb

    from pipelines.eventstore.store import ensure_schema
    from tests.conftest import REALDATA

    con = duckdb.connect(str(tmp_path_factory.mktemp("real") / "build.duckdb"))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    ensure_schema(con)
    results = ingest_all(con, REALDATA)
    yield con, results
    con.close()


def test_every_file_accounts_for_every_row(loaded):
    con, results = loaded
    for path, r in results.items():
        assert r.status == "loaded", (path, r.error)
        assert r.rows_in_file == r.rows_loaded + r.rows_rejected, path
        stored = con.execute("SELECT count(*) FROM events.rejected_rows WHERE source_file = ?", [path]).fetchone()[0]
        assert stored == r.rows_rejected, path


@pytest.mark.parametrize("path,expected", sorted(CSV_EXPECTED.items()))
def test_csv_counts_match_the_manifest(loaded, path, expected):
    _, results = loaded
    r = results[path]
    assert (r.rows_in_file, r.rows_rejected) == expected
    assert r.encoding == "utf-8"


def test_la311_times_are_los_angeles_local(loaded):
    con, _ = loaded
    row = con.execute(
        """SELECT strftime(timezone('UTC', occurred_at), '%Y-%m-%d %H:%M:%S'), channel, street, source_line
           FROM events.events WHERE aggregate_id = '1-870704814' AND event_type = 'complaint_received'"""
    ).fetchone()
    # 01/01/2018 12:00:09 AM in Los Angeles (PST, UTC-8) is 08:00:09 UTC; it is line 2 of 2018_mini.csv
    assert row == ("2018-01-01 08:00:09", "app", "Central APC", 2)


def test_la311_streetlight_requests_are_faults(loaded):
    con, _ = loaded
    n = con.execute("SELECT count(*) FROM events.events WHERE source = 'la311' AND event_type = 'fault_reported'"
                    ).fetchone()[0]
    assert n == 94 + 128  # MANIFEST: streetlight requests in 2017 and 2018


def test_beach_sentinels_are_flagged_never_values(loaded):
    con, _ = loaded
    rows = dict(con.execute(
        """SELECT sensor_type, count(*) FROM events.sensor_readings JOIN events.file_ledger USING (load_id)
           WHERE source = 'chicago_beach_sensors' AND quality = 'sentinel' GROUP BY 1""").fetchall())
    assert rows == {"wave_height": 526, "wave_period": 526}
    assert con.execute("SELECT count(*) FROM events.sensor_readings WHERE quality <> 'ok' AND value IS NOT NULL"
                       ).fetchone()[0] == 0
    # a flagged reading keeps the text it was flagged for; an ok one its value only (no raw text)
    raw = dict(con.execute(
        """SELECT sensor_type, list(DISTINCT raw_value ORDER BY raw_value) FROM events.sensor_readings
           JOIN events.file_ledger USING (load_id)
           WHERE source = 'chicago_beach_sensors' AND quality = 'sentinel' GROUP BY 1""").fetchall())
    assert raw == {"wave_height": ["-99999.992"], "wave_period": ["-100000"]}
    assert con.execute("SELECT count(*) FROM events.sensor_readings "
                       "WHERE quality = 'ok' AND (raw_value IS NOT NULL OR value IS NULL)").fetchone()[0] == 0
    assert con.execute("SELECT min(value) FROM events.sensor_readings WHERE sensor_type = 'wave_height'"
                       ).fetchone()[0] >= 0


def test_uk_packed_values_become_separate_readings(loaded):
    con, _ = loaded
    parts = con.execute(
        """SELECT value_index, value, raw_value, quality, source_system
           FROM events.sensor_readings JOIN events.file_ledger USING (load_id)
           WHERE source = 'uk_ea_water_levels' AND device_id = '4032' AND measured_at = TIMESTAMPTZ '2021-05-07 00:00:00+00'
           ORDER BY value_index""").fetchall()
    # the cell `0.260|0.267`: two ok readings, their values kept, no raw text (it was used); the ledger's system
    assert parts == [(1, 0.26, None, "ok", "uk_ea"), (2, 0.267, None, "ok", "uk_ea")]
    codes = {c for _, c, _ in rejects(con, "uk_ea_water_levels/wet_day.csv")}
    assert codes == {"duplicate", "missing_required"}


def test_lab_data_rejects_missing_beach_and_year_typos(loaded):
    con, results = loaded
    r = results["chicago_beach_sensors/Beach_Lab_Data.csv"]
    assert r.rows_in_file == 20264
    reasons = rejects(con, "chicago_beach_sensors/Beach_Lab_Data.csv")
    assert sum(1 for _, c, _ in reasons if c == "missing_required") == 376  # beach 'NA'
    assert any("0016" in reason for _, _, reason in reasons)  # year typo named with its raw text


def test_lexington_raw_export_and_lives_share_event_ids(loaded):
    con, _ = loaded
    shared = con.execute(
        """SELECT count(*) FROM (
             SELECT event_id FROM events.events WHERE source = 'lexington_inspections'
             INTERSECT SELECT event_id FROM events.events WHERE source = 'lexington_raw_scores')""").fetchone()[0]
    assert shared > 2500  # same inspection from both exports -> one deterministic id


BINARY_EXPECTED = {
    # path: (rows_in_file, rows_rejected, encoding)
    "china_gov_messages/附件1.xlsx": (517, 0, None),
    "china_gov_messages/附件2.xlsx": (495, 1, None),   # 495 data rows in an inflated used range; 1 duplicate id
    "china_gov_messages/附件3.xlsx": (30, 0, None),
    "china_gov_messages/附件4.xlsx": (120, 0, None),
    "lexington_lives/Jan2014_Restaurant Scores.xls": (3286, 0, None),
    "chicago_open311/chicago_open311_requests.json": (276, 0, "utf-8"),  # one row per note of 50 requests
}


@pytest.mark.parametrize("path,expected", sorted(BINARY_EXPECTED.items()))
def test_workbook_and_json_counts(loaded, path, expected):
    _, results = loaded
    r = results[path]
    assert (r.rows_in_file, r.rows_rejected, r.encoding) == expected


def test_every_real_file_has_a_contract(realdata):
    from pipelines.ingest.load import unmatched_files

    assert unmatched_files(realdata) == []


def test_china_gov_mixed_dates_and_response_times(loaded):
    con, _ = loaded
    # 附件3 holds date cells and 附件4 one Excel date among text dates: all parse, in Asia/Shanghai
    n3 = con.execute("SELECT count(*) FROM events.events WHERE source_file LIKE '%附件3.xlsx'").fetchone()[0]
    assert n3 == 30
    hours = con.execute(
        """SELECT median(epoch(c.occurred_at - r.occurred_at) / 3600) FROM events.events r
           JOIN events.events c USING (aggregate_id)
           WHERE r.source = 'china_gov_replies' AND r.event_type = 'complaint_received'
             AND c.source = 'china_gov_replies' AND c.event_type = 'first_contact_made'""").fetchone()[0]
    assert 1 < hours < 24 * 60  # replies come hours to weeks after the message


def test_open311_lifecycle_from_notes(loaded):
    con, _ = loaded
    rows = dict(con.execute(
        "SELECT event_type, count(*) FROM events.events WHERE source = 'chicago_open311' GROUP BY 1").fetchall())
    assert rows == {"complaint_received": 50, "complaint_accepted": 13, "complaint_dispatched": 52,
                    "disposal_reported": 51, "case_updated": 61, "complaint_closed": 49}
    # offsets kept: 2014-05-09T19:02:21-05:00 is 00:02:21 UTC the next day
    t = con.execute("""SELECT strftime(timezone('UTC', occurred_at), '%Y-%m-%d %H:%M:%S') FROM events.events
                       WHERE aggregate_id = '14-00684314' AND event_type = 'complaint_received'""").fetchone()[0]
    assert t == "2014-05-10 00:02:21"
