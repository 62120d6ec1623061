from common.fitness.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EstimatePosesRequest(_message.Message):
    __slots__ = ("frames", "boxes", "flip_test")
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    FLIP_TEST_FIELD_NUMBER: _ClassVar[int]
    frames: _containers.RepeatedCompositeFieldContainer[_common_pb2.Frame]
    boxes: _containers.RepeatedCompositeFieldContainer[_common_pb2.Box]
    flip_test: bool
    def __init__(self, frames: _Optional[_Iterable[_Union[_common_pb2.Frame, _Mapping]]] = ..., boxes: _Optional[_Iterable[_Union[_common_pb2.Box, _Mapping]]] = ..., flip_test: _Optional[bool] = ...) -> None: ...

class EstimatePosesResponse(_message.Message):
    __slots__ = ("poses",)
    POSES_FIELD_NUMBER: _ClassVar[int]
    poses: _containers.RepeatedCompositeFieldContainer[_common_pb2.FramePose]
    def __init__(self, poses: _Optional[_Iterable[_Union[_common_pb2.FramePose, _Mapping]]] = ...) -> None: ...

class GetModelInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetModelInfoResponse(_message.Message):
    __slots__ = ("model_name", "model_version", "input_width", "input_height", "max_batch_size", "backend")
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    INPUT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    INPUT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    model_name: str
    model_version: str
    input_width: int
    input_height: int
    max_batch_size: int
    backend: str
    def __init__(self, model_name: _Optional[str] = ..., model_version: _Optional[str] = ..., input_width: _Optional[int] = ..., input_height: _Optional[int] = ..., max_batch_size: _Optional[int] = ..., backend: _Optional[str] = ...) -> None: ...
