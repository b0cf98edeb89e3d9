"""Spark local mode beside DuckDB on the same data: ``python -m bench.spark_step --warehouse-dir DIR [--work DIR]``.

Takes a refreshed warehouse (e.g. the demo: ``python -m pipelines demo --no-serve`` or any ``refresh``), exports its
event store to the Parquet event log (pipelines.eventlog), then times the same ``dbt build`` of seeds and models
(no data / unit tests) on both engines, one after the other:

* DuckDB: target ``build`` on a copy of ``build.duckdb`` with ``--full-refresh`` (every model rebuilt, as Spark does);
* Spark: target ``spark`` (``session`` method, local mode, ``CSW_SPARK_MASTER`` default ``local[2]``) over the log,
  JVM start included.

Prints and writes (``--out``, default ``<work>/spark_step.json``) ``{"duckdb_seconds", "spark_seconds",
"spark_over_duckdb", "events", "readings", "log_files", "export_seconds"}``; seconds are wall clock. Exit 1 when
either build fails. Run at ``nice -n 5`` on a shared machine and compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.eventlog import export_event_log, read_manifest
from pipelines.eventlog.spark import DBT_BIN, DBT_DIR, MODELS_ONLY, run_dbt_spark
from pipelines.warehouse import Warehouse


def _duckdb_build(build_db: Path, work: Path) -> tuple[int, str, float]:
    """``dbt build`` of seeds and models with --full-refresh on ``build_db``: (exit code, output tail, seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSW_", "DBT_"))}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", CSW_BUILD_DB=str(build_db))
    work.mkdir(parents=True, exist_ok=True)
    cmd = [str(DBT_BIN), "build", *MODELS_ONLY, "--full-refresh", "--project-dir", str(DBT_DIR),
           "--profiles-dir", str(DBT_DIR), "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    return proc.returncode, (proc.stdout + proc.stderr)[-4000:], time.monotonic() - start


def measure(warehouse_dir: Path, work: Path) -> dict:
    """Export the event log of ``warehouse_dir`` into ``work`` and time both builds; see the module docstring.

    Raises RuntimeError (with the dbt output's tail) when a build fails.
    """
    work.mkdir(parents=True, exist_ok=True)
    wh = Warehouse(Path(warehouse_dir))
    start = time.monotonic()
    export_event_log(wh, work / "eventlog")
    export_seconds = time.monotonic() - start
    manifest = read_manifest(work / "eventlog", missing_ok=False)
    files = sum(len(t["files"]) for t in manifest["tables"].values())
    copy = work / "duck" / "build.duckdb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wh.build_db, copy)
    code, out, duck_s = _duckdb_build(copy, work / "duck")
    if code != 0:
        raise RuntimeError(f"dbt build on DuckDB failed (exit {code}):\n{out}")
    spark = run_dbt_spark(["build", *MODELS_ONLY], work / "eventlog", work / "spark", work / "spark_work")
    if spark.returncode != 0:
        raise RuntimeError(f"dbt build on Spark failed (exit {spark.returncode}):\n{spark.output[-4000:]}")
    batch_rows = {b: sum(x["rows"].get(b, 0) for x in manifest["batches"]) for b in ("events", "sensor_readings")}
    return {"duckdb_seconds": round(duck_s, 1), "spark_seconds": round(spark.seconds, 1),
            "spark_over_duckdb": round(spark.seconds / duck_s, 2),
            "events": batch_rows.get("events"), "readings": batch_rows.get("sensor_readings"),
            "log_files": files, "export_seconds": round(export_seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    """CLI entry; see the module docstring."""
    ap = argparse.ArgumentParser(prog="python -m bench.spark_step", description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse-dir", required=True, type=Path, help="a refreshed warehouse (build.duckdb)")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a new temporary folder)")
    ap.add_argument("--out", type=Path, default=None, help="JSON result (default <work>/spark_step.json)")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="csw_spark_step_"))
    try:
        result = measure(args.warehouse_dir, work)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    out = args.out or work / "spark_step.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
