"""About 3,000 complaints a year over 12345, WeChat, Weibo, Douyin and petitions (信访).

Deadlines (办结时限) follow the channel: 12345 hotline 5 working days, social media 3 working days
(official working-day calendar from ``chinese_calendar``), petitions 60 calendar days. About 90 % are
closed on time. Exactly four rows are deliberately defective (:data:`DATE_DEFECTS`, :data:`MISSING_ID_ROW`) so the ingest has
rows to reject with a reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

from . import names
from .spec import EXPORT_AT, N_COMPLAINTS, STREET_WEIGHT, YEAR_END, YEAR_START

CHANNELS = (("12345热线", 55), ("微信", 18), ("抖音", 12), ("微博", 7), ("信访", 8))
CATEGORIES = (
    ("市容环境", 18), ("占道经营", 15), ("噪声扰民", 10), ("路灯照明", 9), ("违法建设", 8), ("道路设施", 8),
    ("排水防涝", 7), ("燃气安全", 6), ("油烟污染", 6), ("园林绿化", 5), ("井盖设施", 4), ("户外广告", 4),
)
CONTENT = {
    "市容环境": "{a}附近垃圾堆放未及时清运", "占道经营": "{a}路段流动摊贩占道经营影响通行",
    "噪声扰民": "{a}附近夜间施工噪声扰民", "路灯照明": "{a}路段路灯不亮，夜间出行不便",
    "违法建设": "{a}疑似违规搭建彩钢棚", "道路设施": "{a}路面出现坑洼，存在安全隐患",
    "排水防涝": "{a}降雨后路面积水严重", "燃气安全": "{a}附近餐饮店疑似使用不合格液化气钢瓶",
    "油烟污染": "{a}餐饮店油烟直排影响居民", "园林绿化": "{a}行道树枝条遮挡信号灯",
    "井盖设施": "{a}井盖破损松动，行人易绊倒", "户外广告": "{a}户外广告牌松动有坠落风险",
}
CLOSE_METHODS = (("已解决", 85), ("重复件", 4), ("不属于本单位职责", 3), ("无法解决", 3), ("诉求人撤回", 3), ("作废", 2))
SATISFACTION = {
    "已解决": (("满意", 78), ("基本满意", 16), ("不满意", 6)),
    "无法解决": (("满意", 20), ("基本满意", 30), ("不满意", 50)),
    "不属于本单位职责": (("满意", 30), ("基本满意", 40), ("不满意", 30)),
}
WORKING_DAY_LIMIT = {"12345热线": 5, "微信": 3, "抖音": 3, "微博": 3}
PETITION_DAYS = 60

# Deliberate defects, applied by the writer: (column, a real date whose rows qualify, impossible date
# text written instead). The first row whose column falls on that date gets its date part replaced by
# a day that does not exist (a typo in the source system), so the row cannot be parsed and is rejected.
# The last entry blanks the 工单编号 of the row at MISSING_ID_ROW (required key -> rejected).
DATE_DEFECTS = (
    ("受理时间", date(2026, 2, 28), "2026-02-30"),
    ("受理时间", date(2025, 11, 30), "2025-11-31"),
    ("办结时间", date(2026, 4, 30), "2026-04-31"),
)
MISSING_ID_ROW = 1780

HEADER = ("工单编号", "来源渠道", "诉求类别", "诉求内容", "所属街道", "详细地址", "受理时间", "办结时限",
          "办结时间", "办结方式", "回访时间", "满意度")


@dataclass
class Complaint:
    """One complaint row; times naive local, ``None`` when the step had not happened at export."""

    ticket_id: str
    channel: str
    category: str
    content: str
    street: str
    address: str
    received_at: datetime
    due_at: datetime
    closed_at: datetime | None
    close_method: str | None
    visit_at: datetime | None
    satisfaction: str | None


def add_working_days(ts: datetime, n: int) -> datetime:
    """Same clock time on the ``n``-th official working day after ``ts`` (调休 make-up days count)."""
    d: date = ts.date()
    done = 0
    while done < n:
        d += timedelta(days=1)
        if chinese_calendar.is_workday(d):
            done += 1
    return datetime.combine(d, ts.time())


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _one(rng: random.Random, streets: list[str]) -> Complaint:
    channel, category = _pick(rng, CHANNELS), _pick(rng, CATEGORIES)
    street = rng.choice(streets)
    addr = names.address(rng, street)
    day = YEAR_START + timedelta(days=rng.randrange((YEAR_END - YEAR_START).days))
    hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 12, 10, 8, 10, 12, 12, 10, 9, 8, 8, 7, 5, 3, 2])[0]
    received = day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))
    if channel == "信访":
        due = received + timedelta(days=PETITION_DAYS)
    else:
        due = add_working_days(received, WORKING_DAY_LIMIT[channel])
    method = _pick(rng, CLOSE_METHODS)
    span = due - received
    u = rng.random()
    if method in ("重复件", "作废"):
        closed = received + timedelta(hours=rng.uniform(0.5, 20))
    elif u < 0.90:
        closed = received + span * rng.uniform(0.08, 0.98)
    elif u < 0.98:
        closed = due + timedelta(hours=rng.uniform(2, 120))
    else:
        closed = None
    closed = closed.replace(microsecond=0) if closed else None
    if closed is not None and closed >= EXPORT_AT:
        closed = None
    visit = satisfaction = None
    if closed is not None and method in SATISFACTION and rng.random() < 0.9:
        visit = (closed + timedelta(hours=rng.uniform(4, 72))).replace(microsecond=0)
        if visit >= EXPORT_AT:
            visit = None
        else:
            satisfaction = _pick(rng, SATISFACTION[method])
    return Complaint("", channel, category, CONTENT[category].format(a=addr), street, addr, received, due,
                     closed, method if closed else None, visit, satisfaction)


def make_complaints(rng: random.Random) -> list[Complaint]:
    """``N_COMPLAINTS`` complaints sorted by receipt, ids ``LC<yymmdd><seq>`` (defects not applied)."""
    streets = [s for s, w in STREET_WEIGHT.items() for _ in range(w)]
    out = sorted((_one(rng, streets) for _ in range(N_COMPLAINTS)), key=lambda c: (c.received_at, c.content))
    seq: dict[date, int] = {}
    for c in out:
        d = c.received_at.date()
        seq[d] = seq.get(d, 0) + 1
        c.ticket_id = f"LC{d:%y%m%d}{seq[d]:04d}"
    return out
