"""Turn checked rows into canonical events and sensor readings, in SQL (docs/contracts.md, Events).

Input is the clean rows of :mod:`pipelines.ingest.load`, a table name or a parenthesized subquery
(columns ``_line``, ``_extras``, ``r_<field>``, ``t_<field>``). Output columns match ``events.events``
and ``events.sensor_readings`` exactly, minus nothing: the SELECTs here are inserted as they are.

``event_id`` is deterministic (ARCHITECTURE.md, Event store): md5 of source system, aggregate type and
id, event type and the occurred instant in epoch microseconds, so reloading a file cannot duplicate an
event and a corrected file re-issues the same id for an unchanged event.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.ingest.contract import Condition, Contract, EventSpec, Readings
from pipelines.ingest.typing_sql import lit

HOT_TYPES = {
    "street": "VARCHAR", "grid_id": "VARCHAR", "channel": "VARCHAR", "category": "VARCHAR",
    "subject_type": "VARCHAR", "subject_id": "VARCHAR", "due_at": "TIMESTAMPTZ", "amount": "DOUBLE",
    "lon": "DOUBLE", "lat": "DOUBLE",
}
TIME_TYPES = ("date", "timestamp", "timestamptz")


def _instant(contract: Contract, field: str) -> str:
    """SQL for a field as TIMESTAMPTZ (date fields: local midnight in the contract's zone)."""
    if contract.columns[field].type == "date":
        return f"timezone({lit(contract.timezone)}, CAST(t_{field} AS TIMESTAMP))"
    return f"t_{field}"


def json_value(contract: Contract, field: str) -> str:
    """SQL for a field as a JSON-safe scalar: instants as UTC ISO text, so payloads never depend on the
    session's TimeZone (FAILURE_CLASSES.md #14)."""
    t = contract.columns[field].type
    if t == "date":
        return f"strftime(t_{field}, '%Y-%m-%d')"
    if t in TIME_TYPES:
        return f"strftime(timezone('UTC', t_{field}), '%Y-%m-%dT%H:%M:%SZ')"
    return f"t_{field}"


def _value(contract: Contract, spec: object, sql_type: str) -> str:
    if isinstance(spec, dict) and "constant" in spec:
        return f"CAST({lit(spec['constant'])} AS {sql_type})"
    if isinstance(spec, str):
        expr = _instant(contract, spec) if contract.columns[spec].type in TIME_TYPES else f"t_{spec}"
        return f"CAST({expr} AS {sql_type})"
    raise ValueError(f"{contract.path}: hot field value must be a field name or {{constant: ...}}, got {spec!r}")


def _condition(c: Condition) -> str:
    if c.present:
        return f"t_{c.present} IS NOT NULL"
    if c.absent:
        return f"t_{c.absent} IS NULL"
    if c.in_ is not None:
        values = [v for v in c.in_ if v is not None]
        test = f"CAST(t_{c.field} AS VARCHAR) IN ({', '.join(lit(str(v)) for v in values)})" if values else "false"
        return f"(t_{c.field} IS NULL OR {test})" if None in c.in_ else test
    if c.not_in is not None:
        return (f"(t_{c.field} IS NULL OR CAST(t_{c.field} AS VARCHAR) NOT IN "
                f"({', '.join(lit(str(v)) for v in c.not_in)}))")
    raise ValueError("a `when` condition needs in, not_in, present or absent")


def _aggregate_id(spec: EventSpec) -> str:
    ids = [spec.aggregate.id] if isinstance(spec.aggregate.id, str) else spec.aggregate.id
    if len(ids) == 1:
        return f"CAST(t_{ids[0]} AS VARCHAR)"
    return ("CASE WHEN " + " AND ".join(f"t_{i} IS NOT NULL" for i in ids) + " THEN concat_ws(':', "
            + ", ".join(f"CAST(t_{i} AS VARCHAR)" for i in ids) + ") END")


def event_select(contract: Contract, spec: EventSpec, rows: str, ctx: dict[str, str]) -> str:
    """SQL yielding the ``events.events`` rows of one event spec from the clean rows ``rows`` (a table
    name or a parenthesized subquery).

    ``ctx`` holds ``load_id``, ``source_file`` and ``recorded_at`` (ISO text with offset).
    """
    occurred = _instant(contract, spec.occurred_at)
    agg_id = _aggregate_id(spec)
    payload_fields = spec.payload if spec.payload is not None else list(contract.columns)
    pairs = [f"{lit(f)}, {json_value(contract, f)}" for f in payload_fields]
    pairs.append("'extras', _extras")
    if contract.reporter:
        pairs.append("'reporter_hash', _reporter_hash")
    hot = []
    for name, sql_type in HOT_TYPES.items():
        hot.append(f"{_value(contract, spec.fields[name], sql_type)} AS {name}" if name in spec.fields
                   else f"CAST(NULL AS {sql_type}) AS {name}")
    conds = [f"({occurred}) IS NOT NULL", f"({agg_id}) IS NOT NULL"]
    whens = spec.when if isinstance(spec.when, list) else ([spec.when] if spec.when else [])
    conds += [_condition(c) for c in whens]
    system = lit(contract.system)
    return f"""
        SELECT md5(concat_ws('|', {system}, {lit(spec.aggregate.type)}, {agg_id}, {lit(spec.type)},
                             CAST(epoch_us({occurred}) AS VARCHAR))) AS event_id,
               {lit(spec.type)} AS event_type, {lit(spec.aggregate.type)} AS aggregate_type,
               {agg_id} AS aggregate_id, {occurred} AS occurred_at,
               CAST({lit(ctx['recorded_at'])} AS TIMESTAMPTZ) AS recorded_at,
               {lit(contract.source)} AS source, {system} AS source_system, {lit(ctx['load_id'])} AS load_id,
               {lit(ctx['source_file'])} AS source_file, _line AS source_line,
               {', '.join(hot)},
               CAST(json_object({', '.join(pairs)}) AS JSON) AS payload
        FROM {rows} WHERE {' AND '.join(conds)}"""


def _field_or_constant(contract: Contract, name: str | None) -> str:
    if name is None:
        return "NULL"
    return f"CAST(t_{name} AS VARCHAR)" if name in contract.columns else lit(name)


def _quality(value: str, sentinels: list[float], valid_range: tuple[float, float] | None) -> str:
    cases = []
    if sentinels:
        cases.append("WHEN " + " OR ".join(f"abs({value} - {s!r}) <= 1e-6 * greatest(1, abs({s!r}))"
                                            for s in sentinels) + " THEN 'sentinel'")
    if valid_range:
        lo, hi = valid_range
        cases.append(f"WHEN {value} < {lo!r} OR {value} > {hi!r} THEN 'out_of_range'")
    return f"CASE {' '.join(cases)} ELSE 'ok' END" if cases else "'ok'"


@dataclass(frozen=True)
class _ReadingSource:
    """One stream of readings in SQL terms: value and raw text expressions, type, unit, flags, the
    within-row index (packed cells), the presence test, the FROM source and the measured instant."""

    value: str
    raw: str
    sensor_type: str
    unit: str
    sentinels: list[float]
    valid_range: tuple[float, float] | None
    index: str
    present: str
    source: str
    measured: str


def _reading_sources(contract: Contract, r: Readings, rows: str) -> list[_ReadingSource]:
    if r.measures:
        return [_ReadingSource(f"CAST(t_{m.field} AS DOUBLE)", f"CAST(r_{m.field} AS VARCHAR)", lit(m.sensor_type),
                               lit(m.unit), m.sentinels, m.valid_range, "1", f"t_{m.field} IS NOT NULL", rows,
                               _instant(contract, m.measured_at or r.measured_at)) for m in r.measures]
    stype, unit = _field_or_constant(contract, r.sensor_type), _field_or_constant(contract, r.unit)
    measured = _instant(contract, r.measured_at)
    if r.split:
        parts = f"string_split(r_{r.value}, {lit(r.split)})"
        src = (f"(SELECT *, unnest({parts}) AS _part, generate_subscripts({parts}, 1) AS _idx FROM {rows} "
               f"WHERE r_{r.value} IS NOT NULL)")
        return [_ReadingSource("try_cast(trim(_part) AS DOUBLE)", "trim(_part)", stype, unit, r.sentinels,
                               r.valid_range, "_idx", "_part IS NOT NULL", src, measured)]
    return [_ReadingSource(f"CAST(t_{r.value} AS DOUBLE)", f"CAST(r_{r.value} AS VARCHAR)", stype, unit,
                           r.sentinels, r.valid_range, "1", f"t_{r.value} IS NOT NULL", rows, measured)]


def raw_fields(contract: Contract) -> set[str]:
    """Fields whose raw text (``r_<field>``) the readings keep (``raw_value``, packed parts); events and
    all other readings columns read only typed values (``t_<field>``)."""
    r = contract.readings
    if not r:
        return set()
    return {m.field for m in r.measures} if r.measures else ({r.value} if r.value else set())


def readings_select(contract: Contract, r: Readings, rows: str, ctx: dict[str, str]) -> str:
    """SQL yielding ``events.sensor_readings`` rows from the clean rows ``rows`` (a table name or a
    parenthesized subquery).

    Wide rows give one reading per listed measure; long rows one per row (or one per packed part when
    ``split`` is set). Sentinels and out-of-range values keep their raw text, a NULL value and a quality
    flag, so they are counted but never averaged; an ``ok`` reading stores its value and a NULL
    ``raw_value`` (the text was used: the value is it parsed, ``load_id`` and ``source_line`` lead to the
    line). ``value_index`` is the reading's 1-based position in its cell (packed parts), else 1; the
    reading's id is derived from it downstream (schema.sql). Of ``ctx`` only ``load_id`` is used: the
    load's source, source_system, file and recorded_at are its ledger row's (schema.sql).
    """
    device = f"CAST(t_{r.device} AS VARCHAR)"
    selects = []
    for s in _reading_sources(contract, r, rows):
        quality = _quality("v", s.sentinels, s.valid_range)
        selects.append(f"""
            SELECT {device} AS device_id, {s.sensor_type} AS sensor_type, {s.measured} AS measured_at,
                   CASE WHEN q = 'ok' THEN v END AS value, {s.unit} AS unit, q AS quality,
                   CASE WHEN q <> 'ok' THEN {s.raw} END AS raw_value, {lit(ctx['load_id'])} AS load_id,
                   _line AS source_line, {s.index} AS value_index
            FROM (SELECT *, {quality} AS q FROM (SELECT *, {s.value} AS v FROM {s.source} WHERE {s.present}))
            WHERE ({s.measured}) IS NOT NULL AND {device} IS NOT NULL""")
    return " UNION ALL ".join(selects)
