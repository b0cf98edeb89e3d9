"""Run the bare DuckDB baseline (``bench/baseline.sql``) on a scale-generated raw folder.

Usage::

    python -m bench.baseline --raw-dir DIR --db FILE [--memory-limit 2GB] [--cutoff "2026-11-29 12:00:00"]

Opens a fresh DuckDB file ``--db`` (deleted first), reads the two xlsx files with python-calamine into
Arrow tables (DuckDB has no built-in xlsx reader) and runs every ``-- @step`` block of baseline.sql,
timing each. Prints one JSON object: ``{"steps": {name: seconds}, "seconds": total, "rows": {table: n}}``.
Uses the same ``memory_limit`` and thread count as the product's writer (env ``CSW_DUCKDB_MEMORY_LIMIT``,
``CSW_DUCKDB_THREADS``) so the comparison is fair.

Output tables (same grain and column names as the marts, METRICS.md F1, C16/C17, G1-G4):
``b_fault_disposal_daily``, ``b_complaint_closure_daily``, ``b_gas_inspection_coverage``,
``b_sensor_readings_daily``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import python_calamine

SQL_FILE = Path(__file__).with_name("baseline.sql")
OUTPUT_TABLES = ("b_fault_disposal_daily", "b_complaint_closure_daily", "b_gas_inspection_coverage",
                 "b_sensor_readings_daily")
GAS_USER_COLUMNS = ("单位编号", "单位名称", "单位类型", "所属街道", "经营地址", "许可证号", "登记日期", "经度", "纬度")
INSPECTION_COLUMNS = ("检查编号", "单位编号", "单位名称", "单位类型", "所属街道", "检查日期", "信息牌已张贴",
                      "报警器已安装", "报警器有效", "软管合格", "检查结果", "得分", "隐患类别", "隐患等级", "整改期限",
                      "检查人员")


def steps(sql_text: str) -> list[tuple[str, str]]:
    """Split baseline SQL into ``(step name, sql)`` at each ``-- @step NAME`` line (text before the first
    marker is ignored)."""
    parts = re.split(r"^-- @step (\w+)\s*$", sql_text, flags=re.MULTILINE)
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts), 2)]


def read_xlsx_files(files: list[Path], header_rows: int, columns: tuple[str, ...]) -> pa.Table:
    """All data rows of sheet 0 of ``files`` as one all-text Arrow table with ``columns`` (the header rows
    are skipped; cells become text: ints without '.0', None stays NULL)."""
    data: list[list[str | None]] = [[] for _ in columns]
    for path in files:
        rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(
            skip_empty_area=False)
        for row in rows[header_rows:]:
            for i in range(len(columns)):
                v = row[i] if i < len(row) else None
                if v == "" or v is None:
                    data[i].append(None)
                elif isinstance(v, float) and v.is_integer():
                    data[i].append(str(int(v)))
                else:
                    data[i].append(str(v))
    return pa.table({c: pa.array(col, type=pa.string()) for c, col in zip(columns, data)})


def run_baseline(raw_dir: Path, db: Path, memory_limit: str = "2GB", threads: int = 0,
                 cutoff: datetime | None = None, timezone: str = "Asia/Shanghai") -> dict:
    """Run baseline.sql on ``raw_dir`` into a fresh DuckDB file ``db``.

    ``cutoff`` (aware; default now) is the instant for 超期未处置, written as naive ``timezone`` wall-clock.
    Returns ``{"steps": {name: seconds}, "seconds": total, "rows": {output table: rows}}``.

    Raises:
        FileNotFoundError: ``raw_dir`` has no generated files.
        duckdb.Error: a step failed (the message names the step in ``__notes__``).
    """
    raw_dir = Path(raw_dir).resolve()
    if not (raw_dir / "bench_sensors").is_dir():
        raise FileNotFoundError(f"{raw_dir}: no bench_sensors/ folder (not a bench.scale output)")
    db = Path(db)
    db.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    cutoff = (cutoff or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    sql_text = (SQL_FILE.read_text(encoding="utf-8").replace("{raw_dir}", raw_dir.as_posix())
                .replace("{cutoff}", cutoff.strftime("%Y-%m-%d %H:%M:%S")))
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    con = duckdb.connect(str(db))
    try:
        con.execute(f"SET TimeZone = '{timezone}'")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{(db.parent / (db.stem + '_tmp')).as_posix()}'")
        con.execute("SET enable_progress_bar = false")
        if threads > 0:
            con.execute(f"SET threads = {threads}")
        pa.array(["warm-up"], type=pa.string())  # pyarrow imports pandas lazily on first list conversion
        t0 = time.perf_counter()
        users = read_xlsx_files(sorted((raw_dir / "demo").glob("gas_users*.xlsx")), 1, GAS_USER_COLUMNS)
        insp = read_xlsx_files(sorted((raw_dir / "demo").glob("gas_inspections*.xlsx")), 2, INSPECTION_COLUMNS)
        con.register("xlsx_gas_users", users)
        con.register("xlsx_gas_inspections", insp)
        timings["read_xlsx"] = time.perf_counter() - t0
        for name, sql in steps(sql_text):
            t0 = time.perf_counter()
            try:
                con.execute(sql)
            except duckdb.Error as exc:
                exc.add_note(f"baseline step {name}")
                raise
            timings[name] = time.perf_counter() - t0
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in OUTPUT_TABLES}
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return {"steps": timings, "seconds": time.perf_counter() - t_all, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    """CLI entry (see module docstring)."""
    from pipelines import settings

    p = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.splitlines()[0])
    p.add_argument("--raw-dir", type=Path, required=True)
    p.add_argument("--db", type=Path, required=True, help="DuckDB file to create (deleted first)")
    p.add_argument("--memory-limit", default=settings.duckdb_memory_limit())
    p.add_argument("--threads", type=int, default=settings.duckdb_threads())
    p.add_argument("--cutoff", default=None, help="ISO instant for 超期 (default now; naive = Asia/Shanghai)")
    a = p.parse_args(argv)
    cutoff = settings.parse_as_of(a.cutoff) if a.cutoff else None
    print(json.dumps(run_baseline(a.raw_dir, a.db, a.memory_limit, a.threads, cutoff)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
