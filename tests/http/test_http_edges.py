"""The HTTP API's edges, over raw HTTP: malformed bodies, routing, auth, the beta header, body
limits, request ids, idempotent retries, JSON shapes, and that no client mistake is ever a 500.

Expected behaviour comes from the reference digest (/work/shared/reference/assistants-api.md):
§0 wire conventions, §2 envelopes, §4 endpoints, §7 (validation errors before any stream),
§11 errors.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from service.app import Application, IssuedKey
from service.http.server import MAX_BODY_BYTES
from tests.fake_model import FakeModel, text

ERROR_KEYS = {"message", "type", "param", "code"}
FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


@dataclass
class Reply:
    status: int
    headers: CIMultiDict[str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def error(self) -> dict[str, Any]:
        """The error envelope's inner object, checked for its shape."""
        body = self.json
        assert set(body) == {"error"}, body
        error: dict[str, Any] = body["error"]
        assert set(error) == ERROR_KEYS, error
        assert isinstance(error["message"], str) and error["message"]
        assert error["type"] in ("invalid_request_error", "server_error", "rate_limit_exceeded")
        return error


class Api:
    """Raw HTTP calls to /v1 with one project's key."""

    def __init__(self, session: aiohttp.ClientSession, base: str, secret: str) -> None:
        self.session = session
        self.base = base
        self.secret = secret

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}", "OpenAI-Beta": "assistants=v2"}
        headers.update(extra or {})
        return headers

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        sent = self.headers(headers) if auth else dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method, self.base + path, data=data, headers=sent
        ) as response:
            return Reply(response.status, CIMultiDict(response.headers), await response.read())

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        reply = await self.call(method, path, body)
        assert reply.status == 200, (reply.status, reply.raw)
        return reply.json


@pytest.fixture
async def key(app: Application) -> IssuedKey:
    return await app.auth.issue_key(f"http-{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def api(http_url: str, key: IssuedKey) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, http_url, key.secret)


def assert_error(
    reply: Reply, status: int, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    assert reply.status == status, (reply.status, reply.raw)
    assert reply.headers["Content-Type"].startswith("application/json")
    error = reply.error
    assert error["code"] == code, error
    assert error["param"] == param, error
    return error


# Bodies.


async def test_malformed_json_is_a_400(api: Api) -> None:
    for raw in (b'{"model": "gpt-4o",', b"{'model': 'gpt-4o'}", b"\xff\xfe{}", b"nul"):
        error = assert_error(await api.call("POST", "/assistants", raw=raw), 400)
        assert error["message"].startswith("We could not parse the JSON body of your request.")
        assert error["type"] == "invalid_request_error"


async def test_a_body_that_is_not_an_object_is_a_400(api: Api) -> None:
    for raw in (b'[{"model": "gpt-4o"}]', b'"gpt-4o"', b"42", b"true"):
        error = assert_error(await api.call("POST", "/assistants", raw=raw), 400, "invalid_type")
        assert "expected a JSON object" in error["message"]


async def test_wrong_types_name_the_param(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"model": 5}, "model", "a string"),
        ({"model": "gpt-4o", "tools": "code_interpreter"}, "tools", "an array"),
        ({"model": "gpt-4o", "tools": [None]}, "tools[0]", "an object"),
        ({"model": "gpt-4o", "metadata": {"a": 1}}, "metadata.a", "a string"),
        ({"model": "gpt-4o", "temperature": "hot"}, "temperature", "a decimal"),
        (
            {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": 7}}]},
            "tools[0].function.name",
            "a string",
        ),
    ]
    for body, param, expected in cases:
        error = assert_error(
            await api.call("POST", "/assistants", body), 400, "invalid_type", param
        )
        assert f"Invalid type for '{param}': expected {expected}" in error["message"]
    thread = await api.ok("POST", "/threads")
    reply = await api.call(
        "POST", f"/threads/{thread['id']}/messages", {"role": "user", "content": 3}
    )
    assert_error(reply, 400, "invalid_type", "content")
    reply = await api.call("GET", "/assistants?limit=ten")
    assert_error(reply, 400, "invalid_type", "limit")


async def test_a_param_inside_a_json_schema_is_a_json_path(api: Api) -> None:
    function = {"name": "f", "parameters": {"type": "object", "x": "a\u0000b"}}
    reply = await api.call(
        "POST",
        "/assistants",
        {"model": "gpt-4o", "tools": [{"type": "function", "function": function}]},
    )
    assert_error(reply, 400, "invalid_value", "tools[0].function.parameters.x")


async def test_an_unknown_parameter_is_named(api: Api) -> None:
    reply = await api.call("POST", "/assistants", {"model": "gpt-4o", "file_ids": []})
    error = assert_error(reply, 400, "unknown_parameter", "file_ids")
    assert error["message"] == "Unrecognized request argument supplied: file_ids"
    reply = await api.call(
        "POST", "/threads", {"messages": [{"role": "user", "content": "x", "file_ids": []}]}
    )
    assert_error(reply, 400, "unknown_parameter", "messages[0].file_ids")


# Routing.


async def test_an_unknown_route_is_a_404(api: Api) -> None:
    error = assert_error(await api.call("POST", "/nope"), 404)
    assert error["message"] == "Invalid URL (POST /v1/nope)"
    # There is no list-threads endpoint: GET on /threads is the wrong method.
    assert_error(await api.call("GET", "/threads"), 405)
    # Unrouted requests need no key to be told so.
    assert_error(await api.call("GET", "/nope/deeper", auth=False), 404)


async def test_a_wrong_method_is_a_405_envelope(api: Api) -> None:
    thread = await api.ok("POST", "/threads")
    for method, path in [
        ("PUT", "/assistants"),
        ("PATCH", f"/threads/{thread['id']}"),
        ("DELETE", f"/threads/{thread['id']}/runs"),
        ("GET", f"/threads/{thread['id']}/runs/run_x/cancel"),
    ]:
        error = assert_error(await api.call(method, path), 405)
        assert error["message"].startswith(f"Invalid URL ({method} /v1/")


async def test_a_405_says_which_methods_are_allowed(api: Api) -> None:
    reply = await api.call("PUT", "/assistants")
    assert reply.status == 405
    assert set(reply.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


# Auth and the beta header.


async def test_a_missing_or_unknown_key_is_a_401(api: Api) -> None:
    no_key = await api.call("GET", "/assistants", auth=False)
    error = assert_error(no_key, 401, "invalid_api_key")
    assert "API key" in error["message"]
    for authorization in ("Bearer sk-asst-unknown", "Basic dXNlcjpwYXNz", "Bearer", "sk-asst-x"):
        reply = await api.call(
            "GET", "/assistants", auth=False, headers={"Authorization": authorization}
        )
        assert_error(reply, 401, "invalid_api_key")
    # Writes too: nothing is created without a key.
    reply = await api.call("POST", "/assistants", {"model": "gpt-4o"}, auth=False)
    assert_error(reply, 401, "invalid_api_key")
    assert (await api.ok("GET", "/assistants"))["data"] == []


async def test_the_beta_header(api: Api) -> None:
    reply = await api.call("GET", "/assistants", headers={"OpenAI-Beta": "assistants=v1"})
    error = assert_error(reply, 400, "invalid_beta")
    assert "assistants=v1" in error["message"]
    # Without the header, or with v2 among other betas, the request is served.
    session, base = api.session, api.base
    async with session.get(
        base + "/assistants", headers={"Authorization": f"Bearer {api.secret}"}
    ) as r:
        assert r.status == 200 and (await r.json())["object"] == "list"
    reply = await api.call(
        "GET", "/assistants", headers={"OpenAI-Beta": "realtime=v1, assistants=v2"}
    )
    assert reply.status == 200


async def test_a_body_over_the_limit_is_a_413(api: Api) -> None:
    body = b'{"model": "gpt-4o", "instructions": "' + b"x" * MAX_BODY_BYTES + b'"}'
    reply = await api.call("POST", "/assistants", raw=body)
    error = assert_error(reply, 413)
    assert error["type"] == "invalid_request_error"
    assert reply.headers.get("x-request-id")
    assert (await api.ok("GET", "/assistants"))["data"] == []


# Request ids.


async def test_every_response_names_its_request(api: Api, model: FakeModel) -> None:
    model.script(text("Streamed."))
    assistant = await api.ok("POST", "/assistants", {"model": "gpt-4o"})
    thread = await api.ok("POST", "/threads")
    replies = [
        await api.call("GET", "/assistants"),
        await api.call("POST", "/assistants", raw=b"{"),
        await api.call("GET", "/assistants", auth=False),
        await api.call("GET", "/assistants/asst_" + "Q" * 24),
        await api.call("POST", "/nope"),
        await api.call("PUT", "/assistants"),
        await api.call("GET", "/assistants", headers={"OpenAI-Beta": "assistants=v1"}),
        await api.call(
            "POST",
            f"/threads/{thread['id']}/runs",
            {"assistant_id": assistant["id"], "stream": True},
        ),
    ]
    assert replies[-1].headers["Content-Type"].startswith("text/event-stream")
    ids = [reply.headers.get("x-request-id") for reply in replies]
    assert all(ids), list(zip([r.status for r in replies], ids, strict=True))
    assert len(set(ids)) == len(ids)
    # A request id the client chose comes back as it was sent.
    chosen = f"req-client-{uuid.uuid4().hex}"
    reply = await api.call("GET", "/assistants", headers={"X-Request-Id": chosen})
    assert reply.headers["x-request-id"] == chosen


async def test_an_idempotency_key_retry_appends_nothing(api: Api) -> None:
    thread = await api.ok("POST", "/threads")
    path = f"/threads/{thread['id']}/messages"
    retry = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    body = {"role": "user", "content": "Exactly once."}
    first = await api.call("POST", path, body, headers=retry)
    second = await api.call("POST", path, body, headers=retry)
    assert first.status == second.status == 200
    assert first.json == second.json
    listed = await api.ok("GET", path)
    assert [m["id"] for m in listed["data"]] == [first.json["id"]]
    # Another key is another message.
    other = await api.call("POST", path, body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert other.status == 200 and other.json["id"] != first.json["id"]
    listed = await api.ok("GET", path + "?order=asc")
    assert [m["id"] for m in listed["data"]] == [first.json["id"], other.json["id"]]


async def test_a_reused_idempotency_key_on_another_thread_is_not_that_threads_message(
    api: Api,
) -> None:
    first_thread = await api.ok("POST", "/threads")
    second_thread = await api.ok("POST", "/threads")
    retry = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    body = {"role": "user", "content": "Where do I go?"}
    await api.call("POST", f"/threads/{first_thread['id']}/messages", body, headers=retry)
    reply = await api.call("POST", f"/threads/{second_thread['id']}/messages", body, headers=retry)
    # Refused, or a message of the thread the path names: never the other thread's message.
    assert reply.status >= 400 or reply.json["thread_id"] == second_thread["id"], reply.json


async def test_a_reused_idempotency_key_with_another_body_is_refused(api: Api) -> None:
    thread = await api.ok("POST", "/threads")
    path = f"/threads/{thread['id']}/messages"
    retry = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    await api.call("POST", path, {"role": "user", "content": "one"}, headers=retry)
    reply = await api.call("POST", path, {"role": "user", "content": "two"}, headers=retry)
    assert 400 <= reply.status < 500, reply.json


async def test_one_x_request_id_on_two_different_writes_loses_neither(api: Api) -> None:
    thread = await api.ok("POST", "/threads")
    path = f"/threads/{thread['id']}/messages"
    trace = {"X-Request-Id": f"trace-{uuid.uuid4().hex}"}
    first = await api.call("POST", path, {"role": "user", "content": "A"}, headers=trace)
    second = await api.call("POST", path, {"role": "user", "content": "B"}, headers=trace)
    assert first.status == 200
    # Either both are written, or the second is refused: not a 200 that wrote nothing.
    assert second.status != 200 or second.json["content"][0]["text"]["value"] == "B"


async def test_an_overlong_url_is_an_envelope(api: Api) -> None:
    reply = await api.call("GET", "/assistants/asst_" + "a" * 9000)
    assert 400 <= reply.status < 500
    assert reply.headers.get("x-request-id")
    reply.error  # noqa: B018 - checks the envelope's shape


# Shapes.


async def test_steps_accept_the_file_search_include(api: Api, model: FakeModel) -> None:
    model.script(text("Included."))
    assistant = await api.ok("POST", "/assistants", {"model": "gpt-4o"})
    thread = await api.ok("POST", "/threads", {"messages": [{"role": "user", "content": "Hi"}]})
    run = await api.ok(
        "POST",
        f"/threads/{thread['id']}/runs?include[]={FILE_SEARCH_CONTENT}",
        {"assistant_id": assistant["id"]},
    )
    base = f"/threads/{thread['id']}/runs/{run['id']}"
    assert (await wait_for_run(api, base))["status"] == "completed"
    for query in (f"include[]={FILE_SEARCH_CONTENT}", f"include={FILE_SEARCH_CONTENT}"):
        steps = await api.ok("GET", f"{base}/steps?{query}")
        assert [s["type"] for s in steps["data"]] == ["message_creation"]
        step = await api.ok("GET", f"{base}/steps/{steps['data'][0]['id']}?{query}")
        assert step == steps["data"][0]
    reply = await api.call("GET", f"{base}/steps?include[]=step_details.nonsense")
    assert_error(reply, 400, "invalid_value", "include[0]")


async def wait_for_run(api: Api, path: str, timeout: float = 10) -> Any:
    """The run at `path` once it is no longer queued or in progress."""
    async with asyncio.timeout(timeout):
        while True:
            run = await api.ok("GET", path)
            if run["status"] not in ("queued", "in_progress", "cancelling"):
                return run
            await asyncio.sleep(0.02)


async def test_nulls_are_present(api: Api) -> None:
    assistant = await api.ok("POST", "/assistants", {"model": "gpt-4o"})
    assert set(assistant) == {
        "id",
        "object",
        "created_at",
        "name",
        "description",
        "model",
        "instructions",
        "tools",
        "tool_resources",
        "metadata",
        "temperature",
        "top_p",
        "response_format",
    }
    assert assistant["description"] is None
    assert assistant["name"] is None and assistant["instructions"] is None
    assert assistant["metadata"] == {} and assistant["tools"] == []
    thread = await api.ok("POST", "/threads")
    message = await api.ok(
        "POST", f"/threads/{thread['id']}/messages", {"role": "user", "content": "Hi"}
    )
    for key in ("assistant_id", "run_id", "incomplete_details", "incomplete_at"):
        assert key in message and message[key] is None, key
    assert message["attachments"] == []
    # An update that sets null resets the field: present, and null.
    named = await api.ok("POST", f"/assistants/{assistant['id']}", {"description": "d"})
    assert named["description"] == "d"
    reset = await api.ok("POST", f"/assistants/{assistant['id']}", {"description": None})
    assert "description" in reset and reset["description"] is None


async def test_list_envelopes(api: Api) -> None:
    empty = await api.ok("GET", "/assistants")
    assert empty == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }
    made = [(await api.ok("POST", "/assistants", {"model": "gpt-4o"}))["id"] for _ in range(3)]
    page = await api.ok("GET", "/assistants?limit=2")
    assert set(page) == {"object", "data", "first_id", "last_id", "has_more"}
    assert [a["id"] for a in page["data"]] == made[::-1][:2]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (made[2], made[1], True)
    rest = await api.ok("GET", f"/assistants?limit=2&after={page['last_id']}")
    assert [a["id"] for a in rest["data"]] == [made[0]]
    assert (rest["first_id"], rest["last_id"], rest["has_more"]) == (made[0], made[0], False)
    thread = await api.ok("POST", "/threads")
    for path in ("messages", "runs"):
        listed = await api.ok("GET", f"/threads/{thread['id']}/{path}")
        assert listed == empty


async def test_delete_stubs(api: Api) -> None:
    assistant = await api.ok("POST", "/assistants", {"model": "gpt-4o"})
    thread = await api.ok("POST", "/threads")
    message = await api.ok(
        "POST", f"/threads/{thread['id']}/messages", {"role": "user", "content": "Bye"}
    )
    deleted_message = await api.ok("DELETE", f"/threads/{thread['id']}/messages/{message['id']}")
    assert deleted_message == {
        "id": message["id"],
        "object": "thread.message.deleted",
        "deleted": True,
    }
    assert await api.ok("DELETE", f"/threads/{thread['id']}") == {
        "id": thread["id"],
        "object": "thread.deleted",
        "deleted": True,
    }
    assert await api.ok("DELETE", f"/assistants/{assistant['id']}") == {
        "id": assistant["id"],
        "object": "assistant.deleted",
        "deleted": True,
    }
    reply = await api.call("GET", f"/assistants/{assistant['id']}")
    assert_error(reply, 404)


async def test_a_refused_stream_is_a_json_400(api: Api, model: FakeModel) -> None:
    assistant = await api.ok("POST", "/assistants", {"model": "gpt-4o"})
    thread = await api.ok("POST", "/threads")
    runs = f"/threads/{thread['id']}/runs"
    cases: list[tuple[str, dict[str, Any], int, str | None, str | None]] = [
        (runs, {"assistant_id": 5, "stream": True}, 400, "invalid_type", "assistant_id"),
        (runs, {"assistant_id": assistant["id"], "stream": "yes"}, 400, "invalid_type", "stream"),
        (
            runs,
            {"assistant_id": assistant["id"], "temperature": 9, "stream": True},
            400,
            "decimal_above_max_value",
            "temperature",
        ),
        (runs, {"assistant_id": "asst_" + "N" * 24, "stream": True}, 404, None, None),
        ("/threads/runs", {"stream": True}, 400, "missing_required_parameter", "assistant_id"),
        (
            f"{runs}/run_{'N' * 24}/submit_tool_outputs",
            {"tool_outputs": [], "stream": True},
            404,
            None,
            None,
        ),
    ]
    for path, body, status, code, param in cases:
        reply = await api.call("POST", path, body)
        assert_error(reply, status, code, param)
        assert b"event:" not in reply.raw
    assert (await api.ok("GET", runs))["data"] == []


# No client mistake is a 500.


def _deep(depth: int) -> bytes:
    return b'{"metadata": ' + b"[" * depth + b"]" * depth + b"}"


# Bodies no POST route takes: each is not JSON, not an object, or has a key no route takes
# or takes with another type. Valid ids go in the paths, so the checks behind them run too.
MALFORMED: list[bytes] = [
    b"{",
    b"[]",
    b"null",
    b"12",
    b'"a string"',
    b"\x00\x01",
    b'{"a": 1}{"b": 2}',
    b'{"metadata": []}',
    b'{"metadata": "k=v"}',
    b'{"metadata": {"k": null}}',
    b'{"metadata": {"k": {"nested": "v"}}}',
    b'{"metadata": {"k": 1e999}}',
    b'{"tools": [null]}',
    b'{"tools": [{"type": "function", "function": "get_weather"}]}',
    b'{"tools": [{"type": "function", "function": {"name": ["x"]}}]}',
    b'{"tools": {"type": "code_interpreter"}}',
    b'{"tools": [{"type": 3}]}',
    b'{"tool_resources": "all"}',
    b'{"tool_resources": {"code_interpreter": {"file_ids": [null]}}}',
    b'{"temperature": "0.5"}',
    b'{"temperature": [1]}',
    b'{"top_p": true}',
    b'{"max_prompt_tokens": 99999999999999999999999999}',
    b'{"max_completion_tokens": -99999999999999999999999999}',
    b'{"max_prompt_tokens": 1.5}',
    b'{"truncation_strategy": "auto"}',
    b'{"truncation_strategy": {"type": "last_messages", "last_messages": "3"}}',
    b'{"tool_choice": 1}',
    b'{"tool_choice": {"type": "function", "function": "f"}}',
    b'{"response_format": ["json_object"]}',
    b'{"response_format": {"type": "json_schema", "json_schema": "x"}}',
    b'{"messages": "hello"}',
    b'{"messages": [null]}',
    b'{"messages": [{"role": "user", "content": [null]}]}',
    b'{"messages": [{"role": "user", "content": [{"type": "text", "text": null}]}]}',
    b'{"messages": [{"role": "user", "content": {"type": "text"}}]}',
    b'{"content": 12}',
    b'{"content": [{"type": "image_url", "image_url": "http://x"}]}',
    b'{"content": [[]]}',
    b'{"role": ["user"]}',
    b'{"attachments": "file-x"}',
    b'{"additional_messages": {"role": "user"}}',
    b'{"thread": "thread_x"}',
    b'{"thread": {"messages": [1, 2]}}',
    b'{"tool_outputs": "70F"}',
    b'{"tool_outputs": [null]}',
    b'{"tool_outputs": [{"tool_call_id": 1, "output": 2}]}',
    b'{"stream": "true"}',
    b'{"stream": null, "bogus": 1}',
    b'{"name": {"first": "x"}}',
    b'{"model": null, "instructions": 5}',
    b'{"parallel_tool_calls": "yes"}',
    b'{"reasoning_effort": 1}',
    b'{"assistant_id": ["asst_x"]}',
]

# Bodies JSON parsers take but that no route can hold: each was once a 500 somewhere.
UNHOLDABLE = [
    pytest.param(
        b'{"temperature": 1' + b"0" * 400 + b"}",
        id="an integer too large for a float",
    ),
    pytest.param(
        b'{"metadata": {"k": "\\ud800"}}',
        id="a lone surrogate in a string",
    ),
    pytest.param(
        b'{"metadata": {"\\udfff": "v"}}',
        id="a lone surrogate in a key",
    ),
    pytest.param(
        b'{"content": "a\\udfffb", "role": "user"}',
        id="a lone surrogate in message content",
    ),
    pytest.param(
        _deep(100_000),
        id="JSON nested 100,000 deep",
    ),
]


@dataclass
class Routes:
    """Every POST route, with the ids of real objects (a completed run's among them)."""

    paths: list[str]
    messages: str
    """The path of the thread's messages."""


@pytest.fixture
async def post_routes(api: Api, model: FakeModel) -> Routes:
    model.script(text("Done."))
    assistant = await api.ok("POST", "/assistants", {"model": "gpt-4o"})
    thread = await api.ok("POST", "/threads", {"messages": [{"role": "user", "content": "Hi"}]})
    t = thread["id"]
    run = await api.ok("POST", f"/threads/{t}/runs", {"assistant_id": assistant["id"]})
    r = run["id"]
    assert (await wait_for_run(api, f"/threads/{t}/runs/{r}"))["status"] == "completed"
    message = (await api.ok("GET", f"/threads/{t}/messages"))["data"][0]["id"]
    paths = [
        "/assistants",
        f"/assistants/{assistant['id']}",
        "/threads",
        "/threads/runs",
        f"/threads/{t}",
        f"/threads/{t}/messages",
        f"/threads/{t}/messages/{message}",
        f"/threads/{t}/runs",
        f"/threads/{t}/runs/{r}",
        f"/threads/{t}/runs/{r}/cancel",
        f"/threads/{t}/runs/{r}/submit_tool_outputs",
    ]
    return Routes(paths, f"/threads/{t}/messages")


async def test_no_malformed_body_is_a_server_error(api: Api, post_routes: Routes) -> None:
    before = await api.ok("GET", post_routes.messages)
    failures = []
    for path in post_routes.paths:
        for raw in MALFORMED:
            reply = await api.call("POST", path, raw=raw)
            if not 400 <= reply.status < 500:
                failures.append((path, raw[:80], reply.status, reply.raw[:200]))
                continue
            reply.error  # noqa: B018 - checks the envelope's shape
    assert failures == []
    assert len(post_routes.paths) * len(MALFORMED) > 500
    # None of them wrote anything.
    assert await api.ok("GET", post_routes.messages) == before
    assert len((await api.ok("GET", "/assistants"))["data"]) == 1
    assert len((await api.ok("GET", post_routes.messages.replace("messages", "runs")))["data"]) == 1


@pytest.mark.parametrize("raw", UNHOLDABLE)
async def test_bodies_no_field_can_hold_are_client_errors(
    api: Api, post_routes: Routes, raw: bytes
) -> None:
    statuses = {path: (await api.call("POST", path, raw=raw)).status for path in post_routes.paths}
    assert {path: s for path, s in statuses.items() if not 400 <= s < 500} == {}
