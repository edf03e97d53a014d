"""Layers point one way (DESIGN §2): a test, so that a wrong import fails CI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> top-level modules it must never import
FORBIDDEN = {
    "storage": {"service", "grpc", "grpc_health", "grpc_reflection", "grpc_status", "openai"},
    "service/domain": {"storage", "asyncpg", "grpc", "openai", "service.app", "service.api"},
    "service/app": {"grpc", "service.api", "service.http", "aiohttp"},
    "service/http": {"grpc", "service.api", "storage", "asyncpg"},
    "service/api": {"service.http", "aiohttp"},
    "service/retrieval": {"grpc", "service.api", "service.http", "service.app", "aiohttp"},
    # The sandbox knows code, files and keys; nothing of runs, storage or the API.
    "service/sandbox": {
        "storage",
        "asyncpg",
        "grpc",
        "openai",
        "aiohttp",
        "assistants",
        "service.app",
        "service.api",
        "service.http",
        "service.engine",
        "service.domain",
        "service.retrieval",
    },
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules under {package}"
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in sorted(_imports(path))
        for banned in FORBIDDEN[package]
        if name == banned or name.startswith(banned + ".")
    ]
    assert not offences, "\n".join(offences)


def test_every_package_is_installed() -> None:
    """A package missing from pyproject's list works in the editable install and is absent
    from a wheel."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("service", "storage")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"not in pyproject.toml packages: {sorted(found - listed)}"
