"""Runs and run steps: their projections, and the leases workers claim runs by.

A lease is a worker's claim on a run: who holds it and until when. A worker renews it while it
works; when it lapses, because its process died, another worker may claim the run and take it
over from what the log says.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from assistants.v1 import run_pb2, run_step_pb2
from storage._pages import Page, PageQuery, keyset, to_page
from storage._read_models import _parse

# A worker claims runs in these statuses; requires_action only once it has expired.
_CLAIMABLE = "('RUN_STATUS_QUEUED', 'RUN_STATUS_IN_PROGRESS', 'RUN_STATUS_CANCELLING')"


@dataclass(frozen=True)
class VersionedRun:
    """A run with its thread's stream version, for an expected-version append."""

    version: int
    run: run_pb2.Run
    # The thread version of RunCreated: the context window is the messages before it.
    thread_seq: int
    # The last sequence number of the run's stream.
    stream_seq: int


@dataclass(frozen=True)
class ClaimedRun:
    run_id: str
    project_id: str
    thread_id: str


class Runs:
    """Reads of the runs and run_steps projections, and run leases."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get_run(self, project_id: str, thread_id: str, run_id: str) -> VersionedRun | None:
        row = await self._pool.fetchrow(
            """
            SELECT r.object, r.thread_seq, r.stream_seq, s.version
              FROM runs r JOIN streams s ON s.stream_id = r.thread_id
             WHERE r.id = $1 AND r.thread_id = $2 AND r.project_id = $3
            """,
            run_id,
            thread_id,
            project_id,
        )
        if row is None:
            return None
        return VersionedRun(
            row["version"],
            _parse(row["object"], run_pb2.Run()),
            row["thread_seq"],
            row["stream_seq"],
        )

    async def list_runs(
        self, project_id: str, thread_id: str, query: PageQuery
    ) -> Page[run_pb2.Run]:
        ks = keyset("id", query, query.after, query.before, first_param=3)
        rows = await self._pool.fetch(
            f"SELECT object FROM runs WHERE thread_id = $1 AND project_id = $2{ks.conditions}"
            f" ORDER BY id {ks.order} LIMIT {ks.limit}",
            thread_id,
            project_id,
            *ks.params,
        )
        return to_page([_parse(r["object"], run_pb2.Run()) for r in rows], ks)

    async def get_step(
        self, project_id: str, thread_id: str, run_id: str, step_id: str
    ) -> run_step_pb2.RunStep | None:
        data = await self._pool.fetchval(
            "SELECT object FROM run_steps"
            " WHERE id = $1 AND run_id = $2 AND thread_id = $3 AND project_id = $4",
            step_id,
            run_id,
            thread_id,
            project_id,
        )
        return None if data is None else _parse(data, run_step_pb2.RunStep())

    async def list_steps(
        self, project_id: str, run_id: str, query: PageQuery
    ) -> Page[run_step_pb2.RunStep]:
        ks = keyset("id", query, query.after, query.before, first_param=3)
        rows = await self._pool.fetch(
            f"SELECT object FROM run_steps WHERE run_id = $1 AND project_id = $2{ks.conditions}"
            f" ORDER BY id {ks.order} LIMIT {ks.limit}",
            run_id,
            project_id,
            *ks.params,
        )
        return to_page([_parse(r["object"], run_step_pb2.RunStep()) for r in rows], ks)

    async def steps_of_run(self, project_id: str, run_id: str) -> list[run_step_pb2.RunStep]:
        """Every step of the run, oldest first."""
        rows = await self._pool.fetch(
            "SELECT object FROM run_steps WHERE run_id = $1 AND project_id = $2 ORDER BY id",
            run_id,
            project_id,
        )
        return [_parse(r["object"], run_step_pb2.RunStep()) for r in rows]

    async def claim(self, owner: str, lease_seconds: float, now: int) -> ClaimedRun | None:
        """Leases one run that needs a worker: queued, or active with a lapsed lease, or
        waiting for tool outputs past its deadline. None when there is none."""
        row = await self._pool.fetchrow(
            f"""
            UPDATE runs SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
             WHERE id = (
                SELECT id FROM runs
                 WHERE (status IN {_CLAIMABLE}
                        OR (status = 'RUN_STATUS_REQUIRES_ACTION' AND expires_at <= $3))
                   AND (lease_until IS NULL OR lease_until < now())
                 ORDER BY created_at
                 LIMIT 1
                   FOR UPDATE SKIP LOCKED)
            RETURNING id, project_id, thread_id
            """,
            owner,
            lease_seconds,
            now,
        )
        if row is None:
            return None
        return ClaimedRun(row["id"], row["project_id"], row["thread_id"])

    async def renew(self, run_id: str, owner: str, lease_seconds: float) -> str | None:
        """Extends a held lease and returns the run's status (a RunStatus name); None when the
        lease was lost to another worker."""
        status: str | None = await self._pool.fetchval(
            "UPDATE runs SET lease_until = now() + make_interval(secs => $3)"
            " WHERE id = $1 AND lease_owner = $2 RETURNING status",
            run_id,
            owner,
            lease_seconds,
        )
        return status

    async def release(self, run_id: str, owner: str) -> None:
        await self._pool.execute(
            "UPDATE runs SET lease_owner = NULL, lease_until = NULL"
            " WHERE id = $1 AND lease_owner = $2",
            run_id,
            owner,
        )
