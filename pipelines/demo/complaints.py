"""About 3,000 complaints a year over 12345, WeChat, Weibo, Douyin and petitions (信访).

Deadlines (办结时限) follow the channel: 12345 hotline 5 working days, social media 3 working days
(official working-day calendar from ``chinese_calendar``), petitions 60 calendar days. About 90 % are
closed on time. Exactly four rows are deliberately defective (:data:`DATE_DEFECTS`, :data:`MISSING_ID_ROW`) so the ingest has
rows to reject with a reason.

Complainants (诉求人) carry personal data, as real 12345 exports do: name, mobile number, an 18-digit
resident ID number with a valid GB 11643-1999 check digit, and a home address (联系地址). About a fifth
of the complaints come from repeat complainants (same person, same phone), and some 诉求内容 texts
mention the phone number or the ID number inline, so the ingest masking (pipelines/ingest/pii.py) has
both declared columns and free text to protect. All people are invented; the person draws use their
own random stream, so the complaint rows themselves are unchanged by them.
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

HEADER = ("工单编号", "来源渠道", "诉求类别", "诉求人", "联系电话", "身份证号", "联系地址", "诉求内容", "所属街道",
          "详细地址", "受理时间", "办结时限", "办结时间", "办结方式", "回访时间", "满意度")

# Complainants: surnames common in southern Fujian and given-name characters; every name has three
# characters and none equals a staff name of names.INSPECTORS (the privacy test scans for them).
SURNAMES = "陈林黄王吴张李蔡许郑洪庄苏施杨曾刘郭谢蒋傅卢"
GIVEN = "淑芬秀琴美玲丽华建国志强文斌晓燕雅婷俊杰宏伟金水阿土明辉惠珍碧霞荣发清泉玉兰振兴"
# Administrative division codes (GB/T 2260) of the resident IDs: Licheng, neighbouring districts, elsewhere.
ID_AREAS = (("350502", 45), ("350503", 15), ("350504", 5), ("350582", 10), ("350583", 8), ("350521", 5),
            ("350581", 5), ("350102", 3), ("362502", 2), ("441581", 2))
MOBILE_PREFIXES = ("130", "133", "135", "136", "137", "138", "139", "150", "152", "158", "159", "177", "180",
                   "186", "187", "188", "189", "191", "198", "199")
N_FREQUENT = 160        # complainants who complain again and again (the repeats)
REPEAT_SHARE = 0.20     # share of complaints filed by a frequent complainant
INLINE_PHONE_SHARE = 0.08   # 诉求内容 ends with "请回电<phone>"
INLINE_ID_SHARE = 0.02      # 诉求内容 mentions the complainant's ID number
INLINE_EMAIL_SHARE = 0.01   # 诉求内容 gives an e-mail address
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


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
    complainant: str = ""
    phone: str = ""
    id_number: str = ""
    home_address: str = ""


@dataclass(frozen=True)
class Person:
    """An invented complainant: name, 11-digit mobile, 18-character resident ID, home address."""

    name: str
    phone: str
    id_number: str
    home_address: str


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
    """``N_COMPLAINTS`` complaints sorted by receipt, ids ``LC<yymmdd><seq>`` (defects not applied),
    each with its complainant (:func:`assign_complainants`)."""
    streets = [s for s, w in STREET_WEIGHT.items() for _ in range(w)]
    out = sorted((_one(rng, streets) for _ in range(N_COMPLAINTS)), key=lambda c: (c.received_at, c.content))
    seq: dict[date, int] = {}
    for c in out:
        d = c.received_at.date()
        seq[d] = seq.get(d, 0) + 1
        c.ticket_id = f"LC{d:%y%m%d}{seq[d]:04d}"
    assign_complainants(random.Random(f"{rng.getrandbits(64)}:complainants"), out)
    return out


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return "10X98765432"[total % 11]


def make_person(rng: random.Random, used_phones: set[str]) -> Person:
    """One invented complainant with a mobile number not in ``used_phones`` (added to it)."""
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    while True:
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in used_phones:
            used_phones.add(phone)
            break
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    first17 = f"{_pick(rng, ID_AREAS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    street = rng.choice(list(names.ROADS))
    home = (f"福建省泉州市鲤城区{rng.choice(names.ROADS[street])}{rng.randint(1, 399)}号"
            f"{rng.randint(1, 12)}幢{rng.randint(1, 9)}0{rng.randint(1, 6)}室")
    return Person(name, phone, first17 + id_check_char(first17), home)


def assign_complainants(rng: random.Random, items: list[Complaint]) -> None:
    """Give every complaint a complainant; about :data:`REPEAT_SHARE` of them come from a pool of
    :data:`N_FREQUENT` repeat complainants. Some 诉求内容 texts get the phone, ID or an e-mail inline."""
    used: set[str] = set()
    frequent = [make_person(rng, used) for _ in range(N_FREQUENT)]
    for c in items:
        p = rng.choice(frequent) if rng.random() < REPEAT_SHARE else make_person(rng, used)
        c.complainant, c.phone, c.id_number, c.home_address = p.name, p.phone, p.id_number, p.home_address
        u = rng.random()
        if u < INLINE_PHONE_SHARE:
            c.content += f"，请尽快处理并回电{p.phone}"
        elif u < INLINE_PHONE_SHARE + INLINE_ID_SHARE:
            c.content += f"。本人{p.name[0]}先生/女士，身份证号{p.id_number}，要求书面答复"
        elif u < INLINE_PHONE_SHARE + INLINE_ID_SHARE + INLINE_EMAIL_SHARE:
            c.content += f"，处理结果请发邮件至lc{p.phone[-6:]}@163.com"


def export_row(c: Complaint, fmt) -> list[str | None]:
    """The exported cells of one complaint in :data:`HEADER` order; ``fmt`` formats a datetime."""
    return [c.ticket_id, c.channel, c.category, c.complainant, c.phone, c.id_number, c.home_address, c.content,
            c.street, c.address, fmt(c.received_at), fmt(c.due_at), fmt(c.closed_at), c.close_method,
            fmt(c.visit_at), c.satisfaction]
