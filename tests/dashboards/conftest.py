"""Fixtures for the dashboard tests: a hand-built serving copy and AppTest runners."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")

from serving_fixture import SHANGHAI, ServingFixture, build_serving_copy  # noqa: E402

APP = REPO / "dashboards" / "app.py"


@pytest.fixture(scope="session")
def serving_template(tmp_path_factory) -> ServingFixture:
    """One built serving copy per test session; tests get their own copy of it."""
    return build_serving_copy(tmp_path_factory.mktemp("template") / "warehouse")


@pytest.fixture
def serving(monkeypatch, serving_template) -> ServingFixture:
    """The session's serving copy (version 3, published about an hour before the session) with
    CSW_WAREHOUSE_DIR set. Shared by tests that only read it, so the app's query cache stays warm;
    tests that change or lock the file use :func:`serving_fresh`."""
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(serving_template.warehouse_dir))
    return serving_template


@pytest.fixture
def serving_fresh(tmp_path, monkeypatch, serving_template) -> ServingFixture:
    """A private copy of the serving copy (published an hour ago) with CSW_WAREHOUSE_DIR set."""
    wdir = tmp_path / "warehouse"
    shutil.copytree(serving_template.warehouse_dir, wdir)
    pointer = wdir / "serving" / "CURRENT.json"
    meta = json.loads(pointer.read_text(encoding="utf-8"))
    meta["published_at"] = (dt.datetime.now(SHANGHAI) - dt.timedelta(hours=1)).isoformat()
    pointer.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(wdir))
    return ServingFixture(wdir, wdir / "serving" / serving_template.db_path.name, serving_template.version)


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
