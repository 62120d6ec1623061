"""`fitness.v1.KeypointScorer` on a real gRPC server: scores, exercises and bad input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import numpy as np
import pytest

from common.channels import open_channel
from common.fitness.v1 import common_pb2, scoring_pb2, scoring_pb2_grpc
from common.server import start_server
from common.skeleton import KEYPOINT_INDEX
from scoring_service.catalogue import load_catalogue
from scoring_service.index import IndexStore, build_index_dir
from scoring_service.server import binding
from scoring_service.settings import ScoringSettings
from tests.models import REP_SEGMENTER
from tests.scoring_service.poses import FRAME, reference_videos, squat

SQUAT_JOINTS = ["left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
MAX_POSES = 50
HIPS = [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]
SHOULDERS = [KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]
DEPTH_CUE = {
    "fault": "shallow_depth",
    "measure": "angle",
    "joints": ["hip", "knee", "ankle"],
    "over": "min",
    "fires": "above",
    "by": 15,
    "words": "rep {rep}: squat deeper: knee angle {value:.0f} degrees, reference {reference:.0f}",
}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> tuple[Path, Path]:
    """(catalogue, index directory): squats and jumping jacks catalogued, only squats built."""
    folder = tmp_path_factory.mktemp("scoring")
    catalogue = folder / "exercises.json"
    catalogue.write_text(
        json.dumps(
            {
                "BodyWeightSquats": {
                    "display_name": "Squats",
                    "view": "side",
                    "major_joints": SQUAT_JOINTS,
                },
                "JumpingJack": {"display_name": "Jumping jacks", "major_joints": ["left_wrist"]},
            }
        )
    )
    (folder / "cues").mkdir()
    (folder / "cues" / "BodyWeightSquats.json").write_text(json.dumps([DEPTH_CUE]))
    videos = reference_videos("BodyWeightSquats", squat, count=3, frames=24)
    build_index_dir(
        videos,
        load_catalogue(catalogue),
        folder / "index",
        source="poses.py",
        rep_segmenter=REP_SEGMENTER,
    )
    return catalogue, folder / "index"


@asynccontextmanager
async def serving(index_dir, **overrides) -> AsyncIterator[scoring_pb2_grpc.KeypointScorerStub]:
    catalogue, folder = index_dir
    settings = ScoringSettings(
        port=0,
        index_dir=folder,
        exercises=catalogue,
        max_poses=MAX_POSES,
        reload_seconds=0,
        **overrides,
    )
    store = IndexStore(settings.index_dir, load_catalogue(settings.exercises))
    running = await start_server(settings, [binding(store, settings)])
    try:
        async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
            yield scoring_pb2_grpc.KeypointScorerStub(channel)
    finally:
        await running.stop(None)


@pytest.fixture
async def stub(index_dir) -> AsyncIterator[scoring_pb2_grpc.KeypointScorerStub]:
    async with serving(index_dir) as stub:
        yield stub


def request(
    keypoints: np.ndarray,
    *,
    exercise: str = "BodyWeightSquats",
    scorer: str = "",
    frame_indices: list[int] | None = None,
    size: tuple[int, int] = FRAME,
) -> scoring_pb2.ScoreRequest:
    """A request for keypoints (F, K, 3), frames numbered 0, 2, 4, ... unless told."""
    indices = frame_indices if frame_indices is not None else [2 * i for i in range(len(keypoints))]
    return scoring_pb2.ScoreRequest(
        exercise_id=exercise,
        poses=[
            common_pb2.FramePose(
                frame_index=index,
                pose=common_pb2.Pose(
                    keypoints=[common_pb2.Keypoint(x=x, y=y, score=s) for x, y, s in pose]
                ),
            )
            for index, pose in zip(indices, keypoints, strict=True)
        ],
        frame_width=size[0],
        frame_height=size[1],
        scorer=scorer,
    )


def performance(frames: int = 10) -> np.ndarray:
    return squat(frames, depth=0.9, offset=(330.0, 430.0), scale=0.9, seed=42)


@pytest.mark.parametrize("scorer", ["paper", "pose"])
async def test_every_scored_frame_gets_a_score_per_major_joint(stub, scorer):
    keypoints = performance()
    keypoints[4, SHOULDERS, 2] = 0.0  # shoulders not found: this frame is skipped
    response = await stub.Score(request(keypoints, scorer=scorer), timeout=30)
    assert (response.exercise_id, response.scorer) == ("BodyWeightSquats", scorer)
    assert [frame.frame_index for frame in response.frames] == [0, 2, 4, 6, 10, 12, 14, 16, 18]
    joints = [KEYPOINT_INDEX[name] + 1 for name in SQUAT_JOINTS]
    for frame in response.frames:
        assert [joint.joint for joint in frame.joints] == joints
        assert all(0 <= joint.score <= 100 for joint in frame.joints)
        mean = np.mean([joint.score for joint in frame.joints])
        assert frame.overall == pytest.approx(mean, abs=1e-3)
    assert [joint.joint for joint in response.joints] == joints
    last = [joint.running_score for joint in response.frames[-1].joints]
    np.testing.assert_allclose([joint.score for joint in response.joints], last, atol=1e-3)
    assert 0 <= response.overall <= 100
    assert response.overall > 50  # a squat, against squats (one frame is unseen)


async def test_without_a_scorer_name_the_settings_default_scores(index_dir):
    async with serving(index_dir) as stub:
        assert (await stub.Score(request(performance(3)), timeout=30)).scorer == "pose"
    async with serving(index_dir, scorer="paper") as stub:
        assert (await stub.Score(request(performance(3)), timeout=30)).scorer == "paper"


async def test_the_exercises_with_an_index_are_listed_and_the_others_say_why_not(stub):
    response = await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=5)
    assert [exercise.id for exercise in response.exercises] == ["BodyWeightSquats"]
    squats = response.exercises[0]
    assert squats.display_name == "Squats"
    assert list(squats.major_joints) == [KEYPOINT_INDEX[name] + 1 for name in SQUAT_JOINTS]
    assert list(squats.major_joints)[:2] == [
        common_pb2.JOINT_LEFT_HIP,
        common_pb2.JOINT_RIGHT_HIP,
    ]
    assert list(response.unavailable) == ["JumpingJack"]
    assert "no index built for JumpingJack" in response.unavailable["JumpingJack"]
    assert squats.preferred_view == common_pb2.VIEW_SIDE


async def test_a_score_says_where_the_camera_should_stand_for_the_exercise(stub):
    response = await stub.Score(request(performance(3)), timeout=30)
    assert response.preferred_view == common_pb2.VIEW_SIDE


async def test_an_unknown_exercise_is_not_found(stub):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(request(performance(3), exercise="Yoga"), timeout=30)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert "Yoga" in error.value.details()
    assert "BodyWeightSquats" in error.value.details()  # the known ones are named


async def test_a_catalogued_exercise_without_an_index_is_a_failed_precondition(stub):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(request(performance(3), exercise="JumpingJack"), timeout=30)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no index built for JumpingJack" in error.value.details()


async def test_a_scorer_the_index_was_built_without_is_a_failed_precondition(stub):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(request(performance(3), scorer="view"), timeout=30)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "needs 3D reference poses" in error.value.details()
    assert "['paper', 'pose']" in error.value.details()


async def test_a_keypoint_on_the_frame_s_border_is_inside_it(stub):
    keypoints = performance(3)
    keypoints[1, 0, :2] = FRAME  # the bottom-right corner
    response = await stub.Score(request(keypoints), timeout=30)
    assert len(response.frames) == 3


def with_nan() -> scoring_pb2.ScoreRequest:
    keypoints = performance(3)
    keypoints[1, 7, 0] = np.nan
    return request(keypoints)


def outside() -> scoring_pb2.ScoreRequest:
    keypoints = performance(3)
    keypoints[2, 9, 0] = FRAME[0] + 20
    return request(keypoints)


def score_above_1() -> scoring_pb2.ScoreRequest:
    keypoints = performance(3)
    keypoints[0, 0, 2] = 1.5
    return request(keypoints)


def sixteen_keypoints() -> scoring_pb2.ScoreRequest:
    bad = request(performance(3))
    del bad.poses[1].pose.keypoints[16]
    return bad


@pytest.mark.parametrize(
    ("bad", "code", "message"),
    [
        (lambda: request(performance(0)), grpc.StatusCode.INVALID_ARGUMENT, "no poses"),
        (sixteen_keypoints, grpc.StatusCode.INVALID_ARGUMENT, "frame 2: 16 keypoints"),
        (with_nan, grpc.StatusCode.INVALID_ARGUMENT, "frame 2: NaN"),
        (outside, grpc.StatusCode.INVALID_ARGUMENT, "frame 4: a keypoint lies outside the 640x480"),
        (score_above_1, grpc.StatusCode.INVALID_ARGUMENT, "score outside [0, 1]"),
        (
            lambda: request(performance(3), frame_indices=[0, 5, 5]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "increasing frame_index",
        ),
        (
            lambda: request(performance(3), size=(0, 0)),
            grpc.StatusCode.INVALID_ARGUMENT,
            "frame_width and frame_height must be positive",
        ),
        (
            lambda: request(performance(3), scorer="nearest"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "unknown scorer 'nearest'",
        ),
        (
            lambda: request(performance(MAX_POSES + 1)),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"more than {MAX_POSES}",
        ),
    ],
    ids=[
        "no-poses",
        "16-keypoints",
        "nan",
        "outside-the-frame",
        "score-above-1",
        "frames-out-of-order",
        "no-frame-size",
        "unknown-scorer",
        "too-many-poses",
    ],
)
async def test_bad_input_gets_a_clear_status(stub, bad, code, message):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(bad(), timeout=30)
    assert error.value.code() == code
    assert message in error.value.details()


async def test_each_rep_is_scored_joint_by_joint_with_the_video_s_frame_indices(stub):
    keypoints = squat(45, depth=0.95, offset=(330.0, 430.0), scale=0.9, seed=7, reps=3)
    indices = [3 * i for i in range(len(keypoints))]  # every third frame of a 30 fps video
    message = request(keypoints, frame_indices=indices)
    message.fps = 30.0
    response = await stub.Score(message, timeout=30)
    assert len(response.reps) == 3
    joints = [KEYPOINT_INDEX[name] + 1 for name in SQUAT_JOINTS]
    for rep in response.reps:
        posed = {rep.start_frame_index, rep.turn_frame_index, rep.end_frame_index}
        assert posed <= set(indices)
        assert rep.start_frame_index < rep.turn_frame_index < rep.end_frame_index
        assert rep.seconds == pytest.approx((rep.end_frame_index - rep.start_frame_index) / 30)
        assert [joint.joint for joint in rep.joints] == joints
        assert rep.overall == pytest.approx(np.mean([j.score for j in rep.joints]), abs=1e-3)
        assert rep.worst_joint in joints
        assert rep.start_frame_index <= rep.worst_frame_index <= rep.end_frame_index
        assert len(rep.deviations) == len(joints)


async def test_a_shallow_rep_strays_further_than_a_full_one_and_gets_the_depth_cue(stub):
    deviations, cues = [], []
    for depth in (0.95, 0.55):  # under half depth the segmenter reads a squat as standing
        keypoints = squat(40, depth=depth, offset=(330.0, 430.0), scale=0.9, seed=7, reps=2)
        message = request(keypoints, frame_indices=[3 * i for i in range(len(keypoints))])
        message.fps = 30.0
        response = await stub.Score(message, timeout=30)
        deviations.append(np.mean([rep.deviations for rep in response.reps]))
        cues.append([list(rep.cues) for rep in response.reps])
    assert deviations[1] > 2 * deviations[0]
    assert cues[0] == [[], []]
    for number, rep_cues in enumerate(cues[1], 1):
        (words,) = rep_cues
        assert words.startswith(f"rep {number}: squat deeper: knee angle ")


async def test_a_cue_on_a_joint_not_seen_is_withheld_and_the_rep_says_which_joint(stub):
    keypoints = squat(40, depth=0.55, offset=(330.0, 430.0), scale=0.9, seed=7, reps=2)
    keypoints[:, KEYPOINT_INDEX["left_ankle"], 2] = 0.35  # a guess: behind the other leg
    message = request(keypoints, frame_indices=[3 * i for i in range(len(keypoints))])
    message.fps = 30.0
    response = await stub.Score(message, timeout=30)
    assert len(response.reps) == 2
    for number, rep in enumerate(response.reps, 1):
        assert list(rep.cues) == []
        assert list(rep.unjudged_cues) == [
            f"rep {number}: shallow depth not judged: the left ankle was not seen clearly"
        ]
