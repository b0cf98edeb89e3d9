"""Fingerprint raw files and decode text strictly over an ordered list of candidate encodings.

FAILURE_CLASSES.md #8: DuckDB reads only UTF-8 (its GBK support needs an extension download that is
impossible offline), so text is decoded here, in Python, with strict error handling: a candidate either
decodes every byte or is discarded; nothing is ever replaced or ignored. A file that is not UTF-8 is
transcoded once into a UTF-8 temporary file that DuckDB then reads.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
DEFAULT_CANDIDATES = ["utf-8-sig", "utf-8", "gb18030", "utf-16"]
# Binary containers that sometimes arrive under a text extension (an .xlsx saved as .csv): leading magic bytes.
BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP container (an .xlsx/.docx workbook or a .zip archive)"),
    (bytes.fromhex("d0cf11e0a1b11ae1"), "an OLE2 compound file (a legacy .xls/.doc)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)
# Codecs (Python's names) in which every ASCII byte is that character whatever came before, once no partial
# character is pending (not ISO-2022, HZ or UTF-7, whose ASCII bytes can be shifted or encoded text).
ASCII_SAFE = frozenset({"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950",
                        "iso8859-1", "cp1252"})
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class DecodeError(ValueError):
    """No candidate encoding decodes the file; the message gives each candidate's failing byte offset."""


@dataclass(frozen=True)
class Fingerprint:
    """Content identity of a file: sha256 (hex), size in bytes and physical line count; ``ascii_only``: every
    byte is below 0x80 (such a file decodes the same under any ASCII-compatible encoding)."""

    sha256: str
    size_bytes: int
    lines: int
    ends_with_newline: bool
    ascii_only: bool = False


def fingerprint(path: Path) -> Fingerprint:
    """Hash ``path`` and count its lines in one streaming pass (constant memory).

    ``lines`` counts ``\\n`` terminators plus one for a last line without a terminator.

    Raises:
        OSError: the file cannot be opened or read.
    """
    h = hashlib.sha256()
    size = 0
    newlines = 0
    last = b""
    ascii_only = True
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            ascii_only = ascii_only and chunk.isascii()
            last = chunk[-1:]
    ends = last == b"\n"
    return Fingerprint(h.hexdigest(), size, newlines + (1 if size and not ends else 0), ends, ascii_only)


def _bom_encoding(head: bytes) -> str | None:
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    return None


def _decodes(path: Path, encoding: str) -> int | None:
    """Return None when ``path`` decodes fully under ``encoding``, else the absolute failing byte offset.

    A chunk of pure ASCII bytes is valid in an ASCII-compatible, stateless encoding (``ASCII_SAFE``) when
    the decoder holds no partial character: it is checked by ``bytes.isascii`` instead of being decoded
    (several times faster; most exports are mostly ASCII).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    ascii_safe = codecs.lookup(encoding).name in ASCII_SAFE
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            final = not chunk
            if ascii_safe and chunk and decoder.getstate() == (b"", 0) and chunk.isascii():
                offset += len(chunk)
                continue
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start
            if final:
                return None
            offset += len(chunk)


def _line_of(path: Path, offset: int) -> int:
    """Physical line (1-based, counting LF) holding byte ``offset`` of ``path``."""
    newlines = 0
    with path.open("rb") as fh:
        remaining = offset
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            remaining -= len(chunk)
    return newlines + 1


def detect_encoding(path: Path, candidates: list[str], ascii_only: bool = False) -> str:
    """Return the first candidate that strictly decodes the whole file.

    A byte-order mark decides first (UTF-8 BOM -> ``utf-8-sig``, UTF-16 BOMs -> ``utf-16``). UTF-16
    without a BOM is never guessed (almost any even-length byte string "decodes" as UTF-16). When the
    caller knows the file is pure ASCII (``ascii_only``, from :func:`fingerprint`), the first
    ASCII-compatible candidate (``ASCII_SAFE``) is taken without reading the file again.

    Raises:
        DecodeError: the file is a binary container (ZIP/xlsx, OLE2/xls, PDF, gzip: named as such), or no
            candidate fits; names each candidate and the byte offset and line where it failed.
    """
    with path.open("rb") as fh:
        head = fh.read(8)
    for magic, what in BINARY_SIGNATURES:
        if head.startswith(magic):
            raise DecodeError(f"{path.name}: not a text file but {what}; give it its real extension (or a "
                              f"contract with that format)")
    bom = _bom_encoding(head)
    if bom:
        failed_at = _decodes(path, bom)
        if failed_at is None:
            return bom
        raise DecodeError(f"{path.name}: starts with a {bom} byte-order mark but byte {failed_at} "
                          f"(line {_line_of(path, failed_at)}) is invalid {bom}")
    if ascii_only:
        safe = [c for c in candidates if codecs.lookup(c).name in ASCII_SAFE]
        if safe:
            return "utf-8" if codecs.lookup(safe[0]).name == "utf-8-sig" else safe[0]
    failures = []
    tried: set[str] = set()
    for enc in candidates:
        if codecs.lookup(enc).name.startswith(("utf-16", "utf-32")):
            failures.append(f"{enc}: no byte-order mark")
            continue
        if codecs.lookup(enc).name == "utf-8-sig":
            enc = "utf-8"  # without a BOM, utf-8-sig is plain UTF-8
        if codecs.lookup(enc).name in tried:
            continue
        tried.add(codecs.lookup(enc).name)
        failed_at = _decodes(path, enc)
        if failed_at is None:
            return enc
        failures.append(f"{enc}: invalid byte at offset {failed_at}, line {_line_of(path, failed_at)}")
    raise DecodeError(f"{path.name}: decodes under none of the candidate encodings ({'; '.join(failures)})")


def transcode_to_utf8(path: Path, encoding: str, dest: Path) -> Path:
    """Write ``path`` decoded from ``encoding`` as UTF-8 (no BOM) to ``dest``; return ``dest``.

    Streaming, constant memory. Line endings are kept byte for byte, so physical line numbers agree.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
    return dest
