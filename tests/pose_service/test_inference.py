"""The pose predictor: crops in, heatmaps out, averaged with the mirror image by default."""

import numpy as np
import torch

from pose_service.codec import flip_back
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
