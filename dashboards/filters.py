"""The sidebar filters every data page shares, kept in the URL so a link reproduces the view:

| widget | key = query parameter | value |
|---|---|---|
| data set | ``source`` | source_system (default: licheng, else the first) |
| date range | ``range`` | two ISO dates (default: the last 30 days with data) |
| streets | ``street`` | repeated street names (default: all; a street office sees only its own) |
| category | the fact column name, e.g. ``channel`` | repeated values (default: all) |

Widgets keep their value across pages for the session (``persist_state="session"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import streamlit as st

from dashboards import data, i18n, urlstate
from dashboards.i18n import t

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Filters:
    """The chosen view: data set ``source`` and its zone, local-date window [start, end], chosen
    ``streets`` (empty = all visible streets), chosen category values per fact column ``dims``."""

    source: str
    zone: str
    start: dt.date
    end: dt.date
    streets: tuple[str, ...] = ()
    dims: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def key(self) -> str:
        """Short text for file names: ``<source>_<start>_<end>``."""
        return f"{self.source}_{self.start}_{self.end}"


def default_range(bounds: tuple[dt.date, dt.date] | None, zone: str) -> tuple[dt.date, dt.date]:
    """The last :data:`DEFAULT_DAYS` days with data (or up to today in ``zone`` without data)."""
    if bounds is None:
        hi = dt.datetime.now(ZoneInfo(zone)).date()
        lo = hi - dt.timedelta(days=DEFAULT_DAYS - 1)
    else:
        lo, hi = bounds
    return max(lo, hi - dt.timedelta(days=DEFAULT_DAYS - 1)), hi


def init_multi(key: str, options: list[str]) -> None:
    """Seed a multiselect from repeated ``?key=`` values (only the valid ones) on first use."""
    current = st.session_state.get(key)
    if isinstance(current, list) and all(v in options for v in current):
        return
    wanted = [v for v in st.query_params.get_all(key) if v in options]
    st.session_state[key] = wanted


def sync_multi(key: str, values: list[str]) -> None:
    """Write the chosen values to ``?key=`` (removed when nothing is chosen = all)."""
    if not values:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get_all(key) != list(values):
        st.query_params[key] = list(values)


def sidebar(snap: data.Snapshot, lang: str,
            dim_options: Callable[[str], dict[str, list[str]]] | None = None) -> Filters | None:
    """Render the shared filters in the sidebar and return the view, or None when there is no
    data set or the date range is incomplete (a hint is shown). ``dim_options(source)`` gives the
    page's category columns with their values."""
    sources = data.source_systems(snap)
    if sources.empty:
        st.info(t("state.no_rows"))
        return None
    names = dict(zip(sources["source_system"], sources[f"name_{lang}"]))
    zones = dict(zip(sources["source_system"], sources["time_zone"]))
    options = list(sources["source_system"])
    box = st.sidebar.container(border=True)
    box.caption(t("filters.title"))
    urlstate.init_choice("source", options, options[0])
    source = box.selectbox(t("overview.dataset"), options, key="source", persist_state="session",
                           format_func=lambda s: s if names[s] == s else f"{names[s]} ({s})")
    urlstate.sync_choice("source", source, options[0])
    zone = str(zones[source])

    default = default_range(data.date_bounds(snap, source), zone)
    urlstate.init_range("range", default)
    picked = box.date_input(t("overview.range"), key="range", format="YYYY-MM-DD", persist_state="session")
    if not isinstance(picked, (tuple, list)) or len(picked) != 2:
        st.info(t("overview.range_incomplete"))
        return None
    urlstate.sync_range("range", picked, default)
    start, end = sorted(picked)

    street_options = data.streets(snap, source)
    scope = data.current_scope()
    if scope.restricted:
        box.caption(t("filters.own_street", street=scope.street))
        chosen: list[str] = []
    else:
        init_multi("street", street_options)
        chosen = box.multiselect(t("filters.street"), street_options, key="street", persist_state="session",
                                 placeholder=t("filters.all"))
        sync_multi("street", chosen)
    dims: dict[str, tuple[str, ...]] = {}
    for col, values in (dim_options(source) if dim_options else {}).items():
        if not values:
            continue
        init_multi(col, values)
        picked_values = box.multiselect(i18n.dim_label(col, lang), values, key=col,
                                        persist_state="session", placeholder=t("filters.all"),
                                        format_func=lambda v, c=col, lang=lang: i18n.value_label(c, v, lang))
        sync_multi(col, picked_values)
        if picked_values:
            dims[col] = tuple(picked_values)
    return Filters(source, zone, start, end, tuple(chosen), dims)
