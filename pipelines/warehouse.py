"""Paths inside a warehouse folder and the one way to open its databases.

Layout (docs/internals.md): ``build.duckdb`` (the pipeline's only writable database), ``serving/``
(published read-only copies and the ``CURRENT.json`` pointer), ``dagster_home/``, ``tmp/`` (spill).
Every connection sets ``TimeZone`` explicitly (FAILURE_CLASSES.md #14) and the writer sets
``memory_limit`` and ``temp_directory`` so large loads spill instead of dying (#23).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import settings


@dataclass(frozen=True)
class Warehouse:
    """A warehouse folder. ``root`` is created on demand by :meth:`ensure`."""

    root: Path

    @classmethod
    def from_env(cls) -> "Warehouse":
        """The warehouse named by ``CSW_WAREHOUSE_DIR`` (default ``./warehouse``)."""
        return cls(settings.warehouse_dir())

    @property
    def build_db(self) -> Path:
        return self.root / "build.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.root / "serving"

    @property
    def current_pointer(self) -> Path:
        return self.serving_dir / "CURRENT.json"

    @property
    def manifests_dir(self) -> Path:
        return self.serving_dir / "manifests"

    @property
    def last_failure(self) -> Path:
        return self.serving_dir / "LAST_FAILURE.json"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    def serving_file(self, version: int) -> Path:
        """Path of published version ``version``: ``serving/v{version:06d}.duckdb``."""
        return self.serving_dir / f"v{version:06d}.duckdb"

    def manifest_file(self, version: int) -> Path:
        """Path of the manifest of version ``version``: ``serving/manifests/v{version:06d}.json``."""
        return self.manifests_dir / f"v{version:06d}.json"

    def ensure(self) -> "Warehouse":
        """Create the folders; return self."""
        for d in (self.root, self.serving_dir, self.manifests_dir, self.dagster_home, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self

    def connect_build(self) -> duckdb.DuckDBPyConnection:
        """Open the build database for writing, with the event store schema created.

        The caller must close the connection (use it as a context manager): DuckDB allows one writing
        process per file (FAILURE_CLASSES.md #1, #2).
        """
        from pipelines.eventstore.store import ensure_schema

        self.ensure()
        con = duckdb.connect(str(self.build_db))
        configure(con, writer=True, temp_dir=self.tmp_dir)
        ensure_schema(con)
        return con


    def connect_build_readonly(self) -> duckdb.DuckDBPyConnection:
        """Open the build database read-only (TimeZone set). Close it quickly: it blocks the writer (#1).

        Raises:
            FileNotFoundError: no build database yet (nothing was ever refreshed).
            WarehouseBusyError: another process holds the write lock (a refresh is in progress).
        """
        if not self.build_db.exists():
            raise FileNotFoundError(f"no build database at {self.build_db}: run `python -m pipelines refresh` first")
        return connect_readonly(self.build_db)


class WarehouseBusyError(RuntimeError):
    """A DuckDB file is locked by another process (normally: a refresh is writing)."""


def is_lock_error(exc: BaseException) -> bool:
    """True when ``exc`` is DuckDB's "Could not set lock on file" error (another process holds the file)."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """Open ``path`` read-only with TimeZone set.

    Raises:
        WarehouseBusyError: another process holds a conflicting lock on ``path``.
    """
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if is_lock_error(exc):
            raise WarehouseBusyError(f"{path.name} is locked by another process: refresh in progress") from exc
        raise
    configure(con)
    return con


def configure(con: duckdb.DuckDBPyConnection, *, writer: bool = False, temp_dir: Path | None = None) -> None:
    """Set TimeZone (deployment zone) on ``con``; for the writer also memory_limit, threads and temp_directory."""
    con.execute(f"SET TimeZone = '{settings.timezone_name()}'")
    if writer:
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit()}'")
        threads = settings.duckdb_threads()
        if threads > 0:
            con.execute(f"SET threads = {threads}")
        if temp_dir is not None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            con.execute(f"SET temp_directory = '{temp_dir.as_posix()}'")
