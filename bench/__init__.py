"""Benchmark harness of the city safety warehouse (scale data, bare-DuckDB baseline, measured runs).

Modules: ``scale`` (scale data generator), ``baseline`` (bare DuckDB runner for ``baseline.sql``),
``measure`` (wall time and process-tree peak RSS of a command), ``ingest_speed`` (ingest_kind vs bare
read_csv), ``dashboard_latency`` (dashboard query latency), ``compare`` (product vs baseline numbers),
``report`` (report.json / report.md) and ``run`` (the ``make bench`` entry).
"""
