"""The `assistants` command: serve, worker, migrate, keys, audit, projections,
vector-stores."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

from service import logs
from service.api.server import GrpcServer
from service.app import Application
from service.app.auth import CACHE_SECONDS
from service.config import ConfigError, Settings
from service.domain import tokens
from service.engine.code_interpreter import CodeInterpreter
from service.engine.file_search import FileSearch
from service.engine.model import ModelClient
from service.engine.settings import EngineSettings
from service.engine.workers import Workers
from service.http.server import HttpServer
from service.retrieval.embeddings import Embedder, build_embedder
from service.retrieval.ingestion import Ingestion
from service.retrieval.search import Searcher
from service.sandbox.pool import Sandboxes
from storage import Storage

log = logging.getLogger("service")

DEFAULT_PROJECT = "default"


# Upload parts with no blob this old were left by a process that died mid-upload; younger
# ones may belong to an upload another process is still receiving.
ABANDONED_UPLOAD_SECONDS = 6 * 3600


async def _open_storage(settings: Settings) -> Storage:
    storage = await Storage.open(settings.database_url, settings.data_dir)
    applied = await storage.migrate()
    for migration in applied:
        log.info(
            "migration applied", extra={"version": migration.version, "migration": migration.name}
        )
    if swept := await storage.blobs.sweep_abandoned(ABANDONED_UPLOAD_SECONDS):
        log.info("parts of abandoned uploads deleted", extra={"parts": swept})
    return storage


def _engine_settings(settings: Settings) -> EngineSettings:
    return EngineSettings(
        concurrency=max(settings.worker_concurrency, 1),
        lease_seconds=settings.run_lease_seconds,
        default_context_tokens=settings.default_context_tokens,
    )


async def _start_workers(
    settings: Settings, storage: Storage, app: Application
) -> tuple[Workers, ModelClient]:
    engine = _engine_settings(settings)
    model = ModelClient(
        settings.openai_base_url,
        settings.openai_api_key,
        max_retries=engine.model_max_retries,
        timeout=engine.model_timeout_seconds,
    )
    file_search = FileSearch(storage, app.searcher, app.vector_stores)
    code = CodeInterpreter(
        storage, Sandboxes(settings.sandbox) if settings.sandbox else None, app.files
    )
    # Now, not at the first run: the log says at start-up whether code can run, and why not.
    code.begin()
    workers = Workers(storage, model, engine, file_search, code)
    workers.start()
    log.info("workers started", extra={"concurrency": engine.concurrency, "owner": workers.owner})
    return workers, model


def _embedder(settings: Settings) -> Embedder | None:
    """The file_search embedder the settings ask for; exits with status 2 when it cannot be."""
    try:
        return build_embedder(
            settings.embeddings,
            settings.embedding_model,
            settings.embedding_dimensions,
            settings.openai_base_url,
            settings.openai_api_key,
        )
    except ConfigError as error:
        print(f"assistants: {error}", file=sys.stderr)
        raise SystemExit(2) from None


async def _start_ingestion(
    settings: Settings, storage: Storage, embedder: Embedder | None, searcher: Searcher
) -> Ingestion | None:
    """Says whether search is hybrid or keyword-only, and why (Searcher.start logs it), then
    starts the ingestion workers unless ASSISTANTS_INGEST_CONCURRENCY is 0."""
    await searcher.start()
    if settings.ingest_concurrency <= 0:
        return None
    ingestion = Ingestion(
        storage, embedder, settings.ingest_concurrency, settings.ingest_lease_seconds
    )
    ingestion.start()
    return ingestion


async def _close_embedder(embedder: Embedder | None) -> None:
    close = getattr(embedder, "close", None)
    if close is not None:
        await close()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def work(settings: Settings) -> None:
    """Workers alone, with no API: scale run execution apart from serving."""
    storage = await _open_storage(settings)
    try:
        tokens.encoding()
        embedder = _embedder(settings)
        # The application's searcher and stores, for the file_search tool; no API is served.
        app = Application(storage, embedder=embedder)
        workers, model = await _start_workers(settings, storage, app)
        ingestion = await _start_ingestion(settings, storage, embedder, app.searcher)
        print("assistants: workers running", flush=True)
        await _until_signalled()
        grace = settings.shutdown_grace_seconds
        await asyncio.gather(
            workers.stop(grace), *([ingestion.stop(grace)] if ingestion is not None else [])
        )
        await model.close()
        await _close_embedder(embedder)
    finally:
        await storage.close()


async def serve(settings: Settings) -> None:
    storage = await _open_storage(settings)
    try:
        embedder = _embedder(settings)
        app = Application(
            storage,
            embedder=embedder,
            run_expires_seconds=settings.run_expires_seconds,
            subscriber_buffer=settings.subscriber_buffer,
        )
        tokens.encoding()  # load the BPE ranks now, not during the first request
        if not await storage.keys.any_key_exists():
            issued = await app.auth.issue_key(DEFAULT_PROJECT)
            print(
                f"No API keys existed, so one was created for project '{DEFAULT_PROJECT}'.\n"
                "It is shown only this once:",
                flush=True,
            )
            print(issued.secret, flush=True)
        grace = settings.shutdown_grace_seconds
        server = await GrpcServer.start(app, settings.grpc_host, settings.grpc_port)
        stopping: list[Callable[[], Awaitable[None]]] = [lambda: server.stop(grace)]
        if settings.http_port is not None:
            http = await HttpServer.start(
                app, settings.grpc_host, settings.http_port, shutdown_grace=grace
            )
            stopping.append(http.stop)
            print(f"assistants: HTTP on {settings.grpc_host}:{http.port}", flush=True)
        log.info("serving", extra={"grpc_port": server.port, "http_port": settings.http_port})
        workers = None
        if settings.worker_concurrency > 0:
            workers, model = await _start_workers(settings, storage, app)
            stopping.append(lambda: workers.stop(grace))
        ingestion = await _start_ingestion(settings, storage, embedder, app.searcher)
        if ingestion is not None:
            stopping.append(lambda: ingestion.stop(grace))
        print(f"assistants: gRPC on {settings.grpc_host}:{server.port}", flush=True)
        await _until_signalled()
        log.info("shutting down", extra={"grace_seconds": grace})
        # Together: workers stop claiming at once rather than after the API has drained, and
        # the process is gone within one grace period, not two.
        await asyncio.gather(*(stop() for stop in stopping))
        if workers is not None:
            await model.close()
        await _close_embedder(embedder)
    finally:
        await storage.close()


async def run_migrate(settings: Settings) -> None:
    storage = await _open_storage(settings)
    await storage.close()
    print("migrations are up to date")


async def create_key(storage: Storage, project: str) -> int:
    issued = await Application(storage).auth.issue_key(project)
    print(f"project: {project} ({issued.project_id})")
    print(f"key id: {issued.key_id}")
    print(issued.secret)
    return 0


async def list_keys(storage: Storage, project: str | None) -> int:
    for key in await storage.keys.list_keys(project):
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        print(f"{key.key_id}  {key.project_name} ({key.project_id})  {state}")
    return 0


async def revoke_key(storage: Storage, key_id: str) -> int:
    if not await storage.keys.revoke(key_id):
        print(f"assistants: no active key {key_id}", file=sys.stderr)
        return 1
    print(f"revoked {key_id}; servers that used it stop accepting it within {CACHE_SECONDS:g} s")
    return 0


async def reindex(
    storage: Storage,
    embedder: Embedder | None,
    project: str | None,
    store: str | None,
    everything: bool,
) -> int:
    """Puts back in progress the completed vector store files whose chunks another model
    embedded than the configured one (every completed file with everything), through
    VectorStoreFileUpdated events; the running ingestion workers embed them again."""
    if embedder is None:
        print("embeddings are off: search is keyword-only, so there is nothing to reindex")
        return 0
    project_id = None
    if project is not None:
        project_id = await storage.vector_stores.project_named(project)
        if project_id is None:
            print(f"assistants: no project {project}", file=sys.stderr)
            return 1
    model = None if everything else embedder.model
    stale = await storage.vector_stores.files_to_reindex(project_id, store, model)
    stores = Application(storage).vector_stores
    total = 0
    for (store_project, store_id), file_ids in stale.items():
        queued = await stores.reindex(store_project, store_id, file_ids)
        total += queued
        print(f"{store_id}: {queued} file(s) queued")
    print(f"{total} file(s) queued for reindexing in {len(stale)} vector store(s)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistants", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the gRPC server (migrates first)")
    commands.add_parser("worker", help="run workers only, with no API (migrates first)")
    commands.add_parser("migrate", help="apply pending database migrations")
    keys = commands.add_parser("keys", help="manage API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key; prints it as the last line")
    create.add_argument("--project", required=True, help="project name; created if new")
    listing = key_commands.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--project", help="only this project's keys")
    revoke = key_commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    audit = commands.add_parser("audit", help="verify and read the event log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="walk the hash chains; exits 1 if any event was changed, lost or moved"
    )
    verify.add_argument("--stream", help="only this stream (an object id such as thread_...)")
    timeline = audit_commands.add_parser(
        "timeline", help="what happened in a thread, when, and by which key"
    )
    timeline.add_argument("thread_id")
    timeline.add_argument("--json", action="store_true", help="JSON lines, for programs")
    projections = commands.add_parser("projections", help="maintain the read models")
    projection_commands = projections.add_subparsers(dest="projections_command", required=True)
    rebuild = projection_commands.add_parser(
        "rebuild", help="replay the log into fresh read models and put them in place"
    )
    rebuild.add_argument(
        "--verify",
        action="store_true",
        help="compare with the live read models instead; exits 1 on any difference",
    )
    stores = commands.add_parser("vector-stores", help="maintain vector stores")
    store_commands = stores.add_subparsers(dest="vector_stores_command", required=True)
    reindex_command = store_commands.add_parser(
        "reindex",
        help="ingest again the files embedded by another model than the configured one",
    )
    reindex_command.add_argument("--project", help="only this project's stores (by name)")
    reindex_command.add_argument("--store", help="only this vector store (vs_...)")
    reindex_command.add_argument(
        "--all", action="store_true", help="every completed file, whatever its model"
    )
    return parser


async def _admin(settings: Settings, command: Callable[[Storage], Awaitable[int]]) -> int:
    storage = await _open_storage(settings)
    try:
        return await command(storage)
    finally:
        await storage.close()


def _admin_command(
    settings: Settings, args: argparse.Namespace
) -> Callable[[Storage], Awaitable[int]]:
    """The keys, audit, projections and vector-stores commands, each a function of the
    opened storage."""
    if args.command == "vector-stores":
        embedder = _embedder(settings)

        async def reindexing(storage: Storage) -> int:
            try:
                return await reindex(storage, embedder, args.project, args.store, args.all)
            finally:
                await _close_embedder(embedder)

        return reindexing
    if args.command == "keys":
        if args.keys_command == "create":
            return lambda storage: create_key(storage, args.project)
        if args.keys_command == "list":
            return lambda storage: list_keys(storage, args.project)
        return lambda storage: revoke_key(storage, args.key_id)
    if args.command == "projections":
        from service.admin import rebuild

        return lambda storage: rebuild.run(storage, verify=args.verify)
    if args.audit_command == "verify":
        from service.admin import verify

        return lambda storage: verify.run(storage, stream_id=args.stream)
    from service.admin import timeline

    return lambda storage: timeline.run(storage, args.thread_id, as_json=args.json)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"assistants: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    if args.command == "serve":
        asyncio.run(serve(settings))
    elif args.command == "worker":
        asyncio.run(work(settings))
    elif args.command == "migrate":
        asyncio.run(run_migrate(settings))
    else:
        try:
            return asyncio.run(_admin(settings, _admin_command(settings, args)))
        except BrokenPipeError:
            # `assistants audit timeline ... | head`: the reader has all it wanted.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
