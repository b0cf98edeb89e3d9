"""Write-audit-publish: copy the audited marts into a new read-only serving file and switch the pointer.

The pipeline alone writes ``build.duckdb``; readers (dashboards, ``python -m pipelines sql``) only open
``serving/v{N:06d}.duckdb`` files named by ``serving/CURRENT.json`` (ARCHITECTURE.md, "Single writer,
write-audit-publish"; FAILURE_CLASSES.md #1, #3). :func:`publish` runs after dbt build and its tests passed.

Serving file layout (docs/internals.md, "The serving copy"):

- schema ``marts``: every table and view of ``main_marts`` in the build database, materialized as tables;
- schema ``ops``: ``file_ledger``, ``rejected_rows``, ``load_supersessions``, ``load_retractions`` (copies of
  ``events.*``),
  ``events`` (a view over ``marts.fct_event_lineage`` when that mart exists: drill-down lineage) and
  ``publish_info`` (one row: version, published_at, as_of, code_version).

Order of a publish: copy into ``serving/.v{N}.duckdb.partial`` -> CHECKPOINT -> close -> fsync -> rename to
``v{N:06d}.duckdb`` -> write ``manifests/v{N:06d}.json`` -> atomically replace ``CURRENT.json`` ->
remove ``LAST_FAILURE.json`` -> prune to :func:`pipelines.settings.keep_versions` versions.
Any failure before the pointer switch deletes the new files, writes ``LAST_FAILURE.json``
(``{failed_at, stage, message, version_attempted}``) and raises :class:`PublishError`; ``CURRENT.json``
is untouched, so readers keep the last good version.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from pipelines import settings
from pipelines.warehouse import Warehouse, configure, connect_readonly

log = logging.getLogger(__name__)

BUILD_MARTS_SCHEMA = "main_marts"
LINEAGE_MART = "fct_event_lineage"
OPS_COPIES = {  # serving ops.<name> <- build events.<table>
    "file_ledger": "file_ledger",
    "rejected_rows": "rejected_rows",
    "load_supersessions": "load_supersessions",
    "load_retractions": "load_retractions",
}
_SERVING_FILE = re.compile(r"^v(\d{6,})\.duckdb$")
_MANIFEST_FILE = re.compile(r"^v(\d{6,})\.json$")


class PublishError(RuntimeError):
    """A publish failed; ``stage`` names the step (copy, checkpoint, fsync, manifest, pointer ...).

    ``CURRENT.json`` still names the previous good version and ``LAST_FAILURE.json`` says what happened.
    """

    def __init__(self, message: str, *, stage: str, version: int | None = None):
        super().__init__(message)
        self.stage = stage
        self.version = version


class NothingPublishedError(LookupError):
    """No version has been published yet (no ``serving/CURRENT.json``)."""


class RollbackError(ValueError):
    """The requested rollback target does not exist or is already current."""


# ---------------------------------------------------------------------------------------------------
# reading the pointer, manifests and the failure marker


def now_local() -> datetime:
    """Current time in the deployment zone (``CSW_TIMEZONE``), to the second."""
    return datetime.now(ZoneInfo(settings.timezone_name())).replace(microsecond=0)


def read_current(warehouse: Warehouse) -> dict[str, Any] | None:
    """Return the parsed ``CURRENT.json`` or None when nothing was published."""
    try:
        return json.loads(warehouse.current_pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def current_serving(warehouse: Warehouse) -> tuple[dict[str, Any], Path]:
    """Return ``(pointer, path)``: the ``CURRENT.json`` content and the absolute path of its serving file.

    Readers open ``path`` with ``read_only=True``, briefly, and key caches on ``pointer["version"]``.

    Raises:
        NothingPublishedError: no ``CURRENT.json`` yet.
        FileNotFoundError: the pointer names a file that is missing (it was deleted by hand).
    """
    pointer = read_current(warehouse)
    if pointer is None:
        raise NothingPublishedError(
            f"nothing published yet in {warehouse.serving_dir}: run `python -m pipelines refresh`"
        )
    path = warehouse.serving_dir / pointer["file"]
    if not path.exists():
        raise FileNotFoundError(f"CURRENT.json names {pointer['file']} but {path} is missing")
    return pointer, path


def read_manifest(warehouse: Warehouse, version: int) -> dict[str, Any]:
    """Return manifest ``manifests/v{version:06d}.json``.

    Raises:
        FileNotFoundError: no manifest for that version.
    """
    return json.loads(warehouse.manifest_file(version).read_text(encoding="utf-8"))


def read_last_failure(warehouse: Warehouse) -> dict[str, Any] | None:
    """Return ``LAST_FAILURE.json`` (``{failed_at, stage, message, ...}``) or None when the last refresh was good."""
    try:
        return json.loads(warehouse.last_failure.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def record_failure(warehouse: Warehouse, stage: str, message: str, **extra: Any) -> dict[str, Any]:
    """Write ``LAST_FAILURE.json`` = ``{failed_at (local ISO), stage, message, **extra}``; return it.

    Used by :func:`publish` and by the refresh runner for failures before publish (ingest, audit, dbt).
    """
    record = {"failed_at": now_local().isoformat(), "stage": stage, "message": message, **extra}
    warehouse.serving_dir.mkdir(parents=True, exist_ok=True)
    _write_json_atomic(warehouse.last_failure, record)
    return record


def published_versions(warehouse: Warehouse) -> list[int]:
    """Versions whose serving file and manifest both exist, ascending (the rollback candidates)."""
    if not warehouse.serving_dir.exists():
        return []
    found = []
    for entry in warehouse.serving_dir.iterdir():
        m = _SERVING_FILE.match(entry.name)
        if m and warehouse.manifest_file(int(m.group(1))).exists():
            found.append(int(m.group(1)))
    return sorted(found)


def next_version(warehouse: Warehouse) -> int:
    """1 + the highest version seen in serving files, manifests or the pointer (numbers are never reused)."""
    seen = [0]
    for folder, pattern in ((warehouse.serving_dir, _SERVING_FILE), (warehouse.manifests_dir, _MANIFEST_FILE)):
        if folder.exists():
            seen += [int(m.group(1)) for e in folder.iterdir() if (m := pattern.match(e.name))]
    current = read_current(warehouse)
    if current:
        seen.append(int(current["version"]))
    return max(seen) + 1


# ---------------------------------------------------------------------------------------------------
# publish


def publish(warehouse: Warehouse, *, as_of: datetime | None = None) -> dict[str, Any]:
    """Publish the build database's marts as a new serving version and switch ``CURRENT.json`` to it.

    Args:
        warehouse: the warehouse folder; ``build.duckdb`` must hold ``main_marts`` (dbt build done).
        as_of: the recorded_at cut-off the marts were built with (recorded in the manifest), or None.

    Returns:
        The new pointer (``CURRENT.json`` content): ``version``, ``file``, ``published_at``, ``manifest``,
        ``as_of``, ``code_version``.

    Raises:
        PublishError: any failure (no marts, disk full, permissions ...); ``stage`` says where. The
            partial file is deleted, ``LAST_FAILURE.json`` written, ``CURRENT.json`` left unchanged.
    """
    warehouse.ensure()
    _sweep_partials(warehouse)
    stage = "prepare"
    version: int | None = None
    written: list[Path] = []
    pointer_switched = False
    try:
        version = next_version(warehouse)
        final = warehouse.serving_file(version)
        partial = warehouse.serving_dir / f".{final.name}.partial"
        written += [partial, Path(f"{partial}.wal"), final]
        published_at = now_local()
        code_version = code_version_string()
        as_of_text = as_of.isoformat() if as_of else None

        stage = "copy"
        con = duckdb.connect(str(partial))
        try:
            configure(con, writer=True, temp_dir=warehouse.tmp_dir)
            copied = _copy_into(con, warehouse.build_db, as_of)
            con.execute(
                "CREATE TABLE ops.publish_info AS SELECT ?::INTEGER AS version, ?::TIMESTAMPTZ AS published_at, "
                "?::TIMESTAMPTZ AS as_of, ?::VARCHAR AS code_version",
                [version, published_at, as_of, code_version],
            )
            stage = "checkpoint"
            con.execute("CHECKPOINT")
        finally:
            con.close()

        stage = "fsync"
        _fsync_file(partial)
        os.replace(partial, final)
        _fsync_dir(warehouse.serving_dir)

        stage = "manifest"
        manifest = {
            "version": version,
            "file": final.name,
            "published_at": published_at.isoformat(),
            "as_of": as_of_text,
            "code_version": code_version,
            "row_counts": copied["row_counts"],
            "loads_included": copied["loads"],
        }
        manifest_path = warehouse.manifest_file(version)
        written.append(manifest_path)
        _write_json_atomic(manifest_path, manifest)

        stage = "pointer"
        pointer = {
            "version": version,
            "file": final.name,
            "published_at": manifest["published_at"],
            "manifest": f"{warehouse.manifests_dir.name}/{manifest_path.name}",
            "as_of": as_of_text,
            "code_version": code_version,
        }
        _write_json_atomic(warehouse.current_pointer, pointer)
        pointer_switched = True
    except BaseException as exc:
        if pointer_switched:  # the new version is live; only the directory fsync failed
            raise
        for path in written:
            path.unlink(missing_ok=True)
        message = _explain(exc, warehouse)
        note = ""
        try:
            record_failure(warehouse, stage, message, version_attempted=version)
        except OSError as marker_exc:
            note = f" (could not write LAST_FAILURE.json either: {marker_exc})"
        if not isinstance(exc, Exception):
            raise
        current = read_current(warehouse)
        still = f"v{current['version']:06d}" if current else "nothing (no version published yet)"
        raise PublishError(
            f"publish of version {version} failed at stage '{stage}': {message}{note}. "
            f"Readers still see {still}.",
            stage=stage,
            version=version,
        ) from exc

    warehouse.last_failure.unlink(missing_ok=True)
    try:
        prune(warehouse)
    except OSError as exc:  # the publish itself succeeded
        log.warning("could not prune old serving versions: %s", exc)
    return pointer


def _copy_into(con: duckdb.DuckDBPyConnection, build_db: Path, as_of: datetime | None) -> dict[str, Any]:
    """Copy marts and ops tables from ``build_db`` (attached read-only) into ``con``'s database.

    Returns ``{"row_counts": {"marts.x": n, ...}, "loads": [{load_id, path, source, sha256, recorded_at}]}``.
    """
    if not build_db.exists():
        raise FileNotFoundError(f"no build database at {build_db}")
    con.execute(f"ATTACH {_sql_literal(str(build_db))} AS build (READ_ONLY)")
    try:
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'build' AND table_schema = ? ORDER BY table_name",
                [BUILD_MARTS_SCHEMA],
            ).fetchall()
        ]
        if not marts:
            raise RuntimeError(
                f"build.duckdb has no tables in schema {BUILD_MARTS_SCHEMA}: dbt build produced no marts"
            )
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE SCHEMA ops")
        for name in marts:
            con.execute(f"CREATE TABLE marts.{_ident(name)} AS SELECT * FROM build.{BUILD_MARTS_SCHEMA}.{_ident(name)}")
        for target, source in OPS_COPIES.items():
            con.execute(f"CREATE TABLE ops.{_ident(target)} AS SELECT * FROM build.events.{_ident(source)}")
        if LINEAGE_MART in marts:
            # Unqualified name: resolved inside whichever catalog the serving file is opened as.
            con.execute(f"CREATE VIEW ops.events AS SELECT * FROM marts.{_ident(LINEAGE_MART)}")
        loads = _loads_included(con, as_of)
    except BaseException:
        try:
            con.execute("DETACH build")
        except duckdb.Error:
            pass  # keep the original error
        raise
    con.execute("DETACH build")
    counts = {}
    for schema, name in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "ORDER BY schema_name, table_name"
    ).fetchall():
        counts[f"{schema}.{name}"] = con.execute(f"SELECT count(*) FROM {_ident(schema)}.{_ident(name)}").fetchone()[0]
    return {"row_counts": counts, "loads": loads}


def _loads_included(con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> list[dict[str, Any]]:
    """Active loads (status loaded, not superseded as of the cut-off, recorded by the cut-off)."""
    rows = con.execute(
        """
        SELECT l.load_id, l.path, l.source, l.sha256, l.recorded_at
        FROM build.events.file_ledger l
        WHERE l.status = 'loaded'
          AND (?::TIMESTAMPTZ IS NULL OR l.recorded_at <= ?::TIMESTAMPTZ)
          AND l.load_id NOT IN (
              SELECT s.load_id FROM build.events.load_supersessions s
              WHERE ?::TIMESTAMPTZ IS NULL OR s.superseded_at <= ?::TIMESTAMPTZ)
        ORDER BY l.recorded_at, l.load_id
        """,
        [as_of, as_of, as_of, as_of],
    ).fetchall()
    return [
        {"load_id": r[0], "path": r[1], "source": r[2], "sha256": r[3], "recorded_at": r[4].isoformat()}
        for r in rows
    ]


# ---------------------------------------------------------------------------------------------------
# rollback and pruning


def rollback(warehouse: Warehouse, version: int | None = None) -> dict[str, Any]:
    """Point ``CURRENT.json`` at an earlier kept version; return the new pointer.

    Args:
        version: the target; None = the newest kept version older than the current one.

    Raises:
        NothingPublishedError: nothing published yet.
        RollbackError: the target is not kept (see :func:`published_versions`) or already current.
    """
    current = read_current(warehouse)
    if current is None:
        raise NothingPublishedError("nothing published yet: there is no version to roll back to")
    kept = published_versions(warehouse)
    cur = int(current["version"])
    if version is None:
        older = [v for v in kept if v < cur]
        if not older:
            raise RollbackError(f"no kept version older than the current v{cur:06d} (kept: {_fmt_versions(kept)})")
        version = older[-1]
    if version == cur:
        raise RollbackError(f"v{version:06d} is already the current version")
    if version not in kept:
        raise RollbackError(f"version {version} is not kept (kept: {_fmt_versions(kept)})")
    connect_readonly(warehouse.serving_file(version)).close()  # the target must open
    manifest = read_manifest(warehouse, version)
    pointer = {
        "version": version,
        "file": warehouse.serving_file(version).name,
        "published_at": manifest["published_at"],
        "manifest": f"{warehouse.manifests_dir.name}/{warehouse.manifest_file(version).name}",
        "as_of": manifest.get("as_of"),
        "code_version": manifest.get("code_version"),
        "rolled_back_at": now_local().isoformat(),
        "rolled_back_from": cur,
    }
    _write_json_atomic(warehouse.current_pointer, pointer)
    return pointer


def prune(warehouse: Warehouse, keep: int | None = None) -> list[int]:
    """Delete serving files and manifests beyond the newest ``keep`` versions (never the current one).

    Returns the deleted version numbers.
    """
    keep = keep if keep is not None else settings.keep_versions()
    current = read_current(warehouse)
    cur = int(current["version"]) if current else None
    kept = published_versions(warehouse)
    doomed = [v for v in kept[:-keep] if v != cur] if len(kept) > keep else []
    for v in doomed:
        path = warehouse.serving_file(v)
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        warehouse.manifest_file(v).unlink(missing_ok=True)
    return doomed


# ---------------------------------------------------------------------------------------------------
# helpers


def code_version_string() -> str:
    """``git describe --always --dirty --tags`` of the project, or ``"unknown"`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=settings.PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _sweep_partials(warehouse: Warehouse) -> None:
    """Remove leftovers of a publish that was killed mid-copy (``.v*.duckdb.partial*``, temp JSON)."""
    for folder in (warehouse.serving_dir, warehouse.manifests_dir):
        if folder.exists():
            for entry in folder.iterdir():
                if entry.name.startswith(".") and (".partial" in entry.name or ".tmp-" in entry.name):
                    entry.unlink(missing_ok=True)


def _write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as UTF-8 JSON to a temp file beside ``path``, fsync, ``os.replace``, fsync the folder."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _explain(exc: BaseException, warehouse: Warehouse) -> str:
    """``"<Type>: <message>"``, prefixed with ``disk full`` / ``permission denied`` and what to do when the
    error (an OSError errno, or DuckDB's text for the same condition) says so."""
    import errno

    text = f"{type(exc).__name__}: {exc}"
    code = getattr(exc, "errno", None)
    lowered = str(exc).lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or "no space left" in lowered or "disk quota" in lowered:
        return (f"disk full: no space left on the device of {warehouse.serving_dir} "
                f"(free space there or lower CSW_KEEP_VERSIONS) - {text}")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or "permission denied" in lowered or "read-only file system" in lowered:
        return (f"permission denied: the pipeline user cannot write {warehouse.serving_dir} "
                f"(check its owner and mode) - {text}")
    return text


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fmt_versions(versions: list[int]) -> str:
    return ", ".join(f"v{v:06d}" for v in versions) or "none"
