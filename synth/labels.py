"""Exact 2D labels of a rendered frame: keypoints with COCO visibility, person box and area,
and the boxes of other people in view.

Glossary of shapes:
    - keypoint number: K (17, COCO order)
    - vertex number: V

Visibility follows COCO: 2 visible, 1 in the frame but hidden (behind the body itself,
equipment or a prop), 0 outside the frame. A keypoint is a joint centre inside the body, so
it counts as visible when the surface drawn at its pixel is no nearer than the body's own
flesh around it: its distance to the nearest vertex, with a margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from synth.camera import Camera

VISIBLE, OCCLUDED, OUTSIDE = 2, 1, 0
_FLESH_FACTOR = 1.5
_MARGIN_METRES = 0.05
# A body counts as another person in view with this much of it on the image, this tall.
MIN_SHARE_IN_VIEW = 0.3
MIN_HEIGHT_SHARE = 0.1


@dataclass(frozen=True)
class FrameLabel:
    """Labels of one frame: keypoints (K, 3) as x, y, visibility; box (x, y, w, h); area;
    the boxes of other people in view."""

    keypoints: np.ndarray
    box: tuple[float, float, float, float]
    area: float
    others: tuple[tuple[float, float, float, float], ...] = ()


def label_frame(
    keypoints: np.ndarray,
    vertices: np.ndarray,
    camera: Camera,
    depth: np.ndarray,
    *,
    flesh: np.ndarray | None = None,
) -> FrameLabel:
    """Labels one frame.

    Args:
        keypoints: The performer's COCO keypoints (K, 3), world metres.
        vertices: The performer's mesh vertices (V, 3), world metres.
        camera: The frame's camera.
        depth: The rendered depth (H, W), metres along the viewing axis.
        flesh: Each keypoint's distance to its nearest vertex (K,), when the caller has it
            (computed from `vertices` otherwise).
    """
    height, width = depth.shape
    pixels, keypoint_depth, inside = _seen(keypoints, camera, width, height)
    if flesh is None:
        flesh = np.linalg.norm(vertices[None] - keypoints[:, None], axis=2).min(axis=1)
    visibility = np.full(len(keypoints), OUTSIDE, np.float64)
    columns = np.clip(pixels[:, 0].astype(int), 0, width - 1)
    rows = np.clip(pixels[:, 1].astype(int), 0, height - 1)
    surface = depth[rows, columns]
    uncovered = keypoint_depth - surface <= _FLESH_FACTOR * flesh + _MARGIN_METRES
    visibility[inside] = np.where(uncovered[inside], VISIBLE, OCCLUDED)
    vertex_pixels, vertex_depth = camera.project(vertices)
    box, area = _silhouette(vertex_pixels[vertex_depth > camera.near], width, height)
    return FrameLabel(np.column_stack([pixels, visibility]), box, area)


def in_view_box(
    vertices: np.ndarray, camera: Camera, width: int, height: int
) -> tuple[float, float, float, float] | None:
    """The box of a body in view: at least `MIN_SHARE_IN_VIEW` of its vertices on the image
    and a box at least `MIN_HEIGHT_SHARE` of the image's height; None otherwise."""
    pixels, _, on_image = _seen(vertices, camera, width, height)
    if on_image.mean() < MIN_SHARE_IN_VIEW:
        return None
    box, _ = _silhouette(pixels[on_image], width, height)
    return box if box[3] >= MIN_HEIGHT_SHARE * height else None


def _seen(
    points: np.ndarray, camera: Camera, width: int, height: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixels (P, 2) and depths (P,) of world points (P, 3), and which are in front of the
    camera and on the `width` x `height` image."""
    pixels, depth = camera.project(points)
    on_image = (
        (depth > camera.near)
        & (pixels[:, 0] >= 0)
        & (pixels[:, 0] < width)
        & (pixels[:, 1] >= 0)
        & (pixels[:, 1] < height)
    )
    return pixels, depth, on_image


def _silhouette(
    pixels: np.ndarray, width: int, height: int
) -> tuple[tuple[float, float, float, float], float]:
    """Box (x, y, w, h) and area in pixels of the projected body, clipped to the image.

    The area counts the pixels the body covers (occluded parts included), from its vertices
    splatted on the image and closed into a silhouette.
    """
    on_image = pixels[
        (pixels[:, 0] >= 0) & (pixels[:, 0] < width) & (pixels[:, 1] >= 0) & (pixels[:, 1] < height)
    ]
    if len(on_image) == 0:
        return (0.0, 0.0, 0.0, 0.0), 0.0
    x0, y0 = on_image.min(axis=0)
    x1, y1 = on_image.max(axis=0)
    mask = np.zeros((height, width), np.uint8)
    mask[on_image[:, 1].astype(int), on_image[:, 0].astype(int)] = 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    box = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
    return box, float(mask.sum())
