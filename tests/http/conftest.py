"""Fixtures of the SDK tests: an API key of a fresh project and the `openai` clients on it.

A module may define its own `key` or `sdk` (another key name, another timeout); pytest then
uses the module's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import openai
import pytest

from service.app import Application, IssuedKey


def sdk_client(http_url: str, secret: str) -> openai.AsyncOpenAI:
    # No retries: an error must show as itself, not as a retried success.
    return openai.AsyncOpenAI(base_url=http_url, api_key=secret, max_retries=0, timeout=60)


@pytest.fixture
async def key(app: Application) -> IssuedKey:
    return await app.auth.issue_key(f"sdk-{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def sdk(http_url: str, key: IssuedKey) -> AsyncIterator[openai.AsyncOpenAI]:
    client = sdk_client(http_url, key.secret)
    yield client
    await client.close()


@pytest.fixture
async def other_sdk(http_url: str, app: Application) -> AsyncIterator[openai.AsyncOpenAI]:
    """A client of a second project."""
    issued = await app.auth.issue_key(f"sdk-other-{uuid.uuid4().hex[:12]}")
    client = sdk_client(http_url, issued.secret)
    yield client
    await client.close()
