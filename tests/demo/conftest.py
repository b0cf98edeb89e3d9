"""Fixtures for the demo-generator tests: one generated dataset per session (default seed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow `pytest tests/demo` without installing the project
    sys.path.insert(0, str(ROOT))

from pipelines.demo.generate import generate  # noqa: E402
from pipelines.demo.spec import DEFAULT_SEED  # noqa: E402


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory) -> Path:
    """A raw folder holding ``demo/`` generated with the default seed (shared, treat as read-only)."""
    raw = tmp_path_factory.mktemp("demo_raw") / "raw"
    generate(raw, DEFAULT_SEED)
    return raw


@pytest.fixture(scope="session")
def demo_paths(demo_raw) -> dict[str, Path]:
    """{file key: path} of the session's demo dataset (keys of ``spec.FILES``)."""
    from pipelines.demo.spec import FILES

    return {key: demo_raw / rel for key, rel in FILES.items()}
