"""Per-step durations of the latest Dagster run of a warehouse (where a refresh spends its time).

Reads the run's event log from ``<warehouse>/dagster_home`` (the CLI's persistent instance): for every
step, the seconds from STEP_START to STEP_SUCCESS / STEP_FAILURE. Step keys are the op names of the
``nightly_refresh`` job (``raw_sensors``, ``city_safety_dbt`` ...).
"""

from __future__ import annotations

from pathlib import Path


def latest_run_steps(warehouse_dir: Path) -> dict:
    """``{"run_id", "status", "steps": {step_key: seconds}}`` of the newest run in the warehouse's Dagster
    home, or ``{"error": ...}`` when it cannot be read (never raises: this is diagnostics only)."""
    try:
        from dagster import DagsterEventType, DagsterInstance

        home = Path(warehouse_dir) / "dagster_home"
        instance = DagsterInstance.from_config(str(home))
        try:
            runs = instance.get_runs(limit=1)
            if not runs:
                return {"error": f"no Dagster run in {home}"}
            run = runs[0]
            starts: dict[str, float] = {}
            steps: dict[str, float] = {}
            for rec in instance.all_logs(run.run_id):
                ev = rec.dagster_event
                if ev is None or ev.step_key is None:
                    continue
                if ev.event_type == DagsterEventType.STEP_START:
                    starts[ev.step_key] = rec.timestamp
                elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                    if ev.step_key in starts:
                        steps[ev.step_key] = round(rec.timestamp - starts[ev.step_key], 3)
            return {"run_id": run.run_id, "status": run.status.value, "steps": steps}
        finally:
            instance.dispose()
    except Exception as exc:  # diagnostics must never break the benchmark
        return {"error": f"{type(exc).__name__}: {exc}"}


def dbt_node_times(warehouse_dir: Path, top: int = 10, since: float | None = None) -> dict:
    """Summary of the latest dbt build's ``run_results.json`` (``<warehouse>/tmp/dbt_target``): dbt's own
    elapsed seconds, node count, seconds per resource type (model, test, unit_test, seed) and the ``top``
    slowest nodes; ``{"error": ...}`` when absent (diagnostics only, never raises). With ``since`` (epoch
    seconds, the refresh's start) a file older than it means the refresh ran no dbt build (nothing new):
    ``{"skipped": ...}``."""
    import json

    path = Path(warehouse_dir) / "tmp" / "dbt_target" / "run_results.json"
    try:
        if since is not None and path.stat().st_mtime < since:
            return {"skipped": "no dbt build in this refresh (nothing new since the published version)"}
        data = json.loads(path.read_text(encoding="utf-8"))
        results = data["results"]
        by_type: dict[str, float] = {}
        counts: dict[str, int] = {}
        for r in results:
            kind = r["unique_id"].split(".")[0]
            by_type[kind] = round(by_type.get(kind, 0.0) + r["execution_time"], 2)
            counts[kind] = counts.get(kind, 0) + 1
        slow = sorted(results, key=lambda r: -r["execution_time"])[:top]
        return {"elapsed": round(data.get("elapsed_time") or 0.0, 2), "nodes": len(results), "nodes_by_type": counts,
                "seconds_by_type": by_type,
                "slowest": [{"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in slow]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"error": f"{path}: {type(exc).__name__}: {exc}"}
