"""A reading's id is derived in stg_events__sensor_readings, not stored by the ingest
(pipelines/eventstore/schema.sql): md5(source_system|device_id|sensor_type|measured_at epoch microseconds|
value_index), the same value the ingest used to store, so it is deterministic and unique per active reading."""

from __future__ import annotations

import hashlib

from tests.dbt.conftest import query


def test_staging_derives_the_documented_reading_id(built):
    assert built.run.returncode == 0, built.run.output[-3000:]
    rows = query(built.path, "SELECT reading_id, source_system, device_id, sensor_type, epoch_us(measured_at), "
                             "value_index FROM main_staging.stg_events__sensor_readings")
    assert rows
    for reading_id, system, device, stype, micros, index in rows:
        assert reading_id == hashlib.md5(f"{system}|{device}|{stype}|{micros}|{index}".encode()).hexdigest()
    assert len({r[0] for r in rows}) == len(rows)
