"""A year of gas-safety inspections of restaurants and LPG stations, with checklist and hazards.

Each unit carries a checklist state (information board posted, leak alarm installed, alarm
functional, hose in order) that inspections observe; defects found are usually rectified before the
next visit and sometimes trigger a follow-up visit. Restaurant coverage per street follows
``spec.STREET_COVERAGE`` (85-97 % a year); stations are inspected nearly every month (METRICS.md G1/G2).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import names
from .registry import GasUser
from .spec import STREET_COVERAGE, YEAR_END, YEAR_START

# Hazard label (as written in the export) -> severity label.
HAZARDS_OTHER = (("钢瓶超期未检", "一般隐患"), ("未配备灭火器", "一般隐患"), ("违规存放钢瓶", "重大隐患"),
                 ("燃气管道私拉乱接", "重大隐患"))


@dataclass
class Inspection:
    """One inspection row: the unit, when, the four checklist answers, result, score and hazard."""

    inspection_id: str
    unit: GasUser
    inspected_at: datetime
    board: bool
    alarm_installed: bool
    alarm_functional: bool
    hose_ok: bool
    result: str  # 合格 | 限期整改 | 不合格
    score: int
    hazard: str | None
    severity: str | None
    rectify_by: date | None
    inspectors: str


@dataclass
class _State:
    board: bool
    alarm_installed: bool
    alarm_functional: bool
    hose_ok: bool


def _work_time(rng: random.Random, day: datetime) -> datetime:
    """Move weekend days to Monday (mostly) and pick a time in office hours 08:30-17:30."""
    if day.weekday() >= 5 and rng.random() < 0.9:
        day += timedelta(days=7 - day.weekday())
    minutes = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
    return day.replace(hour=minutes // 60, minute=minutes % 60, second=0)


def _visit_days(rng: random.Random, unit: GasUser) -> list[datetime]:
    start = max(YEAR_START, unit.registered + timedelta(days=7))
    span = (YEAR_END - timedelta(days=3) - start).days
    if span <= 0:
        return []
    if unit.subject_type == "lpg_station":
        days = []
        month = datetime(YEAR_START.year, YEAR_START.month, 1)
        while month < YEAR_END:
            nxt = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
            if rng.random() < 0.95:
                days.append(month + timedelta(days=rng.randrange(0, (nxt - month).days - 2)))
            if rng.random() < 0.12:
                days.append(month + timedelta(days=rng.randrange(0, (nxt - month).days - 2)))
            month = nxt
        return sorted(days)
    if rng.random() >= STREET_COVERAGE[unit.street]:
        return []
    k = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
    return sorted(start + timedelta(days=rng.randrange(0, span)) for _ in range(k))


def _observe(rng: random.Random, unit: GasUser, st: _State, at: datetime) -> Inspection:
    defects: list[tuple[str, str]] = []
    if not st.alarm_installed:
        defects.append(("未安装报警器", "重大隐患" if unit.subject_type == "lpg_station" else "一般隐患"))
    elif not st.alarm_functional:
        defects.append(("报警器失效", "一般隐患"))
    if not st.board:
        defects.append(("未张贴信息牌", "一般隐患"))
    if not st.hose_ok:
        defects.append(("软管老化", "一般隐患"))
    if rng.random() < 0.03:
        defects.append(rng.choice(HAZARDS_OTHER))
    major = any(sev == "重大隐患" for _, sev in defects)
    if not defects:
        result, score = "合格", rng.randint(85, 100)
    elif major or not st.alarm_installed:
        result, score = "不合格", rng.randint(40, 69)
    else:
        result, score = "限期整改", rng.randint(60, 84)
    hazard, severity = (sorted(defects, key=lambda d: d[1] != "重大隐患")[0] if defects else (None, None))
    rectify_by = (at + timedelta(days=3 if severity == "重大隐患" else 15)).date() if hazard else None
    pair = rng.sample(names.INSPECTORS, 2)
    return Inspection("", unit, at, st.board, st.alarm_installed, st.alarm_installed and st.alarm_functional,
                      st.hose_ok, result, score, hazard, severity, rectify_by, "、".join(pair))


def make_inspections(rng: random.Random, users: list[GasUser]) -> list[Inspection]:
    """All inspections of the reference year, sorted by time, ids ``JC<yyyymmdd><seq>``."""
    out: list[Inspection] = []
    for unit in users:
        station = unit.subject_type == "lpg_station"
        st = _State(
            board=rng.random() < (0.96 if station else 0.93),
            alarm_installed=rng.random() < (0.98 if station else 0.94),
            alarm_functional=rng.random() < 0.96,
            hose_ok=rng.random() < 0.95,
        )
        days = _visit_days(rng, unit)
        queue = [_work_time(rng, d) for d in days]
        while queue:
            at = queue.pop(0)
            if at >= YEAR_END:
                continue
            insp = _observe(rng, unit, st, at)
            out.append(insp)
            if insp.hazard and rng.random() < 0.6:  # follow-up visit after the rectification deadline
                follow = _work_time(rng, datetime.combine(insp.rectify_by, datetime.min.time()) + timedelta(days=rng.randint(1, 10)))
                if follow < YEAR_END - timedelta(days=1) and all(abs((q - follow).days) > 5 for q in queue):
                    queue.append(follow)
                    queue.sort()
            # rectification after the visit, and slow decay before the next one
            if not st.board and rng.random() < 0.85:
                st.board = True
            if not st.alarm_installed and rng.random() < 0.8:
                st.alarm_installed, st.alarm_functional = True, True
            elif not st.alarm_functional and rng.random() < 0.85:
                st.alarm_functional = True
            if not st.hose_ok and rng.random() < 0.9:
                st.hose_ok = True
            if rng.random() < 0.02:
                st.board = False
            if rng.random() < 0.02:
                st.alarm_functional = False
            if rng.random() < 0.02:
                st.hose_ok = False
    out.sort(key=lambda i: (i.inspected_at, i.unit.unit_id))
    seq: dict[date, int] = {}
    for insp in out:
        d = insp.inspected_at.date()
        seq[d] = seq.get(d, 0) + 1
        insp.inspection_id = f"JC{d:%Y%m%d}{seq[d]:03d}"
    return out
