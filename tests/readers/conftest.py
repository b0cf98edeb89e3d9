"""Shared fixtures for reader tests: the real public files in ../shared/realdata (read in place)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow `pytest tests/readers` without installing the project
    sys.path.insert(0, str(ROOT))

REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Folder of real exports; tests using it are skipped where it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder missing: {REALDATA}")
    return REALDATA
