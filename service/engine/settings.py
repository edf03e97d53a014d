"""How runs are executed: worker concurrency, leases and context defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineSettings:
    # Runs one process executes at once.
    concurrency: int = 16
    # A worker renews its lease every third of this; a dead worker's runs are taken over
    # once it lapses.
    lease_seconds: float = 15.0
    # Workers look for claimable runs this often even without a notification.
    poll_seconds: float = 1.0
    # The context size of a model tokens.py does not know.
    default_context_tokens: int = 128_000
    # Tokens kept free for the answer when the run sets no max_completion_tokens.
    reserved_completion_tokens: int = 4_096
    # Retries of 429 and 5xx responses by the openai client.
    model_max_retries: int = 3
    model_timeout_seconds: float = 600.0
    # Run-stream rows of finished runs are kept this long for late followers.
    stream_retention_seconds: float = 86_400.0
