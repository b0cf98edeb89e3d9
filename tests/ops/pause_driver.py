"""Test driver: ``python -m tests.ops.pause_driver MARKER -- <python -m pipelines args>``.

Runs the real CLI (``pipelines.cli.main``) with one change: when the ingest has inserted a file's events,
rejected rows and readings *inside its open transaction* and is about to write the ledger row and commit
(``pipelines.ingest.load._ledger``), it writes ``MARKER`` (JSON: path, load_id, events_written) and sleeps,
so the fault test can ``kill -9`` it at a known point in the middle of the load. Only tests use this
module; nothing in the product reads an environment hook.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Install the pause and run ``python -m pipelines`` with the arguments after ``--``."""
    marker = Path(argv[0])
    cli_args = argv[argv.index("--") + 1:]

    import pipelines.ingest.load as load

    real_ledger = load._ledger

    def pausing_ledger(con, r, contract, fp, started, recorded):
        if r.status == "loaded":
            uncommitted = con.execute("SELECT count(*) FROM events.events WHERE load_id = ?", [r.load_id]).fetchone()[0]
            marker.write_text(json.dumps({"path": r.path, "load_id": r.load_id, "events_written": r.events_written,
                                          "events_in_transaction": uncommitted}), encoding="utf-8")
            while True:  # wait for SIGKILL
                time.sleep(1)
        return real_ledger(con, r, contract, fp, started, recorded)

    load._ledger = pausing_ledger
    from pipelines.cli import main as cli_main

    return cli_main(cli_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
