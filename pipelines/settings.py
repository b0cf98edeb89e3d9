"""Configuration from environment variables, with safe defaults.

Every setting is read when called (not at import), so tests can change the environment.

| variable | default | meaning |
|---|---|---|
| ``CSW_WAREHOUSE_DIR`` | ``./warehouse`` | build database, serving copies, Dagster home |
| ``CSW_RAW_DIR`` | ``./raw`` | landing folder the refresh reads |
| ``CSW_TIMEZONE`` | ``Asia/Shanghai`` | deployment zone: every connection's TimeZone, local dates |
| ``CSW_DUCKDB_MEMORY_LIMIT`` | ``1.5GB`` | DuckDB ``memory_limit`` for the writer (spills beyond it) |
| ``CSW_DUCKDB_THREADS`` | ``0`` (DuckDB's default) | DuckDB ``threads`` for the writer |
| ``CSW_KEEP_VERSIONS`` | ``5`` | published serving versions kept for rollback |
| ``CSW_MAX_REJECT_RATIO`` | ``0.2`` | audit: largest share of rejected rows per loaded file before publish is blocked |
| ``CSW_INGEST_TYPED_CSV`` | ``1`` | ``0`` turns off the ingest's typed fast path for clean CSV files (text landing only) |
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def warehouse_dir() -> Path:
    """Return the warehouse folder (``CSW_WAREHOUSE_DIR``, default ``./warehouse``), absolute."""
    return Path(os.environ.get("CSW_WAREHOUSE_DIR", "warehouse")).resolve()


def raw_dir() -> Path:
    """Return the landing folder (``CSW_RAW_DIR``, default ``./raw``), absolute."""
    return Path(os.environ.get("CSW_RAW_DIR", "raw")).resolve()


def timezone_name() -> str:
    """Return the deployment time zone name (``CSW_TIMEZONE``, default ``Asia/Shanghai``).

    Raises:
        ValueError: the name is not a valid IANA zone.
    """
    name = os.environ.get("CSW_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(name)
    except Exception as exc:  # zoneinfo raises several types
        raise ValueError(f"CSW_TIMEZONE={name!r} is not a valid IANA time zone") from exc
    return name


def duckdb_memory_limit() -> str:
    """Return DuckDB's ``memory_limit`` for the writer, e.g. ``'1.5GB'`` (``CSW_DUCKDB_MEMORY_LIMIT``).

    Default 1.5GB: the process peaks about 0.2 GB above it (Python), so a 10M-row sensor CSV ingest stays
    under 2 GB; a 2GB limit peaked at 1.98 GiB with no speed gain (bench/ingest_speed.py).
    """
    return os.environ.get("CSW_DUCKDB_MEMORY_LIMIT", "1.5GB")


def duckdb_threads() -> int:
    """Return DuckDB's thread count for the writer; 0 means DuckDB's default (``CSW_DUCKDB_THREADS``)."""
    return int(os.environ.get("CSW_DUCKDB_THREADS", "0"))


def ingest_typed_csv() -> bool:
    """Whether the ingest first tries its typed fast path on CSV files (``CSW_INGEST_TYPED_CSV``, default on;
    ``0``, ``false`` or ``no`` turn it off). The path keeps a file only when it is clean, so the results are
    the same either way; off, every file is landed as text first (pipelines/ingest/load.py)."""
    return os.environ.get("CSW_INGEST_TYPED_CSV", "1").strip().lower() not in ("0", "false", "no", "off")


def keep_versions() -> int:
    """Return how many published serving versions to keep (``CSW_KEEP_VERSIONS``, at least 2)."""
    return max(2, int(os.environ.get("CSW_KEEP_VERSIONS", "5")))


def max_reject_ratio() -> float:
    """Return the audit's largest allowed rejected-row share per loaded file, 0..1 (``CSW_MAX_REJECT_RATIO``).

    Raises:
        ValueError: the value is not a number between 0 and 1.
    """
    text = os.environ.get("CSW_MAX_REJECT_RATIO", "0.2")
    try:
        value = float(text)
    except ValueError as exc:
        raise ValueError(f"CSW_MAX_REJECT_RATIO={text!r} is not a number") from exc
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"CSW_MAX_REJECT_RATIO={text!r} must be between 0 and 1")
    return value


def parse_as_of(text: str) -> datetime:
    """Parse an as-of cut-off (ISO 8601, e.g. ``2024-03-10`` or ``2024-03-10T08:00:00+08:00``).

    A value without an offset is read in the deployment zone (:func:`timezone_name`).

    Returns:
        An aware datetime.
    Raises:
        ValueError: the text is not an ISO 8601 date or date-time.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(
            f"--as-of {text!r} is not an ISO 8601 time (e.g. 2024-03-10T08:00:00+08:00 or 2024-03-10)"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone_name()))
    return value
