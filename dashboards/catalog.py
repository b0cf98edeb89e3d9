"""What each domain page shows (metric ids of marts.dim_metric, category filters) and how a fact
model maps to the events behind it in ``marts.fct_event_lineage`` (drill-down). Pure data.

Metric ids and models follow the dbt YAML ``meta.metrics`` (dbt/models/marts/*.yml, METRICS.md);
a metric or model missing from the published copy is shown as "not yet available".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DomainSpec:
    """A domain page: ``key`` (widget keys, file names), ``metrics`` (tile order), ``dims``
    (category filter columns of the facts), ``map_metric`` (default metric of the street map)."""

    key: str
    metrics: tuple[str, ...]
    dims: tuple[str, ...] = ()
    map_metric: str | None = None


@dataclass(frozen=True)
class LineageSpec:
    """Events behind a fact model: lineage ``aggregate_types`` and fact column -> lineage column
    for category filters that carry over (e.g. complaints ``channel`` -> lineage ``channel``)."""

    aggregate_types: tuple[str, ...]
    dims: dict[str, str] = field(default_factory=dict)


OVERVIEW = DomainSpec("overview", ("F1", "C16", "C17", "G2", "G1", "G3", "G4", "C20"), map_metric="F1")
GAS = DomainSpec("gas", ("G2", "G1", "G3", "G4", "G6", "G7", "G8", "G5", "G9", "G9C", "G10", "G10F"),
                 dims=("subject_type", "severity"), map_metric="G2")
FACILITIES = DomainSpec("facilities", ("F1", "F2", "F2R", "B2", "B1", "B4", "B5", "B6"),
                        dims=("facility_type",), map_metric="F1")
CONFINED = DomainSpec("confined", ("S1", "S2", "S3", "S4", "S5"), map_metric="S4")
CONSTRUCTION = DomainSpec("construction", ("I1", "I1D", "I1N", "I3", "I4", "I5", "E1O", "E1", "E2", "E3", "E4"),
                          dims=("grid_level", "domain"), map_metric="I1")
COMPLAINTS = DomainSpec("complaints", ("C1", "C16", "C17", "H5", "H4", "H2", "H6", "H7", "H9", "H9R", "H12", "H12A"),
                        dims=("channel", "category"), map_metric="C1")
SENSORS = DomainSpec("sensors", ("G12", "G12F", "D1"), dims=("sensor_type",), map_metric="G12F")

LINEAGE: dict[str, LineageSpec] = {
    "fct_fault_disposal_daily": LineageSpec(("fault",), {"facility_type": "subject_type"}),
    "fct_fault_response_daily": LineageSpec(("fault",), {"facility_type": "subject_type"}),
    "fct_gas_inspection_coverage": LineageSpec(("inspection", "gas_user"), {"subject_type": "subject_type"}),
    "fct_gas_hazard_rectification_monthly": LineageSpec(("hazard",), {"subject_type": "subject_type"}),
    "fct_black_gas_seizures_monthly": LineageSpec(("black_gas_point",)),
    "fct_enforcement_monthly": LineageSpec(("enforcement_case",), {"domain": "category"}),
    "fct_bridge_condition_yearly": LineageSpec(("bridge", "patrol")),
    "fct_confined_space_compliance_monthly": LineageSpec(("confined_space_work", "confined_space_unit", "worker")),
    "fct_patrol_checkin_daily": LineageSpec(("patrol_shift",), {"grid_level": "subject_type"}),
    "fct_illegal_construction_monthly": LineageSpec(("imagery_spot", "illegal_construction")),
    "fct_complaint_closure_daily": LineageSpec(("complaint",), {"channel": "channel", "category": "category"}),
    "fct_complaints_received_daily": LineageSpec(("complaint",), {"channel": "channel", "category": "category"}),
    "fct_complaint_service_daily": LineageSpec(("complaint",), {"channel": "channel", "category": "category"}),
    "fct_complaint_feedback_daily": LineageSpec(("complaint",), {"channel": "channel", "category": "category"}),
    "fct_tips_monthly": LineageSpec(("tip",), {"channel": "channel", "category": "category"}),
    "fct_sensor_alarms_daily": LineageSpec(("alarm",)),
    "fct_sensor_devices_daily": LineageSpec(("alarm",)),
    "fct_street_composite_monthly": LineageSpec(()),
}

# Example queries of the SQL page, one per mart (read-only; run through pipelines.sql_readonly).
EXAMPLE_QUERIES: dict[str, str] = {
    "fct_fault_disposal_daily": (
        "-- F1 设施故障日处置率 by street, last 30 days with data\n"
        "SELECT street, sum(faults_disposed_on_time) AS on_time, sum(faults_due) AS due,\n"
        "       round(sum(faults_disposed_on_time) / nullif(sum(faults_due), 0), 4) AS disposal_rate\n"
        "FROM marts.fct_fault_disposal_daily\n"
        "WHERE source_system = 'licheng'\n"
        "  AND date_local > (SELECT max(date_local) - 30 FROM marts.fct_fault_disposal_daily)\n"
        "GROUP BY street ORDER BY disposal_rate"),
    "fct_complaint_closure_daily": (
        "-- C16 结案率 / C17 按期结案率 by channel and month\n"
        "SELECT date_trunc('month', date_local) AS month, channel,\n"
        "       sum(complaints_closed) / nullif(sum(complaints_due), 0) AS closure_rate,\n"
        "       sum(complaints_closed_on_time) / nullif(sum(complaints_due), 0) AS on_time_closure_rate\n"
        "FROM marts.fct_complaint_closure_daily WHERE source_system = 'licheng'\n"
        "GROUP BY ALL ORDER BY month, channel"),
    "fct_complaints_received_daily": (
        "-- C1 受理量 by category\n"
        "SELECT category, sum(complaints_received) AS received\n"
        "FROM marts.fct_complaints_received_daily WHERE source_system = 'licheng'\n"
        "GROUP BY category ORDER BY received DESC"),
    "fct_gas_inspection_coverage": (
        "-- G1/G2 燃气检查覆盖率, latest month per subject type\n"
        "SELECT period_month, subject_type, sum(units_inspected) / nullif(sum(units_registered), 0) AS coverage\n"
        "FROM marts.fct_gas_inspection_coverage WHERE source_system = 'licheng'\n"
        "GROUP BY ALL ORDER BY period_month DESC, subject_type LIMIT 24"),
    "fct_gas_hazard_rectification_monthly": (
        "-- G6 隐患整改率 (cohort) and G7 按期整改率 by month\n"
        "SELECT period_month, sum(hazards_found) AS found,\n"
        "       sum(hazards_found_rectified) / nullif(sum(hazards_found), 0) AS rectification_rate,\n"
        "       sum(hazards_rectified_on_time) / nullif(sum(hazards_due), 0) AS on_time_rate\n"
        "FROM marts.fct_gas_hazard_rectification_monthly WHERE source_system = 'licheng'\n"
        "GROUP BY period_month ORDER BY period_month"),
    "fct_black_gas_seizures_monthly": (
        "-- G9 黑气点查处数 and cylinders seized by street\n"
        "SELECT street, sum(seizures) AS seizures, sum(cylinders_seized) AS cylinders\n"
        "FROM marts.fct_black_gas_seizures_monthly GROUP BY street ORDER BY seizures DESC"),
    "fct_enforcement_monthly": (
        "-- E1-E4 执法: cases, on-time decisions and fines by domain\n"
        "SELECT domain, sum(cases_opened) AS opened, sum(decisions_on_time) / nullif(sum(decisions), 0) AS on_time,\n"
        "       sum(fines_imposed_amount) AS fines_yuan, sum(fines_collected_amount) / nullif(sum(fines_imposed_amount), 0) AS collected\n"
        "FROM marts.fct_enforcement_monthly GROUP BY domain"),
    "fct_bridge_condition_yearly": (
        "-- B2 BCI grades per year\n"
        "SELECT period_year, sum(bridges_grade_a) AS a, sum(bridges_grade_b) AS b, sum(bridges_grade_c) AS c,\n"
        "       sum(bridges_grade_d) AS d, sum(bridges_grade_e) AS e\n"
        "FROM marts.fct_bridge_condition_yearly GROUP BY period_year ORDER BY period_year DESC"),
    "dim_bridge": (
        "-- bridges by latest BCI grade\n"
        "SELECT latest_grade, count(*) AS bridges, avg(latest_bci) AS avg_bci\n"
        "FROM marts.dim_bridge GROUP BY latest_grade ORDER BY latest_grade"),
    "fct_confined_space_compliance_monthly": (
        "-- S2-S5 有限空间作业合规 by month\n"
        "SELECT period_month, sum(operations) AS ops, sum(operations_permitted) / nullif(sum(operations), 0) AS permit_rate,\n"
        "       sum(operations_ventilated_tested) / nullif(sum(operations), 0) AS ventilation_rate\n"
        "FROM marts.fct_confined_space_compliance_monthly GROUP BY period_month ORDER BY period_month"),
    "fct_confined_space_work": (
        "-- operations that broke a rule\n"
        "SELECT work_id, unit_id, street, started_at, is_permitted, is_ventilated_tested, is_guarded, o2_pct\n"
        "FROM marts.fct_confined_space_work\n"
        "WHERE NOT (is_permitted AND is_ventilated_tested AND is_guarded) ORDER BY started_at"),
    "fct_patrol_checkin_daily": (
        "-- I1 巡查打卡率 by grid level and shift\n"
        "SELECT grid_level, shift, sum(checkins_done) / nullif(sum(checkins_planned), 0) AS checkin_rate\n"
        "FROM marts.fct_patrol_checkin_daily GROUP BY ALL ORDER BY checkin_rate"),
    "fct_illegal_construction_monthly": (
        "-- I3 卫片图斑核查率, I5 处置率 by street\n"
        "SELECT street, sum(imagery_spots_verified) / nullif(sum(imagery_spots_issued), 0) AS verification_rate,\n"
        "       sum(violations_removed) / nullif(sum(violations_found), 0) AS removal_rate\n"
        "FROM marts.fct_illegal_construction_monthly GROUP BY street ORDER BY removal_rate"),
    "fct_complaint_service_daily": (
        "-- H4 响应率 and H2 平均响应分钟 by channel\n"
        "SELECT channel, sum(complaints_contacted_in_limit) / nullif(sum(complaints_received), 0) AS response_rate,\n"
        "       sum(contact_minutes_total) / nullif(sum(complaints_contacted), 0) AS avg_minutes\n"
        "FROM marts.fct_complaint_service_daily GROUP BY channel ORDER BY response_rate"),
    "fct_complaint_feedback_daily": (
        "-- H7 满意率 by street\n"
        "SELECT street, sum(visits_satisfied) / nullif(sum(visits_rated), 0) AS satisfaction_rate\n"
        "FROM marts.fct_complaint_feedback_daily GROUP BY street ORDER BY satisfaction_rate"),
    "fct_tips_monthly": (
        "-- H12 有奖举报查实率 and rewards by category\n"
        "SELECT category, sum(tips_verified) / nullif(sum(tips_received), 0) AS verified_rate, sum(reward_amount) AS rewards\n"
        "FROM marts.fct_tips_monthly GROUP BY category"),
    "fct_sensor_alarms_daily": (
        "-- G12 报警响应时长 and false alarms by sensor type\n"
        "SELECT sensor_type, sum(alarms_raised) AS raised, sum(ack_minutes_total) / nullif(sum(alarms_acknowledged), 0) AS avg_ack_min,\n"
        "       sum(alarms_false) / nullif(sum(alarms_raised), 0) AS false_rate\n"
        "FROM marts.fct_sensor_alarms_daily GROUP BY sensor_type"),
    "fct_sensor_devices_daily": (
        "-- D1 设备离线率 by day\n"
        "SELECT date_local, sum(devices_offline) / nullif(sum(devices_known), 0) AS offline_rate\n"
        "FROM marts.fct_sensor_devices_daily GROUP BY date_local ORDER BY date_local DESC LIMIT 30"),
    "fct_sensor_readings_daily": (
        "-- readings and flagged readings per sensor type\n"
        "SELECT sensor_type, unit, sum(readings) AS readings, sum(readings_flagged) AS flagged\n"
        "FROM marts.fct_sensor_readings_daily GROUP BY ALL"),
    "fct_street_composite_monthly": (
        "-- C20 综合指标值: latest month ranking\n"
        "SELECT street, composite_score, grade FROM marts.fct_street_composite_monthly\n"
        "WHERE period_month = (SELECT max(period_month) FROM marts.fct_street_composite_monthly)\n"
        "ORDER BY composite_score DESC"),
    "fct_metric_values": (
        "-- any metric by id, monthly by street\n"
        "SELECT period_start, street, numerator, denominator, value FROM marts.fct_metric_values\n"
        "WHERE metric_id = 'F1' AND source_system = 'licheng' ORDER BY period_start, street"),
    "dim_metric": "-- the metric registry (指标字典)\nSELECT metric_id, name_zh, name_en, formula, target, unit, model FROM marts.dim_metric ORDER BY metric_id",
    "fct_event_lineage": (
        "-- events of one aggregate with file and line\n"
        "SELECT event_type, occurred_at, source_file, source_line FROM marts.fct_event_lineage\n"
        "WHERE aggregate_type = 'complaint' ORDER BY occurred_at LIMIT 50"),
    "file_ledger": "-- the file ledger\nSELECT path, status, rows_in_file, rows_loaded, rows_rejected, recorded_at FROM ops.file_ledger ORDER BY recorded_at DESC",
}
