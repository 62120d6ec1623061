"""The gym's camera stands where a person would put a phone: the performer framed at the size
asked from any side, the camera never inside the body, under the floor or behind a wall, and a
box in front of the performer never hides most of them."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from synth.camera import MIN_CAMERA_HEIGHT, MIN_CLEARANCE, CameraRig
from synth.clip import MOST_HIDDEN, Clip, ClipSpec, sample_occluder
from synth.exercises import perform
from synth.geometry import Box, Cylinder, behind_a_wall, hidden_share

WIDTH, HEIGHT = 480, 360


@pytest.fixture(scope="module")
def push_up() -> np.ndarray:
    """One push-up's COCO keypoints (T, 17, 3) in world metres: a body lying along y."""
    torch.set_num_threads(1)
    return perform("PushUps", seed=21, fps=10, reps=1).body.keypoints[:, :17]


def rig(azimuth: float, elevation: float, person_fraction: float) -> CameraRig:
    return CameraRig(
        azimuth=math.radians(azimuth),
        elevation=math.radians(elevation),
        fov_y=math.radians(56),
        roll=0.0,
        pan=np.zeros(3),
        zoom=1.0,
        shake=0.0,
        person_fraction=person_fraction,
    )


def fill(pixels: np.ndarray) -> float:
    extent = pixels.max(axis=0) - pixels.min(axis=0)
    return max(extent[1] / HEIGHT, extent[0] / WIDTH / 0.95)


@pytest.mark.parametrize("azimuth", [0, 15, 45, 90, 180])
def test_a_push_up_is_framed_at_the_size_asked_from_any_side(push_up, azimuth):
    cameras = rig(azimuth, 10, 0.5).cameras(push_up, WIDTH, HEIGHT, np.random.default_rng(0))
    projected = [camera.project(k) for camera, k in zip(cameras, push_up, strict=True)]
    pixels = np.concatenate([pixels for pixels, _ in projected])
    depth = np.concatenate([depth for _, depth in projected])
    assert depth.min() >= 0.9 * MIN_CLEARANCE  # the head, nearest the camera head-on
    assert fill(pixels) == pytest.approx(0.5, abs=0.01)
    assert (pixels >= 0).all()
    assert (pixels <= [WIDTH, HEIGHT]).all()


def test_a_frame_fill_too_big_for_a_body_head_on_keeps_the_camera_out_of_it(push_up):
    camera = rig(0, 10, 0.95).still_camera(push_up, WIDTH, HEIGHT)
    for keypoints in push_up:
        assert camera.project(keypoints)[1].min() >= 0.9 * MIN_CLEARANCE


def test_a_camera_asked_to_film_from_below_the_floor_stands_just_above_it(push_up):
    low = rig(40, -15, 0.5)
    raised = low.above_floor(push_up, WIDTH, HEIGHT)
    floor = push_up[..., 2].min()
    height = raised.still_camera(push_up, WIDTH, HEIGHT).position[2]
    assert low.still_camera(push_up, WIDTH, HEIGHT).position[2] < floor
    assert height == pytest.approx(floor + MIN_CAMERA_HEIGHT, abs=0.01)
    assert math.radians(-15) < raised.elevation < 0
    assert raised.azimuth == low.azimuth
    high = rig(40, 20, 0.5)
    assert high.above_floor(push_up, WIDTH, HEIGHT) == high


def test_a_camera_panning_downwards_stays_above_the_floor_to_the_last_frame(push_up):
    sinking = replace(rig(180, -5, 0.6), pan=np.array([0.2, 0.0, -0.25]))
    raised = sinking.above_floor(push_up, WIDTH, HEIGHT)
    floor = push_up[..., 2].min()
    before = sinking.cameras(push_up, WIDTH, HEIGHT, np.random.default_rng(0))
    after = raised.cameras(push_up, WIDTH, HEIGHT, np.random.default_rng(0))
    assert before[-1].position[2] < floor
    assert min(camera.position[2] for camera in after) >= floor + MIN_CAMERA_HEIGHT - 0.01
    assert after[-1].position[2] == pytest.approx(floor + MIN_CAMERA_HEIGHT, abs=0.01)


def test_a_wall_hides_what_is_behind_it_and_nothing_beside_it():
    wall = (Box((0.0, 0.0, 1.0), (2.0, 0.1, 2.0)),)
    eye = np.array([0.0, -3.0, 1.0])
    behind = np.array([[x, 1.0, z] for x in (-0.5, 0.0, 0.5) for z in (0.5, 1.5)])
    beside = behind + np.array([3.0, 0.0, 0.0])
    assert hidden_share(eye, behind, wall) == 1.0
    assert hidden_share(eye, beside, wall) == 0.0
    assert hidden_share(eye, np.concatenate([behind, beside]), wall) == 0.5


def test_a_plate_hides_what_is_behind_it_and_a_bar_hardly_anything():
    plate = (Cylinder((0.0, 0.0, 1.0), (0.0, 0.04, 1.0), 0.225),)  # a disc facing the eye
    bar = (Cylinder((-1.0, 0.0, 1.0), (1.0, 0.0, 1.0), 0.014),)
    eye = np.array([0.0, -3.0, 1.0])
    behind = np.array([[x, 1.0, z] for x in (-0.1, 0.0, 0.1) for z in (0.9, 1.1)])
    beside = behind + np.array([1.0, 0.0, 0.0])
    assert hidden_share(eye, behind, plate) == 1.0
    assert hidden_share(eye, beside, plate) == 0.0
    assert hidden_share(eye, np.concatenate([behind, beside]), bar) == 0.0
    assert hidden_share(np.array([0.0, 3.0, 1.0]), behind, plate) == 0.0  # the plate behind
    edge_on = np.array([5.0, 0.02, 1.0])  # looking along the plate's face, through its rim
    assert hidden_share(edge_on, np.array([[-5.0, 0.02, 1.0]]), plate) == 1.0


def test_an_eye_across_a_wall_from_the_points_is_behind_it_and_a_bench_is_no_wall():
    wall = (Box((0.0, 0.0, 1.0), (2.0, 0.1, 2.0)),)
    points = np.array([[0.0, 1.0, 0.5], [0.5, 1.2, 1.5]])
    assert behind_a_wall(np.array([5.0, -0.2, 1.0]), points, wall)  # far beside, still behind
    assert not behind_a_wall(np.array([0.0, 3.0, 1.0]), points, wall)
    bench = (Box((0.0, 0.0, 0.2), (0.3, 1.2, 0.4)),)
    assert not behind_a_wall(np.array([0.0, 0.0, -1.0]), points, bench)


@pytest.mark.parametrize(
    ("exercise", "asked", "filmed"),
    [
        ("WallPushups", 0.0, 180.0),
        ("WallPushups", 30.0, 150.0),
        ("HandstandPushups", 180.0, 0.0),
        ("HandstandPushups", 100.0, 80.0),  # behind the wall, which hides little of the body
    ],
)
def test_nobody_films_through_the_wall_the_camera_moves_to_the_performers_side(
    exercise, asked, filmed
):
    spec = replace(ClipSpec.sample(exercise, 5, short_side=96, reps=1), azimuth_degrees=asked)
    clip = Clip.build(spec)
    assert math.degrees(clip.rig.azimuth) == pytest.approx(filmed)
    middle = len(clip.cameras) // 2
    keypoints = clip.performance.body.keypoints[middle, :17]
    seen_from = clip.cameras[middle].position
    assert hidden_share(seen_from, keypoints, clip.performance.equipment) <= MOST_HIDDEN
    assert not behind_a_wall(seen_from, keypoints, clip.performance.equipment)
    assert clip.metadata()["camera"]["azimuth_degrees"] == pytest.approx(filmed)


def test_a_bench_press_whose_plates_would_hide_most_of_the_body_is_filmed_past_them():
    drawn_elevation = 23.2  # what seed 4 draws
    spec = replace(ClipSpec.sample("BenchPress", 4, short_side=96, reps=1), azimuth_degrees=-100.0)
    clip = Clip.build(spec)
    keypoints = clip.performance.body.keypoints[:, :17]
    middle = len(keypoints) // 2
    asked = replace(clip.rig, elevation=math.radians(drawn_elevation), azimuth=math.radians(-100))
    seen_as_asked = asked.still_camera(keypoints, spec.width, spec.height).position
    solids = clip.performance.solids(middle)
    assert hidden_share(seen_as_asked, keypoints[middle], solids) > MOST_HIDDEN
    hidden = [
        hidden_share(camera.position, points, clip.performance.solids(frame))
        for frame, (camera, points) in enumerate(zip(clip.cameras, keypoints, strict=True))
    ]
    assert max(hidden) <= MOST_HIDDEN  # in every frame, the plates moving with the bar
    assert abs(math.degrees(clip.rig.azimuth)) == pytest.approx(80.0)  # still the side


def test_a_side_view_of_a_wall_push_up_is_kept():
    spec = replace(ClipSpec.sample("WallPushups", 5, short_side=96, reps=1), azimuth_degrees=90.0)
    assert math.degrees(Clip.build(spec).rig.azimuth) == pytest.approx(90.0)


def test_a_box_between_the_camera_and_a_lying_body_is_lowered_until_half_of_it_shows(push_up):
    camera = rig(0, 5, 0.5).still_camera(push_up, WIDTH, HEIGHT)  # head-on, near the floor
    middle = push_up[len(push_up) // 2]
    boxes = [sample_occluder(np.random.default_rng(seed), camera, middle) for seed in range(40)]
    placed = [box for box in boxes if box is not None]
    assert all(hidden_share(camera.position, middle, (box,)) <= MOST_HIDDEN for box in placed)
    assert any(box.size[2] < 0.4 for box in placed)  # drawn 0.4 to 1.2 m tall, lowered
    assert len(placed) > len(boxes) / 2  # most boxes stay, hiding part of the body


def test_an_occluder_and_the_equipment_in_view_never_hide_most_of_the_body_together(push_up):
    camera = rig(0, 5, 0.5).still_camera(push_up, WIDTH, HEIGHT)
    middle = push_up[len(push_up) // 2]
    equipment = (sample_occluder(np.random.default_rng(1), camera, middle),)
    assert 0.3 < hidden_share(camera.position, middle, equipment) <= MOST_HIDDEN
    alone = [sample_occluder(np.random.default_rng(seed), camera, middle) for seed in range(40)]
    beside = [
        sample_occluder(np.random.default_rng(seed), camera, middle, equipment)
        for seed in range(40)
    ]
    together = [(box, *equipment) for box in beside if box is not None]
    assert all(hidden_share(camera.position, middle, solids) <= MOST_HIDDEN for solids in together)
    assert beside != alone  # some boxes were lowered further, or left out
