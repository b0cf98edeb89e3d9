"""City safety data warehouse: the Dagster code location, ingest, event store and publish.

Run ``python -m pipelines --help`` for the command line.
"""
