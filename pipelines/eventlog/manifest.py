"""The event log's manifest ``<root>/_manifest.json``: how any engine finds the partitions and files.

Shape (JSON, UTF-8)::

    {"format": "city-safety-event-log", "format_version": 1,
     "partitioning": {"source": "...", "event_date": "..."},          # meaning of the partition columns
     "last_batch": 2,
     "batches": [{"batch": 1, "exported_at": "2026-11-01T02:10:00+08:00", "loads": ["L..."],
                  "rows": {"events": 50110, ...}, "files": 812}, ...],
     "loads": {"<load_id>": <batch>, ...},                              # every exported load attempt
     "supersessions": [["<load_id>", "<superseded_by>"], ...],          # exported supersession rows
     "tables": {"events": {"path": "events", "partition_by": ["source", "event_date"],
                           "columns": [{"name": "event_id", "type": "VARCHAR"}, ...],   # event-store types
                           "partitions": ["source=demo_faults/event_date=2026-10-31", ...],
                           "files": [{"path": "events/source=.../b000001_0.parquet", "rows": 12,
                                      "batch": 1, "partition": {"source": "...", "event_date": "..."}}]},
                ...}}

File paths are relative to the root, ``/``-separated. The manifest is replaced atomically (``os.replace``)
after a batch's files are in place, so a reader that follows it never sees a half-written batch.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pipelines.eventlog.layout import FORMAT_NAME, FORMAT_VERSION, MANIFEST_NAME, TABLES

PARTITIONING_NOTE = {
    "source": "contract name of the source (events.*.source); not repeated inside the files",
    "event_date": "UTC calendar date of occurred_at (events) / measured_at (sensor_readings), YYYY-MM-DD; "
                  "local dates differ by at most one day",
}


class ManifestError(ValueError):
    """The manifest is missing a key, has another format, or names a file that does not exist."""


def manifest_path(root: Path) -> Path:
    """``<root>/_manifest.json``."""
    return Path(root) / MANIFEST_NAME


def empty_manifest() -> dict[str, Any]:
    """The manifest of a log with no batch yet (every table present, no files)."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "partitioning": dict(PARTITIONING_NOTE),
        "last_batch": 0,
        "batches": [],
        "loads": {},
        "supersessions": [],
        "tables": {t.name: {"path": t.name, "partition_by": list(t.partition_by), "columns": [], "partitions": [],
                            "files": []} for t in TABLES},
    }


def read_manifest(root: Path, *, missing_ok: bool = True) -> dict[str, Any]:
    """Read ``<root>/_manifest.json``; the empty manifest when absent and ``missing_ok``.

    Raises:
        ManifestError: absent (and not ``missing_ok``), not JSON, another format, or a key missing; the
            message names the file and the reason.
    """
    path = manifest_path(root)
    if not path.exists():
        if missing_ok:
            return empty_manifest()
        raise ManifestError(f"{path}: no event log manifest (run the export first)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    if data.get("format") != FORMAT_NAME or data.get("format_version") != FORMAT_VERSION:
        raise ManifestError(f"{path}: format {data.get('format')!r} version {data.get('format_version')!r}, "
                            f"expected {FORMAT_NAME!r} version {FORMAT_VERSION}")
    for key in ("last_batch", "batches", "loads", "supersessions", "tables"):
        if key not in data:
            raise ManifestError(f"{path}: key {key!r} missing")
    for t in TABLES:
        if t.name not in data["tables"]:
            raise ManifestError(f"{path}: table {t.name!r} missing from 'tables'")
    return data


def write_manifest(root: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest atomically (temporary file, fsync, ``os.replace``); return its path."""
    path = manifest_path(root)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1, sort_keys=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def table_files(root: Path, manifest: dict[str, Any], table: str) -> list[Path]:
    """Absolute paths of every file of ``table`` listed in the manifest, in manifest order.

    Raises:
        ManifestError: a listed file does not exist (the log was edited or copied incompletely).
    """
    out = []
    for f in manifest["tables"][table]["files"]:
        p = Path(root) / f["path"]
        if not p.exists():
            raise ManifestError(f"{manifest_path(root)}: file {f['path']} of table {table} (batch {f['batch']}) "
                                "does not exist")
        out.append(p)
    return out


__all__ = ["ManifestError", "PARTITIONING_NOTE", "empty_manifest", "manifest_path", "read_manifest", "table_files",
           "write_manifest"]
