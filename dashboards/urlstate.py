"""Keep widget values in the URL (``st.query_params``) with stable, language-independent values.

Streamlit's ``bind="query-params"`` writes a widget's *formatted* label into the URL (``?lang=English``,
``?source=历城区 (licheng)``), which changes with the UI language; so the app keeps codes itself:
the session's first run reads the parameter into ``st.session_state[key]`` (before the widget is
created), and every run writes the widget's value back, dropping it when it equals the default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st


def init_choice(key: str, options: Sequence[str], default: str) -> None:
    """Seed ``st.session_state[key]`` from ``?key=`` (if a valid option) or ``default``, unless the
    widget already has a value (or the value it has is no longer an option)."""
    current = st.session_state.get(key)
    if current in options:
        return
    wanted = st.query_params.get(key)
    st.session_state[key] = wanted if wanted in options else default


def sync_choice(key: str, value: str | None, default: str | None) -> None:
    """Write ``value`` to ``?key=``; remove the parameter when ``value`` equals ``default``."""
    if value is None or value == default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def _parse_dates(values: Sequence[str]) -> tuple[dt.date, dt.date] | None:
    try:
        days = sorted(dt.date.fromisoformat(v) for v in values)
    except ValueError:
        return None
    return (days[0], days[-1]) if len(days) == 2 else None


def init_range(key: str, default: tuple[dt.date, dt.date]) -> None:
    """Seed a date-range widget's state from ``?key=YYYY-MM-DD&key=YYYY-MM-DD`` or ``default``
    (only when the widget has no value yet)."""
    if key in st.session_state:
        return
    picked = _parse_dates(st.query_params.get_all(key))
    st.session_state[key] = picked or default


def sync_range(key: str, value: Sequence[dt.date], default: tuple[dt.date, dt.date]) -> None:
    """Write a complete (start, end) range to ``?key=``; drop it when equal to ``default``."""
    if len(value) != 2:
        return
    wanted = [value[0].isoformat(), value[1].isoformat()]
    if tuple(value) == tuple(default):
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get_all(key) != wanted:
        st.query_params[key] = wanted
