"""Fixtures of the vector store tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from service.retrieval.ingestion import Ingestion


@pytest.fixture
async def paused(ingestion: Ingestion) -> AsyncIterator[Ingestion]:
    """The session's ingestion, stopped for the test (files stay in progress) and started
    again after it."""
    await ingestion.stop(5.0)
    try:
        yield ingestion
    finally:
        ingestion.start()
