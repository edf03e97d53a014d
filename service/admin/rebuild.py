"""`assistants projections rebuild [--verify]`: replay the event log into fresh read models,
then compare them with the live ones (--verify) or put them in place.

Exit codes: 0 identical or replaced, 1 differences found by --verify, 2 the replay could not be
trusted (nothing was compared or changed).
"""

from __future__ import annotations

import sys
import time

from storage import (
    PROJECTION_TABLES,
    DifferenceKind,
    ProjectionComparison,
    ProjectionRebuild,
    RebuildError,
    RowDifference,
    Storage,
    TableComparison,
    rebuild_projections,
    verify_projections,
)

_WIDTH = max(len(t.name) for t in PROJECTION_TABLES)


async def run(storage: Storage, *, verify: bool) -> int:
    started = time.monotonic()
    try:
        if verify:
            comparison = await verify_projections(storage.url)
        else:
            rebuilt = await rebuild_projections(storage.url)
    except RebuildError as error:
        print(f"assistants: {error}", file=sys.stderr)
        return 2
    elapsed = time.monotonic() - started
    if verify:
        print(verify_report(comparison, elapsed))
        return 0 if comparison.identical else 1
    print(rebuild_report(rebuilt, elapsed))
    return 0


def verify_report(comparison: ProjectionComparison, elapsed: float) -> str:
    lines = [
        f"replayed {comparison.events} events in {elapsed:.2f} s and compared the read models",
        f"{'table':<{_WIDTH}}  {'live':>9}  {'rebuilt':>9}",
    ]
    for table in comparison.tables:
        lines.extend(_table_lines(table))
    total = sum(t.difference_count for t in comparison.tables)
    if total == 0:
        lines.append("identical: the read models match the log")
    else:
        lines.append(f"{_plural(total, 'row')} differ: the read models do not match the log")
    return "\n".join(lines)


def _table_lines(table: TableComparison) -> list[str]:
    verdict = "identical" if table.identical else _plural(table.difference_count, "difference")
    lines = [f"{table.table:<{_WIDTH}}  {table.live_rows:>9}  {table.rebuilt_rows:>9}  {verdict}"]
    lines.extend(f"  {_difference_line(d)}" for d in table.differences)
    unlisted = table.difference_count - len(table.differences)
    if unlisted:
        lines.append(f"  ... and {unlisted} more")
    return lines


def _difference_line(difference: RowDifference) -> str:
    key = ", ".join(difference.key)
    if difference.kind is DifferenceKind.CHANGED:
        return f"{difference.kind.value:<12}  {key}: {', '.join(difference.columns)}"
    return f"{difference.kind.value:<12}  {key}"


def rebuild_report(rebuilt: ProjectionRebuild, elapsed: float) -> str:
    lines = [
        f"replayed {rebuilt.events} events in {elapsed:.2f} s and replaced the read models",
        f"{'table':<{_WIDTH}}  {'live':>9}  {'rebuilt':>9}"
        f"  {'inserted':>9}  {'updated':>9}  {'deleted':>9}",
    ]
    lines.extend(
        f"{t.table:<{_WIDTH}}  {t.live_rows:>9}  {t.rebuilt_rows:>9}"
        f"  {t.inserted:>9}  {t.updated:>9}  {t.deleted:>9}"
        for t in rebuilt.tables
    )
    if rebuilt.changed:
        lines.append(f"replaced {_plural(rebuilt.changed, 'row')}: the read models match the log")
    else:
        lines.append("nothing to replace: the read models already matched the log")
    return "\n".join(lines)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
