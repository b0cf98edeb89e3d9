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
    """Create schema ``events`` and its tables if missing (idempotent)."""
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))


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
