"""Where ``ingest_kind`` spends its time on one sensor CSV: every DuckDB statement, timed, with its caller.

Usage::

    python -m bench.profile_ingest --csv FILE --work DIR [--top 15]

Runs ``pipelines.ingest.load.ingest_kind`` like ``bench.ingest_speed --mode product`` but through a
connection proxy that times each ``execute`` call and attributes it to the calling ``file:function:line``
inside ``pipelines/`` (a statement profiler: a Python sampler such as py-spy only sees "inside
con.execute"). Prints JSON ``{"total_seconds", "statements": [{caller, seconds, cpu_seconds, share, sql}]}``,
slowest first (``cpu_seconds``: the process's user + system CPU during the statement, all threads; on a
shared machine it varies much less than ``seconds``); ``sql`` is the first 300 characters.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
import traceback
from pathlib import Path


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process so far (all DuckDB threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class TimingConnection:
    """Wraps a DuckDB connection; ``execute`` calls are timed (wall and process CPU seconds) and recorded in
    ``self.records``."""

    def __init__(self, con):
        self._con = con
        self.records: list[dict] = []

    def execute(self, sql, *args, **kwargs):
        caller = next((f for f in reversed(traceback.extract_stack(limit=12)[:-1]) if "/pipelines/" in f.filename),
                      None)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            where = f"{Path(caller.filename).relative_to(Path(caller.filename).parents[2])}:{caller.name}:{caller.lineno}" \
                if caller else "?"
            self.records.append({"caller": where, "seconds": time.perf_counter() - t0,
                                 "cpu_seconds": _cpu_seconds() - cpu0, "sql": " ".join(str(sql).split())[:300]})

    def __getattr__(self, name):
        return getattr(self._con, name)


def profile(csv: Path, work: Path) -> dict:
    """Ingest ``csv`` into a fresh warehouse under ``work`` with every statement timed (module docstring)."""
    from pipelines.ingest.load import ingest_kind
    from pipelines.warehouse import Warehouse

    raw = work / "raw"
    shutil.rmtree(work, ignore_errors=True)
    (raw / "bench_sensors").mkdir(parents=True)
    (raw / "bench_sensors" / csv.name).symlink_to(csv.resolve())
    con = Warehouse(work / "wh").connect_build()
    con.execute("SET enable_progress_bar = false")
    proxy = TimingConnection(con)
    try:
        t0 = time.perf_counter()
        results = ingest_kind(proxy, raw, "sensors")
        total = time.perf_counter() - t0
    finally:
        con.close()
    recs = sorted(proxy.records, key=lambda r: -r["seconds"])
    for r in recs:
        r["share"] = r["seconds"] / total if total else None
    return {"total_seconds": total, "statements_seconds": sum(r["seconds"] for r in recs),
            "results": [r.as_dict() for r in results], "statements": recs}


def main(argv: list[str] | None = None) -> int:
    """CLI entry (see module docstring)."""
    p = argparse.ArgumentParser(prog="python -m bench.profile_ingest", description=__doc__.splitlines()[0])
    p.add_argument("--csv", type=Path, required=True)
    p.add_argument("--work", type=Path, required=True, help="scratch folder (deleted first)")
    p.add_argument("--top", type=int, default=15)
    a = p.parse_args(argv)
    out = profile(a.csv, a.work)
    out["statements"] = out["statements"][:a.top]
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
