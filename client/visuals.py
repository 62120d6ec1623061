"""Pictures of a report: the video annotated with a skeleton coloured by score, and a plot of
the scores over time."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from common.drawing import draw_skeleton
from common.fitness.v1 import gateway_pb2
from common.video import VideoReader, VideoWriter
from gateway.feedback import joint_name

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_INK = (40, 40, 40)
# Colours of the joint lines in the plot (RGB), cycled.
_PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
]  # fmt: skip


def score_color(score: float) -> tuple[int, int, int]:
    """RGB from red (0) through amber (50) to green (100)."""
    t = float(np.clip(score / 100.0, 0.0, 1.0))
    if t < 0.5:
        return 220, round(60 + 280 * t), 40
    return round(220 - 360 * (t - 0.5)), 200, round(40 + 40 * (t - 0.5))


def _keypoints(pose) -> np.ndarray:
    return np.array([(k.x, k.y, k.score) for k in pose.keypoints], np.float32)


_VERDICT_WORDS = {
    gateway_pb2.ExerciseRecognized.Verdict.VERDICT_NONE: "none of the exercises",
    gateway_pb2.ExerciseRecognized.Verdict.VERDICT_UNCERTAIN: "exercise uncertain",
}


def annotate_video(video: Path, report: gateway_pb2.Report, out: Path) -> Path:
    """Writes `out` (H.264 mp4): every frame with the latest analysed pose drawn, each scored
    joint coloured by its running score, the running overall score and reps done in the
    corner (or the verdict, where nothing was scored), and under it the first cue of the last
    finished rep until the next one ends."""
    poses = {p.frame_index: _keypoints(p.pose) for p in report.poses}
    scores = {f.frame_index: f for f in report.scores.frames}
    headline = report.exercise.exercise_id or _VERDICT_WORDS.get(report.exercise.verdict, "")
    overall_so_far, current_pose, current_score = 0.0, None, None
    seen = 0
    with VideoReader(video) as reader:
        info = reader.info
        with VideoWriter(out, fps=info.fps, width=info.width, height=info.height) as writer:
            for frame in reader:
                current_pose = poses.get(frame.index, current_pose)
                if frame.index in scores:
                    current_score = scores[frame.index]
                    seen += 1
                    overall_so_far += (current_score.overall - overall_so_far) / seen
                image = frame.image.copy()
                if current_pose is not None:
                    colors = np.full((17, 3), 235, np.uint8)
                    if current_score is not None:
                        for joint in current_score.joints:
                            colors[joint.joint - 1] = score_color(joint.running_score)
                    draw_skeleton(image, current_pose, joint_colors=colors)
                done = sum(rep.end_frame_index <= frame.index for rep in report.reps)
                text = headline if not scores else f"{headline}  {overall_so_far:.0f}/100"
                if report.reps:
                    text += f"  rep {done}/{len(report.reps)}"
                line = label(image, text)
                cues = report.reps[done - 1].scores.cues if done else []
                if cues:
                    label(image, cues[0], line=line)
                writer.write(image)
    return out


def label(image: np.ndarray, text: str, line: int = 0) -> int:
    """White text on black boxes in the top-left corner, from `line` boxes down, wrapped at
    word breaks to the image's width; returns the line under the last one drawn."""
    scale = max(0.5, min(image.shape[:2]) / 600)
    for part in _wrapped(text, image.shape[1] - 16, scale):
        (width, height), _ = cv2.getTextSize(part, _FONT, scale, 1)
        top = line * (height + 16)
        cv2.rectangle(image, (0, top), (width + 16, top + height + 16), (0, 0, 0), -1)
        cv2.putText(
            image, part, (8, top + height + 8), _FONT, scale, (255, 255, 255), 1, cv2.LINE_AA
        )
        line += 1
    return line


def _wrapped(text: str, width: int, scale: float) -> list[str]:
    """`text` in lines of whole words each at most `width` pixels wide (a longer word alone)."""
    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and cv2.getTextSize(joined, _FONT, scale, 1)[0][0] <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


_REP_SHADE = (120, 160, 220)


def plot_scores(report: gateway_pb2.Report, out: Path, size: tuple[int, int] = (960, 540)) -> Path:
    """Writes a PNG: each major joint's running score over time (thin) and the frames' overall
    score (thick), 0 to 100 against seconds, with each rep shaded and numbered."""
    width, height = size
    left, right, top, bottom = 60, 190, 40, 50
    canvas = np.full((height, width, 3), 255, np.uint8)
    fps = report.video.fps or 30.0
    frames = list(report.scores.frames)
    title = (
        f"{report.file_name}: {report.exercise.exercise_id}, "
        f"overall {report.scores.overall:.0f}/100"
    )
    cv2.putText(canvas, title, (left, 26), _FONT, 0.6, _INK, 1, cv2.LINE_AA)
    plot_w, plot_h = width - left - right, height - top - bottom
    duration = max((frames[-1].frame_index / fps) if frames else 1.0, 1e-3)

    def point(seconds: float, score: float) -> tuple[int, int]:
        return (
            left + round(seconds / duration * plot_w),
            top + round((1 - score / 100) * plot_h),
        )

    for score in range(0, 101, 25):
        y = point(0, score)[1]
        cv2.line(canvas, (left, y), (left + plot_w, y), (225, 225, 225), 1)
        cv2.putText(canvas, str(score), (left - 36, y + 5), _FONT, 0.45, _INK, 1, cv2.LINE_AA)
    for tick in np.linspace(0, duration, 6):
        x = point(tick, 0)[0]
        cv2.putText(
            canvas, f"{tick:.1f}s", (x - 14, top + plot_h + 22), _FONT, 0.45, _INK, 1, cv2.LINE_AA
        )
    cv2.rectangle(canvas, (left, top), (left + plot_w, top + plot_h), (160, 160, 160), 1)
    for number, rep in enumerate(report.reps, start=1):  # bands of alternating shade, numbered
        x0 = point(rep.start_frame_index / fps, 0)[0]
        x1 = point(rep.end_frame_index / fps, 0)[0]
        band = canvas[top : top + plot_h, x0:x1]
        share = 0.22 if number % 2 else 0.1
        band[:] = (band * (1 - share) + np.array(_REP_SHADE) * share).astype(np.uint8)
        cv2.line(canvas, (x0, top), (x0, top + plot_h), _REP_SHADE, 1)
        label = f"rep {number}"
        cv2.putText(canvas, label, (x0 + 4, top + plot_h - 8), _FONT, 0.42, _INK, 1, cv2.LINE_AA)
    if frames:
        times = [f.frame_index / fps for f in frames]
        joints = [j.joint for j in frames[0].joints]
        for number, joint in enumerate(joints):
            color = _PALETTE[number % len(_PALETTE)]
            series = [f.joints[number].running_score for f in frames]
            line = np.array([point(t, s) for t, s in zip(times, series, strict=True)], np.int32)
            cv2.polylines(canvas, [line], False, color, 1, cv2.LINE_AA)
            y = top + 14 + 20 * number
            cv2.line(canvas, (width - right + 12, y), (width - right + 32, y), color, 2)
            cv2.putText(
                canvas, joint_name(joint), (width - right + 38, y + 5), _FONT, 0.42, _INK, 1,
                cv2.LINE_AA,
            )  # fmt: skip
        overall = np.array([point(t, f.overall) for t, f in zip(times, frames, strict=True)])
        cv2.polylines(canvas, [overall.astype(np.int32)], False, (20, 20, 20), 2, cv2.LINE_AA)
        y = top + 14 + 20 * len(joints)
        cv2.line(canvas, (width - right + 12, y), (width - right + 32, y), (20, 20, 20), 2)
        cv2.putText(
            canvas, "frame overall", (width - right + 38, y + 5), _FONT, 0.42, _INK, 1, cv2.LINE_AA
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    return out
