"""Fault tests on real processes: kill -9 in the middle of the ingest and in the middle of dbt build, then
the next refresh; ten dashboard sessions read the serving copy the whole time.

One story (module fixture), observed at every step:
1. a copy of the session's baseline warehouse (real refresh of two demo exports -> v1);
2. ten dashboard sessions start (threads calling ``dashboards/data.py``, half of them holding a read-only
   connection open across reads, as Streamlit sessions in one server process do);
3. a third export lands; a refresh is paused by ``tests/ops/pause_driver.py`` after the file's events are
   inserted in the ingest transaction but before ledger + commit, and killed with SIGKILL;
4. a refresh runs until dbt has finished some models (watched in dbt's log), and is killed with SIGKILL
   (the refresh process and its dbt subprocess);
5. the next refresh runs normally and must publish v2 with the third export loaded exactly once.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from tests.ops.conftest import (
    BASE_FILES,
    copy_warehouse,
    current_version,
    event_store_audit,
    kill9_group,
    land,
    refresh_ok,
    serving_state,
    spawn,
    wait_for,
)

NEW_FILE = "demo/hotline_tips.csv"
SESSIONS = 10


@dataclass
class Session:
    """One simulated dashboard session: what it saw and every error it got."""

    name: str
    hold_connection: bool
    versions: list[tuple[float, int]] = field(default_factory=list)
    ledger_rows: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reads: int = 0


def _session_loop(wh: Path, s: Session, stop: threading.Event) -> None:
    from dashboards import data

    held: tuple[int, duckdb.DuckDBPyConnection] | None = None
    while not stop.is_set():
        try:
            snap = data.current_snapshot(wh)
            s.versions.append((time.monotonic(), snap.version))
            ledger = data.file_ledger(snap)  # cached on (file, version) like the pages
            s.ledger_rows[snap.version] = len(ledger)
            n = data.run_query(str(snap.path), "SELECT count(*) AS n FROM ops.file_ledger")["n"].iloc[0]
            assert int(n) == len(ledger), f"uncached {n} != cached {len(ledger)} rows for v{snap.version}"
            if s.hold_connection:  # a session keeping its connection open across reads
                if held is None or held[0] != snap.version:
                    if held:
                        held[1].close()
                    held = (snap.version, duckdb.connect(str(snap.path), read_only=True))
                held[1].execute("SELECT count(*) FROM ops.events").fetchone()
            s.reads += 1
        except Exception as exc:  # every error counts: lock errors, RefreshInProgress, missing files
            s.errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.3)
    if held:
        held[1].close()


@dataclass
class Story:
    """What the fault story observed (see the module docstring)."""

    wh: Path
    raw: Path
    baseline_serving: dict[str, str]
    baseline_audit: dict
    after_ingest_kill: dict = field(default_factory=dict)
    ingest_marker: dict = field(default_factory=dict)
    serving_after_ingest_kill: dict[str, str] = field(default_factory=dict)
    after_dbt_kill: dict = field(default_factory=dict)
    dbt_log_tail: str = ""
    serving_after_dbt_kill: dict[str, str] = field(default_factory=dict)
    killed_pids: list[list[int]] = field(default_factory=list)
    recovery_stdout: str = ""
    after_recovery: dict = field(default_factory=dict)
    recovery_started: float = 0.0
    published_at: float = 0.0
    sessions: list[Session] = field(default_factory=list)


@pytest.fixture(scope="module")
def story(demo_exports, baseline, tmp_path_factory) -> Story:
    root = tmp_path_factory.mktemp("faults")
    raw, wh = root / "raw", copy_warehouse(baseline, root / "wh")
    for rel in BASE_FILES:
        land(demo_exports, raw, rel)
    assert current_version(wh) == 1
    st = Story(wh=wh, raw=raw, baseline_serving=serving_state(wh), baseline_audit=event_store_audit(wh))

    from dashboards import data  # noqa: F401 (imported once before the threads use it)

    stop = threading.Event()
    st.sessions = [Session(f"session-{i}", hold_connection=i % 2 == 0) for i in range(SESSIONS)]
    threads = [threading.Thread(target=_session_loop, args=(wh, s, stop), daemon=True) for s in st.sessions]
    for t in threads:
        t.start()
    try:
        # 3. kill -9 inside the ingest transaction of the new file
        land(demo_exports, raw, NEW_FILE)
        marker = root / "paused.json"
        proc = spawn(["-m", "tests.ops.pause_driver", str(marker), "--", "refresh", "--raw-dir", str(raw),
                      "--warehouse-dir", str(wh)], root / "ingest_kill.log")
        wait_for(marker.exists, 300, "the ingest to pause inside its transaction", alive=proc)
        st.ingest_marker = json.loads(marker.read_text(encoding="utf-8"))
        st.killed_pids.append(kill9_group(proc))
        st.after_ingest_kill = event_store_audit(wh)
        st.serving_after_ingest_kill = serving_state(wh)

        # 4. kill -9 in the middle of dbt build
        dbt_log = wh / "tmp" / "dbt_target" / "dbt.log"
        offset = dbt_log.stat().st_size
        proc = spawn(["-m", "pipelines", "refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh)],
                     root / "dbt_kill.log")

        start_inode = dbt_log.stat().st_ino

        def dbt_log_since() -> str:
            """dbt's log written since the spawn; dbt rotates dbt.log at 10 MB (to dbt.log.1), so the old
            file is read from ``offset`` wherever it now is and a new dbt.log from its start."""
            text = ""
            for path in (dbt_log.with_name("dbt.log.1"), dbt_log):
                try:
                    inode = path.stat().st_ino
                except FileNotFoundError:
                    continue
                if inode == start_inode or path == dbt_log:
                    with open(path, "rb") as fh:
                        fh.seek(offset if inode == start_inode else 0)
                        text += fh.read().decode("utf-8", "replace")
            return text

        wait_for(lambda: dbt_log_since().count("Finished running node model.") >= 3, 400,
                 "dbt to finish three models", interval=0.05, alive=proc)
        st.killed_pids.append(kill9_group(proc))
        st.dbt_log_tail = dbt_log_since()
        st.after_dbt_kill = event_store_audit(wh)
        st.serving_after_dbt_kill = serving_state(wh)

        # 5. the next refresh
        st.recovery_started = time.monotonic()
        st.recovery_stdout = refresh_ok(raw, wh)
        st.published_at = time.monotonic()
        st.after_recovery = event_store_audit(wh)
        time.sleep(2)  # let every session read the new version at least once
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    return st


def _consistent(audit: dict) -> None:
    assert audit["events"] == audit["sum_events_written"], "events count != sum of ledger events_written"
    assert audit["per_load_mismatch"] == [], f"loads whose events differ from events_written: {audit['per_load_mismatch']}"
    assert audit["orphan_events"] == 0, "events without a ledger row (a half load)"


def test_kill_during_ingest_leaves_no_partial_load(story: Story):
    marker = story.ingest_marker
    assert marker["path"] == NEW_FILE
    assert marker["events_in_transaction"] > 0 and marker["events_in_transaction"] == marker["events_written"], \
        "the kill must come after the file's events were inserted (mid-transaction)"
    audit = story.after_ingest_kill
    _consistent(audit)
    assert NEW_FILE not in audit["ledger"], "a killed load must leave no ledger row"
    assert audit["events"] == story.baseline_audit["events"], "uncommitted events became visible"
    assert story.serving_after_ingest_kill == story.baseline_serving, "the serving copy changed after a killed run"
    assert len(story.killed_pids[0]) >= 1


def test_kill_during_dbt_leaves_serving_copy_unchanged(story: Story):
    assert "Finished running node model." in story.dbt_log_tail
    assert "FinishedRunningStats" not in story.dbt_log_tail, "dbt finished before the kill: not a mid-dbt kill"
    assert len(story.killed_pids[1]) >= 2, "the refresh and its dbt subprocess are both killed"
    audit = story.after_dbt_kill
    _consistent(audit)
    assert audit["ledger"][NEW_FILE] == ["loaded"], "the ingest before dbt committed the file once"
    assert story.serving_after_dbt_kill == story.baseline_serving, "the serving copy changed after a killed run"
    assert current_version(story.wh) is not None


def test_next_run_completes_exactly_once(story: Story):
    assert "Published v000002" in story.recovery_stdout
    assert current_version(story.wh) == 2
    audit = story.after_recovery
    _consistent(audit)
    assert audit["ledger"][NEW_FILE] == ["loaded"], "loaded exactly once"
    assert all(n == 1 for n in audit["loaded_sha"].values()), "some content loaded twice"
    assert audit["events"] > story.baseline_audit["events"]
    con = duckdb.connect(str(story.wh / "serving" / "v000002.duckdb"), read_only=True)
    try:
        served = dict(con.execute("SELECT path, count(*) FROM ops.file_ledger GROUP BY 1").fetchall())
        events_written = con.execute("SELECT sum(events_written) FROM ops.file_ledger WHERE status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    assert served == {**{p: 1 for p in BASE_FILES}, NEW_FILE: 1}
    assert events_written == audit["events"]
    # the two killed CLI runs were marked failed by the next refresh, which succeeded
    from dagster import DagsterInstance, DagsterRunStatus

    instance = DagsterInstance.from_config(str(story.wh / "dagster_home"))
    statuses = [r.status for r in instance.get_runs()][::-1]  # oldest first
    assert statuses == [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.FAILURE,
                        DagsterRunStatus.SUCCESS]


def test_ten_dashboard_sessions_never_fail_and_see_the_new_version(story: Story):
    assert len(story.sessions) == SESSIONS
    for s in story.sessions:
        assert s.errors == [], f"{s.name} got errors: {s.errors[:3]}"
        assert s.reads >= 10, f"{s.name} read only {s.reads} times"
        seen = [v for _, v in s.versions]
        assert seen == sorted(seen), f"{s.name} saw versions going back: {seen}"
        assert seen[0] == 1 and seen[-1] == 2, f"{s.name} did not see v1 then v2 without a restart"
        before = [v for t, v in s.versions if t < story.recovery_started]
        assert set(before) == {1}, "a killed run changed what readers saw"
        assert s.ledger_rows[2] == s.ledger_rows[1] + 1, "v2's ledger shows the new file"
