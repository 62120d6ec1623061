"""Video reading and writing: codecs, rotation, timestamps, real clips and bad input."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from common.errors import VideoDecodeError
from common.video import VideoReader, VideoWriter, probe_video
from tests.common.clips import mean_abs_difference, numbered_frame, write_clip

REAL_CLIPS = Path(__file__).resolve().parents[1] / "data" / "realclips"


def read_all(source, **kwargs):
    with VideoReader(source, **kwargs) as reader:
        return reader.info, list(reader)


@pytest.mark.parametrize(
    ("suffix", "codec"),
    [(".mp4", "h264"), (".webm", "vp9"), (".avi", "mjpeg"), (".mkv", "h264")],
)
def test_a_written_video_reads_back_frame_by_frame(tmp_path, suffix, codec):
    path = tmp_path / f"clip{suffix}"
    written = write_clip(path, frames=12, fps=25)
    info, frames = read_all(path)
    assert (info.width, info.height, info.codec) == (64, 48, codec)
    assert info.fps == pytest.approx(25)
    assert info.frame_count == 12
    assert info.duration_seconds == pytest.approx(12 / 25, abs=0.05)
    assert [f.index for f in frames] == list(range(12))
    assert [f.timestamp for f in frames] == pytest.approx([i / 25 for i in range(12)], abs=1e-3)
    for frame, original in zip(frames, written, strict=True):
        assert frame.image.shape == (48, 64, 3)
        assert frame.image.dtype == np.uint8
        assert mean_abs_difference(frame.image, original) < 8


def test_h264_output_is_browser_playable(tmp_path):
    path = tmp_path / "clip.mp4"
    write_clip(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "the index must come first (faststart)"


@pytest.mark.parametrize("rotation", [-90, 90, 180])
def test_a_phone_video_with_rotation_metadata_comes_out_upright(tmp_path, rotation):
    upright = [numbered_frame(i, width=48, height=64) for i in range(6)]  # portrait
    # A phone stores the sensor's pixels and the turn that makes them upright.
    stored = [np.ascontiguousarray(np.rot90(image, k=-rotation // 90)) for image in upright]
    path = tmp_path / "phone.mp4"
    write_clip(path, stored=stored, rotation_degrees=rotation, fps=30)
    info, frames = read_all(path)
    assert info.rotation_degrees == rotation
    assert (info.width, info.height) == (48, 64)
    for frame, original in zip(frames, upright, strict=True):
        assert frame.image.shape == (64, 48, 3)
        assert mean_abs_difference(frame.image, original) < 8
    red_corner = frames[0].image[:8, :6].mean(axis=(0, 1))
    assert red_corner[0] > 150 > red_corner[2], "the top-left marker must stay top-left"


def test_reading_bytes_gives_the_same_frames_as_reading_the_file(tmp_path):
    path = tmp_path / "clip.mp4"
    write_clip(path)
    _, from_file = read_all(path)
    info, from_bytes = read_all(path.read_bytes())
    assert info.frame_count == len(from_file)
    for a, b in zip(from_file, from_bytes, strict=True):
        np.testing.assert_array_equal(a.image, b.image)


def test_max_side_downscales_while_decoding_and_keeps_the_aspect(tmp_path):
    path = tmp_path / "clip.mp4"
    write_clip(path, width=64, height=48)
    info, frames = read_all(path, max_side=32)
    assert (info.width, info.height) == (64, 48)  # the video's own size
    assert frames[0].image.shape == (24, 32, 3)


def test_odd_frame_sizes_are_padded_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    with VideoWriter(path, fps=10, width=33, height=21) as writer:
        writer.write(np.zeros((21, 33, 3), np.uint8))
    assert (probe_video(path).width, probe_video(path).height) == (34, 22)


def test_the_writer_refuses_a_frame_of_the_wrong_shape(tmp_path):
    with VideoWriter(tmp_path / "x.mp4", fps=10, width=32, height=32) as writer:
        with pytest.raises(ValueError, match="expected a uint8 frame of shape"):
            writer.write(np.zeros((32, 32), np.uint8))
        writer.write(np.zeros((32, 32, 3), np.uint8))


@pytest.mark.parametrize(
    ("name", "codec", "fps"),
    [("pose2sim_single_cam01.mp4", "h264", 60), ("pose2sim_single_cam02.mp4", "vp9", 60)],
)
def test_real_portrait_60fps_clips_decode(name, codec, fps):
    info, frames = read_all(REAL_CLIPS / name, max_side=640)
    assert (info.width, info.height, info.codec) == (1080, 1920, codec)
    assert info.fps == pytest.approx(fps)
    assert len(frames) == info.frame_count == 100
    assert frames[0].image.shape == (640, 360, 3)
    assert frames[-1].timestamp == pytest.approx(99 / fps, abs=0.01)
    assert frames[0].image.std() > 10, "real footage is not a flat image"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"squats, 3 sets of 12\n" * 40, "not a decodable video"),
        (bytes(np.random.default_rng(7).integers(0, 256, 50_000, dtype=np.uint8)), "video"),
    ],
    ids=["empty", "text", "random-bytes"],
)
def test_bytes_that_are_not_a_video_raise_a_clear_error(content, message):
    with pytest.raises(VideoDecodeError, match=message):
        read_all(content)


def test_an_empty_or_text_file_raises_a_clear_error_naming_the_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoDecodeError, match=r"empty\.mp4 is empty"):
        probe_video(empty)
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video at all\n" * 100)
    with pytest.raises(VideoDecodeError, match=r"notes\.mp4 is not a decodable video"):
        probe_video(notes)


def test_a_named_video_is_called_by_its_name_not_its_path(tmp_path):
    notes = tmp_path / "upload-x1.video"
    notes.write_text("not a video at all\n" * 100)
    with pytest.raises(VideoDecodeError) as refused:
        VideoReader(notes, name="the uploaded video")
    assert str(refused.value).startswith("the uploaded video is not a decodable video")
    assert str(tmp_path) not in str(refused.value)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no video file"):
        probe_video(tmp_path / "nowhere.mp4")


def test_a_file_without_a_video_stream_is_refused(tmp_path):
    path = tmp_path / "voice.wav"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(VideoDecodeError, match="no video stream"):
        probe_video(path)


def noisy_frames(count: int) -> list[np.ndarray]:
    """Frames of seeded noise: every frame costs many bytes, so a cut lands mid-stream."""
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(count)]


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_a_truncated_video_yields_the_frames_before_the_cut(tmp_path, suffix):
    path = tmp_path / f"clip{suffix}"
    write_clip(path, stored=noisy_frames(40))
    data = path.read_bytes()
    _, frames = read_all(data[: len(data) * 6 // 10])
    assert 15 < len(frames) < 40


def test_a_video_with_flipped_bits_decodes_or_fails_clearly(tmp_path):
    path = tmp_path / "clip.webm"
    write_clip(path, stored=noisy_frames(40))
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(3)
    for position in rng.integers(len(data) // 4, len(data), 60):
        data[position] ^= 0xFF
    try:
        _, frames = read_all(bytes(data))
    except VideoDecodeError as error:
        message, frames = str(error), []
    else:
        message = ""
    assert len(frames) <= 40
    assert message == "" or "video" in message
