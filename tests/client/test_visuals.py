"""What a person sees of a report: the terminal's exercise line and the annotated video,
for reports with and without scores."""

from __future__ import annotations

import cv2
import numpy as np

from client.cli import _exercise_line
from client.visuals import annotate_video, label
from common.fitness.v1 import common_pb2, gateway_pb2
from common.video import VideoReader, probe_video
from tests.common.clips import write_clip

Verdict = gateway_pb2.ExerciseRecognized.Verdict


def answer(recognizer: int, *pairs: tuple[str, float]) -> gateway_pb2.RecognizerAnswer:
    return gateway_pb2.RecognizerAnswer(
        recognizer=recognizer,
        top_k=[common_pb2.ExerciseProbability(exercise_id=e, probability=p) for e, p in pairs],
    )


def test_the_exercise_line_names_the_verdict_and_each_recognisers_answer():
    found = gateway_pb2.ExerciseRecognized(
        exercise_id="PushUps",
        confidence=0.91,
        verdict=Verdict.VERDICT_RECOGNIZED,
        recognizer=gateway_pb2.RECOGNIZER_FUSED,
        answers=[
            answer(gateway_pb2.RECOGNIZER_VIDEO, ("PushUps", 0.7), ("WallPushups", 0.2)),
            answer(gateway_pb2.RECOGNIZER_KEYPOINTS, ("PushUps", 0.95)),
        ],
    )
    line = _exercise_line(found)
    assert line.startswith("exercise: PushUps (91% sure, fused)")
    assert "video: PushUps 70%, WallPushups 20%" in line
    assert "keypoints: PushUps 95%" in line
    none = gateway_pb2.ExerciseRecognized(confidence=0.8, verdict=Verdict.VERDICT_NONE)
    assert "none of the exercises" in _exercise_line(none)
    unsure = gateway_pb2.ExerciseRecognized(
        confidence=0.3,
        verdict=Verdict.VERDICT_UNCERTAIN,
        top_k=[common_pb2.ExerciseProbability(exercise_id="Lunges", probability=0.3)],
    )
    assert "uncertain (best guess Lunges, 30%" in _exercise_line(unsure)
    hinted = gateway_pb2.ExerciseRecognized(exercise_id="Lunges", from_hint=True)
    assert _exercise_line(hinted) == "exercise: Lunges (from your hint)"


def test_a_report_without_scores_is_annotated_with_its_verdict(tmp_path):
    video = tmp_path / "clip.mp4"
    write_clip(video, frames=6, fps=10)
    report = gateway_pb2.Report(
        file_name="clip.mp4",
        exercise=gateway_pb2.ExerciseRecognized(verdict=Verdict.VERDICT_NONE),
    )
    out = annotate_video(video, report, tmp_path / "annotated.mp4")
    assert probe_video(out).frame_count == 6


def test_the_plot_shades_each_rep(tmp_path):
    from client.visuals import plot_scores

    report = gateway_pb2.Report(
        file_name="clip.mp4",
        video=common_pb2.VideoInfo(fps=10.0),
        exercise=gateway_pb2.ExerciseRecognized(exercise_id="Lunges"),
    )
    plain = cv2.imread(str(plot_scores(report, tmp_path / "plain.png")))
    report.reps.add(start_frame_index=10, turn_frame_index=20, end_frame_index=30, seconds=2.0)
    shaded = cv2.imread(str(plot_scores(report, tmp_path / "reps.png")))
    assert (plain != shaded).any()


def test_the_annotated_video_shows_the_last_finished_rep_s_cue(tmp_path):
    video = tmp_path / "clip.mp4"
    write_clip(video, frames=8, fps=10, width=320, height=240)
    report = gateway_pb2.Report(
        file_name="clip.mp4", exercise=gateway_pb2.ExerciseRecognized(exercise_id="Lunges")
    )
    plain = annotate_video(video, report, tmp_path / "plain.mp4")
    rep = report.reps.add(start_frame_index=0, turn_frame_index=2, end_frame_index=3)
    rep.scores.cues.append("rep 1: take a longer step: feet 0.40 torso lengths apart")
    cued = annotate_video(video, report, tmp_path / "cued.mp4")
    with VideoReader(plain) as before, VideoReader(cued) as after:
        pairs = list(zip(before, after, strict=True))
    line = slice(33, 80)  # the label lines under the headline's (32 pixels high here)
    assert all(abs(a.image[line].astype(int) - b.image[line]).max() < 40 for a, b in pairs[:3])
    assert any(abs(a.image[line].astype(int) - b.image[line]).max() > 100 for a, b in pairs[3:])


def test_a_label_wider_than_the_frame_is_wrapped_onto_lines_that_fit():
    image = np.zeros((240, 200, 3), np.uint8)
    cue = "rep 3: go lower: elbow angle 63 degrees at the bottom, reference 42"
    next_line = label(image, cue, line=1)
    assert next_line >= 4  # three lines or more under the headline's
    assert image[:, -6:].max() == 0  # no text runs off the right edge
    assert image[:20].max() == 0  # the headline's line is left free
    assert label(np.zeros((240, 200, 3), np.uint8), "PushUps") == 1
