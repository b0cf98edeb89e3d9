"""Read the Parquet event log back with DuckDB: views with the event store's exact columns and types, or a
restored event store (``events.*`` in a new DuckDB file, e.g. to rebuild a warehouse from the log).

Only files listed in the manifest are read, so files of an unfinished export are never seen. Partition
columns come from the Hive folder names (``source``; ``event_date`` is dropped: it is derived).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.eventlog.layout import TABLES
from pipelines.eventlog.manifest import ManifestError, read_manifest, table_files
from pipelines.eventstore.store import ensure_schema
from pipelines.warehouse import configure


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_sql(root: Path, table: str, manifest: dict | None = None) -> str:
    """SQL of a relation with the rows of ``table`` in the log at ``root``, columns and types as in the store.

    Raises:
        ManifestError: no manifest, the table has never been exported (no known columns), or a listed file
            is missing.
    """
    manifest = manifest if manifest is not None else read_manifest(root, missing_ok=False)
    entry = manifest["tables"][table]
    cols = entry["columns"]
    if not cols:
        raise ManifestError(f"{root}: table {table} has no exported batch yet")
    files = table_files(root, manifest, table)
    select = ", ".join(f"CAST({_quote(c['name'])} AS {c['type']}) AS {_quote(c['name'])}" for c in cols)
    if not files:
        empty = ", ".join(f"CAST(NULL AS {c['type']}) AS {_quote(c['name'])}" for c in cols)
        return f"SELECT {empty} WHERE false"
    file_list = "[" + ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in files) + "]"
    hive = ", ".join(f"'{c}': {'DATE' if c == 'event_date' else 'VARCHAR'}" for c in entry["partition_by"])
    options = f", hive_partitioning = true, hive_types = {{{hive}}}" if entry["partition_by"] else ", hive_partitioning = false"
    return f"SELECT {select} FROM read_parquet({file_list}{options})"


def attach_event_log(con: duckdb.DuckDBPyConnection, root: Path, schema: str = "eventlog") -> dict[str, int]:
    """Create (or replace) views ``<schema>.<table>`` over every table of the log at ``root`` in ``con``.

    Returns the row count per table as listed in the manifest. ``con`` must be writable (an in-memory
    connection is fine). Raises ManifestError as :func:`table_sql`.
    """
    manifest = read_manifest(root, missing_ok=False)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
    counts = {}
    for t in TABLES:
        con.execute(f"CREATE OR REPLACE VIEW {_quote(schema)}.{_quote(t.name)} AS {table_sql(root, t.name, manifest)}")
        counts[t.name] = sum(int(f["rows"]) for f in manifest["tables"][t.name]["files"])
    return counts


def restore_event_store(root: Path, db_path: Path) -> dict[str, int]:
    """Create a new DuckDB file ``db_path`` holding the event store (schema.sql) filled from the log.

    Returns rows per table. Raises FileExistsError when ``db_path`` exists (never overwrites a warehouse),
    ManifestError as :func:`table_sql`.
    """
    db_path = Path(db_path)
    if db_path.exists():
        raise FileExistsError(f"{db_path} exists: restore into a new file")
    manifest = read_manifest(root, missing_ok=False)
    con = duckdb.connect(str(db_path))
    try:
        configure(con)
        ensure_schema(con)
        counts = {}
        for t in TABLES:
            con.execute(f"INSERT INTO events.{_quote(t.name)} BY NAME {table_sql(root, t.name, manifest)}")
            (counts[t.name],) = con.execute(f"SELECT count(*) FROM events.{_quote(t.name)}").fetchone()
        return counts
    finally:
        con.close()


__all__ = ["attach_event_log", "restore_event_store", "table_sql"]
