"""Bridge condition assessments, one-bridge-one-file checks and routine patrols (METRICS.md B1-B6).

Assessments (CJJ 99): a 常规定期检测 (``periodic_regular``) of 24 of the 25 bridges in the year, a
结构定期检测 (``periodic_structural``) of two large bridges, 特殊检测 (``special``) after the summer
typhoon and of the one grade-D bridge after its repair, and a quarterly 经常性检查 summary
(``routine``) that records the condition but no BCI. BCI = 0.15·BCIm + 0.40·BCIs + 0.45·BCIx, grade
by METRICS.md B2 bands (A ≥ 90, B ≥ 80, C ≥ 66, D ≥ 50, else E). Latest periodic grades: mostly A/B,
two C, one D. Patrols follow the maintenance grade (Ⅰ等 daily, Ⅱ等 every 3 days, Ⅲ等 every 7 days)
with about 95 % compliance (B6).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import names
from .common import office_time, upto_export
from .registry import Asset
from .spec import YEAR_END, YEAR_START, fmt_offset

ASSESS_HEADER = ("检测编号", "桥梁编号", "桥梁名称", "所属街道", "检测类型", "检测日期", "检测单位", "BCIm", "BCIs",
                 "BCIx", "BCI", "技术状况等级", "主要病害")
FILE_HEADER = ("桥梁编号", "桥梁名称", "所属街道", "核查日期", "桥梁资料卡", "竣工图纸", "历次检测报告", "养护维修记录",
               "一桥一档完整", "缺失资料")
KIND_LABEL = {"routine": "经常性检查", "periodic_regular": "常规定期检测", "periodic_structural": "结构定期检测",
              "special": "特殊检测"}
GRADE_LABEL = {"A": "A级（完好）", "B": "B级（良好）", "C": "C级（合格）", "D": "D级（不合格）", "E": "E级（危险）"}
DEFECTS = ("伸缩缝堵塞", "栏杆局部锈蚀", "桥面铺装轻微网裂", "排水孔堵塞", "支座轻微老化", "墩身局部露筋",
           "主梁底面渗水", "人行道板松动")
TARGET_BAND = {"A": (91.0, 97.0), "B": (82.0, 88.0), "C": (69.0, 76.0), "D": (57.0, 63.0)}
PATROL_EVERY = {"Ⅰ等": 1, "Ⅱ等": 3, "Ⅲ等": 7}  # days between routine patrols (CJJ 99 §4.2, METRICS B6)


def grade(bci: float) -> str:
    """Condition grade of a BCI (METRICS.md B2): A 90-100, B 80-<90, C 66-<80, D 50-<66, E <50."""
    if bci >= 90:
        return "A"
    if bci >= 80:
        return "B"
    if bci >= 66:
        return "C"
    return "D" if bci >= 50 else "E"


@dataclass
class Assessment:
    """One bridge_condition_assessed row; scores are None for routine checks."""

    assess_id: str
    bridge: Asset
    kind: str
    at: datetime
    agency: str
    bci_m: float | None
    bci_s: float | None
    bci_x: float | None
    defects: str

    @property
    def bci(self) -> float | None:
        """BCI = 0.15·BCIm + 0.40·BCIs + 0.45·BCIx, one decimal (None for routine checks)."""
        if self.bci_m is None:
            return None
        return round(0.15 * self.bci_m + 0.40 * self.bci_s + 0.45 * self.bci_x, 1)


def _scores(rng: random.Random, target: str) -> tuple[float, float, float]:
    lo, hi = TARGET_BAND[target]
    t = rng.uniform(lo, hi)
    m = min(100.0, max(0.0, round(t + rng.gauss(0, 4), 1)))
    s = min(100.0, max(0.0, round(t + rng.gauss(0, 2.5), 1)))
    x = min(100.0, max(0.0, round((t - 0.15 * m - 0.40 * s) / 0.45, 1)))
    return m, s, x


def make_assessments(rng: random.Random, bridges: list[Asset]) -> list[Assessment]:
    """All assessments of the year sorted by date, ids ``JCQL<yyyymmdd><nn>``."""
    targets = ["A"] * 13 + ["B"] * 9 + ["C"] * 2 + ["D"]
    rng.shuffle(targets)
    out: list[Assessment] = []
    skipped = rng.choice(bridges[5:])  # one small bridge misses its periodic inspection this year (B5 = 24/25)
    agency = ("福建省建筑工程质量检测中心有限公司", "泉州市市政工程质量检测站")
    for bridge, target in zip(bridges, targets):
        for q in range(4):
            day = YEAR_START + timedelta(days=91 * q + rng.randrange(60))
            defect = "未见明显异常" if rng.random() < 0.6 else rng.choice(DEFECTS)
            out.append(Assessment("", bridge, "routine", office_time(rng, day), "区桥梁养护所", None, None, None, defect))
        if bridge is not skipped:
            day = datetime(2026, 3, 1) + timedelta(days=rng.randrange(180))
            out.append(Assessment("", bridge, "periodic_regular", office_time(rng, day), rng.choice(agency),
                                  *_scores(rng, target), "、".join(rng.sample(DEFECTS, rng.randint(1, 3)))))
            if target == "D":
                after = max(a.at for a in out if a.bridge is bridge and a.kind == "periodic_regular")
                out.append(Assessment("", bridge, "special", office_time(rng, after + timedelta(days=rng.randint(40, 60))),
                                      agency[0], *_scores(rng, "C"), "维修加固后复检：支座已更换"))
    for bridge in bridges[:2]:
        out.append(Assessment("", bridge, "periodic_structural", office_time(rng, datetime(2026, 5, 10)), agency[0],
                              *_scores(rng, "A"), "结构状况良好"))
    for bridge in bridges[2:4]:  # after the summer typhoon
        out.append(Assessment("", bridge, "special", office_time(rng, datetime(2026, 8, 4) + timedelta(days=rng.randint(0, 5))),
                              agency[1], *_scores(rng, "B"), "台风后检查：栏杆局部损坏"))
    out = [a for a in out if upto_export(a.at)]
    out.sort(key=lambda a: (a.at, a.bridge.asset_id))
    seq: dict = {}
    for a in out:
        d = a.at.date()
        seq[d] = seq.get(d, 0) + 1
        a.assess_id = f"JCQL{d:%Y%m%d}{seq[d]:02d}"
    return out


def assessment_rows(items: list[Assessment]) -> list[tuple]:
    """Rows of ``bridge_inspections.xlsx`` (ASSESS_HEADER); dates as datetimes for Excel cells."""
    return [(a.assess_id, a.bridge.asset_id, a.bridge.name, a.bridge.street, KIND_LABEL[a.kind], a.at, a.agency,
             a.bci_m, a.bci_s, a.bci_x, a.bci, GRADE_LABEL[grade(a.bci)] if a.bci is not None else None, a.defects)
            for a in items]


def file_rows(rng: random.Random, bridges: list[Asset]) -> list[tuple]:
    """Rows of ``bridge_files.csv`` (FILE_HEADER): 一桥一档 review, 23 of 25 files complete (B4)."""
    incomplete = set(b.asset_id for b in rng.sample(bridges[5:], 2))
    rows = []
    for b in bridges:
        at = office_time(rng, datetime(2026, 9, 14) + timedelta(days=rng.randrange(10)))
        if b.asset_id in incomplete:
            missing = rng.choice((("竣工图纸",), ("历次检测报告", "养护维修记录")))
        else:
            missing = ()
        flag = lambda item, yes, no: no if item in missing else yes  # noqa: E731
        rows.append((b.asset_id, b.name, b.street, at.strftime("%Y-%m-%d"), "齐全", flag("竣工图纸", "有", "无"),
                     flag("历次检测报告", "齐全", "缺失"), flag("养护维修记录", "齐全", "缺失"),
                     "否" if missing else "是", "、".join(missing) or None))
    return rows


def patrol_records(rng: random.Random, bridges: list[Asset]) -> list[dict]:
    """``bridge_patrols.jsonl`` records (patrol app export), one per patrol, ids ``XJ<n>``, sorted by time."""
    recs: list[tuple[datetime, dict]] = []
    for b in bridges:
        every = PATROL_EVERY[b.maintenance_grade]
        miss = 0.03 if every == 1 else 0.06
        day = YEAR_START + timedelta(days=rng.randrange(every))
        while day < YEAR_END:
            if rng.random() >= miss:
                at = day + timedelta(hours=rng.uniform(8, 16.5))
                at = at.replace(microsecond=0)
                ok = rng.random() < 0.93
                recs.append((at, {
                    "bridge_id": b.asset_id, "street": b.street,
                    "checkin_at": fmt_offset(at),
                    "gps": {"lon": round(b.lon + rng.uniform(-3e-4, 3e-4), 6), "lat": round(b.lat + rng.uniform(-3e-4, 3e-4), 6)},
                    "inspector": rng.choice(names.INSPECTORS[:6]),
                    "result": "正常" if ok else "发现病害", "remark": None if ok else rng.choice(DEFECTS),
                }))
            day += timedelta(days=every)
    recs.sort(key=lambda r: (r[0], r[1]["bridge_id"]))
    return [{"patrol_id": f"XJ{i:05d}", **rec} for i, (_, rec) in enumerate(recs, start=1)]

