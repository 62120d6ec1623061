"""Conversion between `fitness.v1.Image` messages and RGB arrays in shape (H, W, 3), uint8."""

from __future__ import annotations

import cv2
import numpy as np

from common.errors import InvalidInputError
from common.fitness.v1 import common_pb2

Encoding = common_pb2.Image.Encoding

# Images larger than this (in either side) are refused before decoding.
MAX_IMAGE_SIDE = 8192


def decode_image(image: common_pb2.Image) -> np.ndarray:
    """Decodes an `Image` message to RGB pixels.

    Raises:
        InvalidInputError: Empty data, an unset encoding, a raw image whose byte count does not
            match its size, a JPEG or PNG that does not decode, or a declared size that
            differs from the decoded one.
    """
    if not image.data:
        raise InvalidInputError("the image is empty (0 bytes)")
    if image.encoding == common_pb2.Image.ENCODING_RAW_RGB:
        return _decode_raw(image)
    if image.encoding not in (common_pb2.Image.ENCODING_JPEG, common_pb2.Image.ENCODING_PNG):
        raise InvalidInputError(
            f"unsupported image encoding {image.encoding}: use JPEG, PNG or RAW_RGB"
        )
    bgr = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        name = Encoding.Name(image.encoding).removeprefix("ENCODING_")
        raise InvalidInputError(f"the {len(image.data)}-byte {name} image does not decode")
    height, width = bgr.shape[:2]
    declared = (image.width, image.height)
    if declared != (0, 0) and declared != (width, height):
        raise InvalidInputError(
            f"the image decodes to {width}x{height} but declares {image.width}x{image.height}"
        )
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _decode_raw(image: common_pb2.Image) -> np.ndarray:
    width, height = image.width, image.height
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
        raise InvalidInputError(
            f"a raw image needs a size in 1..{MAX_IMAGE_SIDE} per side, got {width}x{height}"
        )
    expected = width * height * 3
    if len(image.data) != expected:
        raise InvalidInputError(
            f"a raw {width}x{height} RGB image needs {expected} bytes, got {len(image.data)} "
            "(wrong size or channel count)"
        )
    return np.frombuffer(image.data, np.uint8).reshape(height, width, 3)


def encode_image(
    pixels: np.ndarray,
    encoding: common_pb2.Image.Encoding.ValueType = common_pb2.Image.ENCODING_JPEG,
    *,
    jpeg_quality: int = 90,
) -> common_pb2.Image:
    """Encodes RGB pixels in shape (H, W, 3), uint8, to an `Image` message."""
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise ValueError(f"expected uint8 RGB pixels (H, W, 3), got {pixels.dtype} {pixels.shape}")
    height, width = pixels.shape[:2]
    if encoding == common_pb2.Image.ENCODING_RAW_RGB:
        data = np.ascontiguousarray(pixels).tobytes()
    else:
        suffix, params = {
            common_pb2.Image.ENCODING_JPEG: (".jpg", [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]),
            common_pb2.Image.ENCODING_PNG: (".png", []),
        }[encoding]
        ok, buffer = cv2.imencode(suffix, cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), params)
        if not ok:
            raise ValueError(f"OpenCV could not encode a {width}x{height} image as {suffix}")
        data = buffer.tobytes()
    return common_pb2.Image(encoding=encoding, data=data, width=width, height=height)
