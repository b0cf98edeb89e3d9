"""Incremental export of the event store (``events.*`` in ``build.duckdb``) to the Hive-partitioned Parquet log.

One call = one batch: the load attempts (``events.file_ledger`` rows) not exported yet, with their events,
readings and rejected rows, plus supersession rows not exported yet. DuckDB writes the batch's files straight
into the partition folders under new names only (``b<batch>_<uuid>.parquet``, ``COPY ... APPEND``), then the
manifest is replaced atomically. Committed files are never rewritten. ``_pending.json`` names the batch
while it is written; if an export dies, the next one deletes that batch's files before it starts again.
Layout and partition meaning: :mod:`pipelines.eventlog.layout`.
"""

from __future__ import annotations

import fcntl
import os
import uuid
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from pipelines import settings
from pipelines.eventlog.layout import (LOCK_NAME, PENDING_NAME, SAFE_PARTITION_VALUE, TABLES, LogTable, batch_of_file,
                                       batch_prefix)
from pipelines.eventlog.manifest import ManifestError, read_manifest, write_manifest
from pipelines.warehouse import Warehouse


class EventLogError(RuntimeError):
    """The export cannot proceed (unsafe partition value, changed store schema, a file would be overwritten)."""


@dataclass(frozen=True)
class ExportResult:
    """What one export did.

    ``batch`` is None when there was nothing new (no file written, manifest unchanged); ``loads`` the load
    ids exported in this batch; ``rows`` rows written per table; ``files`` the new files, relative to ``root``.
    """

    root: Path
    batch: int | None
    loads: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the CLI)."""
        return {"root": str(self.root), "batch": self.batch, "loads": self.loads, "rows": self.rows,
                "files": len(self.files)}


def default_log_dir(warehouse: Warehouse) -> Path:
    """The log folder of a warehouse when none is given: ``<warehouse>/eventlog``."""
    return warehouse.root / "eventlog"


def export_event_log(warehouse: Warehouse, root: Path | None = None,
                     con: duckdb.DuckDBPyConnection | None = None) -> ExportResult:
    """Export the loads not yet in the log at ``root`` (default ``<warehouse>/eventlog``) as one new batch.

    ``con``: an open connection on the build database (e.g. the refresh's writer); when None the build
    database is opened read-only for the duration of the export. Reads happen in one transaction of a
    cursor of ``con``, so the batch is a consistent snapshot. Safe to call after every refresh: with nothing
    new it returns ``batch=None`` and touches nothing.

    Raises:
        FileNotFoundError / WarehouseBusyError: no build database / a refresh holds it (``con`` None).
        EventLogError: a ``source`` value is not a plain path segment, the store's columns differ from the
            columns already in the log, or a target file exists.
        ManifestError: the existing manifest is unreadable.
    """
    root = Path(root) if root is not None else default_log_dir(warehouse)
    for t in TABLES:  # every table folder exists, even before its first file (engines list them)
        (root / t.name).mkdir(parents=True, exist_ok=True)
    with _export_lock(root):
        manifest = read_manifest(root)
        _remove_leftovers(root, manifest)
        if con is not None:
            return _export(con, root, manifest)
        with warehouse.connect_build_readonly() as own:
            return _export(own, root, manifest)


@contextmanager
def _export_lock(root: Path) -> Iterator[None]:
    """Exclusive lock on ``<root>/_export.lock`` (one export at a time per log)."""
    with open(root / LOCK_NAME, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise EventLogError(f"{root}: another export of this event log is running") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_leftovers(root: Path, manifest: dict[str, Any]) -> None:
    """If ``_pending.json`` is there (an export died), delete every file of batches newer than the manifest's."""
    pending = root / PENDING_NAME
    if not pending.exists():
        return
    last = int(manifest["last_batch"])
    for t in TABLES:
        base = root / t.name
        if not base.is_dir():
            continue
        for dirpath, _, names in os.walk(base):
            for name in names:
                b = batch_of_file(name)
                if b is not None and b > last:
                    os.unlink(os.path.join(dirpath, name))
    pending.unlink()


def _sql_list(values: list[str]) -> str:
    """SQL list literal of strings (quotes doubled); ``(NULL)`` when empty so ``IN`` is valid and false."""
    if not values:
        return "(NULL)"
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _columns(cur: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, str]]:
    """[{name, type}] of ``events.<table>`` in table order (the event-store types of schema.sql)."""
    rows = cur.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'events' AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    if not rows:
        raise EventLogError(f"events.{table} does not exist in the build database")
    return [{"name": n, "type": t} for n, t in rows]


def _select_list(t: LogTable, cols: list[dict[str, str]]) -> str:
    """Columns written for ``t``: JSON as text, plus the ``event_date`` partition column when partitioned by date."""
    parts = []
    for c in cols:
        if c["type"] == "JSON":
            parts.append(f'CAST("{c["name"]}" AS VARCHAR) AS "{c["name"]}"')
        else:
            parts.append(f'"{c["name"]}"')
    if t.date_of:
        parts.append(f"CAST(timezone('UTC', \"{t.date_of}\") AS DATE) AS event_date")
    return ", ".join(parts)


def _export(con: duckdb.DuckDBPyConnection, root: Path, manifest: dict[str, Any]) -> ExportResult:
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        return _export_batch(cur, root, manifest)
    finally:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        cur.close()


def _export_batch(cur: duckdb.DuckDBPyConnection, root: Path, manifest: dict[str, Any]) -> ExportResult:
    exported = manifest["loads"]
    ledger = [r[0] for r in cur.execute(
        "SELECT load_id FROM events.file_ledger ORDER BY recorded_at, load_id").fetchall()]
    new_loads = [lid for lid in ledger if lid not in exported]
    known_pairs = {(a, b) for a, b in manifest["supersessions"]}
    pairs = cur.execute("SELECT load_id, superseded_by FROM events.load_supersessions "
                        "ORDER BY superseded_at, load_id, superseded_by").fetchall()
    new_pairs = [(a, b) for a, b in pairs if (a, b) not in known_pairs]
    if not new_loads and not new_pairs:
        return ExportResult(root, None)

    batch = int(manifest["last_batch"]) + 1
    prefix = batch_prefix(batch)
    loads_sql = _sql_list(new_loads)
    pair_keys = _sql_list([f"{a}\x1f{b}" for a, b in new_pairs])
    columns: dict[str, list[dict[str, str]]] = {}
    queries: dict[str, str] = {}
    for t in TABLES:  # validate everything before the first file is written
        cols = _columns(cur, t.name)
        known = manifest["tables"][t.name]["columns"]
        if known and known != cols:
            raise EventLogError(
                f"events.{t.name}: columns {[c['name'] + ' ' + c['type'] for c in cols]} differ from the columns "
                f"already in the event log at {root} ({[c['name'] + ' ' + c['type'] for c in known]}); "
                "export into a new event log folder")
        columns[t.name] = cols
        where = {"load_supersessions": f"load_id || chr(31) || superseded_by IN {pair_keys}",
                 # a retraction is new exactly when its supersession pair (load_id, retraction_id) is
                 "load_retractions": f"load_id || chr(31) || retraction_id IN {pair_keys}"}.get(
                     t.name, f"load_id IN {loads_sql}")
        # The rows of one table, with every partition column: a per-load constant the store keeps only in the
        # ledger (sensor_readings' `source`) comes from events.file_ledger by load_id.
        from_ledger = [p for p in t.partition_by if p != "event_date" and p not in {c["name"] for c in cols}]
        relation = (f"(SELECT x.*, {', '.join('l.' + p for p in from_ledger)} FROM events.{t.name} AS x "
                    "JOIN events.file_ledger AS l USING (load_id))" if from_ledger else f"events.{t.name}")
        if "source" in t.partition_by:
            bad = cur.execute(f"SELECT DISTINCT load_id, source FROM {relation} WHERE {where} "
                              f"AND NOT regexp_full_match(source, '{SAFE_PARTITION_VALUE.pattern[1:-1]}') "
                              "ORDER BY 1 LIMIT 5").fetchall()
            if bad:
                raise EventLogError(f"events.{t.name}: source value(s) {[s for _, s in bad]} (loads "
                                    f"{[lid for lid, _ in bad]}) are not plain path segments [A-Za-z0-9_.-]; "
                                    "rename the contract")
        extra = "".join(f', "{p}"' for p in from_ledger)
        queries[t.name] = f"SELECT {_select_list(t, cols)}{extra} FROM {relation} WHERE {where} ORDER BY {t.order_by}"

    (root / PENDING_NAME).write_text(json.dumps({"batch": batch}) + "\n", encoding="utf-8")
    try:
        rows, written = _write_batch(cur, root, queries, prefix)
    except BaseException:
        _remove_leftovers(root, manifest)  # this batch's files, then the pending marker
        raise

    added = _list_files(cur, root, written, batch, manifest)
    for name, cols in columns.items():
        manifest["tables"][name]["columns"] = cols
    for lid in new_loads:
        manifest["loads"][lid] = batch
    manifest["supersessions"].extend([list(p) for p in new_pairs])
    manifest["last_batch"] = batch
    manifest["batches"].append({
        "batch": batch,
        "exported_at": datetime.now(ZoneInfo(settings.timezone_name())).isoformat(timespec="seconds"),
        "loads": new_loads,
        "rows": rows,
        "files": len(added),
    })
    write_manifest(root, manifest)
    (root / PENDING_NAME).unlink()
    return ExportResult(root, batch, new_loads, rows, added)


def _write_batch(cur: duckdb.DuckDBPyConnection, root: Path, queries: dict[str, str],
                 prefix: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    """COPY each table's new rows into the partition folders; return rows and written file paths per table."""
    rows: dict[str, int] = {}
    written: dict[str, list[str]] = {}
    for t in TABLES:
        query = queries[t.name]
        (n,) = cur.execute(f"SELECT count(*) FROM ({query})").fetchone()
        rows[t.name] = int(n)
        written[t.name] = []
        if n == 0:
            continue
        out = root / t.name
        if t.partition_by:
            target = (f"'{out.as_posix()}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({', '.join(t.partition_by)}), "
                      f"APPEND, FILENAME_PATTERN '{prefix}_{{uuid}}', RETURN_FILES true)")
        else:
            target = (f"'{(out / f'{prefix}_{uuid.uuid4()}.parquet').as_posix()}' "
                      "(FORMAT parquet, COMPRESSION zstd, RETURN_FILES true)")
        (copied, files) = cur.execute(f"COPY ({query}) TO {target}").fetchone()
        written[t.name] = list(files)
        if int(copied) != n:
            raise EventLogError(f"events.{t.name}: wrote {copied} rows, expected {n}")
    return rows, written


def _list_files(cur: duckdb.DuckDBPyConnection, root: Path, written: dict[str, list[str]], batch: int,
                manifest: dict[str, Any]) -> list[str]:
    """Add the files written by this batch (paths as DuckDB returned them) to ``manifest`` with their row counts."""
    added = []
    for table, files in written.items():
        if not files:
            continue
        entry = manifest["tables"][table]
        counts = {Path(f).resolve(): int(n) for f, n in cur.execute(
            "SELECT file_name, num_rows FROM parquet_file_metadata(?)", [files]).fetchall()}
        partitions = set(entry["partitions"])
        for f in sorted(files):
            path = Path(f).resolve()
            rel_in_table = path.relative_to((root / table).resolve())
            part = dict(seg.split("=", 1) for seg in rel_in_table.parent.parts)
            if part:
                partitions.add(rel_in_table.parent.as_posix())
            rel = (Path(table) / rel_in_table).as_posix()
            entry["files"].append({"path": rel, "rows": counts[path], "batch": batch, "partition": part})
            added.append(rel)
        entry["partitions"] = sorted(partitions)
    return added


__all__ = ["EventLogError", "ExportResult", "ManifestError", "default_log_dir", "export_event_log"]
