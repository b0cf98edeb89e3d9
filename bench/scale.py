"""Scale data generator for the benchmark: the demo district's raw exports at 1M / 10M / 100M readings.

Usage::

    python -m bench.scale --out DIR --readings 10000000 [--days 365] [--seed N] [--complaints N ...]
    python -m bench.scale --out DIR --readings 10000000 --add-day 0     # one new day after the history

Writes files in the formats and paths the demo contracts accept (``pipelines/contracts/demo_*.yaml``,
source_system ``licheng``), so the pipeline loads them with no new contract, except the sensor readings:
those are a CSV (``bench_sensors/*.csv``, contract ``pipelines/contracts/bench_sensor_csv.yaml``) because
a 10M-line JSON Lines dump is slow to write and read. Files (relative to ``--out``):

| file | contract | rows |
|---|---|---|
| ``demo/gas_users_bench.xlsx`` | demo_gas_users | ``gas_users`` (default inspections / 3) |
| ``demo/facility_assets_bench.csv`` | demo_assets | ``assets`` (default faults / 2) |
| ``demo/gas_inspections_history.xlsx`` | demo_gas_inspections | ``inspections`` |
| ``demo/facility_faults_history.csv`` | demo_faults | ``faults`` |
| ``demo/complaints_history.csv`` (UTF-8) | demo_complaints | ``complaints`` |
| ``demo/sensor_alarms_history.csv`` | demo_sensor_alarms | about 2 per device |
| ``bench_sensors/readings_history.csv`` | bench_sensor_csv | ``readings`` (rounded to whole device-days) |

The history covers local days ``[end - days, end)`` (Asia/Shanghai, default end 2026-11-01). ``add_day(k)``
writes the files of day ``end + k`` (``*_YYYYMMDD.*``) with one day's share of every volume: the nightly
increment. Deterministic in the seed (numpy PCG64 per domain); no wall clock is read. Every generated row
is valid: loading a generated folder must reject nothing.

Sensor readings are streamed in chunks of about one million rows with vectorised numpy/pyarrow (about
1-2 s per million rows on one core), so memory stays flat at any scale.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from openpyxl import Workbook

DEFAULT_SEED = 20261129
DEFAULT_END = date(2026, 11, 1)
TZ_OFFSET = "+08:00"  # Asia/Shanghai, no DST: naive local arithmetic is exact
CHUNK_ROWS = 1_000_000

# Proportions per one million readings (a district with a few hundred IoT devices per 10M readings a year).
PER_MILLION = {"complaints": 20_000, "faults": 10_000, "inspections": 5_000}

STREETS = ("鲤中街道", "海滨街道", "临江街道", "开元街道", "浮桥街道", "江南街道", "金龙街道", "常泰街道")
STREET_P = np.array([17, 15, 12, 14, 12, 13, 9, 8], dtype=float) / 100
# Labels as the exports write them (mapped by the demo contracts).
CHANNELS = ("12345热线", "微信", "抖音", "微博", "信访")
CHANNEL_P = np.array([55, 18, 12, 7, 8], dtype=float) / 100
CHANNEL_LIMIT_H = np.array([120, 72, 72, 72, 1440])  # seed complaint_time_limits (licheng)
CATEGORIES = ("市容环境", "占道经营", "噪声扰民", "路灯照明", "违法建设", "道路设施", "排水防涝", "燃气安全",
              "油烟污染", "园林绿化", "井盖设施", "户外广告")
CLOSE_METHODS = ("已解决", "重复件", "不属于本单位职责", "无法解决", "诉求人撤回", "作废")
CLOSE_P = np.array([85, 4, 3, 3, 3, 2], dtype=float) / 100
SATISFACTION = ("满意", "基本满意", "不满意")
COMPLAINT_HEADER = ("工单编号", "来源渠道", "诉求类别", "诉求内容", "所属街道", "详细地址", "受理时间", "办结时限",
                    "办结时间", "办结方式", "回访时间", "满意度")
FACILITY_TYPES = ("路灯", "排水设施", "井盖", "道路", "绿地", "桥梁")
FACILITY_P = np.array([50, 18, 12, 10, 8, 2], dtype=float) / 100
FACILITY_PREFIX = ("LD", "PS", "JG", "DL", "LH", "QL")
FACILITY_LIMIT_H = np.array([24, 24, 24, 24, 48, 24])  # seed fault_time_limits
FAULT_CODES = {  # facility type label -> fault labels of demo_faults.yaml
    "路灯": ("路灯不亮", "线路故障", "灯具破损", "灯杆倾斜"), "排水设施": ("排水堵塞", "雨水篦子缺失", "管道破损"),
    "井盖": ("井盖缺失", "井盖破损", "井盖异响"), "道路": ("路面坑槽", "路面沉陷", "人行道板松动"),
    "绿地": ("树木倒伏", "绿化带破损"), "桥梁": ("伸缩缝损坏", "栏杆损坏", "桥面破损"),
}
REPORT_SOURCES = ("巡查发现", "12345转办", "市民报修", "智能监测")
ASSET_HEADER = ("设施编号", "设施类型", "设施名称", "所属街道", "位置", "经度", "纬度", "建成日期", "规格",
                "养护类别", "养护等级", "管养单位")
FAULT_HEADER = ("故障编号", "设施编号", "设施类型", "所属街道", "故障类别", "上报来源", "上报时间", "处置时限",
                "到场时间", "修复时间", "处置状态", "延期批准时间", "延期至", "取消时间", "取消原因", "抢修班组")
GAS_USER_HEADER = ("单位编号", "单位名称", "单位类型", "所属街道", "经营地址", "许可证号", "登记日期", "经度", "纬度")
INSPECTION_TOP = ("基本信息",) * 5 + ("检查日期",) + ("检查项目",) * 4 + ("检查结论",) * 2 + ("隐患情况",) * 3 + ("检查人员",)
INSPECTION_SUB = ("检查编号", "单位编号", "单位名称", "单位类型", "所属街道", None, "信息牌已张贴", "报警器已安装",
                  "报警器有效", "软管合格", "检查结果", "得分", "隐患类别", "隐患等级", "整改期限", None)
HAZARDS = ("未张贴信息牌", "未安装报警器", "报警器失效", "软管老化", "钢瓶超期未检", "未配备灭火器")
ALARM_HEADER = ("报警编号", "设备编号", "监测类型", "监测对象编号", "监测对象名称", "所属街道", "报警级别",
                "报警值", "阈值", "计量单位", "报警时间", "确认时间", "解除时间", "解除原因")
SENSOR_HEADER = ("device_id", "sensor_type", "ts", "value", "unit")
SENTINEL = -9999.0


@dataclass(frozen=True)
class ScaleSpec:
    """Volumes of one generated data set.

    ``readings`` is a target: the generator writes ``devices * days * slots_per_day`` readings (15-minute
    slots), the nearest whole number of device-days. ``gas_users`` / ``assets`` default to
    ``inspections // 3`` / ``faults // 2`` (at least 60). History = local days ``[end - days, end)``.
    """

    readings: int
    complaints: int
    faults: int
    inspections: int
    days: int = 365
    seed: int = DEFAULT_SEED
    end: date = DEFAULT_END
    interval_minutes: int = 15
    gas_users: int | None = None
    assets: int | None = None

    @classmethod
    def proportional(cls, readings: int, days: int = 365, seed: int = DEFAULT_SEED, **overrides) -> "ScaleSpec":
        """Spec with complaints / faults / inspections in :data:`PER_MILLION` proportion to ``readings``."""
        counts = {k: max(50, round(v * readings / 1_000_000)) for k, v in PER_MILLION.items()}
        counts.update(overrides)
        return cls(readings=readings, days=days, seed=seed, **counts)

    @property
    def slots_per_day(self) -> int:
        """Readings per device per day (1440 / interval_minutes)."""
        return 1440 // self.interval_minutes

    @property
    def devices(self) -> int:
        """Number of sensors (half gas-leak detectors, half water-level gauges), at least 2."""
        return max(2, round(self.readings / (self.days * self.slots_per_day)))

    @property
    def actual_readings(self) -> int:
        """Readings the history file really holds."""
        return self.devices * self.days * self.slots_per_day

    @property
    def n_gas_users(self) -> int:
        return self.gas_users or max(60, self.inspections // 3)

    @property
    def n_assets(self) -> int:
        return self.assets or max(60, self.faults // 2)

    @property
    def start(self) -> date:
        """First local day of the history."""
        return self.end - timedelta(days=self.days)

    def day_share(self, n: int) -> int:
        """One day's share of a yearly-history volume ``n`` (at least 1)."""
        return max(1, round(n / self.days))


@dataclass
class Written:
    """What a generator call wrote: files (relative path -> bytes), row counts per kind, seconds taken."""

    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


# ---------------------------------------------------------------------------------------------------
# helpers


def _rng(spec: ScaleSpec, domain: str) -> np.random.Generator:
    key = [spec.seed, *domain.encode("utf-8")]
    return np.random.Generator(np.random.PCG64(key))


def _epoch(d: date) -> int:
    """Seconds of local midnight of ``d`` on a naive local axis (days since 1970 * 86400)."""
    return (d - date(1970, 1, 1)).days * 86400


def _fmt(secs: np.ndarray, mask: np.ndarray | None = None, fmt: str = "%Y-%m-%d %H:%M:%S") -> pa.Array:
    """Naive local seconds -> text column; ``mask`` True marks NULL."""
    arr = pa.array(secs.astype("int64"), type=pa.int64(), mask=mask).cast(pa.timestamp("s"))
    return pc.strftime(arr, format=fmt)


def _choice(rng: np.random.Generator, labels: tuple, n: int, p: np.ndarray | None = None) -> tuple[np.ndarray, pa.Array]:
    idx = rng.choice(len(labels), size=n, p=p)
    return idx, pa.array(labels).take(pa.array(idx))


def _ids(prefix: str, start: int, n: int, width: int) -> pa.Array:
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(start, start + n)])


def _write_csv(path: Path, header: tuple, cols: list) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({h: (c if isinstance(c, (pa.Array, pa.ChunkedArray)) else pa.array(c)) for h, c in zip(header, cols)})
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
    return table.num_rows


def _write_xlsx(path: Path, header_rows: list[tuple], columns: list[list]) -> int:
    """Write one sheet with openpyxl's streaming writer; ``columns`` are equal-length lists (None = empty)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    for h in header_rows:
        ws.append(list(h))
    n = len(columns[0]) if columns else 0
    for row in zip(*columns):
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return n


# ---------------------------------------------------------------------------------------------------
# registries (written once, with the history)


def _gas_users(spec: ScaleSpec) -> dict[str, np.ndarray]:
    rng = _rng(spec, "gas_users")
    n = spec.n_gas_users
    is_station = rng.random(n) < 0.02
    street = rng.choice(len(STREETS), size=n, p=STREET_P)
    start = _epoch(spec.start)
    # most registered in the 3 years before the history, about 5 % during it
    during = rng.random(n) < 0.05
    reg = np.where(during, start + rng.integers(0, spec.days, n) * 86400,
                   start - rng.integers(1, 3 * 365, n) * 86400)
    ids = np.array([f"{'QZ' if s else 'CY'}-{i:06d}" for i, s in enumerate(is_station, 1)])
    return {"id": ids, "station": is_station, "street": street, "registered": reg}


def _write_gas_users(out: Path, spec: ScaleSpec, users: dict) -> tuple[str, int]:
    rng = _rng(spec, "gas_users_text")
    n = len(users["id"])
    names = [f"{'瓶装液化气供应站' if s else '餐馆'}{i}号" for i, s in enumerate(users["station"], 1)]
    kinds = ["瓶装燃气供应站" if s else "餐饮场所" for s in users["station"]]
    streets = [STREETS[s] for s in users["street"]]
    regs = _fmt(users["registered"], fmt="%Y-%m-%d").to_pylist()
    lon = np.round(118.55 + rng.random(n) * 0.05, 6).tolist()
    lat = np.round(24.88 + rng.random(n) * 0.04, 6).tolist()
    rel = "demo/gas_users_bench.xlsx"
    rows = _write_xlsx(out / rel, [GAS_USER_HEADER], [
        users["id"].tolist(), names, kinds, streets, [f"{s}{i % 300 + 1}号" for i, s in enumerate(streets)],
        [f"JY{i:012d}" for i in range(n)], regs, lon, lat])
    return rel, rows


def _assets(spec: ScaleSpec) -> dict[str, np.ndarray]:
    rng = _rng(spec, "assets")
    n = spec.n_assets
    ftype = rng.choice(len(FACILITY_TYPES), size=n, p=FACILITY_P)
    street = rng.choice(len(STREETS), size=n, p=STREET_P)
    ids = np.array([f"{FACILITY_PREFIX[t]}-{i:07d}" for i, t in enumerate(ftype, 1)])
    return {"id": ids, "type": ftype, "street": street}


def _write_assets(out: Path, spec: ScaleSpec, assets: dict) -> tuple[str, int]:
    rng = _rng(spec, "assets_text")
    n = len(assets["id"])
    types = [FACILITY_TYPES[t] for t in assets["type"]]
    streets = [STREETS[s] for s in assets["street"]]
    built = _fmt(_epoch(spec.start) - rng.integers(30, 20 * 365, n) * 86400, fmt="%Y-%m-%d")
    rel = "demo/facility_assets_bench.csv"
    rows = _write_csv(out / rel, ASSET_HEADER, [
        assets["id"], types, [f"{t}{i}" for i, t in enumerate(types, 1)], streets,
        [f"{s}{i % 400 + 1}号附近" for i, s in enumerate(streets)],
        np.round(118.55 + rng.random(n) * 0.05, 6), np.round(24.88 + rng.random(n) * 0.04, 6), built,
        ["规格A"] * n, pa.nulls(n, pa.string()), pa.nulls(n, pa.string()), ["区市政工程养护中心"] * n])
    return rel, rows


# ---------------------------------------------------------------------------------------------------
# event files (history or one day)


def _window(spec: ScaleSpec, day: int | None) -> tuple[int, int, str, int]:
    """(start secs, end secs, file tag, id offset) of the history (day None) or of day ``end + day``."""
    if day is None:
        return _epoch(spec.start), _epoch(spec.end), "history", 0
    d = spec.end + timedelta(days=day)
    return _epoch(d), _epoch(d) + 86400, d.strftime("%Y%m%d"), 1_000_000_000 + (day + 1) * 10_000_000


def _complaints(out: Path, spec: ScaleSpec, n: int, day: int | None) -> tuple[str, int]:
    lo, hi, tag, id0 = _window(spec, day)
    rng = _rng(spec, f"complaints:{tag}")
    received = lo + rng.integers(0, hi - lo, n)
    ch_idx, channel = _choice(rng, CHANNELS, n, CHANNEL_P)
    cat_idx, category = _choice(rng, CATEGORIES, n)
    st_idx, street = _choice(rng, STREETS, n, STREET_P)
    limit = CHANNEL_LIMIT_H[ch_idx] * 3600
    due = received + limit
    # ~90 % closed within the limit, the rest later; closes after the export instant stay open
    late = rng.random(n) < 0.10
    frac = np.where(late, 1.0 + rng.random(n) * 0.8, rng.random(n) * 0.95)
    closed = received + (limit * frac).astype("int64") + 60
    is_open = closed >= hi
    close_idx = rng.choice(len(CLOSE_METHODS), size=n, p=CLOSE_P)
    visit = closed + rng.integers(3600, 3 * 86400, n)
    no_visit = is_open | (visit >= hi) | (close_idx != 0)
    sat_idx = rng.choice(3, size=n, p=[0.78, 0.16, 0.06])
    rel = f"demo/complaints_{tag}.csv"
    rows = _write_csv(out / rel, COMPLAINT_HEADER, [
        _ids("GD", id0, n, 10), channel, category, pa.array([f"{CATEGORIES[c]}问题" for c in cat_idx]), street,
        pa.array([f"{STREETS[s]}{i % 500 + 1}号" for i, s in enumerate(st_idx)]),
        _fmt(received), _fmt(due), _fmt(closed, is_open),
        pa.array(CLOSE_METHODS).take(pa.array(close_idx, mask=is_open)),
        _fmt(visit, no_visit), pa.array(SATISFACTION).take(pa.array(sat_idx, mask=no_visit))])
    return rel, rows


def _faults(out: Path, spec: ScaleSpec, n: int, assets: dict, day: int | None) -> tuple[str, int]:
    lo, hi, tag, id0 = _window(spec, day)
    rng = _rng(spec, f"faults:{tag}")
    a = rng.integers(0, len(assets["id"]), n)
    ftype = assets["type"][a]
    reported = lo + rng.integers(0, hi - lo, n)
    limit = FACILITY_LIMIT_H[ftype] * 3600
    due = reported + limit
    extended = rng.random(n) < 0.03
    ext_at = reported + (limit * 0.5).astype("int64")
    new_due = due + 48 * 3600
    eff_due = np.where(extended, new_due, due)
    cancelled = rng.random(n) < 0.02
    late = rng.random(n) < 0.04
    frac = np.where(late, 1.05 + rng.random(n), 0.05 + rng.random(n) * 0.9)
    repaired = reported + ((eff_due - reported) * frac).astype("int64")
    arrived = reported + ((repaired - reported) * 0.3).astype("int64")
    cancel_at = reported + 3600
    rep_null = cancelled | (repaired >= hi)
    arr_null = cancelled | (arrived >= hi)
    ext_null = ~extended | (ext_at >= hi) | cancelled
    can_null = ~cancelled | (cancel_at >= hi)
    status = np.where(cancelled & ~can_null, "已取消", np.where(rep_null, "处置中", "已修复"))
    codes = [FAULT_CODES[FACILITY_TYPES[t]][k % len(FAULT_CODES[FACILITY_TYPES[t]])]
             for t, k in zip(ftype, rng.integers(0, 12, n))]
    rel = f"demo/facility_faults_{tag}.csv"
    rows = _write_csv(out / rel, FAULT_HEADER, [
        _ids("GZ", id0, n, 10), pa.array(assets["id"][a]), pa.array(FACILITY_TYPES).take(pa.array(ftype)),
        pa.array(STREETS).take(pa.array(assets["street"][a])), codes,
        pa.array(REPORT_SOURCES).take(pa.array(rng.integers(0, 4, n))), _fmt(reported), _fmt(due),
        _fmt(arrived, arr_null), _fmt(repaired, rep_null), status, _fmt(ext_at, ext_null), _fmt(new_due, ext_null),
        _fmt(cancel_at, can_null), pa.array(["误报"] * n, mask=can_null),
        pa.array([f"抢修{k}班" for k in rng.integers(1, 9, n)])])
    return rel, rows


def _inspections(out: Path, spec: ScaleSpec, n: int, users: dict, day: int | None) -> tuple[str, int]:
    lo, hi, tag, id0 = _window(spec, day)
    rng = _rng(spec, f"inspections:{tag}")
    u = rng.integers(0, len(users["id"]), n)
    # an inspection is never before the unit's registration
    lo_u = np.maximum(lo, users["registered"][u])
    at = lo_u + (rng.random(n) * np.maximum(hi - lo_u, 1)).astype("int64")
    at = np.minimum(at, hi - 1)
    at = at - at % 60
    board, inst, func, hose = (rng.random(n) < p for p in (0.9, 0.85, 0.95, 0.9))
    func = func & inst
    hazard = rng.random(n) < 0.15
    hz = rng.integers(0, len(HAZARDS), n)
    score = rng.integers(60, 101, n)
    yn = {True: "是", False: "否"}
    ids = [f"JC{i:010d}" for i in range(id0, id0 + n)]
    rel = f"demo/gas_inspections_{tag}.xlsx"
    stations = users["station"][u]
    rows = _write_xlsx(out / rel, [INSPECTION_TOP, INSPECTION_SUB], [
        ids, users["id"][u].tolist(), [f"单位{k}" for k in u.tolist()],
        ["瓶装燃气供应站" if s else "餐饮场所" for s in stations], [STREETS[s] for s in users["street"][u]],
        _fmt(at).to_pylist(), [yn[bool(v)] for v in board], [yn[bool(v)] for v in inst], [yn[bool(v)] for v in func],
        [yn[bool(v)] for v in hose], ["限期整改" if h else "合格" for h in hazard], score.tolist(),
        [HAZARDS[k] if h else None for h, k in zip(hazard, hz)], ["一般隐患" if h else None for h in hazard],
        [None] * n, ["检查员甲、检查员乙"] * n])
    return rel, rows


def _device_table(spec: ScaleSpec) -> tuple[pa.Array, np.ndarray]:
    d = spec.devices
    is_water = np.arange(d) % 2 == 1
    ids = pa.array([f"{'WL' if w else 'GL'}-{i:05d}" for i, w in enumerate(is_water, 1)])
    return ids, is_water


def _alarms(out: Path, spec: ScaleSpec, users: dict, assets: dict) -> tuple[str, int]:
    rng = _rng(spec, "alarms")
    ids, is_water = _device_table(spec)
    n = spec.devices * 2
    dev = rng.integers(0, spec.devices, n)
    lo, hi = _epoch(spec.start), _epoch(spec.end)
    raised = np.sort(lo + rng.integers(0, hi - lo, n))
    water = is_water[dev]
    ack = raised + rng.integers(60, 1500, n)
    cleared = raised + rng.integers(1800, 6 * 3600, n)
    ack_null, clr_null = ack >= hi, cleared >= hi
    peak = np.round(np.where(water, 30 + rng.random(n) * 20, 21 + rng.random(n) * 30), 1)
    rel = "demo/sensor_alarms_history.csv"
    rows = _write_csv(out / rel, ALARM_HEADER, [
        _ids("BJ", 0, n, 10), ids.take(pa.array(dev)), np.where(water, "积水水位", "可燃气体"),
        [f"T{k:06d}" for k in dev], [f"监测点{k}" for k in dev], [STREETS[k % 8] for k in dev],
        np.where(peak >= np.where(water, 50.0, 40.0), "二级", "一级"), peak, np.where(water, 25.0, 20.0),
        np.where(water, "cm", "%LEL"), _fmt(raised), _fmt(ack, ack_null), _fmt(cleared, clr_null),
        pa.array(["已处置"] * n, mask=clr_null)])
    return rel, rows


def _readings(out: Path, spec: ScaleSpec, day: int | None) -> tuple[str, int]:
    """Stream the sensor CSV: time-major (every device at each 15-minute slot), chunks of ~1M rows."""
    lo, hi, tag, _ = _window(spec, day)
    rng = _rng(spec, f"readings:{tag}")
    ids, is_water = _device_table(spec)
    d = spec.devices
    step = spec.interval_minutes * 60
    slots = (hi - lo) // step
    per_chunk = max(1, CHUNK_ROWS // d)
    types = pa.array(["gas_leak", "water_level"]).take(pa.array(is_water.astype("int64")))
    units = pa.array(["%LEL", "cm"]).take(pa.array(is_water.astype("int64")))
    rel = f"bench_sensors/readings_{tag}.csv"
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(h, pa.float64() if h == "value" else pa.string()) for h in SENSOR_HEADER])
    total = 0
    with pacsv.CSVWriter(path, schema, write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed")) as w:
        for s0 in range(0, slots, per_chunk):
            s1 = min(slots, s0 + per_chunk)
            k = s1 - s0
            ts = _fmt(lo + np.arange(s0, s1, dtype="int64") * step, fmt="%Y-%m-%dT%H:%M:%S" + TZ_OFFSET)
            slot_idx = pa.array(np.repeat(np.arange(k), d))
            dev_idx = pa.array(np.tile(np.arange(d), k))
            n = k * d
            water = np.tile(is_water, k)
            gas = np.abs(rng.normal(0.4, 0.4, n))
            lvl = np.maximum(0.0, rng.normal(2.0, 1.0, n)) + (rng.random(n) < 0.01) * rng.random(n) * 40
            value = np.round(np.where(water, lvl, gas), 1)
            value[rng.random(n) < 0.001] = SENTINEL
            w.write_table(pa.table([ids.take(dev_idx), types.take(dev_idx), ts.take(slot_idx), pa.array(value),
                                    units.take(dev_idx)], schema=schema))
            total += n
    return rel, total


# ---------------------------------------------------------------------------------------------------
# entry points


def generate(out: Path, spec: ScaleSpec) -> Written:
    """Write the registries and the whole history of ``spec`` under ``out`` (see module docstring).

    Returns what was written. Overwrites files of the same names; never deletes other files.
    """
    t0 = time.perf_counter()
    out = Path(out)
    w = Written()
    users, assets = _gas_users(spec), _assets(spec)
    for kind, (rel, rows) in {
        "gas_users": _write_gas_users(out, spec, users),
        "assets": _write_assets(out, spec, assets),
        "inspections": _inspections(out, spec, spec.inspections, users, None),
        "faults": _faults(out, spec, spec.faults, assets, None),
        "complaints": _complaints(out, spec, spec.complaints, None),
        "sensor_alarms": _alarms(out, spec, users, assets),
        "readings": _readings(out, spec, None),
    }.items():
        w.files[rel] = (out / rel).stat().st_size
        w.rows[kind] = rows
    w.seconds = time.perf_counter() - t0
    return w


def add_day(out: Path, spec: ScaleSpec, day: int = 0) -> Written:
    """Write the files of local day ``spec.end + day`` (one day's share of every volume; readings for
    every device at every slot of that day). Registries are not rewritten."""
    t0 = time.perf_counter()
    out = Path(out)
    w = Written()
    users, assets = _gas_users(spec), _assets(spec)
    for kind, (rel, rows) in {
        "inspections": _inspections(out, spec, spec.day_share(spec.inspections), users, day),
        "faults": _faults(out, spec, spec.day_share(spec.faults), assets, day),
        "complaints": _complaints(out, spec, spec.day_share(spec.complaints), day),
        "readings": _readings(out, spec, day),
    }.items():
        w.files[rel] = (out / rel).stat().st_size
        w.rows[kind] = rows
    w.seconds = time.perf_counter() - t0
    return w


def write_readings(out: Path, spec: ScaleSpec, day: int | None = None) -> tuple[str, int]:
    """Write only the sensor CSV of the history (``day`` None) or of day ``end + day``; returns
    (relative path, rows). Used for the 100M spill test, where the other files do not matter."""
    return _readings(Path(out), spec, day)


def main(argv: list[str] | None = None) -> int:
    """CLI: see the module docstring; prints what was written as JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="raw folder to write into")
    p.add_argument("--readings", type=int, required=True, help="sensor readings in the history (target)")
    p.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="first day after the history")
    for k in PER_MILLION:
        p.add_argument(f"--{k}", type=int, default=None, help=f"default {PER_MILLION[k]:,} per million readings")
    p.add_argument("--add-day", type=int, default=None, metavar="K",
                   help="write only the files of day end+K (the history must use the same other options)")
    a = p.parse_args(argv)
    overrides = {k: getattr(a, k) for k in PER_MILLION if getattr(a, k) is not None}
    spec = replace(ScaleSpec.proportional(a.readings, a.days, a.seed, **overrides), end=a.end)
    written = add_day(a.out, spec, a.add_day) if a.add_day is not None else generate(a.out, spec)
    print(json.dumps({"spec": {**asdict(spec), "end": spec.end.isoformat(), "devices": spec.devices,
                               "actual_readings": spec.actual_readings}, **written.as_dict()},
                     ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
