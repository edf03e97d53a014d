from assistants.v1 import common_pb2 as _common_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_ROLE_UNSPECIFIED: _ClassVar[MessageRole]
    MESSAGE_ROLE_USER: _ClassVar[MessageRole]
    MESSAGE_ROLE_ASSISTANT: _ClassVar[MessageRole]

class MessageStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_STATUS_UNSPECIFIED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_IN_PROGRESS: _ClassVar[MessageStatus]
    MESSAGE_STATUS_INCOMPLETE: _ClassVar[MessageStatus]
    MESSAGE_STATUS_COMPLETED: _ClassVar[MessageStatus]

class MessageIncompleteReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_INCOMPLETE_REASON_UNSPECIFIED: _ClassVar[MessageIncompleteReason]
    MESSAGE_INCOMPLETE_REASON_CONTENT_FILTER: _ClassVar[MessageIncompleteReason]
    MESSAGE_INCOMPLETE_REASON_MAX_TOKENS: _ClassVar[MessageIncompleteReason]
    MESSAGE_INCOMPLETE_REASON_RUN_CANCELLED: _ClassVar[MessageIncompleteReason]
    MESSAGE_INCOMPLETE_REASON_RUN_EXPIRED: _ClassVar[MessageIncompleteReason]
    MESSAGE_INCOMPLETE_REASON_RUN_FAILED: _ClassVar[MessageIncompleteReason]

class MessageContentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_CONTENT_TYPE_UNSPECIFIED: _ClassVar[MessageContentType]
    MESSAGE_CONTENT_TYPE_TEXT: _ClassVar[MessageContentType]
    MESSAGE_CONTENT_TYPE_IMAGE_FILE: _ClassVar[MessageContentType]
    MESSAGE_CONTENT_TYPE_IMAGE_URL: _ClassVar[MessageContentType]
    MESSAGE_CONTENT_TYPE_REFUSAL: _ClassVar[MessageContentType]

class ImageDetail(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMAGE_DETAIL_UNSPECIFIED: _ClassVar[ImageDetail]
    IMAGE_DETAIL_AUTO: _ClassVar[ImageDetail]
    IMAGE_DETAIL_LOW: _ClassVar[ImageDetail]
    IMAGE_DETAIL_HIGH: _ClassVar[ImageDetail]

class AnnotationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANNOTATION_TYPE_UNSPECIFIED: _ClassVar[AnnotationType]
    ANNOTATION_TYPE_FILE_CITATION: _ClassVar[AnnotationType]
    ANNOTATION_TYPE_FILE_PATH: _ClassVar[AnnotationType]

class AttachmentToolType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTACHMENT_TOOL_TYPE_UNSPECIFIED: _ClassVar[AttachmentToolType]
    ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER: _ClassVar[AttachmentToolType]
    ATTACHMENT_TOOL_TYPE_FILE_SEARCH: _ClassVar[AttachmentToolType]
MESSAGE_ROLE_UNSPECIFIED: MessageRole
MESSAGE_ROLE_USER: MessageRole
MESSAGE_ROLE_ASSISTANT: MessageRole
MESSAGE_STATUS_UNSPECIFIED: MessageStatus
MESSAGE_STATUS_IN_PROGRESS: MessageStatus
MESSAGE_STATUS_INCOMPLETE: MessageStatus
MESSAGE_STATUS_COMPLETED: MessageStatus
MESSAGE_INCOMPLETE_REASON_UNSPECIFIED: MessageIncompleteReason
MESSAGE_INCOMPLETE_REASON_CONTENT_FILTER: MessageIncompleteReason
MESSAGE_INCOMPLETE_REASON_MAX_TOKENS: MessageIncompleteReason
MESSAGE_INCOMPLETE_REASON_RUN_CANCELLED: MessageIncompleteReason
MESSAGE_INCOMPLETE_REASON_RUN_EXPIRED: MessageIncompleteReason
MESSAGE_INCOMPLETE_REASON_RUN_FAILED: MessageIncompleteReason
MESSAGE_CONTENT_TYPE_UNSPECIFIED: MessageContentType
MESSAGE_CONTENT_TYPE_TEXT: MessageContentType
MESSAGE_CONTENT_TYPE_IMAGE_FILE: MessageContentType
MESSAGE_CONTENT_TYPE_IMAGE_URL: MessageContentType
MESSAGE_CONTENT_TYPE_REFUSAL: MessageContentType
IMAGE_DETAIL_UNSPECIFIED: ImageDetail
IMAGE_DETAIL_AUTO: ImageDetail
IMAGE_DETAIL_LOW: ImageDetail
IMAGE_DETAIL_HIGH: ImageDetail
ANNOTATION_TYPE_UNSPECIFIED: AnnotationType
ANNOTATION_TYPE_FILE_CITATION: AnnotationType
ANNOTATION_TYPE_FILE_PATH: AnnotationType
ATTACHMENT_TOOL_TYPE_UNSPECIFIED: AttachmentToolType
ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER: AttachmentToolType
ATTACHMENT_TOOL_TYPE_FILE_SEARCH: AttachmentToolType

class MessageIncompleteDetails(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: MessageIncompleteReason
    def __init__(self, reason: _Optional[_Union[MessageIncompleteReason, str]] = ...) -> None: ...

class ImageFile(_message.Message):
    __slots__ = ("file_id", "detail")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    detail: ImageDetail
    def __init__(self, file_id: _Optional[str] = ..., detail: _Optional[_Union[ImageDetail, str]] = ...) -> None: ...

class ImageUrl(_message.Message):
    __slots__ = ("url", "detail")
    URL_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    url: str
    detail: ImageDetail
    def __init__(self, url: _Optional[str] = ..., detail: _Optional[_Union[ImageDetail, str]] = ...) -> None: ...

class MessageContentInput(_message.Message):
    __slots__ = ("type", "text", "image_file", "image_url")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FILE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    type: MessageContentType
    text: str
    image_file: ImageFile
    image_url: ImageUrl
    def __init__(self, type: _Optional[_Union[MessageContentType, str]] = ..., text: _Optional[str] = ..., image_file: _Optional[_Union[ImageFile, _Mapping]] = ..., image_url: _Optional[_Union[ImageUrl, _Mapping]] = ...) -> None: ...

class MessageContent(_message.Message):
    __slots__ = ("type", "text", "image_file", "image_url", "refusal")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FILE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    type: MessageContentType
    text: Text
    image_file: ImageFile
    image_url: ImageUrl
    refusal: str
    def __init__(self, type: _Optional[_Union[MessageContentType, str]] = ..., text: _Optional[_Union[Text, _Mapping]] = ..., image_file: _Optional[_Union[ImageFile, _Mapping]] = ..., image_url: _Optional[_Union[ImageUrl, _Mapping]] = ..., refusal: _Optional[str] = ...) -> None: ...

class Text(_message.Message):
    __slots__ = ("value", "annotations")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    value: str
    annotations: _containers.RepeatedCompositeFieldContainer[Annotation]
    def __init__(self, value: _Optional[str] = ..., annotations: _Optional[_Iterable[_Union[Annotation, _Mapping]]] = ...) -> None: ...

class Annotation(_message.Message):
    __slots__ = ("type", "text", "start_index", "end_index", "file_citation", "file_path")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_INDEX_FIELD_NUMBER: _ClassVar[int]
    END_INDEX_FIELD_NUMBER: _ClassVar[int]
    FILE_CITATION_FIELD_NUMBER: _ClassVar[int]
    FILE_PATH_FIELD_NUMBER: _ClassVar[int]
    type: AnnotationType
    text: str
    start_index: int
    end_index: int
    file_citation: FileCitation
    file_path: FilePath
    def __init__(self, type: _Optional[_Union[AnnotationType, str]] = ..., text: _Optional[str] = ..., start_index: _Optional[int] = ..., end_index: _Optional[int] = ..., file_citation: _Optional[_Union[FileCitation, _Mapping]] = ..., file_path: _Optional[_Union[FilePath, _Mapping]] = ...) -> None: ...

class FileCitation(_message.Message):
    __slots__ = ("file_id", "quote")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    quote: str
    def __init__(self, file_id: _Optional[str] = ..., quote: _Optional[str] = ...) -> None: ...

class FilePath(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class AttachmentTool(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: AttachmentToolType
    def __init__(self, type: _Optional[_Union[AttachmentToolType, str]] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("file_id", "tools")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    tools: _containers.RepeatedCompositeFieldContainer[AttachmentTool]
    def __init__(self, file_id: _Optional[str] = ..., tools: _Optional[_Iterable[_Union[AttachmentTool, _Mapping]]] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("id", "object", "created_at", "thread_id", "status", "incomplete_details", "completed_at", "incomplete_at", "role", "content", "assistant_id", "run_id", "attachments", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INCOMPLETE_DETAILS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    INCOMPLETE_AT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    created_at: int
    thread_id: str
    status: MessageStatus
    incomplete_details: MessageIncompleteDetails
    completed_at: int
    incomplete_at: int
    role: MessageRole
    content: _containers.RepeatedCompositeFieldContainer[MessageContent]
    assistant_id: str
    run_id: str
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., created_at: _Optional[int] = ..., thread_id: _Optional[str] = ..., status: _Optional[_Union[MessageStatus, str]] = ..., incomplete_details: _Optional[_Union[MessageIncompleteDetails, _Mapping]] = ..., completed_at: _Optional[int] = ..., incomplete_at: _Optional[int] = ..., role: _Optional[_Union[MessageRole, str]] = ..., content: _Optional[_Iterable[_Union[MessageContent, _Mapping]]] = ..., assistant_id: _Optional[str] = ..., run_id: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class MessageInput(_message.Message):
    __slots__ = ("role", "content", "attachments", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    role: MessageRole
    content: _containers.RepeatedCompositeFieldContainer[MessageContentInput]
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, role: _Optional[_Union[MessageRole, str]] = ..., content: _Optional[_Iterable[_Union[MessageContentInput, _Mapping]]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class MessageDeltaEvent(_message.Message):
    __slots__ = ("id", "object", "delta")
    ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    delta: MessageDelta
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., delta: _Optional[_Union[MessageDelta, _Mapping]] = ...) -> None: ...

class MessageDelta(_message.Message):
    __slots__ = ("role", "content")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    role: MessageRole
    content: _containers.RepeatedCompositeFieldContainer[MessageContentDelta]
    def __init__(self, role: _Optional[_Union[MessageRole, str]] = ..., content: _Optional[_Iterable[_Union[MessageContentDelta, _Mapping]]] = ...) -> None: ...

class MessageContentDelta(_message.Message):
    __slots__ = ("index", "type", "text", "image_file", "image_url", "refusal")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FILE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    index: int
    type: MessageContentType
    text: TextDelta
    image_file: ImageFile
    image_url: ImageUrl
    refusal: str
    def __init__(self, index: _Optional[int] = ..., type: _Optional[_Union[MessageContentType, str]] = ..., text: _Optional[_Union[TextDelta, _Mapping]] = ..., image_file: _Optional[_Union[ImageFile, _Mapping]] = ..., image_url: _Optional[_Union[ImageUrl, _Mapping]] = ..., refusal: _Optional[str] = ...) -> None: ...

class TextDelta(_message.Message):
    __slots__ = ("value", "annotations")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    value: str
    annotations: _containers.RepeatedCompositeFieldContainer[AnnotationDelta]
    def __init__(self, value: _Optional[str] = ..., annotations: _Optional[_Iterable[_Union[AnnotationDelta, _Mapping]]] = ...) -> None: ...

class AnnotationDelta(_message.Message):
    __slots__ = ("index", "type", "text", "start_index", "end_index", "file_citation", "file_path")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_INDEX_FIELD_NUMBER: _ClassVar[int]
    END_INDEX_FIELD_NUMBER: _ClassVar[int]
    FILE_CITATION_FIELD_NUMBER: _ClassVar[int]
    FILE_PATH_FIELD_NUMBER: _ClassVar[int]
    index: int
    type: AnnotationType
    text: str
    start_index: int
    end_index: int
    file_citation: FileCitation
    file_path: FilePath
    def __init__(self, index: _Optional[int] = ..., type: _Optional[_Union[AnnotationType, str]] = ..., text: _Optional[str] = ..., start_index: _Optional[int] = ..., end_index: _Optional[int] = ..., file_citation: _Optional[_Union[FileCitation, _Mapping]] = ..., file_path: _Optional[_Union[FilePath, _Mapping]] = ...) -> None: ...

class CreateMessageRequest(_message.Message):
    __slots__ = ("thread_id", "role", "content", "attachments", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    role: MessageRole
    content: _containers.RepeatedCompositeFieldContainer[MessageContentInput]
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, thread_id: _Optional[str] = ..., role: _Optional[_Union[MessageRole, str]] = ..., content: _Optional[_Iterable[_Union[MessageContentInput, _Mapping]]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetMessageRequest(_message.Message):
    __slots__ = ("thread_id", "message_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    message_id: str
    def __init__(self, thread_id: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("thread_id", "limit", "order", "after", "before", "run_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    limit: int
    order: _common_pb2.ListOrder
    after: str
    before: str
    run_id: str
    def __init__(self, thread_id: _Optional[str] = ..., limit: _Optional[int] = ..., order: _Optional[_Union[_common_pb2.ListOrder, str]] = ..., after: _Optional[str] = ..., before: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("object", "data", "first_id", "last_id", "has_more")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIRST_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    object: str
    data: _containers.RepeatedCompositeFieldContainer[Message]
    first_id: str
    last_id: str
    has_more: bool
    def __init__(self, object: _Optional[str] = ..., data: _Optional[_Iterable[_Union[Message, _Mapping]]] = ..., first_id: _Optional[str] = ..., last_id: _Optional[str] = ..., has_more: _Optional[bool] = ...) -> None: ...

class UpdateMessageRequest(_message.Message):
    __slots__ = ("thread_id", "message_id", "metadata", "update_mask")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    message_id: str
    metadata: _containers.ScalarMap[str, str]
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, thread_id: _Optional[str] = ..., message_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteMessageRequest(_message.Message):
    __slots__ = ("thread_id", "message_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    message_id: str
    def __init__(self, thread_id: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...
