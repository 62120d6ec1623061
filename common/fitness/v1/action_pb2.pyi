from common.fitness.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecognizeKeypointsRequest(_message.Message):
    __slots__ = ("poses", "fps", "top_k")
    POSES_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    poses: _containers.RepeatedCompositeFieldContainer[_common_pb2.FramePose]
    fps: float
    top_k: int
    def __init__(self, poses: _Optional[_Iterable[_Union[_common_pb2.FramePose, _Mapping]]] = ..., fps: _Optional[float] = ..., top_k: _Optional[int] = ...) -> None: ...

class RecognizeRequest(_message.Message):
    __slots__ = ("frames", "fps", "top_k")
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    frames: _containers.RepeatedCompositeFieldContainer[_common_pb2.Frame]
    fps: float
    top_k: int
    def __init__(self, frames: _Optional[_Iterable[_Union[_common_pb2.Frame, _Mapping]]] = ..., fps: _Optional[float] = ..., top_k: _Optional[int] = ...) -> None: ...

class RecognizeResponse(_message.Message):
    __slots__ = ("top_k", "clips", "model_name")
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    CLIPS_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    top_k: _containers.RepeatedCompositeFieldContainer[_common_pb2.ExerciseProbability]
    clips: int
    model_name: str
    def __init__(self, top_k: _Optional[_Iterable[_Union[_common_pb2.ExerciseProbability, _Mapping]]] = ..., clips: _Optional[int] = ..., model_name: _Optional[str] = ...) -> None: ...

class RecognizeKeypointsResponse(_message.Message):
    __slots__ = ("top_k", "windows", "model_name")
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    top_k: _containers.RepeatedCompositeFieldContainer[_common_pb2.ExerciseProbability]
    windows: int
    model_name: str
    def __init__(self, top_k: _Optional[_Iterable[_Union[_common_pb2.ExerciseProbability, _Mapping]]] = ..., windows: _Optional[int] = ..., model_name: _Optional[str] = ...) -> None: ...

class ListClassesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListClassesResponse(_message.Message):
    __slots__ = ("exercise_ids", "keypoint_classes")
    EXERCISE_IDS_FIELD_NUMBER: _ClassVar[int]
    KEYPOINT_CLASSES_FIELD_NUMBER: _ClassVar[int]
    exercise_ids: _containers.RepeatedScalarFieldContainer[str]
    keypoint_classes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, exercise_ids: _Optional[_Iterable[str]] = ..., keypoint_classes: _Optional[_Iterable[str]] = ...) -> None: ...
