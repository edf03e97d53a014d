import datetime

from assistants.v1 import assistant_pb2 as _assistant_pb2
from assistants.v1 import file_pb2 as _file_pb2
from assistants.v1 import message_pb2 as _message_pb2
from assistants.v1 import run_pb2 as _run_pb2
from assistants.v1 import run_step_pb2 as _run_step_pb2
from assistants.v1 import thread_pb2 as _thread_pb2
from assistants.v1 import vector_store_pb2 as _vector_store_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Event(_message.Message):
    __slots__ = ("event_id", "stream_id", "stream_version", "position", "type", "schema_version", "time", "metadata", "hash", "assistant_created", "assistant_updated", "assistant_deleted", "thread_created", "thread_updated", "thread_deleted", "message_created", "message_updated", "message_deleted", "message_completed", "message_incomplete", "run_created", "run_status_changed", "run_updated", "tool_outputs_submitted", "run_step_created", "run_step_status_changed", "file_created", "file_deleted", "vector_store_created", "vector_store_updated", "vector_store_deleted", "vector_store_file_attached", "vector_store_file_updated", "vector_store_file_detached", "vector_store_file_batch_created", "vector_store_file_batch_updated")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_VERSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_CREATED_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_UPDATED_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_DELETED_FIELD_NUMBER: _ClassVar[int]
    THREAD_CREATED_FIELD_NUMBER: _ClassVar[int]
    THREAD_UPDATED_FIELD_NUMBER: _ClassVar[int]
    THREAD_DELETED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_CREATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_UPDATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_DELETED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_INCOMPLETE_FIELD_NUMBER: _ClassVar[int]
    RUN_CREATED_FIELD_NUMBER: _ClassVar[int]
    RUN_STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    RUN_UPDATED_FIELD_NUMBER: _ClassVar[int]
    TOOL_OUTPUTS_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    RUN_STEP_CREATED_FIELD_NUMBER: _ClassVar[int]
    RUN_STEP_STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    FILE_CREATED_FIELD_NUMBER: _ClassVar[int]
    FILE_DELETED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_CREATED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_UPDATED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_DELETED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_FILE_ATTACHED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_FILE_UPDATED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_FILE_DETACHED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_FILE_BATCH_CREATED_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_FILE_BATCH_UPDATED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    stream_id: str
    stream_version: int
    position: int
    type: str
    schema_version: int
    time: _timestamp_pb2.Timestamp
    metadata: EventMetadata
    hash: bytes
    assistant_created: AssistantCreated
    assistant_updated: AssistantUpdated
    assistant_deleted: AssistantDeleted
    thread_created: ThreadCreated
    thread_updated: ThreadUpdated
    thread_deleted: ThreadDeleted
    message_created: MessageCreated
    message_updated: MessageUpdated
    message_deleted: MessageDeleted
    message_completed: MessageCompleted
    message_incomplete: MessageIncomplete
    run_created: RunCreated
    run_status_changed: RunStatusChanged
    run_updated: RunUpdated
    tool_outputs_submitted: ToolOutputsSubmitted
    run_step_created: RunStepCreated
    run_step_status_changed: RunStepStatusChanged
    file_created: FileCreated
    file_deleted: FileDeleted
    vector_store_created: VectorStoreCreated
    vector_store_updated: VectorStoreUpdated
    vector_store_deleted: VectorStoreDeleted
    vector_store_file_attached: VectorStoreFileAttached
    vector_store_file_updated: VectorStoreFileUpdated
    vector_store_file_detached: VectorStoreFileDetached
    vector_store_file_batch_created: VectorStoreFileBatchCreated
    vector_store_file_batch_updated: VectorStoreFileBatchUpdated
    def __init__(self, event_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., stream_version: _Optional[int] = ..., position: _Optional[int] = ..., type: _Optional[str] = ..., schema_version: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., hash: _Optional[bytes] = ..., assistant_created: _Optional[_Union[AssistantCreated, _Mapping]] = ..., assistant_updated: _Optional[_Union[AssistantUpdated, _Mapping]] = ..., assistant_deleted: _Optional[_Union[AssistantDeleted, _Mapping]] = ..., thread_created: _Optional[_Union[ThreadCreated, _Mapping]] = ..., thread_updated: _Optional[_Union[ThreadUpdated, _Mapping]] = ..., thread_deleted: _Optional[_Union[ThreadDeleted, _Mapping]] = ..., message_created: _Optional[_Union[MessageCreated, _Mapping]] = ..., message_updated: _Optional[_Union[MessageUpdated, _Mapping]] = ..., message_deleted: _Optional[_Union[MessageDeleted, _Mapping]] = ..., message_completed: _Optional[_Union[MessageCompleted, _Mapping]] = ..., message_incomplete: _Optional[_Union[MessageIncomplete, _Mapping]] = ..., run_created: _Optional[_Union[RunCreated, _Mapping]] = ..., run_status_changed: _Optional[_Union[RunStatusChanged, _Mapping]] = ..., run_updated: _Optional[_Union[RunUpdated, _Mapping]] = ..., tool_outputs_submitted: _Optional[_Union[ToolOutputsSubmitted, _Mapping]] = ..., run_step_created: _Optional[_Union[RunStepCreated, _Mapping]] = ..., run_step_status_changed: _Optional[_Union[RunStepStatusChanged, _Mapping]] = ..., file_created: _Optional[_Union[FileCreated, _Mapping]] = ..., file_deleted: _Optional[_Union[FileDeleted, _Mapping]] = ..., vector_store_created: _Optional[_Union[VectorStoreCreated, _Mapping]] = ..., vector_store_updated: _Optional[_Union[VectorStoreUpdated, _Mapping]] = ..., vector_store_deleted: _Optional[_Union[VectorStoreDeleted, _Mapping]] = ..., vector_store_file_attached: _Optional[_Union[VectorStoreFileAttached, _Mapping]] = ..., vector_store_file_updated: _Optional[_Union[VectorStoreFileUpdated, _Mapping]] = ..., vector_store_file_detached: _Optional[_Union[VectorStoreFileDetached, _Mapping]] = ..., vector_store_file_batch_created: _Optional[_Union[VectorStoreFileBatchCreated, _Mapping]] = ..., vector_store_file_batch_updated: _Optional[_Union[VectorStoreFileBatchUpdated, _Mapping]] = ...) -> None: ...

class EventMetadata(_message.Message):
    __slots__ = ("project_id", "key_id", "request_id", "causation_id", "correlation_id", "trace_id", "request_digest")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_DIGEST_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    key_id: str
    request_id: str
    causation_id: str
    correlation_id: str
    trace_id: str
    request_digest: str
    def __init__(self, project_id: _Optional[str] = ..., key_id: _Optional[str] = ..., request_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., trace_id: _Optional[str] = ..., request_digest: _Optional[str] = ...) -> None: ...

class AssistantCreated(_message.Message):
    __slots__ = ("assistant",)
    ASSISTANT_FIELD_NUMBER: _ClassVar[int]
    assistant: _assistant_pb2.Assistant
    def __init__(self, assistant: _Optional[_Union[_assistant_pb2.Assistant, _Mapping]] = ...) -> None: ...

class AssistantUpdated(_message.Message):
    __slots__ = ("assistant",)
    ASSISTANT_FIELD_NUMBER: _ClassVar[int]
    assistant: _assistant_pb2.Assistant
    def __init__(self, assistant: _Optional[_Union[_assistant_pb2.Assistant, _Mapping]] = ...) -> None: ...

class AssistantDeleted(_message.Message):
    __slots__ = ("assistant_id",)
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    assistant_id: str
    def __init__(self, assistant_id: _Optional[str] = ...) -> None: ...

class ThreadCreated(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: _thread_pb2.Thread
    def __init__(self, thread: _Optional[_Union[_thread_pb2.Thread, _Mapping]] = ...) -> None: ...

class ThreadUpdated(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: _thread_pb2.Thread
    def __init__(self, thread: _Optional[_Union[_thread_pb2.Thread, _Mapping]] = ...) -> None: ...

class ThreadDeleted(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class MessageCreated(_message.Message):
    __slots__ = ("message", "token_count")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    token_count: int
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., token_count: _Optional[int] = ...) -> None: ...

class MessageUpdated(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class MessageDeleted(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class MessageCompleted(_message.Message):
    __slots__ = ("message", "token_count")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    token_count: int
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., token_count: _Optional[int] = ...) -> None: ...

class MessageIncomplete(_message.Message):
    __slots__ = ("message", "token_count")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    token_count: int
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., token_count: _Optional[int] = ...) -> None: ...

class RunCreated(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: _run_pb2.Run
    def __init__(self, run: _Optional[_Union[_run_pb2.Run, _Mapping]] = ...) -> None: ...

class RunStatusChanged(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: _run_pb2.Run
    def __init__(self, run: _Optional[_Union[_run_pb2.Run, _Mapping]] = ...) -> None: ...

class RunUpdated(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: _run_pb2.Run
    def __init__(self, run: _Optional[_Union[_run_pb2.Run, _Mapping]] = ...) -> None: ...

class ToolOutputsSubmitted(_message.Message):
    __slots__ = ("run_id", "step_id", "tool_outputs")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    step_id: str
    tool_outputs: _containers.RepeatedCompositeFieldContainer[_run_pb2.ToolOutput]
    def __init__(self, run_id: _Optional[str] = ..., step_id: _Optional[str] = ..., tool_outputs: _Optional[_Iterable[_Union[_run_pb2.ToolOutput, _Mapping]]] = ...) -> None: ...

class RunStepCreated(_message.Message):
    __slots__ = ("run_step",)
    RUN_STEP_FIELD_NUMBER: _ClassVar[int]
    run_step: _run_step_pb2.RunStep
    def __init__(self, run_step: _Optional[_Union[_run_step_pb2.RunStep, _Mapping]] = ...) -> None: ...

class RunStepStatusChanged(_message.Message):
    __slots__ = ("run_step",)
    RUN_STEP_FIELD_NUMBER: _ClassVar[int]
    run_step: _run_step_pb2.RunStep
    def __init__(self, run_step: _Optional[_Union[_run_step_pb2.RunStep, _Mapping]] = ...) -> None: ...

class FileCreated(_message.Message):
    __slots__ = ("file", "sha256")
    FILE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    file: _file_pb2.File
    sha256: str
    def __init__(self, file: _Optional[_Union[_file_pb2.File, _Mapping]] = ..., sha256: _Optional[str] = ...) -> None: ...

class FileDeleted(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class VectorStoreCreated(_message.Message):
    __slots__ = ("vector_store",)
    VECTOR_STORE_FIELD_NUMBER: _ClassVar[int]
    vector_store: _vector_store_pb2.VectorStore
    def __init__(self, vector_store: _Optional[_Union[_vector_store_pb2.VectorStore, _Mapping]] = ...) -> None: ...

class VectorStoreUpdated(_message.Message):
    __slots__ = ("vector_store",)
    VECTOR_STORE_FIELD_NUMBER: _ClassVar[int]
    vector_store: _vector_store_pb2.VectorStore
    def __init__(self, vector_store: _Optional[_Union[_vector_store_pb2.VectorStore, _Mapping]] = ...) -> None: ...

class VectorStoreDeleted(_message.Message):
    __slots__ = ("vector_store_id",)
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    def __init__(self, vector_store_id: _Optional[str] = ...) -> None: ...

class VectorStoreFileAttached(_message.Message):
    __slots__ = ("vector_store_file", "batch_id")
    VECTOR_STORE_FILE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_file: _vector_store_pb2.VectorStoreFile
    batch_id: str
    def __init__(self, vector_store_file: _Optional[_Union[_vector_store_pb2.VectorStoreFile, _Mapping]] = ..., batch_id: _Optional[str] = ...) -> None: ...

class VectorStoreFileUpdated(_message.Message):
    __slots__ = ("vector_store_file", "ingestion")
    VECTOR_STORE_FILE_FIELD_NUMBER: _ClassVar[int]
    INGESTION_FIELD_NUMBER: _ClassVar[int]
    vector_store_file: _vector_store_pb2.VectorStoreFile
    ingestion: IngestionOutcome
    def __init__(self, vector_store_file: _Optional[_Union[_vector_store_pb2.VectorStoreFile, _Mapping]] = ..., ingestion: _Optional[_Union[IngestionOutcome, _Mapping]] = ...) -> None: ...

class IngestionOutcome(_message.Message):
    __slots__ = ("content_sha256", "chunk_count", "token_count", "embedding_model", "embedding_dimensions")
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    CHUNK_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_MODEL_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    content_sha256: str
    chunk_count: int
    token_count: int
    embedding_model: str
    embedding_dimensions: int
    def __init__(self, content_sha256: _Optional[str] = ..., chunk_count: _Optional[int] = ..., token_count: _Optional[int] = ..., embedding_model: _Optional[str] = ..., embedding_dimensions: _Optional[int] = ...) -> None: ...

class VectorStoreFileDetached(_message.Message):
    __slots__ = ("vector_store_id", "file_id")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    file_id: str
    def __init__(self, vector_store_id: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class VectorStoreFileBatchCreated(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: _vector_store_pb2.VectorStoreFileBatch
    def __init__(self, batch: _Optional[_Union[_vector_store_pb2.VectorStoreFileBatch, _Mapping]] = ...) -> None: ...

class VectorStoreFileBatchUpdated(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: _vector_store_pb2.VectorStoreFileBatch
    def __init__(self, batch: _Optional[_Union[_vector_store_pb2.VectorStoreFileBatch, _Mapping]] = ...) -> None: ...
