"""The Dagster code location ``city_safety``: assembles the definitions from ``pipelines.defs``.

Loaded by ``dagster dev`` / the daemon through ``workspace.yaml`` (module-level ``defs``, configured from
the environment: ``CSW_WAREHOUSE_DIR``, ``CSW_RAW_DIR``) and by ``python -m pipelines refresh`` through
:func:`make_definitions` with explicit folders. A missing dbt manifest (fresh clone) is built with
``dbt parse`` first (FAILURE_CLASSES.md #4).
"""

from __future__ import annotations

from pathlib import Path

from dagster import Definitions, in_process_executor
from dagster_dbt import DbtCliResource

from pipelines import settings
from pipelines.defs.alerts import build_failure_alert_sensor, build_freshness_sensor
from pipelines.defs.checks import ingest_checks
from pipelines.defs.dbt import build_dbt_assets
from pipelines.defs.dbt_project import dbt_executable, dbt_project, ensure_manifest
from pipelines.defs.ingest import ingest_assets
from pipelines.defs.publish import build_publish_asset
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.schedules import nightly_refresh, nightly_schedule
from pipelines.defs.sensors import build_failure_sensor, build_raw_files_sensor


def make_definitions(
    warehouse_root: Path | None = None,
    raw_dir: Path | None = None,
    as_of: str | None = None,
    refresh_manifest: bool = False,
) -> Definitions:
    """Assemble the code location.

    Args:
        warehouse_root: warehouse folder (default ``CSW_WAREHOUSE_DIR``).
        raw_dir: landing folder (default ``CSW_RAW_DIR``).
        as_of: optional recorded_at cut-off (ISO 8601) for dbt and the version manifest.
        refresh_manifest: re-run ``dbt parse`` even when a manifest exists (the CLI does, so the
            manifest always matches the dbt code it runs).
    Raises:
        DbtManifestError: dbt parse failed.
    """
    root = Path(warehouse_root or settings.warehouse_dir()).resolve()
    raw = Path(raw_dir or settings.raw_dir()).resolve()
    warehouse = WarehouseResource(root=str(root), raw_dir=str(raw), as_of=as_of)
    project = dbt_project()
    project.prepare_if_dev()
    manifest = ensure_manifest(project, refresh=refresh_manifest, warehouse_root=root, dbt_vars=warehouse.dbt_vars())
    dbt_assets_def = build_dbt_assets(project, manifest)
    return Definitions(
        assets=[*ingest_assets, dbt_assets_def, build_publish_asset(dbt_assets_def)],
        asset_checks=ingest_checks,
        jobs=[nightly_refresh],
        schedules=[nightly_schedule()],
        sensors=[build_raw_files_sensor(raw), build_failure_sensor(root), build_failure_alert_sensor(root),
                 build_freshness_sensor(root)],
        # One process per run: every step holds the single-writer pool anyway, and a subprocess per step
        # (the multiprocess default) reloads the code location each time (~25 s per step on 2 cores).
        executor=in_process_executor,
        resources={
            "warehouse": warehouse,
            "dbt": DbtCliResource(project_dir=project, dbt_executable=dbt_executable()),
        },
    )


defs = make_definitions()
