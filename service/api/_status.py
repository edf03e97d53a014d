"""Client-visible errors as gRPC statuses with rich details (google.rpc), in one table."""

from __future__ import annotations

from typing import NamedTuple

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from service.errors import (
    AssistantsError,
    ConflictError,
    DeadlineExceededError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
)

ERROR_DOMAIN = "assistants.v1"
REQUEST_ID_KEY = "x-request-id"
# Where grpcio-status reads google.rpc.Status from (grpc_status.rpc_status).
GRPC_DETAILS_METADATA_KEY = "grpc-status-details-bin"

_CODES: dict[type[AssistantsError], tuple[grpc.StatusCode, int]] = {
    InvalidArgumentError: (grpc.StatusCode.INVALID_ARGUMENT, code_pb2.INVALID_ARGUMENT),
    NotFoundError: (grpc.StatusCode.NOT_FOUND, code_pb2.NOT_FOUND),
    FailedPreconditionError: (grpc.StatusCode.FAILED_PRECONDITION, code_pb2.FAILED_PRECONDITION),
    ConflictError: (grpc.StatusCode.ABORTED, code_pb2.ABORTED),
    UnauthenticatedError: (grpc.StatusCode.UNAUTHENTICATED, code_pb2.UNAUTHENTICATED),
    ResourceExhaustedError: (grpc.StatusCode.RESOURCE_EXHAUSTED, code_pb2.RESOURCE_EXHAUSTED),
    UnavailableError: (grpc.StatusCode.UNAVAILABLE, code_pb2.UNAVAILABLE),
    DeadlineExceededError: (grpc.StatusCode.DEADLINE_EXCEEDED, code_pb2.DEADLINE_EXCEEDED),
}


class _GrpcStatus(NamedTuple):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


class GrpcStatus(_GrpcStatus, grpc.Status):
    """A status to abort with: code, message, and trailing metadata holding the details."""


def grpc_status(error: AssistantsError, request_id: str) -> GrpcStatus:
    """The status an error aborts an RPC with: rich details, and the request id, which
    aborting would otherwise drop from the trailers."""
    status = to_status(error)
    code = next(c for t, (c, _) in _CODES.items() if isinstance(error, t))
    return GrpcStatus(
        code,
        status.message,
        (
            (GRPC_DETAILS_METADATA_KEY, status.SerializeToString()),
            (REQUEST_ID_KEY, request_id),
        ),
    )


def _packed(detail: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(detail)  # type: ignore[arg-type]
    return packed


def to_status(error: AssistantsError) -> status_pb2.Status:
    """The google.rpc.Status of an error: a BadRequest field violation for invalid input, and
    an ErrorInfo whose reason is the OpenAI code (or the error's reason)."""
    code = next(c for t, (_, c) in _CODES.items() if isinstance(error, t))
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN)
    details = []
    if isinstance(error, InvalidArgumentError):
        if error.code:
            info.reason = error.code.upper()
            info.metadata["code"] = error.code
        if error.param:
            info.metadata["param"] = error.param
            violation = error_details_pb2.BadRequest.FieldViolation(
                field=error.param, description=error.message
            )
            details.append(_packed(error_details_pb2.BadRequest(field_violations=[violation])))
    details.append(_packed(info))
    return status_pb2.Status(code=code, message=error.message, details=details)
