"""The application layer: the commands and queries that gRPC and HTTP both call.

Each command reads a projection, applies the domain rules, and appends events with the version
it read; a concurrent writer makes it decide again. Nothing here knows the transport.
"""

from __future__ import annotations

from service.app._context import (
    Principal,
    RequestContext,
    request_digest,
    request_id_from,
)
from service.app._errors import client_error
from service.app.assistants import Assistants
from service.app.auth import Authenticator, IssuedKey
from service.app.events import DEFAULT_SUBSCRIBER_BUFFER, EventLog
from service.app.files import Files
from service.app.messages import Messages
from service.app.runs import Runs, Started
from service.app.threads import Threads
from service.app.vector_stores import VectorStores
from service.retrieval.embeddings import Embedder
from service.retrieval.search import Searcher
from storage import Storage


class Application:
    """Every use case, built on one Storage."""

    def __init__(
        self,
        storage: Storage,
        *,
        embedder: Embedder | None = None,
        run_expires_seconds: int = 600,
        subscriber_buffer: int = DEFAULT_SUBSCRIBER_BUFFER,
    ) -> None:
        self.storage = storage
        self.events = EventLog(storage, subscriber_buffer)
        self.auth = Authenticator(storage.keys)
        self.assistants = Assistants(storage)
        self.threads = Threads(storage)
        self.messages = Messages(storage, self.threads)
        self.runs = Runs(
            storage, self.threads, storage.run_streams.announce_queued, run_expires_seconds
        )
        # Embeds search queries; hybrid when pgvector and an embedder are both there.
        self.searcher = Searcher(storage, embedder)
        self.vector_stores = VectorStores(storage, self.searcher)
        # Attachments and the vector_stores helper of tool_resources make stores through it.
        self.threads.vector_stores = self.vector_stores
        self.assistants.vector_stores = self.vector_stores
        self.files = Files(storage, self.vector_stores)


__all__ = [
    "Application",
    "Authenticator",
    "IssuedKey",
    "Principal",
    "RequestContext",
    "Started",
    "client_error",
    "request_digest",
    "request_id_from",
]
