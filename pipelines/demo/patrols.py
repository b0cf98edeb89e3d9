"""Illegal-construction control (违法建设巡查): grids, checkpoints, patrol shifts and check-ins,
satellite / drone imagery spots and the illegal-construction ledger (METRICS.md I1-I5).

Grids follow GB/T 30428.1-style 15-digit ids (6 district + 3 street + 3 community + 3 sequence): one
district grid (its squad patrols key sites of one street per shift), one street grid per street and
one community grid per community. Community grids are patrolled by day once a week, street grids by
night once a week, the district squad by night every two weeks and by day once a month. About 97 %
of planned day check-ins and 90 % of night check-ins happen (I1). Violations are found by patrols,
by imagery verification or from complaints; most are demolished, the rest go to enforcement cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import names
from .common import DISTRICT_CODE, STREET_CODE, after, communities, end_of_day, office_time, pick, upto_export
from .complaints import Complaint
from .registry import STREET_CENTRE
from .spec import EXPORT_AT, STREET_WEIGHT, STREETS, YEAR_END, YEAR_START, fmt_local

LEVEL_LABEL = {"district": "区级", "street": "街道级", "community": "社区级"}
KIND_LABEL = {"normal": "一般点位", "key_site": "重点监控对象"}
SHIFT_LABEL = {"day": "白班", "night": "夜班"}
SOURCE_LABEL = {"patrol": "巡查发现", "imagery": "卫片核查", "complaint": "群众举报"}
RESULT_LABEL = {"new_illegal": "新增违法建设", "legal": "合法建设", "pre_existing": "历史存量"}
BUILD_TYPES = (("彩钢棚", 35), ("砖混加层", 15), ("铁皮房", 20), ("阳台外扩", 10), ("围墙圈地", 10), ("屋顶搭建", 10))
KEY_SITE_NAMES = ("拆后地块", "在建工地周边", "城中村自建房片区", "历史违建点", "闲置厂房", "沿河空地")
# Night check-in completion differs by street (I1 varies); day completion is about 97 % everywhere.
NIGHT_RATE = {s: r for s, r in zip(STREETS, (0.95, 0.93, 0.90, 0.94, 0.86, 0.88, 0.84, 0.82))}

CHECKPOINT_HEADER = ("点位编号", "点位名称", "点位类型", "网格编号", "网格名称", "网格层级", "所属街道", "所属社区",
                     "巡查周期（天）", "经度", "纬度", "列入日期")
SHIFT_HEADER = ("排班编号", "网格编号", "网格名称", "网格层级", "所属街道", "班次", "计划开始时间", "计划结束时间",
                "计划打卡点数", "计划打卡点", "巡查人员")
CHECKIN_HEADER = ("打卡编号", "排班编号", "网格编号", "所属街道", "打卡点编号", "点位类型", "班次", "打卡时间",
                  "经度", "纬度", "巡查情况")
SPOT_HEADER = ("图斑编号", "批次", "图斑来源", "影像日期", "下发日期", "所属街道", "网格编号", "图斑面积（平方米）",
               "核查期限", "核查时间", "核查结果", "关联违建编号", "核查人员")
CASE_HEADER = ("违建编号", "发现时间", "发现方式", "来源编号", "所属街道", "网格编号", "地址", "违建类型", "建设状态",
               "违建面积（平方米）", "制止时间", "拆除时间", "拆除面积（平方米）", "拆除方式")


@dataclass(frozen=True)
class Grid:
    """One patrol grid (网格); ``street`` is None for the district grid."""

    grid_id: str
    name: str
    level: str  # district | street | community
    street: str | None
    community: str | None


@dataclass(frozen=True)
class Checkpoint:
    """One check-in point of a grid; key sites (重点监控对象) carry a visit cycle in days (I2)."""

    cp_id: str
    name: str
    kind: str  # normal | key_site
    grid: Grid
    street: str
    lon: float
    lat: float
    cycle_days: int
    listed: datetime


@dataclass
class Shift:
    """One planned patrol shift and the check-ins actually made."""

    shift_id: str
    grid: Grid
    street: str
    shift: str  # day | night
    start: datetime
    end: datetime
    checkpoints: list[Checkpoint]
    patrollers: str
    checkins: list[tuple[str, Checkpoint, datetime, bool]] = field(default_factory=list)  # id, cp, at, suspect


@dataclass
class Spot:
    """One imagery change spot (图斑) issued for verification."""

    spot_id: str
    batch: str
    source: str  # satellite | drone
    image_date: datetime
    issued_at: datetime
    grid: Grid
    street: str
    area: float
    deadline: datetime
    verified_at: datetime | None = None
    result: str | None = None
    violation: "Violation | None" = None  # the ledger entry a new_illegal spot refers to
    verifier: str | None = None


@dataclass
class Violation:
    """One illegal construction in the ledger (违法建设台账)."""

    case_id: str
    found_at: datetime
    source: str  # patrol | imagery | complaint
    source_ref: str
    street: str
    grid: Grid
    address: str
    build_type: str
    stage: str  # 在建 | 已建成
    area: float
    stopped_at: datetime | None = None
    demolished_at: datetime | None = None
    demolished_area: float | None = None
    method: str | None = None  # 自行拆除 | 强制拆除


@dataclass
class Patrols:
    """Everything this module makes, linked: grids, checkpoints, shifts, spots, violations."""

    grids: list[Grid]
    checkpoints: list[Checkpoint]
    shifts: list[Shift]
    spots: list[Spot]
    violations: list[Violation]


def _point(rng: random.Random, street: str) -> tuple[float, float]:
    lon0, lat0 = STREET_CENTRE[street]
    return round(lon0 + rng.uniform(-0.008, 0.008), 6), round(lat0 + rng.uniform(-0.006, 0.006), 6)


def make_grids(rng: random.Random) -> tuple[list[Grid], list[Checkpoint]]:
    """The district, street and community grids and their checkpoints (ids ``XC<grid seq><nn>``)."""
    grids = [Grid(f"{DISTRICT_CODE}000000001", "鲤城区区级巡查网格", "district", None, None)]
    for street in STREETS:
        code = STREET_CODE[street]
        grids.append(Grid(f"{DISTRICT_CODE}{code}000001", f"{street}街道级网格", "street", street, None))
        for c, community in enumerate(communities(street), start=1):
            grids.append(Grid(f"{DISTRICT_CODE}{code}{c:03d}001", f"{community}网格", "community", street, community))
    cps: list[Checkpoint] = []
    for g_idx, grid in enumerate(grids, start=1):
        if grid.level == "district":
            spots = [(s, "key_site") for s in STREETS for _ in range(2)]
        elif grid.level == "street":
            spots = [(grid.street, "normal")] * 2 + [(grid.street, "key_site")]
        else:
            n = rng.randint(3, 5)
            spots = [(grid.street, "key_site" if i == 0 and rng.random() < 0.5 else "normal") for i in range(n)]
        for i, (street, kind) in enumerate(spots, start=1):
            road = rng.choice(names.ROADS[street])
            name = f"{road}{rng.choice(KEY_SITE_NAMES)}" if kind == "key_site" else f"{road}{rng.randint(1, 300)}号周边"
            lon, lat = _point(rng, street)
            listed = datetime(2023, 1, 1) + timedelta(days=rng.randrange(0, 1000))
            cps.append(Checkpoint(f"XC{g_idx:03d}{i:02d}", name, kind, grid, street, lon, lat,
                                  7 if kind == "key_site" else 14, listed))
    return grids, cps


def _weeks() -> list[datetime]:
    monday = YEAR_START - timedelta(days=YEAR_START.weekday())
    out = []
    while monday < YEAR_END:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def make_shifts(rng: random.Random, grids: list[Grid], cps: list[Checkpoint]) -> list[Shift]:
    """Planned shifts of the year with their check-ins, sorted by start; ids ``PB<yyyymmdd><seq>``."""
    by_grid: dict[str, list[Checkpoint]] = {}
    for cp in cps:
        by_grid.setdefault(cp.grid.grid_id, []).append(cp)
    district = grids[0]
    plans: list[tuple[Grid, str, str, datetime, list[Checkpoint]]] = []
    for w, monday in enumerate(_weeks()):
        for grid in grids[1:]:
            shift = "day" if grid.level == "community" else "night"
            day = monday + timedelta(days=rng.randrange(5 if shift == "day" else 7))
            start = day + (timedelta(hours=rng.choice((9, 9.5, 10, 14.5))) if shift == "day"
                           else timedelta(hours=rng.choice((20, 20.5, 21))))
            plans.append((grid, grid.street, shift, start, by_grid[grid.grid_id]))
        street = STREETS[w % len(STREETS)]
        targets = [cp for cp in by_grid[district.grid_id] if cp.street == street]
        if w % 2 == 0:
            plans.append((district, street, "night", monday + timedelta(days=rng.randrange(7), hours=21), targets))
        if w % 4 == 1:
            plans.append((district, street, "day", monday + timedelta(days=rng.randrange(5), hours=9), targets))
    shifts: list[Shift] = []
    for grid, street, shift, start, points in plans:
        if not (YEAR_START <= start < EXPORT_AT):
            continue
        hours = 3.0
        shifts.append(Shift("", grid, street, shift, start, start + timedelta(hours=hours), list(points),
                            "、".join(rng.sample(names.INSPECTORS, 2))))
    shifts.sort(key=lambda s: (s.start, s.grid.grid_id))
    seq: dict = {}
    n_checkin = 0
    for s in shifts:
        d = s.start.date()
        seq[d] = seq.get(d, 0) + 1
        s.shift_id = f"PB{d:%Y%m%d}{seq[d]:03d}"
        rate = 0.97 if s.shift == "day" else NIGHT_RATE[s.street]
        if rng.random() < (0.02 if s.shift == "day" else 0.05):
            continue  # the whole shift was skipped (typhoon, emergency duty)
        at = s.start
        for cp in s.checkpoints:
            at = after(rng, at, 0.15, 0.7)
            if rng.random() < rate and upto_export(at):
                n_checkin += 1
                s.checkins.append((f"DK{n_checkin:06d}", cp, at, rng.random() < 0.006))
    return shifts


def make_spots(rng: random.Random, grids: list[Grid]) -> list[Spot]:
    """Monthly satellite batches (10-18 spots) and quarterly drone flights (6-10 spots)."""
    community = [g for g in grids if g.level == "community"]
    weights = [STREET_WEIGHT[g.street] for g in community]
    out: list[Spot] = []
    month = datetime(YEAR_START.year, YEAR_START.month, 1)
    n = 0
    while month < YEAR_END:
        batches = [("satellite", f"{month:%Y}年第{month.month}期卫片", rng.randint(10, 18))]
        if month.month in (1, 4, 7, 10):
            batches.append(("drone", f"{month:%Y}年{month.month}月无人机航拍", rng.randint(6, 10)))
        for source, batch, k in batches:
            issued = office_time(rng, month + timedelta(days=rng.randint(5, 12)), 9, 11)
            image = (issued - timedelta(days=rng.randint(15, 35) if source == "satellite" else rng.randint(2, 6))).replace(
                hour=0, minute=0, second=0)
            if issued >= EXPORT_AT:
                continue
            for _ in range(k):
                n += 1
                grid = rng.choices(community, weights=weights)[0]
                out.append(Spot(f"TB{issued:%Y%m}{n:04d}", batch, source, image, issued, grid, grid.street,
                                round(rng.uniform(20, 800), 1), end_of_day(issued + timedelta(days=15))))
        month = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


def make_patrols(rng: random.Random, complaints: list[Complaint], bad_tickets: set[str]) -> Patrols:
    """Grids, shifts, spots and the violations they reveal (complaint-sourced ones from ``complaints``
    of category 违法建设, skipping ``bad_tickets`` the export cannot load)."""
    grids, cps = make_grids(rng)
    shifts = make_shifts(rng, grids, cps)
    spots = make_spots(rng, grids)
    community_of = {}
    for g in grids:
        if g.level == "community":
            community_of.setdefault(g.street, []).append(g)
    violations: list[Violation] = []

    def new(at: datetime, source: str, ref: str, street: str, grid: Grid, area: float | None = None) -> Violation:
        v = Violation("", at, source, ref, street, grid, names.address(rng, street), pick(rng, BUILD_TYPES),
                      "在建" if rng.random() < 0.55 else "已建成", area or round(rng.uniform(12, 400), 1))
        violations.append(v)
        return v

    for s in shifts:
        for ck_id, cp, at, suspect in s.checkins:
            if suspect:
                grid = cp.grid if cp.grid.level != "district" else rng.choice(community_of[cp.street])
                new(at, "patrol", ck_id, cp.street, grid)
    for c in complaints:
        if c.category == "违法建设" and c.ticket_id not in bad_tickets and rng.random() < 0.08:
            at = upto_export(office_time(rng, c.received_at + timedelta(days=rng.randint(1, 3))))
            if at:
                new(at, "complaint", c.ticket_id, c.street, rng.choice(community_of[c.street]))
    for spot in sorted(spots, key=lambda s: s.issued_at):
        u = rng.random()
        late = rng.random() < 0.06
        spot.verified_at = upto_export(office_time(
            rng, spot.issued_at + timedelta(days=rng.randint(16, 25) if late else rng.randint(2, 14))))
        if not spot.verified_at:
            continue
        spot.verifier = "、".join(rng.sample(names.INSPECTORS, 2))
        spot.result = "new_illegal" if u < 0.22 else ("legal" if u < 0.67 else "pre_existing")
        if spot.result == "new_illegal":
            linked = {id(sp.violation) for sp in spots if sp.violation is not None}
            known = [v for v in violations if v.source == "patrol" and v.street == spot.street
                     and v.found_at < spot.image_date and id(v) not in linked]
            if known and rng.random() < 0.5:
                spot.violation = known[0]  # a patrol had already found it: counts for I4
            else:
                spot.violation = new(spot.verified_at, "imagery", spot.spot_id, spot.street, spot.grid, spot.area)
    violations.sort(key=lambda v: (v.found_at, v.source_ref))
    seq: dict = {}
    for v in violations:
        d = v.found_at.date()
        seq[d] = seq.get(d, 0) + 1
        v.case_id = f"WJ{d:%Y%m%d}{seq[d]:02d}"
        if v.stage == "在建":
            v.stopped_at = upto_export(after(rng, v.found_at, 0.5, 20))
        u = rng.random()
        if u < 0.72:
            v.demolished_at, v.method = upto_export(office_time(rng, v.found_at + timedelta(days=rng.randint(3, 30)))), "自行拆除"
        elif u < 0.92:
            v.demolished_at, v.method = upto_export(office_time(rng, v.found_at + timedelta(days=rng.randint(35, 120)))), "强制拆除"
        if v.demolished_at:
            v.demolished_area = round(v.area * (1.0 if rng.random() < 0.9 else rng.uniform(0.6, 0.95)), 1)
        else:
            v.method = None
    return Patrols(grids, cps, shifts, spots, violations)


def _t(ts: datetime | None) -> str | None:
    return fmt_local(ts) if ts else None


def checkpoint_rows(p: Patrols) -> list[tuple]:
    """Rows of ``patrol_checkpoints.csv`` (CHECKPOINT_HEADER)."""
    return [(c.cp_id, c.name, KIND_LABEL[c.kind], c.grid.grid_id, c.grid.name, LEVEL_LABEL[c.grid.level], c.street,
             c.grid.community, c.cycle_days, f"{c.lon:.6f}", f"{c.lat:.6f}", c.listed.strftime("%Y-%m-%d"))
            for c in p.checkpoints]


def shift_rows(p: Patrols) -> list[tuple]:
    """Rows of ``patrol_shifts.xlsx`` (SHIFT_HEADER); start/end as datetimes for Excel cells."""
    return [(s.shift_id, s.grid.grid_id, s.grid.name, LEVEL_LABEL[s.grid.level], s.street, SHIFT_LABEL[s.shift],
             s.start, s.end, len(s.checkpoints), ";".join(c.cp_id for c in s.checkpoints), s.patrollers)
            for s in p.shifts]


def checkin_rows(p: Patrols) -> list[tuple]:
    """Rows of ``patrol_checkins.csv`` (CHECKIN_HEADER), one per check-in made."""
    return [(ck_id, s.shift_id, s.grid.grid_id, cp.street, cp.cp_id, KIND_LABEL[cp.kind], SHIFT_LABEL[s.shift],
             fmt_local(at), f"{cp.lon:.6f}", f"{cp.lat:.6f}", "发现疑似违建" if suspect else "正常")
            for s in p.shifts for ck_id, cp, at, suspect in s.checkins]


def spot_rows(p: Patrols) -> list[tuple]:
    """Rows of ``imagery_spots.xlsx`` (SPOT_HEADER)."""
    return [(s.spot_id, s.batch, "卫星遥感" if s.source == "satellite" else "无人机航拍", s.image_date, s.issued_at,
             s.street, s.grid.grid_id, s.area, s.deadline, s.verified_at,
             RESULT_LABEL[s.result] if s.result else None,
             s.violation.case_id if s.violation else None, s.verifier) for s in p.spots]


def violation_rows(p: Patrols) -> list[tuple]:
    """Rows of ``illegal_construction.csv`` (CASE_HEADER)."""
    return [(v.case_id, fmt_local(v.found_at), SOURCE_LABEL[v.source], v.source_ref, v.street, v.grid.grid_id,
             v.address, v.build_type, v.stage, f"{v.area:.1f}", _t(v.stopped_at), _t(v.demolished_at),
             f"{v.demolished_area:.1f}" if v.demolished_area is not None else None, v.method)
            for v in p.violations]
