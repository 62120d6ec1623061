"""The person detector: letterboxing, targets and decoding, who counts as another person,
training on the gym's frames, and its measures."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from pose_service.detector import (
    Detection,
    PeopleNet,
    PersonDetector,
    decode,
    letterbox,
    load_detector,
    others,
)
from pose_service.evaluate_detector import evaluate_detector, iou, matched
from pose_service.train_detector import (
    DetectorTrainConfig,
    listed_videos,
    people_in,
    place,
    targets,
    train_detector,
)


def bright_box(image: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(image[..., 0] > 200)
    return xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def test_the_letterbox_keeps_the_aspect_and_maps_back_to_frame_pixels():
    frame = np.zeros((320, 160, 3), np.uint8)
    frame[40:200, 100:140] = 255
    square, scale, (left, top) = letterbox(frame, 192)
    assert square.shape == (192, 192, 3)
    assert (scale, left, top) == (0.6, 48, 0)
    x, y, w, h = bright_box(square)
    assert abs((x - left) / scale - 100) <= 2
    assert abs((y - top) / scale - 40) <= 2
    assert abs(w / scale - 40) <= 3
    assert abs(h / scale - 160) <= 3


@pytest.mark.parametrize("seed", range(4))
def test_placed_boxes_follow_the_image_through_scale_shift_and_flip(seed):
    image = np.zeros((320, 240, 3), np.uint8)
    image[50:250, 100:160] = 255
    square, [box] = place(image, [(100, 50, 60, 200)], 192, random.Random(seed))
    assert np.allclose(box, bright_box(square), atol=2.5)


def test_a_box_mostly_cut_off_by_the_placement_is_dropped():
    image = np.zeros((100, 100, 3), np.uint8)
    boxes = [(0, 0, 10, 10)]
    rng = random.Random(0)
    kept = [len(place(image, boxes, 64, rng)[1]) for _ in range(50)]
    assert 0 in kept
    assert 1 in kept


def test_decoding_a_perfect_output_gives_back_the_target_boxes():
    boxes = [(20.0, 30.0, 40.0, 120.0), (120.0, 60.0, 30.0, 90.0)]
    target = targets(boxes, 24)
    output = torch.zeros(1, 5, 24, 24)
    output[0, 0] = torch.logit(target[0].clamp(1e-4, 1 - 1e-4))
    output[0, 1:5] = target[1:5]
    found = decode(output, threshold=0.5, max_people=10)[0]
    assert len(found) == 2
    for box in boxes:
        assert max(iou(box, f[:4]) for f in found) > 0.99


def test_the_pose_s_own_detection_is_not_another_person():
    performer = Detection((100, 50, 60, 200), 0.9)
    bystander = Detection((10, 60, 40, 150), 0.6)
    pose = np.zeros((17, 3), np.float32)
    pose[:, 0] = np.linspace(110, 150, 17)
    pose[:, 1] = np.linspace(60, 240, 17)
    pose[:, 2] = 0.9
    assert others([performer, bystander], pose) == [bystander]
    assert others([bystander, performer], pose) == [bystander]
    assert others([performer], pose) == []
    unseen = pose.copy()
    unseen[:, 2] = 0.0  # no confident keypoint: the most confident detection is the person
    assert others([bystander, performer], unseen) == [performer]
    assert others([], pose) == []


def test_found_boxes_match_labelled_ones_at_half_overlap_once_each():
    labelled = [(0, 0, 10, 10), (50, 50, 10, 10)]
    assert matched([(1, 1, 10, 10), (0, 0, 10, 10)], labelled) == [True, False]
    assert matched([(50, 52, 10, 10)], labelled) == [False, True]
    assert matched([(5, 5, 10, 10)], labelled) == [False, False]


def test_the_performer_comes_first_and_boxes_off_the_frame_are_left_out():
    frame = {"box": [10, 20, 30, 90], "others": [[100, 20, 20, 60], [0, 0, 0, 0]]}
    assert people_in(frame) == [(10, 20, 30, 90), (100, 20, 20, 60)]


def test_training_lowers_the_loss_and_the_checkpoint_loads_and_detects(tiny_ucf, tmp_path):
    config = DetectorTrainConfig(
        ucf=[tiny_ucf],
        out=tmp_path,
        frames_per_video=6,
        input_side=96,
        epochs=6,
        batch_size=4,
        learning_rate=3e-3,
        workers=0,
    )
    losses = train_detector(config)
    assert losses[-1] < losses[0] * 0.7
    detector = load_detector(tmp_path / "last.safetensors", threshold=0.01)
    assert detector.input_side == 96
    videos = listed_videos(tiny_ucf, "testlist01.txt")
    metrics = evaluate_detector(detector, videos, every=5)
    assert metrics.videos == len(videos)
    assert metrics.frames > 0
    assert 0.0 <= metrics.performer_recall <= 1.0
    assert metrics.false_people_per_frame >= 0


def test_a_file_that_is_not_a_detector_is_refused(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(1)}, str(path), metadata={"model": "compact"})
    with pytest.raises(ValueError, match="not a person detector"):
        load_detector(path)


def test_the_detector_answers_for_every_frame_in_frame_pixels():
    detector = PersonDetector(PeopleNet().eval(), 64, threshold=0.0, max_people=3)
    frames = [np.zeros((120, 80, 3), np.uint8), np.zeros((50, 200, 3), np.uint8)]
    found = detector.detect(frames)
    assert len(found) == 2
    assert all(len(people) == 3 for people in found)
    assert detector.detect([]) == []


async def test_find_gives_the_tracker_the_detected_boxes_of_every_frame():
    detector = PersonDetector(PeopleNet().eval(), 64, threshold=0.0, max_people=3)
    frames = [np.zeros((120, 80, 3), np.uint8), np.zeros((50, 200, 3), np.uint8)]
    expected = [[person.box for person in people] for people in detector.detect(frames)]
    assert await detector.find(frames) == expected
    assert await detector.find([]) == []
