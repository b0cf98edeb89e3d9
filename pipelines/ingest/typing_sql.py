"""Type landed text columns per contract, in SQL, with a reason for every value that does not parse.

Every canonical field ``f`` becomes two columns of the checked table: ``r_f`` (the trimmed raw text,
NULL when empty) and ``t_f`` (the typed value). A row gets ``_reason`` (NULL when clean) listing each
problem with the column and raw value, e.g. ``column created_at ('CreatedDate'): cannot parse
'2026-02-30' as timestamp (formats %Y-%m-%d)``. Rules (docs/contracts.md, FAILURE_CLASSES.md #10, #11):

- timestamps: ordered strptime formats, plus ``excel_serial`` and ``yyyymmdd``/``iso`` tokens; a value
  that carries its own UTC offset keeps it; a naive value is read in the contract's zone; results are
  TIMESTAMPTZ. Dates outside 1900..2100 are implausible and rejected (a year typo ``0016-09-15``).
- ``on_error: null`` turns a parse failure into NULL instead of a reject.
"""

from __future__ import annotations

from pipelines.ingest.contract import Column, Contract
from pipelines.ingest.header import HeaderMap

TRUE_VALUES = ["y", "yes", "true", "t", "1", "是", "有", "已", "√", "合格"]
FALSE_VALUES = ["n", "no", "false", "f", "0", "否", "无", "未", "×", "不合格"]
PLAUSIBLE = ("1900-01-01", "2100-01-01")
_TRIM = "' \t\r\n\u3000\u00a0'"
# an explicit UTC offset after a time of day ("...T19:02:21-05:00", "... 10:00Z"); a bare date such as
# 2026-03-09 must not read as offset -09
_OFFSET_RE = r"'\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$'"
# ISO-only columns (no formats) also honour a zone name after the time of day ("... 10:00:00 UTC",
# "... Europe/London"), as DuckDB's TIMESTAMPTZ cast and CSV reader do; a TIMESTAMP cast would ignore it
# and read the clock time in the contract's zone. Not for strptime formats, where a trailing "PM" is no zone.
_ISO_ZONE_RE = r"'\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?|[A-Za-z][A-Za-z0-9_/+-]*)$'"


def lit(value: object) -> str:
    """A SQL literal for a Python scalar (str, int, float, bool, None)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def _case_of(expr: str, cases: list[tuple[object, str]], default: str) -> str:
    """``CASE expr WHEN v THEN result ... ELSE default END`` for (value, result SQL) pairs.

    Used instead of ``CASE WHEN expr IN (v1, ..., vn) ...`` in a projection: DuckDB plans such an IN list
    of five or more constants as a join, and a join in a CREATE TABLE AS loses the order of the CSV
    reader's rows, which the typed CSV path numbers lines by (pipelines/ingest/load.py ``_keeps_order``
    sends such a file to the text path). An IN list inside an OR, as in :func:`_trimmed`, stays an
    expression (tests/ingest/test_typed_csv.py).
    """
    return f"CASE {expr} " + " ".join(f"WHEN {lit(v)} THEN {r}" for v, r in cases) + f" ELSE {default} END"


def _strptime_formats(col: Column) -> tuple[list[str], bool, bool]:
    fmts, excel, iso = [], False, not col.formats
    for f in col.formats:
        if f == "excel_serial":
            excel = True
        elif f == "yyyymmdd":
            fmts.append("%Y%m%d")
        elif f == "iso":
            iso = True
        else:
            fmts.append(f)
    return fmts, excel, iso


def naive_timestamp_expr(raw: str, col: Column) -> str:
    """SQL for a naive TIMESTAMP parsed from text expression ``raw`` by the column's formats."""
    fmts, excel, iso = _strptime_formats(col)
    parts = []
    if fmts:
        parts.append(f"try_strptime({raw}, {_list(fmts)})")
    if iso:  # digits first: DuckDB's cast also reads 'epoch', 'infinity', 'allballs' ... which no export means
        parts.append(f"CASE WHEN regexp_matches({raw}, '^[+-]?\\d') THEN try_cast({raw} AS TIMESTAMP) END")
    if excel:
        parts.append(
            f"CASE WHEN regexp_full_match({raw}, '\\d{{4,6}}(\\.\\d+)?') THEN TIMESTAMP '1899-12-30' + "
            f"to_microseconds(CAST(round(CAST({raw} AS DOUBLE) * 86400000000) AS BIGINT)) END"
        )
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def typed_expr(raw: str, col: Column, tz: str) -> str:
    """SQL for the typed value of text expression ``raw`` (already trimmed, NULL when empty), before the
    plausibility window of :func:`plausible_expr` and the column's ``range``."""
    t = col.type
    if t == "string":
        return raw
    if t == "id":
        return f"regexp_replace({raw}, '^(-?\\d+)\\.0+$', '\\1')"
    if t == "int":
        return (f"CASE WHEN try_cast({raw} AS DOUBLE) = trunc(try_cast({raw} AS DOUBLE)) "
                f"THEN try_cast(try_cast({raw} AS DOUBLE) AS BIGINT) END")  # beyond BIGINT (9.3e18, inf): unparseable
    if t == "float":  # NaN and infinities parse as DOUBLE but are no measurement (and break every average)
        return f"CASE WHEN isfinite(try_cast({raw} AS DOUBLE)) THEN try_cast({raw} AS DOUBLE) END"
    if t == "bool":
        trues = [v.casefold() for v in (col.true_values or TRUE_VALUES)]
        falses = [v.casefold() for v in (col.false_values or FALSE_VALUES)]
        return _case_of(f"lower({raw})", [(v, "true") for v in trues] + [(v, "false") for v in falses],
                        "NULL::BOOLEAN")
    if t in ("date", "timestamp", "timestamptz"):
        naive = naive_timestamp_expr(raw, col)
        if t == "date":
            return f"CAST({naive} AS DATE)"
        if col.formats:
            return (f"CASE WHEN regexp_matches({raw}, {_OFFSET_RE}) THEN try_cast({raw} AS TIMESTAMPTZ) "
                    f"ELSE timezone({lit(tz)}, {naive}) END")
        return (f"CASE WHEN regexp_matches({raw}, {_ISO_ZONE_RE}) AND regexp_matches({raw}, '^[+-]?\\d') "
                f"THEN try_cast({raw} AS TIMESTAMPTZ) ELSE timezone({lit(tz)}, {naive}) END")
    raise ValueError(f"unknown type {t}")  # pragma: no cover - pydantic restricts the literal


def reader_typed(col: Column) -> bool:
    """True when DuckDB's CSV reader may type the column itself, with the same result as :func:`typed_expr`
    on the trimmed text: an ISO timestamp (no ``formats``, read as TIMESTAMPTZ with the session's TimeZone
    set to the contract's zone) with no null values, constant, mapping or masking. A cell the reader cannot
    read as such becomes a reader reject (the caller then types the file's text instead)."""
    return (col.type in ("timestamp", "timestamptz") and not col.formats and not col.null_values
            and col.constant is None and not col.map and not col.pii)


def _reader_value(typed: str) -> str:
    """A timestamp the CSV reader typed, NULL when it is exactly 1970-01-01 00:00 UTC: the reader reads the
    word ``epoch`` so, which :func:`typed_expr` refuses; the NULL makes the typed path hand the file to the
    text path, which tells the word (a reject) from a real ``1970-01-01 00:00:00+00`` (loaded)."""
    return f"CASE WHEN {typed} <> TIMESTAMPTZ '1970-01-01 00:00:00+00' THEN {typed} END"


def plausible_expr(typed: str, col: Column) -> str:
    """SQL keeping a typed date/time value (a column reference: it is repeated) only inside 1900..2100
    (a year typo such as ``0016-09-15`` becomes NULL, hence a reject); other types pass unchanged."""
    lo, hi = PLAUSIBLE
    if col.type == "date":
        return f"CASE WHEN {typed} >= DATE '{lo}' AND {typed} < DATE '{hi}' THEN {typed} END"
    if col.type in ("timestamp", "timestamptz"):
        return (f"CASE WHEN {typed} >= TIMESTAMPTZ '{lo} 00:00:00+00' AND {typed} < TIMESTAMPTZ '{hi} 00:00:00+00' "
                f"THEN {typed} END")
    return typed


def _mapped(expr: str, mapping: dict[str, object]) -> str:
    if not mapping:
        return expr
    whens = " ".join(f"WHEN {lit(str(k))} THEN {lit(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {expr} END"


def _range_ok(typed: str, col: Column) -> str | None:
    if not col.range:
        return None
    lo, hi = col.range
    conds = []
    if col.type in ("date", "timestamp", "timestamptz"):
        cast = "DATE" if col.type == "date" else "TIMESTAMPTZ"
        if lo is not None:
            conds.append(f"{typed} >= CAST({lit(str(lo))} AS {cast})")
        if hi is not None:
            conds.append(f"{typed} <= CAST({lit(str(hi))} AS {cast})")
    else:
        if lo is not None:
            conds.append(f"{typed} >= {lit(lo)}")
        if hi is not None:
            conds.append(f"{typed} <= {lit(hi)}")
    return " AND ".join(conds) if conds else None


def _trimmed(cell: str) -> str:
    """SQL for a landed cell trimmed of blanks (incl. full-width and no-break spaces), NULL when empty.

    ``trim`` with a character set is costly per row, so it runs only on cells that may start or end
    with one of those characters: first byte below ``!`` or non-ASCII (byte-wise comparison), or last
    character one of them. Other cells are already trimmed.
    """
    last = ", ".join(str(ord(ch)) for ch in _TRIM[1:-1])
    return (f"CASE WHEN {cell} < '!' OR {cell} >= {lit(chr(0xA0))} OR ord(reverse({cell})) IN ({last}) "
            f"THEN nullif(trim({cell}, {_TRIM}), '') ELSE {cell} END")


def raw_text_sql(contract: Contract, header: HeaderMap, ncols: int) -> str:
    """SQL for the raw text of a landed row (cells ``c0..c<ncols-1>`` joined by commas, NULL as empty),
    with declared personal cells masked (``csw_mask``); it is built only for rejected rows."""
    pii_at = {header.positions[n]: c.pii for n, c in contract.columns.items() if c.pii and n in header.positions}
    cells = [f"csw_mask({lit(pii_at[i])}, c{i})" if i in pii_at else f"c{i}" for i in range(ncols)]
    return "concat_ws(',', " + ", ".join(f"coalesce({c}, '')" for c in cells) + ")"


def typed_select(contract: Contract, header: HeaderMap, labels: list[str | None], landed: str,
                 split_fields: dict[str, str], keep_raw: set[str] | None = None,
                 typed_cells: frozenset[str] = frozenset(), with_line: bool = True) -> str:
    """SQL selecting ``_line`` (unless ``with_line`` is false: ``landed`` then has none), ``_reporter_hash``
    (when the contract has a reporter), ``_extras`` (when the header has extra columns), ``r_<f>`` (trimmed
    text, only for fields in ``keep_raw``; all when None), ``t_<f>`` and ``_reason`` from ``landed`` (the
    raw text of a row: :func:`raw_text_sql`).

    ``typed_cells`` names fields whose landed cell the CSV reader already typed (:func:`reader_typed`):
    their ``r_<f>`` is that typed value (so a ``_reason`` quotes its text form, not the raw text: callers
    use such rows only when no row has a reason).

    ``split_fields`` maps a field holding packed values (e.g. ``0.260|0.267``) to its separator: the
    check then requires every part to be a number. Each typed value is computed once per row in its
    own projection level (``x_<f>`` parsed, then plausibility, mapping, range and masking as ``t_<f>``).
    """
    inner = ["_line"] if with_line else []
    if contract.reporter:
        inner.append("csw_reporter_hash(concat_ws('|', "
                     + ", ".join(f"c{header.positions[f]}" for f in contract.reporter if f in header.positions)
                     + ")) AS _reporter_hash" if any(f in header.positions for f in contract.reporter)
                     else "NULL::VARCHAR AS _reporter_hash")
    if header.extras:
        inner.append("json_object(" + ", ".join(f"{lit(k)}, c{i}" for k, i in header.extras.items()) + ") AS _extras")
    for name, col in contract.columns.items():
        if col.constant is not None:
            inner.append(f"{lit(str(col.constant))} AS r_{name}")
        elif name in typed_cells:
            inner.append(f"c{header.positions[name]} AS r_{name}")
        elif name in header.positions:
            text = _trimmed(f"c{header.positions[name]}")
            if col.null_values:
                text = f"({_case_of(text, [(v, 'NULL') for v in col.null_values], text)})"
            inner.append(f"{text} AS r_{name}")
        else:
            inner.append(f"NULL::VARCHAR AS r_{name}")
    parsed = ["*"] + [(_reader_value(f"r_{name}") if name in typed_cells else typed_expr(f"r_{name}", col, contract.timezone))
                      + f" AS x_{name}" for name, col in contract.columns.items()]
    outer = ["* EXCLUDE (" + ", ".join(f"x_{name}" for name in contract.columns) + ")"]
    reasons = []
    for name, col in contract.columns.items():
        raw = f"r_{name}"
        typed = _mapped(plausible_expr(f"x_{name}", col), contract.mappings.get(col.map or "", {}))
        where = labels[header.positions[name]] if name in header.positions else None
        label = f"column {name}" + (f" ({where!r})" if where and where != name else "")
        ok_range = _range_ok(f"({typed})", col)
        if ok_range:
            typed = f"CASE WHEN ({typed}) IS NULL OR ({ok_range}) THEN {typed} END"
        if col.pii:
            typed = f"csw_mask({lit(col.pii)}, {typed})"
        outer.append(f"{typed} AS t_{name}")
        if col.required:
            reasons.append((f"{raw} IS NULL", lit(label + ": required value missing")))
        fmt_note = f" (formats {', '.join(col.formats)})" if col.formats else ""
        rng_note = f" or outside {list(col.range)}" if col.range else ""
        if col.type in ("date", "timestamp", "timestamptz"):
            rng_note += f" or outside {PLAUSIBLE[0][:4]}..{PLAUSIBLE[1][:4]}"
        shown = f"csw_mask({lit(col.pii)}, {raw})" if col.pii else raw
        quoted = f"{lit(chr(39))} || {shown} || {lit(chr(39))}"
        if col.on_error == "reject" or col.required:
            reasons.append((f"{raw} IS NOT NULL AND t_{name} IS NULL",
                            f"{lit(label + ': cannot parse ')} || {quoted} || {lit(' as ' + col.type + fmt_note + rng_note)}"))
        if name in split_fields:
            sep = lit(split_fields[name])
            reasons.append((f"{raw} IS NOT NULL AND len(list_filter(string_split({raw}, {sep}), "
                            f"lambda x: try_cast(trim(x) AS DOUBLE) IS NULL)) > 0",
                            f"{lit(label + ': cannot parse ')} || {quoted} || ' as numbers separated by ' || {sep}"))
    # the message is assembled only for rows with a problem (most rows have none)
    reason = (f"CASE WHEN {' OR '.join(f'({cond})' for cond, _ in reasons)} THEN concat_ws('; ', "
              + ", ".join(f"CASE WHEN {cond} THEN {msg} END" for cond, msg in reasons) + ") END"
              if reasons else "NULL::VARCHAR")
    dropped = [f"r_{name}" for name in contract.columns if keep_raw is not None and name not in keep_raw]
    return (f"SELECT * {'EXCLUDE (' + ', '.join(dropped) + ')' if dropped else ''}, {reason} AS _reason "
            f"FROM (SELECT {', '.join(outer)} FROM "
            f"(SELECT {', '.join(parsed)} FROM (SELECT {', '.join(inner)} FROM {landed})))")
