"""Small helpers shared by the demo domain modules (times, weighted picks, grids of the district).

Times are naive local wall-clock (Asia/Shanghai, no DST). :func:`upto_export` drops anything at or
after ``spec.EXPORT_AT`` so no file shows an event later than its export instant.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import names
from .spec import EXPORT_AT, STREETS

DISTRICT_CODE = "350502"  # 鲤城区 administrative division code (GB/T 2260)
# street -> 3-digit street code used inside grid ids (GB/T 30428.1 style: 6 admin + 3 street + 3 community + 3 seq)
STREET_CODE = {s: f"{i:03d}" for i, s in enumerate(STREETS, start=1)}


def pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    """One key of ``((key, weight), ...)`` drawn by weight."""
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def office_time(rng: random.Random, day: datetime, start_h: float = 8.5, end_h: float = 17.5) -> datetime:
    """A time on ``day`` (weekends moved to Monday 90 % of the time) between ``start_h`` and ``end_h``."""
    day = day.replace(hour=0, minute=0, second=0, microsecond=0)
    if day.weekday() >= 5 and rng.random() < 0.9:
        day += timedelta(days=7 - day.weekday())
    minutes = rng.randrange(int(start_h * 60), int(end_h * 60))
    return day + timedelta(minutes=minutes, seconds=rng.randrange(60))


def after(rng: random.Random, ts: datetime, lo_h: float, hi_h: float) -> datetime:
    """``ts`` plus a uniform ``lo_h``..``hi_h`` hours, whole seconds."""
    return (ts + timedelta(hours=rng.uniform(lo_h, hi_h))).replace(microsecond=0)


def upto_export(ts: datetime | None) -> datetime | None:
    """``ts`` when it lies before the export instant, else ``None`` (the step had not happened yet)."""
    return ts if ts is not None and ts < EXPORT_AT else None


def end_of_day(ts: datetime) -> datetime:
    """23:59:59 of ``ts``'s local date (a deadline given as a date means "by the end of that day")."""
    return ts.replace(hour=23, minute=59, second=59, microsecond=0)


def communities(street: str) -> list[str]:
    """Community (社区) names of a street: one per road of the street, named after the road, at most 4."""
    out: list[str] = []
    for road in names.ROADS[street][:4]:
        name = road[:2] + "社区"
        if name not in out:
            out.append(name)
    return out


def masked_person(rng: random.Random) -> str:
    """A party name as published in enforcement ledgers (surname + 某), e.g. ``王某``."""
    return rng.choice("王陈林黄吴蔡许郑张李洪庄苏刘杨施曾傅") + rng.choice(("某", "某某"))
