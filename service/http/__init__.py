"""The OpenAI-compatible HTTP API: the reference's /v1 routes over the same application calls
as gRPC. JSON in, protobuf requests to the application, protobuf results out as the
reference's JSON shapes (nulls present), and runs streamed as Server-Sent Events."""
