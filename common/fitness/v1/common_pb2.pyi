from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Joint(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOINT_UNSPECIFIED: _ClassVar[Joint]
    JOINT_NOSE: _ClassVar[Joint]
    JOINT_LEFT_EYE: _ClassVar[Joint]
    JOINT_RIGHT_EYE: _ClassVar[Joint]
    JOINT_LEFT_EAR: _ClassVar[Joint]
    JOINT_RIGHT_EAR: _ClassVar[Joint]
    JOINT_LEFT_SHOULDER: _ClassVar[Joint]
    JOINT_RIGHT_SHOULDER: _ClassVar[Joint]
    JOINT_LEFT_ELBOW: _ClassVar[Joint]
    JOINT_RIGHT_ELBOW: _ClassVar[Joint]
    JOINT_LEFT_WRIST: _ClassVar[Joint]
    JOINT_RIGHT_WRIST: _ClassVar[Joint]
    JOINT_LEFT_HIP: _ClassVar[Joint]
    JOINT_RIGHT_HIP: _ClassVar[Joint]
    JOINT_LEFT_KNEE: _ClassVar[Joint]
    JOINT_RIGHT_KNEE: _ClassVar[Joint]
    JOINT_LEFT_ANKLE: _ClassVar[Joint]
    JOINT_RIGHT_ANKLE: _ClassVar[Joint]

class View(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIEW_UNSPECIFIED: _ClassVar[View]
    VIEW_SIDE: _ClassVar[View]
    VIEW_FRONT_OR_BACK: _ClassVar[View]
JOINT_UNSPECIFIED: Joint
JOINT_NOSE: Joint
JOINT_LEFT_EYE: Joint
JOINT_RIGHT_EYE: Joint
JOINT_LEFT_EAR: Joint
JOINT_RIGHT_EAR: Joint
JOINT_LEFT_SHOULDER: Joint
JOINT_RIGHT_SHOULDER: Joint
JOINT_LEFT_ELBOW: Joint
JOINT_RIGHT_ELBOW: Joint
JOINT_LEFT_WRIST: Joint
JOINT_RIGHT_WRIST: Joint
JOINT_LEFT_HIP: Joint
JOINT_RIGHT_HIP: Joint
JOINT_LEFT_KNEE: Joint
JOINT_RIGHT_KNEE: Joint
JOINT_LEFT_ANKLE: Joint
JOINT_RIGHT_ANKLE: Joint
VIEW_UNSPECIFIED: View
VIEW_SIDE: View
VIEW_FRONT_OR_BACK: View

class Keypoint(_message.Message):
    __slots__ = ("x", "y", "score")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    score: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., score: _Optional[float] = ...) -> None: ...

class Box(_message.Message):
    __slots__ = ("x", "y", "width", "height")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    width: float
    height: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., width: _Optional[float] = ..., height: _Optional[float] = ...) -> None: ...

class Pose(_message.Message):
    __slots__ = ("keypoints", "box", "score")
    KEYPOINTS_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    keypoints: _containers.RepeatedCompositeFieldContainer[Keypoint]
    box: Box
    score: float
    def __init__(self, keypoints: _Optional[_Iterable[_Union[Keypoint, _Mapping]]] = ..., box: _Optional[_Union[Box, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class Image(_message.Message):
    __slots__ = ("encoding", "data", "width", "height")
    class Encoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ENCODING_UNSPECIFIED: _ClassVar[Image.Encoding]
        ENCODING_JPEG: _ClassVar[Image.Encoding]
        ENCODING_PNG: _ClassVar[Image.Encoding]
        ENCODING_RAW_RGB: _ClassVar[Image.Encoding]
    ENCODING_UNSPECIFIED: Image.Encoding
    ENCODING_JPEG: Image.Encoding
    ENCODING_PNG: Image.Encoding
    ENCODING_RAW_RGB: Image.Encoding
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    encoding: Image.Encoding
    data: bytes
    width: int
    height: int
    def __init__(self, encoding: _Optional[_Union[Image.Encoding, str]] = ..., data: _Optional[bytes] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class Frame(_message.Message):
    __slots__ = ("image", "index", "timestamp_seconds")
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    image: Image
    index: int
    timestamp_seconds: float
    def __init__(self, image: _Optional[_Union[Image, _Mapping]] = ..., index: _Optional[int] = ..., timestamp_seconds: _Optional[float] = ...) -> None: ...

class FramePose(_message.Message):
    __slots__ = ("frame_index", "pose", "others")
    FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    POSE_FIELD_NUMBER: _ClassVar[int]
    OTHERS_FIELD_NUMBER: _ClassVar[int]
    frame_index: int
    pose: Pose
    others: OtherPeople
    def __init__(self, frame_index: _Optional[int] = ..., pose: _Optional[_Union[Pose, _Mapping]] = ..., others: _Optional[_Union[OtherPeople, _Mapping]] = ...) -> None: ...

class OtherPeople(_message.Message):
    __slots__ = ("boxes",)
    BOXES_FIELD_NUMBER: _ClassVar[int]
    boxes: _containers.RepeatedCompositeFieldContainer[Box]
    def __init__(self, boxes: _Optional[_Iterable[_Union[Box, _Mapping]]] = ...) -> None: ...

class Exercise(_message.Message):
    __slots__ = ("id", "display_name", "major_joints", "preferred_view")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    MAJOR_JOINTS_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_VIEW_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    major_joints: _containers.RepeatedScalarFieldContainer[Joint]
    preferred_view: View
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., major_joints: _Optional[_Iterable[_Union[Joint, str]]] = ..., preferred_view: _Optional[_Union[View, str]] = ...) -> None: ...

class ExerciseProbability(_message.Message):
    __slots__ = ("exercise_id", "probability")
    EXERCISE_ID_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    exercise_id: str
    probability: float
    def __init__(self, exercise_id: _Optional[str] = ..., probability: _Optional[float] = ...) -> None: ...

class VideoInfo(_message.Message):
    __slots__ = ("width", "height", "fps", "frame_count", "duration_seconds", "codec", "rotation_degrees")
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    FRAME_COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    ROTATION_DEGREES_FIELD_NUMBER: _ClassVar[int]
    width: int
    height: int
    fps: float
    frame_count: int
    duration_seconds: float
    codec: str
    rotation_degrees: int
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ..., fps: _Optional[float] = ..., frame_count: _Optional[int] = ..., duration_seconds: _Optional[float] = ..., codec: _Optional[str] = ..., rotation_degrees: _Optional[int] = ...) -> None: ...
