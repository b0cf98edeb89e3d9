"""Helpers for ingest tests: write small contracts and files, run every kind, read results."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest.contract import KINDS
from pipelines.ingest.load import FileResult, ingest_kind


CALLS_CONTRACT = """
source: t_calls
source_system: tcalls
kind: complaints
match: ["calls/*"]
format: csv
timezone: Asia/Shanghai
columns:
  id: {type: id, required: true}
  at: {type: timestamp, required: true}
  street: {}
key: [id]
events:
  - type: complaint_received
    aggregate: {type: complaint, id: id}
    occurred_at: at
    fields: {street: street}
"""
"""A small complaints contract (id, at, street) reading ``calls/*``."""


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``text`` (str encoded with ``encoding``, or raw bytes) to ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def ingest_all(con, raw_dir: Path, **kw) -> dict[str, FileResult]:
    """Ingest every kind under ``raw_dir``; results keyed by relative path."""
    out = {}
    for kind in KINDS:
        for r in ingest_kind(con, raw_dir, kind, **kw):
            out[r.path] = r
    return out


def rejects(con, path: str) -> list[tuple[int, str, str]]:
    """(line, reason_code, reason) of the rejected rows of one file, by line."""
    return con.execute(
        "SELECT source_line, reason_code, reason FROM events.rejected_rows WHERE source_file = ? ORDER BY 1",
        [path],
    ).fetchall()
