"""A session keeps its variables and files between calls; keys never share either."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from service.sandbox import InputFile, SandboxUnavailable
from service.sandbox.pool import Sandboxes
from tests.sandbox.conftest import sandbox_settings


async def test_variables_persist_and_the_last_expression_is_shown(
    sandboxes: Sandboxes, key: str
) -> None:
    async with sandboxes.session(key) as session:
        first = await session.run("x = 41")
        second = await session.run("x + 1")
    assert first.error is None and first.logs == ""
    assert second.logs == "42\n"


async def test_an_exception_is_reported_and_state_survives(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key) as session:
        await session.run("y = 'kept'")
        failed = await session.run("print('before')\n1 / 0")
        after = await session.run("y")
    assert failed.error == "ZeroDivisionError: division by zero"
    assert failed.logs.startswith("before\n")
    assert "Traceback" in failed.logs and "1 / 0" in failed.logs
    assert "_repl" not in failed.logs
    assert after.logs == "'kept'\n"


async def test_system_exit_does_not_end_the_interpreter(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key) as session:
        await session.run("z = 1")
        exited = await session.run("import sys; sys.exit(3)")
        after = await session.run("z")
    assert exited.error == "SystemExit: 3" and not exited.restarted
    assert after.logs == "1\n"


async def test_the_soft_timeout_keeps_state(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key) as session:
        await session.run("x = 5")
        spun = await session.run("while True: pass", timeout=1)
        caught = await session.run(
            "try:\n    while True: pass\nexcept Exception:\n    print('eaten')", timeout=1
        )
        after = await session.run("x")
    assert spun.timed_out and not spun.restarted and spun.error is not None
    assert caught.timed_out and "eaten" not in caught.logs
    assert after.logs == "5\n"


async def test_a_csv_in_and_out(sandboxes: Sandboxes, key: str) -> None:
    async def read() -> bytes:
        return b"a,b\n1,2\n3,4\n"

    async with sandboxes.session(key) as session:
        problems = await session.provide([InputFile(key="file-1", name="data.csv", read=read)])
        result = await session.run(
            "import pandas as pd\n"
            "frame = pd.read_csv('/mnt/data/data.csv')\n"
            "frame['c'] = frame.a + frame.b\n"
            "frame.to_csv('out.csv', index=False)\n"
            "int(frame.c.sum())"
        )
    assert problems == []
    assert result.error is None, result.logs
    assert result.logs == "10\n"
    assert [f.path for f in result.files] == ["out.csv"]
    assert result.files[0].data == b"a,b,c\n1,2,3\n3,4,7\n"


async def test_a_spreadsheet_in_and_out(sandboxes: Sandboxes, key: str) -> None:
    """pandas reads and writes .xlsx (openpyxl is in the environment): the workbook a call
    writes comes back as a file and reads back in the next call."""
    async with sandboxes.session(key) as session:
        written = await session.run(
            "import pandas as pd\n"
            "pd.DataFrame({'month': [1, 2], 'sales': [10, 14]}).to_excel('sales.xlsx', index=False)"
        )
        read = await session.run("int(pd.read_excel('/mnt/data/sales.xlsx').sales.sum())")
    assert written.error is None, written.logs
    (workbook,) = written.files
    assert workbook.path == "sales.xlsx" and workbook.data.startswith(b"PK")
    assert read.logs == "24\n"


async def test_a_file_that_does_not_fit_is_a_problem_not_an_error(
    sandboxes: Sandboxes, key: str
) -> None:
    async def read() -> bytes:
        return b"x" * (129 << 20)

    async with sandboxes.session(key) as session:
        problems = await session.provide([InputFile(key="file-big", name="big.bin", read=read)])
        after = await session.run("1 + 1")
    assert len(problems) == 1 and problems[0].startswith("big.bin could not be copied")
    assert after.logs == "2\n"


async def test_a_plot_is_a_png(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key) as session:
        result = await session.run(
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.title('t')"
        )
        again = await session.run("import matplotlib.pyplot as plt\nlen(plt.get_fignums())")
    assert result.error is None, result.logs
    assert len(result.images) == 1 and result.images[0].startswith(b"\x89PNG")
    assert again.logs == "0\n"


async def test_kept_files_come_back_in_a_new_session(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key) as session:
        await session.run(
            "import os\nos.makedirs('notes', exist_ok=True)\n"
            "open('notes/a.txt', 'w').write('kept')\nopen('gone.txt', 'w').write('x')"
        )
        await session.run("import os; os.remove('gone.txt'); secret = 1")
        first_pid = session.pid
    await sandboxes.end(key)
    async with sandboxes.session(key) as session:
        result = await session.run(
            "import os\nprint(sorted(os.listdir('.')), open('notes/a.txt').read())\n"
            "'secret' in globals()"
        )
        assert session.pid != first_pid
    assert result.logs == "['notes'] kept\nFalse\n"


async def test_keys_never_share_variables_or_files(sandboxes: Sandboxes, key: str) -> None:
    other = key + "_other"
    async with sandboxes.session(key) as session:
        await session.run("mine = 1\nopen('mine.txt', 'w').write('1')")
    async with sandboxes.session(other) as session:
        result = await session.run("import os\n('mine' in globals(), os.listdir('/mnt/data'))")
    assert result.logs == "(False, [])\n"


async def test_without_bwrap_the_sandbox_is_unavailable(sandbox_root: Path) -> None:
    pool = Sandboxes(sandbox_settings(sandbox_root / "nobwrap", bwrap="/nonexistent/bwrap"))
    await pool.start()
    assert pool.unavailable is not None and "bubblewrap" in pool.unavailable
    try:
        async with pool.session("thread_x"):
            raise AssertionError("a session without a sandbox")
    except SandboxUnavailable as error:
        assert "apt-get install bubblewrap" in str(error)
    finally:
        await pool.stop()


async def test_an_environment_under_tmp_is_not_hidden_by_the_sandboxs_tmp(
    sandbox_root: Path,
) -> None:
    """A checkout in /tmp has its environment under /tmp; the sandbox's own /tmp must not
    cover it (CI clones there). A bare venv will do: the REPL needs only the stdlib."""
    venv = Path(tempfile.mkdtemp(prefix="sandbox-venv-", dir="/tmp"))
    venv.chmod(0o755)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        pool = Sandboxes(
            sandbox_settings(sandbox_root / "tmpvenv", python=venv / "bin" / "python", pool_size=0)
        )
        await pool.start()
        try:
            assert pool.unavailable is None, pool.unavailable
            async with pool.session("k") as session:
                result = await session.run("import sys\nsys.prefix")
            assert result.logs == f"{str(venv)!r}\n"
        finally:
            await pool.stop()
    finally:
        shutil.rmtree(venv, ignore_errors=True)
