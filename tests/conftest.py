"""Shared fixtures: a real PostgreSQL database for the session, and the storage on it.

The database is the embedded PostgreSQL (pgserver) unless ASSISTANTS_TEST_DATABASE_URL names
a server. Either way the session works in a database of its own, created here and dropped at
the end, so runs never see each other's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistants.v1 import run_service_pb2
from service.api.server import GrpcServer
from service.app import Application, Principal, RequestContext
from service.engine.code_interpreter import CodeInterpreter
from service.engine.file_search import FileSearch
from service.engine.model import ModelClient
from service.engine.settings import EngineSettings
from service.engine.workers import Workers
from service.errors import AssistantsError
from service.http.server import HttpServer
from service.retrieval.embeddings import ProviderEmbedder
from service.retrieval.ingestion import Ingestion
from service.sandbox.pool import Sandboxes
from service.sandbox.settings import SandboxSettings
from storage import Storage
from storage._embedded import start_embedded
from tests.fake_model import FakeModel
from tests.helpers import Client, fresh_database

# The interpreter environment `make test` builds (service/sandbox/requirements.txt).
SANDBOX_PYTHON = Path(__file__).resolve().parent.parent / ".sandbox-python" / "bin" / "python"
# Short enough that takeover and expiry tests wait seconds, not minutes.
TEST_ENGINE = EngineSettings(
    concurrency=8, lease_seconds=2.0, poll_seconds=0.2, model_max_retries=2
)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a PostgreSQL server to create test databases on."""
    url = os.environ.get("ASSISTANTS_TEST_DATABASE_URL")
    if url:
        yield url
        return
    url, server = start_embedded(tmp_path_factory.mktemp("pg"))
    yield url
    server.cleanup()


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test session."""
    async with fresh_database(server_url, "assistants_test") as url:
        storage = await Storage.open(url, Path("."))
        await storage.migrate()
        await storage.close()
        yield url


@pytest.fixture(scope="session")
async def storage(database_url: str) -> AsyncIterator[Storage]:
    s = await Storage.open(database_url, Path("."), min_size=2, max_size=20)
    yield s
    await s.close()


@pytest.fixture(scope="session")
async def embedder(fake_model: FakeModel) -> AsyncIterator[ProviderEmbedder]:
    """file_search embeddings from the fake model's /v1/embeddings."""
    made = ProviderEmbedder(fake_model.base_url, "test-key", "text-embedding-3-small")
    yield made
    await made.close()


@pytest.fixture(scope="session")
async def app(storage: Storage, embedder: ProviderEmbedder) -> AsyncIterator[Application]:
    yield Application(storage, embedder=embedder)


# Short enough that a takeover after a lost worker waits seconds.
TEST_INGEST_LEASE_SECONDS = 3.0


@pytest.fixture(scope="session")
async def ingestion(storage: Storage, embedder: ProviderEmbedder) -> AsyncIterator[Ingestion]:
    """Ingestion workers on the session's database, embedding with the fake model."""
    running = Ingestion(
        storage, embedder, concurrency=4, lease_seconds=TEST_INGEST_LEASE_SECONDS, poll_seconds=0.2
    )
    running.start()
    yield running
    await running.stop(1.0)


@pytest.fixture(scope="session")
async def grpc_target(app: Application) -> AsyncIterator[str]:
    """The address of an in-process server on a free port, over a real gRPC channel."""
    server = await GrpcServer.start(app, "127.0.0.1", 0)
    yield f"127.0.0.1:{server.port}"
    await server.stop(0)


async def new_client(app: Application, target: str) -> Client:
    issued = await app.auth.issue_key(f"test-project-{uuid.uuid4().hex[:12]}")
    return Client(target, issued.secret, issued.project_id)


@pytest.fixture(scope="session")
async def http_url(app: Application) -> AsyncIterator[str]:
    """The /v1 base URL of an in-process HTTP server on a free port, on the same app."""
    server = await HttpServer.start(app, "127.0.0.1", 0, shutdown_grace=0)
    yield f"http://127.0.0.1:{server.port}/v1"
    await server.stop()


@pytest.fixture
async def client(app: Application, grpc_target: str) -> AsyncIterator[Client]:
    """A client with a key of its own, new project: tests never see each other's objects."""
    c = await new_client(app, grpc_target)
    yield c
    await c.close()


@pytest.fixture
async def other_client(app: Application, grpc_target: str) -> AsyncIterator[Client]:
    """A client of a second, separate project."""
    c = await new_client(app, grpc_target)
    yield c
    await c.close()


@pytest.fixture(scope="session")
async def fake_model() -> AsyncIterator[FakeModel]:
    """The model endpoint every run of the session calls."""
    async with FakeModel() as fake:
        yield fake


def sandbox_settings(root: Path, **overrides: Any) -> SandboxSettings:
    """The sandbox of the tests: the environment `make` builds, small and quick to time out."""
    values: dict[str, Any] = {
        "python": SANDBOX_PYTHON,
        "root": root,
        "pool_size": 1,
        "max_sessions": 6,
        "call_timeout_seconds": 10.0,
        "kill_grace_seconds": 2.0,
    }
    values.update(overrides)
    return SandboxSettings(**values)


@pytest.fixture(scope="session")
def sandbox_root() -> Iterator[Path]:
    """A directory for sandboxes, outside pytest's tmp_path: pytest makes that 0700, and the
    slots' uids must reach the root to bind their inboxes."""
    root = Path(tempfile.mkdtemp(prefix="sandbox-tests-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
async def code_interpreter(
    storage: Storage, app: Application, sandbox_root: Path
) -> AsyncIterator[CodeInterpreter]:
    """Runs code in real sandboxes, started by the first run that offers the tool."""
    sandboxes = Sandboxes(sandbox_settings(sandbox_root / "runs"))
    code = CodeInterpreter(storage, sandboxes, app.files)
    yield code
    await code.stop()


@pytest.fixture(scope="session")
async def workers(
    storage: Storage, fake_model: FakeModel, app: Application, code_interpreter: CodeInterpreter
) -> AsyncIterator[Workers]:
    """Run workers on the session's database, calling the fake model; file_search searches
    with the app's searcher and records store activity through its vector stores, and
    code_interpreter runs in the sandboxes."""
    model = ModelClient(fake_model.base_url, "test-key", max_retries=TEST_ENGINE.model_max_retries)
    searches = FileSearch(storage, app.searcher, app.vector_stores)
    running = Workers(storage, model, TEST_ENGINE, searches, code_interpreter)
    running.start()
    yield running
    await running.stop(1.0)
    await model.close()


@pytest.fixture
async def model(
    fake_model: FakeModel, workers: Workers, app: Application
) -> AsyncIterator[FakeModel]:
    """The fake model, with workers running and its script and record cleared for the test.

    Runs the test left active are cancelled after it: a run that reached the model only after
    the next test's reset would take that test's scripted reply."""
    fake_model.reset()
    yield fake_model
    await _cancel_active_runs(app)


_MOVING = ("RUN_STATUS_QUEUED", "RUN_STATUS_IN_PROGRESS", "RUN_STATUS_CANCELLING")


async def _cancel_active_runs(app: Application, timeout: float = 5.0) -> None:
    pool = app.storage.pool
    active = await pool.fetch(
        "SELECT id, thread_id, project_id FROM runs WHERE status = ANY($1)",
        [*_MOVING, "RUN_STATUS_REQUIRES_ACTION"],
    )
    for run in active:
        ctx = RequestContext(Principal(run["project_id"], ""), f"req_teardown_{uuid.uuid4().hex}")
        request = run_service_pb2.CancelRunRequest(thread_id=run["thread_id"], run_id=run["id"])
        with contextlib.suppress(AssistantsError):
            await app.runs.cancel(ctx, request)
    async with asyncio.timeout(timeout):
        while await pool.fetchval("SELECT count(*) FROM runs WHERE status = ANY($1)", _MOVING):
            await asyncio.sleep(0.05)
