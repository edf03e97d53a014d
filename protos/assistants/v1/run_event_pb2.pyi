from assistants.v1 import common_pb2 as _common_pb2
from assistants.v1 import message_pb2 as _message_pb2
from assistants.v1 import run_pb2 as _run_pb2
from assistants.v1 import run_step_pb2 as _run_step_pb2
from assistants.v1 import thread_pb2 as _thread_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RunEvent(_message.Message):
    __slots__ = ("event", "sequence_number", "thread", "run", "run_step", "run_step_delta", "message", "message_delta", "error", "done")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    RUN_STEP_FIELD_NUMBER: _ClassVar[int]
    RUN_STEP_DELTA_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_DELTA_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    event: str
    sequence_number: int
    thread: _thread_pb2.Thread
    run: _run_pb2.Run
    run_step: _run_step_pb2.RunStep
    run_step_delta: _run_step_pb2.RunStepDeltaEvent
    message: _message_pb2.Message
    message_delta: _message_pb2.MessageDeltaEvent
    error: _common_pb2.ErrorObject
    done: Done
    def __init__(self, event: _Optional[str] = ..., sequence_number: _Optional[int] = ..., thread: _Optional[_Union[_thread_pb2.Thread, _Mapping]] = ..., run: _Optional[_Union[_run_pb2.Run, _Mapping]] = ..., run_step: _Optional[_Union[_run_step_pb2.RunStep, _Mapping]] = ..., run_step_delta: _Optional[_Union[_run_step_pb2.RunStepDeltaEvent, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., message_delta: _Optional[_Union[_message_pb2.MessageDeltaEvent, _Mapping]] = ..., error: _Optional[_Union[_common_pb2.ErrorObject, _Mapping]] = ..., done: _Optional[_Union[Done, _Mapping]] = ...) -> None: ...

class Done(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
