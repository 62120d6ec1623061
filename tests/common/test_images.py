"""`fitness.v1.Image` messages to RGB pixels and back."""

from __future__ import annotations

import numpy as np
import pytest

from common.errors import InvalidInputError
from common.fitness.v1 import common_pb2
from common.images import decode_image, encode_image
from tests.common.clips import mean_abs_difference, numbered_frame

Image = common_pb2.Image


@pytest.mark.parametrize(
    ("encoding", "tolerance"),
    [(Image.ENCODING_RAW_RGB, 0), (Image.ENCODING_PNG, 0), (Image.ENCODING_JPEG, 6)],
)
def test_an_image_survives_encode_then_decode(encoding, tolerance):
    pixels = numbered_frame(3, width=40, height=30)
    message = encode_image(pixels, encoding)
    assert (message.width, message.height) == (40, 30)
    decoded = decode_image(message)
    assert decoded.shape == (30, 40, 3)
    assert mean_abs_difference(decoded, pixels) <= tolerance


def test_colour_order_is_rgb_in_both_directions():
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    assert decode_image(encode_image(red, Image.ENCODING_PNG))[0, 0].tolist() == [255, 0, 0]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (Image(encoding=Image.ENCODING_JPEG), "empty"),
        (Image(data=b"\xff\xd8\xff"), "unsupported image encoding"),
        (Image(encoding=Image.ENCODING_JPEG, data=b"not a jpeg"), "does not decode"),
        (Image(encoding=Image.ENCODING_RAW_RGB, data=b"\0" * 10), "needs a size"),
        (
            Image(encoding=Image.ENCODING_RAW_RGB, data=b"\0" * 4 * 4 * 4, width=4, height=4),
            "channel count",
        ),
        (Image(encoding=Image.ENCODING_RAW_RGB, data=b"\0" * 3, width=100_000, height=1), "size"),
    ],
    ids=["empty", "no-encoding", "corrupt-jpeg", "raw-without-size", "rgba-as-rgb", "huge"],
)
def test_bad_images_are_refused_with_the_reason(message, reason):
    with pytest.raises(InvalidInputError, match=reason):
        decode_image(message)


def test_a_declared_size_that_differs_from_the_decoded_one_is_refused():
    message = encode_image(numbered_frame(0), Image.ENCODING_PNG)
    message.width += 1
    with pytest.raises(InvalidInputError, match="declares 65x48"):
        decode_image(message)


def test_encoding_refuses_pixels_that_are_not_rgb():
    with pytest.raises(ValueError, match="uint8 RGB"):
        encode_image(np.zeros((4, 4), np.uint8))
