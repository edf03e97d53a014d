"""Who is asking, and under which request id."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from assistants.v1 import events_pb2


@dataclass(frozen=True)
class Principal:
    """An authenticated API key and the project it belongs to."""

    project_id: str
    key_id: str


@dataclass(frozen=True)
class RequestContext:
    """The caller of one request: who, under which request id, and the idempotency key that
    makes a retried write return the first result, if the client sent one."""

    principal: Principal
    request_id: str
    idempotency: str | None = None
    # Of the request as sent (request_digest()), when it has an idempotency key.
    request_digest: str = ""

    @property
    def project_id(self) -> str:
        return self.principal.project_id

    def event_metadata(self) -> events_pb2.EventMetadata:
        return events_pb2.EventMetadata(
            project_id=self.principal.project_id,
            key_id=self.principal.key_id,
            request_id=self.request_id,
            correlation_id=self.request_id,
            request_digest=self.request_digest,
        )

    def idempotency_key(self) -> str | None:
        """The key under which appends are deduplicated: only one the client chose."""
        return self.idempotency


# Only an explicit idempotency key deduplicates writes. x-request-id names a request for logs
# and the record; proxies and tracing set it too, and one reused across two writes must not
# drop the second. Keys are lower case, as gRPC metadata and HTTP/2 headers are.
IDEMPOTENCY_KEY = "idempotency-key"
REQUEST_ID_KEY = "x-request-id"
_ID_MAX = 200


def request_id_from(headers: Mapping[str, str]) -> tuple[str, str | None]:
    """The request's id (the client's x-request-id, else its idempotency key, else a new one)
    and its idempotency key, if any."""
    key = headers.get(IDEMPOTENCY_KEY) or None
    key = key[:_ID_MAX] if key else None
    named = headers.get(REQUEST_ID_KEY) or None
    request_id = named[:_ID_MAX] if named else key or f"req_{uuid.uuid4().hex}"
    return request_id, key


def request_digest(*parts: bytes) -> str:
    """What tells two requests under one idempotency key apart: the transport passes the
    request as sent (its method and body), length-prefixed so that no two splits agree."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
