"""Sensors: start ``nightly_refresh`` when new raw content lands; record failed runs in LAST_FAILURE.json.

``raw_files_sensor`` decides by content, never by modification time (FAILURE_CLASSES.md #22): its cursor
is the set of sha256 fingerprints already seen, so a file copied with ``cp -p`` (old mtime) still
triggers, and touching a file without changing it does not. To avoid re-hashing every file on every
tick, the cursor also caches each path's sha256 under its (size, mtime_ns, ctime_ns, inode) stat; any
write changes ctime, which a copy cannot preserve, so a stale cache entry cannot hide new content.
Files named ``.*``, ``~$*``, ``*.part``, ``*.tmp``, ``*.crdownload`` are ignored: copy into ``raw/``
under such a name and rename when complete. Documentation (``.md``, ``.txt``, ``.yaml``) is ignored as
by the ingest, unless a contract's pattern names the suffix (a fixed-width ``*.txt`` export).
"""


import hashlib
import json
import os
from pathlib import Path
from typing import Any

from dagster import (
    DagsterEventType,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from pipelines.defs.failures import summarize_failure
from pipelines.defs.schedules import NIGHTLY_JOB, nightly_refresh
from pipelines.ingest.contract import ContractError, load_contracts
from pipelines.ingest.load import IGNORED_SUFFIXES, matching_contracts
from pipelines.publish import record_failure
from pipelines.warehouse import Warehouse

_IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload")


def is_candidate(rel: Path, contracts: list | None = None) -> bool:
    """True for files the sensor considers: no hidden part, no Office lock file, no partial download, no
    documentation (.md, .txt, .yaml) unless a contract reads it, exactly as the ingest decides
    (``pipelines.ingest.load.matching_contracts``). ``contracts``: the loaded contracts (None: load them)."""
    if any(part.startswith(".") for part in rel.parts):
        return False
    if rel.name.startswith("~$") or rel.name.lower().endswith(_IGNORED_SUFFIXES):
        return False
    if rel.suffix.lower() not in IGNORED_SUFFIXES:
        return True
    if contracts is None:
        try:
            contracts = load_contracts()
        except ContractError:  # the refresh reports a broken contract; a documentation file never triggers one
            return False
    return bool(matching_contracts(rel.as_posix(), contracts))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint_folder(raw_dir: Path, stat_cache: dict[str, list] | None = None) -> tuple[dict[str, str], dict[str, list]]:
    """Fingerprint every candidate file under ``raw_dir``.

    Returns ``({relative_path: sha256}, new_stat_cache)``; ``stat_cache`` maps a path to
    ``[size, mtime_ns, ctime_ns, inode, sha256]`` and is only used to skip re-hashing unchanged files.
    """
    stat_cache = stat_cache or {}
    shas: dict[str, str] = {}
    cache: dict[str, list] = {}
    if not raw_dir.is_dir():
        return shas, cache
    try:  # once per scan, for the documentation-suffixed files (is_candidate)
        contracts = load_contracts()
    except ContractError:
        contracts = []
    for root, dirs, files in os.walk(raw_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(raw_dir)
            if not is_candidate(rel, contracts):
                continue
            try:
                st = path.stat()
            except FileNotFoundError:
                continue  # vanished between listing and stat
            key = rel.as_posix()
            stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
            cached = stat_cache.get(key)
            sha = cached[4] if cached and cached[:4] == stamp else sha256_of(path)
            shas[key] = sha
            cache[key] = [*stamp, sha]
    return shas, cache


def evaluate_raw_folder(raw_dir: Path, cursor: str | None) -> tuple[list[str], str]:
    """Return ``(new_paths, new_cursor)``: files whose sha256 is not in the cursor, and the updated cursor.

    The cursor is JSON ``{"seen": [sha256, ...], "stat": {path: [size, mtime_ns, ctime_ns, inode, sha]}}``.
    """
    state: dict[str, Any] = json.loads(cursor) if cursor else {}
    seen = set(state.get("seen", []))
    shas, cache = fingerprint_folder(raw_dir, state.get("stat"))
    new_paths = sorted(p for p, sha in shas.items() if sha not in seen)
    seen |= set(shas.values())
    return new_paths, json.dumps({"seen": sorted(seen), "stat": cache}, separators=(",", ":"))


def raw_sensor_interval_seconds() -> int:
    """``CSW_SENSOR_INTERVAL_SECONDS`` (default 60, at least 5): how often the daemon looks at the raw folder."""
    return max(5, int(os.environ.get("CSW_SENSOR_INTERVAL_SECONDS", "60")))


def build_raw_files_sensor(raw_dir: Path, minimum_interval_seconds: int | None = None) -> SensorDefinition:
    """Sensor ``raw_files_sensor`` over ``raw_dir``: one ``nightly_refresh`` run per batch of unseen content.

    ``minimum_interval_seconds`` defaults to :func:`raw_sensor_interval_seconds`.
    """
    if minimum_interval_seconds is None:
        minimum_interval_seconds = raw_sensor_interval_seconds()

    @sensor(
        name="raw_files_sensor",
        job=nightly_refresh,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Start {NIGHTLY_JOB} when files with an unseen sha256 appear in {raw_dir}.",
    )
    def raw_files_sensor(context: SensorEvaluationContext) -> SensorResult:
        new_paths, cursor = evaluate_raw_folder(raw_dir, context.cursor)
        if not new_paths:
            return SensorResult(skip_reason=SkipReason(f"no new content in {raw_dir}"), cursor=cursor)
        digest = hashlib.sha1("\n".join(new_paths).encode() + cursor.encode()).hexdigest()[:16]
        shown = ", ".join(new_paths[:10]) + (f" and {len(new_paths) - 10} more" if len(new_paths) > 10 else "")
        context.log.info(f"new raw content: {shown}")
        return SensorResult(
            run_requests=[RunRequest(run_key=f"raw-{digest}", tags={"csw/trigger": "raw_files_sensor"})],
            cursor=cursor,
        )

    return raw_files_sensor


def build_failure_sensor(warehouse_root: Path) -> SensorDefinition:
    """Run-failure sensor writing ``LAST_FAILURE.json`` for failed ``nightly_refresh`` runs (daemon runs).

    A failure inside publish is recorded by publish itself and not overwritten here.
    """

    @run_failure_sensor(
        name="refresh_failure_sensor",
        monitored_jobs=[nightly_refresh],
        default_status=DefaultSensorStatus.RUNNING,
        description="Write serving/LAST_FAILURE.json when a refresh run fails, so dashboards show a notice.",
    )
    def refresh_failure_sensor(context: RunFailureSensorContext) -> None:
        run_id = context.dagster_run.run_id
        events = [
            e.dagster_event
            for e in context.instance.all_logs(run_id)
            if e.dagster_event is not None
            and e.dagster_event.event_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
        wh = Warehouse(warehouse_root)
        failure = summarize_failure(events, dbt_target=wh.tmp_dir / "dbt_target", build_db=wh.build_db)
        if failure.stage == "publish":
            return
        record_failure(wh, failure.stage, failure.message, run_id=run_id)

    return refresh_failure_sensor
