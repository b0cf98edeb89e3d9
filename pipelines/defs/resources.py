"""Dagster resources: the warehouse folder (build database, serving copies) and the raw landing folder.

Every asset that touches DuckDB opens its connection through :class:`WarehouseResource`, per operation,
and closes it before returning (FAILURE_CLASSES.md #2); all of them run in the concurrency pool
:data:`WRITER_POOL` (limit 1, see ``dagster.yaml``) so only one step at a time holds the build database.
"""


import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Optional

import duckdb
from dagster import ConfigurableResource

from pipelines import settings
from pipelines.warehouse import Warehouse, WarehouseBusyError, is_lock_error

WRITER_POOL = "duckdb_writer"
"""Dagster concurrency pool of every step that opens ``build.duckdb`` (limit 1 in dagster.yaml)."""


class WarehouseResource(ConfigurableResource):
    """The warehouse folder plus the run's inputs.

    Attributes:
        root: warehouse folder (``build.duckdb``, ``serving/``, ``dagster_home/``, ``tmp/``).
        raw_dir: landing folder the ingest assets read; None = ``CSW_RAW_DIR`` (default ``./raw``).
        as_of: optional recorded_at cut-off (ISO 8601; no offset = deployment zone) for dbt var ``as_of``
            and the version manifest; None = everything recorded so far.
    """

    root: str
    raw_dir: Optional[str] = None
    as_of: Optional[str] = None

    def get(self) -> Warehouse:
        """The :class:`~pipelines.warehouse.Warehouse` for ``root`` (folders created)."""
        return Warehouse(Path(self.root).resolve()).ensure()

    def raw_path(self) -> Path:
        """Absolute landing folder."""
        return Path(self.raw_dir).resolve() if self.raw_dir else settings.raw_dir()

    def as_of_datetime(self) -> datetime | None:
        """The cut-off as an aware datetime, or None. Raises ValueError for malformed text."""
        return settings.parse_as_of(self.as_of) if self.as_of else None

    def dbt_vars(self) -> dict[str, str]:
        """dbt ``--vars`` for this run: ``{"as_of": "2024-03-10 00:00:00+08:00"}`` or ``{}``."""
        cut = self.as_of_datetime()
        return {"as_of": cut.isoformat(sep=" ")} if cut else {}

    def dbt_env(self) -> dict[str, str]:
        """Environment the dbt subprocess needs (dbt/profiles.yml): build DB path, zone, memory, spill dir."""
        wh = self.get()
        return {
            "CSW_BUILD_DB": str(wh.build_db),
            "CSW_TIMEZONE": settings.timezone_name(),
            "CSW_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit(),
            "CSW_DUCKDB_TEMP_DIR": str(wh.tmp_dir),
        }

    @contextmanager
    def build_connection(self, wait_seconds: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open ``build.duckdb`` for writing, closed on exit.

        A short-lived reader (``python -m pipelines status``) may hold the file for a moment, so lock
        errors are retried for up to ``wait_seconds``.

        Raises:
            WarehouseBusyError: still locked after ``wait_seconds`` (another refresh is running).
        """
        wh = self.get()
        deadline = time.monotonic() + wait_seconds
        delay = 0.2
        while True:
            try:
                con = wh.connect_build()
                break
            except duckdb.IOException as exc:
                if not is_lock_error(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"{wh.build_db} is locked by another process after {wait_seconds:.0f} s: "
                        "refresh in progress"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block (dbt subprocesses inherit ``os.environ``)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
