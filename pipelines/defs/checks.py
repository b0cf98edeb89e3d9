"""Asset checks on the ingest assets: the audit that gates publishing (write-audit-publish).

Per ingest asset ``raw_<kind>`` (files with ``events.file_ledger.source_kind = kind``):

- ``ledger_reconciles`` (blocking): for every loaded file, ``rows_in_file = rows_loaded + rows_rejected``
  and ``rows_rejected`` equals the number of its rows in ``events.rejected_rows`` (an independent count,
  FAILURE_CLASSES.md #10, #12: nothing dropped silently).
- ``reject_ratio_under_threshold`` (blocking): every active load (loaded, not superseded) has
  ``rows_rejected / rows_in_file <= CSW_MAX_REJECT_RATIO`` (default 0.2; #11). A bad file keeps blocking
  until a corrected export of the same path supersedes it or the threshold is raised.
- ``no_rejected_files`` (warning only): no path whose latest load attempt was refused as a whole.

A blocking check that fails with severity ERROR stops every downstream asset in the run (dbt, publish),
so the dashboards keep the last good version.
"""


from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    MetadataValue,
    asset_check,
)

from pipelines import settings
from pipelines.defs.ingest import SOURCE_KINDS, ingest_asset_key
from pipelines.defs.resources import WRITER_POOL, WarehouseResource

_MAX_LISTED = 50


def ledger_mismatches(con: duckdb.DuckDBPyConnection, kind: str) -> tuple[int, list[dict[str, Any]]]:
    """Return ``(files_checked, mismatches)`` for loaded files of ``kind`` that do not reconcile.

    Each mismatch: ``path, load_id, rows_in_file, rows_loaded, rows_rejected, rejected_rows_recorded``.
    """
    checked = con.execute(
        "SELECT count(*) FROM events.file_ledger WHERE source_kind = ? AND status = 'loaded'", [kind]
    ).fetchone()[0]
    rows = con.execute(
        """
        SELECT l.path, l.load_id, l.rows_in_file, l.rows_loaded, l.rows_rejected, coalesce(r.n, 0) AS recorded
        FROM events.file_ledger l
        LEFT JOIN (SELECT load_id, count(*) AS n FROM events.rejected_rows GROUP BY load_id) r USING (load_id)
        WHERE l.source_kind = ? AND l.status = 'loaded'
          AND (l.rows_in_file IS NULL
               OR l.rows_in_file IS DISTINCT FROM coalesce(l.rows_loaded, 0) + coalesce(l.rows_rejected, 0)
               OR coalesce(l.rows_rejected, 0) <> coalesce(r.n, 0))
        ORDER BY l.path, l.recorded_at
        """,
        [kind],
    ).fetchall()
    keys = ("path", "load_id", "rows_in_file", "rows_loaded", "rows_rejected", "rejected_rows_recorded")
    return checked, [dict(zip(keys, r)) for r in rows]


def reject_ratio_violations(
    con: duckdb.DuckDBPyConnection, kind: str, threshold: float
) -> tuple[int, list[dict[str, Any]]]:
    """Return ``(files_checked, violations)``: active loads of ``kind`` whose rejected share exceeds ``threshold``.

    Each violation: ``path, load_id, rows_in_file, rows_rejected, reject_ratio``.
    """
    active = """
        FROM events.file_ledger l
        WHERE l.source_kind = ? AND l.status = 'loaded'
          AND l.load_id NOT IN (SELECT load_id FROM events.load_supersessions)
    """
    checked = con.execute(f"SELECT count(*) {active}", [kind]).fetchone()[0]
    rows = con.execute(
        f"""
        SELECT l.path, l.load_id, l.rows_in_file, l.rows_rejected,
               l.rows_rejected::DOUBLE / l.rows_in_file AS ratio
        {active}
          AND l.rows_in_file > 0 AND l.rows_rejected::DOUBLE / l.rows_in_file > ?
        ORDER BY ratio DESC, l.path
        """,
        [kind, threshold],
    ).fetchall()
    keys = ("path", "load_id", "rows_in_file", "rows_rejected", "reject_ratio")
    return checked, [dict(zip(keys, r)) for r in rows]


def refused_files(con: duckdb.DuckDBPyConnection, kind: str) -> list[dict[str, Any]]:
    """Paths of ``kind`` whose latest load attempt was refused as a whole: ``path, load_id, error``."""
    rows = con.execute(
        """
        SELECT path, load_id, error FROM (
            SELECT path, load_id, error, status,
                   row_number() OVER (PARTITION BY path ORDER BY recorded_at DESC) AS rn
            FROM events.file_ledger WHERE source_kind = ?)
        WHERE rn = 1 AND status <> 'loaded'
        ORDER BY path
        """,
        [kind],
    ).fetchall()
    return [dict(zip(("path", "load_id", "error"), r)) for r in rows]


def _md_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows[:_MAX_LISTED]:
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v).replace("|", "\\|").replace("\n", " ") for v in r.values()]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > _MAX_LISTED:
        lines.append(f"| ... {len(rows) - _MAX_LISTED} more |" + " |" * (len(head) - 1))
    return "\n".join(lines)


def _describe(rows: list[dict[str, Any]], fmt) -> str:
    shown = "; ".join(fmt(r) for r in rows[:5])
    return shown + (f"; ... and {len(rows) - 5} more" if len(rows) > 5 else "")


def build_checks(kind: str) -> list[AssetChecksDefinition]:
    """The three checks of ingest asset ``raw_<kind>``."""
    key = ingest_asset_key(kind)

    @asset_check(asset=key, name="ledger_reconciles", blocking=True, pool=WRITER_POOL,
                 description="rows_in_file = rows_loaded + rows_rejected = loaded + rejected_rows count, per loaded file")
    def _ledger(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        con = warehouse.get().connect_build_readonly()
        try:
            checked, bad = ledger_mismatches(con, kind)
        finally:
            con.close()
        return AssetCheckResult(
            passed=not bad,
            severity=AssetCheckSeverity.ERROR,
            description=None if not bad else "ledger does not reconcile: " + _describe(
                bad, lambda r: f"{r['path']} ({r['rows_in_file']} in file, {r['rows_loaded']} loaded, "
                               f"{r['rows_rejected']} rejected, {r['rejected_rows_recorded']} reject rows recorded)"),
            metadata={"files_checked": checked, "mismatches": len(bad), "details": MetadataValue.md(_md_table(bad))},
        )

    @asset_check(asset=key, name="reject_ratio_under_threshold", blocking=True, pool=WRITER_POOL,
                 description="every active load rejects at most CSW_MAX_REJECT_RATIO (default 0.2) of its rows")
    def _ratio(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        threshold = settings.max_reject_ratio()
        con = warehouse.get().connect_build_readonly()
        try:
            checked, bad = reject_ratio_violations(con, kind, threshold)
        finally:
            con.close()
        return AssetCheckResult(
            passed=not bad,
            severity=AssetCheckSeverity.ERROR,
            description=None if not bad else (
                f"reject ratio above {threshold:.0%}: " + _describe(
                    bad, lambda r: f"{r['path']} ({r['rows_rejected']}/{r['rows_in_file']} = {r['reject_ratio']:.0%})")
                + ". Fix: drop a corrected export under the same path, retract the file (python -m pipelines "
                  "retract PATH --reason ...), or raise CSW_MAX_REJECT_RATIO"),
            metadata={"threshold": threshold, "files_checked": checked, "violations": len(bad),
                      "details": MetadataValue.md(_md_table(bad))},
        )

    @asset_check(asset=key, name="no_rejected_files", blocking=False, pool=WRITER_POOL,
                 description="no file whose latest load attempt was refused as a whole (warning)")
    def _refused(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        con = warehouse.get().connect_build_readonly()
        try:
            bad = refused_files(con, kind)
        finally:
            con.close()
        return AssetCheckResult(
            passed=not bad,
            severity=AssetCheckSeverity.WARN,
            description=None if not bad else "files refused: " + _describe(bad, lambda r: f"{r['path']}: {r['error']}"),
            metadata={"refused_files": len(bad), "details": MetadataValue.md(_md_table(bad))},
        )

    return [_ledger, _ratio, _refused]


ingest_checks: list[AssetChecksDefinition] = [c for kind in SOURCE_KINDS for c in build_checks(kind)]
