"""The shell every page runs in: title, data version + publish time, stale / failure notices,
friendly states for "no warehouse" and "refresh in progress", and a guard so no traceback ever
reaches the page (exceptions are logged with a short reference shown to the user).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import data, i18n
from dashboards.i18n import t

log = logging.getLogger("dashboards")


@dataclass(frozen=True)
class PageContext:
    """What a page body receives: the published ``snapshot``, the UI ``lang`` and ``failure``
    (LAST_FAILURE.json content or None)."""

    snapshot: data.Snapshot
    lang: i18n.Lang
    failure: data.Failure | None


def format_instant(value: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM`` wall-clock time in :data:`data.DISPLAY_TZ` (zone named by the caller)."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(data.DISPLAY_TZ)).strftime("%Y-%m-%d %H:%M")


def _error_ref() -> str:
    return "ERR-" + uuid.uuid4().hex[:8]


def render_header(ctx: PageContext, now: dt.datetime | None = None) -> None:
    """Data version and publish time; the LAST_FAILURE notice and the stale banner
    (older than ``CSW_STALE_HOURS``, :func:`dashboards.data.stale_after`)."""
    snap = ctx.snapshot
    st.caption(t("header.version", version=snap.version, published=format_instant(snap.published_at),
                 zone=data.DISPLAY_TZ))
    if ctx.failure is not None:
        render_failure(ctx.failure, snap.version)
    if snap.is_stale(now):
        st.warning(t("banner.stale", hours=snap.age(now).total_seconds() / 3600,
                     limit=data.stale_after().total_seconds() / 3600),
                   icon=":material/schedule:")


def render_failure(failure: data.Failure, version: int) -> None:
    """The LAST_FAILURE notice (:func:`dashboards.i18n.failure_notice`) with the raw error message folded
    under it (it is tool text, usually English)."""
    st.warning(i18n.failure_notice(failure.failed_at, failure.stage, version), icon=":material/sync_problem:")
    if failure.message:
        with st.expander(t("banner.failure_details")):
            st.code(failure.message, language=None, wrap_lines=True)


def run_page(title_key: str, render: Callable[[PageContext], None]) -> None:
    """Run a page body inside the shell.

    Shows the title, resolves the current snapshot (friendly empty / refreshing states), renders
    the header and then ``render(ctx)``. Any exception from the body is logged and replaced by a
    friendly message with a reference id; Streamlit's own control flow (st.stop, st.rerun) passes.
    """
    st.title(t(title_key))
    try:
        try:
            snap = data.current_snapshot()
        except data.NoWarehouse:
            st.info(t("state.empty", wdir=data.warehouse_dir()), icon=":material/inventory_2:")
            return
        ctx = PageContext(snapshot=snap, lang=i18n.current_lang(), failure=data.last_failure())
        render_header(ctx)
        render(ctx)
    except data.NotAuthorized:
        st.info(t("auth.required"), icon=":material/lock:")
    except data.MartUnavailable as exc:
        log.info("page %s: %s", title_key, exc)
        st.info(t("state.not_available", table=exc.table), icon=":material/construction:")
    except data.RefreshInProgress as exc:
        log.warning("serving copy not readable (refresh in progress?): %s", exc)
        st.info(t("state.refreshing"), icon=":material/hourglass_top:")
    except data.ServingContractError:
        ref = _error_ref()
        log.exception("serving copy breaks the contract [%s]", ref)
        st.error(t("state.contract", ref=ref))
    except Exception:  # noqa: BLE001 - the last guard before the page: log, never show a traceback
        ref = _error_ref()
        log.exception("page %s failed [%s]", title_key, ref)
        st.error(t("state.error", ref=ref))


def local_text(values: pd.Series) -> pd.Series:
    """Instants as ``YYYY-MM-DD HH:MM:SS`` wall-clock text in :data:`data.DISPLAY_TZ`."""
    from zoneinfo import ZoneInfo

    ts = pd.to_datetime(values, utc=True).dt.tz_convert(ZoneInfo(data.DISPLAY_TZ))
    return ts.dt.strftime("%Y-%m-%d %H:%M:%S")


def excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` Excel can store: time-zone-aware instants become wall-clock times in
    :data:`data.DISPLAY_TZ` (the zone is in the column label), lists/dicts become text."""
    from zoneinfo import ZoneInfo

    out = df.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.tz_convert(ZoneInfo(data.DISPLAY_TZ)).dt.tz_localize(None)
        elif series.dtype == object:
            out[col] = [v if v is None or isinstance(v, (str, int, float, bool, dt.date)) else str(v)
                        for v in series]
    return out


def to_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """``df`` as an .xlsx workbook (openpyxl), headers kept as given (Chinese intact)."""
    import io

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        excel_safe(df).to_excel(writer, index=False, sheet_name=sheet[:31] or "data")
    return buf.getvalue()


def to_csv(df: pd.DataFrame) -> bytes:
    """``df`` as CSV in UTF-8 with BOM (Excel opens Chinese text correctly)."""
    return df.to_csv(index=False).encode("utf-8-sig")


def downloads(df: pd.DataFrame, file_stem: str, key: str) -> None:
    """"Download CSV" and "Download XLSX" buttons side by side for ``df`` (headers as shown)."""
    with st.container(horizontal=True):
        st.download_button(t("download.csv"), data=to_csv(df), file_name=f"{file_stem}.csv", mime="text/csv",
                           key=key, on_click="ignore", icon=":material/download:")
        st.download_button(
            t("download.xlsx"), data=to_xlsx(df), file_name=f"{file_stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx", on_click="ignore", icon=":material/table_view:")




def localize(df: pd.DataFrame, lang: i18n.Lang | None = None) -> pd.DataFrame:
    """``df`` with column names in the UI language where :mod:`dashboards.i18n` knows them
    (``col.<name>``), others unchanged."""
    return df.rename(columns={c: i18n.column_label(str(c), lang) for c in df.columns})
