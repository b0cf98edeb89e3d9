"""Complaint follow-ups (first contact, reopening) and rewarded tips (有奖举报), METRICS.md H2, H4, H9, H12.

First contact (首次联系诉求人): social-media channels are answered within minutes (about 90 % within
3 min, H2), 12345 tickets within hours (about 96 % within 24 h, H4), petitions within days. About half
of the 不满意 return visits and 1 % of other closed tickets are reopened (H9). Rewarded tips: about 150
a year, 60 % verified true, rewards of 200-2,000 yuan paid within a month; gas tips that led to a
black-gas seizure are among them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .common import after, office_time, pick, upto_export
from . import names
from .complaints import Complaint
from .gas_lifecycle import Seizure
from .registry import allocate
from .spec import STREET_WEIGHT, YEAR_END, YEAR_START, fmt_local

FOLLOWUP_HEADER = ("工单编号", "来源渠道", "诉求类别", "所属街道", "首次联系时间", "联系方式", "重启时间", "重启原因",
                   "重启工单编号", "重启后办结时间")
TIP_HEADER = ("举报编号", "举报时间", "举报渠道", "举报类别", "所属街道", "举报地址", "举报人电话", "核查时间", "核查结果",
              "奖励金额（元）", "奖励发放时间", "关联编号")
REOPEN_REASONS = ("诉求人反映问题未实际解决", "回访不满意，要求重新办理", "同一问题再次出现")
TIP_CATEGORIES = (("燃气安全", 35), ("违法建设", 30), ("占道经营", 15), ("渣土运输", 10), ("户外广告", 10))
TIP_CHANNELS = (("12345热线", 40), ("微信", 35), ("来信来访", 10), ("电子邮件", 15))


def _t(ts: datetime | None) -> str | None:
    return fmt_local(ts) if ts else None


def followup_rows(rng: random.Random, complaints: list[Complaint], bad_tickets: set[str]) -> list[tuple]:
    """Rows of ``complaint_followups.csv`` (FOLLOWUP_HEADER), one per loadable complaint."""
    rows = []
    n_reopen = 0
    for c in complaints:
        if c.ticket_id in bad_tickets:
            continue
        if c.channel in ("微信", "微博", "抖音"):
            contact = c.received_at + timedelta(seconds=rng.randint(20, 170) if rng.random() < 0.9 else rng.randint(200, 3600))
            method = "平台回复"
        elif c.channel == "12345热线":
            contact = after(rng, c.received_at, 0.3, 20) if rng.random() < 0.96 else after(rng, c.received_at, 25, 60)
            method = "电话" if rng.random() < 0.85 else "短信"
        else:
            contact = office_time(rng, c.received_at + timedelta(days=rng.randint(1, 10)))
            method = rng.choice(("书面告知", "电话", "上门走访"))
        contact = upto_export(contact)
        reopen_at = reason = new_id = reclosed = None
        if c.closed_at and c.close_method == "已解决":
            p = 0.5 if c.satisfaction == "不满意" else 0.01
            if rng.random() < p:
                base = c.visit_at or c.closed_at
                reopen_at = upto_export(after(rng, base, 2, 96))
                if reopen_at:
                    n_reopen += 1
                    reason = REOPEN_REASONS[1] if c.satisfaction == "不满意" else rng.choice(REOPEN_REASONS)
                    new_id = f"{c.ticket_id}-R1"
                    reclosed = upto_export(after(rng, reopen_at, 24, 200))
        rows.append((c.ticket_id, c.channel, c.category, c.street, _t(contact), method if contact else None,
                     _t(reopen_at), reason, new_id, _t(reclosed)))
    return rows


def tip_rows(rng: random.Random, seizures: list[Seizure]) -> list[tuple]:
    """Rows of ``hotline_tips.csv`` (TIP_HEADER), ids ``JB<yyyymmdd><nn>``, sorted by time; the tips
    behind tip-sourced seizures are verified at the seizure and refer to it in 关联编号."""
    items = []
    for s in seizures:
        if s.source == "有奖举报":
            at = after(rng, s.at - timedelta(days=rng.randint(1, 5)), 0, 10)
            items.append((at, "燃气安全", s.street, s.place, s.at, True, s.seizure_id))
    for street, n in allocate(130, STREET_WEIGHT).items():
        for _ in range(n):
            at = (YEAR_START + timedelta(seconds=rng.randrange(int((YEAR_END - YEAR_START).total_seconds())))).replace(microsecond=0)
            verified_at = upto_export(office_time(rng, at + timedelta(days=rng.randint(1, 10))))
            items.append((at, pick(rng, TIP_CATEGORIES), street, names.address(rng, street), verified_at,
                          rng.random() < 0.55 if verified_at else None, None))
    items.sort(key=lambda x: x[0])
    rows, seq = [], {}
    for at, cat, street, place, verified_at, true, ref in items:
        d = at.date()
        seq[d] = seq.get(d, 0) + 1
        reward = paid_at = None
        if true:
            reward = rng.choice((500, 1000, 1500, 2000)) if cat == "燃气安全" else rng.choice((200, 300, 500, 800))
            paid_at = upto_export(office_time(rng, verified_at + timedelta(days=rng.randint(5, 30)))) \
                if rng.random() < 0.92 else None
        phone = f"1{rng.choice((3, 5, 8, 9))}{rng.randrange(10**8, 10**9)}"
        rows.append((f"JB{d:%Y%m%d}{seq[d]:02d}", fmt_local(at), pick(rng, TIP_CHANNELS), cat, street, place, phone,
                     _t(verified_at), None if true is None else ("属实" if true else "不属实"), reward, _t(paid_at), ref))
    return rows
