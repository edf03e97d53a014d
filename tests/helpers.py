"""Test helpers: authenticated gRPC clients and condition waits."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from assistants.v1 import (
    assistant_pb2_grpc,
    event_service_pb2_grpc,
    file_pb2,
    file_pb2_grpc,
    message_pb2_grpc,
    run_service_pb2_grpc,
    thread_pb2_grpc,
    vector_store_service_pb2,
    vector_store_service_pb2_grpc,
)


def with_database(url: str, name: str) -> str:
    """The same PostgreSQL server URL, pointing at database `name`."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """The URL of a new, empty database on the server, dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Metadata(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Adds fixed metadata (the bearer key) to every unary call on a channel."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self._pairs = pairs

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = list(details.metadata or ()) + list(self._pairs)
        return await continuation(details._replace(metadata=metadata), request)


class _StreamMetadata(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """The same, for server-streaming calls."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self._pairs = pairs

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = list(details.metadata or ()) + list(self._pairs)
        return await continuation(details._replace(metadata=metadata), request)


class _UploadMetadata(grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    """The same, for client-streaming calls (UploadFile)."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self._pairs = pairs

    async def intercept_stream_unary(
        self, continuation: Any, details: Any, request_iterator: Any
    ) -> Any:
        metadata = list(details.metadata or ()) + list(self._pairs)
        return await continuation(details._replace(metadata=metadata), request_iterator)


class Client:
    """Stubs of every service on one channel, authenticated with one API key."""

    def __init__(
        self,
        target: str,
        key: str | None,
        project_id: str = "",
        options: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        pairs = (("authorization", f"Bearer {key}"),) if key else ()
        self.key = key
        self.project_id = project_id
        self.channel = grpc.aio.insecure_channel(
            target,
            options=options,
            interceptors=[_Metadata(pairs), _StreamMetadata(pairs), _UploadMetadata(pairs)],
        )
        self.assistants = assistant_pb2_grpc.AssistantServiceStub(self.channel)
        self.threads = thread_pb2_grpc.ThreadServiceStub(self.channel)
        self.messages = message_pb2_grpc.MessageServiceStub(self.channel)
        self.runs = run_service_pb2_grpc.RunServiceStub(self.channel)
        self.events = event_service_pb2_grpc.EventServiceStub(self.channel)
        self.files = file_pb2_grpc.FileServiceStub(self.channel)
        self.vector_stores = vector_store_service_pb2_grpc.VectorStoreServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    async def new_store(self, name: str = "resources") -> str:
        """The id of a new, empty vector store of the client's project."""
        store = await self.vector_stores.CreateVectorStore(
            vector_store_service_pb2.CreateVectorStoreRequest(name=name)
        )
        return str(store.id)

    async def upload(
        self,
        data: bytes,
        filename: str = "notes.txt",
        *,
        purpose: str = "assistants",
        chunk: int = 64 * 1024,
        expires_after: file_pb2.FileExpiresAfter | None = None,
        metadata: Any = None,
    ) -> file_pb2.File:
        """Uploads through the real FileService: a header, then the bytes in chunks."""
        header = file_pb2.FileUploadHeader(
            filename=filename, purpose=purpose, expires_after=expires_after
        )
        uploaded: file_pb2.File = await self.files.UploadFile(
            upload_messages(header, data, chunk), metadata=metadata
        )
        return uploaded


async def upload_messages(
    header: file_pb2.FileUploadHeader | None, data: bytes, chunk: int = 64 * 1024
) -> AsyncIterator[file_pb2.UploadFileRequest]:
    """An UploadFile request stream; without a header, a malformed one."""
    if header is not None:
        yield file_pb2.UploadFileRequest(header=header)
    for start in range(0, len(data), chunk):
        yield file_pb2.UploadFileRequest(chunk=data[start : start + chunk])


def request_id() -> tuple[tuple[str, str]]:
    """Metadata naming a fresh client request id, for idempotent retries."""
    return (("idempotency-key", f"test-{uuid.uuid4().hex}"),)


def field_violation(error: grpc.aio.AioRpcError) -> tuple[str, str]:
    """(field, description) of the BadRequest detail of an INVALID_ARGUMENT error."""
    status = rpc_status.from_call(error)
    assert status is not None, "the error carries no rich status"
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violation = bad.field_violations[0]
            return violation.field, violation.description
    raise AssertionError(f"no BadRequest detail in {status}")


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError(f"no ErrorInfo detail in {status}")


async def assistants_cli(
    database_url: str,
    data_dir: Path,
    *args: str,
    timeout: float = 60,
    settings: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """Runs the real `assistants` command on a database, with these settings in its
    environment besides: (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANTS_")}
    env.update(
        ASSISTANTS_DATABASE_URL=database_url,
        ASSISTANTS_DATA_DIR=str(data_dir),
        ASSISTANTS_LOG_LEVEL="WARNING",
    )
    env.update(settings or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "service.cli", *args),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(timeout):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
