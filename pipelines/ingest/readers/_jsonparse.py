"""JSON helpers shared by the json/jsonl/open311 readers: exact number text, flattening, and
record-by-record parsing of a top-level array so a truncated file still yields its good records.

Values become text as written in the file: numbers keep their JSON spelling ("87.0", "41.7468",
"60620"), true/false -> "true"/"false", null -> None, strings as is, lists -> compact JSON text.
Nested objects are flattened with "." ({"extended_attributes": {"channel": "phone"}} ->
"extended_attributes.channel"); an empty object adds no column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from ._table import RecordError, ReaderError, clip


class Num(str):
    """A JSON number (or NaN/Infinity) kept as its source text."""


DECODER = json.JSONDecoder(parse_float=Num, parse_int=Num, parse_constant=Num)
_WS = re.compile(r"[ \t\n\r]*")


def dump(value: object) -> str:
    """Compact JSON text of a parsed value, numbers spelled as in the source."""
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def kind(value: object) -> str:
    """JSON type name of a parsed value (for error messages)."""
    if isinstance(value, Num):
        return "number"
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__)


def text(value: object) -> str | None:
    """Cell text of a parsed scalar or list (see module docstring)."""
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return str(value)
    return dump(value)


def flatten(obj: dict, prefix: str = "", out: dict | None = None) -> dict[str, str | None]:
    """Flatten nested objects into {"a.b": text}; key order = first-seen order."""
    out = {} if out is None else out
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flatten(value, name + ".", out)
        else:
            out[name] = text(value)
    return out


def _where(doc: str, pos: int) -> str:
    line = doc.count("\n", 0, pos) + 1
    col = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return f"file line {line} column {col}"


def _iter_top_array(doc: str, errors: list[RecordError]) -> Iterator[tuple[int, object]]:
    i = _WS.match(doc, 0).end()
    i = _WS.match(doc, i + 1).end()  # past "["
    index = 0
    if doc.startswith("]", i):
        i += 1
    else:
        while True:
            index += 1
            start = i
            try:
                value, i = DECODER.raw_decode(doc, i)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(doc.rstrip()) or (
                    exc.msg.startswith("Unterminated string") and '"' not in doc[exc.pos + 1:])
                reason = ("file ends inside the record (truncated)" if cut
                          else f"invalid JSON ({exc.msg}) at {_where(doc, exc.pos)}")
                errors.append((index, clip(doc[start:]), f"record {index}: {reason}; "
                               "records after this point cannot be read"))
                return
            yield index, value
            i = _WS.match(doc, i).end()
            if i >= len(doc):
                errors.append((index + 1, "", f"file ends after record {index} without the closing ']' "
                               "(truncated); any later records are lost"))
                return
            if doc[i] == ",":
                i = _WS.match(doc, i + 1).end()
                if doc.startswith("]", i):  # trailing comma: tolerated
                    i += 1
                    break
                continue
            if doc[i] == "]":
                i += 1
                break
            errors.append((index + 1, clip(doc[i:i + 2000]),
                           f"expected ',' or ']' after record {index} at {_where(doc, i)}; "
                           "records after this point cannot be read"))
            return
    rest = _WS.match(doc, i).end()
    if rest < len(doc):
        errors.append((0, clip(doc[rest:rest + 2000]), f"unexpected text after the closing ']' at {_where(doc, rest)}"))


def iter_records(path: Path, doc: str, records_path: str | None,
                 errors: list[RecordError]) -> Iterator[tuple[int, object]]:
    """Yield (1-based record index, parsed value) of the records array of a JSON document.

    Without records_path the document must be a top-level array; it is parsed record by record,
    so a truncated/broken file yields the records before the break plus one entry in `errors`.
    With records_path (dotted, e.g. "data.items"; digits index arrays) the whole document is parsed
    first; if that fails, `errors` gets one entry with line 0 (the whole file) and nothing is yielded.
    Raises ReaderError when the document is not an array / the path does not lead to an array.
    """
    start = _WS.match(doc, 0).end()
    if not records_path:
        if start >= len(doc):
            errors.append((0, "", "file is empty: no JSON value"))
            return
        if doc[start] != "[":
            hint = ""
            if doc[start] == "{":
                try:
                    hint = f" (top-level keys: {list(DECODER.decode(doc))[:20]})"
                except json.JSONDecodeError:
                    pass
            raise ReaderError(path, "top-level JSON value is not an array; set records_path to the "
                              f"array of records{hint}")
        yield from _iter_top_array(doc, errors)
        return
    try:
        value = DECODER.decode(doc)
    except json.JSONDecodeError as exc:
        errors.append((0, clip(doc[max(0, exc.pos - 200):exc.pos + 200]),
                       f"invalid JSON ({exc.msg} at {_where(doc, exc.pos)}): no records could be read"))
        return
    for part in str(records_path).split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            keys = list(value)[:20] if isinstance(value, dict) else kind(value)
            raise ReaderError(path, f"records_path {records_path!r}: {part!r} not found (have: {keys})")
    if not isinstance(value, list):
        raise ReaderError(path, f"records_path {records_path!r} leads to a JSON {kind(value)}, not an array")
    for n, item in enumerate(value, 1):
        yield n, item
