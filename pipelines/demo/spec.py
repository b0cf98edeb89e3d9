"""Fixed facts of the demo district (Licheng-style, source_system ``licheng``).

Everything the generator and its tests agree on lives here: the reference year, the streets, the
file names, target counts and the rejects each file is meant to produce. No wall clock is read
anywhere in ``pipelines.demo``; the "export time" is the fixed instant :data:`EXPORT_AT`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SOURCE_SYSTEM = "licheng"
TZ_NAME = "Asia/Shanghai"
TZ = ZoneInfo(TZ_NAME)

DEFAULT_SEED = 20261129

# Reference year, naive local wall-clock (Asia/Shanghai has no DST, so naive arithmetic is exact).
YEAR_START = datetime(2025, 11, 1, 0, 0, 0)
YEAR_END = datetime(2026, 11, 1, 0, 0, 0)  # exclusive: the year is 2025-11-01 .. 2026-10-31
EXPORT_AT = YEAR_END  # files are "exported" at this instant: nothing after it may appear in them
# The next morning's exports (pipelines.demo.next_day): what changed after EXPORT_AT, up to this instant.
NEXT_DAY_AT = EXPORT_AT + timedelta(days=1)

# Sensor readings window: 15-minute readings for the last 14 days, hourly for the 30 days before.
READINGS_FINE_START = YEAR_END - timedelta(days=14)
READINGS_COARSE_START = READINGS_FINE_START - timedelta(days=30)

# The 8 streets (街道) with a relative size (share of restaurants / assets / complaints) and the
# share of registered restaurants inspected at least once in the year (G2 coverage, 85-97 %).
STREETS: tuple[str, ...] = (
    "鲤中街道", "海滨街道", "临江街道", "开元街道", "浮桥街道", "江南街道", "金龙街道", "常泰街道",
)
STREET_WEIGHT = {
    "鲤中街道": 17, "海滨街道": 15, "临江街道": 12, "开元街道": 14,
    "浮桥街道": 12, "江南街道": 13, "金龙街道": 9, "常泰街道": 8,
}
STREET_COVERAGE = {
    "鲤中街道": 0.96, "海滨街道": 0.95, "临江街道": 0.94, "开元街道": 0.96,
    "浮桥街道": 0.92, "江南街道": 0.90, "金龙街道": 0.88, "常泰街道": 0.85,
}

# Target sizes.
N_RESTAURANTS = 1600
N_LPG_STATIONS = 30
N_BRIDGES = 25
N_COMPLAINTS = 3000
ASSET_COUNTS = {  # facility type -> assets (bridges separately)
    "streetlight": 3200,
    "drain": 1100,
    "manhole_cover": 600,
    "road_segment": 420,
    "greenery": 300,
}
FAULT_LIMIT_HOURS = 24  # 24-hour emergency repair limit (METRICS.md F1)

# Output files, relative to the output dir; every file lives under demo/.
FILES = {
    "gas_users": "demo/gas_users.xlsx",
    "gas_inspections": "demo/gas_inspections.xlsx",
    "assets": "demo/facility_assets.csv",
    "faults": "demo/facility_faults.csv",
    "complaints": "demo/complaints.csv",
    "sensor_readings": "demo/sensor_readings.jsonl",
    "sensor_alarms": "demo/sensor_alarms.csv",
    # every other area of the bureau's work (pipelines/demo/extended.py, docs/demo-data.md)
    "gas_hazard_rectification": "demo/gas_hazard_rectification.csv",
    "black_gas_seizures": "demo/black_gas_seizures.csv",
    "enforcement_cases": "demo/enforcement_cases.xlsx",
    "bridge_inspections": "demo/bridge_inspections.xlsx",
    "bridge_files": "demo/bridge_files.csv",
    "bridge_patrols": "demo/bridge_patrols.jsonl",
    "confined_space_units": "demo/confined_space_units.xlsx",
    "confined_space_training": "demo/confined_space_training.csv",
    "confined_space_work": "demo/confined_space_work.jsonl",
    "patrol_checkpoints": "demo/patrol_checkpoints.csv",
    "patrol_shifts": "demo/patrol_shifts.xlsx",
    "patrol_checkins": "demo/patrol_checkins.csv",
    "imagery_spots": "demo/imagery_spots.xlsx",
    "illegal_construction": "demo/illegal_construction.csv",
    "hotline_tips": "demo/hotline_tips.csv",
    "complaint_followups": "demo/complaint_followups.csv",
}

# The next morning's exports, written after the first refresh by `python -m pipelines demo` (late data: the
# restatement mart fct_metric_restatements shows the numbers they change). Same contracts as the main files.
NEXT_DAY_FILES = {
    "faults_next_day": f"demo/facility_faults_{NEXT_DAY_AT:%Y-%m-%d}.csv",
}

# Contract (pipelines/contracts/<name>.yaml) and ingest kind per file.
CONTRACTS = {
    "gas_users": ("demo_gas_users", "registry"),
    "gas_inspections": ("demo_gas_inspections", "inspections"),
    "assets": ("demo_assets", "facilities"),
    "faults": ("demo_faults", "facilities"),
    "faults_next_day": ("demo_faults", "facilities"),
    "complaints": ("demo_complaints", "complaints"),
    "sensor_readings": ("demo_sensor_readings", "sensors"),
    "sensor_alarms": ("demo_sensor_alarms", "sensors"),
    "gas_hazard_rectification": ("demo_gas_hazard_rectification", "inspections"),
    "black_gas_seizures": ("demo_black_gas_seizures", "inspections"),
    "enforcement_cases": ("demo_enforcement_cases", "inspections"),
    "bridge_inspections": ("demo_bridge_inspections", "facilities"),
    "bridge_files": ("demo_bridge_files", "facilities"),
    "bridge_patrols": ("demo_bridge_patrols", "facilities"),
    "confined_space_units": ("demo_confined_space_units", "registry"),
    "confined_space_training": ("demo_confined_space_training", "registry"),
    "confined_space_work": ("demo_confined_space_work", "inspections"),
    "patrol_checkpoints": ("demo_patrol_checkpoints", "registry"),
    "patrol_shifts": ("demo_patrol_shifts", "inspections"),
    "patrol_checkins": ("demo_patrol_checkins", "inspections"),
    "imagery_spots": ("demo_imagery_spots", "inspections"),
    "illegal_construction": ("demo_illegal_construction", "inspections"),
    "hotline_tips": ("demo_hotline_tips", "complaints"),
    "complaint_followups": ("demo_complaint_followups", "complaints"),
}

# Rows each file is meant to have rejected at ingest (the data-quality page's material).
# complaints: 3 rows with an impossible calendar date, 1 row without 工单编号.
INTENDED_REJECTS = {key: 0 for key in FILES}
INTENDED_REJECTS["complaints"] = 4

MAX_TOTAL_BYTES = 9_000_000
MAX_READINGS_BYTES = 4_000_000


def fmt_local(ts: datetime) -> str:
    """Naive local wall-clock time as ``YYYY-MM-DD HH:MM:SS`` (the format the CSV exports use)."""
    return ts.strftime("%Y-%m-%d %H:%M:%S")


def fmt_offset(ts: datetime) -> str:
    """Naive local time as ISO 8601 with the +08:00 offset, e.g. ``2026-10-20T13:15:00+08:00``."""
    return ts.replace(tzinfo=TZ).isoformat()
