"""Dagster definitions by domain: ingest, dbt, checks, publish, schedules, sensors (assembled in
``pipelines.definitions``)."""
