"""Turn a failed Dagster run's events into one clear sentence per problem (for the CLI and LAST_FAILURE.json).

Stages: ``ingest`` (raw_* steps), ``audit`` (blocking ingest checks, failing dbt tests), ``dbt build``,
``publish`` (serving_snapshot; :func:`pipelines.publish.publish` already wrote LAST_FAILURE.json itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import AssetCheckSeverity, DagsterEvent, DagsterEventType

from pipelines.defs.publish import SERVING_SNAPSHOT

CHECK_NAMES = ("ledger_reconciles", "reject_ratio_under_threshold", "no_rejected_files")


@dataclass
class RunFailure:
    """Why a run failed: ``stage`` of the first failing step and ``problems`` (one line each)."""

    stage: str
    problems: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "; ".join(self.problems) if self.problems else "the run failed (see the Dagster run log)"


def stage_of(step_key: str) -> str:
    """Map a step key to a stage name: ingest, audit, dbt build, publish or the key itself."""
    if step_key == SERVING_SNAPSHOT:
        return "publish"
    if any(step_key.endswith(name) for name in CHECK_NAMES):
        return "audit"
    if step_key.startswith("raw_"):
        return "ingest"
    if "dbt" in step_key:
        return "dbt build"
    return step_key


ROW_CHECK_TEST_PREFIXES = tuple(f"test.city_safety.{name}_" for name in
                                ("not_null_columns", "rates_in_unit_interval", "not_greater_than_columns"))
"""unique_id prefixes of our per-model generic tests (dbt/tests/generic, dbt/macros/row_checks.sql): one test per
model whose failing rows are ``(failing_check, failing_rows)``, e.g. ``("metric_id is null", 3)``."""


def failing_checks(build_db: Path, compiled_sql: str) -> str | None:
    """Re-run a failed row-check test's compiled SQL on ``build_db`` (read-only, after dbt ended):
    ``"metric_id is null (3 rows), ..."`` naming the failing columns, or None when it cannot run (database
    locked or gone, SQL error) or finds nothing."""
    try:
        con = duckdb.connect(str(build_db), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute(compiled_sql).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return ", ".join(f"{check} ({count} rows)" for check, count in rows) or None


def dbt_failures(target_dir: Path, since: float | None = None, limit: int = 10,
                 build_db: Path | None = None) -> list[str]:
    """Failed dbt nodes from ``run_results.json`` in ``target_dir``: ``"<node>: <message>"`` per node.

    ``since`` (epoch seconds) ignores a run_results.json older than the run (left by an earlier run). With
    ``build_db`` (the dbt database), a failed per-model row-check test also names its failing columns
    (:func:`failing_checks`): dbt's own message only counts the failing rows.
    """
    path = target_dir / "run_results.json"
    if not path.exists() or (since is not None and path.stat().st_mtime < since):
        return []
    try:
        results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    except (OSError, ValueError):
        return []
    out = []
    for r in results:
        if r.get("status") in ("error", "fail", "runtime error"):
            msg = " ".join(str(r.get("message") or "").split())[:300]
            uid = str(r.get("unique_id"))
            if build_db is not None and r.get("status") == "fail" and uid.startswith(ROW_CHECK_TEST_PREFIXES):
                named = failing_checks(build_db, r.get("compiled_code") or "")
                msg += f"; failing: {named}" if named else ""
            out.append(f"dbt {uid}: {r.get('status')}: {msg}")
    if len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more failed dbt nodes"]
    return out


def summarize_failure(events: Iterable[DagsterEvent], dbt_target: Path | None = None, since: float | None = None,
                      build_db: Path | None = None) -> RunFailure:
    """Build a :class:`RunFailure` from a run's events (failed blocking checks, step failures, dbt results;
    ``build_db``: see :func:`dbt_failures`)."""
    stage = None
    problems: list[str] = []
    for ev in events:
        if ev.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = ev.event_specific_data
            if not data.passed and data.severity == AssetCheckSeverity.ERROR:
                stage = stage or "audit"
                problems.append(f"check {data.asset_key.to_user_string()}.{data.check_name} failed: {data.description or ''}".rstrip(": "))
        elif ev.event_type == DagsterEventType.STEP_FAILURE:
            step = ev.step_key or "?"
            stage = stage or stage_of(step)
            err = ev.event_specific_data.error
            if err is not None and err.cls_name == "DagsterAssetCheckFailedError":
                continue  # the check evaluations above say more
            text = _root_message(err) if err is not None else "failed"
            if "dbt" in step and _is_unknown_dbt_node(err):
                problems.append(f"step {step}: the dbt project changed while the refresh ran ({text}: a node "
                                "missing from the manifest Dagster loaded); run the refresh again")
                continue
            if "dbt" in step and dbt_target is not None:
                details = dbt_failures(dbt_target, since, build_db=build_db)
                if details:
                    if stage == "dbt build" and all(": fail:" in d for d in details if d.startswith("dbt ")):
                        stage = "audit"  # only dbt tests failed: the build ran, the audit refused it
                    problems.extend(details)
                    continue
            problems.append(f"step {step}: {text}")
    return RunFailure(stage=stage or "run", problems=problems)


def _root_message(err) -> str:
    """The innermost cause's message of a SerializableErrorInfo (user code errors are wrapped)."""
    while err.cause is not None:
        err = err.cause
    first = err.message.strip().splitlines()
    return " ".join(first[:3]) if first else err.cls_name or "error"


def _is_unknown_dbt_node(err) -> bool:
    """True for dagster-dbt's KeyError on a dbt unique id (``model.`` / ``test.`` / ``seed.`` ...)."""
    while err is not None:
        if err.cls_name == "KeyError" and any(f"'{kind}." in err.message for kind in ("model", "test", "seed", "snapshot", "source", "unit_test")):
            return True
        err = err.cause
    return False
