"""dbt assets: every model and seed of the ``city_safety`` dbt project, built with ``dbt build``.

``dbt build`` runs models and their tests (the audit: a failing test fails the step, so nothing downstream
is published). dbt runs as a subprocess (FAILURE_CLASSES.md #2) with the environment its profile reads
(``CSW_BUILD_DB``, ``CSW_TIMEZONE``, ``CSW_DUCKDB_MEMORY_LIMIT``, ``CSW_DUCKDB_TEMP_DIR``) and, when the
run has a cut-off, ``--vars '{"as_of": "..."}'``. dbt sources in schema ``events`` are the event store
that every ingest asset writes, so each model reading such a source depends on all ``raw_*`` assets.
"""


import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetDep, AssetExecutionContext, AssetsDefinition, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.defs.ingest import INGEST_ASSET_KEYS
from pipelines.defs.resources import WRITER_POOL, WarehouseResource, environment

EVENT_STORE_SCHEMA = "events"
"""Database schema of the event store; dbt sources in it are fed by the ingest assets."""


class CitySafetyTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer folder (staging / intermediate / marts / seeds) and replaces each
    dependency on an event-store source (``source('events', ...)``) with dependencies on every ingest
    asset (``raw_registry`` ... ``raw_sensors``): all five kinds write the same event tables."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec
        fqn = props.get("fqn") or []
        group = "seeds" if props["resource_type"] == "seed" else (fqn[1] if len(fqn) > 2 else "dbt")
        event_keys = {
            super(CitySafetyTranslator, self).get_asset_spec(manifest, up, project).key
            for up in props.get("depends_on", {}).get("nodes", [])
            if up.startswith("source.") and manifest["sources"][up].get("schema") == EVENT_STORE_SCHEMA
        }
        if not event_keys:
            return spec.replace_attributes(group_name=group)
        deps = [d for d in spec.deps if d.asset_key not in event_keys]
        deps += [AssetDep(k) for k in INGEST_ASSET_KEYS]
        return spec.replace_attributes(deps=deps, group_name=group)


def build_dbt_assets(project: DbtProject, manifest: Path | None = None) -> AssetsDefinition:
    """The ``city_safety_dbt`` multi-asset over ``manifest`` (default ``project.manifest_path``; it must
    exist, see :func:`pipelines.defs.dbt_project.ensure_manifest`)."""

    @dbt_assets(
        manifest=manifest or project.manifest_path,
        project=project,
        dagster_dbt_translator=CitySafetyTranslator(),
        name="city_safety_dbt",
        pool=WRITER_POOL,
    )
    def city_safety_dbt(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ) -> Iterator[Any]:
        args = ["build"]
        dbt_vars = warehouse.dbt_vars()
        if dbt_vars:
            args += ["--vars", json.dumps(dbt_vars)]
        target = warehouse.get().tmp_dir / "dbt_target"  # stable: keeps dbt's partial parse between runs
        with environment(warehouse.dbt_env()):
            yield from dbt.cli(args, context=context, target_path=target).stream()

    return city_safety_dbt
