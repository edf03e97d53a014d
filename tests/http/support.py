"""Helpers of the SDK tests that more than one module needs."""

from __future__ import annotations

import asyncio
import time

import openai
from openai.types.vector_stores import VectorStoreFile


async def wait_for_file(
    sdk: openai.AsyncOpenAI, store_id: str, file_id: str, timeout: float = 60
) -> VectorStoreFile:
    """The store's file once its ingestion has ended, however it ended."""
    deadline = time.monotonic() + timeout
    while True:
        found = await sdk.vector_stores.files.retrieve(file_id, vector_store_id=store_id)
        if found.status != "in_progress":
            return found
        assert time.monotonic() < deadline, f"{file_id} still in_progress"
        await asyncio.sleep(0.1)
