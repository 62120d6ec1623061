"""The live overlay: what a session has said, drawn over the camera's frames."""

from __future__ import annotations

import numpy as np

from client.live import LiveOverlay, display_available
from common.fitness.v1 import common_pb2, gateway_pb2, scoring_pb2

Event = gateway_pb2.LiveSessionResponse


def pose_event() -> Event:
    keypoints = [common_pb2.Keypoint(x=100 + i, y=40 + 8 * i, score=0.9) for i in range(17)]
    pose = common_pb2.FramePose(frame_index=3, pose=common_pb2.Pose(keypoints=keypoints))
    return Event(frame=gateway_pb2.LiveFrame(pose=pose, dropped_frames=2, latency_seconds=0.04))


def rep_event(count: int, cues: list[str]) -> Event:
    scores = scoring_pb2.RepScore(overall=71.0, cues=cues)
    return Event(rep=gateway_pb2.LiveRep(count=count, rep=gateway_pb2.Rep(scores=scores)))


def test_the_overlay_keeps_the_latest_pose_exercise_rep_cue_and_warning():
    overlay = LiveOverlay()
    warning = gateway_pb2.CaptureWarning(message="Your feet are out of the frame")
    for event in (
        pose_event(),
        Event(exercise=gateway_pb2.ExerciseRecognized(exercise_id="BodyWeightSquats")),
        rep_event(1, ["rep 1: squat deeper: knee angle 112 degrees, reference 85"]),
        rep_event(2, []),
        Event(warning=warning),
    ):
        overlay.update(event)
    assert overlay.exercise == "BodyWeightSquats"
    assert overlay.reps == 2
    assert overlay.cue == "rep 2: 71"  # a rep without cues shows its score
    assert overlay.warning == warning.message
    assert (overlay.dropped, overlay.latency) == (2, 0.04)
    assert overlay.keypoints is not None
    assert overlay.keypoints.shape == (17, 3)


def test_the_overlay_draws_the_skeleton_and_its_lines_on_the_frame():
    overlay = LiveOverlay()
    overlay.update(pose_event())
    overlay.update(rep_event(1, ["rep 1: hips sag"]))
    blank = np.full((240, 320, 3), 128, np.uint8)
    drawn = overlay.draw(blank.copy())
    assert (drawn[:20] != 128).any()  # the headline box
    assert (drawn[40:180, 95:125] != 128).any()  # the skeleton


def test_no_window_opens_on_a_headless_linux_machine(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert not display_available()
    monkeypatch.setenv("DISPLAY", ":0")
    assert display_available()
