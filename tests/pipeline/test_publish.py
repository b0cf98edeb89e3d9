"""Write-audit-publish on real DuckDB files: serving copy, manifest, atomic pointer, rollback, failures."""

from __future__ import annotations

import errno
import json
from datetime import datetime

import duckdb
import pytest

from pipelines import publish as pub
from pipelines.publish import (
    NothingPublishedError,
    PublishError,
    RollbackError,
    current_serving,
    publish,
    read_current,
    read_last_failure,
    rollback,
)
from pipelines.warehouse import Warehouse


def _serving_files(wh: Warehouse) -> list[str]:
    return sorted(p.name for p in wh.serving_dir.iterdir() if p.is_file())


def test_publish_copies_marts_and_ops_into_a_new_read_only_version(built_warehouse: Warehouse):
    wh = built_warehouse
    pointer = publish(wh)

    assert pointer["version"] == 1 and pointer["file"] == "v000001.duckdb"
    assert read_current(wh) == pointer
    published_at = datetime.fromisoformat(pointer["published_at"])
    assert published_at.utcoffset().total_seconds() == 8 * 3600 and pointer["published_at"].endswith("+08:00")

    pointer2, path = current_serving(wh)
    assert pointer2 == pointer and path == wh.serving_dir / "v000001.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {(s, t) for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
        # every table and view of main_marts became a table in schema marts
        assert {("marts", "dim_street"), ("marts", "fct_fault_disposal_daily"), ("marts", "fct_event_lineage"),
                ("marts", "v_streets_per_source")} <= tables
        assert {("ops", "file_ledger"), ("ops", "rejected_rows"), ("ops", "load_supersessions"),
                ("ops", "load_retractions"), ("ops", "publish_info")} <= tables
        assert con.execute("SELECT streets FROM marts.v_streets_per_source").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM ops.rejected_rows").fetchone() == (3,)
        # ops.events is the lineage mart, resolvable when the file is opened on its own
        assert con.execute("SELECT count(*) FROM ops.events").fetchone() == (7,)
        assert con.execute("SELECT version FROM ops.publish_info").fetchone() == (1,)

    manifest = json.loads((wh.manifests_dir / "v000001.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 1 and manifest["published_at"] == pointer["published_at"]
    assert manifest["row_counts"]["marts.fct_fault_disposal_daily"] == 15
    assert manifest["row_counts"]["ops.file_ledger"] == 2
    assert [l["load_id"] for l in manifest["loads_included"]] == ["L1", "L2"]
    assert manifest["code_version"] == pointer["code_version"] != ""
    assert not wh.last_failure.exists()
    assert not [n for n in _serving_files(wh) if n.startswith(".")], "no temp files left behind"


def test_as_of_limits_loads_included(built_warehouse: Warehouse):
    from pipelines.settings import parse_as_of

    pointer = publish(built_warehouse, as_of=parse_as_of("2026-03-10T02:30:00"))
    manifest = pub.read_manifest(built_warehouse, pointer["version"])
    assert pointer["as_of"] == "2026-03-10T02:30:00+08:00"
    assert [l["load_id"] for l in manifest["loads_included"]] == ["L1"]  # L2 was recorded at 03:00


def test_versions_increase_old_ones_are_pruned_and_rollback_switches_pointer(built_warehouse, monkeypatch):
    wh = built_warehouse
    monkeypatch.setenv("CSW_KEEP_VERSIONS", "2")
    reader = duckdb.connect(str(wh.serving_dir / publish(wh)["file"]), read_only=True)  # a dashboard reading v1
    try:
        with wh.connect_build() as con:
            con.execute("INSERT INTO main_marts.dim_street VALUES ('licheng', '新街道')")
        assert publish(wh)["version"] == 2  # a reader of v1 does not block publishing v2
        assert reader.execute("SELECT count(*) FROM marts.dim_street").fetchone() == (3,)
    finally:
        reader.close()
    assert publish(wh)["version"] == 3
    assert pub.published_versions(wh) == [2, 3]  # keep 2: v1 pruned with its manifest
    assert not (wh.manifests_dir / "v000001.json").exists()

    back = rollback(wh)
    assert back["version"] == 2 and back["rolled_back_from"] == 3
    assert read_current(wh)["file"] == "v000002.duckdb"
    with pytest.raises(RollbackError, match="no kept version older"):
        rollback(wh)
    with pytest.raises(RollbackError, match="not kept"):
        rollback(wh, 1)
    assert rollback(wh, 3)["version"] == 3
    with pytest.raises(RollbackError, match="already the current"):
        rollback(wh, 3)
    # after a rollback the next publish still gets a fresh number
    rollback(wh, 2)
    assert publish(wh)["version"] == 4
    assert pub.published_versions(wh) == [3, 4]


def test_failure_during_copy_keeps_current_and_records_last_failure(built_warehouse, monkeypatch):
    wh = built_warehouse
    first = publish(wh)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pub, "_copy_into", disk_full)
    with pytest.raises(PublishError) as info:
        publish(wh)
    assert info.value.stage == "copy" and info.value.version == 2
    assert "No space left on device" in str(info.value) and "still see v000001" in str(info.value)
    assert read_current(wh) == first
    failure = read_last_failure(wh)
    assert failure["stage"] == "copy" and "No space left" in failure["message"]
    assert failure["failed_at"].endswith("+08:00") and failure["version_attempted"] == 2
    assert _serving_files(wh) == ["CURRENT.json", "LAST_FAILURE.json", "v000001.duckdb"]

    monkeypatch.undo()
    monkeypatch.setenv("CSW_TIMEZONE", "Asia/Shanghai")
    assert publish(wh)["version"] == 2
    assert read_last_failure(wh) is None  # removed by the next good publish


def test_failure_writing_manifest_removes_the_new_serving_file(built_warehouse, monkeypatch):
    wh = built_warehouse
    real = pub._write_json_atomic

    def fail_on_manifest(path, obj):
        if path.parent == wh.manifests_dir:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real(path, obj)

    monkeypatch.setattr(pub, "_write_json_atomic", fail_on_manifest)
    with pytest.raises(PublishError, match="stage 'manifest'.*Permission denied"):
        publish(wh)
    assert read_current(wh) is None
    assert _serving_files(wh) == ["LAST_FAILURE.json"]
    assert read_last_failure(wh)["stage"] == "manifest"


def test_publish_refuses_a_build_without_marts(tmp_path):
    wh = Warehouse(tmp_path / "wh").ensure()
    wh.connect_build().close()
    with pytest.raises(PublishError, match="no tables in schema main_marts"):
        publish(wh)
    assert read_current(wh) is None and read_last_failure(wh)["stage"] == "copy"


def test_current_serving_and_rollback_when_nothing_published(tmp_path):
    wh = Warehouse(tmp_path / "wh").ensure()
    with pytest.raises(NothingPublishedError, match="nothing published yet"):
        current_serving(wh)
    with pytest.raises(NothingPublishedError):
        rollback(wh)
