"""Between person boxes, network crops and heatmaps, as the published HRNet does it.

Glossary of shapes:
    - batch size: N
    - keypoint number: K
    - crop height, width: H, W (the network input, 256x192 for W32)
    - heatmap height, width: h, w (H/4, W/4)

A person box becomes a centre and a scale: its shorter side is grown to the input's aspect
ratio, the size is divided by 200 (the original's "pixel_std") and grown by 1.25 so the crop
holds some context. An affine warp maps that region onto the input. Decoding takes each
heatmap's argmax and refines it below a heatmap pixel, either as DARK does (Zhang et al.,
"Distribution-Aware Coordinate Representation for Human Pose Estimation", CVPR 2020: the
Taylor expansion of the smoothed heatmap's logarithm about the argmax) or as the original
does (a quarter pixel towards the higher neighbour); it maps the point back to image pixels
with the inverse warp. The confidence is the heatmap's maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import cv2
import numpy as np

from common.skeleton import FLIP_INDEX

PIXEL_STD = 200.0
PADDING = 1.25

Decoding = Literal["dark", "quarter"]
"""How a heatmap's argmax is refined: DARK's Taylor step, or the original's quarter pixel."""
DECODINGS: tuple[str, ...] = get_args(Decoding)
DARK_BLUR_KERNEL = 11  # DARK's smoothing kernel for heatmaps of sigma 2 at 64x48


def check_decoding(method: str) -> None:
    """Raises ValueError unless `method` is one of `DECODINGS`."""
    if method not in DECODINGS:
        raise ValueError(f"unknown decoding {method!r}: choose one of {', '.join(DECODINGS)}")


@dataclass(frozen=True)
class CropRegion:
    """The image region a crop shows: `center` (2,) and `scale` (2,) in units of 200 px."""

    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def from_box(
        cls, box: tuple[float, float, float, float], aspect_ratio: float, padding: float = PADDING
    ) -> CropRegion:
        """The region of a box (x, y, w, h) in pixels; `aspect_ratio` is input width/height."""
        x, y, w, h = box
        if w <= 0 or h <= 0:
            raise ValueError(f"box width and height must be positive, got {box}")
        center = np.array([x + w * 0.5, y + h * 0.5], np.float64)
        if w > aspect_ratio * h:
            h = w / aspect_ratio
        else:
            w = h * aspect_ratio
        scale = np.array([w / PIXEL_STD, h / PIXEL_STD], np.float64) * padding
        return cls(center, scale)

    def affine(
        self, output_size: tuple[int, int], *, rotation: float = 0.0, inverse: bool = False
    ) -> np.ndarray:
        """The 2x3 matrix from image pixels to an output of (width, height), or back;
        `rotation` (degrees, counter-clockwise) turns the region, for augmentation."""
        src_w = self.scale[0] * PIXEL_STD
        dst_w, dst_h = output_size
        # Three points fix an affine map: the centre, half a width above it, and that point
        # turned a quarter about the centre (the original's get_3rd_point).
        angle = np.radians(rotation)
        cos, sin = np.cos(angle), np.sin(angle)
        up_src = np.array([0.5 * src_w * sin, -0.5 * src_w * cos])
        left_src = np.array([up_src[1], -up_src[0]])
        up_dst, left_dst = np.array([0.0, -0.5 * dst_w]), np.array([-0.5 * dst_w, 0.0])
        dst_center = np.array([dst_w * 0.5, dst_h * 0.5])
        src = np.stack([self.center, self.center + up_src, self.center + up_src + left_src])
        dst = np.stack([dst_center, dst_center + up_dst, dst_center + up_dst + left_dst])
        if inverse:
            src, dst = dst, src
        return cv2.getAffineTransform(src.astype(np.float32), dst.astype(np.float32))


def crop(image: np.ndarray, region: CropRegion, input_size: tuple[int, int]) -> np.ndarray:
    """The network input for one region: an RGB crop (H, W, 3) by bilinear affine warp.

    Args:
        image: The frame (image height, image width, 3), uint8.
        region: The person's region.
        input_size: (W, H) of the network input.
    """
    return cv2.warpAffine(image, region.affine(input_size), input_size, flags=cv2.INTER_LINEAR)


def encode(
    keypoints: np.ndarray,
    visible: np.ndarray,
    input_size: tuple[int, int],
    heatmap_size: tuple[int, int],
    sigma: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian heatmap targets of keypoints given in crop pixels.

    Args:
        keypoints: (K, 2) in input-crop pixels.
        visible: (K,) COCO visibility; 0 means no target.
        input_size: (W, H) of the crop.
        heatmap_size: (w, h) of the heatmaps.
        sigma: Gaussian standard deviation in heatmap pixels.

    Returns:
        Targets (K, h, w) float32 in [0, 1] and weights (K,) float32: 0 for joints that are
        not labelled or whose Gaussian falls outside the heatmap.
    """
    w, h = heatmap_size
    stride = np.array([input_size[0] / w, input_size[1] / h])
    targets = np.zeros((len(keypoints), h, w), np.float32)
    weights = (np.asarray(visible) > 0).astype(np.float32)
    xs, ys = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)[:, None]
    radius = 3 * sigma
    for k, point in enumerate(keypoints):
        if not weights[k]:
            continue
        mu_x, mu_y = (point / stride + 0.5).astype(int)  # the original's integer centre
        if mu_x - radius >= w or mu_y - radius >= h or mu_x + radius < 0 or mu_y + radius < 0:
            weights[k] = 0
            continue
        targets[k] = np.exp(-((xs - mu_x) ** 2 + (ys - mu_y) ** 2) / (2 * sigma**2))
    return targets, weights


def decode(heatmaps: np.ndarray, method: Decoding = "dark") -> tuple[np.ndarray, np.ndarray]:
    """Keypoints in heatmap pixels (N, K, 2) and confidences (N, K) of heatmaps (N, K, h, w).

    Each argmax is refined by `method` (see the module's docstring; only away from the
    border); joints whose maximum is not positive get (0, 0), as in the original.
    """
    check_decoding(method)
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, -1)
    index = flat.argmax(axis=2)
    maxvals = np.take_along_axis(flat, index[..., None], axis=2)[..., 0]
    coords = np.stack([index % w, index // w], axis=2).astype(np.float64)
    coords *= (maxvals > 0)[..., None]
    # Both originals refine only from the third pixel in; DARK's second differences reach
    # two pixels right and down, the quarter step's one.
    end = 2 if method == "dark" else 1
    px, py = coords[..., 0].astype(int), coords[..., 1].astype(int)
    inside = (px > 1) & (px < w - end) & (py > 1) & (py < h - end)
    batch, joint = np.nonzero(inside)
    if len(batch):
        refine = _dark_offsets if method == "dark" else _quarter_offsets
        coords[batch, joint] += refine(heatmaps, batch, joint, px[batch, joint], py[batch, joint])
    return coords, maxvals.astype(np.float32)


def _quarter_offsets(
    heatmaps: np.ndarray, batch: np.ndarray, joint: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """A quarter pixel towards the higher neighbour along x and y, per (batch, joint) peak."""
    maps = heatmaps[batch, joint]
    rows = np.arange(len(batch))
    dx = maps[rows, y, x + 1] - maps[rows, y, x - 1]
    dy = maps[rows, y + 1, x] - maps[rows, y - 1, x]
    return np.stack([np.sign(dx), np.sign(dy)], axis=1) * 0.25


def _dark_offsets(
    heatmaps: np.ndarray, batch: np.ndarray, joint: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """DARK's step per (batch, joint) peak: the smoothed heatmap's logarithm is taken as a
    quadratic about the argmax (first and second differences), and the step goes to its top."""
    maps = _smoothed(heatmaps[batch, joint])
    rows = np.arange(len(batch))

    def at(dy: int, dx: int) -> np.ndarray:
        """The smoothed heatmaps' logarithm at (x + dx, y + dy) of each peak."""
        return np.log(np.maximum(maps[rows, y + dy, x + dx], 1e-10)).astype(np.float64)

    gx = 0.5 * (at(0, 1) - at(0, -1))
    gy = 0.5 * (at(1, 0) - at(-1, 0))
    hxx = 0.25 * (at(0, 2) - 2 * at(0, 0) + at(0, -2))
    hyy = 0.25 * (at(2, 0) - 2 * at(0, 0) + at(-2, 0))
    hxy = 0.25 * (at(1, 1) - at(-1, 1) - at(1, -1) + at(-1, -1))
    det = hxx * hyy - hxy**2
    solvable = det != 0
    det = np.where(solvable, det, 1.0)
    step = np.stack([hyy * gx - hxy * gy, hxx * gy - hxy * gx], axis=1) / det[:, None]
    return -step * solvable[:, None]


def _smoothed(maps: np.ndarray) -> np.ndarray:
    """Maps (M, h, w) blurred by DARK's Gaussian (zeros beyond the border), each rescaled to
    keep its maximum."""
    channels = 128  # the most channels OpenCV filters at once
    blurred = np.empty_like(maps)
    for start in range(0, len(maps), channels):
        chunk = np.ascontiguousarray(maps[start : start + channels].transpose(1, 2, 0))
        kernel = (DARK_BLUR_KERNEL, DARK_BLUR_KERNEL)
        smooth = cv2.GaussianBlur(chunk, kernel, 0, borderType=cv2.BORDER_CONSTANT)
        blurred[start : start + channels] = np.atleast_3d(smooth).transpose(2, 0, 1)
    peak = blurred.max(axis=(1, 2), keepdims=True)
    return blurred * (maps.max(axis=(1, 2), keepdims=True) / np.where(peak > 0, peak, 1.0))


def to_image(points: np.ndarray, region: CropRegion, heatmap_size: tuple[int, int]) -> np.ndarray:
    """Heatmap pixels (K, 2) back to image pixels (K, 2) through the inverse warp."""
    matrix = region.affine(heatmap_size, inverse=True)
    return points @ matrix[:, :2].T + matrix[:, 2]


def flip_back(heatmaps: np.ndarray, shift: bool = True) -> np.ndarray:
    """Heatmaps (N, K, h, w) of horizontally flipped crops, returned to the plain crop's frame:
    mirrored, left/right joints swapped and (as the original does) shifted one pixel right."""
    flipped = heatmaps[:, list(FLIP_INDEX), :, ::-1].copy()
    if shift:
        flipped[..., 1:] = flipped[..., :-1].copy()
    return flipped
