"""The real exports in ../shared/realdata through the real CLI: every file accounted for, each source's
metrics in the marts, in its own time zone."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REALDATA
from tests.e2e.conftest import cli, sql


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory):
    wh = tmp_path_factory.mktemp("real_wh")
    cli("refresh", "--raw-dir", str(REALDATA), "--warehouse-dir", str(wh))
    return wh


def test_status_counts_for_every_real_file(real_warehouse):
    status = json.loads(cli("status", "--json", "--warehouse-dir", str(real_warehouse)).stdout)
    files = {f["path"]: f for f in status["files"]}
    assert files["la311/2018_mini.csv"]["rows_loaded"] == 10000
    assert files["lexington_lives/inspections.csv"]["rows_rejected"] == 272
    assert files["chicago_beach_sensors/Beach_Water_Quality_-_Automated_Sensors.csv"]["rows_rejected"] == 6
    for f in files.values():
        assert f["status"] == "loaded", f
        assert f["rows_in_file"] == f["rows_loaded"] + f["rows_rejected"]


def test_real_sources_reach_the_marts(real_warehouse):
    faults = sql(real_warehouse, "SELECT sum(faults_reported) AS n FROM marts.fct_fault_disposal_daily "
                                 "WHERE source_system = 'la311'")[0]["n"]
    assert faults == 222  # LA streetlight requests are facility faults
    coverage = sql(real_warehouse, "SELECT max(units_registered) AS reg, max(units_inspected_ytd) AS insp "
                                   "FROM marts.fct_gas_inspection_coverage WHERE source_system = 'lexington'")[0]
    assert coverage["reg"] > 1000 and 0 < coverage["insp"] <= coverage["reg"]
    sensors = sql(real_warehouse, "SELECT sum(readings) AS n, sum(readings_flagged) AS f "
                                  "FROM marts.fct_sensor_readings_daily WHERE source_system = 'chicago_beach'")[0]
    assert sensors["f"] >= 1052  # 526 wave-height and 526 wave-period sentinels, flagged not averaged
    closure = sql(real_warehouse, "SELECT sum(complaints_closed) AS c FROM marts.fct_complaint_closure_daily "
                                  "WHERE source_system = 'la311'")[0]["c"]
    assert closure > 15000


def test_la311_local_dates_use_los_angeles(real_warehouse):
    # 1-870704831 was created 12/31/2017 11:59:58 PM Los Angeles time: its local date is 2017-12-31
    rows = sql(real_warehouse, "SELECT date_local FROM marts.fct_event_lineage "
                               "WHERE aggregate_id = '1-870704831' AND event_type = 'complaint_received'")
    assert [r["date_local"] for r in rows] == ["2017-12-31"]
