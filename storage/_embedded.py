"""The embedded PostgreSQL (pgserver) used when no database URL is configured."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path) -> tuple[str, Any]:
    """Starts, or attaches to, a PostgreSQL server whose files live in data_dir/postgres.

    Returns its connection URL and the server handle. The server keeps its data across
    restarts and is stopped when the last process that started it exits.
    """
    with warnings.catch_warnings():
        # pgserver asks platformdirs for XDG_RUNTIME_DIR, unset on servers; /tmp is used.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver  # imported here: it touches the filesystem at import time

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    get_server = pgserver.get_server  # type: ignore[attr-defined]
    server = get_server(data_dir / "postgres", cleanup_mode="stop")
    url: str = server.get_uri()
    log.info("embedded postgresql ready", extra={"data_dir": str(data_dir)})
    return url, server
