"""A year of facility faults with reported / arrived / repaired times (24-hour repair limit, F1).

About 98 % of faults are repaired within 24 h of the report; about 0.6 % are cancelled; about 1.2 %
get an approved extension (new deadline 72 h after the report); some are reported just before
midnight so their deadline falls on the next local date. Anything after ``spec.EXPORT_AT`` is left
out of the main export, so faults reported on the last day may still be open; the next morning's export
(:func:`next_day_update`, ``spec.NEXT_DAY_FILES``) brings their arrivals and repairs late.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from . import names
from .registry import Asset
from .spec import EXPORT_AT, FAULT_LIMIT_HOURS, NEXT_DAY_AT, YEAR_END, YEAR_START

# facility type -> (faults per asset per year, ((fault label, weight), ...))
FAULT_PROFILE = {
    "streetlight": (0.55, (("路灯不亮", 60), ("线路故障", 20), ("灯具破损", 10), ("灯杆倾斜", 10))),
    "drain": (0.35, (("排水堵塞", 70), ("雨水篦子缺失", 15), ("管道破损", 15))),
    "manhole_cover": (0.40, (("井盖缺失", 30), ("井盖破损", 45), ("井盖异响", 25))),
    "road_segment": (1.20, (("路面坑槽", 60), ("路面沉陷", 20), ("人行道板松动", 20))),
    "greenery": (0.60, (("树木倒伏", 40), ("绿化带破损", 60))),
    "bridge": (1.50, (("伸缩缝损坏", 40), ("栏杆损坏", 35), ("桥面破损", 25))),
}
LATE_ENTRY_WINDOW_DAYS = 14  # repairs of the last two weeks may be entered late (mark_late_entries)
LATE_ENTRY_SHARE = 0.1
SOURCES = (("巡查发现", 45), ("12345转办", 30), ("市民报修", 20), ("智能监测", 5))
CANCEL_REASONS = ("重复上报", "误报", "非本单位管养")
# Month weights for drain faults (rainy / typhoon season May-September).
DRAIN_MONTH_WEIGHT = {1: 2, 2: 2, 3: 3, 4: 4, 5: 8, 6: 12, 7: 12, 8: 14, 9: 10, 10: 5, 11: 3, 12: 2}


@dataclass
class Fault:
    """One fault row. Times are naive local; ``None`` means the step had not happened (or was not entered) at
    export. ``repair_entered_at``: when the repair was entered into the system, if later than ``repaired_at``
    (a crew's record back-filled, 补录); None when entered as it happened."""

    fault_id: str
    asset: Asset
    label: str
    source: str
    reported_at: datetime
    due_at: datetime
    arrived_at: datetime | None
    repaired_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    extension_at: datetime | None
    new_due_at: datetime | None
    crew: str
    repair_entered_at: datetime | None = None

    @property
    def status(self) -> str:
        """处置状态 as exported: 已取消 | 已修复 | 处置中."""
        if self.cancelled_at:
            return "已取消"
        return "已修复" if self.repaired_at else "处置中"


def _report_time(rng: random.Random, asset: Asset) -> datetime:
    days = (YEAR_END - YEAR_START).days
    while True:
        day = YEAR_START + timedelta(days=rng.randrange(days))
        if asset.facility_type != "drain" or rng.random() < DRAIN_MONTH_WEIGHT[day.month] / 14:
            break
    if rng.random() < 0.03:  # reported just before midnight: the deadline is on the next local date
        minute = rng.randrange(23 * 60 + 30, 24 * 60)
    elif asset.facility_type == "streetlight":
        minute = rng.choice((rng.randrange(18 * 60, 24 * 60), rng.randrange(0, 24 * 60)))
    else:
        minute = rng.randrange(6 * 60, 22 * 60)
    return day + timedelta(minutes=minute, seconds=rng.randrange(60))


def _one(rng: random.Random, asset: Asset, labels: tuple[tuple[str, int], ...]) -> Fault:
    reported = _report_time(rng, asset)
    limit = timedelta(hours=FAULT_LIMIT_HOURS)
    due = reported + limit
    label = rng.choices([l for l, _ in labels], weights=[w for _, w in labels])[0]
    source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
    crew = rng.choice(names.REPAIR_CREWS)
    arrived = reported + timedelta(minutes=rng.randint(15, 150))
    cancelled = cancel_reason = extension = new_due = repaired = None
    u = rng.random()
    if u < 0.006:
        cancelled = reported + timedelta(minutes=rng.randint(20, 180))
        cancel_reason = rng.choice(CANCEL_REASONS)
        arrived = None
    elif u < 0.018:
        extension = reported + timedelta(hours=rng.uniform(6, 20))
        new_due = reported + timedelta(hours=72)
        late = rng.random() < 0.1
        repaired = reported + timedelta(hours=rng.uniform(72.5, 90) if late else rng.uniform(26, 70))
    elif u < 0.036:
        repaired = reported + timedelta(hours=rng.uniform(24.2, 48))
    else:
        budget = (due - arrived).total_seconds() / 3600
        repaired = arrived + timedelta(hours=min(rng.lognormvariate(1.2, 0.8), budget - 0.1))
    trim = lambda t: t.replace(microsecond=0) if t else None  # noqa: E731
    extension, new_due, repaired = trim(extension), trim(new_due), trim(repaired)
    return Fault("", asset, label, source, reported, due, arrived, repaired, cancelled, cancel_reason,
                 extension, new_due, crew)


def exported(fault: Fault, at: datetime) -> Fault:
    """``fault`` as an export taken at ``at`` (naive local) shows it: every step at or after ``at``, and a repair
    entered at or after ``at``, is not known yet (None; an extension loses its new deadline, a cancellation its
    reason)."""
    known = lambda t: t if t is not None and t < at else None  # noqa: E731
    extension = known(fault.extension_at)
    cancelled = known(fault.cancelled_at)
    repair_known = known(fault.repair_entered_at or fault.repaired_at) is not None
    return replace(fault, arrived_at=known(fault.arrived_at), repaired_at=fault.repaired_at if repair_known else None,
                   extension_at=extension, new_due_at=fault.new_due_at if extension else None,
                   cancelled_at=cancelled, cancel_reason=fault.cancel_reason if cancelled else None)


def mark_late_entries(rng: random.Random, faults: list[Fault], at: datetime = EXPORT_AT,
                      until: datetime = NEXT_DAY_AT, window_days: int = LATE_ENTRY_WINDOW_DAYS,
                      share: float = LATE_ENTRY_SHARE) -> None:
    """Back-fill (补录) some repairs: of the faults reported in the ``window_days`` before ``at`` and repaired
    before it, about ``share`` get their repair entered only between ``at`` and ``until`` (sets
    ``repair_entered_at`` in place). The main export shows them open; the next morning's export repaired, on
    time as they were, so the fault disposal rate (F1) of those past days is restated."""
    start = at - timedelta(days=window_days)
    for f in faults:
        if start <= f.reported_at < at and f.repaired_at is not None and f.repaired_at < at \
                and rng.random() < share:
            f.repair_entered_at = at + timedelta(minutes=rng.randrange(30, int((until - at).total_seconds() // 60)))


def next_day_update(faults: list[Fault], at: datetime = EXPORT_AT, until: datetime = NEXT_DAY_AT) -> list[Fault]:
    """The next morning's export (taken at ``until``) of the faults reported before ``at`` whose state moved on
    after the export at ``at`` (a crew arrived, a repair was finished): the late data that restates the
    fault disposal rate (F1) of days already reported. Same row shape as the main export."""
    return [exported(f, until) for f in faults
            if f.reported_at < at and exported(f, until) != exported(f, at)]


def make_faults(rng: random.Random, assets: list[Asset]) -> list[Fault]:
    """Faults of the year for every asset type (rate per asset per year in FAULT_PROFILE), sorted, with every
    step's true time (some after ``spec.EXPORT_AT``; :func:`exported` gives what an export shows)."""
    out: list[Fault] = []
    for asset in assets:
        rate, labels = FAULT_PROFILE[asset.facility_type]
        n = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
        out.extend(_one(rng, asset, labels) for _ in range(n))
    out.sort(key=lambda f: (f.reported_at, f.asset.asset_id))
    seq: dict[date, int] = {}
    for f in out:
        d = f.reported_at.date()
        seq[d] = seq.get(d, 0) + 1
        f.fault_id = f"GZ{d:%Y%m%d}{seq[d]:03d}"
    return out
