"""`assistants audit verify`: walks the hash chains and reports every event that does not match."""

from __future__ import annotations

import sys
from typing import TextIO

from storage import Storage


async def run(storage: Storage, *, stream_id: str | None, out: TextIO | None = None) -> int:
    """Exit code 0 when every chain is intact, 1 when anything was changed, lost or moved,
    2 when the stream asked for does not exist."""
    out = out or sys.stdout
    if stream_id is not None and await storage.events.find_stream(stream_id) is None:
        print(f"assistants: no stream {stream_id}", file=sys.stderr)
        return 2
    report = await storage.audit.verify(stream_id)
    for problem in report.problems:
        print(f"TAMPERED  {problem}", file=out)
    verdict = "intact" if report.intact else f"{len(report.problems)} problem(s)"
    print(f"{report.streams} stream(s), {report.events} event(s): {verdict}", file=out)
    return 0 if report.intact else 1
