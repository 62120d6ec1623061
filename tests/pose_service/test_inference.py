"""The pose predictor: crops in, heatmaps out, averaged with the mirror image by default, and
keypoints decoded as asked."""

import numpy as np
import pytest
import torch

from pose_service.codec import CropRegion, flip_back
from pose_service.inference import PosePredictor, normalise
from pose_service.model import hrnet_compact


def test_the_flip_test_averages_each_crop_with_its_mirror_image_brought_back():
    torch.manual_seed(0)
    model = hrnet_compact().eval()
    patches = np.random.default_rng(0).integers(0, 256, (3, 256, 192, 3), dtype=np.uint8)
    batch = normalise(patches)
    with torch.inference_mode():
        plain = model(batch).numpy()
        mirrored = model(torch.flip(batch, dims=[3])).numpy()

    averaged = PosePredictor(model).heatmaps(patches)

    np.testing.assert_allclose(averaged, (plain + flip_back(mirrored)) / 2, atol=1e-5)
    np.testing.assert_allclose(
        PosePredictor(model, flip_test=False).heatmaps(patches), plain, atol=1e-5
    )


def test_keypoints_are_refined_by_the_decoding_asked_for():
    model = hrnet_compact().eval()
    heatmaps = np.zeros((1, 17, 64, 48), np.float32)
    heatmaps[0, :, 30, 20], heatmaps[0, :, 30, 21] = 1.0, 0.9  # a peak leaning right
    region = CropRegion.from_box((0, 0, 48, 64), aspect_ratio=0.75, padding=1.0)  # 1:1

    quarter = PosePredictor(model, decoding="quarter").keypoints(heatmaps, [region])
    dark = PosePredictor(model).keypoints(heatmaps, [region])

    np.testing.assert_allclose(quarter[0, :, :2], np.tile([20.25, 30.0], (17, 1)), atol=1e-3)
    assert np.all((dark[0, :, 0] > 20.3) & (dark[0, :, 0] < 20.5))  # halfway to a near-twin
    np.testing.assert_allclose(dark[0, :, 1], 30.0, atol=1e-3)


def test_an_unknown_decoding_is_refused_when_the_predictor_is_made():
    with pytest.raises(ValueError, match="choose one of dark, quarter"):
        PosePredictor(hrnet_compact(), decoding="soft")  # type: ignore[arg-type]
