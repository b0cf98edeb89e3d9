"""`python -m pipelines retract`: an operator withdraws a wrongly loaded file; nothing is deleted, the reason is
kept, the command refuses what it cannot do (the effect on the marts: tests/dbt/test_dbt_build.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from pipelines.eventstore.retract import RetractError, retract_load
from pipelines.eventstore.store import ensure_schema

PROJECT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


def _ledger(con, load_id: str, path: str, status: str = "loaded", source: str = "demo_faults") -> None:
    con.execute(
        "INSERT INTO events.file_ledger (load_id, sha256, path, source, source_kind, contract_sha256, size_bytes, "
        "status, started_at, recorded_at) VALUES (?, ?, ?, ?, 'facilities', 'c', 1, ?, ?, ?)",
        [load_id, load_id * 2, path, source, status, T0, T0])


@pytest.fixture
def store(tmp_path):
    db = tmp_path / "warehouse" / "build.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    ensure_schema(con)
    _ledger(con, "L1", "demo/faults.csv")
    _ledger(con, "L2", "demo/broken.csv", status="rejected_file")
    _ledger(con, "L3", "demo/twice.csv")
    _ledger(con, "L4", "demo/twice.csv", source="other_contract")
    yield con, db
    con.close()


def test_retraction_is_a_supersession_with_its_reason(store):
    con, _ = store
    done = retract_load(con, "demo/faults.csv", "  wrong   district ", by="ops", now=T0)
    assert (done.load_id, done.reason, done.retraction_id) == ("L1", "wrong district", "R20261102T020000000000Z-L1")
    assert con.execute("SELECT load_id, reason, retracted_by FROM events.load_retractions").fetchall() == [
        ("L1", "wrong district", "ops")]
    assert con.execute("SELECT load_id, superseded_by FROM events.load_supersessions").fetchall() == [
        ("L1", done.retraction_id)]
    assert con.execute("SELECT count(*) FROM events.file_ledger").fetchone() == (4,)  # nothing deleted


@pytest.mark.parametrize(("target", "reason", "message"), [
    ("demo/faults.csv", "   ", "needs a --reason"),
    ("demo/nope.csv", "x", "no load with id or path 'demo/nope.csv'"),
    ("L2", "x", "status 'rejected_file': it never counted"),
    ("demo/twice.csv", "x", "has 2 active loads (L3 (demo_faults), L4 (other_contract))"),
])
def test_refusals_say_why(store, target, reason, message):
    con, _ = store
    with pytest.raises(RetractError, match=message.replace("(", r"\(").replace(")", r"\)")):
        retract_load(con, target, reason)
    assert con.execute("SELECT count(*) FROM events.load_supersessions").fetchone() == (0,)


def test_second_retraction_refused(store):
    con, _ = store
    first = retract_load(con, "L1", "dup")
    with pytest.raises(RetractError, match=f"L1 .demo/faults.csv. is already retracted {first.retraction_id}"):
        retract_load(con, "L1", "again")
    # by path: the same answer, not "no load"
    with pytest.raises(RetractError, match=f"'demo/faults.csv' has no active load: its latest load L1 is already "
                                           f"retracted {first.retraction_id}"):
        retract_load(con, "demo/faults.csv", "again")
    with pytest.raises(RetractError, match="'demo/broken.csv' was never loaded .latest attempt L2: status 'rejected_file'"):
        retract_load(con, "demo/broken.csv", "x")


def test_cli_retract_then_status_shows_it(store):
    con, db = store
    con.close()
    wdir = db.parent
    run = [sys.executable, "-m", "pipelines"]
    out = subprocess.run([*run, "retract", "demo/faults.csv", "--reason", "wrong district", "--warehouse-dir",
                          str(wdir)], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Retracted load L1 (demo/faults.csv" in out.stdout and "at the next refresh" in out.stdout
    again = subprocess.run([*run, "retract", "L1", "--reason", "x", "--warehouse-dir", str(wdir)],
                           cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "error: load L1 (demo/faults.csv) is already retracted R" in again.stderr
    status = subprocess.run([*run, "status", "--json", "--warehouse-dir", str(wdir)],
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    files = {f["load_id"]: f for f in json.loads(status.stdout)["files"]}
    assert files["L1"]["superseded"] and files["L1"]["retracted"]["reason"] == "wrong district"
    assert files["L3"]["retracted"] is None
    text = subprocess.run([*run, "status", "--warehouse-dir", str(wdir)], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120).stdout
    assert "loaded (retracted: wrong district)" in text


def test_status_and_rejects_refuse_a_missing_warehouse_folder(tmp_path):
    """A mistyped --warehouse-dir is an error naming the folder, not "Published: nothing yet" with exit 0."""
    for command in ("status", "rejects"):
        out = subprocess.run([sys.executable, "-m", "pipelines", command, "--warehouse-dir", str(tmp_path / "typo")],
                             cwd=PROJECT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 1 and f"no warehouse folder at {tmp_path / 'typo'}" in out.stderr, out.stderr


def test_a_file_retracted_for_its_contract_loads_again_once_the_contract_is_fixed(tmp_path, monkeypatch):
    """Retract, fix the contract, refresh: the same bytes load under the new contract version (a new load,
    the retracted one stays in the history); under the unchanged contract they stay retracted (skipped)."""
    from tests.ingest.helpers import CALLS_CONTRACT, ingest_all, write
    contracts, raw = tmp_path / "contracts", tmp_path / "raw"
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))
    write(contracts / "calls.yaml", CALLS_CONTRACT.replace("street: {}", "street: {aliases: [Road]}"))  # the export's column is 街道: unmatched
    write(raw / "calls/a.csv", "id,at,街道\n1,2026-03-08 09:00:00,Xinhua\n")
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    ensure_schema(con)
    first = ingest_all(con, raw)["calls/a.csv"]
    assert con.execute("SELECT street FROM events.events").fetchall() == [(None,)]
    retract_load(con, first.load_id, "wrong contract: street not read", by="ops")
    assert ingest_all(con, raw)["calls/a.csv"].skipped  # same contract: stays retracted
    write(contracts / "calls.yaml", CALLS_CONTRACT.replace("street: {}", "street: {aliases: [街道]}"))
    again = ingest_all(con, raw)["calls/a.csv"]
    assert (again.skipped, again.status, again.rows_loaded) == (False, "loaded", 1)
    assert again.load_id != first.load_id
    assert con.execute("SELECT load_id, street FROM events.events ORDER BY recorded_at").fetchall() == [
        (first.load_id, None), (again.load_id, "Xinhua")]
    assert ingest_all(con, raw)["calls/a.csv"].skipped  # and now it is seen
