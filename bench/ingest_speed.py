"""Raw ingest speed of one sensor CSV: the product's ``ingest_kind`` vs a bare DuckDB ``read_csv``.

Usage (one mode per process, so ``bench.measure`` sees each one's own peak memory)::

    python -m bench.ingest_speed --mode product --csv FILE --work DIR
    python -m bench.ingest_speed --mode bare    --csv FILE --work DIR

``product``: a fresh warehouse in ``DIR/wh`` (``Warehouse.connect_build``: memory_limit, threads and spill
directory from the environment, ``CSW_DUCKDB_MEMORY_LIMIT`` ...), a raw folder ``DIR/raw`` holding only a
symlink ``bench_sensors/<name>`` to the CSV, then ``ingest_kind(con, raw, "sensors")`` (contract
``bench_sensor_csv``: landing, typing, key check, readings insert, ledger), then ``CHECKPOINT``. ``bare``:
a fresh DuckDB file with the same settings, ``CREATE TABLE t AS SELECT * FROM read_csv(FILE)``, then
``CHECKPOINT``: both count the time until the rows are in the database file, not only in the WAL. Prints
one JSON object ``{"mode", "rows", "seconds", "cpu_seconds", "rows_per_s", "status", "peak_rss_mib"}``
(seconds inside the process, after imports; ``cpu_seconds``: user + system CPU of all the process's threads
over the same span, which other processes on a shared machine inflate much less than ``seconds``;
``peak_rss_mib``: the process's peak resident set size, ``ru_maxrss``, imports included); the product mode
adds ``checkpoint_seconds`` (the part of ``seconds`` its checkpoint took) and ``slowest_statements``
(bench/profile_ingest.py: each DuckDB statement's seconds and its caller in
pipelines/), so a missed target says where the time goes.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path


def ingest_product(csv: Path, work: Path) -> dict:
    """Load ``csv`` through ``pipelines.ingest.load.ingest_kind`` into a fresh warehouse under ``work``."""
    from bench.profile_ingest import TimingConnection
    from pipelines.ingest.load import ingest_kind
    from pipelines.warehouse import Warehouse

    raw = work / "raw"
    shutil.rmtree(work, ignore_errors=True)
    (raw / "bench_sensors").mkdir(parents=True)
    (raw / "bench_sensors" / csv.name).symlink_to(csv.resolve())
    con = Warehouse(work / "wh").connect_build()
    con.execute("SET enable_progress_bar = false")
    try:
        proxy = TimingConnection(con)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        results = ingest_kind(proxy, raw, "sensors")
        t1 = time.perf_counter()
        con.execute("CHECKPOINT")  # like bare: the rows are in the database file, not only in the WAL
        seconds, cpu_seconds = time.perf_counter() - t0, _cpu_seconds() - cpu0
        checkpoint_seconds = time.perf_counter() - t1
    finally:
        con.close()
    if len(results) != 1:
        raise RuntimeError(f"expected one sensor file under {raw}, got {[r.path for r in results]}")
    r = results[0]
    top = sorted(proxy.records, key=lambda x: -x["seconds"])[:10]
    for x in top:
        x["share"] = x["seconds"] / seconds if seconds else None
    return {"mode": "product", "rows": r.readings_written, "rows_rejected": r.rows_rejected, "status": r.status,
            "error": r.error, "seconds": seconds, "cpu_seconds": cpu_seconds, "checkpoint_seconds": checkpoint_seconds,
            "rows_per_s": r.readings_written / seconds if seconds else None, "slowest_statements": top}


def ingest_bare(csv: Path, work: Path) -> dict:
    """``CREATE TABLE t AS SELECT * FROM read_csv(csv)`` in a fresh DuckDB file under ``work``."""
    import duckdb

    from pipelines import settings

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    con = duckdb.connect(str(work / "bare.duckdb"))
    try:
        con.execute(f"SET TimeZone = '{settings.timezone_name()}'")
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit()}'")
        con.execute(f"SET temp_directory = '{(work / 'tmp').as_posix()}'")
        con.execute("SET enable_progress_bar = false")
        if settings.duckdb_threads() > 0:
            con.execute(f"SET threads = {settings.duckdb_threads()}")
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv.resolve().as_posix()}')")
        con.execute("CHECKPOINT")
        seconds, cpu_seconds = time.perf_counter() - t0, _cpu_seconds() - cpu0
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        con.close()
    return {"mode": "bare", "rows": rows, "status": "loaded", "seconds": seconds, "cpu_seconds": cpu_seconds,
            "rows_per_s": rows / seconds if seconds else None}


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process so far (all DuckDB threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    """CLI entry (see module docstring). Exit 1 when the product did not load the file."""
    p = argparse.ArgumentParser(prog="python -m bench.ingest_speed", description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=("product", "bare"), required=True)
    p.add_argument("--csv", type=Path, required=True)
    p.add_argument("--work", type=Path, required=True, help="scratch folder (deleted first)")
    p.add_argument("--json-out", type=Path, default=None, help="also write the JSON result to this file")
    a = p.parse_args(argv)
    out = ingest_product(a.csv, a.work) if a.mode == "product" else ingest_bare(a.csv, a.work)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    text = json.dumps(out, ensure_ascii=False)
    if a.json_out:
        a.json_out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if out["status"] == "loaded" else 1


if __name__ == "__main__":
    sys.exit(main())
