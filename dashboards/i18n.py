"""User-facing strings in Chinese (default) and English, and the sidebar language switch.

The language lives in the URL query parameter ``lang`` (``?lang=en``; absent means ``zh``) so a link
keeps its language (see :mod:`dashboards.urlstate`).
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from dashboards import urlstate

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
LANG_KEY = "lang"  # session-state key and query parameter name
LANG_LABELS = {"zh": "中文", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "app.title": "城市安全数据看板",
        "app.subtitle": "城市管理和综合执法局",
        "lang.label": "语言 / Language",
        "nav.overview": "总览",
        "nav.quality": "数据质量",
        "header.version": "数据版本 v{version} · 发布于 {published} ({zone})",
        "banner.stale": "数据已过期：最近一次发布是 {hours:.0f} 小时前（超过 26 小时）。请检查夜间刷新任务。",
        "banner.failure": "最近一次数据刷新失败（{failed_at}，阶段：{stage}）：{message}。当前显示的是上一个正常版本 v{version}。",
        "state.empty": "尚无已发布的数据。请运行 `python -m pipelines refresh` 生成并发布数据（仓库目录：`{wdir}`）。",
        "state.refreshing": "数据刷新中，请稍候刷新页面。",
        "state.error": "页面暂时无法显示（{ref}）。错误已记录，请联系运维人员。",
        "state.contract": "已发布的数据与约定不符（{ref}），请联系运维人员。",
        "state.no_rows": "所选范围内没有数据。",
        "overview.dataset": "数据集",
        "overview.range": "日期范围（当地日期）",
        "overview.range_incomplete": "请选择结束日期。",
        "overview.kpis": "关键指标",
        "overview.target": "目标 {target}",
        "overview.period_days": "{start} 至 {end}",
        "overview.period_month": "{month} 月度",
        "overview.num_den": "{num:,.0f} / {den:,.0f}",
        "overview.no_value": "无数据",
        "overview.delta": "{delta:+.1f} 个百分点（较上期）",
        "overview.delta_zero": "持平（较上期）",
        "overview.trend": "日处置率与结案率趋势",
        "overview.trend_x": "当地日期（{zone}）",
        "overview.trend_y": "比率（%）",
        "overview.breakdown": "分街道情况：哪个街道落后",
        "overview.breakdown_metric": "指标",
        "overview.breakdown_x": "比率（%）",
        "overview.breakdown_y": "街道",
        "overview.target_line": "目标",
        "rag.green": "达标",
        "rag.amber": "接近目标",
        "rag.red": "未达标",
        "rag.none": "无数据",
        "download.csv": "下载 CSV",
        "quality.ledger": "文件台账",
        "quality.rejected": "被拒绝的行",
        "quality.rejected_file": "文件",
        "quality.all_files": "全部文件",
        "quality.rejected_shown": "显示 {shown} / 共 {total} 行",
        "quality.none_rejected": "没有被拒绝的行。",
        "quality.summary": "{files} 个文件 · 载入 {loaded:,} 行 · 拒绝 {rejected:,} 行",
        "col.file": "文件",
        "col.source": "来源",
        "col.status": "状态",
        "col.encoding": "编码",
        "col.rows_in_file": "文件行数",
        "col.rows_loaded": "载入行数",
        "col.rows_rejected": "拒绝行数",
        "col.top_reasons": "主要拒绝原因",
        "col.recorded_at": "载入时间（{zone}）",
        "col.error": "错误",
        "col.line": "行号",
        "col.reason_code": "原因代码",
        "col.reason": "原因",
        "col.raw_text": "原始内容",
        "col.date": "日期",
        "col.street": "街道",
        "col.numerator": "分子",
        "col.denominator": "分母",
        "col.rate": "比率",
    },
    "en": {
        "app.title": "City Safety Dashboard",
        "app.subtitle": "Urban Management and Law Enforcement Bureau",
        "lang.label": "语言 / Language",
        "nav.overview": "Overview",
        "nav.quality": "Data quality",
        "header.version": "Data version v{version} · published {published} ({zone})",
        "banner.stale": "Data is stale: the last publish was {hours:.0f} hours ago (more than 26 h). Check the nightly refresh.",
        "banner.failure": "The last data refresh failed ({failed_at}, stage: {stage}): {message}. Showing the last good version v{version}.",
        "state.empty": "No data has been published yet. Run `python -m pipelines refresh` to build and publish it (warehouse folder: `{wdir}`).",
        "state.refreshing": "Data refresh in progress - please reload in a moment.",
        "state.error": "This page cannot be shown right now ({ref}). The error was logged; please contact the operator.",
        "state.contract": "The published data does not match its contract ({ref}); please contact the operator.",
        "state.no_rows": "No data in the selected range.",
        "overview.dataset": "Data set",
        "overview.range": "Date range (local dates)",
        "overview.range_incomplete": "Please pick an end date.",
        "overview.kpis": "Key indicators",
        "overview.target": "target {target}",
        "overview.period_days": "{start} to {end}",
        "overview.period_month": "month {month}",
        "overview.num_den": "{num:,.0f} / {den:,.0f}",
        "overview.no_value": "no data",
        "overview.delta": "{delta:+.1f} pp vs previous period",
        "overview.delta_zero": "unchanged vs previous period",
        "overview.trend": "Daily disposal and closure rates",
        "overview.trend_x": "Local date ({zone})",
        "overview.trend_y": "Rate (%)",
        "overview.breakdown": "By street: which street is behind",
        "overview.breakdown_metric": "Indicator",
        "overview.breakdown_x": "Rate (%)",
        "overview.breakdown_y": "Street",
        "overview.target_line": "Target",
        "rag.green": "on target",
        "rag.amber": "near target",
        "rag.red": "below target",
        "rag.none": "no data",
        "download.csv": "Download CSV",
        "quality.ledger": "File ledger",
        "quality.rejected": "Rejected rows",
        "quality.rejected_file": "File",
        "quality.all_files": "All files",
        "quality.rejected_shown": "showing {shown} of {total} rows",
        "quality.none_rejected": "No rejected rows.",
        "quality.summary": "{files} files · {loaded:,} rows loaded · {rejected:,} rows rejected",
        "col.file": "File",
        "col.source": "Source",
        "col.status": "Status",
        "col.encoding": "Encoding",
        "col.rows_in_file": "Rows in file",
        "col.rows_loaded": "Rows loaded",
        "col.rows_rejected": "Rows rejected",
        "col.top_reasons": "Top reject reasons",
        "col.recorded_at": "Loaded at ({zone})",
        "col.error": "Error",
        "col.line": "Line",
        "col.reason_code": "Reason code",
        "col.reason": "Reason",
        "col.raw_text": "Raw text",
        "col.date": "Date",
        "col.street": "Street",
        "col.numerator": "Numerator",
        "col.denominator": "Denominator",
        "col.rate": "Rate",
    },
}


def current_lang() -> Lang:
    """The language of this run: the bound widget's value, else ``?lang=``, else ``zh``."""
    value = st.session_state.get(LANG_KEY) or st.query_params.get(LANG_KEY)
    return value if value in LANGS else DEFAULT_LANG  # type: ignore[return-value]


def t(key: str, lang: Lang | None = None, **fmt: object) -> str:
    """The string ``key`` in ``lang`` (default: :func:`current_lang`), formatted with ``fmt``.

    Raises KeyError naming the key when it is missing (both languages carry the same keys).
    """
    table = STRINGS[lang or current_lang()]
    if key not in table:
        raise KeyError(f"i18n: no string {key!r}")
    text = table[key]
    return text.format(**fmt) if fmt else text


def language_switch() -> Lang:
    """Render the sidebar language switch (kept in query parameter ``lang``); return the language."""
    urlstate.init_choice(LANG_KEY, LANGS, DEFAULT_LANG)
    st.sidebar.segmented_control(
        STRINGS["zh"]["lang.label"],
        options=list(LANGS),
        required=True,
        format_func=LANG_LABELS.__getitem__,
        key=LANG_KEY,
    )
    lang = current_lang()
    urlstate.sync_choice(LANG_KEY, lang, DEFAULT_LANG)
    return lang
