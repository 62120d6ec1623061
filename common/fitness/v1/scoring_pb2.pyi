from common.fitness.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScoreRequest(_message.Message):
    __slots__ = ("exercise_id", "poses", "frame_width", "frame_height", "scorer", "fps", "ongoing")
    EXERCISE_ID_FIELD_NUMBER: _ClassVar[int]
    POSES_FIELD_NUMBER: _ClassVar[int]
    FRAME_WIDTH_FIELD_NUMBER: _ClassVar[int]
    FRAME_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SCORER_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    ONGOING_FIELD_NUMBER: _ClassVar[int]
    exercise_id: str
    poses: _containers.RepeatedCompositeFieldContainer[_common_pb2.FramePose]
    frame_width: int
    frame_height: int
    scorer: str
    fps: float
    ongoing: bool
    def __init__(self, exercise_id: _Optional[str] = ..., poses: _Optional[_Iterable[_Union[_common_pb2.FramePose, _Mapping]]] = ..., frame_width: _Optional[int] = ..., frame_height: _Optional[int] = ..., scorer: _Optional[str] = ..., fps: _Optional[float] = ..., ongoing: _Optional[bool] = ...) -> None: ...

class JointScore(_message.Message):
    __slots__ = ("joint", "score", "running_score")
    JOINT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RUNNING_SCORE_FIELD_NUMBER: _ClassVar[int]
    joint: _common_pb2.Joint
    score: float
    running_score: float
    def __init__(self, joint: _Optional[_Union[_common_pb2.Joint, str]] = ..., score: _Optional[float] = ..., running_score: _Optional[float] = ...) -> None: ...

class FrameScore(_message.Message):
    __slots__ = ("frame_index", "joints", "overall")
    FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    JOINTS_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    frame_index: int
    joints: _containers.RepeatedCompositeFieldContainer[JointScore]
    overall: float
    def __init__(self, frame_index: _Optional[int] = ..., joints: _Optional[_Iterable[_Union[JointScore, _Mapping]]] = ..., overall: _Optional[float] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("exercise_id", "frames", "joints", "overall", "scorer", "reps", "preferred_view")
    EXERCISE_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    JOINTS_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    SCORER_FIELD_NUMBER: _ClassVar[int]
    REPS_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_VIEW_FIELD_NUMBER: _ClassVar[int]
    exercise_id: str
    frames: _containers.RepeatedCompositeFieldContainer[FrameScore]
    joints: _containers.RepeatedCompositeFieldContainer[JointScore]
    overall: float
    scorer: str
    reps: _containers.RepeatedCompositeFieldContainer[RepScore]
    preferred_view: _common_pb2.View
    def __init__(self, exercise_id: _Optional[str] = ..., frames: _Optional[_Iterable[_Union[FrameScore, _Mapping]]] = ..., joints: _Optional[_Iterable[_Union[JointScore, _Mapping]]] = ..., overall: _Optional[float] = ..., scorer: _Optional[str] = ..., reps: _Optional[_Iterable[_Union[RepScore, _Mapping]]] = ..., preferred_view: _Optional[_Union[_common_pb2.View, str]] = ...) -> None: ...

class RepScore(_message.Message):
    __slots__ = ("start_frame_index", "turn_frame_index", "end_frame_index", "seconds", "range_of_motion", "joints", "overall", "worst_joint", "worst_frame_index", "deviations", "cues", "unjudged_cues")
    START_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    TURN_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    END_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    RANGE_OF_MOTION_FIELD_NUMBER: _ClassVar[int]
    JOINTS_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    WORST_JOINT_FIELD_NUMBER: _ClassVar[int]
    WORST_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    DEVIATIONS_FIELD_NUMBER: _ClassVar[int]
    CUES_FIELD_NUMBER: _ClassVar[int]
    UNJUDGED_CUES_FIELD_NUMBER: _ClassVar[int]
    start_frame_index: int
    turn_frame_index: int
    end_frame_index: int
    seconds: float
    range_of_motion: float
    joints: _containers.RepeatedCompositeFieldContainer[JointScore]
    overall: float
    worst_joint: _common_pb2.Joint
    worst_frame_index: int
    deviations: _containers.RepeatedScalarFieldContainer[float]
    cues: _containers.RepeatedScalarFieldContainer[str]
    unjudged_cues: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, start_frame_index: _Optional[int] = ..., turn_frame_index: _Optional[int] = ..., end_frame_index: _Optional[int] = ..., seconds: _Optional[float] = ..., range_of_motion: _Optional[float] = ..., joints: _Optional[_Iterable[_Union[JointScore, _Mapping]]] = ..., overall: _Optional[float] = ..., worst_joint: _Optional[_Union[_common_pb2.Joint, str]] = ..., worst_frame_index: _Optional[int] = ..., deviations: _Optional[_Iterable[float]] = ..., cues: _Optional[_Iterable[str]] = ..., unjudged_cues: _Optional[_Iterable[str]] = ...) -> None: ...

class ListExercisesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListExercisesResponse(_message.Message):
    __slots__ = ("exercises", "unavailable")
    class UnavailableEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EXERCISES_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    exercises: _containers.RepeatedCompositeFieldContainer[_common_pb2.Exercise]
    unavailable: _containers.ScalarMap[str, str]
    def __init__(self, exercises: _Optional[_Iterable[_Union[_common_pb2.Exercise, _Mapping]]] = ..., unavailable: _Optional[_Mapping[str, str]] = ...) -> None: ...
