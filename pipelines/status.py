"""Ledger reporting for operators: what loaded, what was rejected and why, what is published.

Reads the file ledger from the build database opened read-only and briefly; when a refresh holds the
build database (FAILURE_CLASSES.md #1) it falls back to the copy in the published serving file
(``ops.file_ledger`` / ``ops.rejected_rows``), and says so.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from pipelines import settings
from pipelines.publish import NothingPublishedError, current_serving, read_last_failure
from pipelines.warehouse import Warehouse, WarehouseBusyError, connect_readonly

TOP_REASONS = 3


class LedgerSource:
    """Where ledger rows were read from: ``kind`` is ``build``, ``serving`` or ``none``; ``schema`` the
    schema holding file_ledger / rejected_rows; ``note`` a sentence for people."""

    def __init__(self, kind: str, schema: str | None, note: str, refresh_in_progress: bool = False):
        self.kind, self.schema, self.note, self.refresh_in_progress = kind, schema, note, refresh_in_progress


def open_ledger(warehouse: Warehouse) -> tuple[duckdb.DuckDBPyConnection | None, LedgerSource]:
    """Open the freshest readable ledger: build DB read-only, else the published copy, else nothing.

    The caller closes the connection (it blocks a writer while open).
    """
    busy = False
    if warehouse.build_db.exists():
        try:
            return warehouse.connect_build_readonly(), LedgerSource("build", "events", "ledger of build.duckdb")
        except WarehouseBusyError:
            busy = True
    try:
        pointer, path = current_serving(warehouse)
    except (NothingPublishedError, FileNotFoundError):
        note = "refresh in progress and nothing published yet" if busy else "nothing loaded yet"
        return None, LedgerSource("none", None, note, busy)
    con = connect_readonly(path)
    note = f"ledger as published in v{pointer['version']:06d}" + (" (refresh in progress)" if busy else "")
    return con, LedgerSource("serving", "ops", note, busy)


def ledger_files(con: duckdb.DuckDBPyConnection, schema: str) -> list[dict[str, Any]]:
    """Every load attempt in ``<schema>.file_ledger``, newest first, with its top reject reasons.

    Keys: ``path, source, status, encoding, rows_in_file, rows_loaded, rows_rejected,
    top_reject_reasons ([{reason_code, count, example}]), error, loaded_at (ISO), load_id, sha256, warnings,
    superseded (bool), retracted`` (None, or ``{retraction_id, reason, retracted_by, retracted_at (ISO)}`` when an
    operator withdrew the load: :mod:`pipelines.eventstore.retract`).
    """
    has_retractions = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? "
        "AND table_name = 'load_retractions'", [schema]).fetchone()[0] > 0
    retractions = (f"(SELECT load_id, retraction_id, reason, retracted_by, retracted_at FROM {schema}.load_retractions)"
                   if has_retractions else
                   "(SELECT NULL::VARCHAR AS load_id, NULL::VARCHAR AS retraction_id, NULL::VARCHAR AS reason, "
                   "NULL::VARCHAR AS retracted_by, NULL::TIMESTAMPTZ AS retracted_at WHERE false)")
    rows = con.execute(
        f"""
        SELECT l.path, l.source, l.status, l.encoding, l.rows_in_file, l.rows_loaded, l.rows_rejected,
               l.error, l.recorded_at, l.load_id, l.sha256, l.warnings,
               l.load_id IN (SELECT load_id FROM {schema}.load_supersessions) AS superseded,
               r.retraction_id, r.reason, r.retracted_by, r.retracted_at
        FROM {schema}.file_ledger l LEFT JOIN {retractions} r ON r.load_id = l.load_id
        ORDER BY l.recorded_at DESC, l.path
        """
    ).fetchall()
    reasons: dict[str, list[dict[str, Any]]] = {}
    for load_id, code, n, example in con.execute(
        f"""
        SELECT load_id, reason_code, n, example FROM (
            SELECT load_id, reason_code, count(*) AS n, min(reason) AS example,
                   row_number() OVER (PARTITION BY load_id ORDER BY count(*) DESC, reason_code) AS rk
            FROM {schema}.rejected_rows GROUP BY load_id, reason_code)
        WHERE rk <= {TOP_REASONS} ORDER BY load_id, n DESC
        """
    ).fetchall():
        reasons.setdefault(load_id, []).append({"reason_code": code, "count": n, "example": example})
    out = []
    for path, source, status, enc, rif, rl, rr, err, rec, load_id, sha, warns, sup, rid, why, by, r_at in rows:
        out.append({
            "path": path, "source": source, "status": status, "encoding": enc,
            "rows_in_file": rif, "rows_loaded": rl, "rows_rejected": rr,
            "top_reject_reasons": reasons.get(load_id, []), "error": err,
            "loaded_at": _iso(rec), "load_id": load_id, "sha256": sha, "superseded": bool(sup),
            "warnings": list(warns or []),
            "retracted": None if rid is None else {"retraction_id": rid, "reason": why, "retracted_by": by,
                                                   "retracted_at": _iso(r_at)},
        })
    return out


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def status_report(warehouse: Warehouse) -> dict[str, Any]:
    """The ``status --json`` document.

    ``{"published_version": CURRENT.json|null, "last_failure": LAST_FAILURE.json|null,
    "ledger_source": "build"|"serving"|"none", "ledger_note": str, "refresh_in_progress": bool,
    "files": [see ledger_files]}``
    """
    try:
        published, _ = current_serving(warehouse)
    except (NothingPublishedError, FileNotFoundError):
        published = None
    con, source = open_ledger(warehouse)
    try:
        files = ledger_files(con, source.schema) if con is not None else []
    finally:
        if con is not None:
            con.close()
    return {
        "published_version": published,
        "last_failure": read_last_failure(warehouse),
        "ledger_source": source.kind,
        "ledger_note": source.note,
        "refresh_in_progress": source.refresh_in_progress,
        "files": files,
    }


def rejected_rows(warehouse: Warehouse, file: str | None = None, limit: int = 50) -> tuple[list[dict[str, Any]], LedgerSource]:
    """Rejected raw lines, newest load first: ``source_file, source_line, reason_code, reason, raw_text, load_id``.

    ``file`` filters on the raw path (exact, or a path ending with it).
    """
    con, source = open_ledger(warehouse)
    if con is None:
        return [], source
    try:
        where, params = "", []
        if file:
            where = "WHERE r.source_file = ? OR r.source_file LIKE ?"
            params = [file, "%/" + file.lstrip("/")]
        rows = con.execute(
            f"""
            SELECT r.source_file, r.source_line, r.reason_code, r.reason, r.raw_text, r.load_id
            FROM {source.schema}.rejected_rows r
            LEFT JOIN {source.schema}.file_ledger l USING (load_id)
            {where}
            ORDER BY l.recorded_at DESC NULLS LAST, r.source_file, r.source_line
            LIMIT {int(limit)}
            """,
            params,
        ).fetchall()
    finally:
        con.close()
    keys = ("source_file", "source_line", "reason_code", "reason", "raw_text", "load_id")
    return [dict(zip(keys, r)) for r in rows], source


# ---------------------------------------------------------------------------------------------------
# plain-text tables (CJK-aware widths)


def display_width(text: str) -> int:
    """Terminal columns of ``text`` (wide/fullwidth characters such as 汉字 count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 48) -> str:
    """Left-aligned text table; cells clipped to ``max_width`` columns; None shown as empty."""
    cells = [[_clip("" if v is None else " ".join(str(v).split()), max_width) for v in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - display_width(v)) for v, w in zip(values, widths)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def render_status(report: dict[str, Any]) -> str:
    """Human summary of :func:`status_report`."""
    out = []
    pub = report["published_version"]
    if pub:
        extra = f", rolled back from v{pub['rolled_back_from']:06d}" if pub.get("rolled_back_from") else ""
        out.append(f"Published: v{pub['version']:06d} ({pub['file']}) at {pub['published_at']}{extra}")
    else:
        out.append("Published: nothing yet")
    fail = report["last_failure"]
    if fail:
        out.append(f"LAST REFRESH FAILED at {fail['failed_at']} in stage '{fail['stage']}': {fail['message']}")
    if report["refresh_in_progress"]:
        out.append("Refresh in progress: build.duckdb is locked by the writer.")
    out.append(f"Files ({report['ledger_note']}):")
    if not report["files"]:
        out.append("  (none)")
    else:
        rows = []
        for f in report["files"]:
            reasons = ", ".join(f"{r['reason_code']}×{r['count']}" for r in f["top_reject_reasons"])
            if f.get("retracted"):
                status = f"{f['status']} (retracted: {f['retracted']['reason']})"
            else:
                status = f["status"] + (" (superseded)" if f["superseded"] else "")
            rows.append([f["path"], f["source"], status, f["encoding"], f["rows_in_file"], f["rows_loaded"],
                         f["rows_rejected"], reasons or f["error"], "; ".join(f.get("warnings") or []),
                         (f["loaded_at"] or "")[:19].replace("T", " "), f["load_id"]])
        out.append(render_table(
            ["file", "source", "status", "encoding", "rows", "loaded", "rejected", "top reasons / error", "warnings",
             f"loaded at ({settings.timezone_name()})", "load id"], rows))
    return "\n".join(out)


def render_rejects(rows: list[dict[str, Any]]) -> str:
    """Human table of :func:`rejected_rows`."""
    if not rows:
        return "(no rejected rows)"
    return render_table(
        ["file", "line", "reason code", "reason", "raw text"],
        [[r["source_file"], r["source_line"], r["reason_code"], r["reason"], r["raw_text"]] for r in rows],
        max_width=60,
    )
