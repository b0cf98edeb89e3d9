"""The event store as a Hive-partitioned Parquet log (by source and UTC event date), written incrementally,
with a manifest any engine can follow; read back by DuckDB here and by Spark through the dbt `spark`
target (docs/scaling.md).

Public API::

    from pipelines.eventlog import export_event_log, attach_event_log, restore_event_store
    result = export_event_log(Warehouse(path))            # new batch under <warehouse>/eventlog (or root=...)
"""

from pipelines.eventlog.export import EventLogError, ExportResult, default_log_dir, export_event_log
from pipelines.eventlog.manifest import ManifestError, read_manifest
from pipelines.eventlog.read import attach_event_log, restore_event_store, table_sql

__all__ = ["EventLogError", "ExportResult", "ManifestError", "attach_event_log", "default_log_dir",
           "export_event_log", "read_manifest", "restore_event_store", "table_sql"]
