"""When may a refresh skip dbt and publish? Only when the current version was built from the same inputs.

On a copy of the real baseline warehouse (one real refresh, v1 published): the recorded fingerprint matches
until the ledger, the supersessions or the dbt project change, or another version becomes current; a changed
dbt project also asks for ``--full-refresh`` and drops the data tests' scope (pipelines/defs/build_state.py).
"""

from __future__ import annotations

import shutil

import duckdb

from pipelines.defs import build_state
from pipelines.defs.dbt_project import DBT_PROJECT_DIR, project_files_hash
from pipelines.warehouse import Warehouse
from tests.ops.conftest import copy_warehouse


def _fingerprint(wh: Warehouse, project_hash: str) -> str:
    return build_state.inputs_fingerprint(wh, project_hash, None)


def test_skip_only_while_the_current_version_has_the_same_inputs(baseline, tmp_path):
    wh = Warehouse(copy_warehouse(baseline, tmp_path / "wh"))
    project = project_files_hash(DBT_PROJECT_DIR)
    state = build_state.read_state(wh)
    assert state["published"] == {"fingerprint": state["built"], "version": 1}
    assert not build_state.needs_full_refresh(wh, project)
    assert build_state.tested_through(wh, project) == state["tested_through"] == build_state.ledger_high_water(wh)

    current = build_state.up_to_date_version(wh, _fingerprint(wh, project))
    assert current is not None and current["version"] == 1
    # an as-of build, another zone or another dbt project is another fingerprint
    assert build_state.inputs_fingerprint(wh, project, "2026-01-01 00:00:00+08:00") != _fingerprint(wh, project)
    assert build_state.up_to_date_version(wh, _fingerprint(wh, "other dbt code")) is None

    # a new load in the ledger (even a refused file) means new inputs
    con = duckdb.connect(str(wh.build_db))
    try:
        con.execute("INSERT INTO events.file_ledger (load_id, sha256, path, source, source_kind, contract_sha256, "
                    "size_bytes, status, started_at, recorded_at) SELECT 'new', 'x', 'demo/new.csv', source, "
                    "source_kind, contract_sha256, 1, 'rejected_file', now(), now() FROM events.file_ledger LIMIT 1")
    finally:
        con.close()
    assert build_state.up_to_date_version(wh, _fingerprint(wh, project)) is None
    assert build_state.ledger_high_water(wh) > state["tested_through"]


def test_no_skip_after_another_version_became_current_or_the_state_was_lost(baseline, tmp_path):
    wh = Warehouse(copy_warehouse(baseline, tmp_path / "wh"))
    project = project_files_hash(DBT_PROJECT_DIR)
    fingerprint = _fingerprint(wh, project)
    build_state.record_published(wh, 7)  # e.g. v7 published, then `rollback` made v1 current again
    assert build_state.up_to_date_version(wh, fingerprint) is None
    (wh.tmp_dir / build_state.STATE_FILE).unlink()
    assert build_state.up_to_date_version(wh, fingerprint) is None
    assert build_state.needs_full_refresh(wh, project) and build_state.tested_through(wh, project) is None


def test_a_changed_dbt_file_changes_the_project_hash(tmp_path):
    copy = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    assert project_files_hash(copy) == project_files_hash(DBT_PROJECT_DIR)
    (copy / "logs").mkdir()
    (copy / "logs" / "dbt.log").write_text("not part of the project", encoding="utf-8")
    assert project_files_hash(copy) == project_files_hash(DBT_PROJECT_DIR)
    model = copy / "models" / "marts" / "dim_street.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    assert project_files_hash(copy) != project_files_hash(DBT_PROJECT_DIR)
