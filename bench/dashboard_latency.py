"""Latency of the queries the dashboard pages issue, on the published serving copy, with cold caches.

The calls mirror the pages (``dashboards/views/*``): the filter bar asks ``source_systems``, ``date_bounds``,
``streets``; the pages read the metric registry with ``metric_dim``. ``fault_daily`` / ``closure_daily`` over
the last 30 days plus the previous 30 and ``gas_monthly`` over two months (a "full year" variant: 365 days)
are the first overview's queries, no longer called by a page but kept for comparison with earlier reports.
Every domain page (``dashboards.catalog`` DomainSpec: overview, gas, facilities,
confined, construction, complaints, sensors) loads each published fact model of its metrics once with
``fact_rows`` over the metric's load window (``metrics.load_window`` of the last 30 days, columns as
``dashboards.domain.load`` asks them), its category filters with ``distinct_values``, the drill-down
with ``lineage`` and the map points with ``points`` per lineage aggregate type (``catalog.LINEAGE``); the
facilities and confined pages read ``table_rows`` of ``marts.dim_bridge`` / ``marts.dim_confined_space_unit``;
the quality page asks ``file_ledger``, ``rejected_count``, ``rejected_rows``, ``latest_dates`` and
``restatements``; the SQL page ``tables`` and ``schema_catalog``. Two views are measured:

- **per call**: each ``dashboards.data`` function with its cache bypassed (``data.query`` patched to the
  uncached ``data.run_query``), so every helper query (``tables()``, ``columns()``) runs as on a cold page;
- **per statement**: every distinct SQL statement those calls sent (captured from ``data.run_query``),
  each run on its own fresh read-only connection, exactly as ``data.run_query`` does.

Each is repeated ``repeats`` times after one warm-up; p50/p95 in milliseconds (nearest-rank).
Functions of ``dashboards.data`` taking a snapshot that no scenario ran (directly or inside another call)
are listed as ``not_measured`` so a new page query is noticed.
"""

from __future__ import annotations

import datetime as dt
import functools
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
    """(label, zero-argument call) of every page query, with the date windows the pages use (module
    docstring); the first word of a label names the ``dashboards.data`` function."""
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
        ("streets", lambda: data.streets(snap, source)),
        ("metric_dim", lambda: data.metric_dim(snap)),
        ("fault_daily 60d", lambda: data.fault_daily(snap, source, prev_start, end)),
        ("closure_daily 60d", lambda: data.closure_daily(snap, source, prev_start, end)),
        ("gas_monthly 2m", lambda: data.gas_monthly(snap, source, prev_month, month)),
        ("fault_daily 365d", lambda: data.fault_daily(snap, source, year_start, end)),
        ("closure_daily 365d", lambda: data.closure_daily(snap, source, year_start, end)),
        ("gas_monthly 12m", lambda: data.gas_monthly(snap, source, year_start.replace(day=1), month)),
        *domain_page_calls(data, snap, source, start, end),
        ("file_ledger", lambda: data.file_ledger(snap)),
        ("rejected_count", lambda: data.rejected_count(snap)),
        ("rejected_rows", lambda: data.rejected_rows(snap)),
        ("latest_dates", lambda: data.latest_dates(snap)),
        ("restatements", lambda: data.restatements(snap)),
        ("tables", lambda: data.tables(snap)),
        ("schema_catalog", lambda: data.schema_catalog(snap)),
    ]


def domain_page_calls(data: Any, snap: Any, source: str, start: dt.date,
                      end: dt.date) -> list[tuple[str, Callable[[], Any]]]:
    """The queries of the domain pages for the window [start, end] (dates, inclusive): ``fact_rows`` per
    published fact model (widest load window and every column its metrics and the page filters need, as
    ``dashboards.domain.load``), ``unreported_metrics`` (once per page), ``distinct_values`` per category
    filter column, ``lineage`` (drill-down, ``dashboards.domain.DRILL_LIMIT`` rows) and ``points`` per lineage aggregate types, ``has_table`` +
    ``table_rows`` of the registers the facilities and confined pages show."""
    from dashboards import catalog, domain, metrics

    defs, _bad = metrics.registry(data.metric_dim(snap))
    present = data.tables(snap)
    models: dict[str, dict[str, Any]] = {}
    for spec in (v for v in vars(catalog).values() if isinstance(v, catalog.DomainSpec)):
        for mid in spec.metrics:
            m = defs.get(mid)
            if m is None or f"marts.{m.model}" not in present:
                continue
            entry = models.setdefault(m.model, {"date": m.date_column, "lo": end, "wanted": {"street"}, "dims": set()})
            entry["lo"] = min(entry["lo"], metrics.load_window(start, end, m.grain)[0])
            entry["wanted"].update(spec.dims, m.needed_columns)
            entry["dims"].update(spec.dims)
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("unreported_metrics", functools.partial(data.unreported_metrics, snap, source))]
    lineage_types: set[tuple[str, ...]] = set()
    for model, e in sorted(models.items()):
        calls.append((f"fact_rows {model}", functools.partial(
            data.fact_rows, snap, model, e["date"], e["lo"], end, source, sorted(e["wanted"]))))
        calls += [(f"distinct_values {model}.{col}", functools.partial(data.distinct_values, snap, model, col, source))
                  for col in sorted(e["dims"])]
        if model in catalog.LINEAGE and catalog.LINEAGE[model].aggregate_types:  # no types: the page sends no query
            lineage_types.add(catalog.LINEAGE[model].aggregate_types)
    for types in sorted(lineage_types):
        label = "+".join(types)
        calls.append((f"lineage {label}", functools.partial(data.lineage, snap, source, start, end, types, (),
                                                            None, domain.DRILL_LIMIT)))
        calls.append((f"points {label}", functools.partial(data.points, snap, source, start, end, types)))
    for table, order_by in (("marts.dim_bridge", "bridge_id"), ("marts.dim_confined_space_unit", "unit_id")):
        calls.append((f"has_table {table}", functools.partial(data.has_table, snap, table)))
        if table in present:
            calls.append((f"table_rows {table}", functools.partial(data.table_rows, snap, table, source,
                                                                   order_by=order_by)))
    return calls


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

    public = [name for name, fn in inspect.getmembers(data, inspect.isfunction)
              if fn.__module__ == data.__name__ and not name.startswith("_") and name != "query"
              and list(inspect.signature(fn).parameters)[:1] == ["snap"]]
    invoked: set[str] = set()

    def tracked(name: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            invoked.add(name)
            return fn(*args, **kwargs)
        return wrapper

    originals = {name: getattr(data, name) for name in public}
    for name, fn in originals.items():  # module globals: calls inside dashboards.data are seen too
        setattr(data, name, tracked(name, fn))
    data.query = lambda s, sql, params=(): recording_run(str(s.path), sql, params)
    calls: dict[str, dict] = {}
    try:
        current[0] = "scenario setup"  # scenario_calls asks date_bounds, metric_dim, tables for the windows
        for label, fn in scenario_calls(data, snap):
            current[0] = label
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
        for name, fn in originals.items():
            setattr(data, name, fn)
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
    p95s = [c["p95_ms"] for c in calls.values() if "p95_ms" in c] + [s["p95_ms"] for s in statements]
    return {"version": snap.version, "repeats": repeats, "calls": calls, "statements": statements,
            "not_measured": sorted(set(public) - invoked),
            "worst_call_p95_ms": max((c["p95_ms"] for c in calls.values() if "p95_ms" in c), default=None),
            "worst_statement_p95_ms": max((s["p95_ms"] for s in statements), default=None),
            "errors": {k: v["error"] for k, v in calls.items() if "error" in v},
            "worst_p95_ms": max(p95s, default=None)}
