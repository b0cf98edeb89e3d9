"""Confined-space work (有限空间作业: manholes, sewers, septic tanks), METRICS.md S1-S5.

A ledger of 32 registered contractor units (two more units work without being registered: S1), their
workers' annual safety training (valid one year; a few lapse: S3), and about 360 operations at the
district's drains and manholes with permit, ventilation, a four-gas test (O2 / H2S / CO / LEL) and a
guardian. About 2-3 % of operations miss each control (no permit or a permit after the start, no
ventilation, no gas test or an O2 reading outside 19.5-23.5 %, no guardian present).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import names
from .common import office_time, pick, upto_export
from .registry import Asset
from .spec import STREETS, YEAR_END, YEAR_START, fmt_offset

UNIT_HEADER = ("单位编号", "单位名称", "单位类型", "所属街道", "登记日期", "主要负责人", "有限空间作业类型", "作业人员数",
               "台账状态")
TRAINING_HEADER = ("培训编号", "人员编号", "姓名", "所属单位编号", "所属街道", "培训课程", "培训日期", "有效期至",
                   "考核结果")
UNIT_TYPES = (("市政养护", 8), ("管道疏通", 10), ("电力通信", 5), ("燃气", 3), ("环卫清掏", 6))
SPACE_TYPES = {"市政养护": ("污水井", "雨水井", "排水管道"), "管道疏通": ("污水井", "排水管道"),
               "电力通信": ("电力井", "通信井"), "燃气": ("燃气阀门井",), "环卫清掏": ("化粪池",)}
COURSES = ("有限空间作业安全培训", "有限空间作业安全培训（复训）")
SURNAMES = "王陈林黄吴蔡许郑张李洪庄苏刘杨施曾傅"
GIVEN = ("建国", "志强", "伟", "海峰", "明辉", "国栋", "文斌", "小龙", "永福", "春生", "金水", "阿强", "德明", "晓东")
N_UNITS = 32
N_OPS = 360


@dataclass
class Unit:
    """A contractor unit doing confined-space work; ``registered`` None = not in the ledger (S1)."""

    unit_id: str
    name: str
    unit_type: str
    street: str
    registered: datetime | None
    head: str
    workers: list[str]


@dataclass
class Worker:
    """One worker and the trainings (date, valid until) they took."""

    worker_id: str
    name: str
    unit: Unit
    trainings: list[tuple[datetime, datetime]]


def make_units(rng: random.Random) -> tuple[list[Unit], list[Worker]]:
    """32 registered units plus 2 unregistered (ids ``YXDW-0xx``) and their 4-9 workers each."""
    units: list[Unit] = []
    workers: list[Worker] = []
    for i in range(1, N_UNITS + 3):
        utype = pick(rng, UNIT_TYPES)
        street = rng.choice(STREETS)
        prefix = rng.choice(names.LPG_PREFIX)
        name = {"市政养护": f"泉州{prefix}市政工程有限公司", "管道疏通": f"鲤城区{prefix}管道疏通服务部",
                "电力通信": f"泉州{prefix}电力通信工程有限公司", "燃气": f"{prefix}燃气工程有限公司",
                "环卫清掏": f"泉州{prefix}环境卫生服务有限公司"}[utype]
        registered = None if i > N_UNITS else datetime(2020, 1, 1) + timedelta(days=rng.randrange(0, 2100))
        unit = Unit(f"YXDW-{i:03d}", f"{name}（{i}）", utype, street, registered,
                    rng.choice(SURNAMES) + rng.choice(GIVEN), [])
        units.append(unit)
        for _ in range(rng.randint(4, 9)):
            wid = f"YXRY-{len(workers) + 1:04d}"
            first = datetime(2025, 1, 6) + timedelta(days=rng.randrange(0, 300))
            trainings = [(first, first + timedelta(days=365))]
            if rng.random() < 0.93:  # annual refresher before the old one lapses (mostly)
                again = first + timedelta(days=rng.randint(330, 375))
                if again < YEAR_END:
                    trainings.append((again, again + timedelta(days=365)))
            unit.workers.append(wid)
            workers.append(Worker(wid, rng.choice(SURNAMES) + rng.choice(GIVEN), unit, trainings))
    return units, workers


def unit_rows(units: list[Unit]) -> list[tuple]:
    """Rows of ``confined_space_units.xlsx`` (UNIT_HEADER): registered units only."""
    return [(u.unit_id, u.name, u.unit_type, u.street, u.registered, u.head, "、".join(SPACE_TYPES[u.unit_type]),
             len(u.workers), "在册") for u in units if u.registered]


def training_rows(workers: list[Worker]) -> list[tuple]:
    """Rows of ``confined_space_training.csv`` (TRAINING_HEADER), one per training, ids ``PX<nnnnn>``."""
    rows = []
    items = sorted(((t, w) for w in workers for t in w.trainings), key=lambda x: (x[0][0], x[1].worker_id))
    for n, ((on, until), w) in enumerate(items, start=1):
        rows.append((f"PX{n:05d}", w.worker_id, w.name, w.unit.unit_id, w.unit.street,
                     COURSES[0] if on == w.trainings[0][0] else COURSES[1], on.strftime("%Y-%m-%d"),
                     until.strftime("%Y-%m-%d"), "合格"))
    return rows


def _near(rng: random.Random, lo: float, hi: float, nd: int = 1) -> float:
    return round(rng.uniform(lo, hi), nd)


def operation_records(rng: random.Random, units: list[Unit], assets: list[Asset]) -> list[dict]:
    """``confined_space_work.jsonl`` records (work-permit app export), ids ``YX<yyyymmdd><nn>``, sorted."""
    sites = [a for a in assets if a.facility_type in ("drain", "manhole_cover")]
    weights = [1] * N_UNITS + [0.3, 0.3]  # the two unregistered units work rarely
    ops = []
    for _ in range(N_OPS):
        unit = rng.choices(units, weights=weights)[0]
        site = rng.choice(sites)
        start = office_time(rng, YEAR_START + timedelta(days=rng.randrange((YEAR_END - YEAR_START).days - 1)), 8.5, 15.5)
        crew = rng.sample(unit.workers, min(len(unit.workers), rng.randint(2, 3)))
        guardian = rng.choice([w for w in unit.workers if w not in crew] or unit.workers)
        u = rng.random()
        permit_at = None if u < 0.02 else (start + timedelta(minutes=rng.randint(10, 90)) if u < 0.03
                                           else start - timedelta(hours=rng.uniform(1, 48)))
        ventilated = rng.random() >= 0.03
        tested = rng.random() >= 0.02
        o2 = _near(rng, 19.0, 19.4) if rng.random() < 0.01 else _near(rng, 20.2, 20.9)
        gas = {"tested_at": fmt_offset((start - timedelta(minutes=rng.randint(5, 30))).replace(microsecond=0)),
               "o2_pct": o2, "h2s_ppm": _near(rng, 5, 8) if rng.random() < 0.02 else _near(rng, 0, 2),
               "co_ppm": _near(rng, 0, 8), "lel_pct": _near(rng, 0, 3)} if tested else \
            {"tested_at": None, "o2_pct": None, "h2s_ppm": None, "co_ppm": None, "lel_pct": None}
        present = rng.random() >= 0.03
        done = upto_export((start + timedelta(hours=rng.uniform(1, 5))).replace(microsecond=0))
        ops.append((start, {
            "unit_id": unit.unit_id, "unit_name": unit.name, "location_id": site.asset_id, "location": site.name,
            "street": site.street, "space_type": rng.choice(SPACE_TYPES[unit.unit_type]),
            "permit_no": f"YXSP-{permit_at:%Y%m%d}-{rng.randrange(100, 999)}" if permit_at else None,
            "permit_approved_at": fmt_offset(permit_at.replace(microsecond=0)) if permit_at else None,
            "started_at": fmt_offset(start), "completed_at": fmt_offset(done) if done else None,
            "ventilated": ventilated, "ventilation_minutes": rng.choice((15, 20, 30, 45, 60)) if ventilated else 0,
            "gas_test": gas, "guardian_id": guardian if present else None, "guardian_present": present,
            "workers": crew,
        }))
    ops.sort(key=lambda x: (x[0], x[1]["location_id"]))
    out, seq = [], {}
    for start, rec in ops:
        d = start.date()
        seq[d] = seq.get(d, 0) + 1
        out.append({"work_id": f"YX{d:%Y%m%d}{seq[d]:02d}", **rec})
    return out
