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
    """Data version and publish time; the LAST_FAILURE notice and the 26 h stale banner."""
    snap = ctx.snapshot
    st.caption(t("header.version", version=snap.version, published=format_instant(snap.published_at),
                 zone=data.DISPLAY_TZ))
    if ctx.failure is not None:
        st.warning(
            t("banner.failure", failed_at=ctx.failure.failed_at, stage=ctx.failure.stage,
              message=ctx.failure.message, version=snap.version),
            icon=":material/sync_problem:",
        )
    if snap.is_stale(now):
        st.warning(t("banner.stale", hours=snap.age(now).total_seconds() / 3600),
                   icon=":material/schedule:")


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


def csv_download(df: pd.DataFrame, file_stem: str, key: str) -> None:
    """A "download CSV" button for ``df`` (UTF-8 with BOM so Excel shows Chinese correctly)."""
    st.download_button(
        t("download.csv"),
        data=df.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )
