"""Create the event store schema and read the file ledger.

The store is append-only (ARCHITECTURE.md, Event store): loads insert rows inside one transaction and
never update or delete history. A corrected file supersedes an earlier load through a row in
``events.load_supersessions``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``events`` and its tables if missing, and upgrade an older layout (idempotent)."""
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    _upgrade(con)


# per-load constants older layouts repeated on every reading; now only in events.file_ledger
_MOVED_TO_LEDGER = ("source", "source_system", "source_file", "recorded_at")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'events' AND table_name = ?", [table]).fetchall()}


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Upgrade an older event store to the current layout in place, in one transaction; a no-op on the
    current layout.

    ``events.file_ledger`` without ``source_system``: the column is added and filled for every existing load
    from the load's readings or events (a load that wrote neither keeps NULL); without ``readings_from`` /
    ``readings_to``: added and filled from each load's readings. ``events.sensor_readings`` of
    the first layout (a stored md5 ``reading_id``, no ``value_index``): rewritten; ``value_index`` is 1 unless
    several readings share a line and sensor type (packed cells); there it is the index whose documented
    md5 (schema.sql) equals the stored ``reading_id`` (or, if none does, the rank of the stored id, which
    keeps the readings of a line apart). Older readings layouts: the per-load constants ``source``,
    ``source_system``, ``source_file`` and ``recorded_at`` are dropped (the ledger row of ``load_id`` holds
    them).
    """
    cols = _columns(con, "sensor_readings")
    moved = [c for c in _MOVED_TO_LEDGER if c in cols]
    ledger_cols = _columns(con, "file_ledger")
    ledger_has_system, ledger_has_span = "source_system" in ledger_cols, "readings_from" in ledger_cols
    if ledger_has_system and ledger_has_span and "reading_id" not in cols and not moved:
        return
    con.begin()
    try:
        if not ledger_has_system:
            _add_ledger_source_system(con, readings_have_it="source_system" in cols)
        if not ledger_has_span:
            _add_ledger_readings_span(con)
        if "reading_id" in cols:
            _rewrite_first_layout(con, moved)
        else:
            for c in moved:
                con.execute(f"ALTER TABLE events.sensor_readings DROP COLUMN {c}")
        con.commit()
    except Exception:
        con.rollback()
        raise


def _add_ledger_source_system(con: duckdb.DuckDBPyConnection, readings_have_it: bool) -> None:
    """Add ``file_ledger.source_system`` and fill it from each load's events (and readings, while they still
    carry the column); one contract wrote a load, so it has one system. The fill is this one-time layout
    upgrade's, not a change of history: every later ledger row is inserted with its system."""
    con.execute("ALTER TABLE events.file_ledger ADD COLUMN source_system VARCHAR")
    readings = ("UNION SELECT DISTINCT load_id, source_system FROM events.sensor_readings"
                if readings_have_it else "")
    con.execute(f"""UPDATE events.file_ledger AS l SET source_system = s.source_system
                    FROM (SELECT load_id, min(source_system) AS source_system
                          FROM (SELECT DISTINCT load_id, source_system FROM events.events {readings})
                          GROUP BY load_id) AS s
                    WHERE l.load_id = s.load_id""")


def _add_ledger_readings_span(con: duckdb.DuckDBPyConnection) -> None:
    """Add ``file_ledger.readings_from`` / ``readings_to`` and fill them from each load's readings (one scan of
    the readings, once; later loads record them when they commit)."""
    con.execute("ALTER TABLE events.file_ledger ADD COLUMN readings_from TIMESTAMPTZ")
    con.execute("ALTER TABLE events.file_ledger ADD COLUMN readings_to TIMESTAMPTZ")
    con.execute("""UPDATE events.file_ledger AS l SET readings_from = s.lo, readings_to = s.hi
                   FROM (SELECT load_id, min(measured_at) AS lo, max(measured_at) AS hi
                         FROM events.sensor_readings GROUP BY load_id) AS s
                   WHERE l.load_id = s.load_id""")


def _rewrite_first_layout(con: duckdb.DuckDBPyConnection, moved: list[str]) -> None:
    """Copy a first-layout readings table into the current one, deriving ``value_index`` (see caller)."""
    con.execute("ALTER TABLE events.sensor_readings RENAME TO sensor_readings_v1")
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    con.execute(
        f"""INSERT INTO events.sensor_readings BY NAME
           SELECT * EXCLUDE (reading_id, _n, _rank{''.join(', ' + c for c in moved)}),
                  CASE WHEN _n = 1 THEN 1 ELSE coalesce(
                      (SELECT min(i) FROM range(1, _n + 1) t(i)
                       WHERE md5(concat_ws('|', source_system, device_id, sensor_type,
                                           CAST(epoch_us(measured_at) AS VARCHAR),
                                           CAST(i AS VARCHAR))) = reading_id),
                      _rank) END AS value_index
           FROM (SELECT *, count(*) OVER w AS _n, row_number() OVER (w ORDER BY reading_id) AS _rank
                 FROM events.sensor_readings_v1 WINDOW w AS (PARTITION BY load_id, source_line, sensor_type))""")
    con.execute("DROP TABLE events.sensor_readings_v1")


def loaded_load_for_sha(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    """Return the load_id that already loaded a file with this content hash, or None."""
    row = con.execute(
        "SELECT load_id FROM events.file_ledger WHERE sha256 = ? AND status = 'loaded' "
        "ORDER BY recorded_at DESC LIMIT 1",
        [sha256],
    ).fetchone()
    return row[0] if row else None


def active_load_for_path(con: duckdb.DuckDBPyConnection, source: str, path: str) -> str | None:
    """Return the newest active (not superseded) load of ``path`` under contract ``source``, or None."""
    row = con.execute(
        """
        SELECT l.load_id FROM events.file_ledger l
        WHERE l.source = ? AND l.path = ? AND l.status = 'loaded'
          AND l.load_id NOT IN (SELECT load_id FROM events.load_supersessions)
        ORDER BY l.recorded_at DESC LIMIT 1
        """,
        [source, path],
    ).fetchone()
    return row[0] if row else None
