"""The code location loads, wires ingest -> checks -> dbt -> publish, and runs every writer in one pool."""

from __future__ import annotations

import shutil

import pytest
from dagster import AssetKey, Definitions

from pipelines.defs.dbt import build_dbt_assets
from pipelines.defs.dbt_project import DBT_PROJECT_DIR, ensure_manifest
from pipelines.defs.ingest import INGEST_ASSET_KEYS, SOURCE_KINDS
from pipelines.defs.resources import WRITER_POOL

MARTS = ("fct_fault_disposal_daily", "fct_gas_inspection_coverage", "fct_complaint_closure_daily",
         "fct_complaints_received_daily", "fct_sensor_readings_daily", "dim_street", "dim_metric",
         "fct_event_lineage")


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> Definitions:
    from pipelines.definitions import make_definitions

    root = tmp_path_factory.mktemp("defs")
    (root / "raw").mkdir()
    return make_definitions(root / "wh", root / "raw")


def test_definitions_validate_and_module_level_defs_load(defs):
    Definitions.validate_loadable(defs)
    from pipelines.definitions import defs as module_defs  # what workspace.yaml / dagster dev load

    Definitions.validate_loadable(module_defs)


def test_asset_keys_groups_and_lineage(defs):
    graph = defs.get_repository_def().asset_graph
    keys = graph.get_all_asset_keys()
    assert set(INGEST_ASSET_KEYS) <= keys
    assert [k.to_user_string() for k in INGEST_ASSET_KEYS] == [f"raw_{k}" for k in SOURCE_KINDS]
    for k in INGEST_ASSET_KEYS:
        assert graph.get(k).group_name == "ingest"
    mart_keys = {AssetKey(["marts", m]) for m in MARTS}
    assert mart_keys <= keys, mart_keys - keys
    assert all(graph.get(k).group_name == "marts" for k in mart_keys)

    # every model reading the event store depends on all five ingest assets, nothing on raw sources
    readers = [k for k in keys if set(INGEST_ASSET_KEYS) & graph.get(k).parent_keys]
    assert readers, "no dbt model depends on the ingest assets"
    for k in readers:
        assert set(INGEST_ASSET_KEYS) <= graph.get(k).parent_keys, k
    assert not [k for k in keys if k.path[0] == "events"], "event-store sources must not appear as assets"

    snapshot = graph.get(AssetKey("serving_snapshot"))
    assert snapshot.group_name == "publish"
    dbt_keys = {k for k in keys if k.path[0] in ("staging", "intermediate", "marts", "seeds")}
    assert snapshot.parent_keys == dbt_keys


def test_ingest_checks_are_blocking_and_everything_writes_in_one_pool(defs):
    graph = defs.get_repository_def().asset_graph
    for k in INGEST_ASSET_KEYS:
        specs = {c.name: graph.get_check_spec(c) for c in graph.asset_check_keys if c.asset_key == k}
        assert set(specs) == {"ledger_reconciles", "reject_ratio_under_threshold", "no_rejected_files"}
        assert specs["ledger_reconciles"].blocking and specs["reject_ratio_under_threshold"].blocking
        assert not specs["no_rejected_files"].blocking

    job = defs.resolve_job_def("nightly_refresh")
    assert job.tags.get("csw/writer") == "build.duckdb"
    nodes = {n.name: n.definition for n in job.graph.nodes}
    assert {"raw_complaints", "city_safety_dbt", "serving_snapshot",
            "raw_complaints_reject_ratio_under_threshold"} <= set(nodes)
    assert {name: d.pool for name, d in nodes.items()} == dict.fromkeys(nodes, WRITER_POOL)
    selected = job.asset_layer.selected_asset_keys
    assert selected == defs.get_repository_def().asset_graph.materializable_asset_keys


def test_schedule_and_sensors_are_registered(defs):
    repo = defs.get_repository_def()
    assert repo.get_schedule_def("nightly_refresh_schedule").cron_schedule == "0 2 * * *"
    assert {s.name for s in repo.sensor_defs} == {"raw_files_sensor", "refresh_failure_sensor",
                                                  "refresh_failure_alert_sensor", "freshness_alert_sensor"}


def test_fresh_clone_builds_its_manifest(tmp_path):
    """FAILURE_CLASSES.md #4: without dbt/target the code location still loads (dbt parse runs)."""
    from dagster_dbt import DbtProject

    clone = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, clone, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"))
    project = DbtProject(project_dir=clone, profiles_dir=clone)
    assert not project.manifest_path.exists()
    ensure_manifest(project, warehouse_root=tmp_path / "wh")
    assert project.manifest_path.exists()
    assets = build_dbt_assets(project)
    assert AssetKey(["marts", "fct_fault_disposal_daily"]) in assets.keys
    assert not (tmp_path / "wh" / "build.duckdb").exists(), "dbt parse must not open the database"


def test_one_ingest_asset_per_contract_kind():
    """A contract kind without an ingest asset would never be loaded: keep the two lists equal."""
    from typing import get_args

    from pipelines.ingest.contract import Contract, load_contracts

    assert set(SOURCE_KINDS) == set(get_args(Contract.model_fields["kind"].annotation))
    assert {c.kind for c in load_contracts()} <= set(SOURCE_KINDS)
