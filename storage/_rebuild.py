"""Rebuilding the read models from the event log (DESIGN §3: a rebuild replays the whole log
into fresh tables and must produce identical rows).

The read models are written only by apply_event(), inside each append's transaction. A rebuild
replays every event through that same function, in position order, on a dedicated connection
that first creates an empty TEMP copy of every table apply_event writes. PL/pgSQL resolves an
unqualified table name in pg_temp first, so the replay fills the fresh copies and leaves the
live tables alone. The connection is new and never ran apply_event before, so no cached plan of
it still points at the live tables.

The log up to its head is replayed first, in committed batches of REPLAY_BATCH events: in one
transaction, a row updated again and again (a thread's totals, once per message) leaves a
chain of versions that no one may prune yet, and each update walks it, which makes a long
thread's replay quadratic. Events are never changed and their positions are commit-ordered, so
the events up to a head once seen stay exactly those. Then one last transaction replays the
events appended meanwhile and works on the result:

- verify_projections() compares the fresh tables with the live ones in a REPEATABLE READ
  snapshot, the one the last events were read in, and rolls back;
- rebuild_projections() holds appends off, then writes only the rows that differ into the live
  tables.

apply_event sends wake-up notifications (run_queued, run_cancel), and they go out when a batch
commits, as they do when the replace commits. They are hints that listeners check against the
tables (DESIGN §3): at worst a worker looks for work once more, or ignores a cancel of a run it
does not hold, since a run that was ever cancelling has ended.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from storage._errors import StorageError


@dataclass(frozen=True)
class KeptColumn:
    """A read-model column that apply_event never writes (workers and publishers do).

    It is left out of comparisons and kept as it is when a rebuild rewrites the row. A row the
    rebuild has to insert anew gets `restored`: SQL that may name the rebuilt row as r and the
    live tables' schema as {schema}.
    """

    name: str
    restored: str = "NULL"


@dataclass(frozen=True)
class ProjectionTable:
    name: str
    key: tuple[str, ...] = ("id",)
    kept: tuple[KeptColumn, ...] = ()


# The read models, each with its key and the columns that are not derived from events. This is
# the one place that rule lives: every other column is compared and rebuilt.
PROJECTION_TABLES: tuple[ProjectionTable, ...] = (
    ProjectionTable("assistants"),
    ProjectionTable("threads"),
    ProjectionTable("messages"),
    ProjectionTable(
        "runs",
        kept=(
            KeptColumn("lease_owner"),
            KeptColumn("lease_until"),
            # A lost runs row's stream rows are still there: it numbers on after them.
            KeptColumn(
                "stream_seq",
                "(SELECT coalesce(max(s.seq), 0) FROM {schema}.run_stream s WHERE s.run_id = r.id)",
            ),
        ),
    ),
    ProjectionTable("run_steps"),
    ProjectionTable("files"),
    ProjectionTable("vector_stores"),
    ProjectionTable(
        "vector_store_files",
        key=("vector_store_id", "file_id"),
        kept=(KeptColumn("lease_owner"), KeptColumn("lease_until")),
    ),
    ProjectionTable("vector_store_file_batches"),
)

# Tables apply_event writes that are not read models. The replay gets empty copies of them too
# (ThreadDeleted deletes the thread's run_stream rows), which shields the live rows.
SHIELDED_TABLES: tuple[str, ...] = ("run_stream",)

# How many differing rows a comparison lists per table; it counts them all.
MAX_DIFFERENCES = 20
# Events replayed per committed transaction while catching up with the log.
REPLAY_BATCH = 1000
# The position no event reaches: the upper bound of a replay up to the end of the log.
_END = 2**63 - 1

_REPLAY_FUNCTION = """
CREATE FUNCTION pg_temp.replay_events(after bigint, upto bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    e record;
    n bigint := 0;
BEGIN
    FOR e IN SELECT project_id, stream_id, version, type, data FROM {schema}.events
              WHERE position > after AND position <= upto ORDER BY position LOOP
        PERFORM {schema}.apply_event(e.project_id, e.stream_id, e.version, e.type, e.data);
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;
"""


class RebuildError(StorageError):
    """The replay cannot be trusted, so nothing was compared or replaced."""


class DifferenceKind(enum.Enum):
    ONLY_LIVE = "only live"
    ONLY_REBUILT = "only rebuilt"
    CHANGED = "changed"


@dataclass(frozen=True)
class RowDifference:
    # The key column values, as text.
    key: tuple[str, ...]
    kind: DifferenceKind
    # The columns whose values differ, for a changed row.
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableComparison:
    table: str
    live_rows: int
    rebuilt_rows: int
    # Every differing row is counted; the first ones in key order are listed.
    difference_count: int
    differences: tuple[RowDifference, ...]

    @property
    def identical(self) -> bool:
        return self.difference_count == 0


@dataclass(frozen=True)
class ProjectionComparison:
    events: int
    tables: tuple[TableComparison, ...]

    @property
    def identical(self) -> bool:
        return all(t.identical for t in self.tables)


@dataclass(frozen=True)
class TableReplacement:
    table: str
    # Before the replace.
    live_rows: int
    rebuilt_rows: int
    inserted: int
    updated: int
    deleted: int

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


@dataclass(frozen=True)
class ProjectionRebuild:
    events: int
    tables: tuple[TableReplacement, ...]

    @property
    def changed(self) -> int:
        return sum(t.changed for t in self.tables)


async def verify_projections(
    url: str, *, max_differences: int = MAX_DIFFERENCES
) -> ProjectionComparison:
    """Replays the log into fresh tables and compares them with the live read models.

    Changes nothing: every transaction is read-only but for the temp tables, and the last one
    is rolled back.
    """
    if max_differences < 1:
        raise ValueError(f"max_differences must be at least 1, not {max_differences}")
    async with _replay_connection(url) as replay:
        head, events = await replay.catch_up(readonly=True)
        transaction = replay.conn.transaction(isolation="repeatable_read", readonly=True)
        await transaction.start()
        try:
            events += await replay.replay(head)
            tables = [await replay.compare(t, max_differences) for t in PROJECTION_TABLES]
        finally:
            await transaction.rollback()
    return ProjectionComparison(events, tuple(tables))


async def rebuild_projections(url: str) -> ProjectionRebuild:
    """Replays the log into fresh tables and writes the rows that differ into the live ones.

    Appends wait from when the events appended during the catch-up are replayed until the
    replace commits. Changed rows are updated in place, so their kept columns (a run's lease)
    stay as they are, even if a worker renews the lease meanwhile.
    """
    async with _replay_connection(url) as replay:
        head, events = await replay.catch_up(readonly=False)
        async with replay.conn.transaction():
            await replay.hold_off_appends()
            events += await replay.replay(head)
            tables = [await replay.replace(t) for t in PROJECTION_TABLES]
    return ProjectionRebuild(events, tuple(tables))


@asynccontextmanager
async def _replay_connection(url: str) -> AsyncIterator[_Replay]:
    conn = await asyncpg.connect(
        url, server_settings={"application_name": "assistants projections rebuild"}
    )
    try:
        # Before the temp tables exist: the schema the migrations created the tables in.
        schema: str = await conn.fetchval("SELECT current_schema()")
        replay = _Replay(conn, schema)
        await replay.create_fresh_tables()
        yield replay
    finally:
        await conn.close()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _count(status: str) -> int:
    """The row count of a command status such as "UPDATE 3" or "INSERT 0 3"."""
    return int(status.split()[-1])


class _Replay:
    """A connection with fresh copies of the read models, and the statements run on it."""

    def __init__(self, conn: asyncpg.Connection, schema: str) -> None:
        self.conn = conn
        self._schema = _ident(schema)
        self._schema_name = schema

    def live(self, table: str) -> str:
        return f"{self._schema}.{_ident(table)}"

    @staticmethod
    def fresh(table: str) -> str:
        return f"pg_temp.{_ident(table)}"

    async def create_fresh_tables(self) -> None:
        """Outside any transaction: a read-only one may not create tables, even temp ones."""
        names = [t.name for t in PROJECTION_TABLES] + list(SHIELDED_TABLES)
        await self.conn.execute(
            "".join(
                f"CREATE TEMP TABLE {_ident(n)} (LIKE {self.live(n)} INCLUDING ALL);" for n in names
            )
            + _REPLAY_FUNCTION.format(schema=self._schema)
        )

    async def hold_off_appends(self) -> None:
        """Waits for appends in flight and holds off new ones until commit.

        Every append first writes its streams row, applies its events to the read models, and
        only then locks the log head. The head lock alone would let an append hold read-model
        rows while it waits for the head, which a replace that rewrites those rows deadlocks
        with. So this takes the appends' own order: the streams table (the lock mode conflicts
        with every insert and update of it, and with another rebuild), then the head. Both come
        before the statement that reads the log, whose snapshot then has every event.
        """
        await self.conn.execute(
            f"LOCK TABLE {self.live('streams')} IN SHARE ROW EXCLUSIVE MODE;"
            f" SELECT position FROM {self.live('log_head')} FOR UPDATE"
        )

    async def catch_up(self, *, readonly: bool) -> tuple[int, int]:
        """Replays the log up to its head, a batch per transaction; returns the head and how
        many events there were. Every event up to the head has committed: positions are."""
        head: int = await self.conn.fetchval(
            f"SELECT coalesce(max(position), 0) FROM {self.live('events')}"
        )
        after = events = 0
        while after < head:
            upto = min(after + REPLAY_BATCH, head)
            async with self.conn.transaction(readonly=readonly):
                events += await self.replay(after, upto)
            after = upto
        return head, events

    async def replay(self, after: int, upto: int = _END) -> int:
        """Applies the events after a position, up to another, to the fresh tables; returns
        how many there were. Raises RebuildError, before the transaction can commit, when
        apply_event wrote a live table."""
        before = await self._live_writes()
        try:
            events: int = await self.conn.fetchval(
                "SELECT pg_temp.replay_events($1, $2)", after, upto
            )
        except asyncpg.ReadOnlySQLTransactionError as error:
            statement = (error.context or "").partition("\n")[0]
            raise _unshielded(f"{error} ({statement})") from error
        written = await self._live_writes()
        touched = sorted(t for t, n in written.items() if n > before.get(t, 0))
        if touched:
            raise _unshielded(", ".join(touched))
        return events

    async def _live_writes(self) -> dict[str, int]:
        """Rows this transaction inserted, updated or deleted so far, per live table."""
        rows = await self.conn.fetch(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS n"
            " FROM pg_stat_xact_user_tables WHERE schemaname = $1",
            self._schema_name,
        )
        return {r["relname"]: r["n"] for r in rows}

    async def columns(self, table: ProjectionTable) -> list[str]:
        """The table's derived columns: all but the kept ones, in table order."""
        names: list[str] = [
            r["attname"]
            for r in await self.conn.fetch(
                "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                self.live(table.name),
            )
        ]
        kept = {k.name for k in table.kept}
        missing = (kept | set(table.key)) - set(names)
        if missing:
            raise RebuildError(f"{table.name} has no column {', '.join(sorted(missing))}")
        return [n for n in names if n not in kept]

    async def row_counts(self, table: str) -> tuple[int, int]:
        row = await self.conn.fetchrow(
            f"SELECT (SELECT count(*) FROM {self.live(table)}) AS live,"
            f" (SELECT count(*) FROM {self.fresh(table)}) AS rebuilt"
        )
        return row["live"], row["rebuilt"]

    async def compare(self, table: ProjectionTable, limit: int) -> TableComparison:
        columns = await self.columns(table)
        live_rows, rebuilt_rows = await self.row_counts(table.name)
        rows = await self.conn.fetch(self._difference_sql(table, columns), limit)
        return TableComparison(
            table.name,
            live_rows,
            rebuilt_rows,
            rows[0]["total"] if rows else 0,
            tuple(_difference(r) for r in rows),
        )

    def _difference_sql(self, table: ProjectionTable, columns: list[str]) -> str:
        """Rows on one side and not the other (EXCEPT ALL, both ways), paired up by key."""
        listed = ", ".join(_ident(c) for c in columns)
        live, fresh = self.live(table.name), self.fresh(table.name)
        keys = [_ident(k) for k in table.key]
        # Listed in byte order, whatever the database's collation.
        key = ", ".join(f'coalesce(l.{k}, r.{k})::text COLLATE "C"' for k in keys)
        changed = ", ".join(
            f"CASE WHEN l.{_ident(c)} IS DISTINCT FROM r.{_ident(c)} THEN {_literal(c)} END"
            for c in columns
            if c not in table.key
        )
        return f"""
            WITH l AS (SELECT {listed} FROM {live} EXCEPT ALL SELECT {listed} FROM {fresh}),
                 r AS (SELECT {listed} FROM {fresh} EXCEPT ALL SELECT {listed} FROM {live})
            SELECT ARRAY[{key}] AS key,
                   l.{keys[0]} IS NOT NULL AS in_live,
                   r.{keys[0]} IS NOT NULL AS in_rebuilt,
                   array_remove(ARRAY[{changed}]::text[], NULL) AS columns,
                   count(*) OVER () AS total
              FROM l FULL JOIN r ON {" AND ".join(f"l.{k} = r.{k}" for k in keys)}
             ORDER BY 1
             LIMIT $1
        """

    async def replace(self, table: ProjectionTable) -> TableReplacement:
        """Deletes the live rows the replay lacks, updates those that differ, inserts the
        missing ones; in that order, so a stray row frees its unique values first.

        Unique indexes are checked row by row, so an update that moves a unique value (a
        message's thread and seq) onto another row that is still to be updated fails the
        replace as a whole; nothing is changed then.
        """
        columns = await self.columns(table)
        live_rows, rebuilt_rows = await self.row_counts(table.name)
        live, fresh = self.live(table.name), self.fresh(table.name)
        same_key = " AND ".join(f"l.{_ident(k)} = r.{_ident(k)}" for k in table.key)
        values = [_ident(c) for c in columns if c not in table.key]
        deleted = await self.conn.execute(
            f"DELETE FROM {live} l WHERE NOT EXISTS (SELECT FROM {fresh} r WHERE {same_key})"
        )
        updated = "UPDATE 0"
        if values:
            updated = await self.conn.execute(
                f"UPDATE {live} l SET {', '.join(f'{v} = r.{v}' for v in values)}"
                f" FROM {fresh} r WHERE {same_key}"
                f" AND ROW({', '.join(f'l.{v}' for v in values)})"
                f" IS DISTINCT FROM ROW({', '.join(f'r.{v}' for v in values)})"
            )
        inserted = await self.conn.execute(self._insert_sql(table, columns))
        return TableReplacement(
            table.name, live_rows, rebuilt_rows, _count(inserted), _count(updated), _count(deleted)
        )

    def _insert_sql(self, table: ProjectionTable, columns: list[str]) -> str:
        live, fresh = self.live(table.name), self.fresh(table.name)
        same_key = " AND ".join(f"l.{_ident(k)} = r.{_ident(k)}" for k in table.key)
        targets = [_ident(c) for c in columns] + [_ident(k.name) for k in table.kept]
        sources = [f"r.{_ident(c)}" for c in columns] + [
            k.restored.format(schema=self._schema) for k in table.kept
        ]
        return (
            f"INSERT INTO {live} ({', '.join(targets)}) SELECT {', '.join(sources)}"
            f" FROM {fresh} r WHERE NOT EXISTS (SELECT FROM {live} l WHERE {same_key})"
        )


def _unshielded(what: str) -> RebuildError:
    return RebuildError(
        f"the replay writes live tables: {what}. apply_event writes a table that neither"
        " PROJECTION_TABLES nor SHIELDED_TABLES in storage/_rebuild.py lists"
    )


def _difference(row: asyncpg.Record) -> RowDifference:
    if not row["in_live"]:
        kind = DifferenceKind.ONLY_REBUILT
    elif not row["in_rebuilt"]:
        kind = DifferenceKind.ONLY_LIVE
    else:
        kind = DifferenceKind.CHANGED
    columns = tuple(row["columns"]) if kind is DifferenceKind.CHANGED else ()
    return RowDifference(tuple(row["key"]), kind, columns)
