"""The publish asset ``serving_snapshot``: runs :func:`pipelines.publish.publish` after every dbt asset.

It only runs when ingest, the blocking ingest checks and ``dbt build`` (models + tests) all succeeded in
the run, so a failed audit publishes nothing (ARCHITECTURE.md, write-audit-publish); it is skipped when the dbt
step found the current version up to date (:mod:`pipelines.defs.build_state`).
"""


from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from pipelines.defs.build_state import record_published
from pipelines.defs.resources import WRITER_POOL, WarehouseResource
from pipelines.publish import publish, read_manifest

SERVING_SNAPSHOT = "serving_snapshot"


def build_publish_asset(dbt_assets_def: AssetsDefinition) -> AssetsDefinition:
    """Asset ``serving_snapshot`` (group ``publish``) depending on every asset of ``dbt_assets_def``."""

    @asset(
        name=SERVING_SNAPSHOT,
        group_name="publish",
        deps=[dbt_assets_def],
        pool=WRITER_POOL,
        kinds={"duckdb"},
        description=(
            "Copy marts (schema main_marts) and ops tables into a new read-only serving/v{N}.duckdb, "
            "write its manifest and switch serving/CURRENT.json atomically; keep the last CSW_KEEP_VERSIONS."
        ),
    )
    def serving_snapshot(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        wh = warehouse.get()
        pointer = publish(wh, as_of=warehouse.as_of_datetime())
        record_published(wh, int(pointer["version"]))
        manifest = read_manifest(wh, pointer["version"])
        context.log.info(f"published v{pointer['version']:06d} ({pointer['file']}) at {pointer['published_at']}")
        return MaterializeResult(
            metadata={
                "version": pointer["version"],
                "file": MetadataValue.path(str(wh.serving_dir / pointer["file"])),
                "published_at": pointer["published_at"],
                "as_of": pointer["as_of"] or "",
                "code_version": pointer["code_version"],
                "tables": len(manifest["row_counts"]),
                "loads_included": len(manifest["loads_included"]),
                "row_counts": MetadataValue.json(manifest["row_counts"]),
            }
        )

    return serving_snapshot
