"""Contract tests of the read models that append_events keeps in the append's transaction."""

from __future__ import annotations

import pytest

from assistants.v1 import events_pb2, message_pb2, thread_pb2
from storage import NO_STREAM, CursorNotFoundError, PageQuery, Storage
from tests.storage.conftest import metadata, new_id

CREATED_AT = 1_700_000_000


def thread_created(thread_id: str) -> events_pb2.ThreadCreated:
    return events_pb2.ThreadCreated(
        thread=thread_pb2.Thread(
            id=thread_id, object="thread", created_at=CREATED_AT, metadata={"k": "v"}
        )
    )


def message(thread_id: str, text: str, run_id: str | None = None) -> message_pb2.Message:
    msg = message_pb2.Message(
        id=new_id("msg"),
        object="thread.message",
        created_at=CREATED_AT,
        thread_id=thread_id,
        status=message_pb2.MESSAGE_STATUS_COMPLETED,
        role=message_pb2.MESSAGE_ROLE_USER,
        content=[
            message_pb2.MessageContent(
                type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=message_pb2.Text(value=text)
            )
        ],
    )
    if run_id is not None:
        msg.run_id = run_id
        msg.role = message_pb2.MESSAGE_ROLE_ASSISTANT
    return msg


def message_created(msg: message_pb2.Message, tokens: int) -> events_pb2.MessageCreated:
    return events_pb2.MessageCreated(message=msg, token_count=tokens)


async def new_thread(storage: Storage, project_id: str) -> str:
    thread_id = new_id("thread")
    await storage.events.append(
        thread_id,
        "thread",
        [thread_created(thread_id)],
        expected_version=NO_STREAM,
        metadata=metadata(project_id),
    )
    return thread_id


async def add_messages(
    storage: Storage,
    project_id: str,
    thread_id: str,
    messages: list[tuple[message_pb2.Message, int]],
) -> None:
    version = await storage.events.stream_version(project_id, thread_id)
    await storage.events.append(
        thread_id,
        "thread",
        [message_created(msg, tokens) for msg, tokens in messages],
        expected_version=version,
        metadata=metadata(project_id),
    )


async def test_messages_carry_running_token_totals(storage: Storage, project_id: str) -> None:
    thread_id = new_id("thread")
    counts = [5, 0, 12, 7, 1, 30]
    messages = [message(thread_id, f"m{i}") for i in range(len(counts))]
    # The thread and its first messages in one append, the rest one by one.
    await storage.events.append(
        thread_id,
        "thread",
        [thread_created(thread_id)]
        + [message_created(m, c) for m, c in zip(messages[:3], counts[:3], strict=True)],
        expected_version=NO_STREAM,
        metadata=metadata(project_id),
    )
    for msg, tokens in zip(messages[3:], counts[3:], strict=True):
        await add_messages(storage, project_id, thread_id, [(msg, tokens)])

    running = [sum(counts[: i + 1]) for i in range(len(counts))]
    thread = await storage.reads.get_thread(project_id, thread_id)
    assert thread is not None and thread.message_count == len(messages)
    assert await storage.reads.message_token_totals(thread_id) == [
        (m.id, c, t) for m, c, t in zip(messages, counts, running, strict=True)
    ]
    for msg in messages:
        got = await storage.reads.get_message(project_id, thread_id, msg.id)
        assert got is not None
        assert got.message == msg
        assert got.version == 1 + len(messages)

    # A deleted message is gone from reads; the others keep their totals.
    deleted = messages[2]
    await storage.events.append(
        thread_id,
        "thread",
        [events_pb2.MessageDeleted(message_id=deleted.id)],
        expected_version=1 + len(messages),
        metadata=metadata(project_id),
    )
    assert await storage.reads.get_message(project_id, thread_id, deleted.id) is None
    thread = await storage.reads.get_thread(project_id, thread_id)
    assert thread is not None and thread.message_count == len(messages) - 1
    # Deleting it again changes nothing: the count drops once.
    await storage.events.append(
        thread_id,
        "thread",
        [events_pb2.MessageDeleted(message_id=deleted.id)],
        expected_version=2 + len(messages),
        metadata=metadata(project_id),
    )
    thread = await storage.reads.get_thread(project_id, thread_id)
    assert thread is not None and thread.message_count == len(messages) - 1
    assert await storage.reads.get_message(project_id, thread_id, messages[3].id) is not None
    remaining = [
        (m.id, c, t) for m, c, t in zip(messages, counts, running, strict=True) if m is not deleted
    ]
    assert await storage.reads.message_token_totals(thread_id) == remaining

    # The thread's total still counts every message ever added, so a new message's running
    # total continues from it.
    later = message(thread_id, "later")
    await add_messages(storage, project_id, thread_id, [(later, 4)])
    totals = await storage.reads.message_token_totals(thread_id)
    assert totals == [*remaining, (later.id, 4, sum(counts) + 4)]


async def test_reads_are_scoped_to_the_project(storage: Storage, project_id: str) -> None:
    thread_id = await new_thread(storage, project_id)
    msg = message(thread_id, "hi")
    await add_messages(storage, project_id, thread_id, [(msg, 3)])
    other = new_id("proj")

    got = await storage.reads.get_thread(project_id, thread_id)
    assert got is not None and got.thread == thread_created(thread_id).thread and got.version == 2
    assert await storage.reads.get_thread(other, thread_id) is None
    assert await storage.reads.get_message(other, thread_id, msg.id) is None
    assert await storage.reads.list_messages(other, thread_id, PageQuery(10, True)) is None
    # A message is read through its own thread only.
    other_thread = await new_thread(storage, project_id)
    assert await storage.reads.get_message(project_id, other_thread, msg.id) is None


async def test_thread_deleted_leaves_the_read_models_but_not_the_log(
    storage: Storage, project_id: str
) -> None:
    thread_id = await new_thread(storage, project_id)
    messages = [message(thread_id, f"m{i}") for i in range(3)]
    await add_messages(storage, project_id, thread_id, [(m, 2) for m in messages])
    neighbour = await new_thread(storage, project_id)
    kept = message(neighbour, "kept")
    await add_messages(storage, project_id, neighbour, [(kept, 9)])

    await storage.events.append(
        thread_id,
        "thread",
        [events_pb2.ThreadDeleted(thread_id=thread_id)],
        expected_version=4,
        metadata=metadata(project_id),
    )

    assert await storage.reads.get_thread(project_id, thread_id) is None
    for msg in messages:
        assert await storage.reads.get_message(project_id, thread_id, msg.id) is None
    assert await storage.reads.message_token_totals(thread_id) == []
    assert await storage.reads.list_messages(project_id, thread_id, PageQuery(10, True)) is None
    # History stays in the log.
    events = await storage.events.read_stream(project_id, thread_id)
    assert [e.type for e in events] == ["ThreadCreated"] + ["MessageCreated"] * 3 + [
        "ThreadDeleted"
    ]
    assert [e.stream_version for e in events] == [1, 2, 3, 4, 5]
    assert [e.message_created.message for e in events[1:4]] == messages
    assert events[4].thread_deleted.thread_id == thread_id
    # Another thread is untouched.
    assert await storage.reads.get_thread(project_id, neighbour) is not None
    assert await storage.reads.message_token_totals(neighbour) == [(kept.id, 9, 9)]


# -- list_messages pagination -----------------------------------------------------------------

RUN = "run_x"
# Messages 2, 4 and 5 (1-based) were written by run RUN.
RUN_MESSAGES = {2, 4, 5}


@pytest.fixture
async def seven(storage: Storage, project_id: str) -> tuple[str, list[str]]:
    """A thread of 7 messages; returns its id and the message ids in thread order."""
    thread_id = await new_thread(storage, project_id)
    messages = [
        message(thread_id, f"m{n}", RUN if n in RUN_MESSAGES else None) for n in range(1, 8)
    ]
    await add_messages(storage, project_id, thread_id, [(m, 1) for m in messages[:4]])
    await add_messages(storage, project_id, thread_id, [(m, 1) for m in messages[4:]])
    return thread_id, [m.id for m in messages]


async def page(
    storage: Storage,
    project_id: str,
    thread_id: str,
    query: PageQuery,
    run_id: str | None = None,
) -> tuple[list[str], bool]:
    result = await storage.reads.list_messages(project_id, thread_id, query, run_id)
    assert result is not None
    return [m.id for m in result.items], result.has_more


def nums(ids: list[str], numbers: list[int]) -> list[str]:
    """The ids of messages numbered 1..7."""
    return [ids[n - 1] for n in numbers]


async def test_list_messages_ascending_pages(
    storage: Storage, project_id: str, seven: tuple[str, list[str]]
) -> None:
    thread_id, ids = seven

    async def asc(limit: int, after: int | None = None, before: int | None = None):
        query = PageQuery(
            limit,
            True,
            after=ids[after - 1] if after else None,
            before=ids[before - 1] if before else None,
        )
        return await page(storage, project_id, thread_id, query)

    assert await asc(3) == (nums(ids, [1, 2, 3]), True)
    assert await asc(3, after=3) == (nums(ids, [4, 5, 6]), True)
    assert await asc(3, after=6) == (nums(ids, [7]), False)
    # Exactly `limit` left: has_more is exact, not a guess from a full page.
    assert await asc(3, after=4) == (nums(ids, [5, 6, 7]), False)
    assert await asc(7) == (ids, False)
    assert await asc(6) == (ids[:6], True)
    assert await asc(3, after=7) == ([], False)
    # `before` pages backward: the nearest items before the cursor, in list order.
    assert await asc(3, before=5) == (nums(ids, [2, 3, 4]), True)
    assert await asc(3, before=4) == (nums(ids, [1, 2, 3]), False)
    assert await asc(3, before=2) == (nums(ids, [1]), False)
    assert await asc(3, before=1) == ([], False)
    # Both cursors: the window between them, read forward.
    assert await asc(3, after=1, before=6) == (nums(ids, [2, 3, 4]), True)
    assert await asc(4, after=1, before=6) == (nums(ids, [2, 3, 4, 5]), False)


async def test_list_messages_descending_pages(
    storage: Storage, project_id: str, seven: tuple[str, list[str]]
) -> None:
    thread_id, ids = seven

    async def desc(limit: int, after: int | None = None, before: int | None = None):
        query = PageQuery(
            limit,
            False,
            after=ids[after - 1] if after else None,
            before=ids[before - 1] if before else None,
        )
        return await page(storage, project_id, thread_id, query)

    assert await desc(3) == (nums(ids, [7, 6, 5]), True)
    assert await desc(3, after=5) == (nums(ids, [4, 3, 2]), True)
    assert await desc(3, after=2) == (nums(ids, [1]), False)
    assert await desc(3, after=4) == (nums(ids, [3, 2, 1]), False)
    assert await desc(3, before=3) == (nums(ids, [6, 5, 4]), True)
    assert await desc(3, before=4) == (nums(ids, [7, 6, 5]), False)
    assert await desc(3, before=6) == (nums(ids, [7]), False)
    assert await desc(3, after=7, before=1) == (nums(ids, [6, 5, 4]), True)


async def test_list_messages_by_run(
    storage: Storage, project_id: str, seven: tuple[str, list[str]]
) -> None:
    thread_id, ids = seven
    by_run = nums(ids, sorted(RUN_MESSAGES))

    assert await page(storage, project_id, thread_id, PageQuery(10, True), RUN) == (by_run, False)
    assert await page(storage, project_id, thread_id, PageQuery(2, True), RUN) == (
        by_run[:2],
        True,
    )
    assert await page(storage, project_id, thread_id, PageQuery(2, True, after=by_run[1]), RUN) == (
        by_run[2:],
        False,
    )
    assert await page(storage, project_id, thread_id, PageQuery(2, False), RUN) == (
        by_run[::-1][:2],
        True,
    )
    # A cursor need not belong to the run: message 3 sorts between 2 and 4.
    assert await page(storage, project_id, thread_id, PageQuery(5, True, after=ids[2]), RUN) == (
        nums(ids, [4, 5]),
        False,
    )
    assert await page(storage, project_id, thread_id, PageQuery(5, True), "run_other") == (
        [],
        False,
    )


async def test_list_messages_cursors(
    storage: Storage, project_id: str, seven: tuple[str, list[str]]
) -> None:
    thread_id, ids = seven

    for param in ("after", "before"):
        with pytest.raises(CursorNotFoundError) as caught:
            await storage.reads.list_messages(
                project_id, thread_id, PageQuery(3, True, **{param: "msg_unknown"})
            )
        assert (caught.value.param, caught.value.object_id) == (param, "msg_unknown")

    # A message of another thread is no cursor of this one.
    other_thread = await new_thread(storage, project_id)
    stranger = message(other_thread, "elsewhere")
    await add_messages(storage, project_id, other_thread, [(stranger, 1)])
    with pytest.raises(CursorNotFoundError):
        await storage.reads.list_messages(
            project_id, thread_id, PageQuery(3, True, after=stranger.id)
        )

    # A deleted message leaves the pages but stays a valid cursor.
    await storage.events.append(
        thread_id,
        "thread",
        [events_pb2.MessageDeleted(message_id=ids[3])],
        expected_version=8,
        metadata=metadata(project_id),
    )
    assert await page(storage, project_id, thread_id, PageQuery(3, True, after=ids[3])) == (
        nums(ids, [5, 6, 7]),
        False,
    )
    assert await page(storage, project_id, thread_id, PageQuery(3, True, after=ids[1])) == (
        nums(ids, [3, 5, 6]),
        True,
    )

    assert (
        await storage.reads.list_messages(project_id, new_id("thread"), PageQuery(3, True)) is None
    )
