"""Following one person's box, a batch of video frames at a time.

Glossary of shapes:
    - frame number: N (one batch of a video)
    - keypoint number: K (17)

Per batch: a few anchor frames (every `stride`-th and the last) are estimated inside a first
box (the box carried over from the previous batch when its pose was confident, else where the
person is looked for), and each gets the box grown from those keypoints. The boxes of the
other frames are interpolated between the anchors', and every frame is estimated in its box.
A frame whose pose comes out unconfident is estimated again from where the person is looked
for (re-bootstrap). The cost is about N + N / stride crops per batch instead of 2 N.

Where the person is looked for: without a person detector, the whole frame, where the pose
model finds whoever stands out most. With one (`find_people`), the detected person nearest
the box followed so far, and at the start the one nearest the frame's centre, where whoever
films themselves stands: a bystander nearer the camera is not taken for the performer.

A live stream sends one frame per batch: while the person is followed, each frame is
estimated once, in the box grown from the previous frame's keypoints.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]
# Estimates keypoints (N, K, 3) of frames inside boxes.
Estimate = Callable[[list[np.ndarray], list[Box]], Awaitable[np.ndarray]]
# The boxes of the people in each of some frames.
FindPeople = Callable[[list[np.ndarray]], Awaitable[list[list[Box]]]]

CONFIDENT = 0.3  # mean keypoint confidence under which a pose is not trusted
BOX_GROWTH = 1.3  # keypoints span less than the body: grow their box by this much
_MIN_SIDE_FRACTION = 0.1


def whole_frame(frame: np.ndarray) -> Box:
    """The box of a whole frame (x, y, w, h)."""
    height, width = frame.shape[:2]
    return 0.0, 0.0, float(width), float(height)


def box_from_keypoints(keypoints: np.ndarray, frame: np.ndarray) -> Box:
    """The box of a pose's confident keypoints, grown and kept inside the frame."""
    height, width = frame.shape[:2]
    confident = keypoints[keypoints[:, 2] > CONFIDENT / 2]
    if len(confident) < 2:
        return whole_frame(frame)
    low, high = confident[:, :2].min(axis=0), confident[:, :2].max(axis=0)
    centre = (low + high) / 2
    size = np.maximum((high - low) * BOX_GROWTH, _MIN_SIDE_FRACTION * max(width, height))
    x0, y0 = np.clip(centre - size / 2, 0, [width, height])
    x1, y1 = np.clip(centre + size / 2, 0, [width, height])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return whole_frame(frame)
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def box_centre(box: Box) -> np.ndarray:
    """The centre (2,) of a box (x, y, w, h)."""
    x, y, w, h = box
    return np.array([x + w / 2, y + h / 2])


def confidence(keypoints: np.ndarray) -> np.ndarray:
    """Mean keypoint confidence of poses (N, K, 3) -> (N,)."""
    return keypoints[..., 2].mean(axis=-1)


@dataclass
class PersonTracker:
    """Follows one person across the batches of one video."""

    estimate: Estimate
    stride: int = 4
    last_box: Box | None = None
    find_people: FindPeople | None = None

    async def track(self, frames: list[np.ndarray]) -> tuple[np.ndarray, list[Box]]:
        """Keypoints (N, K, 3) and the boxes they were estimated in, for one batch."""
        if len(frames) == 1 and self.last_box is not None:
            return await self._follow(frames, self.last_box)
        anchors = sorted({*range(0, len(frames), self.stride), len(frames) - 1})
        anchor_frames = [frames[i] for i in anchors]
        if self.last_box is None:
            first = await self._look_for_person(anchor_frames, None)
        else:
            first = [self.last_box, *await self._look_for_person(anchor_frames[1:], self.last_box)]
        rough = await self.estimate(anchor_frames, first)
        if first[0] != whole_frame(anchor_frames[0]) and confidence(rough[:1])[0] < CONFIDENT:
            # The person is not in the first box (carried over or detected): look in the
            # whole frame.
            rough[0] = (await self.estimate(anchor_frames[:1], [whole_frame(anchor_frames[0])]))[0]
        refined = [box_from_keypoints(k, f) for k, f in zip(rough, anchor_frames, strict=True)]
        boxes = _interpolate(anchors, refined, len(frames))
        keypoints = await self.estimate(frames, boxes)
        lost = np.flatnonzero(confidence(keypoints) < CONFIDENT)
        if len(lost):
            keypoints, boxes = await self._rebootstrap(frames, keypoints, boxes, lost)
        self.last_box = boxes[-1] if confidence(keypoints[-1:])[0] >= CONFIDENT else None
        return keypoints, boxes

    async def _follow(self, frames: list[np.ndarray], box: Box) -> tuple[np.ndarray, list[Box]]:
        """One frame of a live stream: estimated in the box grown from the previous frame's
        pose (one crop, not two); from the whole frame again when the person left it."""
        keypoints = await self.estimate(frames, [box])
        if confidence(keypoints)[0] < CONFIDENT:
            self.last_box = None
            return await self.track(frames)
        self.last_box = box_from_keypoints(keypoints[0], frames[0])
        return keypoints, [box]

    async def _rebootstrap(
        self, frames: list[np.ndarray], keypoints: np.ndarray, boxes: list[Box], lost: np.ndarray
    ) -> tuple[np.ndarray, list[Box]]:
        """Estimates the lost frames again from where the person is looked for; keeps whichever
        is surer."""
        lost_frames = [frames[i] for i in lost]
        rough = await self.estimate(
            lost_frames, await self._look_for_person(lost_frames, boxes[lost[0]])
        )
        retry_boxes = [box_from_keypoints(k, f) for k, f in zip(rough, lost_frames, strict=True)]
        retried = await self.estimate(lost_frames, retry_boxes)
        keypoints = keypoints.copy()
        boxes = list(boxes)
        for slot, index in enumerate(lost):
            if (
                confidence(retried[slot : slot + 1])[0]
                > confidence(keypoints[index : index + 1])[0]
            ):
                keypoints[index] = retried[slot]
                boxes[index] = retry_boxes[slot]
        return keypoints, boxes

    async def _look_for_person(self, frames: list[np.ndarray], near: Box | None) -> list[Box]:
        """Where to look for the person in frames, one after another: the whole frame, or the
        detected person nearest the one chosen in the frame before (the first frame's nearest
        `near`, or the frame's centre), the whole frame where nobody is detected."""
        if self.find_people is None:
            return [whole_frame(frame) for frame in frames]
        boxes = []
        for frame, people in zip(frames, await self.find_people(frames), strict=True):
            target = box_centre(near or whole_frame(frame))
            if people:
                near = min(people, key=lambda box: float(np.linalg.norm(box_centre(box) - target)))
            boxes.append(near if people else whole_frame(frame))
        return boxes


def _interpolate(anchors: list[int], boxes: list[Box], count: int) -> list[Box]:
    """Boxes for frames 0..count-1, linear between the anchor frames' boxes."""
    values = np.asarray(boxes, np.float64)
    frames = np.arange(count)
    columns = [np.interp(frames, anchors, values[:, c]) for c in range(4)]
    return [tuple(float(v) for v in row) for row in np.stack(columns, axis=1)]
