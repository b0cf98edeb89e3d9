"""数据质量 Data quality: freshness (published version and age, last refresh failure, latest date
per mart), restated numbers (口径回溯: past headline numbers changed by late or corrected data,
marts.fct_metric_restatements), the file ledger (what loaded, what was rejected and why) and the rejected
rows with file, line, reason and raw text (ops.file_ledger, ops.rejected_rows)."""

PAGE = {"order": 90, "title": "nav.quality", "icon": ":material/fact_check:", "url_path": "quality"}

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboards import data, frame, metrics  # noqa: E402
from dashboards.i18n import t  # noqa: E402

REJECTED_LIMIT = 5000

LEDGER_COLUMNS = {
    "path": "col.file", "source": "col.source", "status": "col.status", "encoding": "col.encoding",
    "rows_in_file": "col.rows_in_file", "rows_loaded": "col.rows_loaded",
    "rows_rejected": "col.rows_rejected", "top_reasons": "col.top_reasons",
    "recorded_at": "col.recorded_at", "error": "col.error",
}
RESTATEMENT_COLUMNS = {
    "source_system": "col.source_system", "metric": "col.metric", "date_local": "col.date",
    "value_then": "col.value_then", "value_latest": "col.value_latest", "value_delta": "col.value_delta",
    "caused_by": "col.caused_by",
}
REJECTED_COLUMNS = {
    "source_file": "col.file", "source_line": "col.line", "reason_code": "col.reason_code",
    "reason": "col.reason", "raw_text": "col.raw_text", "source": "col.source",
}


local_text = frame.local_text


def localized(df: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``df`` restricted to ``names`` keys, columns renamed to the UI language."""
    return df[list(names)].rename(columns={k: t(v, zone=data.DISPLAY_TZ) for k, v in names.items()})


def render_freshness(ctx: frame.PageContext) -> None:
    """Version, publish time and age, the last refresh failure, and the latest date per mart."""
    snap = ctx.snapshot
    st.subheader(t("quality.freshness"))
    st.markdown(t("quality.published", version=snap.version, published=frame.format_instant(snap.published_at),
                  zone=data.DISPLAY_TZ, hours=snap.age().total_seconds() / 3600))
    if ctx.failure is None:
        if not snap.is_stale():
            st.success(t("quality.fresh_ok", limit=data.stale_after().total_seconds() / 3600),
                       icon=":material/check_circle:")
        st.caption(t("quality.last_failure_none"))
    latest = data.latest_dates(snap)
    if not latest.empty:
        st.markdown(f"**{t('quality.latest_by_mart')}**")
        shown = frame.localize(latest)
        st.dataframe(shown, hide_index=True, key="freshness_table")
        frame.downloads(shown, f"freshness_v{snap.version}", key="dl_freshness")


def _cutoff_labels(instants: pd.Series) -> pd.Series:
    """Wall-clock labels of the cut-off instants in :data:`data.DISPLAY_TZ`: to the second, or to the millisecond
    when two distinct instants share a second (loads of one refresh), so no two cut-offs merge."""
    seconds = local_text(instants)
    exact = pd.to_datetime(instants, utc=True)
    if exact.nunique() == seconds.nunique():
        return seconds
    from zoneinfo import ZoneInfo

    return exact.dt.tz_convert(ZoneInfo(data.DISPLAY_TZ)).dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]


def render_restatements(ctx: frame.PageContext) -> None:
    """口径回溯: the headline numbers of past days that late or corrected loads changed, compared with what was
    known at a chosen earlier load cut-off (default: the latest one), for every data set."""
    snap = ctx.snapshot
    st.subheader(t("quality.restated"))
    rows = data.restatements(snap)
    if rows.empty:
        st.info(t("quality.none_restated"))
        return
    rows["cutoff"] = _cutoff_labels(rows["cutoff_at"])
    rows["date_local"] = pd.to_datetime(rows["date_local"]).dt.date
    cutoffs = list(dict.fromkeys(rows["cutoff"]))  # newest first, one option per distinct instant
    cutoff = st.selectbox(t("quality.restated_since", zone=data.DISPLAY_TZ), cutoffs, key="restated_cutoff")
    chosen = rows[rows["cutoff"] == cutoff].copy()
    defs, _ = metrics.registry(data.metric_dim(snap))
    chosen["metric"] = [f"{m} {defs[m].name(ctx.lang)}" if m in defs else m for m in chosen["metric_id"]]
    for col, fmt in (("value_then", metrics.format_value), ("value_latest", metrics.format_value),
                     ("value_delta", metrics.format_change)):
        chosen[col] = [fmt(defs[m], v, ctx.lang) if m in defs else v
                       for m, v in zip(chosen["metric_id"], chosen[col].astype(object).where(chosen[col].notna(), None))]
    st.caption(t("quality.restated_summary", n=len(chosen), metrics=chosen["metric_id"].nunique()))
    shown = localized(chosen, RESTATEMENT_COLUMNS)
    st.dataframe(shown, hide_index=True, key="restated_table")
    frame.downloads(shown, f"restatements_v{snap.version}", key="dl_restated")


def render(ctx: frame.PageContext) -> None:
    """Freshness, restated numbers, ledger table, summary and the rejected-rows listing with a per-file filter."""
    snap = ctx.snapshot
    render_freshness(ctx)
    render_restatements(ctx)
    ledger = data.file_ledger(snap)
    st.subheader(t("quality.ledger"))
    st.caption(t("quality.summary", files=len(ledger), loaded=int(ledger["rows_loaded"].fillna(0).sum()),
                 rejected=int(ledger["rows_rejected"].fillna(0).sum())))
    ledger["recorded_at"] = local_text(ledger["recorded_at"])
    shown = localized(ledger, LEDGER_COLUMNS)
    st.dataframe(shown, hide_index=True, key="ledger_table")
    frame.downloads(shown, f"file_ledger_v{snap.version}", key="dl_ledger")

    st.subheader(t("quality.rejected"))
    with_rejects = ledger[ledger["rows_rejected"].fillna(0) > 0]
    files = dict(zip(with_rejects["load_id"], with_rejects["path"] + " · " + with_rejects["load_id"]))
    choice = st.selectbox(t("quality.rejected_file"), [""] + list(files), key="rejected_file",
                          format_func=lambda k, lang=ctx.lang: files.get(k, t("quality.all_files", lang)))
    load_id = choice or None
    total = data.rejected_count(snap, load_id)
    if total == 0:
        st.info(t("quality.none_rejected"))
        return
    rows = data.rejected_rows(snap, load_id, REJECTED_LIMIT)
    st.caption(t("quality.rejected_shown", shown=len(rows), total=total))
    shown_rows = localized(rows, REJECTED_COLUMNS)
    st.dataframe(shown_rows, hide_index=True, key="rejected_table")
    frame.downloads(shown_rows, f"rejected_rows_v{snap.version}", key="dl_rejected")


frame.run_page("nav.quality", render)
