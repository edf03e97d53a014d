"""The host's side of the framed messages with the interpreter.

A frame is a 4-byte big-endian length and a UTF-8 JSON object; when the object has "size", that
many raw bytes follow (file and image data, never base64). Every read has a deadline: a
daemonised grandchild can hold the pipe open, so EOF is never something to wait for.
"""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

HEADER_LIMIT = 1 << 20
_LENGTH = struct.Struct(">I")


class ProtocolError(Exception):
    """The interpreter sent something that is not a frame within the limits, or went away."""


def encode(message: dict[str, Any], data: bytes = b"") -> bytes:
    if data:
        message = {**message, "size": len(data)}
    body = json.dumps(message).encode()
    return _LENGTH.pack(len(body)) + body + data


async def _read(reader: asyncio.StreamReader, size: int) -> bytes:
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError as error:
        raise ProtocolError("the interpreter closed its pipe") from error


async def read_frame(
    reader: asyncio.StreamReader, *, max_data: int, timeout: float
) -> tuple[dict[str, Any], bytes]:
    """One frame and its raw data, within `timeout` seconds (TimeoutError otherwise)."""
    async with asyncio.timeout(timeout):
        (length,) = _LENGTH.unpack(await _read(reader, _LENGTH.size))
        if length > HEADER_LIMIT:
            raise ProtocolError(f"a frame header of {length} bytes is over the limit")
        try:
            message = json.loads(await _read(reader, length))
        except (ValueError, RecursionError) as error:
            raise ProtocolError("a frame header is not JSON") from error
        if not isinstance(message, dict):
            raise ProtocolError("a frame header is not an object")
        size = message.get("size", 0)
        if not isinstance(size, int) or not 0 <= size <= max_data:
            raise ProtocolError(f"a frame's data size {size!r} is over the limit")
        data = await _read(reader, size) if size else b""
        return message, data
