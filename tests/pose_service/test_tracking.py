"""Following the person box batch by batch, from the whole frame or from detected people."""

from __future__ import annotations

import numpy as np

from pose_service.tracking import PersonTracker, box_from_keypoints, whole_frame

WIDTH, HEIGHT = 320, 240


class ScriptedModel:
    """Keypoints of a person walking right; confident only when the box holds the person."""

    def __init__(self) -> None:
        self.calls: list[list[tuple]] = []

    @staticmethod
    def person(index: int) -> np.ndarray:
        x = 60 + 4 * index
        points = np.stack([np.linspace(x - 15, x + 15, 17), np.linspace(60, 200, 17)], axis=1)
        return np.concatenate([points, np.full((17, 1), 0.9)], axis=1)

    async def estimate(self, frames, boxes):
        self.calls.append(list(boxes))
        out = []
        for frame, (x, y, w, h) in zip(frames, boxes, strict=True):
            truth = self.person(int(frame[0, 0, 0]))
            cx, cy = truth[:, :2].mean(axis=0)
            holds = x <= cx <= x + w and y <= cy <= y + h and w < WIDTH * 0.9
            whole = w >= WIDTH * 0.9
            pose = truth.copy()
            pose[:, 2] = 0.9 if holds else (0.5 if whole else 0.05)
            out.append(pose)
        return np.stack(out)


def frames(start: int, count: int) -> list[np.ndarray]:
    """Frames whose first pixel carries their index, for the scripted model."""
    result = []
    for index in range(start, start + count):
        frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        frame[0, 0, 0] = index
        result.append(frame)
    return result


async def test_a_batch_is_estimated_in_boxes_around_the_person():
    model = ScriptedModel()
    tracker = PersonTracker(model.estimate, stride=4)
    keypoints, boxes = await tracker.track(frames(0, 9))
    assert keypoints.shape == (9, 17, 3)
    assert (keypoints[..., 2] == 0.9).all()
    for index, (x, _, w, _) in enumerate(boxes):
        cx = ScriptedModel.person(index)[:, 0].mean()
        assert x < cx < x + w
    # Anchors 0, 4 and 8 first, then all nine frames in their boxes.
    assert [len(c) for c in model.calls] == [3, 9]
    assert model.calls[0][0] == whole_frame(frames(0, 1)[0])


async def test_the_next_batch_starts_from_the_last_confident_box():
    model = ScriptedModel()
    tracker = PersonTracker(model.estimate, stride=4)
    await tracker.track(frames(0, 8))
    model.calls.clear()
    await tracker.track(frames(8, 8))
    assert model.calls[0][0] != whole_frame(frames(0, 1)[0])


async def test_single_frames_of_a_live_stream_cost_one_crop_each_while_followed():
    model = ScriptedModel()
    tracker = PersonTracker(model.estimate, stride=4)
    for index in range(6):
        keypoints, [box] = await tracker.track(frames(index, 1))
        assert (keypoints[..., 2] == 0.9).all()
        x, _, width, _ = box
        assert x < ScriptedModel.person(index)[:, 0].mean() < x + width
    assert [len(c) for c in model.calls] == [1, 1] + [1] * 5  # the first frame: two crops


async def test_a_live_frame_whose_person_left_the_box_is_found_from_the_whole_frame():
    model = ScriptedModel()
    tracker = PersonTracker(model.estimate, stride=4)
    tracker.last_box = (250.0, 0.0, 60.0, 60.0)
    keypoints, _ = await tracker.track(frames(0, 1))
    assert (keypoints[..., 2] >= 0.9).all()


async def test_a_lost_person_is_found_again_from_the_whole_frame():
    model = ScriptedModel()
    tracker = PersonTracker(model.estimate, stride=4)
    tracker.last_box = (250.0, 0.0, 60.0, 60.0)  # a stale box far from the person
    keypoints, _ = await tracker.track(frames(0, 3))
    assert (keypoints[..., 2] >= 0.9).all()


def test_a_box_from_keypoints_grows_and_stays_in_the_frame():
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    points = np.array([[0.0, 0.0, 0.9]] * 8 + [[100.0, 200.0, 0.9]] * 9)
    x, y, w, h = box_from_keypoints(points, frame)
    assert (x, y) == (0.0, 0.0)
    assert w > 100
    assert y + h <= HEIGHT
    unsure = points.copy()
    unsure[:, 2] = 0.0
    assert box_from_keypoints(unsure, frame) == whole_frame(frame)


class TwoPeopleScene:
    """A performer and a bystander standing still, with a detector that finds both (bystander
    first): estimated in a box holding one of them, a pose is theirs and confident; from the
    whole frame the pose model takes the bystander, who stands out."""

    def __init__(self, performer_x: float, bystander_x: float) -> None:
        self.xs = {"performer": performer_x, "bystander": bystander_x}

    def person(self, who: str) -> np.ndarray:
        x = self.xs[who]
        points = np.stack([np.linspace(x - 15, x + 15, 17), np.linspace(60, 200, 17)], axis=1)
        return np.concatenate([points, np.full((17, 1), 0.9)], axis=1)

    def box(self, who: str) -> tuple[float, float, float, float]:
        return self.xs[who] - 25.0, 50.0, 50.0, 160.0

    async def estimate(self, frames, boxes):
        out = []
        for x, _, w, _ in boxes:
            if w >= WIDTH * 0.9:
                out.append(self.person("bystander"))
                continue
            held = [who for who, cx in self.xs.items() if x <= cx <= x + w]
            pose = self.person(held[0]) if held else self.person("bystander")
            pose[:, 2] = 0.9 if held else 0.05
            out.append(pose)
        return np.stack(out)

    async def find_people(self, frames):
        return [[self.box("bystander"), self.box("performer")] for _ in frames]


def followed(keypoints: np.ndarray, scene: TwoPeopleScene) -> set[str]:
    return {
        who
        for pose in keypoints
        for who in scene.xs
        if np.allclose(pose[:, 0], scene.person(who)[:, 0])
    }


async def test_with_a_detector_the_person_nearest_the_centre_is_followed_not_who_stands_out():
    scene = TwoPeopleScene(performer_x=WIDTH / 2, bystander_x=50)
    alone = PersonTracker(scene.estimate, stride=4)
    assert followed((await alone.track(frames(0, 9)))[0], scene) == {"bystander"}
    tracker = PersonTracker(scene.estimate, stride=4, find_people=scene.find_people)
    keypoints, _ = await tracker.track(frames(0, 9))
    assert followed(keypoints, scene) == {"performer"}
    assert (keypoints[..., 2] == 0.9).all()


async def test_the_detected_person_nearest_the_followed_box_is_kept_off_centre():
    scene = TwoPeopleScene(performer_x=60, bystander_x=WIDTH / 2)
    tracker = PersonTracker(scene.estimate, stride=4, find_people=scene.find_people)
    tracker.last_box = scene.box("performer")
    for start in (0, 9):
        keypoints, _ = await tracker.track(frames(start, 9))
        assert followed(keypoints, scene) == {"performer"}


async def test_where_nobody_is_detected_the_person_is_looked_for_in_the_whole_frame():
    model = ScriptedModel()

    async def nobody(frames_):
        return [[] for _ in frames_]

    tracker = PersonTracker(model.estimate, stride=4, find_people=nobody)
    keypoints, _ = await tracker.track(frames(0, 9))
    assert model.calls[0][0] == whole_frame(frames(0, 1)[0])
    assert (keypoints[..., 2] == 0.9).all()
