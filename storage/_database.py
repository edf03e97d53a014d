"""Connection pools."""

from __future__ import annotations

import json

import asyncpg


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=False),
        decoder=json.loads,
        schema="pg_catalog",
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Replaces asyncpg's reset query on release, a second round trip per query.

    asyncpg still rolls back an open transaction itself. Nothing else needs resetting: the
    storage sets no session settings, listens on no channels and releases its advisory lock.
    """


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """Opens a pool whose connections read and write jsonb as Python objects."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session
    )
    return pool
