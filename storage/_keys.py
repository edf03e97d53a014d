"""Projects and their API keys. Only hashes of the secrets are stored."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    project_id: str


class KeyStore:
    """Creates projects and keys, and finds a key by the hash of its secret."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def ensure_project(self, project_id: str, name: str) -> str:
        """Returns the id of the project called name, creating it with project_id if new."""
        existing: str = await self._pool.fetchval(
            """
            WITH new AS (
                INSERT INTO projects (id, name) VALUES ($1, $2)
                ON CONFLICT (name) DO NOTHING RETURNING id
            )
            SELECT id FROM new UNION ALL SELECT id FROM projects WHERE name = $2
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
