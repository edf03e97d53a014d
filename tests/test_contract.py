"""The committed stubs match protos/, and the protos pass buf lint."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
PACKAGE = PROTOS / "assistants" / "v1"
GENERATED = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def test_generated_code_matches_the_protos(tmp_path: Path) -> None:
    shutil.copytree(
        PROTOS, tmp_path / "protos", ignore=shutil.ignore_patterns("*_pb2*", "__pycache__")
    )
    out = tmp_path / "protos"
    sources = sorted(str(p.relative_to(out)) for p in (out / "assistants" / "v1").glob("*.proto"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            ".",
            "--python_out=.",
            "--pyi_out=.",
            "--grpc_python_out=.",
            *sources,
        ],
        cwd=out,
        check=True,
    )
    fresh = sorted(
        p.name for p in (out / "assistants" / "v1").iterdir() if p.name.endswith(GENERATED)
    )
    committed = sorted(p.name for p in PACKAGE.iterdir() if p.name.endswith(GENERATED))
    assert fresh == committed, "run `make protos`: the set of generated files differs"
    _, mismatch, errors = filecmp.cmpfiles(out / "assistants" / "v1", PACKAGE, fresh, shallow=False)
    assert not mismatch and not errors, f"run `make protos`: stale stubs {mismatch + errors}"


def test_buf_lint_is_clean() -> None:
    buf = shutil.which("buf", path=str(Path(sys.executable).parent))
    if buf is None:
        pytest.fail("buf is not installed; `pip install -e '.[dev]'` installs buf-bin")
    result = subprocess.run([buf, "lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubs_import_as_a_package() -> None:
    from assistants.v1 import assistant_pb2, events_pb2

    assert assistant_pb2.Assistant.DESCRIPTOR.full_name == "assistants.v1.Assistant"
    assert "assistant_created" in events_pb2.Event.DESCRIPTOR.fields_by_name
