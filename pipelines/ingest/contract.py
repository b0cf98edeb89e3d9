"""Source contracts: the declarative description of one raw export (docs/contracts.md).

A contract is a YAML file in ``pipelines/contracts/`` (or any folder named by ``CSW_CONTRACTS_DIR``,
several separated by ``:``). It is validated with pydantic when loaded; a bad contract raises
:class:`ContractError` naming the file and the offending key, before any data is touched.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pipelines.ingest.decode import DEFAULT_CANDIDATES
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
HOT_FIELDS = (
    "street", "grid_id", "channel", "category", "subject_type", "subject_id", "due_at", "amount", "lon", "lat",
)
KINDS = ("registry", "inspections", "facilities", "complaints", "sensors")
FORMATS = ("csv", "xlsx", "xls", "json", "jsonl", "open311", "fixed_width")


class ContractError(ValueError):
    """A contract file is invalid; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Column(_Strict):
    """How to find and type one canonical field (docs/contracts.md, Columns)."""

    aliases: list[str] = Field(default_factory=list)
    type: Literal["string", "id", "int", "float", "bool", "date", "timestamp", "timestamptz"] = "string"
    formats: list[str] = Field(default_factory=list)
    required: bool = False
    on_error: Literal["reject", "null"] = "reject"
    range: tuple[Any, Any] | None = None
    map: str | None = None
    constant: Any = None
    true_values: list[str] = Field(default_factory=list)
    false_values: list[str] = Field(default_factory=list)
    null_values: list[str] = Field(default_factory=list)
    pii: Literal["name", "phone", "id_number", "email", "address", "text"] | None = None


class Condition(_Strict):
    """An event's ``when``: ``{field, in}``, ``{field, not_in}`` or ``{present}``."""

    field: str | None = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    present: str | None = None
    absent: str | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Aggregate(_Strict):
    type: str
    id: str | list[str]


class EventSpec(_Strict):
    """One event type a row yields (docs/contracts.md, Events)."""

    type: str
    aggregate: Aggregate
    occurred_at: str
    when: Condition | list[Condition] | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    payload: list[str] | None = None

    @field_validator("fields")
    @classmethod
    def _hot_fields(cls, v: dict[str, Any]) -> dict[str, Any]:
        bad = sorted(set(v) - set(HOT_FIELDS))
        if bad:
            raise ValueError(f"unknown hot field(s) {bad}; allowed: {list(HOT_FIELDS)}")
        return v


class Measure(_Strict):
    field: str
    measured_at: str | None = None  # this measure's own time field (default: the readings' measured_at)
    sensor_type: str
    unit: str | None = None
    sentinels: list[float] = Field(default_factory=list)
    valid_range: tuple[float, float] | None = None


class Readings(_Strict):
    """Sensor readings from wide rows (``measures``) or long rows (``value`` + ``sensor_type``)."""

    device: str
    measured_at: str
    measures: list[Measure] = Field(default_factory=list)
    value: str | None = None
    sensor_type: str | None = None
    unit: str | None = None
    split: str | None = None
    sentinels: list[float] = Field(default_factory=list)
    valid_range: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _wide_or_long(self) -> "Readings":
        if bool(self.measures) == bool(self.value):
            raise ValueError("readings: give either `measures` (wide rows) or `value` (long rows)")
        if self.value and not self.sensor_type:
            raise ValueError("readings: long rows need `sensor_type` (a field or a constant)")
        return self


class Duplicates(_Strict):
    keep: Literal["first", "last"] = "first"
    order_by: str | None = None


class Dialect(_Strict):
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'


class FixedWidth(_Strict):
    """The layout of a ``format: fixed_width`` file (docs/contracts.md, Fixed-width files).

    ``columns`` maps a header label (matched by the columns' ``aliases`` as a CSV header label is) to its
    ``[start, end]`` span: 1-based, inclusive positions, counted in characters of the decoded text
    (``units: characters``, the default) or in bytes of the file's encoding (``units: bytes``, for layouts
    that count a GBK Chinese character as two positions). Spans must be positive, ``start <= end`` and must
    not overlap; positions between spans are filler and ignored. ``allow_extra``: text after the last span
    is ignored instead of rejecting the line.
    """

    columns: dict[str, tuple[int, int]]
    units: Literal["characters", "bytes"] = "characters"
    allow_extra: bool = False

    @field_validator("columns")
    @classmethod
    def _spans(cls, v: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        if not v:
            raise ValueError("give at least one column span, e.g. {工单编号: [1, 10]}")
        for label, (start, end) in v.items():
            if not str(label).strip():
                raise ValueError("a column label is blank")
            if start < 1 or end < 1:
                raise ValueError(f"span of {label!r} is [{start}, {end}]: positions are 1-based and positive")
            if start > end:
                raise ValueError(f"span of {label!r} is [{start}, {end}]: start is after end")
        ordered = sorted(v.items(), key=lambda kv: kv[1])
        for (a, (_, a_end)), (b, (b_start, _)) in zip(ordered, ordered[1:]):
            if b_start <= a_end:
                raise ValueError(f"spans of {a!r} {list(v[a])} and {b!r} {list(v[b])} overlap")
        return v


class Contract(_Strict):
    """A validated source contract. ``path`` and ``sha256`` identify the YAML it came from."""

    source: str
    source_system: str | None = None
    kind: Literal["registry", "inspections", "facilities", "complaints", "sensors"]
    description: str = ""
    match: list[str]
    format: Literal["csv", "xlsx", "xls", "json", "jsonl", "open311", "fixed_width"] = "csv"
    encoding: list[str] = Field(default_factory=lambda: list(DEFAULT_CANDIDATES))
    dialect: Dialect = Field(default_factory=Dialect)
    header_rows: int = 1
    skip_rows: int = 0
    sheet: int | str = 0
    fill_merged_data: bool = False  # xlsx/xls: copy a merged data range's value into every cell of the range
    records_path: str | None = None
    fixed_width: FixedWidth | None = None
    timezone: str = "Asia/Shanghai"
    supersede: Literal["same_path", "never"] = "same_path"
    columns: dict[str, Column]
    key: list[str] = Field(default_factory=list)
    duplicates: Duplicates | None = None
    mappings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    events: list[EventSpec] = Field(default_factory=list)
    readings: Readings | None = None
    reporter: list[str] = Field(default_factory=list)  # fields identifying the reporter -> salted reporter_hash
    path: Path | None = None
    sha256: str = ""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        ZoneInfo(v)
        return v

    @model_validator(mode="after")
    def _references(self) -> "Contract":
        if self.format == "fixed_width" and self.fixed_width is None:
            raise ValueError("format fixed_width needs a `fixed_width` block with the column spans, "
                             "e.g. fixed_width: {columns: {工单编号: [1, 10]}}")
        if self.fixed_width is not None and self.format != "fixed_width":
            raise ValueError(f"`fixed_width` applies only to format: fixed_width (this contract is format: {self.format})")
        if self.header_rows < 0 or self.skip_rows < 0:
            raise ValueError("header_rows and skip_rows must be >= 0")
        names = set(self.columns)
        for name in names:
            if not IDENT.match(name):
                raise ValueError(f"column name {name!r} must match {IDENT.pattern}")
        if not IDENT.match(self.source):
            raise ValueError(f"source {self.source!r} must match {IDENT.pattern}")

        def need(field: str, where: str) -> None:
            if field not in names:
                raise ValueError(f"{where} names {field!r}, which is not a declared column")

        for k in self.key:
            need(k, "key")
        for f in self.reporter:
            need(f, "reporter")
        for col_name, col in self.columns.items():
            if col.pii and col.type not in ("string", "id"):
                raise ValueError(f"column {col_name!r}: pii applies to string columns only")
        if self.duplicates and self.duplicates.order_by:
            need(self.duplicates.order_by, "duplicates.order_by")
        for col_name, col in self.columns.items():
            if col.map and col.map not in self.mappings:
                raise ValueError(f"column {col_name!r} maps through {col.map!r}, which is not under mappings")
        for ev in self.events:
            where = f"event {ev.type}"
            need(ev.occurred_at, where)
            for f in [ev.aggregate.id] if isinstance(ev.aggregate.id, str) else ev.aggregate.id:
                need(f, where)
            for v in ev.fields.values():
                if isinstance(v, str):
                    need(v, where)
            for c in ev.when if isinstance(ev.when, list) else ([ev.when] if ev.when else []):
                for f in (c.field, c.present, c.absent):
                    if f:
                        need(f, where)
            for f in ev.payload or []:
                need(f, where)
        if self.readings:
            r = self.readings
            need(r.device, "readings")
            need(r.measured_at, "readings")
            for m in r.measures:
                need(m.field, "readings")
                if m.measured_at:
                    need(m.measured_at, "readings")
            if r.value:
                need(r.value, "readings")
        if not self.events and not self.readings:
            raise ValueError("a contract needs `events` or `readings`")
        if self.readings and self.kind != "sensors":
            raise ValueError("`readings` are only for kind: sensors")
        return self

    @property
    def system(self) -> str:
        """The system of record (``source_system``, default the contract name)."""
        return self.source_system or self.source

    def matches(self, rel_path: str) -> bool:
        """True when ``rel_path`` (relative to the raw folder, '/' separated) matches a ``match`` glob."""
        p = PurePosixPath(rel_path)
        return any(p.match(g) or fnmatch.fnmatch(rel_path, g) for g in self.match)


# libyaml's safe loader when PyYAML was built with it (40 contracts: ~0.05 s instead of ~0.6 s per command)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_contract(path: Path) -> Contract:
    """Read and validate one contract YAML.

    Raises:
        ContractError: unreadable YAML or an invalid contract; the message names the file and key.
    """
    raw_bytes = path.read_bytes()
    try:
        data = yaml.load(raw_bytes.decode("utf-8"), Loader=_YAML_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContractError(f"{path}: not valid UTF-8 YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"{path}: a contract must be a mapping at the top level")
    try:
        contract = Contract.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: invalid contract"]
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"])
            lines.append(f"  {loc or '(top)'}: {err['msg']}")
        raise ContractError("\n".join(lines)) from None
    return contract.model_copy(update={"path": path, "sha256": hashlib.sha256(raw_bytes).hexdigest()})


def contract_dirs() -> list[Path]:
    """Folders holding contracts: ``CSW_CONTRACTS_DIR`` (':'-separated) or the shipped folder."""
    env = os.environ.get("CSW_CONTRACTS_DIR")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [CONTRACTS_DIR]


def load_contracts(kind: str | None = None) -> list[Contract]:
    """All contracts (optionally of one ``kind``), sorted by source name.

    Raises:
        ContractError: an invalid contract, or two contracts with the same ``source``.
    """
    found: dict[str, Contract] = {}
    for d in contract_dirs():
        for path in sorted(d.glob("*.yaml")):
            c = load_contract(path)
            if c.source in found:
                raise ContractError(f"{path}: source {c.source!r} is already defined in {found[c.source].path}")
            found[c.source] = c
    out = [c for c in found.values() if kind is None or c.kind == kind]
    return sorted(out, key=lambda c: c.source)
