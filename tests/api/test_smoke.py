import grpc
import pytest

from assistants.v1 import assistant_pb2
from tests.helpers import Client, field_violation


async def test_create_and_get(client: Client) -> None:
    created = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", name="Math Tutor")
    )
    got = await client.assistants.GetAssistant(
        assistant_pb2.GetAssistantRequest(assistant_id=created.id)
    )
    assert got == created


async def test_bad_temperature(client: Client) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await client.assistants.CreateAssistant(
            assistant_pb2.CreateAssistantRequest(model="gpt-4o", temperature=2.5)
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(caught.value)[0] == "temperature"
