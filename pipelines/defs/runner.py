"""Run the ``nightly_refresh`` job in this process against the warehouse's Dagster instance.

Used by ``python -m pipelines refresh``: the run is recorded in ``<warehouse>/dagster_home`` (visible in
``dagster dev`` with the same home), its steps respect the ``duckdb_writer`` pool, and the outcome is
summarized for people (files loaded / rejected, version published, or the failing stage and why).

Stopping (SIGINT / Ctrl+C, SIGTERM): inside :func:`stop_on_signals` a signal before or after the Dagster run
raises :class:`RefreshInterrupted` (a ``dbt parse`` child is killed by ``subprocess.run``); during the run
Dagster's own handler interrupts the running step (the ingest transaction rolls back, dagster-dbt forwards
SIGINT to ``dbt build``) and marks the run failed. Either way no dbt child outlives the run
(``pipelines.defs.dbt.stop_process`` when the dbt step ends), the build database is closed (the writer lock released), publish is atomic
(``pipelines.publish.publish``: the pointer switches last), and :class:`RefreshOutcome` says ``interrupted``.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from dagster import DagsterEvent, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from pipelines import settings
from pipelines.defs.failures import RunFailure, summarize_failure
from pipelines.defs.ingest import INGEST_ASSET_KEYS
from pipelines.defs.publish import SERVING_SNAPSHOT
from pipelines.defs.schedules import NIGHTLY_JOB
from pipelines.publish import read_current, record_failure
from pipelines.warehouse import Warehouse, WarehouseBusyError, is_lock_error

DAGSTER_YAML_TEMPLATE = settings.PROJECT_ROOT / "dagster.yaml"
CLI_TAG = "csw/launched_by"
PID_TAG = "csw/pid"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
INTERRUPTED_PROBLEM = "stopped by SIGINT (Ctrl+C) or SIGTERM: the run was interrupted"


class RefreshInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived outside the Dagster run (while preparing or summarizing a refresh).

    A ``KeyboardInterrupt`` so that ``except Exception`` handlers let it through. ``signal_name``:
    ``SIGINT`` or ``SIGTERM``.
    """

    def __init__(self, signum: int):
        self.signal_name = signal.Signals(signum).name
        super().__init__(self.signal_name)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise :class:`RefreshInterrupted` in the main thread (previous
    handlers restored on exit; a no-op outside the main thread). ``execute_in_process`` installs Dagster's
    own handler for the run's duration and restores this one afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise RefreshInterrupted(signum)

    saved = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)


@dataclass
class RefreshOutcome:
    """Result of one refresh run.

    ``ingest``: per ingest asset (``raw_complaints`` ...) its totals (files_loaded, files_skipped,
    files_rejected, rows_loaded, rows_rejected ...); ``published``: the new CURRENT.json pointer or None;
    ``failure``: why the run failed, or None; ``unmatched``: raw files matched by no contract;
    ``interrupted``: SIGINT/SIGTERM stopped the run (``success`` False, the run failed in Dagster);
    ``up_to_date``: the CURRENT.json pointer when the run succeeded without building or publishing because
    that version already holds every load and the same dbt code (``pipelines.defs.build_state``), else None.
    """

    run_id: str | None
    success: bool
    ingest: dict[str, dict[str, int]] = field(default_factory=dict)
    published: dict[str, Any] | None = None
    failure: RunFailure | None = None
    unmatched: list[str] = field(default_factory=list)
    interrupted: bool = False
    up_to_date: dict[str, Any] | None = None


def instance_for(warehouse: Warehouse) -> DagsterInstance:
    """The persistent Dagster instance in ``<warehouse>/dagster_home`` (dagster.yaml installed if missing).

    Sets ``DAGSTER_HOME`` for this process.
    """
    warehouse.ensure()
    config = warehouse.dagster_home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(DAGSTER_YAML_TEMPLATE, config)
    os.environ["DAGSTER_HOME"] = str(warehouse.dagster_home)
    return DagsterInstance.get()


def release_dead_cli_runs(instance: DagsterInstance) -> list[str]:
    """Mark CLI runs whose process died (kill -9, power loss) as failed and free their pool slots.

    Without this, a killed refresh would hold the ``duckdb_writer`` slot and block every later run.
    Returns the run ids released.
    """
    released = []
    active = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED]
    for run in instance.get_runs(filters=RunsFilter(statuses=active, tags={CLI_TAG: "cli"})):
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        if pid and _alive(pid):
            continue
        instance.report_run_failed(run, "the refresh process ended without finishing the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_not_busy(warehouse: Warehouse) -> None:
    """Raise WarehouseBusyError when another process holds ``build.duckdb`` (a refresh is running)."""
    if not warehouse.build_db.exists():
        return
    try:
        duckdb.connect(str(warehouse.build_db)).close()
    except duckdb.IOException as exc:
        if is_lock_error(exc):
            raise WarehouseBusyError(
                f"{warehouse.build_db} is held by another process: refresh in progress, try again later"
            ) from exc
        raise


def run_refresh(
    warehouse_root: Path, raw_dir: Path, as_of: str | None = None, *, log_level: str = "WARNING"
) -> RefreshOutcome:
    """Run ``nightly_refresh`` (ingest -> checks -> dbt build -> publish) in process; never raises for a
    failed stage (see ``RefreshOutcome.failure``; LAST_FAILURE.json is written). When nothing new was loaded
    and the dbt code is unchanged, dbt and publish are skipped (``RefreshOutcome.up_to_date``).

    Raises:
        FileNotFoundError: ``raw_dir`` does not exist; :class:`NothingToLoad` (a subclass) when no file in it
            matches a contract and nothing was ever published.
        ValueError: ``as_of`` is not ISO 8601.
        WarehouseBusyError: another refresh holds the build database.
        RefreshInterrupted: (inside :func:`stop_on_signals`) SIGINT/SIGTERM before the Dagster run started.
    """
    from pipelines.definitions import make_definitions  # heavy import: only when refreshing

    wh = Warehouse(Path(warehouse_root).resolve()).ensure()
    raw = Path(raw_dir).resolve()
    if not raw.is_dir():
        raise FileNotFoundError(f"raw folder {raw} does not exist")
    if as_of:
        settings.parse_as_of(as_of)
    _refuse_nothing_to_load(wh, raw)
    ensure_not_busy(wh)
    instance = instance_for(wh)
    release_dead_cli_runs(instance)

    started = time.time()
    try:
        defs = make_definitions(wh.root, raw, as_of=as_of, refresh_manifest=True)
    except Exception as exc:
        failure = RunFailure(stage="dbt parse", problems=[f"{type(exc).__name__}: {exc}"])
        record_failure(wh, failure.stage, failure.message)
        return RefreshOutcome(run_id=None, success=False, failure=failure)
    job = defs.resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags={CLI_TAG: "cli", PID_TAG: str(os.getpid()), "csw/trigger": "cli"},
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    outcome = RefreshOutcome(run_id=result.run_id, success=result.success)
    outcome.ingest, outcome.published = _materialization_summary(result.all_events)
    outcome.unmatched = _unmatched(raw)
    if result.success and outcome.published is None:  # the dbt step found the current version up to date
        outcome.up_to_date = read_current(wh)
    if not result.success:
        outcome.failure = summarize_failure(result.all_events, dbt_target=wh.tmp_dir / "dbt_target", since=started,
                                            build_db=wh.build_db)
        outcome.interrupted = _interrupted(result.all_events)
        if outcome.interrupted:
            outcome.failure = RunFailure(stage=outcome.failure.stage, problems=[INTERRUPTED_PROBLEM])
        if outcome.failure.stage != "publish":  # publish wrote its own, more precise record
            record_failure(wh, outcome.failure.stage, outcome.failure.message, run_id=result.run_id)
    return outcome


class NothingToLoad(FileNotFoundError):
    """No file in the raw folder matches a source contract and nothing was ever published: most likely
    ``--raw-dir`` names the wrong folder. Refusing beats publishing an empty warehouse with exit 0."""


def _refuse_nothing_to_load(wh: Warehouse, raw: Path) -> None:
    """Raise :class:`NothingToLoad` when ``raw`` has no file any contract matches and no version was published."""
    if read_current(wh) is not None:
        return  # a published warehouse with no new file is a normal quiet night
    from pipelines.ingest.load import plan

    matched, unmatched = plan(raw)
    if not matched:
        shown = ", ".join(p.relative_to(raw).as_posix() for p in unmatched[:3])
        raise NothingToLoad(
            f"no file under {raw} matches a source contract ({len(unmatched)} other file(s){': ' + shown if shown else ''}"
            f"{', ...' if len(unmatched) > 3 else ''}) and nothing was published yet: is --raw-dir the folder the "
            f"contracts expect (the one holding demo/, la311/ ...)? Nothing was loaded or published.")


def _interrupted(events: list[DagsterEvent]) -> bool:
    """True when a step or the run itself was stopped by an interrupt (SIGINT/SIGTERM) or cancelled."""
    for ev in events:
        data = ev.event_specific_data
        if ev.event_type == DagsterEventType.RUN_CANCELED:
            return True
        if ev.event_type == DagsterEventType.STEP_FAILURE and getattr(getattr(data, "error_source", None),
                                                                      "value", None) == "INTERRUPT":
            return True
        if ev.event_type == DagsterEventType.RUN_FAILURE and getattr(getattr(data, "failure_reason", None),
                                                                     "value", None) == "UNEXPECTED_TERMINATION":
            return True
    return False


def _materialization_summary(events: list[DagsterEvent]) -> tuple[dict[str, dict[str, int]], dict[str, Any] | None]:
    ingest: dict[str, dict[str, int]] = {}
    published = None
    ingest_names = {k.to_user_string() for k in INGEST_ASSET_KEYS}
    for ev in events:
        if ev.event_type != DagsterEventType.ASSET_MATERIALIZATION:
            continue
        mat = ev.event_specific_data.materialization
        name = mat.asset_key.to_user_string()
        values = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        if name in ingest_names:
            ingest[name] = {k: v for k, v in values.items() if isinstance(v, int)}
        elif name == SERVING_SNAPSHOT:
            published = values
    return ingest, published


def _unmatched(raw: Path) -> list[str]:
    try:
        from pipelines.ingest.load import unmatched_files
    except ImportError:
        return []
    return [str(p) for p in unmatched_files(raw)]
