"""Labels of rendered frames: visibility by depth test, frame borders, boxes, other people in
view."""

from __future__ import annotations

import math

import numpy as np
import pytest

from common.skeleton import KEYPOINT_INDEX
from synth.appearance import Appearance
from synth.body import Phenotype, PosedBody, age_parameter, body_model
from synth.camera import Camera
from synth.labels import OCCLUDED, OUTSIDE, VISIBLE, in_view_box, label_frame
from synth.render import Lighting, Renderer

WIDTH, HEIGHT = 240, 320


@pytest.fixture(scope="module")
def standing() -> PosedBody:
    body = body_model().pose(Phenotype(0.5, age_parameter(30), 0.5, 0.5, 0.5, 0.5), {}, frames=1)
    lift = np.array([0, 0, -body.vertices[0, :, 2].min()])
    return PosedBody(body.vertices + lift, body.keypoints + lift)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    renderer = Renderer(WIDTH, HEIGHT)
    renderer.set_textures(np.full((8, 8, 3), 90, np.uint8), np.full((8, 8, 3), 120, np.uint8))
    renderer.set_solids([])
    yield renderer
    renderer.release()


def camera_at(azimuth_degrees: float, distance: float = 4.0, height: float = 0.9) -> Camera:
    """A level camera looking at the body's middle; azimuth 0 films its front (from -y)."""
    a = math.radians(azimuth_degrees)
    target = np.array([0.0, 0.0, height])
    position = target + distance * np.array([math.sin(a), -math.cos(a), 0.0])
    return Camera(position, target, 0.0, math.radians(45), WIDTH, HEIGHT)


def render_and_label(renderer: Renderer, body: PosedBody, camera: Camera):
    model = body_model()
    mesh = renderer.mesh(
        model.faces, Appearance.sample(np.random.default_rng(0)).vertex_colors(model.regions)
    )
    mesh.update(body.vertices[0])
    lighting = Lighting(
        np.array([0.3, -0.5, 0.8]) / np.linalg.norm([0.3, -0.5, 0.8]),
        np.ones(3),
        np.full(3, 0.3),
        0.3,
    )
    _, depth = renderer.render(camera, [mesh], lighting)
    return label_frame(body.keypoints[0, :17], body.vertices[0], camera, depth), depth


def visibility(label, name: str) -> int:
    return int(label.keypoints[KEYPOINT_INDEX[name], 2])


def test_from_the_front_every_keypoint_is_visible(renderer, standing):
    label, _ = render_and_label(renderer, standing, camera_at(0))
    assert label.keypoints[:, 2].tolist() == [VISIBLE] * 17


def test_a_visible_keypoint_lies_on_the_rendered_body(renderer, standing):
    camera = camera_at(30)
    label, depth = render_and_label(renderer, standing, camera)
    _, keypoint_depth = camera.project(standing.keypoints[0, :17])
    for (x, y, v), expected in zip(label.keypoints, keypoint_depth, strict=True):
        if v == VISIBLE:
            surface = depth[int(y), int(x)]
            assert expected - 0.25 < surface <= expected + 0.01, "the pixel must show the body"


def test_in_a_side_view_the_far_arm_and_leg_are_occluded(renderer, standing):
    label, _ = render_and_label(renderer, standing, camera_at(90))  # from the performer's left
    for name in ("left_shoulder", "left_elbow", "left_wrist", "left_knee", "left_ankle"):
        assert visibility(label, name) == VISIBLE, name
    for name in ("right_shoulder", "right_elbow", "right_hip", "right_knee", "right_ankle"):
        assert visibility(label, name) == OCCLUDED, name


def test_keypoints_out_of_the_frame_are_zero(renderer, standing):
    close_up = camera_at(0, distance=1.2, height=1.3)  # head and chest only
    label, _ = render_and_label(renderer, standing, close_up)
    assert visibility(label, "nose") == VISIBLE
    for name in ("left_knee", "right_knee", "left_ankle", "right_ankle"):
        assert visibility(label, name) == OUTSIDE, name


def test_the_box_holds_every_keypoint_in_the_frame(renderer, standing):
    label, _ = render_and_label(renderer, standing, camera_at(45))
    x, y, w, h = label.box
    inside = label.keypoints[label.keypoints[:, 2] > 0]
    assert (inside[:, 0] >= x).all()
    assert (inside[:, 0] <= x + w).all()
    assert (inside[:, 1] >= y).all()
    assert (inside[:, 1] <= y + h).all()
    assert 0.3 * w * h < label.area < w * h


def test_another_person_in_view_gets_a_box_round_their_keypoints(standing):
    camera = camera_at(20)
    x, y, w, h = in_view_box(standing.vertices[0], camera, WIDTH, HEIGHT)
    pixels, _ = camera.project(standing.keypoints[0, :17])
    assert (pixels[:, 0] >= x).all()
    assert (pixels[:, 0] <= x + w).all()
    assert (pixels[:, 1] >= y).all()
    assert (pixels[:, 1] <= y + h).all()


def test_a_person_behind_the_camera_far_off_or_mostly_cut_off_is_not_in_view(standing):
    behind = Camera(np.array([0.0, -4.0, 0.9]), np.array([0.0, -8.0, 0.9]), 0.0, 0.8, WIDTH, HEIGHT)
    assert in_view_box(standing.vertices[0], behind, WIDTH, HEIGHT) is None
    far_off = camera_at(0, distance=60.0)  # under a tenth of the frame's height
    assert in_view_box(standing.vertices[0], far_off, WIDTH, HEIGHT) is None
    feet_only = camera_at(0, distance=1.0, height=0.1)
    assert in_view_box(standing.vertices[0], feet_only, WIDTH, HEIGHT) is None
