"""The demo files beyond the first seven: gas hazard lifecycle and enforcement, bridges, confined-space
work, illegal-construction patrols and imagery, complaint follow-ups and rewarded tips.

:func:`write_extended` is called by ``generate.generate`` with the registries, inspections and
complaints it already made (same seed, so these files stay consistent with the first seven), and
draws its own randomness from ``random.Random(f"{seed}:<domain>")`` so adding or changing a domain
here never changes the bytes of the first seven files.
"""

from __future__ import annotations

import random
from pathlib import Path

from . import bridges as brg
from . import confined as cs
from . import enforcement as enf
from . import gas_lifecycle as gas
from . import hotline as hot
from . import patrols as pat
from .complaints import Complaint
from .inspections import Inspection
from .registry import Asset
from .spec import FILES
from .writers import write_csv, write_jsonl, write_xlsx

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm"

EXTENDED_KEYS = (
    "gas_hazard_rectification", "black_gas_seizures", "enforcement_cases", "bridge_inspections", "bridge_files",
    "bridge_patrols", "confined_space_units", "confined_space_training", "confined_space_work",
    "patrol_checkpoints", "patrol_shifts", "patrol_checkins", "imagery_spots", "illegal_construction",
    "hotline_tips", "complaint_followups",
)


def _rng(seed: int, domain: str) -> random.Random:
    return random.Random(f"{seed}:{domain}")


def write_extended(out_dir: Path, seed: int, assets: list[Asset], inspections: list[Inspection],
                   complaints: list[Complaint], bad_tickets: set[str]) -> dict[str, Path]:
    """Write the files of :data:`EXTENDED_KEYS` under ``out_dir`` (paths from ``spec.FILES``).

    ``bad_tickets`` are complaint ids whose export row cannot be loaded (deliberate defects); no
    follow-up or violation refers to them. Returns {file key: path}. Raises ``UnicodeEncodeError``
    if a text cannot be encoded in its file's encoding (GBK files must really be GBK).
    """
    p = {key: Path(out_dir) / FILES[key] for key in EXTENDED_KEYS}

    rect = gas.make_rectifications(_rng(seed, "rectification"), inspections)
    write_csv(p["gas_hazard_rectification"], gas.RECTIFY_HEADER, gas.rectification_rows(rect), encoding="utf-8")
    seizures = gas.make_seizures(_rng(seed, "seizures"))
    write_csv(p["black_gas_seizures"], gas.SEIZURE_HEADER, gas.seizure_rows(seizures), encoding="gbk")

    patrols = pat.make_patrols(_rng(seed, "patrols"), complaints, bad_tickets)
    write_csv(p["patrol_checkpoints"], pat.CHECKPOINT_HEADER, pat.checkpoint_rows(patrols), encoding="utf-8-sig")
    write_xlsx(p["patrol_shifts"], "巡查排班", [pat.SHIFT_HEADER], pat.shift_rows(patrols),
               number_formats={6: DATETIME_FMT, 7: DATETIME_FMT}, widths={"A": 14, "B": 18, "C": 20, "G": 17, "H": 17, "J": 40})
    write_csv(p["patrol_checkins"], pat.CHECKIN_HEADER, pat.checkin_rows(patrols), encoding="utf-8")
    write_xlsx(p["imagery_spots"], "卫片图斑核查", [pat.SPOT_HEADER], pat.spot_rows(patrols),
               number_formats={3: DATE_FMT, 4: DATETIME_FMT, 8: DATETIME_FMT, 9: DATETIME_FMT},
               widths={"A": 14, "B": 22, "E": 17, "G": 18, "I": 17, "J": 17})
    write_csv(p["illegal_construction"], pat.CASE_HEADER, pat.violation_rows(patrols), encoding="gbk")

    cases = enf.make_cases(_rng(seed, "enforcement"), rect, seizures, patrols.violations)
    write_xlsx(p["enforcement_cases"], "行政处罚案件台账", [enf.HEADER], enf.case_rows(cases),
               number_formats={7: DATETIME_FMT, 8: DATETIME_FMT, 11: DATETIME_FMT, 14: DATETIME_FMT, 16: DATETIME_FMT},
               widths={"A": 12, "C": 40, "E": 16, "F": 30, "H": 17, "I": 17, "J": 30, "K": 28, "L": 17, "O": 17, "Q": 17})

    bridges = [a for a in assets if a.facility_type == "bridge"]
    write_xlsx(p["bridge_inspections"], "桥梁检测评定", [brg.ASSESS_HEADER],
               brg.assessment_rows(brg.make_assessments(_rng(seed, "bridge_assess"), bridges)),
               number_formats={5: DATETIME_FMT}, widths={"A": 16, "F": 17, "G": 34, "L": 14, "M": 30})
    write_csv(p["bridge_files"], brg.FILE_HEADER, brg.file_rows(_rng(seed, "bridge_files"), bridges), encoding="utf-8-sig")
    write_jsonl(p["bridge_patrols"], brg.patrol_records(_rng(seed, "bridge_patrols"), bridges))

    units, workers = cs.make_units(_rng(seed, "cs_units"))
    write_xlsx(p["confined_space_units"], "有限空间作业单位台账", [cs.UNIT_HEADER], cs.unit_rows(units),
               number_formats={4: DATE_FMT}, widths={"A": 12, "B": 40, "E": 12, "G": 30})
    write_csv(p["confined_space_training"], cs.TRAINING_HEADER, cs.training_rows(workers), encoding="gbk")
    write_jsonl(p["confined_space_work"], cs.operation_records(_rng(seed, "cs_ops"), units, assets))

    write_csv(p["hotline_tips"], hot.TIP_HEADER, hot.tip_rows(_rng(seed, "tips"), seizures), encoding="utf-8")
    write_csv(p["complaint_followups"], hot.FOLLOWUP_HEADER,
              hot.followup_rows(_rng(seed, "followups"), complaints, bad_tickets), encoding="gbk")
    return p
