"""The gRPC server: servicers, health checking, reflection and keepalive."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from assistants.v1 import (
    assistant_pb2,
    assistant_pb2_grpc,
    event_service_pb2,
    event_service_pb2_grpc,
    file_pb2,
    file_pb2_grpc,
    message_pb2,
    message_pb2_grpc,
    run_service_pb2,
    run_service_pb2_grpc,
    thread_pb2,
    thread_pb2_grpc,
    vector_store_service_pb2,
    vector_store_service_pb2_grpc,
)
from service.api._interceptor import ServiceInterceptor
from service.api.files import FileServicer
from service.api.servicers import (
    AssistantServicer,
    EventServicer,
    MessageServicer,
    RunServicer,
    ThreadServicer,
)
from service.api.vector_stores import VectorStoreServicer
from service.app import Application

SERVICE_NAMES = (
    assistant_pb2.DESCRIPTOR.services_by_name["AssistantService"].full_name,
    thread_pb2.DESCRIPTOR.services_by_name["ThreadService"].full_name,
    message_pb2.DESCRIPTOR.services_by_name["MessageService"].full_name,
    run_service_pb2.DESCRIPTOR.services_by_name["RunService"].full_name,
    event_service_pb2.DESCRIPTOR.services_by_name["EventService"].full_name,
    file_pb2.DESCRIPTOR.services_by_name["FileService"].full_name,
    vector_store_service_pb2.DESCRIPTOR.services_by_name["VectorStoreService"].full_name,
)

# Fit for long server streams behind proxies: ping idle connections every 30 s, accept client
# pings every 10 s, and never drop a connection for pinging while a stream is quiet.
SERVER_OPTIONS = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
)


class GrpcServer:
    """A started grpc.aio server and its health status."""

    def __init__(
        self, server: grpc.aio.Server, port: int, health: health.aio.HealthServicer
    ) -> None:
        self.server = server
        self.port = port
        self._health = health

    @classmethod
    async def start(cls, app: Application, host: str, port: int) -> GrpcServer:
        server = grpc.aio.server(interceptors=[ServiceInterceptor(app)], options=SERVER_OPTIONS)
        # The generated add_*_to_server functions are untyped.
        assistant_pb2_grpc.add_AssistantServiceServicer_to_server(  # type: ignore[no-untyped-call]
            AssistantServicer(app), server
        )
        thread_pb2_grpc.add_ThreadServiceServicer_to_server(  # type: ignore[no-untyped-call]
            ThreadServicer(app), server
        )
        message_pb2_grpc.add_MessageServiceServicer_to_server(  # type: ignore[no-untyped-call]
            MessageServicer(app), server
        )
        run_service_pb2_grpc.add_RunServiceServicer_to_server(  # type: ignore[no-untyped-call]
            RunServicer(app), server
        )
        event_service_pb2_grpc.add_EventServiceServicer_to_server(  # type: ignore[no-untyped-call]
            EventServicer(app), server
        )
        file_pb2_grpc.add_FileServiceServicer_to_server(  # type: ignore[no-untyped-call]
            FileServicer(app), server
        )
        vector_store_service_pb2_grpc.add_VectorStoreServiceServicer_to_server(  # type: ignore[no-untyped-call]
            VectorStoreServicer(app), server
        )
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        reflection.enable_server_reflection(
            (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        bound = server.add_insecure_port(f"{host}:{port}")
        await server.start()
        for name in ("", *SERVICE_NAMES):
            await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        return cls(server, bound, health_servicer)

    async def stop(self, grace: float) -> None:
        """Reports NOT_SERVING, lets in-flight RPCs finish for up to grace seconds, then stops."""
        await self._health.enter_graceful_shutdown()
        await self.server.stop(grace)
