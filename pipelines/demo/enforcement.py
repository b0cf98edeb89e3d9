"""Administrative enforcement cases (综合执法行政处罚案件台账), METRICS.md E1-E4, G10.

Cases come from three origins: every black-gas-point seizure (domain gas, 城镇燃气管理条例 §45),
gas hazards that were major or not rectified by their deadline (domain gas, §49), and illegal
constructions not removed by their owner within about two weeks (domain construction, 城乡规划法
§64). Decisions mostly come 10-80 days after filing (a few beyond the 90-day limit of 行政处罚法
Art. 60), fines are paid within 15 days about 88 % of the time, and a paid case closes a few days later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import names
from .common import end_of_day, masked_person, office_time, upto_export
from .gas_lifecycle import Rectification, Seizure
from .patrols import Violation
from .spec import EXPORT_AT

HEADER = ("案件编号", "执法领域", "案由", "案件来源", "来源编号", "当事人", "所属街道", "立案时间", "办案期限", "法律依据",
          "处罚决定书文号", "处罚决定时间", "罚款金额（元）", "没收物品", "缴款时间", "实缴金额（元）", "结案时间",
          "结案方式", "承办人")
DOMAIN_LABEL = {"gas": "燃气安全", "construction": "违法建设"}
DECISION_DAYS = 90  # 行政处罚法 Art. 60: decide within 90 days of filing (办案期限 = end of that day)
ORIGIN_LABEL = {"seizure": "黑气点查处", "hazard": "燃气安全检查", "violation": "违建巡查"}


@dataclass
class Case:
    """One enforcement case; times naive local, ``None`` when the step had not happened at export."""

    case_id: str
    domain: str  # gas | construction
    cause: str
    origin: str  # seizure | hazard | violation
    origin_ref: str
    party: str
    street: str
    opened_at: datetime
    legal_basis: str
    decision_no: str | None = None
    decided_at: datetime | None = None
    fine: int | None = None
    confiscated: str | None = None
    paid_at: datetime | None = None
    paid: int | None = None
    closed_at: datetime | None = None
    close_how: str | None = None
    officers: str = ""


def _fine(rng: random.Random, lo: int, hi: int, step: int) -> int:
    return rng.randrange(lo // step, hi // step + 1) * step


def _origins(rng: random.Random, rect: list[Rectification], seizures: list[Seizure],
             violations: list[Violation]) -> list[Case]:
    cases: list[Case] = []
    for s in seizures:
        cases.append(Case("", "gas", "未取得燃气经营许可证从事燃气经营活动", "seizure", s.seizure_id, s.party, s.street,
                          office_time(rng, s.at + timedelta(days=rng.randint(0, 2))), "《城镇燃气管理条例》第四十五条",
                          confiscated=f"液化石油气钢瓶{s.full + s.empty}个"))
    for r in rect:
        major = r.insp.severity == "重大隐患"
        overdue = r.rectified_at is None or r.rectified_at > r.deadline
        if r.notice_at and ((major and rng.random() < 0.5) or (overdue and r.deadline < EXPORT_AT - timedelta(days=3))):
            start = r.deadline if overdue else r.insp.inspected_at
            cases.append(Case("", "gas", f"燃气安全隐患：{r.insp.hazard}", "hazard", r.insp.inspection_id,
                              r.insp.unit.name, r.insp.unit.street,
                              office_time(rng, start + timedelta(days=rng.randint(1, 5))), "《城镇燃气管理条例》第四十九条"))
    for v in violations:
        if v.method != "自行拆除" or (v.demolished_at and v.demolished_at - v.found_at > timedelta(days=20)):
            cases.append(Case("", "construction", f"未取得建设工程规划许可证进行建设（{v.build_type}）", "violation",
                              v.case_id, masked_person(rng), v.street,
                              office_time(rng, v.found_at + timedelta(days=rng.randint(10, 20))),
                              "《中华人民共和国城乡规划法》第六十四条"))
    return [c for c in cases if c.opened_at < EXPORT_AT]


def make_cases(rng: random.Random, rect: list[Rectification], seizures: list[Seizure],
               violations: list[Violation]) -> list[Case]:
    """All cases sorted by filing time, ids ``ZF<yyyy><seq>``; decision numbers 鲤城综执罚决字〔yyyy〕nnn号."""
    cases = sorted(_origins(rng, rect, seizures, violations), key=lambda c: (c.opened_at, c.origin_ref))
    for n, c in enumerate(cases, start=1):
        c.case_id = f"ZF{c.opened_at:%Y}{n:04d}"
        c.officers = "、".join(rng.sample(names.INSPECTORS, 2))
        if rng.random() < 0.05:  # no penalty: 不予处罚 / 撤销立案
            c.closed_at = upto_export(office_time(rng, c.opened_at + timedelta(days=rng.randint(10, 40))))
            c.close_how = "不予处罚" if c.closed_at else None
            continue
        days = rng.randint(95, 120) if rng.random() < 0.04 else rng.randint(10, 80)
        c.decided_at = upto_export(office_time(rng, c.opened_at + timedelta(days=days)))
        if not c.decided_at:
            continue
        c.decision_no = f"鲤城综执罚决字〔{c.decided_at:%Y}〕{n:03d}号"
        if c.origin == "seizure":
            c.fine = _fine(rng, 50_000, 120_000, 5_000)
        elif c.domain == "gas":
            c.fine = _fine(rng, 5_000, 30_000, 1_000) if "重大" in c.cause or c.cause.endswith(("钢瓶", "乱接")) \
                else _fine(rng, 1_000, 10_000, 500)
        else:
            c.fine = _fine(rng, 2_000, 40_000, 1_000)
        u = rng.random()
        if u < 0.88:
            c.paid_at = upto_export(c.decided_at + timedelta(days=rng.randint(1, 15), hours=rng.randint(1, 6)))
        elif u < 0.95:
            c.paid_at = upto_export(c.decided_at + timedelta(days=rng.randint(20, 60), hours=rng.randint(1, 6)))
        if c.paid_at:
            c.paid = c.fine
            c.closed_at = upto_export(office_time(rng, c.paid_at + timedelta(days=rng.randint(2, 10))))
            c.close_how = "执行完毕" if c.closed_at else None
    return cases


def case_rows(cases: list[Case]) -> list[tuple]:
    """Rows of ``enforcement_cases.xlsx`` (HEADER); times as datetimes for Excel cells."""
    return [(c.case_id, DOMAIN_LABEL[c.domain], c.cause, ORIGIN_LABEL[c.origin], c.origin_ref, c.party, c.street,
             c.opened_at, end_of_day(c.opened_at + timedelta(days=DECISION_DAYS)), c.legal_basis, c.decision_no,
             c.decided_at, c.fine, c.confiscated, c.paid_at, c.paid, c.closed_at, c.close_how, c.officers)
            for c in cases]
