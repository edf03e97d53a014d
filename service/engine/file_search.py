"""The file_search tool in runs: what the model is offered, how a call is executed, and what it
is told back.

The model sees a function `file_search({"queries": [...]})`. The server runs it itself (no
requires_action): it searches the assistant's and the thread's vector stores together, records
the ranked results on the step (with their text, which reads strip unless include[] asks), and
gives the model the results as numbered sources, each headed by its marker `【m:i†name】`
(service.retrieval.citations). m numbers the run's file_search calls in step order, so the
markers can be worked out again from the steps alone, by any worker, after a takeover.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from assistants.v1 import message_pb2, run_pb2, run_step_pb2, tools_pb2, vector_store_pb2
from service.retrieval.citations import Source, marker
from service.retrieval.search import Searcher, SearchHit
from storage import Storage

log = logging.getLogger(__name__)

S = run_step_pb2
T = tools_pb2
TOOL_NAME = "file_search"
DEFAULT_MAX_RESULTS = 20
TOKEN_BUDGET = 16_000
THREAD_STORE_WAIT_SECONDS = 60.0
# A call's queries beyond these are dropped, and each is cut to this length.
MAX_QUERIES = 5
MAX_QUERY_CHARS = 2_000
_POLL_SECONDS = 0.5
_EXPIRED = vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED
Turns = Sequence[tuple[run_step_pb2.RunStep, message_pb2.Message | None]]

DESCRIPTION = (
    "Searches the files the user uploaded for this conversation and returns the most relevant "
    "passages. Use it whenever the answer may be in the user's files. Each result is headed by "
    "a marker such as 【0:1†report.pdf】; when you use a result, cite it by writing its marker, "
    "exactly as given, right after the statement it supports."
)


class StoreActivity(Protocol):
    """Records that runs used vector stores (their last_active_at, which their expiry counts
    from): service.app.vector_stores.VectorStores."""

    async def touch(self, project_id: str, vector_store_ids: Sequence[str]) -> None: ...


class FileSearchFailed(Exception):
    """The run cannot search: it fails with this message (server_error)."""


def chat_tool() -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": DESCRIPTION,
            "parameters": {
                "type": "object",
                "properties": {
                    "queries": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "One or more search queries, each a full question or "
                        "phrase; several when the question has several parts.",
                    }
                },
                "required": ["queries"],
            },
        },
    }


def offered(run: run_pb2.Run) -> bool:
    """Whether the run gives the model the built-in file_search: it has the tool and no
    function of the same name shadows it."""
    functions = {t.function.name for t in run.tools if t.type == T.TOOL_TYPE_FUNCTION}
    return TOOL_NAME not in functions and any(t.type == T.TOOL_TYPE_FILE_SEARCH for t in run.tools)


def options(run: run_pb2.Run) -> tools_pb2.FileSearchOptions:
    for tool in run.tools:
        if tool.type == T.TOOL_TYPE_FILE_SEARCH:
            return tool.file_search
    return T.FileSearchOptions()


def ranking_options(opts: tools_pb2.FileSearchOptions) -> tools_pb2.RankingOptions:
    """The ranking a call reports: ranker auto is the one ranker there is, by its name."""
    ranker = opts.ranking_options.ranker
    if ranker in (T.RANKER_UNSPECIFIED, T.RANKER_AUTO):
        ranker = T.RANKER_DEFAULT_2024_08_21
    return T.RankingOptions(ranker=ranker, score_threshold=opts.ranking_options.score_threshold)


def new_call(call_id: str, opts: tools_pb2.FileSearchOptions) -> S.ToolCall:
    return S.ToolCall(
        id=call_id,
        type=T.TOOL_TYPE_FILE_SEARCH,
        file_search=S.FileSearchToolCall(ranking_options=ranking_options(opts)),
    )


def parse_queries(arguments: str) -> list[str]:
    """The queries of a call: `{"queries": [...]}` or `{"query": "..."}`; anything else is no
    query (a model that sends a bare string gets it searched as is). At most MAX_QUERIES
    distinct ones: each is embedded and searched."""
    try:
        parsed = json.loads(arguments) if arguments.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return [arguments.strip()[:MAX_QUERY_CHARS]] if arguments.strip() else []
    found: list[str] = []
    if isinstance(parsed, str):
        found.append(parsed)
    elif isinstance(parsed, dict):
        many = parsed.get("queries")
        if isinstance(many, list):
            found.extend(q for q in many if isinstance(q, str))
        elif isinstance(many, str):
            found.append(many)
        one = parsed.get("query")
        if isinstance(one, str):
            found.append(one)
    queries = dict.fromkeys(q.strip()[:MAX_QUERY_CHARS] for q in found if q.strip())
    return list(queries)[:MAX_QUERIES]


def with_results(call: S.ToolCall, hits: Sequence[SearchHit]) -> S.ToolCall:
    """The call with its ranked results, their text included (reads strip it)."""
    result = S.ToolCall()
    result.CopyFrom(call)
    for hit in hits:
        result.file_search.results.add(
            file_id=hit.file_id,
            file_name=hit.filename,
            score=hit.score,
            content=[
                S.FileSearchResultContent(
                    type=S.FILE_SEARCH_RESULT_CONTENT_TYPE_TEXT, text=hit.text
                )
            ],
        )
    return result


def tool_output(ordinal: int, call: S.ToolCall, keyword_only: bool) -> str:
    """What the model is told: the results as numbered sources under their markers."""
    lines: list[str] = []
    if keyword_only:
        lines.append(
            "Note: semantic search is unavailable on this server; these results come from "
            "keyword search only, so rephrasing with other words from the files may find more."
        )
    results = call.file_search.results
    if not results:
        lines.append("No results found in the files.")
        return "\n".join(lines)
    lines.append(
        f"Found {len(results)} results. Cite a result by writing its marker, exactly as shown."
    )
    for i, result in enumerate(results):
        text = "\n".join(c.text for c in result.content)
        lines.append(f"\n{marker(ordinal, i, result.file_name)}\n{text}")
    return "\n".join(lines)


def ordinals(turns: Turns) -> dict[str, int]:
    """The number m of every file_search call in the run's finished steps, by call id."""
    numbers: dict[str, int] = {}
    for step, _ in turns:
        for call in step.step_details.tool_calls:
            if call.type == T.TOOL_TYPE_FILE_SEARCH:
                numbers[call.id] = len(numbers)
    return numbers


def sources(turns: Turns) -> dict[tuple[int, int], Source]:
    """What each marker of the run's finished file_search calls cites."""
    numbers = ordinals(turns)
    found: dict[tuple[int, int], Source] = {}
    for step, _ in turns:
        for call in step.step_details.tool_calls:
            if call.id in numbers:
                for i, result in enumerate(call.file_search.results):
                    found[(numbers[call.id], i)] = Source(result.file_id, result.file_name)
    return found


def chat_outputs(turns: Turns, keyword_only: bool) -> dict[str, tuple[str, str]]:
    """For each finished file_search call: its arguments (the recorded queries) and the output
    the model was given, for the next prompts."""
    numbers = ordinals(turns)
    outputs: dict[str, tuple[str, str]] = {}
    for step, _ in turns:
        for call in step.step_details.tool_calls:
            if call.id in numbers:
                output = tool_output(numbers[call.id], call, keyword_only)
                arguments = json.dumps({"queries": list(call.file_search.queries)})
                outputs[call.id] = (arguments, output)
    return outputs


class FileSearch:
    """Runs file_search calls for the workers of one process."""

    def __init__(
        self,
        storage: Storage,
        searcher: Searcher,
        stores: StoreActivity | None = None,
        *,
        wait_seconds: float = THREAD_STORE_WAIT_SECONDS,
    ) -> None:
        self._storage = storage
        self._searcher = searcher
        self._stores = stores
        self._wait_seconds = wait_seconds
        self._started: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Starts the searcher once (it learns whether vector search is possible)."""
        if self._started is None:
            self._started = asyncio.get_running_loop().create_task(self._searcher.start())
        await asyncio.shield(self._started)

    @property
    def keyword_only(self) -> bool:
        return bool(self._searcher.keyword_only)

    async def stores_of(self, project_id: str, run: run_pb2.Run) -> tuple[list[str], list[str]]:
        """The assistant's and the thread's vector stores: a run cannot override them."""
        reads = self._storage.reads
        assistant = await reads.get_assistant(project_id, run.assistant_id)
        thread = await reads.get_thread(project_id, run.thread_id)
        own = (
            list(assistant.assistant.tool_resources.file_search.vector_store_ids)
            if assistant
            else []
        )
        threads = list(thread.thread.tool_resources.file_search.vector_store_ids) if thread else []
        return own, threads

    async def ready_stores(self, project_id: str, run: run_pb2.Run) -> list[str]:
        """The stores to search, once the thread's have no file in progress (up to 60 s; the
        assistant's are not waited for). Raises FileSearchFailed for an expired thread store;
        an expired store of the assistant's is left out (its data is no longer served)."""
        own, threads = await self.stores_of(project_id, run)
        reads = self._storage.vector_stores
        expired: set[str] = set()
        for store_id in own + threads:
            found = await reads.get_vector_store(project_id, store_id, int(time.time()))
            if found is not None and found.vector_store.status == _EXPIRED:
                expired.add(store_id)
        if expired & set(threads):
            store_id = next(s for s in threads if s in expired)
            raise FileSearchFailed(
                f"The thread's vector store {store_id} has expired, so file_search cannot "
                "run. Create a new thread, or attach a new vector store to this one."
            )
        if expired:
            log.info(
                "expired stores not searched", extra={"run_id": run.id, "stores": sorted(expired)}
            )
        own = [s for s in own if s not in expired]
        deadline = time.monotonic() + self._wait_seconds
        while threads and time.monotonic() < deadline:
            if not await reads.files_in_progress(project_id, threads):
                break
            await asyncio.sleep(_POLL_SECONDS)
        return list(dict.fromkeys(own + threads))

    async def search(
        self,
        project_id: str,
        run: run_pb2.Run,
        store_ids: Sequence[str],
        asked: S.ToolCall,
        arguments: str,
    ) -> S.ToolCall:
        """The call with its queries and results."""
        queries = parse_queries(arguments)
        call = S.ToolCall()
        call.CopyFrom(asked)
        call.file_search.queries[:] = queries
        if not store_ids or not queries:
            return with_results(call, [])
        opts = options(run)
        hits = await self._searcher.search(
            project_id,
            store_ids,
            queries,
            max_num_results=(
                opts.max_num_results if opts.HasField("max_num_results") else DEFAULT_MAX_RESULTS
            ),
            score_threshold=opts.ranking_options.score_threshold,
            token_budget=TOKEN_BUDGET,
        )
        log.info(
            "file_search ran",
            extra={"run_id": run.id, "call_id": call.id, "results": len(hits)},
        )
        return with_results(call, hits)

    async def touch(self, project_id: str, store_ids: Sequence[str]) -> None:
        """Marks the stores used now; a failure costs only the expiry clock, so it is logged."""
        if self._stores is None or not store_ids:
            return
        try:
            await self._stores.touch(project_id, store_ids)
        except Exception:
            log.exception("touching vector stores failed", extra={"stores": list(store_ids)})
