"""Marker `spark`: the cross-engine test (DuckDB and Spark local mode build the same marts from the demo data).

It takes several minutes (JVM start, Spark over ~10k small Parquet files), so the default `pytest` run skips it;
run it with `pytest -m spark` (`.ci/run` does). Everything else in tests/spark runs by default.
"""

from __future__ import annotations

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "spark: builds the dbt project on Spark local mode (slow; run with -m spark)")


def pytest_collection_modifyitems(config, items):
    if "spark" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow cross-engine Spark test: run `pytest -m spark` (.ci/run does)")
    for item in items:
        if item.get_closest_marker("spark") is not None:
            item.add_marker(skip)
