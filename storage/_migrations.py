"""Versioned SQL migrations, applied in order under an advisory lock.

Each file in migrations/ is named NNNN_name.sql and runs in its own transaction. The applied
versions and their checksums are recorded in schema_migrations; an applied file that has since
changed is refused. The advisory lock makes two processes that start at once apply each
migration exactly once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from storage._chain_audit import seal_unsealed, store_bodies
from storage._errors import StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Steps a migration needs that SQL cannot do, run in the migration's own transaction.
_AFTER: dict[int, Callable[[asyncpg.Connection], Awaitable[object]]] = {
    6: seal_unsealed,
    8: store_bodies,
}
# An arbitrary constant that names this application's migration lock.
_LOCK_KEY = 7_355_608_114


class MigrationError(StorageError):
    """The database's recorded migrations do not match the files."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str = field(repr=False)

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Reads the migration files, sorted by version."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        migrations.append(Migration(int(number), name, path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {directory}")
    return migrations


async def migrate(conn: asyncpg.Connection) -> list[Migration]:
    """Applies every pending migration and returns those it applied."""
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        applied = {row["version"]: row["checksum"] for row in rows}
        done = []
        for migration in load_migrations():
            recorded = applied.get(migration.version)
            if recorded is not None:
                if recorded != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version}_{migration.name} changed after it was"
                        " applied"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                after = _AFTER.get(migration.version)
                if after is not None:
                    await after(conn)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
