"""The heatmap codec: boxes to crops, keypoints to heatmaps and back, flip-test alignment."""

from __future__ import annotations

import numpy as np
import pytest

from common.skeleton import FLIP_INDEX
from pose_service.codec import CropRegion, crop, decode, encode, flip_back, to_image

INPUT = (192, 256)  # (W, H)
HEATMAP = (48, 64)


def test_a_box_grows_to_the_input_aspect_then_by_the_padding():
    region = CropRegion.from_box((50, 20, 100, 100), aspect_ratio=0.75)
    np.testing.assert_allclose(region.center, [100, 70])
    np.testing.assert_allclose(region.scale, np.array([100, 100 / 0.75]) / 200 * 1.25)


@pytest.mark.parametrize("box", [(0, 0, 0, 10), (0, 0, 10, -1)])
def test_an_empty_box_is_refused(box):
    with pytest.raises(ValueError, match="positive"):
        CropRegion.from_box(box, 0.75)


def test_image_points_survive_the_crop_and_the_way_back():
    region = CropRegion.from_box((300, 120, 80, 200), aspect_ratio=0.75)
    points = np.array([[310.0, 130.0], [340.0, 220.0], [375.0, 310.0]])
    forward = region.affine(INPUT)
    in_crop = points @ forward[:, :2].T + forward[:, 2]
    in_heatmap = in_crop * (HEATMAP[0] / INPUT[0])
    np.testing.assert_allclose(to_image(in_heatmap, region, HEATMAP), points, atol=1e-3)


def test_the_crop_shows_the_box_centred():
    image = np.zeros((400, 600, 3), np.uint8)
    image[170:230, 270:330] = 255  # a white square at the box centre
    region = CropRegion.from_box((250, 100, 100, 200), aspect_ratio=0.75)
    patch = crop(image, region, INPUT)
    assert patch.shape == (256, 192, 3)
    assert patch[128, 96].tolist() == [255, 255, 255]
    assert patch[5, 5].tolist() == [0, 0, 0]


def test_keypoints_survive_encode_then_decode():
    rng = np.random.default_rng(0)
    keypoints = rng.uniform([8, 8], [184, 248], (17, 2))
    targets, weights = encode(keypoints, np.full(17, 2), INPUT, HEATMAP)
    assert targets.shape == (17, 64, 48)
    assert weights.tolist() == [1.0] * 17
    decoded, confidence = decode(targets[None])
    np.testing.assert_allclose(decoded[0] * 4, keypoints, atol=4 * 0.75)
    np.testing.assert_allclose(confidence[0], 1.0)


def test_unlabelled_and_far_outside_joints_get_no_target():
    keypoints = np.array([[50.0, 50.0], [50.0, 50.0], [-200.0, 50.0]])
    targets, weights = encode(keypoints, np.array([2, 0, 1]), INPUT, HEATMAP)
    assert weights.tolist() == [1.0, 0.0, 0.0]
    assert targets[1].max() == 0


def test_an_empty_heatmap_decodes_to_the_origin_with_no_confidence():
    decoded, confidence = decode(np.zeros((1, 2, 8, 8), np.float32))
    assert decoded.tolist() == [[[0, 0], [0, 0]]]
    assert confidence.tolist() == [[0, 0]]


def test_quarter_decoding_moves_a_quarter_pixel_towards_the_higher_neighbour():
    heatmap = np.zeros((1, 1, 8, 8), np.float32)
    heatmap[0, 0, 4, 4] = 1.0
    heatmap[0, 0, 4, 5] = 0.5  # right neighbour higher than left
    heatmap[0, 0, 3, 4] = 0.5  # upper neighbour higher than lower
    decoded, _ = decode(heatmap, "quarter")
    np.testing.assert_allclose(decoded[0, 0], [4.25, 3.75])


def gaussian_heatmap(centre: tuple[float, float], sigma: float = 2.0) -> np.ndarray:
    """One heatmap (1, 1, h, w) of the network's size peaking at a point between pixels."""
    xs, ys = np.arange(HEATMAP[0]), np.arange(HEATMAP[1])[:, None]
    heatmap = np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2 * sigma**2))
    return heatmap[None, None].astype(np.float32)


@pytest.mark.parametrize("centre", [(20.3, 30.7), (7.5, 12.2), (40.9, 50.45)])
def test_dark_decoding_finds_a_peak_between_pixels_far_closer_than_a_quarter_pixel(centre):
    heatmap = gaussian_heatmap(centre)
    dark, _ = decode(heatmap, "dark")
    quarter, _ = decode(heatmap, "quarter")
    dark_error = np.abs(dark[0, 0] - centre).max()
    assert dark_error < 0.05
    assert dark_error < np.abs(quarter[0, 0] - centre).max()


def test_dark_decoding_leaves_a_peak_next_to_the_border_on_its_pixel():
    # The argmax lies in the second column from the right and the second row.
    heatmap = gaussian_heatmap((HEATMAP[0] - 1.7, 1.2))
    decoded, _ = decode(heatmap, "dark")
    np.testing.assert_allclose(decoded[0, 0], [HEATMAP[0] - 2, 1])


def test_an_unknown_decoding_is_refused():
    with pytest.raises(ValueError, match="unknown decoding 'soft'"):
        decode(gaussian_heatmap((10.0, 10.0)), "soft")  # type: ignore[arg-type]


def test_flipped_heatmaps_come_back_aligned_with_the_plain_ones():
    rng = np.random.default_rng(1)
    keypoints = rng.uniform([8, 8], [184, 248], (17, 2))
    mirrored = keypoints[list(FLIP_INDEX)].copy()
    mirrored[:, 0] = INPUT[0] - 4 - mirrored[:, 0]  # mirror about the heatmap grid
    plain, _ = encode(keypoints, np.full(17, 2), INPUT, HEATMAP)
    flipped, _ = encode(mirrored, np.full(17, 2), INPUT, HEATMAP)
    restored = flip_back(flipped[None], shift=False)[0]
    np.testing.assert_allclose(decode(restored[None])[0], decode(plain[None])[0], atol=1.0)


def test_the_crop_keeps_left_and_up_where_they_were():
    region = CropRegion.from_box((100, 100, 150, 200), aspect_ratio=0.75)
    matrix = region.affine(INPUT)
    centre, left_up = np.array([175.0, 200.0]), np.array([150.0, 150.0])
    mapped = np.stack([centre, left_up]) @ matrix[:, :2].T + matrix[:, 2]
    assert mapped[1, 0] < mapped[0, 0]
    assert mapped[1, 1] < mapped[0, 1]


def test_a_rotated_crop_turns_the_region_counter_clockwise():
    region = CropRegion.from_box((100, 100, 200, 200), aspect_ratio=1.0)
    matrix = region.affine((200, 200), rotation=90)
    above_centre = np.array([200.0, 150.0])  # 50 px above the box centre
    x, y = above_centre @ matrix[:, :2].T + matrix[:, 2]
    # As in the original, content turns counter-clockwise: what was above the centre (12
    # o'clock) shows at 9 o'clock in the crop.
    assert x < 100 - 20
    assert abs(y - 100) < 1
