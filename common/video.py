"""Reading and writing video files with PyAV (FFmpeg).

Glossary of shapes:
    - frame height, width: H, W (of the upright frame)

`VideoReader` opens a file path, bytes or a binary file object, reports `VideoInfo` before
any frame is requested, and yields upright RGB frames in shape (H, W, 3), uint8, with their
presentation time: a phone video stored sideways with a rotation in its metadata comes out
the way the person filmed it. Anything FFmpeg decodes works (H.264, HEVC, VP9, AV1, MJPEG,
...). Bytes that are not a decodable video raise `VideoDecodeError` with the reason.

`VideoWriter` writes H.264 in yuv420p (an mp4 browsers play) where the FFmpeg build has
libx264, MPEG-4 Part 2 otherwise; VP9 for `.webm` and MJPEG for `.avi`.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

import av
import av.error
import numpy as np
from av.video.reformatter import VideoReformatter

from common.errors import VideoDecodeError
from common.fitness.v1 import common_pb2

logger = logging.getLogger(__name__)

VideoSource = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

# A few broken packets are tolerated (the frames around them are dropped); more mean the
# file is damaged beyond use.
MAX_BAD_PACKETS = 16
_DEFAULT_FPS = 30.0


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video, in upright terms (after its stored rotation)."""

    width: int
    height: int
    fps: float
    frame_count: int
    duration_seconds: float
    codec: str
    rotation_degrees: int

    def to_proto(self) -> common_pb2.VideoInfo:
        """The `fitness.v1.VideoInfo` message of these facts."""
        return common_pb2.VideoInfo(
            width=self.width,
            height=self.height,
            fps=self.fps,
            frame_count=self.frame_count,
            duration_seconds=self.duration_seconds,
            codec=self.codec,
            rotation_degrees=self.rotation_degrees,
        )


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: its position, its time and its upright RGB pixels (H, W, 3)."""

    index: int
    timestamp: float
    image: np.ndarray


class VideoReader:
    """Decodes a video's frames in order, upright, optionally downscaled.

    Use as a context manager (or call `close()`); iterate once.

    Args:
        source: A file path, the file's bytes, or a readable binary file object.
        max_side: If set, frames whose longer side exceeds it are downscaled (aspect kept)
            while converting, which is much cheaper than resizing afterwards.
        name: What error messages call the video (default: its path, or a description);
            a server names an upload so as not to show its own file paths.

    Raises:
        FileNotFoundError: `source` is a path that does not exist.
        VideoDecodeError: The source is empty, not a video, or its first frame does not
            decode.
    """

    def __init__(
        self, source: VideoSource, *, max_side: int | None = None, name: str | None = None
    ) -> None:
        if max_side is not None and max_side < 2:
            raise ValueError(f"max_side must be at least 2, got {max_side}")
        self._name, stream_source = _open_source(source, name)
        try:
            self._container = av.open(stream_source, mode="r")
        except (av.error.FFmpegError, UnicodeDecodeError) as error:
            # FFmpeg's own message names the file by its path: its reason alone is kept.
            reason = getattr(error, "strerror", None) or error
            raise VideoDecodeError(f"{self._name} is not a decodable video: {reason}") from error
        try:
            if not self._container.streams.video:
                raise VideoDecodeError(f"{self._name} has no video stream")
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"
            self.bad_packets = 0
            # One scaler for every frame: a frame's own to_ndarray builds a new one each time.
            self._reformatter = VideoReformatter()
            self._frames = self._decode()
            first = next(self._frames, None)
            if first is None:
                raise VideoDecodeError(f"{self._name} has a video stream but no decodable frame")
            self._first = first
            self.info = self._read_info(first)
            self._size = _scaled_size(first.width, first.height, max_side)
        except BaseException:
            self._container.close()
            raise

    def _read_info(self, first: av.VideoFrame) -> VideoInfo:
        stream = self._stream
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else _DEFAULT_FPS
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / av.time_base
        else:
            duration = 0.0
        frame_count = stream.frames or round(duration * fps)
        rotation = _normalise_rotation(first.rotation)
        width, height = first.width, first.height
        if rotation % 180:
            width, height = height, width
        return VideoInfo(
            width=width,
            height=height,
            fps=fps,
            frame_count=int(frame_count),
            duration_seconds=duration or frame_count / fps,
            codec=stream.codec_context.name,
            rotation_degrees=rotation,
        )

    def _decode(self) -> Iterator[av.VideoFrame]:
        """Decoded frames; a broken packet is skipped until there are too many."""
        packets = self._container.demux(self._stream)
        while True:
            try:
                packet = next(packets)
                frames = packet.decode()
            except StopIteration:
                return
            except av.error.FFmpegError as error:
                self.bad_packets += 1
                if self.bad_packets > MAX_BAD_PACKETS:
                    raise VideoDecodeError(
                        f"{self._name} is damaged: more than {MAX_BAD_PACKETS} packets "
                        f"failed to decode (last: {getattr(error, 'strerror', None) or error})"
                    ) from error
                logger.warning("%s: skipped a packet that failed to decode: %s", self._name, error)
                continue
            yield from frames

    def __iter__(self) -> Iterator[VideoFrame]:
        start_time = self._first.time or 0.0
        frames = _chain_first(self._first, self._frames)
        for index, frame in enumerate(frames):
            image = self._reformatter.reformat(
                frame, width=self._size[0], height=self._size[1], format="rgb24"
            ).to_ndarray()
            quarter_turns = self.info.rotation_degrees // 90
            if quarter_turns:
                image = np.ascontiguousarray(np.rot90(image, k=quarter_turns))
            timestamp = frame.time - start_time if frame.time is not None else index / self.info.fps
            yield VideoFrame(index=index, timestamp=max(timestamp, 0.0), image=image)

    def close(self) -> None:
        """Releases the decoder and the file."""
        self._container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def probe_video(source: VideoSource) -> VideoInfo:
    """Opens a video just long enough to read its `VideoInfo` (decodes one frame)."""
    with VideoReader(source) as reader:
        return reader.info


def _open_source(source: VideoSource, name: str | None) -> tuple[str, str | BinaryIO]:
    """A name for messages (`name` if given) and something `av.open` reads."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise VideoDecodeError(f"{name or 'the video'} is empty (0 bytes)")
        return name or "the uploaded video", io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"no video file at {name or path}")
        if path.stat().st_size == 0:
            raise VideoDecodeError(f"{name or path} is empty (0 bytes)")
        return name or str(path), str(path)
    return name or getattr(source, "name", "the video stream"), source


def _normalise_rotation(degrees: float | int | None) -> int:
    """A display rotation snapped to a quarter turn in (-180, 180]."""
    quarter = round((degrees or 0) / 90) % 4
    return {0: 0, 1: 90, 2: 180, 3: -90}[quarter]


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, round(width * scale)), max(2, round(height * scale))


def _chain_first(first: av.VideoFrame, rest: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
    yield first
    yield from rest


@dataclass(frozen=True)
class _Encoder:
    codec: str
    pix_fmt: str
    options: tuple[tuple[str, str], ...] = ()  # quality is added as "crf" where supported
    takes_crf: bool = False


# The encoder per file type; each falls back to MPEG-4 Part 2 when the FFmpeg build lacks it.
_H264 = _Encoder("libx264", "yuv420p", (("preset", "veryfast"),), takes_crf=True)
_ENCODERS = {
    ".mp4": _H264,
    ".mov": _H264,
    ".mkv": _H264,
    ".webm": _Encoder(
        "libvpx-vp9", "yuv420p", (("b", "0"), ("deadline", "realtime")), takes_crf=True
    ),
    ".avi": _Encoder("mjpeg", "yuvj420p"),
}
_FALLBACK_ENCODER = _Encoder("mpeg4", "yuv420p")
_FASTSTART_SUFFIXES = (".mp4", ".mov")


class VideoWriter:
    """Writes RGB frames (H, W, 3) uint8 to a video file.

    The encoder follows the file suffix (see the module docstring). Odd sizes are padded by
    one pixel (edge copy), since 4:2:0 chroma needs even ones.

    Args:
        path: Output file; its suffix picks the container and encoder.
        fps: Frame rate.
        width: Frame width in pixels.
        height: Frame height in pixels.
        rotation_degrees: Counter-clockwise display rotation stored in the metadata, as a
            phone does when it films in portrait (the pixels are written as given).
        quality: Encoder quality, 0 (best) to 51 (worst), for H.264 and VP9.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fps: float,
        width: int,
        height: int,
        rotation_degrees: int = 0,
        quality: int = 23,
    ) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        if width < 1 or height < 1:
            raise ValueError(f"frame size must be positive, got {width}x{height}")
        self.path = Path(path)
        self.width, self.height = width, height
        suffix = self.path.suffix.lower()
        encoder = _ENCODERS.get(suffix, _FALLBACK_ENCODER)
        if encoder.codec not in av.codecs_available:
            encoder = _FALLBACK_ENCODER
        # faststart moves the index to the front so browsers play before the download ends.
        container_options = {"movflags": "+faststart"} if suffix in _FASTSTART_SUFFIXES else {}
        self._container = av.open(str(self.path), mode="w", options=container_options)
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream(encoder.codec, rate=rate)
        self._stream.width = width + width % 2
        self._stream.height = height + height % 2
        self._stream.pix_fmt = encoder.pix_fmt
        codec_options = dict(encoder.options)
        if encoder.takes_crf:
            codec_options["crf"] = str(quality)
        self._stream.options = codec_options
        if rotation_degrees:
            self._stream.set_display_rotation(rotation_degrees)
        self.codec = encoder.codec
        self.frames_written = 0

    def write(self, image: np.ndarray) -> None:
        """Appends one RGB frame of the writer's size."""
        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise ValueError(
                f"expected a uint8 frame of shape {(self.height, self.width, 3)}, "
                f"got {image.dtype} {image.shape}"
            )
        pad = ((0, self.height % 2), (0, self.width % 2), (0, 0))
        if any(p[1] for p in pad):
            image = np.pad(image, pad, mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        """Flushes the encoder and finishes the file."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
