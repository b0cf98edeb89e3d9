"""Layout of the Parquet event log: which event-store tables it holds, how each is partitioned, file names.

The log is a folder (local path; on a cluster the same tree in object storage, docs/scaling.md)::

    <root>/_manifest.json                                   every file, its partition, rows and batch
    <root>/events/source=<contract>/event_date=<YYYY-MM-DD>/b000001_<uuid>.parquet
    <root>/sensor_readings/source=<contract>/event_date=<YYYY-MM-DD>/b000001_<uuid>.parquet
    <root>/rejected_rows/source=<contract>/b000001_<uuid>.parquet
    <root>/file_ledger/b000001_<uuid>.parquet
    <root>/load_supersessions/b000001_<uuid>.parquet
    <root>/load_retractions/b000001_<uuid>.parquet

Hive partition values: ``source`` is the contract name (the column is not repeated inside the files; the store
keeps it in ``sensor_readings`` only through the ledger, so the export joins ``file_ledger`` by ``load_id``) and
``event_date`` the **UTC** calendar date of ``occurred_at`` (events) / ``measured_at`` (readings), so the
partition of a row never depends on a session or deployment time zone; local dates differ by at most one
day, so prune with a one-day margin. Every export is one *batch* ``b<NNNNNN>``; a batch only adds files
whose names start with its number, it never rewrites or deletes a committed file. ``_pending.json`` exists
while a batch is being written (a crash leaves it behind; the next export removes that batch's files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MANIFEST_NAME = "_manifest.json"
LOCK_NAME = "_export.lock"
PENDING_NAME = "_pending.json"
FORMAT_NAME = "city-safety-event-log"
FORMAT_VERSION = 1

# a partition value must be a plain path segment (contract names are; anything else is refused, not escaped)
SAFE_PARTITION_VALUE = re.compile(r"^[A-Za-z0-9_.\-]+$")
BATCH_FILE = re.compile(r"^b(\d{6})_[0-9A-Za-z\-]+\.parquet$")


@dataclass(frozen=True)
class LogTable:
    """One event-store table in the log.

    ``name``: table in schema ``events`` and folder under the root; ``partition_by``: Hive partition columns
    in folder order; ``date_of``: the TIMESTAMPTZ column whose UTC date is ``event_date`` (None when the
    table has no date partition); ``order_by``: row order inside a file (deterministic files).
    """

    name: str
    partition_by: tuple[str, ...]
    date_of: str | None
    order_by: str


TABLES: tuple[LogTable, ...] = (
    LogTable("file_ledger", (), None, "recorded_at, load_id"),
    LogTable("load_supersessions", (), None, "superseded_at, load_id, superseded_by"),
    LogTable("load_retractions", (), None, "retracted_at, retraction_id"),
    LogTable("rejected_rows", ("source",), None, "load_id, source_line, reason_code"),
    LogTable("events", ("source", "event_date"), "occurred_at", "occurred_at, event_id, load_id, source_line"),
    LogTable("sensor_readings", ("source", "event_date"), "measured_at", "measured_at, device_id, sensor_type, value_index, load_id, source_line"),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


def batch_prefix(batch: int) -> str:
    """File-name prefix of batch ``batch``: ``b000042``."""
    return f"b{batch:06d}"


def batch_of_file(name: str) -> int | None:
    """Batch number of a log file name such as ``b000042_<uuid>.parquet``; None for any other name."""
    m = BATCH_FILE.match(name)
    return int(m.group(1)) if m else None


__all__ = ["BATCH_FILE", "FORMAT_NAME", "FORMAT_VERSION", "LOCK_NAME", "LogTable", "MANIFEST_NAME",
           "PENDING_NAME", "SAFE_PARTITION_VALUE", "TABLES", "TABLES_BY_NAME", "batch_of_file", "batch_prefix"]
