"""Who is asking, and under which request id."""

from __future__ import annotations

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
    """The caller of one request. A client-chosen request_id makes a write idempotent."""

    principal: Principal
    request_id: str
    client_request_id: bool = False

    @property
    def project_id(self) -> str:
        return self.principal.project_id

    def event_metadata(self) -> events_pb2.EventMetadata:
        return events_pb2.EventMetadata(
            project_id=self.principal.project_id,
            key_id=self.principal.key_id,
            request_id=self.request_id,
            correlation_id=self.request_id,
        )

    def idempotency_key(self) -> str | None:
        """The request id under which appends are deduplicated: only one the client chose."""
        return self.request_id if self.client_request_id else None


# Headers (gRPC metadata keys) a client may set to name its request; either makes writes
# idempotent. Keys are lower case, as gRPC metadata and HTTP/2 headers are.
REQUEST_ID_KEYS = ("idempotency-key", "x-request-id")
_REQUEST_ID_MAX = 200


def request_id_from(headers: Mapping[str, str]) -> tuple[str, bool]:
    """The request's id, and whether the client chose it (then writes are idempotent)."""
    chosen = next((headers[k] for k in REQUEST_ID_KEYS if headers.get(k)), None)
    if chosen is not None:
        return chosen[:_REQUEST_ID_MAX], True
    return f"req_{uuid.uuid4().hex}", False
