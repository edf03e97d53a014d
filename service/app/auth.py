"""API keys: issuing them, and resolving a bearer token to its project."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from service.app._context import Principal
from service.domain import ids
from service.domain.ids import ALPHABET
from service.errors import UnauthenticatedError
from storage import KeyStore

_SECRET_PREFIX = "sk-asst-"
_SECRET_CHARS = 48
# Resolved keys are cached this long, so an authenticated call costs no database round trip.
# It is also how long a revoked key may still work on a server that used it just before.
CACHE_SECONDS = 30.0
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    project_id: str
    # Shown once; only its hash is stored.
    secret: str


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


class Authenticator:
    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys
        self._cache: dict[bytes, tuple[float, Principal]] = {}

    async def issue_key(self, project_name: str) -> IssuedKey:
        """Creates a key for the named project, creating the project if it is new."""
        project_id = await self._keys.ensure_project(ids.new_id(ids.PROJECT), project_name)
        secret = _SECRET_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(_SECRET_CHARS))
        key_id = ids.new_id(ids.KEY)
        await self._keys.add_key(key_id, project_id, hash_secret(secret))
        return IssuedKey(key_id, project_id, secret)

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an `authorization: Bearer <key>` value.

        Raises UnauthenticatedError when it is missing, malformed or unknown.
        """
        if not authorization:
            raise UnauthenticatedError(
                "You didn't provide an API key. Provide it in the authorization header "
                "as 'Bearer <key>'."
            )
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthenticatedError("The authorization header must be 'Bearer <key>'.")
        key_hash = hash_secret(token)
        cached = self._cache.get(key_hash)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        record = await self._keys.find_key(key_hash)
        if record is None:
            raise UnauthenticatedError("Incorrect API key provided.")
        principal = Principal(project_id=record.project_id, key_id=record.key_id)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[key_hash] = (now + CACHE_SECONDS, principal)
        return principal
