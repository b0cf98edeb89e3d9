"""Run the dbt project on Apache Spark (dbt-spark, ``session`` method, local mode) over the Parquet event log.

The dbt target ``spark`` (dbt/profiles.yml) reads two variables: ``CSW_EVENT_LOG`` (root of the log written by
:func:`pipelines.eventlog.export_event_log`) and ``CSW_SPARK_DIR`` (local folder for Spark's table files,
``<dir>/warehouse/<schema>.db/<table>``, and the Derby metastore of local mode). Optional: ``CSW_SPARK_MASTER``
(default ``local[2]``), ``CSW_SPARK_DRIVER_MEMORY`` (``4g``), ``CSW_SPARK_SHUFFLE_PARTITIONS`` (``2``),
``CSW_SPARK_THREADS`` (``2``), ``CSW_SPARK_JAVA_OPTIONS`` (README settings table).
Needs a Java 17 runtime (Debian ``openjdk-17-jre-headless``, installed by setup.sh); no jar is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "dbt"
DBT_BIN = PROJECT_ROOT / ".venv" / "bin" / "dbt"
# `dbt build` arguments for seeds and models only (data and unit tests stay on DuckDB: tests/dbt, the refresh)
MODELS_ONLY = ["--exclude", "test_type:data", "test_type:unit"]


@dataclass(frozen=True)
class DbtSparkRun:
    """One ``dbt`` run on the spark target: exit code, combined output, wall-clock seconds."""

    returncode: int
    output: str
    seconds: float


def spark_env(event_log: Path | str, spark_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a dbt subprocess on the spark target (``base`` defaults to os.environ minus CSW_/DBT_)."""
    env = {k: v for k, v in (base if base is not None else os.environ).items() if not k.startswith(("CSW_", "DBT_"))}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["CSW_EVENT_LOG"] = str(event_log)
    env["CSW_SPARK_DIR"] = str(Path(spark_dir).resolve())
    env.setdefault("PYSPARK_PYTHON", str(PROJECT_ROOT / ".venv" / "bin" / "python"))
    return env


def run_dbt_spark(args: list[str], event_log: Path | str, spark_dir: Path, work: Path, *,
                  extra_env: dict[str, str] | None = None, timeout: float = 3600) -> DbtSparkRun:
    """Run ``dbt <args> --target spark`` on the project as a subprocess; target/ and logs/ go to ``work``.

    ``spark_dir`` is created when missing. Returns the exit code, output and elapsed seconds (JVM start
    included); raises subprocess.TimeoutExpired after ``timeout`` seconds.
    """
    spark_dir = Path(spark_dir)
    spark_dir.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    env = spark_env(event_log, spark_dir)
    env.update(extra_env or {})
    cmd = [str(DBT_BIN), *args, "--target", "spark", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
           "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    return DbtSparkRun(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start)


def spark_table_dir(spark_dir: Path, schema: str, table: str) -> Path:
    """Folder of the Parquet files of managed table ``schema.table`` built by the spark target in local mode."""
    return Path(spark_dir) / "warehouse" / f"{schema}.db" / table


__all__ = ["MODELS_ONLY", "DbtSparkRun", "run_dbt_spark", "spark_env", "spark_table_dir"]
