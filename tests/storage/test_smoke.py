from storage import NO_STREAM, Storage
from assistants.v1 import assistant_pb2, events_pb2


async def test_append_then_read(storage: Storage) -> None:
    meta = events_pb2.EventMetadata(project_id="proj_smoke")
    a = assistant_pb2.Assistant(id="asst_smoke", object="assistant", created_at=1, model="m")
    await storage.events.append(
        "asst_smoke", "assistant", [events_pb2.AssistantCreated(assistant=a)],
        expected_version=NO_STREAM, metadata=meta,
    )
    got = await storage.reads.get_assistant("proj_smoke", "asst_smoke")
    assert got is not None and got.assistant == a
