"""Streamlit dashboards of the city safety warehouse (城市管理和综合执法局 数据看板).

The app reads only the published, read-only serving copy (see docs/internals.md "The serving copy").
Entry point: ``streamlit run dashboards/app.py``. Only :mod:`dashboards.data` touches DuckDB.
"""
