"""Shared pieces of the ingest fuzz tests (issue 8): the small contract, the store, the invariant.

One event store per test module (a real ``build.duckdb`` in a temp folder) and one small contract per
format; every generated file gets its own path, so hypothesis examples never collide. The invariant
checked after every file is :func:`check_accounted_for`.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
from pipelines.ingest.contract import Contract, load_contract
from pipelines.ingest.decode import fingerprint
from pipelines.ingest.load import FileResult, ingest_file

# Labels of the small test contract (Chinese, as in the bureau's exports) and its column specs.
LABELS = ("工单编号", "受理时间", "数量", "金额", "诉求人", "诉求内容")

CONTRACT_TEMPLATE = """
source: fuzz_{fmt}
source_system: fuzz
kind: complaints
match: ["fuzz_{fmt}/*"]
format: {fmt}
{extra}
timezone: Asia/Shanghai
columns:
  case_id:  {{aliases: [工单编号], type: string, required: true}}
  received: {{aliases: [受理时间], type: timestamp, formats: ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d", excel_serial], required: true}}
  qty:      {{aliases: [数量], type: int, range: [0, 1000000]}}
  amount:   {{aliases: [金额], type: float, on_error: "null"}}
  name:     {{aliases: [诉求人], type: string, pii: name}}
  body:     {{aliases: [诉求内容], type: string, pii: text}}
key: [case_id]
reporter: [name]
events:
  - type: complaint_received
    aggregate: {{type: complaint, id: case_id}}
    occurred_at: received
    payload: [qty, amount, name, body]
"""

DIALECTS = {
    "comma": '{delimiter: ",", quote: \'"\', escape: \'"\'}',
    "semicolon": '{delimiter: ";", quote: \'"\', escape: \'"\'}',
    "tab": '{delimiter: "\\t", quote: \'"\', escape: \'"\'}',
    "pipe_backslash": '{delimiter: "|", quote: \'"\', escape: "\\\\"}',
}


@dataclass
class FuzzStore:
    """A live event store plus a writer of uniquely named raw files for one format."""

    con: duckdb.DuckDBPyConnection
    raw: Path
    counter: itertools.count

    def path_for(self, fmt: str, suffix: str) -> Path:
        """A fresh file path under ``raw/fuzz_<fmt>/`` (never reused within the session)."""
        p = self.raw / f"fuzz_{fmt}" / f"f{next(self.counter):06d}.{suffix}"
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def ingest(self, path: Path, contract: Contract) -> FileResult:
        """``ingest_file`` exactly as the pipeline calls it (exceptions propagate to the test).

        Earlier ledger rows of the same content are deleted first (this store is the test's own), so
        hypothesis can replay a failing example instead of seeing it skipped as already loaded.
        """
        self.con.execute("DELETE FROM events.file_ledger WHERE sha256 = ?", [fingerprint(path).sha256])
        return ingest_file(self.con, self.raw, path, contract)


def make_contract(tmp_dir: Path, fmt: str, extra: str = "") -> Contract:
    """Write and load the fuzz contract for ``fmt`` (``extra``: more top-level YAML, e.g. a dialect)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f"fuzz_{fmt}_{abs(hash(extra)) % 10**8}.yaml"
    path.write_text(CONTRACT_TEMPLATE.format(fmt=fmt, extra=extra), encoding="utf-8")
    return load_contract(path)


def check_accounted_for(con: duckdb.DuckDBPyConnection, result: FileResult) -> None:
    """The ingest invariant: the file has a ledger row, every row is loaded or rejected, the rejects are
    recorded one per rejected row (or one ``file_rejected`` row for a refused file), and no internal
    error (an exception the driver had to catch) happened.
    """
    assert result.error is None or "internal error" not in result.error, result.error
    ledger = con.execute(
        "SELECT status, rows_in_file, rows_loaded, rows_rejected, error FROM events.file_ledger WHERE load_id = ?",
        [result.load_id],
    ).fetchall()
    assert len(ledger) == 1, f"expected one ledger row for {result.load_id}, got {ledger}"
    status, rows_in_file, rows_loaded, rows_rejected, error = ledger[0]
    assert status == result.status and status in ("loaded", "rejected_file")
    assert rows_in_file == rows_loaded + rows_rejected, ledger[0]
    assert min(rows_in_file, rows_loaded, rows_rejected) >= 0
    rejects = dict(con.execute(
        "SELECT reason_code, count(*) FROM events.rejected_rows WHERE load_id = ? GROUP BY 1", [result.load_id]
    ).fetchall())
    if status == "loaded":
        assert sum(rejects.values()) == rows_rejected, (rejects, ledger[0])
        assert "file_rejected" not in rejects
        lines = con.execute(
            "SELECT count(*), count(DISTINCT source_line) FROM events.events WHERE load_id = ?", [result.load_id]
        ).fetchone()
        assert lines[0] == lines[1] <= rows_loaded  # one event per loaded row at most (one event type)
    else:
        assert rejects == {"file_rejected": 1}, rejects
        assert rows_loaded == 0 and error, error


def ingest_and_check(store: FuzzStore, path: Path, contract: Contract) -> FileResult:
    """Ingest one file and assert :func:`check_accounted_for`."""
    result = store.ingest(path, contract)
    assert not result.skipped
    check_accounted_for(store.con, result)
    return result


def fuzz_budget(default: int) -> int:
    """``max_examples`` for one property: ``default``, scaled by ``CSW_FUZZ_SCALE`` (e.g. 10 for a long run)."""
    return max(1, int(default * float(os.environ.get("CSW_FUZZ_SCALE", "1"))))
