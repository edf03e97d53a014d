"""Object ids: the OpenAI prefix and 24 base62 characters.

The first 8 characters are the creation time in milliseconds and the last 16 are random,
incremented within one millisecond, so ids sort in creation order (byte order; the storage
uses the "C" collation). Clients must still treat them as opaque.
"""

from __future__ import annotations

import secrets
import threading
import time

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TIME_CHARS = 8
_RANDOM_CHARS = 16
_RANDOM_SPACE = 62**_RANDOM_CHARS

ASSISTANT = "asst_"
THREAD = "thread_"
MESSAGE = "msg_"
RUN = "run_"
STEP = "step_"
CALL = "call_"
FILE = "file-"
VECTOR_STORE = "vs_"
FILE_BATCH = "vsfb_"
PROJECT = "proj_"
KEY = "key_"


def _base62(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


class _Monotonic:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._last_random = 0

    def next(self) -> str:
        with self._lock:
            now_ms = max(time.time_ns() // 1_000_000, self._last_ms)
            if now_ms == self._last_ms:
                self._last_random = (self._last_random + 1) % _RANDOM_SPACE
            else:
                self._last_ms = now_ms
                self._last_random = secrets.randbelow(_RANDOM_SPACE // 2)
            return _base62(now_ms, _TIME_CHARS) + _base62(self._last_random, _RANDOM_CHARS)


_generator = _Monotonic()


def new_id(prefix: str) -> str:
    """A new time-ordered id with the given prefix, such as "asst_"."""
    return prefix + _generator.next()
