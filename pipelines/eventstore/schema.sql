-- Event store of the build database (schema `events`). Append-only: rows are inserted, never updated
-- or deleted (a failed load is rolled back as a whole transaction). Every projection (dbt models) is
-- rebuilt from these tables. See docs/event-store.md for the meaning of each column.

CREATE SCHEMA IF NOT EXISTS events;

-- One row per load attempt of one raw file. rows_in_file = rows_loaded + rows_rejected for every
-- status 'loaded' row. A file whose sha256 already has a 'loaded' row is skipped, not loaded again.
CREATE TABLE IF NOT EXISTS events.file_ledger (
    load_id        VARCHAR PRIMARY KEY,      -- 'L' + utc timestamp + short sha, sortable
    sha256         VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,         -- path relative to the raw dir, '/' separated
    source         VARCHAR NOT NULL,         -- contract name
    source_kind    VARCHAR NOT NULL,         -- complaints | inspections | sensors | facilities | registry ...
    contract_sha256 VARCHAR NOT NULL,        -- the contract version that read it
    size_bytes     BIGINT NOT NULL,
    encoding       VARCHAR,                  -- detected encoding (utf-8, utf-8-sig, gb18030, utf-16, binary)
    rows_in_file   BIGINT,
    rows_loaded    BIGINT,
    rows_rejected  BIGINT,
    events_written BIGINT,
    readings_written BIGINT,
    status         VARCHAR NOT NULL,         -- loaded | rejected_file
    error          VARCHAR,                  -- file-level error (names file, line and reason)
    warnings       VARCHAR[],                -- e.g. unknown columns kept in extras
    started_at     TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,     -- when the load committed: the events' recorded_at
    source_system  VARCHAR,                  -- the contract's system of record (its readings' source_system). NULL
                                             -- only for a load recorded before this column that wrote no row
    readings_from  TIMESTAMPTZ,              -- earliest and latest measured_at of the load's readings (NULL: none);
    readings_to    TIMESTAMPTZ               -- loads of one system whose spans overlap may repeat readings
);

-- A corrected re-export supersedes an earlier load (same source and same path). Projections use only
-- loads not superseded as of their cut-off; the superseded load stays queryable.
CREATE TABLE IF NOT EXISTS events.load_supersessions (
    load_id        VARCHAR NOT NULL,         -- the earlier load
    superseded_by  VARCHAR NOT NULL,         -- the later load, or a retraction_id (events.load_retractions)
    superseded_at  TIMESTAMPTZ NOT NULL
);

-- An operator withdrew a load that should never have counted (wrong file, wrong contract): `python -m pipelines
-- retract`. It is a supersession by nothing: a load_supersessions row (superseded_by = retraction_id) written in the
-- same transaction, so projections, as-of builds and incremental models treat it like a corrected re-export.
CREATE TABLE IF NOT EXISTS events.load_retractions (
    retraction_id  VARCHAR PRIMARY KEY,      -- 'R' + utc timestamp + the load's short id
    load_id        VARCHAR NOT NULL,         -- the withdrawn load
    reason         VARCHAR NOT NULL,         -- the operator's words
    retracted_by   VARCHAR NOT NULL,         -- OS user who ran the command
    retracted_at   TIMESTAMPTZ NOT NULL
);

-- Rows that could not be loaded, with the raw text and a reason naming the column.
CREATE TABLE IF NOT EXISTS events.rejected_rows (
    load_id        VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_line    BIGINT,                   -- 1-based physical line (xlsx: sheet row; json: record index)
    raw_text       VARCHAR,
    reason         VARCHAR NOT NULL,
    reason_code    VARCHAR NOT NULL          -- short class for tallies: parse_error, missing_required, ragged, duplicate, sentinel ...
);

-- Canonical business events (METRICS.md section 4 envelope) with lineage to file and line.
CREATE TABLE IF NOT EXISTS events.events (
    event_id       VARCHAR NOT NULL,         -- md5(source_system|aggregate_type|aggregate_id|event_type|occurred_at utc)
    event_type     VARCHAR NOT NULL,         -- e.g. complaint_received, fault_repaired, inspection_performed
    aggregate_type VARCHAR NOT NULL,         -- complaint | fault | inspection | asset | gas_user | hazard | alarm | ...
    aggregate_id   VARCHAR NOT NULL,         -- natural id within source_system
    occurred_at    TIMESTAMPTZ NOT NULL,     -- business time
    recorded_at    TIMESTAMPTZ NOT NULL,     -- when we learned it (the load's commit time)
    source         VARCHAR NOT NULL,         -- contract name
    source_system  VARCHAR NOT NULL,         -- system of record; ids are unique within it
    load_id        VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_line    BIGINT,
    -- typed hot fields (NULL when not applicable)
    street         VARCHAR,                  -- 街道 (or the city's district-level area for foreign data)
    grid_id        VARCHAR,
    channel        VARCHAR,                  -- 12345 | wechat | weibo | douyin | petition | phone | web | app ...
    category       VARCHAR,                  -- canonical category after mapping
    subject_type   VARCHAR,                  -- restaurant | lpg_station | streetlight | road | drain | bridge ...
    subject_id     VARCHAR,
    due_at         TIMESTAMPTZ,
    amount         DOUBLE,                   -- score, fine, area, reading: the event's main number
    lon            DOUBLE,                   -- WGS84
    lat            DOUBLE,
    payload        JSON                      -- every other canonical field of the row, plus extras
);

-- High-volume sensor readings, typed and append-only. A reading's identity is not stored (an md5 per row
-- cost 5-14 s of a 10M-row load): it is (source_system, device_id, sensor_type, measured_at, value_index),
-- and stg_events__sensor_readings derives reading_id = md5(source_system|device_id|sensor_type|
-- epoch_us(measured_at)|value_index) from it; its lineage is (load_id, source_line, value_index).
-- Per-load constants are not repeated on every reading (each string column costs about 1 CPU-s per 10M rows
-- to write): source, source_system, source_file (= path) and recorded_at are the file_ledger row's of load_id.
CREATE TABLE IF NOT EXISTS events.sensor_readings (
    device_id      VARCHAR NOT NULL,
    sensor_type    VARCHAR NOT NULL,         -- gas_leak | water_level | water_temperature | turbidity ...
    measured_at    TIMESTAMPTZ NOT NULL,
    value          DOUBLE,                   -- NULL when flagged
    unit           VARCHAR,
    quality        VARCHAR NOT NULL,         -- ok | sentinel | out_of_range
    raw_value      VARCHAR,                  -- the source text of a flagged value (quality <> 'ok'); NULL when ok
                                             -- (value is that text parsed; load_id + source_line lead to the line)
    load_id        VARCHAR NOT NULL,         -- file_ledger.load_id: source, source_system, source_file (path), recorded_at
    source_line    BIGINT,
    value_index    INTEGER NOT NULL          -- 1-based position of the value in its cell (packed `0.260|0.267`); else 1
);
