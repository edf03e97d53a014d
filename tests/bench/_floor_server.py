"""The floor's gRPC half: a bare grpc.aio server whose one unary method echoes its request.

Run as `python -m tests.bench._floor_server`. It binds a free port on 127.0.0.1, prints
`port <n>` on stdout, and serves until SIGTERM or SIGINT. It is a separate process, like the
server under test, so both calls cross the same loopback and process boundary.
"""

from __future__ import annotations

import asyncio
import signal

import grpc

METHOD = "/bench.Floor/Echo"


async def _echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


async def main() -> None:
    # No (de)serializers: requests and responses pass through as bytes.
    handler = grpc.method_handlers_generic_handler(
        "bench.Floor", {"Echo": grpc.unary_unary_rpc_method_handler(_echo)}
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"port {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(0)


if __name__ == "__main__":
    asyncio.run(main())
