"""Helpers of the storage contract tests.

The session shares one database (tests/conftest.py), so every test works under project and
stream ids of its own.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from assistants.v1 import events_pb2
from tests.helpers import fresh_database


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


@pytest.fixture
def project_id() -> str:
    return new_id("proj")


def metadata(project_id: str, request_id: str = "", **fields: str) -> events_pb2.EventMetadata:
    return events_pb2.EventMetadata(project_id=project_id, request_id=request_id, **fields)


async def wait_until(
    condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0
) -> None:
    """Awaits a condition that a database query checks; every check is a round trip."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")


async def lock_waiters(pool: asyncpg.Pool, query_fragment: str) -> int:
    """How many backends of this database wait on a lock while running a matching query."""
    count: int = await pool.fetchval(
        """
        SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'
           AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()
        """,
        query_fragment,
    )
    return count


@pytest.fixture
async def fresh_database_url(server_url: str) -> AsyncIterator[str]:
    """An empty database of its own, dropped after the test."""
    async with fresh_database(server_url, "assistants_mig") as url:
        yield url
