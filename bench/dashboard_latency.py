"""Latency of the queries the dashboard pages issue, on the published serving copy, with cold caches.

The calls mirror the pages (``dashboards/pages/overview_page.py``, ``quality_page.py``): the overview
asks ``source_systems``, ``date_bounds``, ``metric_dim``, then ``fault_daily`` / ``closure_daily`` over the
last 30 days plus the previous 30 (the delta), ``gas_monthly`` over two months; the quality page asks
``file_ledger``, ``rejected_count`` and ``rejected_rows``. A "full year" variant widens the range to 365
days. Two views are measured:

- **per call**: each ``dashboards.data`` function with its cache bypassed (``data.query`` patched to the
  uncached ``data.run_query``), so every helper query (``tables()``, ``columns()``) runs as on a cold page;
- **per statement**: every distinct SQL statement those calls sent (captured from ``data.run_query``),
  each run on its own fresh read-only connection, exactly as ``data.run_query`` does.

Each is repeated ``repeats`` times after one warm-up; p50/p95 in milliseconds (nearest-rank).
Functions of ``dashboards.data`` taking a snapshot that no scenario calls are listed as ``not_measured``
so a new page query is noticed.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import time
from pathlib import Path
from typing import Any, Callable


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0..100) of ``values`` (NaN when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[k]


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "max_ms": max(ms), "n": len(ms)}


def scenario_calls(data: Any, snap: Any, source: str = "licheng") -> list[tuple[str, Callable[[], Any]]]:
    """(label, zero-argument call) of every page query, with the date windows the pages use."""
    bounds = data.date_bounds(snap, source)
    end = bounds[1] if bounds else dt.date.today()
    start = end - dt.timedelta(days=29)
    prev_start = start - dt.timedelta(days=30)
    month = end.replace(day=1)
    prev_month = (start.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    year_start = end - dt.timedelta(days=364)
    return [
        ("source_systems", lambda: data.source_systems(snap)),
        ("date_bounds", lambda: data.date_bounds(snap, source)),
        ("metric_dim", lambda: data.metric_dim(snap)),
        ("fault_daily 60d", lambda: data.fault_daily(snap, source, prev_start, end)),
        ("closure_daily 60d", lambda: data.closure_daily(snap, source, prev_start, end)),
        ("gas_monthly 2m", lambda: data.gas_monthly(snap, source, prev_month, month)),
        ("fault_daily 365d", lambda: data.fault_daily(snap, source, year_start, end)),
        ("closure_daily 365d", lambda: data.closure_daily(snap, source, year_start, end)),
        ("gas_monthly 12m", lambda: data.gas_monthly(snap, source, year_start.replace(day=1), month)),
        ("file_ledger", lambda: data.file_ledger(snap)),
        ("rejected_count", lambda: data.rejected_count(snap)),
        ("rejected_rows", lambda: data.rejected_rows(snap)),
    ]


def measure_dashboard(warehouse_dir: Path, repeats: int = 20) -> dict:
    """Measure every page query on the current serving copy of ``warehouse_dir`` (module docstring).

    Returns ``{"version", "calls": {label: stats | {"error"}}, "statements": [{sql, params, calls, stats}],
    "not_measured": [...], "worst_p95_ms"}``.
    """
    from dashboards import data  # imports streamlit; only when measuring

    snap = data.current_snapshot(Path(warehouse_dir))
    original_query, original_run = data.query, data.run_query
    captured: dict[tuple[str, tuple], set[str]] = {}
    current: list[str] = [""]

    def recording_run(path: str, sql: str, params=()):
        captured.setdefault((sql, tuple(params)), set()).add(current[0])
        return original_run(path, sql, params)

    data.query = lambda s, sql, params=(): recording_run(str(s.path), sql, params)
    calls: dict[str, dict] = {}
    try:
        called = set()
        current[0] = "date_bounds"  # scenario_calls asks it for the date window
        for label, fn in scenario_calls(data, snap):
            current[0] = label
            called.add(label.split()[0])
            try:
                fn()  # warm-up (and SQL capture)
                samples = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    fn()
                    samples.append(time.perf_counter() - t0)
                calls[label] = _stats(samples)
            except Exception as exc:  # a page query that fails is a finding, not a crash of the benchmark
                calls[label] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        data.query = original_query
    statements = []
    for (sql, params), labels in captured.items():
        original_run(str(snap.path), sql, params)
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            original_run(str(snap.path), sql, params)
            samples.append(time.perf_counter() - t0)
        statements.append({"sql": " ".join(sql.split()), "params": [str(p) for p in params],
                           "calls": sorted(labels), **_stats(samples)})
    statements.sort(key=lambda s: -s["p95_ms"])
    public = [name for name, fn in inspect.getmembers(data, inspect.isfunction)
              if fn.__module__ == data.__name__ and not name.startswith("_")
              and list(inspect.signature(fn).parameters)[:1] == ["snap"]]
    p95s = [c["p95_ms"] for c in calls.values() if "p95_ms" in c] + [s["p95_ms"] for s in statements]
    return {"version": snap.version, "repeats": repeats, "calls": calls, "statements": statements,
            "not_measured": sorted(set(public) - called - {"query"}),
            "worst_call_p95_ms": max((c["p95_ms"] for c in calls.values() if "p95_ms" in c), default=None),
            "worst_statement_p95_ms": max((s["p95_ms"] for s in statements), default=None),
            "errors": {k: v["error"] for k, v in calls.items() if "error" in v},
            "worst_p95_ms": max(p95s, default=None)}
