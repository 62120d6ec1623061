from common.fitness.v1 import common_pb2 as _common_pb2
from common.fitness.v1 import scoring_pb2 as _scoring_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Recognizer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECOGNIZER_UNSPECIFIED: _ClassVar[Recognizer]
    RECOGNIZER_FUSED: _ClassVar[Recognizer]
    RECOGNIZER_VIDEO: _ClassVar[Recognizer]
    RECOGNIZER_KEYPOINTS: _ClassVar[Recognizer]
RECOGNIZER_UNSPECIFIED: Recognizer
RECOGNIZER_FUSED: Recognizer
RECOGNIZER_VIDEO: Recognizer
RECOGNIZER_KEYPOINTS: Recognizer

class LiveSessionRequest(_message.Message):
    __slots__ = ("start", "frame")
    START_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    start: LiveStart
    frame: _common_pb2.Frame
    def __init__(self, start: _Optional[_Union[LiveStart, _Mapping]] = ..., frame: _Optional[_Union[_common_pb2.Frame, _Mapping]] = ...) -> None: ...

class LiveStart(_message.Message):
    __slots__ = ("exercise_hint", "fps", "scorer", "session_name")
    EXERCISE_HINT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    SCORER_FIELD_NUMBER: _ClassVar[int]
    SESSION_NAME_FIELD_NUMBER: _ClassVar[int]
    exercise_hint: str
    fps: float
    scorer: str
    session_name: str
    def __init__(self, exercise_hint: _Optional[str] = ..., fps: _Optional[float] = ..., scorer: _Optional[str] = ..., session_name: _Optional[str] = ...) -> None: ...

class LiveSessionResponse(_message.Message):
    __slots__ = ("started", "frame", "frame_scores", "exercise", "rep", "warning", "report")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    FRAME_SCORES_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_FIELD_NUMBER: _ClassVar[int]
    REP_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    started: LiveStarted
    frame: LiveFrame
    frame_scores: FrameScores
    exercise: ExerciseRecognized
    rep: LiveRep
    warning: CaptureWarning
    report: Report
    def __init__(self, started: _Optional[_Union[LiveStarted, _Mapping]] = ..., frame: _Optional[_Union[LiveFrame, _Mapping]] = ..., frame_scores: _Optional[_Union[FrameScores, _Mapping]] = ..., exercise: _Optional[_Union[ExerciseRecognized, _Mapping]] = ..., rep: _Optional[_Union[LiveRep, _Mapping]] = ..., warning: _Optional[_Union[CaptureWarning, _Mapping]] = ..., report: _Optional[_Union[Report, _Mapping]] = ...) -> None: ...

class LiveStarted(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class LiveFrame(_message.Message):
    __slots__ = ("pose", "dropped_frames", "latency_seconds")
    POSE_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FRAMES_FIELD_NUMBER: _ClassVar[int]
    LATENCY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    pose: _common_pb2.FramePose
    dropped_frames: int
    latency_seconds: float
    def __init__(self, pose: _Optional[_Union[_common_pb2.FramePose, _Mapping]] = ..., dropped_frames: _Optional[int] = ..., latency_seconds: _Optional[float] = ...) -> None: ...

class LiveRep(_message.Message):
    __slots__ = ("count", "rep")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    REP_FIELD_NUMBER: _ClassVar[int]
    count: int
    rep: Rep
    def __init__(self, count: _Optional[int] = ..., rep: _Optional[_Union[Rep, _Mapping]] = ...) -> None: ...

class LiveStats(_message.Message):
    __slots__ = ("frames_received", "frames_posed", "frames_dropped", "latency_p50_seconds", "latency_p95_seconds", "posed_fps")
    FRAMES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_POSED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_SECONDS_FIELD_NUMBER: _ClassVar[int]
    POSED_FPS_FIELD_NUMBER: _ClassVar[int]
    frames_received: int
    frames_posed: int
    frames_dropped: int
    latency_p50_seconds: float
    latency_p95_seconds: float
    posed_fps: float
    def __init__(self, frames_received: _Optional[int] = ..., frames_posed: _Optional[int] = ..., frames_dropped: _Optional[int] = ..., latency_p50_seconds: _Optional[float] = ..., latency_p95_seconds: _Optional[float] = ..., posed_fps: _Optional[float] = ...) -> None: ...

class AnalyzeVideoRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: VideoMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[VideoMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class VideoMetadata(_message.Message):
    __slots__ = ("file_name", "size_bytes", "exercise_hint", "options")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_HINT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    size_bytes: int
    exercise_hint: str
    options: AnalysisOptions
    def __init__(self, file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., exercise_hint: _Optional[str] = ..., options: _Optional[_Union[AnalysisOptions, _Mapping]] = ...) -> None: ...

class AnalysisOptions(_message.Message):
    __slots__ = ("stream_frame_scores", "sample_fps", "scorer", "recognizer")
    STREAM_FRAME_SCORES_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FPS_FIELD_NUMBER: _ClassVar[int]
    SCORER_FIELD_NUMBER: _ClassVar[int]
    RECOGNIZER_FIELD_NUMBER: _ClassVar[int]
    stream_frame_scores: bool
    sample_fps: float
    scorer: str
    recognizer: Recognizer
    def __init__(self, stream_frame_scores: _Optional[bool] = ..., sample_fps: _Optional[float] = ..., scorer: _Optional[str] = ..., recognizer: _Optional[_Union[Recognizer, str]] = ...) -> None: ...

class AnalyzeVideoResponse(_message.Message):
    __slots__ = ("accepted", "progress", "exercise", "frame_scores", "report")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_FIELD_NUMBER: _ClassVar[int]
    FRAME_SCORES_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    accepted: Accepted
    progress: Progress
    exercise: ExerciseRecognized
    frame_scores: FrameScores
    report: Report
    def __init__(self, accepted: _Optional[_Union[Accepted, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., exercise: _Optional[_Union[ExerciseRecognized, _Mapping]] = ..., frame_scores: _Optional[_Union[FrameScores, _Mapping]] = ..., report: _Optional[_Union[Report, _Mapping]] = ...) -> None: ...

class Accepted(_message.Message):
    __slots__ = ("analysis_id", "video")
    ANALYSIS_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    analysis_id: str
    video: _common_pb2.VideoInfo
    def __init__(self, analysis_id: _Optional[str] = ..., video: _Optional[_Union[_common_pb2.VideoInfo, _Mapping]] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("stage", "done", "total")
    class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STAGE_UNSPECIFIED: _ClassVar[Progress.Stage]
        STAGE_UPLOAD: _ClassVar[Progress.Stage]
        STAGE_DECODE: _ClassVar[Progress.Stage]
        STAGE_POSE: _ClassVar[Progress.Stage]
        STAGE_RECOGNIZE: _ClassVar[Progress.Stage]
        STAGE_SCORE: _ClassVar[Progress.Stage]
    STAGE_UNSPECIFIED: Progress.Stage
    STAGE_UPLOAD: Progress.Stage
    STAGE_DECODE: Progress.Stage
    STAGE_POSE: Progress.Stage
    STAGE_RECOGNIZE: Progress.Stage
    STAGE_SCORE: Progress.Stage
    STAGE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    stage: Progress.Stage
    done: int
    total: int
    def __init__(self, stage: _Optional[_Union[Progress.Stage, str]] = ..., done: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class ExerciseRecognized(_message.Message):
    __slots__ = ("exercise_id", "confidence", "top_k", "from_hint", "verdict", "recognizer", "answers", "reason")
    class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        VERDICT_UNSPECIFIED: _ClassVar[ExerciseRecognized.Verdict]
        VERDICT_RECOGNIZED: _ClassVar[ExerciseRecognized.Verdict]
        VERDICT_UNCERTAIN: _ClassVar[ExerciseRecognized.Verdict]
        VERDICT_NONE: _ClassVar[ExerciseRecognized.Verdict]
    VERDICT_UNSPECIFIED: ExerciseRecognized.Verdict
    VERDICT_RECOGNIZED: ExerciseRecognized.Verdict
    VERDICT_UNCERTAIN: ExerciseRecognized.Verdict
    VERDICT_NONE: ExerciseRecognized.Verdict
    EXERCISE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    FROM_HINT_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    RECOGNIZER_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    exercise_id: str
    confidence: float
    top_k: _containers.RepeatedCompositeFieldContainer[_common_pb2.ExerciseProbability]
    from_hint: bool
    verdict: ExerciseRecognized.Verdict
    recognizer: Recognizer
    answers: _containers.RepeatedCompositeFieldContainer[RecognizerAnswer]
    reason: str
    def __init__(self, exercise_id: _Optional[str] = ..., confidence: _Optional[float] = ..., top_k: _Optional[_Iterable[_Union[_common_pb2.ExerciseProbability, _Mapping]]] = ..., from_hint: _Optional[bool] = ..., verdict: _Optional[_Union[ExerciseRecognized.Verdict, str]] = ..., recognizer: _Optional[_Union[Recognizer, str]] = ..., answers: _Optional[_Iterable[_Union[RecognizerAnswer, _Mapping]]] = ..., reason: _Optional[str] = ...) -> None: ...

class RecognizerAnswer(_message.Message):
    __slots__ = ("recognizer", "model_name", "top_k")
    RECOGNIZER_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    recognizer: Recognizer
    model_name: str
    top_k: _containers.RepeatedCompositeFieldContainer[_common_pb2.ExerciseProbability]
    def __init__(self, recognizer: _Optional[_Union[Recognizer, str]] = ..., model_name: _Optional[str] = ..., top_k: _Optional[_Iterable[_Union[_common_pb2.ExerciseProbability, _Mapping]]] = ...) -> None: ...

class FrameScores(_message.Message):
    __slots__ = ("frames",)
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    frames: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.FrameScore]
    def __init__(self, frames: _Optional[_Iterable[_Union[_scoring_pb2.FrameScore, _Mapping]]] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("analysis_id", "file_name", "video", "exercise", "poses", "scores", "feedback", "elapsed_seconds", "reps", "warnings", "live")
    ANALYSIS_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_FIELD_NUMBER: _ClassVar[int]
    POSES_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REPS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    analysis_id: str
    file_name: str
    video: _common_pb2.VideoInfo
    exercise: ExerciseRecognized
    poses: _containers.RepeatedCompositeFieldContainer[_common_pb2.FramePose]
    scores: _scoring_pb2.ScoreResponse
    feedback: _containers.RepeatedScalarFieldContainer[str]
    elapsed_seconds: float
    reps: _containers.RepeatedCompositeFieldContainer[Rep]
    warnings: _containers.RepeatedCompositeFieldContainer[CaptureWarning]
    live: LiveStats
    def __init__(self, analysis_id: _Optional[str] = ..., file_name: _Optional[str] = ..., video: _Optional[_Union[_common_pb2.VideoInfo, _Mapping]] = ..., exercise: _Optional[_Union[ExerciseRecognized, _Mapping]] = ..., poses: _Optional[_Iterable[_Union[_common_pb2.FramePose, _Mapping]]] = ..., scores: _Optional[_Union[_scoring_pb2.ScoreResponse, _Mapping]] = ..., feedback: _Optional[_Iterable[str]] = ..., elapsed_seconds: _Optional[float] = ..., reps: _Optional[_Iterable[_Union[Rep, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[CaptureWarning, _Mapping]]] = ..., live: _Optional[_Union[LiveStats, _Mapping]] = ...) -> None: ...

class CaptureWarning(_message.Message):
    __slots__ = ("kind", "message")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[CaptureWarning.Kind]
        KIND_BODY_CUT_OFF: _ClassVar[CaptureWarning.Kind]
        KIND_PERSON_TOO_SMALL: _ClassVar[CaptureWarning.Kind]
        KIND_NO_FULL_REP: _ClassVar[CaptureWarning.Kind]
        KIND_WRONG_VIEW: _ClassVar[CaptureWarning.Kind]
        KIND_OTHER_PEOPLE: _ClassVar[CaptureWarning.Kind]
        KIND_JOINTS_HIDDEN: _ClassVar[CaptureWarning.Kind]
        KIND_PERSON_NOT_SEEN: _ClassVar[CaptureWarning.Kind]
    KIND_UNSPECIFIED: CaptureWarning.Kind
    KIND_BODY_CUT_OFF: CaptureWarning.Kind
    KIND_PERSON_TOO_SMALL: CaptureWarning.Kind
    KIND_NO_FULL_REP: CaptureWarning.Kind
    KIND_WRONG_VIEW: CaptureWarning.Kind
    KIND_OTHER_PEOPLE: CaptureWarning.Kind
    KIND_JOINTS_HIDDEN: CaptureWarning.Kind
    KIND_PERSON_NOT_SEEN: CaptureWarning.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    kind: CaptureWarning.Kind
    message: str
    def __init__(self, kind: _Optional[_Union[CaptureWarning.Kind, str]] = ..., message: _Optional[str] = ...) -> None: ...

class Rep(_message.Message):
    __slots__ = ("start_frame_index", "turn_frame_index", "end_frame_index", "seconds", "range_of_motion", "scores")
    START_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    TURN_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    END_FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    RANGE_OF_MOTION_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    start_frame_index: int
    turn_frame_index: int
    end_frame_index: int
    seconds: float
    range_of_motion: float
    scores: _scoring_pb2.RepScore
    def __init__(self, start_frame_index: _Optional[int] = ..., turn_frame_index: _Optional[int] = ..., end_frame_index: _Optional[int] = ..., seconds: _Optional[float] = ..., range_of_motion: _Optional[float] = ..., scores: _Optional[_Union[_scoring_pb2.RepScore, _Mapping]] = ...) -> None: ...
