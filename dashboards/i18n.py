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
        "nav.gas": "燃气安全",
        "nav.facilities": "市政设施与桥梁",
        "nav.confined": "有限空间",
        "nav.construction": "违建巡查",
        "nav.complaints": "群众诉求",
        "nav.sensors": "感知设备",
        "nav.sql": "SQL 查询",
        "nav.login": "登录",
        "filters.title": "筛选条件（保存在链接中）",
        "filters.street": "街道",
        "filters.all": "全部",
        "filters.own_street": "本账号仅可查看：{street}",
        "download.xlsx": "下载 Excel",
        "state.not_available": "该数据尚未提供（{table} 未发布），页面将在数据发布后自动显示。",
        "state.metrics_not_available": "以下指标尚未提供：{items}。",
        "state.metrics_not_reported": "本数据集未记录以下指标所需的事项，指标不适用（不是 0 %）：{items}。",
        "period.year": "{year} 年度",
        "rag.notarget": "无目标",
        "domain.focus": "指标详情",
        "domain.trend": "{name} 趋势",
        "unit.ratio": "比率（%）",
        "unit.count": "数量",
        "unit.yuan": "金额（元）",
        "unit.minutes": "分钟",
        "unit.hours": "小时",
        "unit.score": "分值",
        "drill.title": "明细追溯：指标背后的事件",
        "drill.street": "街道（点击上方柱形图也可选择）",
        "drill.all_streets": "全部街道",
        "drill.click_hint": "点击柱形可查看该街道的明细事件。",
        "drill.none_for_metric": "指标 {metric} 为综合计算值，没有直接对应的事件明细。",
        "drill.caption": "{metric} · {start} 至 {end} · 显示 {shown} / 共 {total} 条事件（含来源文件与行号）",
        "map.title": "{name} 分街道地图",
        "map.schematic": "街道边界为示意图（非测绘数据），离线绘制，无底图。",
        "map.assets": "设施分布（桥梁、有限空间作业单位）",
        "map.points": "点位（经纬度）",
        "facilities.bridges": "桥梁台账（一桥一档）",
        "facilities.assets_by_street": "各街道桥梁数",
        "confined.units": "有限空间作业单位台账",
        "confined.violations": "不合规作业（未审批、未通风检测或无监护）",
        "sensors.readings": "传感器读数汇总",
        "sensors.devices": "设备在线情况",
        "quality.freshness": "数据新鲜度",
        "quality.published": "当前版本 v{version}，发布于 {published}（{zone}），距今 {hours:.1f} 小时。",
        "quality.fresh_ok": "数据在 {limit:g} 小时内发布，状态正常。",
        "quality.last_failure_none": "最近一次刷新成功。",
        "quality.latest_by_mart": "各数据表最新日期",
        "brief.title": "每日简报",
        "brief.build": "生成今日简报（HTML 与 PDF）",
        "brief.ready": "简报已生成：v{version}，{when}。",
        "brief.html": "下载简报 HTML",
        "brief.pdf": "下载简报 PDF",
        "brief.failed": "简报生成失败（{ref}），错误已记录。",
        "brief.heading": "城市安全每日简报",
        "brief.street_index": "街道综合指标",
        "brief.footer": "数据版本 v{version}，发布于 {published}（{zone}）；生成于 {generated}。",
        "sql.intro": "只读查询：只允许一条 SELECT 语句；禁止文件访问、扩展、ATTACH 与写操作。最多返回 {rows:,} 行，超时 {seconds:g} 秒。",
        "sql.editor": "SQL",
        "sql.run": "运行查询",
        "sql.examples": "示例查询",
        "sql.example_pick": "选择示例（按数据表）",
        "sql.example_load": "载入示例",
        "sql.schema": "表结构浏览",
        "sql.refused": "查询被拒绝：{reason}",
        "sql.timeout": "查询超时：{reason}",
        "sql.error": "SQL 错误：{reason}",
        "sql.result": "返回 {rows:,} 行",
        "sql.truncated": "结果已截断：仅显示前 {rows:,} 行。",
        "sql.forbidden": "SQL 查询仅对分析人员开放。",
        "auth.title": "请登录",
        "auth.username": "用户名",
        "auth.password": "密码",
        "auth.submit": "登录",
        "auth.failed": "用户名或密码错误。",
        "auth.locked": "尝试次数过多，请 {seconds} 秒后再试。",
        "auth.config_error": "登录配置有误，已拒绝访问，请联系运维人员（{ref}）。",
        "auth.required": "请先登录。",
        "auth.logout": "退出登录",
        "auth.user": "{name}（{role}）",
        "role.leadership": "局领导",
        "role.street": "街道办",
        "role.analyst": "数据分析",
        "header.version": "数据版本 v{version} · 发布于 {published} ({zone})",
        "banner.stale": "数据已过期：最近一次发布是 {hours:.0f} 小时前（超过 {limit:g} 小时）。请检查夜间刷新任务。",
        "banner.failure": "最近一次数据刷新失败（{failed_at}，阶段：{stage}）。当前显示的是上一个正常版本 v{version}。",
        "banner.failure_details": "失败原因（技术详情，原文）",
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
        "quality.restated": "口径回溯（迟到与更正数据改变的历史数值）",
        "quality.none_restated": "没有历史数值因迟到或更正的数据而改变。",
        "quality.restated_since": "与此截止时间（{zone}）已知的数值比较",
        "quality.restated_summary": "{n} 个数值改变，涉及 {metrics} 项指标",
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
        "col.metric": "指标",
        "col.source_system": "数据来源系统",
        "col.value_then": "当时数值",
        "col.value_latest": "现值",
        "col.value_delta": "变化",
        "col.caused_by": "引起变化的文件",
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
        "nav.gas": "Gas safety",
        "nav.facilities": "Facilities and bridges",
        "nav.confined": "Confined space",
        "nav.construction": "Illegal construction",
        "nav.complaints": "Complaints",
        "nav.sensors": "Sensors and alarms",
        "nav.sql": "SQL",
        "nav.login": "Log in",
        "filters.title": "Filters (kept in the link)",
        "filters.street": "Streets",
        "filters.all": "All",
        "filters.own_street": "This account sees only: {street}",
        "download.xlsx": "Download Excel",
        "state.not_available": "Not yet available ({table} is not published); the page fills in once it is.",
        "state.metrics_not_available": "Not yet available: {items}.",
        "state.metrics_not_reported": "Not reported by this data set (it never records what they need; not 0 %): {items}.",
        "period.year": "year {year}",
        "rag.notarget": "no target",
        "domain.focus": "Indicator detail",
        "domain.trend": "{name} trend",
        "unit.ratio": "Rate (%)",
        "unit.count": "Count",
        "unit.yuan": "Amount (CNY)",
        "unit.minutes": "Minutes",
        "unit.hours": "Hours",
        "unit.score": "Score",
        "drill.title": "Drill-down: the events behind the indicator",
        "drill.street": "Street (or click a bar above)",
        "drill.all_streets": "All streets",
        "drill.click_hint": "Click a bar to list that street's events.",
        "drill.none_for_metric": "{metric} is a composite value with no direct events behind it.",
        "drill.caption": "{metric} · {start} to {end} · showing {shown} of {total} events (with source file and line)",
        "map.title": "{name} by street",
        "map.schematic": "Street boundaries are schematic (not survey data), drawn offline without a base map.",
        "map.assets": "Assets (bridges, confined-space work units)",
        "map.points": "Points (lon/lat)",
        "facilities.bridges": "Bridge register (one file per bridge)",
        "facilities.assets_by_street": "Bridges per street",
        "confined.units": "Confined-space work units",
        "confined.violations": "Non-compliant operations (no permit, ventilation/gas test or guardian)",
        "sensors.readings": "Sensor readings",
        "sensors.devices": "Devices reporting",
        "quality.freshness": "Freshness",
        "quality.published": "Current version v{version}, published {published} ({zone}), {hours:.1f} hours ago.",
        "quality.fresh_ok": "Published within the last {limit:g} hours: OK.",
        "quality.last_failure_none": "The last refresh succeeded.",
        "quality.latest_by_mart": "Latest date per mart",
        "brief.title": "Daily brief",
        "brief.build": "Make today's brief (HTML and PDF)",
        "brief.ready": "Brief ready: v{version}, {when}.",
        "brief.html": "Download brief (HTML)",
        "brief.pdf": "Download brief (PDF)",
        "brief.failed": "The brief could not be made ({ref}); the error was logged.",
        "brief.heading": "City safety daily brief",
        "brief.street_index": "Street composite index",
        "brief.footer": "Data version v{version}, published {published} ({zone}); made {generated}.",
        "sql.intro": "Read-only: one SELECT statement; file access, extensions, ATTACH and writes are refused. At most {rows:,} rows, {seconds:g} s time limit.",
        "sql.editor": "SQL",
        "sql.run": "Run query",
        "sql.examples": "Example queries",
        "sql.example_pick": "Pick an example (by mart)",
        "sql.example_load": "Load example",
        "sql.schema": "Schema browser",
        "sql.refused": "Query refused: {reason}",
        "sql.timeout": "Query timed out: {reason}",
        "sql.error": "SQL error: {reason}",
        "sql.result": "{rows:,} rows",
        "sql.truncated": "Result truncated to the first {rows:,} rows.",
        "sql.forbidden": "The SQL page is for analysts only.",
        "auth.title": "Please log in",
        "auth.username": "User name",
        "auth.password": "Password",
        "auth.submit": "Log in",
        "auth.failed": "Wrong user name or password.",
        "auth.locked": "Too many attempts; try again in {seconds} s.",
        "auth.config_error": "The login configuration is invalid; access denied. Please contact the operator ({ref}).",
        "auth.required": "Please log in first.",
        "auth.logout": "Log out",
        "auth.user": "{name} ({role})",
        "role.leadership": "leadership",
        "role.street": "street office",
        "role.analyst": "analyst",
        "header.version": "Data version v{version} · published {published} ({zone})",
        "banner.stale": "Data is stale: the last publish was {hours:.0f} hours ago (more than {limit:g} h). Check the nightly refresh.",
        "banner.failure": "The last data refresh failed ({failed_at}, stage: {stage}). Showing the last good version v{version}.",
        "banner.failure_details": "Why it failed (technical details)",
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
        "quality.restated": "Restated numbers (past values changed by late or corrected data)",
        "quality.none_restated": "No past number was changed by late or corrected data.",
        "quality.restated_since": "Compared with what was known at this cut-off ({zone})",
        "quality.restated_summary": "{n} numbers changed in {metrics} metrics",
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
        "col.metric": "Metric",
        "col.source_system": "Source system",
        "col.value_then": "Value then",
        "col.value_latest": "Value now",
        "col.value_delta": "Change",
        "col.caused_by": "Caused by files",
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


# Column headers of tables and downloads (mart column name -> (zh, en)); ``col.*`` strings above win.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "metric_id": ("指标编号", "Metric id"), "name": ("名称", "Name"), "value": ("数值", "Value"),
    "previous": ("上期数值", "Previous value"), "target": ("目标", "Target"), "unit": ("单位", "Unit"),
    "state": ("状态", "State"), "period_start": ("期间开始", "Period start"), "period_end": ("期间结束", "Period end"),
    "period": ("期间", "Period"), "numerator": ("分子", "Numerator"), "denominator": ("分母", "Denominator"),
    "street": ("街道", "Street"), "event_id": ("事件编号", "Event id"), "event_type": ("事件类型", "Event type"),
    "aggregate_type": ("对象类型", "Aggregate type"), "aggregate_id": ("对象编号", "Aggregate id"),
    "occurred_at": ("发生时间（Asia/Shanghai）", "Occurred at (Asia/Shanghai)"), "date_local": ("当地日期", "Local date"),
    "category": ("类别", "Category"), "channel": ("渠道", "Channel"), "subject_type": ("对象分类", "Subject type"),
    "source_file": ("来源文件", "Source file"), "source_line": ("来源行号", "Source line"), "load_id": ("载入批次", "Load id"),
    "source_system": ("数据来源系统", "Source system"), "bridge_id": ("桥梁编号", "Bridge id"),
    "maintenance_class": ("养护类别", "Maintenance class"), "maintenance_grade": ("养护等级", "Maintenance grade"),
    "registered_at": ("登记时间", "Registered at"), "file_reviewed_at": ("档案审核时间", "File reviewed at"),
    "file_complete": ("档案完整", "File complete"), "missing_items": ("缺失资料", "Missing items"),
    "latest_assessed_at": ("最近评定时间", "Latest assessed at"), "latest_assessment_kind": ("最近检测类型", "Latest assessment kind"),
    "latest_bci": ("最近 BCI", "Latest BCI"), "latest_grade": ("最近等级", "Latest grade"),
    "last_periodic_regular_at": ("最近定期检测", "Last periodic inspection"), "unit_id": ("单位编号", "Unit id"),
    "unit_name": ("单位名称", "Unit name"), "unit_type": ("单位类型", "Unit type"), "is_registered": ("已登记", "Registered"),
    "worker_count": ("作业人数", "Workers"), "ledger_status": ("台账状态", "Ledger status"),
    "workers_trained": ("已培训人数", "Workers trained"), "operations": ("作业次数", "Operations"),
    "last_operation_at": ("最近作业时间", "Last operation at"), "work_id": ("作业编号", "Work id"),
    "space_type": ("空间类型", "Space type"), "location_id": ("点位编号", "Location id"), "started_at": ("开始时间", "Started at"),
    "completed_at": ("完成时间", "Completed at"), "permitted_at": ("审批时间", "Permitted at"),
    "is_unit_registered": ("单位已登记", "Unit registered"), "is_permitted": ("已审批", "Permitted"),
    "workers": ("作业人数", "Workers"), "is_ventilated_tested": ("已通风检测", "Ventilated and tested"),
    "is_guarded": ("有监护", "Guarded"), "o2_pct": ("氧气 %", "O2 %"), "h2s_ppm": ("硫化氢 ppm", "H2S ppm"),
    "co_ppm": ("一氧化碳 ppm", "CO ppm"), "lel_pct": ("可燃气 %LEL", "LEL %"), "sensor_type": ("传感器类型", "Sensor type"),
    "readings": ("读数条数", "Readings"), "readings_flagged": ("异常读数", "Flagged readings"),
    "avg_value": ("平均值", "Average"), "min_value": ("最小值", "Minimum"), "max_value": ("最大值", "Maximum"),
    "devices_known": ("设备数", "Devices"), "devices_reporting": ("在线设备", "Devices reporting"),
    "devices_offline": ("离线设备", "Devices offline"), "bridges": ("桥梁数", "Bridges"), "mart": ("数据表", "Mart"),
    "latest": ("最新日期", "Latest date"), "n_rows": ("行数", "Rows"), "table_schema": ("模式", "Schema"),
    "table_name": ("表名", "Table"), "column_name": ("字段", "Column"), "data_type": ("类型", "Type"),
    "facility_type": ("设施类型", "Facility type"), "device_id": ("设备编号", "Device id"),
    "composite_score": ("综合指标值", "Composite score"), "grade": ("等级", "Grade"),
}

# Labels of category values in filters (fact column -> value -> (zh, en)); unknown values show as is.
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "subject_type": {"restaurant": ("餐饮场所", "Restaurant"), "lpg_station": ("瓶装燃气供应站", "LPG station")},
    "severity": {"general": ("一般隐患", "General"), "major": ("重大隐患", "Major")},
    "facility_type": {"streetlight": ("路灯", "Streetlight"), "drain": ("排水设施", "Drain"),
                      "manhole_cover": ("井盖", "Manhole cover"), "road_segment": ("道路", "Road"),
                      "greenery": ("绿地", "Greenery"), "bridge": ("桥梁", "Bridge")},
    "grid_level": {"district": ("区级网格", "District grid"), "street": ("街道网格", "Street grid"),
                   "community": ("社区网格", "Community grid")},
    "domain": {"gas": ("燃气", "Gas"), "construction": ("违法建设", "Illegal construction")},
    "channel": {"12345": ("12345 热线", "12345 hotline"), "wechat": ("微信", "WeChat"), "weibo": ("微博", "Weibo"),
                "douyin": ("抖音", "Douyin"), "petition": ("信访", "Petition"), "phone": ("电话", "Phone"),
                "web": ("网站", "Web"), "app": ("App", "App")},
    "shift": {"day": ("白班", "Day"), "night": ("夜班", "Night")},
    # refresh stages of LAST_FAILURE.json (pipelines.defs.failures.stage_of, pipelines.publish.PublishError)
    "stage": {"contracts": ("数据源契约", "source contracts"), "ingest": ("数据接入", "ingest"), "dbt parse": ("模型解析", "dbt parse"),
              "dbt build": ("模型构建", "dbt build"), "audit": ("数据审核", "audit"),
              "publish": ("发布", "publish"), "prepare": ("发布准备", "publish: prepare"),
              "run": ("运行", "run")},
}
DIM_LABELS: dict[str, tuple[str, str]] = {
    "subject_type": ("对象类型", "Subject type"), "severity": ("隐患等级", "Severity"),
    "facility_type": ("设施类型", "Facility type"), "grid_level": ("网格层级", "Grid level"),
    "domain": ("执法领域", "Enforcement domain"), "channel": ("渠道", "Channel"), "category": ("类别", "Category"),
    "sensor_type": ("传感器类型", "Sensor type"), "shift": ("班次", "Shift"),
}


def has(key: str, lang: Lang | None = None) -> bool:
    """True when ``key`` is a string of the UI language."""
    return key in STRINGS[lang or current_lang()]


def column_label(name: str, lang: Lang | None = None) -> str:
    """Header for column ``name`` in the UI language (``col.<name>`` string, then
    :data:`COLUMN_LABELS`, else the name itself)."""
    lang = lang or current_lang()
    if f"col.{name}" in STRINGS[lang]:
        return STRINGS[lang][f"col.{name}"].replace("{zone}", "Asia/Shanghai")
    pair = COLUMN_LABELS.get(name)
    return name if pair is None else pair[0 if lang == "zh" else 1]


def dim_label(col: str, lang: Lang | None = None) -> str:
    """Filter label of category column ``col``."""
    pair = DIM_LABELS.get(col)
    return col if pair is None else pair[0 if (lang or current_lang()) == "zh" else 1]


def value_label(col: str, value: str, lang: Lang | None = None) -> str:
    """Display text of a category value (e.g. restaurant -> 餐饮场所); the value itself if unknown."""
    pair = VALUE_LABELS.get(col, {}).get(value)
    return value if pair is None else pair[0 if (lang or current_lang()) == "zh" else 1]


def failure_notice(failed_at: str, stage: str, version: int, lang: Lang | None = None) -> str:
    """The "last refresh failed" notice in the UI language: ``failed_at`` (ISO text of LAST_FAILURE.json, shown as
    ``YYYY-MM-DD HH:MM`` in the instant's own offset when it parses, else as written), ``stage`` through
    :data:`VALUE_LABELS` ``stage`` (an unknown stage is shown as written) and the served ``version``. The raw error
    message is not part of it: it is in English or tool text, so pages show it apart (``banner.failure_details``)."""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(failed_at)
        shown = when.strftime("%Y-%m-%d %H:%M") + (f" UTC{when.strftime('%z')[:3]}:{when.strftime('%z')[3:]}"
                                                   if when.tzinfo else "")
    except ValueError:
        shown = failed_at
    return t("banner.failure", lang, failed_at=shown, stage=value_label("stage", stage, lang), version=version)

