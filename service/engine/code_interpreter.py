"""The code_interpreter tool in runs: what the model is offered, how a call runs in the
thread's sandbox, and what the model and the client are told back.

The model sees a function `code_interpreter({"code": "..."})`. The server runs it itself (no
requires_action) in the thread's persistent interpreter (service.sandbox), with the
assistant's and the thread's code_interpreter files under /mnt/data. The step records the code,
its outputs (`logs`, and an `image` per figure) and the files the code wrote, each saved as a
File of purpose assistants_output. What the model reads back is worked out from the step alone,
so a run taken over by another worker builds the same prompt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from assistants.v1 import message_pb2, run_pb2, run_step_pb2, tools_pb2
from service.domain import files as files_rules
from service.sandbox import Execution, InputFile, SandboxFull, SandboxUnavailable
from storage import Storage

if TYPE_CHECKING:
    from service.sandbox.pool import Sandboxes

log = logging.getLogger(__name__)

S = run_step_pb2
T = tools_pb2
TOOL_NAME = "code_interpreter"
MOUNT = "/mnt/data/"
Turns = Sequence[tuple[run_step_pb2.RunStep, message_pb2.Message | None]]
IMAGE_NAME = "image.png"
NO_CODE = (
    'Error: the call had no code to run. Call code_interpreter with {"code": "<Python source>"}.\n'
)

DESCRIPTION = (
    "Runs Python 3 code in a stateful sandbox, like a Jupyter notebook: variables, imports and "
    "files persist between calls in this conversation, and the value of a last expression is "
    "shown. numpy, pandas (with openpyxl for Excel files) and matplotlib are installed; there "
    "is no internet access. Files live in /mnt/data. Figures left open with matplotlib are "
    "shown to the user as images. To give the user a file, save it under /mnt/data and link "
    "it in your answer as "
    "sandbox:/mnt/data/<name>, for example [Download the table](sandbox:/mnt/data/out.csv)."
)


class OutputFiles(Protocol):
    """Saves what the code wrote as Files of purpose assistants_output
    (service.app.files.Files)."""

    async def save_output(self, project_id: str, run_id: str, filename: str, data: bytes) -> str:
        """Returns the new file's id."""
        ...


def offered(run: run_pb2.Run) -> bool:
    """Whether the run gives the model the built-in code_interpreter: it has the tool and no
    function of the same name shadows it."""
    functions = {t.function.name for t in run.tools if t.type == T.TOOL_TYPE_FUNCTION}
    return TOOL_NAME not in functions and any(
        t.type == T.TOOL_TYPE_CODE_INTERPRETER for t in run.tools
    )


def chat_tool(names: Sequence[str]) -> dict[str, Any]:
    """The function the model is offered; names: the user's files under /mnt/data."""
    description = DESCRIPTION
    if names:
        listed = ", ".join(MOUNT + name for name in names)
        description += f" The user's files: {listed}."
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "description": "The Python code to run."}
                },
                "required": ["code"],
            },
        },
    }


def new_call(call_id: str) -> S.ToolCall:
    return S.ToolCall(
        id=call_id,
        type=T.TOOL_TYPE_CODE_INTERPRETER,
        code_interpreter=S.CodeInterpreterToolCall(input=""),
    )


def parse_code(arguments: str) -> str | None:
    """The code of a call: `{"code": "..."}`. A model that sends bare code gets it run as is;
    arguments that open as `{"code": "...` but are cut short run what they hold. None when
    the arguments hold no code to run."""
    try:
        parsed = json.loads(arguments) if arguments.strip() else None
    except (ValueError, RecursionError):
        opened = _OPENING.match(arguments)
        if opened is None:
            return arguments
        held, _ = _decode(arguments, opened.end())
        return held
    if isinstance(parsed, dict):
        code = parsed.get("code", parsed.get("input"))
        return code if isinstance(code, str) else None
    return parsed if isinstance(parsed, str) else None


# The arguments' opening up to the code string's first character: `{"code": "`.
_OPENING = re.compile(r'\s*\{\s*"code"\s*:\s*"')
_HEX = set("0123456789abcdefABCDEF")


def _escape_end(text: str, i: int) -> int | None:
    """Where the escape at text[i] (a backslash) ends, or None while it is incomplete. A
    high surrogate's escape ends after the low one that must follow it."""
    if i + 1 >= len(text):
        return None
    if text[i + 1] != "u":
        return i + 2
    digits = text[i + 2 : i + 6]
    if len(digits) < 4 or not set(digits) <= _HEX:
        return None if len(digits) < 4 and set(digits) <= _HEX else i + 6
    if 0xD800 <= int(digits, 16) <= 0xDBFF and text[i + 6 : i + 8] in ("\\u", "\\", ""):
        return None if len(text) < i + 12 else i + 12
    return i + 6


def _decode(text: str, start: int) -> tuple[str, int]:
    """Decodes the JSON string content of text from start: up to its closing quote, or (while
    more may come) up to the last complete character. Returns the text and where it stopped
    (at the closing quote, if it came). Content that is not valid JSON decodes to nothing."""
    i = start
    while i < len(text) and text[i] != '"':
        if text[i] != "\\":
            i += 1
            continue
        end = _escape_end(text, i)
        if end is None:
            break
        i = end
    try:
        decoded: str = json.loads('"' + text[start:i] + '"')
    except ValueError:
        return "", start
    return decoded, i


class CodeStream:
    """Decodes the code out of arguments still streaming in, so that it streams as
    `code_interpreter.input` deltas; each character is read once. Arguments of another shape
    stream nothing; the whole code is sent once the call is complete (finish)."""

    def __init__(self) -> None:
        self.arguments = ""
        self.sent = ""
        self._at: int | None = None  # where decoding goes on in arguments
        self._closed = False

    def feed(self, fragment: str) -> str:
        """Adds a fragment of the arguments; returns the code that is new and certain."""
        self.arguments += fragment
        if self._closed:
            return ""
        if self._at is None:
            opening = _OPENING.match(self.arguments)
            if opening is None:
                return ""
            self._at = opening.end()
        new, stop = _decode(self.arguments, self._at)
        self._closed = stop < len(self.arguments) and self.arguments[stop] == '"'
        self._at = stop
        self.sent += new
        return new

    def finish(self) -> tuple[str | None, str]:
        """The whole code (None when the call holds none), and the part of it not streamed
        yet ("" when what was streamed turned out not to be its start)."""
        code = parse_code(self.arguments)
        if code is None or not code.startswith(self.sent):
            return code, ""
        return code, code[len(self.sent) :]


def storable(text: str) -> str:
    """Text the log can hold: PostgreSQL's JSON takes no NUL and no lone surrogate (a file name
    that is not UTF-8 arrives with some)."""
    return text.replace("\0", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def set_input(call: S.ToolCall, code: str) -> None:
    call.code_interpreter.input = storable(code)


def tool_output(call: S.ToolCall) -> str:
    """What the model is told a call produced."""
    code = call.code_interpreter
    parts: list[str] = []
    for output in code.outputs:
        if output.type == S.CODE_INTERPRETER_OUTPUT_TYPE_LOGS and output.logs:
            parts.append(output.logs)
        elif output.type == S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE:
            parts.append("[A figure was shown to the user as an image.]")
    if code.files:
        listed = ", ".join(f"sandbox:{MOUNT}{f.path}" for f in code.files)
        parts.append(f"[Files saved for the user: {listed}]")
    return "\n".join(parts) if parts else "[The code ran and printed nothing.]"


def chat_outputs(turns: Turns) -> dict[str, tuple[str, str]]:
    """For each finished code_interpreter call: its arguments and what the model was told."""
    outputs: dict[str, tuple[str, str]] = {}
    for step, _ in turns:
        for call in step.step_details.tool_calls:
            if call.type == T.TOOL_TYPE_CODE_INTERPRETER:
                arguments = json.dumps({"code": call.code_interpreter.input})
                outputs[call.id] = (arguments, tool_output(call))
    return outputs


def saved_files(turns: Turns) -> dict[str, str]:
    """Every path the run's code saved, with the file it was saved as (the latest)."""
    found: dict[str, str] = {}
    for step, _ in turns:
        for call in step.step_details.tool_calls:
            for saved in call.code_interpreter.files:
                found[saved.path] = saved.file_id
    return found


def pending_images(turns: Turns) -> list[str]:
    """The image files of the code_interpreter calls since the run's last message: the next
    message shows them, before its text."""
    images: list[str] = []
    for step, _ in turns:
        if step.type == S.RUN_STEP_TYPE_MESSAGE_CREATION:
            images = []
            continue
        for call in step.step_details.tool_calls:
            images.extend(
                o.image.file_id
                for o in call.code_interpreter.outputs
                if o.type == S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE
            )
    return images


def file_names(files: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(file id, name under /mnt/data) for (file id, filename): the file's own name, made
    safe, and unique by adding the file id where two collide."""
    taken: set[str] = set()
    named: list[tuple[str, str]] = []
    for file_id, filename in files:
        name = PurePosixPath(filename.replace("\\", "/").replace("\0", "")).name
        if name in ("", ".", "..") or name.startswith("."):
            name = file_id + (PurePosixPath(name).suffix if name else "")
        if name in taken:
            path = PurePosixPath(name)
            name = f"{path.stem}-{file_id}{path.suffix}"
        taken.add(name)
        named.append((file_id, name))
    return named


class CodeInterpreter:
    """Runs code_interpreter calls for the workers of one process."""

    def __init__(self, storage: Storage, sandboxes: Sandboxes | None, outputs: OutputFiles) -> None:
        self._storage = storage
        self._sandboxes = sandboxes
        self._outputs = outputs
        self._started: asyncio.Task[None] | None = None

    def begin(self) -> None:
        """Starts the sandboxes in the background, once: start-up does not wait for the check
        and the warm interpreters, and logs whether code can run when it knows."""
        if self._sandboxes is not None and self._started is None:
            self._started = asyncio.get_running_loop().create_task(self._sandboxes.start())

    async def start(self) -> None:
        """Starts the sandboxes once; the first run that may call the tool waits for it."""
        self.begin()
        if self._started is not None:
            await asyncio.shield(self._started)

    async def stop(self) -> None:
        if self._sandboxes is not None and self._started is not None:
            await self._sandboxes.stop()

    async def sweep(self) -> None:
        """Deletes the sandbox files kept for threads that were deleted since."""
        if self._sandboxes is None or self._sandboxes.unavailable is not None:
            return
        kept = self._sandboxes.kept_keys()
        if not kept:
            return
        existing = await self._storage.reads.existing_threads(kept)
        for thread_id in sorted(set(kept) - existing):
            await self._sandboxes.forget(thread_id)
            log.info("sandbox files of a deleted thread removed", extra={"thread_id": thread_id})

    @property
    def unavailable(self) -> str | None:
        """Why code cannot run on this server, or None."""
        if self._sandboxes is None:
            return "code_interpreter is turned off on this server (ASSISTANTS_CODE_INTERPRETER)."
        reason = self._sandboxes.unavailable
        return f"code_interpreter is disabled on this server: {reason}" if reason else None

    async def input_files(self, project_id: str, run: run_pb2.Run) -> list[tuple[str, str]]:
        """(file id, name) of the assistant's and the thread's files, as the code sees them.
        Deleted and expired files are left out."""
        reads = self._storage.reads
        assistant = await reads.get_assistant(project_id, run.assistant_id)
        thread = await reads.get_thread(project_id, run.thread_id)
        file_ids: list[str] = []
        for holder in (
            assistant.assistant if assistant else None,
            thread.thread if thread else None,
        ):
            if holder is not None:
                file_ids.extend(holder.tool_resources.code_interpreter.file_ids)
        found: list[tuple[str, str]] = []
        now = int(time.time())
        for file_id in dict.fromkeys(file_ids):
            stored = await self._storage.files.get_file(project_id, file_id)
            if stored is None or files_rules.is_expired(stored.file, now):
                continue
            found.append((file_id, stored.file.filename))
        return file_names(found)

    async def run(
        self,
        project_id: str,
        run: run_pb2.Run,
        call: S.ToolCall,
        code: str | None,
        files: Sequence[tuple[str, str]],
    ) -> S.ToolCall:
        """The call with its input, outputs and saved files; files: (file id, name) of the
        inputs, as input_files gave them for the turn. Problems of the code (an exception, a
        timeout, a dead interpreter, a busy sandbox) become its logs; a call with no code
        (code None) is told so, and nothing runs."""
        result = S.ToolCall()
        result.CopyFrom(call)
        set_input(result, code or "")
        if code is None:
            result.code_interpreter.outputs.add(
                type=S.CODE_INTERPRETER_OUTPUT_TYPE_LOGS, logs=NO_CODE
            )
            return result
        if self._sandboxes is None:
            raise SandboxUnavailable(self.unavailable or "")
        started = time.monotonic()
        problems: Sequence[str] = []
        try:
            async with self._sandboxes.session(run.thread_id) as session:
                # Keyed by name too: a name that now means another file (after a delete)
                # gets that file's bytes.
                problems = await session.provide(
                    [
                        InputFile(f"{fid}/{name}", name, self._reader(project_id, fid))
                        for fid, name in files
                    ]
                )
                execution = await session.run(code)
        except SandboxFull as full:
            execution = Execution(logs="", error=f"The sandbox is busy: {full}. Try again.")
        log.info(
            "code_interpreter ran",
            extra={
                "run_id": run.id,
                "call_id": call.id,
                "seconds": round(time.monotonic() - started, 3),
                "error": execution.error,
                "restarted": execution.restarted,
            },
        )
        await self._record(project_id, run, result, execution, problems)
        return result

    def _reader(self, project_id: str, file_id: str) -> Callable[[], Awaitable[bytes]]:
        async def read() -> bytes:
            stored = await self._storage.files.get_file(project_id, file_id)
            if stored is None:
                raise FileNotFoundError(file_id)
            return b"".join([part async for part in self._storage.blobs.read(stored.sha256)])

        return read

    async def _record(
        self,
        project_id: str,
        run: run_pb2.Run,
        call: S.ToolCall,
        execution: Execution,
        problems: Sequence[str],
    ) -> None:
        """Fills in the call's outputs: logs first, then an image per figure; and the files
        the code wrote, each saved as a File."""
        code = call.code_interpreter
        logs = _logs(execution, problems)
        if logs:
            code.outputs.add(type=S.CODE_INTERPRETER_OUTPUT_TYPE_LOGS, logs=logs)
        for image in execution.images:
            file_id = await self._outputs.save_output(project_id, run.id, IMAGE_NAME, image)
            code.outputs.add(
                type=S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE,
                image=S.CodeInterpreterImage(file_id=file_id),
            )
        for written in execution.files:
            path = storable(written.path)
            name = PurePosixPath(path).name
            file_id = await self._outputs.save_output(project_id, run.id, name, written.data)
            code.files.add(path=path, file_id=file_id)


def _logs(execution: Execution, problems: Sequence[str]) -> str:
    """The logs output: what the code printed and its error (which says whether the call was
    interrupted, or the interpreter restarted), then what the sandbox has to say."""
    lines = [execution.logs.removesuffix("\n")] if execution.logs.strip() else []
    if execution.error and execution.error not in execution.logs:
        lines.append(execution.error)
    lines.extend(f"[{problem}]" for problem in problems)
    lines.extend(f"[Not saved for the user: {skipped}]" for skipped in execution.skipped)
    return storable("\n".join(lines) + "\n") if lines else ""
