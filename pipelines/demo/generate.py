"""Deterministic demo dataset of a Licheng-style district (source_system ``licheng``).

Usage::

    python -m pipelines.demo.generate --out raw [--seed 20261129] [--next-day]

writes ``<out>/demo/`` (file names in ``spec.FILES``; with ``--next-day`` only the next morning's exports,
``spec.NEXT_DAY_FILES``, late data to load in a second refresh), one file per source contract
``pipelines/contracts/demo_*.yaml``. Same seed -> same bytes on every run and machine: every random
draw comes from ``random.Random(f"{seed}:<domain>")`` and no wall clock is read (the reference year
is 2025-11-01 .. 2026-10-31 Asia/Shanghai, exported at 2026-11-01 00:00).
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime
from pathlib import Path

from . import complaints as cmp
from . import extended as ext
from . import faults as flt
from . import inspections as insp
from . import registry as reg
from . import sensors as sen
from .spec import DEFAULT_SEED, EXPORT_AT, FILES, NEXT_DAY_FILES, fmt_local
from .writers import write_csv, write_jsonl, write_xlsx

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm"

GAS_USER_HEADER = ("单位编号", "单位名称", "单位类型", "所属街道", "经营地址", "许可证号", "登记日期", "经度", "纬度")
INSPECTION_HEADER_TOP = ("基本信息", None, None, None, None, "检查日期", "检查项目", None, None, None,
                         "检查结论", None, "隐患情况", None, None, "检查人员")
INSPECTION_HEADER_SUB = ("检查编号", "单位编号", "单位名称", "单位类型", "所属街道", None, "信息牌已张贴",
                         "报警器已安装", "报警器有效", "软管合格", "检查结果", "得分", "隐患类别", "隐患等级",
                         "整改期限", None)
INSPECTION_MERGES = ("A1:E1", "F1:F2", "G1:J1", "K1:L1", "M1:O1", "P1:P2")
ASSET_HEADER = ("设施编号", "设施类型", "设施名称", "所属街道", "位置", "经度", "纬度", "建成日期", "规格",
                "养护类别", "养护等级", "管养单位")
FAULT_HEADER = ("故障编号", "设施编号", "设施类型", "所属街道", "故障类别", "上报来源", "上报时间", "处置时限",
                "到场时间", "修复时间", "处置状态", "延期批准时间", "延期至", "取消时间", "取消原因", "抢修班组")
ALARM_HEADER = ("报警编号", "设备编号", "监测类型", "监测对象编号", "监测对象名称", "所属街道", "报警级别",
                "报警值", "阈值", "计量单位", "报警时间", "确认时间", "解除时间", "解除原因")


def _rng(seed: int, domain: str) -> random.Random:
    return random.Random(f"{seed}:{domain}")


def _t(ts: datetime | None) -> str | None:
    return fmt_local(ts) if ts else None


def _yn(flag: bool) -> str:
    return "是" if flag else "否"


def _write_gas_users(path: Path, users: list[reg.GasUser]) -> None:
    rows = ((u.unit_id, u.name, reg.GAS_USER_TYPE_LABEL[u.subject_type], u.street, u.address, u.licence_no,
             u.registered, u.lon, u.lat) for u in users)
    write_xlsx(path, "燃气用户台账", [GAS_USER_HEADER], rows, number_formats={6: DATE_FMT},
               widths={"B": 36, "E": 18, "F": 20, "G": 12})


def _write_inspections(path: Path, records: list[insp.Inspection]) -> None:
    rows = ((i.inspection_id, i.unit.unit_id, i.unit.name, reg.GAS_USER_TYPE_LABEL[i.unit.subject_type],
             i.unit.street, i.inspected_at, _yn(i.board), _yn(i.alarm_installed), _yn(i.alarm_functional),
             _yn(i.hose_ok), i.result, i.score, i.hazard, i.severity,
             datetime.combine(i.rectify_by, datetime.min.time()) if i.rectify_by else None, i.inspectors)
            for i in records)
    write_xlsx(path, "燃气安全检查记录", [INSPECTION_HEADER_TOP, INSPECTION_HEADER_SUB], rows,
               merges=INSPECTION_MERGES, number_formats={5: DATETIME_FMT, 14: DATE_FMT},
               widths={"A": 14, "C": 36, "F": 17, "O": 12, "P": 16})


def _write_assets(path: Path, assets: list[reg.Asset]) -> None:
    rows = ((a.asset_id, reg.ASSET_TYPE_LABEL[a.facility_type], a.name, a.street, a.address, f"{a.lon:.6f}",
             f"{a.lat:.6f}", a.built.strftime("%Y-%m-%d"), a.spec, a.maintenance_class, a.maintenance_grade,
             reg.ASSET_KEEPER[a.facility_type]) for a in assets)
    write_csv(path, ASSET_HEADER, rows, encoding="utf-8-sig")


def _write_faults(path: Path, faults: list[flt.Fault]) -> None:
    rows = ((f.fault_id, f.asset.asset_id, reg.ASSET_TYPE_LABEL[f.asset.facility_type], f.asset.street, f.label,
             f.source, _t(f.reported_at), _t(f.due_at), _t(f.arrived_at), _t(f.repaired_at), f.status,
             _t(f.extension_at), _t(f.new_due_at), _t(f.cancelled_at), f.cancel_reason, f.crew) for f in faults)
    write_csv(path, FAULT_HEADER, rows, encoding="utf-8")


def complaint_rows(items: list[cmp.Complaint]) -> list[list[str | None]]:
    """Complaint rows as exported, with the deliberate defects of ``complaints.DATE_DEFECTS`` and
    ``complaints.MISSING_ID_ROW`` applied (exactly four rows become unloadable)."""
    rows = [cmp.export_row(c, _t) for c in items]
    touched: set[int] = set()
    for column, real_day, bad_day in cmp.DATE_DEFECTS:
        col = cmp.HEADER.index(column)
        idx = next(i for i, r in enumerate(rows)
                   if i not in touched and r[col] and r[col].startswith(real_day.isoformat()))
        rows[idx][col] = bad_day + rows[idx][col][10:]
        touched.add(idx)
    assert cmp.MISSING_ID_ROW not in touched
    rows[cmp.MISSING_ID_ROW][0] = None
    return rows


def _write_complaints(path: Path, items: list[cmp.Complaint]) -> None:
    write_csv(path, cmp.HEADER, complaint_rows(items), encoding="gbk")


def _write_alarms(path: Path, alarms: list[sen.Alarm]) -> None:
    rows = ((a.alarm_id, a.device.device_id, sen.TYPE_LABEL[a.device.sensor_type], a.device.target_id,
             a.device.target_name, a.device.street, a.level, f"{a.peak:.1f}",
             f"{sen.THRESHOLD[a.device.sensor_type]:.1f}", sen.UNIT[a.device.sensor_type], _t(a.raised_at),
             _t(a.acknowledged_at), _t(a.cleared_at), sen.CLEAR_LABEL[a.clear_reason] if a.clear_reason else None)
            for a in alarms)
    write_csv(path, ALARM_HEADER, rows, encoding="utf-8")


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the demo dataset under ``out_dir/demo/`` and return {file key: path} (keys of ``spec.FILES``).

    Deterministic in ``seed``; overwrites existing files of the same names. Total size is about 8 MB.
    Raises ``UnicodeEncodeError`` if a generated text cannot be encoded in its file's encoding.
    """
    out_dir = Path(out_dir)
    paths = {key: out_dir / rel for key, rel in FILES.items()}
    users = reg.make_gas_users(_rng(seed, "gas_users"))
    assets = reg.make_assets(_rng(seed, "assets"))
    _write_gas_users(paths["gas_users"], users)
    inspections = insp.make_inspections(_rng(seed, "inspections"), users)
    _write_inspections(paths["gas_inspections"], inspections)
    _write_assets(paths["assets"], assets)
    _write_faults(paths["faults"], [flt.exported(f, EXPORT_AT) for f in _faults(seed, assets)])
    complaints = cmp.make_complaints(_rng(seed, "complaints"))
    _write_complaints(paths["complaints"], complaints)
    devices = sen.make_devices(_rng(seed, "devices"), users, assets)
    storms = sen.make_storms(_rng(seed, "storms"))
    alarms = sen.make_alarms(_rng(seed, "alarms"), devices, storms)
    _write_alarms(paths["sensor_alarms"], alarms)
    write_jsonl(paths["sensor_readings"], sen.make_readings(_rng(seed, "readings"), devices, alarms, storms))
    ext.write_extended(out_dir, seed, assets, inspections, complaints, unloadable_tickets(complaints))
    return paths


def generate_next_day(out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the next morning's exports (``spec.NEXT_DAY_FILES``, taken at ``spec.NEXT_DAY_AT``) under
    ``out_dir/demo/`` and return {file key: path}: the faults whose arrival or repair came after the main
    export (late data). Deterministic in ``seed`` and consistent with :func:`generate` of the same seed."""
    out_dir = Path(out_dir)
    paths = {key: out_dir / rel for key, rel in NEXT_DAY_FILES.items()}
    _write_faults(paths["faults_next_day"], flt.next_day_update(_faults(seed, reg.make_assets(_rng(seed, "assets")))))
    return paths


def _faults(seed: int, assets: list[reg.Asset]) -> list[flt.Fault]:
    """The year's faults with their true times and the late-entered repairs marked (both exports use them)."""
    faults = flt.make_faults(_rng(seed, "faults"), assets)
    flt.mark_late_entries(_rng(seed, "faults_late_entry"), faults)
    return faults


def unloadable_tickets(items: list[cmp.Complaint]) -> set[str]:
    """Ticket ids whose exported row carries a deliberate defect (see :func:`complaint_rows`)."""
    rows = complaint_rows(items)
    received, closed = cmp.HEADER.index("受理时间"), cmp.HEADER.index("办结时间")
    return {c.ticket_id for c, r in zip(items, rows)
            if r[0] is None or r[received] != _t(c.received_at) or r[closed] != _t(c.closed_at)}


def main(argv: list[str] | None = None) -> int:
    """CLI entry: ``--out DIR [--seed N] [--next-day]``; prints one line per file (size, path)."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.demo.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="raw folder to write demo/ into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--next-day", action="store_true",
                        help="write only the next morning's exports (late data for a second refresh)")
    args = parser.parse_args(argv)
    paths = (generate_next_day if args.next_day else generate)(args.out, args.seed)
    total = 0
    for key, path in paths.items():
        size = path.stat().st_size
        total += size
        print(f"{size:>10,d}  {path}  ({key})")
    print(f"{total:>10,d}  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
