from assistants.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamSource(_message.Message):
    __slots__ = ("stream_id", "from_version")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    from_version: int
    def __init__(self, stream_id: _Optional[str] = ..., from_version: _Optional[int] = ...) -> None: ...

class LogSource(_message.Message):
    __slots__ = ("after_position",)
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    after_position: int
    def __init__(self, after_position: _Optional[int] = ...) -> None: ...

class EventFilter(_message.Message):
    __slots__ = ("event_types", "stream_kinds", "key_ids")
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    STREAM_KINDS_FIELD_NUMBER: _ClassVar[int]
    KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    event_types: _containers.RepeatedScalarFieldContainer[str]
    stream_kinds: _containers.RepeatedScalarFieldContainer[str]
    key_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_types: _Optional[_Iterable[str]] = ..., stream_kinds: _Optional[_Iterable[str]] = ..., key_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class LogPosition(_message.Message):
    __slots__ = ("position", "stream_version")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    STREAM_VERSION_FIELD_NUMBER: _ClassVar[int]
    position: int
    stream_version: int
    def __init__(self, position: _Optional[int] = ..., stream_version: _Optional[int] = ...) -> None: ...

class ReadEventsRequest(_message.Message):
    __slots__ = ("stream", "log", "filter", "max_count", "batch_size")
    STREAM_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    stream: StreamSource
    log: LogSource
    filter: EventFilter
    max_count: int
    batch_size: int
    def __init__(self, stream: _Optional[_Union[StreamSource, _Mapping]] = ..., log: _Optional[_Union[LogSource, _Mapping]] = ..., filter: _Optional[_Union[EventFilter, _Mapping]] = ..., max_count: _Optional[int] = ..., batch_size: _Optional[int] = ...) -> None: ...

class ReadEventsResponse(_message.Message):
    __slots__ = ("events", "position")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_events_pb2.Event]
    position: LogPosition
    def __init__(self, events: _Optional[_Iterable[_Union[_events_pb2.Event, _Mapping]]] = ..., position: _Optional[_Union[LogPosition, _Mapping]] = ...) -> None: ...

class SubscribeEventsRequest(_message.Message):
    __slots__ = ("stream", "log", "filter", "batch_size", "from_end")
    STREAM_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    FROM_END_FIELD_NUMBER: _ClassVar[int]
    stream: StreamSource
    log: LogSource
    filter: EventFilter
    batch_size: int
    from_end: bool
    def __init__(self, stream: _Optional[_Union[StreamSource, _Mapping]] = ..., log: _Optional[_Union[LogSource, _Mapping]] = ..., filter: _Optional[_Union[EventFilter, _Mapping]] = ..., batch_size: _Optional[int] = ..., from_end: _Optional[bool] = ...) -> None: ...

class SubscribeEventsResponse(_message.Message):
    __slots__ = ("position", "confirmation", "events", "checkpoint", "caught_up", "fell_behind")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    FELL_BEHIND_FIELD_NUMBER: _ClassVar[int]
    position: LogPosition
    confirmation: SubscriptionConfirmation
    events: EventBatch
    checkpoint: Checkpoint
    caught_up: CaughtUp
    fell_behind: FellBehind
    def __init__(self, position: _Optional[_Union[LogPosition, _Mapping]] = ..., confirmation: _Optional[_Union[SubscriptionConfirmation, _Mapping]] = ..., events: _Optional[_Union[EventBatch, _Mapping]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., caught_up: _Optional[_Union[CaughtUp, _Mapping]] = ..., fell_behind: _Optional[_Union[FellBehind, _Mapping]] = ...) -> None: ...

class SubscriptionConfirmation(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_events_pb2.Event]
    def __init__(self, events: _Optional[_Iterable[_Union[_events_pb2.Event, _Mapping]]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CaughtUp(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FellBehind(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
