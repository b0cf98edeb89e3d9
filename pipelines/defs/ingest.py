"""Ingest assets: one per source kind (``raw_registry`` ... ``raw_sensors``, group ``ingest``).

Each asset opens ``build.duckdb`` through :class:`~pipelines.defs.resources.WarehouseResource`, calls
``pipelines.ingest.load.ingest_kind`` for its kind over the raw folder, closes the connection and reports
files loaded / skipped (same sha256 already loaded) / rejected and rows loaded / rejected. Ingest is
idempotent by construction (a file whose sha256 is already loaded is skipped), so retries and the nightly
re-run append nothing twice (FAILURE_CLASSES.md #21).
"""


import os
from collections.abc import Iterable, Sequence
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from pipelines.defs.resources import WRITER_POOL, WarehouseResource, environment

SOURCE_KINDS: tuple[str, ...] = ("registry", "inspections", "facilities", "complaints", "sensors")
"""Source kinds of the contracts (``source_kind`` in ``events.file_ledger``)."""

INGEST_GROUP = "ingest"


def ingest_asset_key(kind: str) -> AssetKey:
    """Asset key of the ingest asset for ``kind``: ``raw_<kind>``."""
    return AssetKey(f"raw_{kind}")


INGEST_ASSET_KEYS: tuple[AssetKey, ...] = tuple(ingest_asset_key(k) for k in SOURCE_KINDS)


def summarize_results(results: Iterable[Any]) -> dict[str, int]:
    """Totals over ``FileResult`` objects.

    Returns ``files_seen, files_loaded, files_skipped, files_rejected, rows_in_files, rows_loaded,
    rows_rejected, events_written, readings_written`` (files_rejected = whole file refused,
    status ``rejected_file``; skipped = same content already loaded).
    """
    out = dict.fromkeys(
        ("files_seen", "files_loaded", "files_skipped", "files_rejected", "rows_in_files", "rows_loaded",
         "rows_rejected", "events_written", "readings_written"),
        0,
    )
    for r in results:
        out["files_seen"] += 1
        if r.skipped:
            out["files_skipped"] += 1
            continue
        if r.status == "loaded":
            out["files_loaded"] += 1
        else:
            out["files_rejected"] += 1
        out["rows_in_files"] += r.rows_in_file or 0
        out["rows_loaded"] += r.rows_loaded or 0
        out["rows_rejected"] += r.rows_rejected or 0
        out["events_written"] += r.events_written or 0
        out["readings_written"] += r.readings_written or 0
    return out


def _files_table(results: Sequence[Any], limit: int = 50) -> str:
    lines = ["| file | source | status | encoding | rows | loaded | rejected | error |", "|---|---|---|---|---|---|---|---|"]
    for r in results[:limit]:
        status = "skipped (already loaded)" if r.skipped else r.status
        error = (r.error or "").replace("|", "\\|").replace("\n", " ")[:200]
        lines.append(
            f"| {r.path} | {r.source} | {status} | {r.encoding or ''} | {r.rows_in_file if r.rows_in_file is not None else ''} "
            f"| {r.rows_loaded or 0} | {r.rows_rejected or 0} | {error} |"
        )
    if len(results) > limit:
        lines.append(f"| ... {len(results) - limit} more files | | | | | | | |")
    return "\n".join(lines)


def build_ingest_asset(kind: str) -> AssetsDefinition:
    """The ingest asset ``raw_<kind>`` (group ``ingest``, pool ``duckdb_writer``)."""

    @asset(
        name=f"raw_{kind}",
        group_name=INGEST_GROUP,
        pool=WRITER_POOL,
        kinds={"duckdb", "python"},
        description=(
            f"Load new {kind} exports from the raw folder into the event store (events.*) of build.duckdb: "
            "fingerprint, ledger, decode, parse by source contract, validate, events + rejected rows."
        ),
    )
    def _ingest(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        from pipelines.ingest.load import ingest_kind  # the ingest package is the lead's; import at run time

        raw = warehouse.raw_path()
        if not raw.is_dir():
            raise FileNotFoundError(f"raw folder {raw} does not exist (set --raw-dir or CSW_RAW_DIR)")
        # the ingest's scratch files go under the warehouse, never beside the (read-only) raw folder
        scratch = {} if os.environ.get("CSW_INGEST_TMP") else {"CSW_INGEST_TMP": str(warehouse.get().tmp_dir / "ingest")}
        with environment(scratch), warehouse.build_connection() as con:
            results = list(ingest_kind(con, raw, kind))
        for r in results:
            if r.skipped:
                context.log.info(f"{r.path}: skipped, same content already loaded")
            elif r.status != "loaded":
                context.log.warning(f"{r.path}: file rejected: {r.error}")
            elif r.rows_rejected:
                context.log.warning(f"{r.path}: {r.rows_rejected} of {r.rows_in_file} rows rejected")
        totals = summarize_results(results)
        metadata: dict[str, Any] = {k: MetadataValue.int(v) for k, v in totals.items()}
        metadata["raw_dir"] = MetadataValue.path(str(raw))
        metadata["files"] = MetadataValue.md(_files_table(results))
        return MaterializeResult(metadata=metadata)

    return _ingest


ingest_assets: list[AssetsDefinition] = [build_ingest_asset(k) for k in SOURCE_KINDS]
