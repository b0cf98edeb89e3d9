"""SIGTERM stops an in-process ``python -m pipelines refresh`` promptly and cleanly (issue #3).

A real refresh of two demo exports runs in its own process group through ``tests.ops.pause_driver``, which
holds the ingest inside its open transaction (events inserted, ledger row not yet written); the test then
sends SIGTERM to the refresh process only (as systemd or ``kill`` would) and checks: the process exits
with 130 and one clear message, no process of its group (dbt, Dagster's log tailers) is left, nothing is
published, the Dagster run is marked failed, the uncommitted load left no events, the build database is
not locked, and the next refresh publishes v1.
"""

from __future__ import annotations

import json
import os
import signal
import time

from tests.ops.conftest import (
    BASE_FILES,
    current_version,
    event_store_audit,
    group_members,
    land,
    refresh_ok,
    spawn,
    wait_for,
)

EXIT_INTERRUPTED = 130


def test_sigterm_during_ingest_stops_the_refresh_cleanly(demo_exports, tmp_path):
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    for rel in BASE_FILES:
        land(demo_exports, raw, rel)
    marker, log = tmp_path / "paused.json", tmp_path / "refresh.log"
    proc = spawn(["-m", "tests.ops.pause_driver", str(marker), "--", "refresh", "--raw-dir", str(raw),
                  "--warehouse-dir", str(wh)], log)
    try:
        wait_for(marker.exists, 600, "the ingest to pause inside its transaction", alive=proc)
        sent = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        rc = proc.wait(timeout=120)
        stopped_after = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    out = log.read_text(encoding="utf-8", errors="replace")
    assert rc == EXIT_INTERRUPTED, out[-3000:]
    assert "Refresh INTERRUPTED in stage 'ingest'" in out, out[-3000:]
    assert "Nothing new was published; readers still see nothing" in out
    assert "dbt was stopped" not in out  # dbt had not started
    assert "Traceback" not in out
    print(f"refresh stopped {stopped_after:.1f} s after SIGTERM")
    # nothing of the refresh is left running (dbt, Dagster's compute-log tailers)
    wait_for(lambda: not group_members(proc.pid), 30, "the refresh's process group to end")
    # nothing published; the failure is recorded
    assert current_version(wh) is None
    assert not (wh / "serving" / "CURRENT.json").exists()
    assert (wh / "serving" / "LAST_FAILURE.json").exists()
    # the Dagster run is marked failed, not left STARTED
    from dagster import DagsterInstance, DagsterRunStatus

    instance = DagsterInstance.from_config(str(wh / "dagster_home"))
    assert [r.status for r in instance.get_runs()] == [DagsterRunStatus.FAILURE]
    # the load that was interrupted inside its transaction left nothing; the writer lock is free
    paused = json.loads(marker.read_text(encoding="utf-8"))
    audit = event_store_audit(wh)
    assert "loaded" not in audit["ledger"].get(paused["path"], []), audit["ledger"]
    assert audit["events"] == audit["sum_events_written"], audit
    assert audit["orphan_events"] == 0 and not audit["per_load_mismatch"]
    # the next refresh publishes
    refresh_ok(raw, wh)
    assert current_version(wh) == 1
    after = event_store_audit(wh)
    assert after["events"] == after["sum_events_written"] > 0
    assert {p: s for p, s in after["ledger"].items()} == {p: ["loaded"] for p in BASE_FILES}
