"""Reads of the `files` projection, and who holds a file in code_interpreter resources.

Every query is scoped to a project, and a file past its expires_at (by the database clock)
reads as missing: expiry needs no event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from google.protobuf import json_format

from assistants.v1 import file_pb2
from storage._pages import Page, PageQuery, keyset, to_page
from storage._read_models import Versioned

# A row alias `f` of files is live: not expired.
_LIVE = (
    " AND (f.object ->> 'expires_at' IS NULL"
    " OR (f.object ->> 'expires_at')::bigint > extract(epoch FROM now()))"
)


@dataclass(frozen=True)
class VersionedFile(Versioned):
    file: file_pb2.File
    # Of the content, lowercase hex: the key of its blob.
    sha256: str


def _file(data: dict[str, Any]) -> file_pb2.File:
    file = file_pb2.File()
    json_format.ParseDict(data, file, ignore_unknown_fields=True)
    return file


class FileReads:
    """Reads of the files projection."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get_file(self, project_id: str, file_id: str) -> VersionedFile | None:
        found = await self.get_files(project_id, [file_id])
        return found.get(file_id)

    async def get_files(self, project_id: str, file_ids: Sequence[str]) -> dict[str, VersionedFile]:
        """The live files of the project among file_ids, by id; missing ones are left out."""
        rows = await self._pool.fetch(
            "SELECT f.id, f.object, f.sha256, s.version"
            "  FROM files f JOIN streams s ON s.stream_id = f.id"
            f" WHERE f.id = ANY($1::text[]) AND f.project_id = $2{_LIVE}",
            list(file_ids),
            project_id,
        )
        return {r["id"]: VersionedFile(r["version"], _file(r["object"]), r["sha256"]) for r in rows}

    async def list_files(
        self, project_id: str, purpose: str | None, query: PageQuery
    ) -> Page[file_pb2.File]:
        """A page of the project's live files, of one purpose when purpose is given."""
        # Ids are time-ordered, so the cursors are their own sort keys.
        ks = keyset("f.id", query, query.after, query.before, first_param=3)
        purpose_filter = " AND f.purpose = $2" if purpose else " AND $2::text IS NULL"
        rows = await self._pool.fetch(
            f"SELECT f.object FROM files f WHERE f.project_id = $1{purpose_filter}{_LIVE}"
            f"{ks.conditions} ORDER BY f.id {ks.order} LIMIT {ks.limit}",
            project_id,
            purpose or None,
            *ks.params,
        )
        return to_page([_file(r["object"]) for r in rows], ks)

    async def code_interpreter_holders(
        self, project_id: str, file_id: str
    ) -> tuple[list[str], list[str]]:
        """The ids of the project's assistants and threads whose
        tool_resources.code_interpreter.file_ids list the file."""
        async with self._pool.acquire() as conn:
            assistants = await conn.fetch(
                "SELECT id FROM assistants WHERE project_id = $1"
                " AND object -> 'tool_resources' -> 'code_interpreter' -> 'file_ids' ? $2"
                " ORDER BY id",
                project_id,
                file_id,
            )
            threads = await conn.fetch(
                "SELECT id FROM threads WHERE project_id = $1"
                " AND object -> 'tool_resources' -> 'code_interpreter' -> 'file_ids' ? $2"
                " ORDER BY id",
                project_id,
                file_id,
            )
        return [r["id"] for r in assistants], [r["id"] for r in threads]
