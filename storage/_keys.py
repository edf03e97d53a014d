"""Projects and their API keys. Only hashes of the secrets are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    project_id: str


@dataclass(frozen=True)
class KeyInfo:
    """A key as an operator sees it; never its secret."""

    key_id: str
    project_id: str
    project_name: str
    created_at: datetime
    revoked_at: datetime | None


class KeyStore:
    """Creates projects and keys, and finds a key by the hash of its secret."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def ensure_project(self, project_id: str, name: str) -> str:
        """Returns the id of the project called name, creating it with project_id if new."""
        # DO UPDATE, not DO NOTHING: it waits for a racing creator's row and returns it, where
        # a separate SELECT in the same statement would read a snapshot without it.
        existing: str = await self._pool.fetchval(
            """
            INSERT INTO projects (id, name) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id
            """,
            project_id,
            name,
        )
        return existing

    async def add_key(self, key_id: str, project_id: str, key_hash: bytes) -> None:
        await self._pool.execute(
            "INSERT INTO api_keys (id, project_id, key_hash) VALUES ($1, $2, $3)",
            key_id,
            project_id,
            key_hash,
        )

    async def find_key(self, key_hash: bytes) -> KeyRecord | None:
        row = await self._pool.fetchrow(
            "SELECT id, project_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            key_hash,
        )
        return KeyRecord(row["id"], row["project_id"]) if row else None

    async def any_key_exists(self) -> bool:
        found: bool = await self._pool.fetchval("SELECT EXISTS (SELECT 1 FROM api_keys)")
        return found

    async def list_keys(self, project_name: str | None = None) -> list[KeyInfo]:
        rows = await self._pool.fetch(
            """
            SELECT k.id, k.project_id, p.name, k.created_at, k.revoked_at
              FROM api_keys k JOIN projects p ON p.id = k.project_id
             WHERE $1::text IS NULL OR p.name = $1
             ORDER BY p.name, k.created_at
            """,
            project_name,
        )
        return [KeyInfo(*row) for row in rows]

    async def revoke(self, key_id: str) -> bool:
        """Revokes a key; False when there is no such unrevoked key."""
        status: str = await self._pool.execute(
            "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
            key_id,
        )
        return status == "UPDATE 1"
