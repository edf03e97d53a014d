"""Contract tests of the versioned migrations."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

import storage._migrations as migrations_module
from storage import MigrationError, Storage, load_migrations, migrate
from storage._migrations import MIGRATIONS_DIR
from tests.storage.conftest import wait_until


async def recorded(conn: asyncpg.Connection) -> list[tuple[int, str, str]]:
    rows = await conn.fetch(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
    )
    return [(r["version"], r["name"], r["checksum"]) for r in rows]


def expected_records() -> list[tuple[int, str, str]]:
    return [(m.version, m.name, m.checksum) for m in load_migrations()]


def use_directory(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """Makes migrate() read its files from directory."""
    monkeypatch.setattr(migrations_module, "load_migrations", lambda: load_migrations(directory))


async def test_migrate_on_a_migrated_database_applies_nothing(storage: Storage) -> None:
    async with storage.pool.acquire() as conn:
        before = await recorded(conn)
    assert before == expected_records()

    assert await storage.migrate() == []

    async with storage.pool.acquire() as conn:
        assert await recorded(conn) == before


async def test_concurrent_migrations_apply_each_once(fresh_database_url: str) -> None:
    """Two processes start at once on an empty database. A third connection holds the
    migration lock until both wait on it, so they really start together."""
    gate, first, second = [await asyncpg.connect(fresh_database_url) for _ in range(3)]
    try:
        await gate.execute("SELECT pg_advisory_lock($1)", migrations_module._LOCK_KEY)
        tasks = [asyncio.create_task(migrate(first)), asyncio.create_task(migrate(second))]

        async def both_wait() -> bool:
            count: int = await gate.fetchval(
                """
                SELECT count(*) FROM pg_locks
                 WHERE locktype = 'advisory' AND NOT granted
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """
            )
            return count == 2

        try:
            await wait_until(both_wait, "both migrations wait on the migration lock")
        finally:
            await gate.execute("SELECT pg_advisory_unlock($1)", migrations_module._LOCK_KEY)
        applied = await asyncio.gather(*tasks)

        files = load_migrations()
        assert sorted(m.version for run in applied for m in run) == [m.version for m in files]
        assert await recorded(gate) == expected_records()
        # The schema is whole and was built once: the log head's single row is there.
        assert await gate.fetchval("SELECT count(*) FROM log_head") == 1
        assert await migrate(first) == []
    finally:
        for conn in (gate, first, second):
            await conn.close()


async def test_new_migration_file_is_applied_alone(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = await asyncpg.connect(fresh_database_url)
    try:
        assert len(await migrate(conn)) == len(load_migrations())
        for path in MIGRATIONS_DIR.glob("*.sql"):
            shutil.copy(path, tmp_path / path.name)
        (tmp_path / "9001_extra.sql").write_text("CREATE TABLE extra_table (x integer);\n")
        use_directory(monkeypatch, tmp_path)

        applied = await migrate(conn)

        assert [(m.version, m.name) for m in applied] == [(9001, "extra")]
        assert await conn.fetchval("SELECT to_regclass('extra_table') IS NOT NULL")
        assert [v for v, _, _ in await recorded(conn)][-1] == 9001
        assert await migrate(conn) == []
    finally:
        await conn.close()


async def test_changed_migration_file_is_refused(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(path, tmp_path / path.name)
    changed = sorted(tmp_path.glob("*.sql"))[1]
    changed.write_text(changed.read_text() + "\n-- edited after it was applied\n")
    use_directory(monkeypatch, tmp_path)
    async with storage.pool.acquire() as conn:
        before = await recorded(conn)

    with pytest.raises(MigrationError, match="changed after it was applied"):
        await storage.migrate()

    async with storage.pool.acquire() as conn:
        assert await recorded(conn) == before
        # The refusal released the migration lock.
        assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", migrations_module._LOCK_KEY)
        await conn.execute("SELECT pg_advisory_unlock($1)", migrations_module._LOCK_KEY)
