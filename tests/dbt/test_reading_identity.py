"""A reading's id is derived in stg_events__sensor_readings, not stored by the ingest
(pipelines/eventstore/schema.sql): md5(source_system|device_id|sensor_type|measured_at epoch microseconds|
value_index), the same value the ingest used to store, so it is deterministic and unique per reading of a load;
a reading that two active loads hold (a later export repeating it) has one id, and the mart counts it once."""

from __future__ import annotations

import hashlib

from tests.dbt.conftest import query


def test_staging_derives_the_documented_reading_id(built):
    assert built.run.returncode == 0, built.run.output[-3000:]
    rows = query(built.path, "SELECT reading_id, source_system, device_id, sensor_type, epoch_us(measured_at), "
                             "value_index, load_id FROM main_staging.stg_events__sensor_readings")
    assert rows
    for reading_id, system, device, stype, micros, index, _ in rows:
        assert reading_id == hashlib.md5(f"{system}|{device}|{stype}|{micros}|{index}".encode()).hexdigest()
    assert len({(r[0], r[-1]) for r in rows}) == len(rows)
    # the fixture's later export (L14) repeats the 2024-03-01 20:00+08:00 reading of L04: one id, two loads
    repeated = {r[0] for r in rows if sum(x[0] == r[0] for x in rows) > 1}
    assert [(r[2], r[4], r[6]) for r in sorted(rows, key=lambda r: r[6]) if r[0] in repeated] == [
        ("D1", 1709294400000000, "L04_sensors"), ("D1", 1709294400000000, "L14_sensors")]
