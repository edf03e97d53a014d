"""The errors a client can see. Only these texts reach clients.

    AssistantsError
     ├── InvalidArgumentError      bad input; names the field (OpenAI `param`) and `code`
     ├── NotFoundError             missing, deleted, or another project's object
     ├── FailedPreconditionError   the object's state forbids the request (an active run)
     ├── ConflictError             concurrent writers kept winning; safe to retry
     ├── UnauthenticatedError      missing or unknown API key
     ├── ResourceExhaustedError    a quota or size limit
     ├── UnavailableError          a transient server-side failure; safe to retry
     └── DeadlineExceededError     the work did not finish in time

Each class has a stable UPPER_SNAKE `reason` (AIP-193). The gRPC and HTTP layers map classes
to status codes in one table each.
"""

from __future__ import annotations


class AssistantsError(Exception):
    """Base of every error whose message a client may read."""

    reason = "ASSISTANTS_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(AssistantsError):
    """A request field is missing or invalid. Nothing was changed."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, param: str | None, message: str, code: str | None = "invalid_value") -> None:
        super().__init__(message)
        self.param = param
        self.code = code


class NotFoundError(AssistantsError):
    reason = "NOT_FOUND"


class FailedPreconditionError(AssistantsError):
    reason = "FAILED_PRECONDITION"


class ConflictError(AssistantsError):
    reason = "CONFLICT"


class UnauthenticatedError(AssistantsError):
    reason = "UNAUTHENTICATED"


class ResourceExhaustedError(AssistantsError):
    reason = "RESOURCE_EXHAUSTED"


class UnavailableError(AssistantsError):
    reason = "UNAVAILABLE"


class DeadlineExceededError(AssistantsError):
    reason = "DEADLINE_EXCEEDED"
