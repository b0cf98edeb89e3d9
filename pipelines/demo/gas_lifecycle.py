"""Gas hazard lifecycle after ``hazard_found`` and black-gas-point seizures (METRICS.md G5-G9).

For each inspection row with a hazard: a rectification notice (整改通知书) issued the same day with the
deadline of the inspection row (end of that day), the operator's rectification, a re-inspection
(复查) that passes about 92 % of the time, and after a failed one a second rectification and
re-inspection. About 4 % of hazards are rectified late, about 3 % not at all (major ones then become
enforcement cases, see ``enforcement.py``). Black gas points (黑气点, unlicensed LPG refilling or
selling) are seized about 40 times a year, each with full and empty cylinders and a case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import names
from .common import after, end_of_day, masked_person, office_time, pick, upto_export
from .inspections import Inspection
from .registry import GAS_USER_TYPE_LABEL, allocate
from .spec import STREET_WEIGHT, YEAR_END, YEAR_START, fmt_local

RECTIFY_HEADER = ("检查编号", "单位编号", "单位类型", "所属街道", "隐患类别", "隐患等级", "办理环节", "办理时间",
                  "整改期限", "文书编号", "整改措施", "复查结果", "办理人员")
SEIZURE_HEADER = ("查处编号", "查处时间", "所属街道", "查处地点", "线索来源", "暂扣满瓶数", "暂扣空瓶数",
                  "暂扣钢瓶合计", "当事人", "执法人员")

MEASURES = {
    "未安装报警器": "已安装可燃气体报警器并与切断阀联动", "报警器失效": "已更换报警器探头并调试",
    "未张贴信息牌": "已张贴燃气安全使用信息牌", "软管老化": "已更换金属波纹软管",
    "钢瓶超期未检": "超期钢瓶已退回供应站", "未配备灭火器": "已配备干粉灭火器2具",
    "违规存放钢瓶": "钢瓶已移出地下室，设置独立气瓶间", "燃气管道私拉乱接": "已拆除私接管道，由燃气企业重新安装",
}
SEIZURE_SOURCES = (("日常巡查", 45), ("有奖举报", 30), ("部门移交", 15), ("12345转办", 10))
SEIZURE_PLACES = ("出租房内", "废品收购站旁", "农贸市场后巷", "城中村空地", "沿街店面后门", "三轮车上")


@dataclass
class Rectification:
    """Lifecycle of one hazard (one hazard per inspection row; id = the inspection id)."""

    insp: Inspection
    notice_no: str | None
    notice_at: datetime | None
    deadline: datetime
    rectified_at: datetime | None
    verified_at: datetime | None
    passed: bool | None
    verifier: str | None
    rectified2_at: datetime | None = None
    verified2_at: datetime | None = None
    passed2: bool | None = None

    @property
    def closed(self) -> bool:
        """True when a re-inspection passed (销号)."""
        return bool(self.passed or self.passed2)


def make_rectifications(rng: random.Random, inspections: list[Inspection]) -> list[Rectification]:
    """One lifecycle per hazard-bearing inspection, in inspection order; notices ``ZG<yyyy><seq>``."""
    out: list[Rectification] = []
    seq = 0
    for insp in inspections:
        if not insp.hazard:
            continue
        deadline = end_of_day(datetime.combine(insp.rectify_by, datetime.min.time()))
        notice_at = upto_export(after(rng, insp.inspected_at, 0.2, 3.0))
        notice_no = None
        if notice_at:
            seq += 1
            notice_no = f"鲤城燃整〔{notice_at.year}〕{seq:04d}号"
        span_h = max(1.0, (deadline - insp.inspected_at).total_seconds() / 3600)
        u = rng.random()
        if not notice_at or u < 0.03:
            rectified = None
        elif u < 0.07:
            rectified = after(rng, deadline, 20, 240)
        else:
            rectified = after(rng, insp.inspected_at, 0.1 * span_h, 0.9 * span_h)
        rectified = upto_export(rectified)
        rec = Rectification(insp, notice_no, notice_at, deadline, rectified, None, None, None)
        if rectified:
            rec.verifier = "、".join(rng.sample(names.INSPECTORS, 2))
            rec.verified_at = upto_export(office_time(rng, rectified + timedelta(days=rng.choice((0, 1, 1, 2, 3)))))
            if rec.verified_at and rec.verified_at <= rectified:
                rec.verified_at = after(rng, rectified, 1, 4)
                rec.verified_at = upto_export(rec.verified_at)
            if rec.verified_at:
                rec.passed = rng.random() < 0.92
                if not rec.passed:
                    rec.rectified2_at = upto_export(after(rng, rec.verified_at, 30, 150))
                    if rec.rectified2_at:
                        rec.verified2_at = upto_export(office_time(rng, rec.rectified2_at + timedelta(days=rng.randint(1, 3))))
                        rec.passed2 = True if rec.verified2_at else None
        out.append(rec)
    return out


def rectification_rows(items: list[Rectification]) -> list[tuple]:
    """Rows of ``gas_hazard_rectification.csv`` (RECTIFY_HEADER): a step log, one row per step
    (下达整改通知 / 整改完成 / 复查), in hazard order then time; times as naive local text."""
    rows = []
    for r in items:
        i = r.insp
        head = (i.inspection_id, i.unit.unit_id, GAS_USER_TYPE_LABEL[i.unit.subject_type], i.unit.street, i.hazard,
                i.severity)
        steps = [("下达整改通知", r.notice_at, r.notice_no, None, None, i.inspectors),
                 ("整改完成", r.rectified_at, None, MEASURES[i.hazard], None, None),
                 ("复查", r.verified_at, None, None, r.passed, r.verifier),
                 ("整改完成", r.rectified2_at, None, MEASURES[i.hazard], None, None),
                 ("复查", r.verified2_at, None, None, r.passed2, r.verifier)]
        for step, at, doc, measure, ok, who in steps:
            if at is None:
                continue
            rows.append(head + (step, fmt_local(at), fmt_local(r.deadline), doc, measure,
                                None if ok is None else ("通过" if ok else "不通过"), who))
    return rows


@dataclass
class Seizure:
    """One black-gas-point seizure (黑气点查处)."""

    seizure_id: str
    at: datetime
    street: str
    place: str
    source: str
    full: int
    empty: int
    party: str
    officers: str


def make_seizures(rng: random.Random) -> list[Seizure]:
    """About 40 seizures over the year, more in winter (hot-pot season), ids ``HQ<yyyymmdd><seq>``."""
    out: list[Seizure] = []
    counts = allocate(40, STREET_WEIGHT)
    for street, n in counts.items():
        for _ in range(n):
            while True:
                day = YEAR_START + timedelta(days=rng.randrange((YEAR_END - YEAR_START).days - 2))
                if rng.random() < (1.0 if day.month in (11, 12, 1, 2) else 0.6):
                    break
            at = office_time(rng, day, 7.0, 21.0)
            full = rng.choice((0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15))
            empty = rng.choice((0, 1, 2, 3, 4, 6, 8))
            if full + empty == 0:
                full = 2
            out.append(Seizure("", at, street, f"{rng.choice(names.ROADS[street])}{rng.choice(SEIZURE_PLACES)}",
                               pick(rng, SEIZURE_SOURCES), full, empty, masked_person(rng),
                               "、".join(rng.sample(names.INSPECTORS, 2))))
    out.sort(key=lambda s: (s.at, s.street))
    seq: dict = {}
    for s in out:
        d = s.at.date()
        seq[d] = seq.get(d, 0) + 1
        s.seizure_id = f"HQ{d:%Y%m%d}{seq[d]:02d}"
    return out


def seizure_rows(items: list[Seizure]) -> list[tuple]:
    """Rows of ``black_gas_seizures.csv`` (SEIZURE_HEADER)."""
    return [(s.seizure_id, fmt_local(s.at), s.street, s.place, s.source, s.full, s.empty, s.full + s.empty,
             s.party, s.officers) for s in items]
