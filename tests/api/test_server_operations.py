"""Health checking, reflection and request ids: what operators and tools rely on."""

from __future__ import annotations

import uuid
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from assistants.v1 import assistant_pb2
from service.api.server import GrpcServer
from service.app import Application
from storage import Storage
from tests.helpers import Client


async def test_health_is_serving_without_a_key(grpc_target: str) -> None:
    async with grpc.aio.insecure_channel(grpc_target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "assistants.v1.AssistantService", "assistants.v1.MessageService"):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_services_without_a_key(grpc_target: str) -> None:
    async with grpc.aio.insecure_channel(grpc_target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo()
        await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
        reply = await call.read()
        await call.done_writing()
        names = {s.name for s in reply.list_services_response.service}
        assert {
            "assistants.v1.AssistantService",
            "assistants.v1.ThreadService",
            "assistants.v1.MessageService",
            "grpc.health.v1.Health",
        } <= names

        call = stub.ServerReflectionInfo()
        await call.write(
            reflection_pb2.ServerReflectionRequest(file_containing_symbol="assistants.v1.Assistant")
        )
        reply = await call.read()
        await call.done_writing()
        assert reply.file_descriptor_response.file_descriptor_proto


async def test_every_response_carries_its_request_id(client: Client) -> None:
    call = client.assistants.ListAssistants(
        assistant_pb2.ListAssistantsRequest(), metadata=(("x-request-id", "trace-me-123"),)
    )
    await call
    trailers = dict(await call.trailing_metadata() or ())
    assert trailers.get("x-request-id") == "trace-me-123"

    call = client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
    await call
    generated = dict(await call.trailing_metadata() or ()).get("x-request-id", "")
    assert str(generated).startswith("req_")

    failing = client.assistants.GetAssistant(
        assistant_pb2.GetAssistantRequest(assistant_id="asst_missing")
    )
    try:
        await failing
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert dict(error.trailing_metadata() or ()).get("x-request-id", "").startswith("req_")
    else:
        raise AssertionError("a missing assistant was found")


async def test_a_lost_database_is_unavailable_not_internal(database_url: str) -> None:
    storage = await Storage.open(database_url, Path("."), min_size=1, max_size=2)
    app = Application(storage)
    issued = await app.auth.issue_key(f"outage-{uuid.uuid4().hex[:8]}")
    server = await GrpcServer.start(app, "127.0.0.1", 0)
    client = Client(f"127.0.0.1:{server.port}", issued.secret)
    try:
        await client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
        await storage.close()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await client.close()
        await server.stop(0)


async def test_an_idempotency_key_reused_with_other_arguments_is_refused(client: Client) -> None:
    """A retry must be the same request: the same key with another body would otherwise be
    answered with the first request's result, and the second silently dropped."""
    key = (("idempotency-key", f"key-{uuid.uuid4().hex}"),)
    first = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", name="one"), metadata=key
    )
    again = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", name="one"), metadata=key
    )
    assert again == first
    try:
        await client.assistants.CreateAssistant(
            assistant_pb2.CreateAssistantRequest(model="gpt-4o", name="two"), metadata=key
        )
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "was already used for a different request" in (error.details() or "")
    else:
        raise AssertionError("a reused key with another body was accepted")
    listed = await client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
    assert [a.name for a in listed.data] == ["one"]
