"""Fixtures for the dashboard tests: a hand-built serving copy and AppTest runners."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")

from serving_fixture import ServingFixture, build_serving_copy  # noqa: E402

APP = REPO / "dashboards" / "app.py"


@pytest.fixture
def serving(tmp_path, monkeypatch) -> ServingFixture:
    """A fresh published serving copy (version 3, published an hour ago) with CSW_WAREHOUSE_DIR set."""
    fx = build_serving_copy(tmp_path / "warehouse")
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(fx.warehouse_dir))
    return fx


@pytest.fixture
def make_app():
    """Factory: ``make_app(lang=None, **query)`` -> an AppTest of dashboards/app.py (not yet run)."""
    from streamlit.testing.v1 import AppTest

    def _make(**query: str | list[str]) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        return at

    return _make
