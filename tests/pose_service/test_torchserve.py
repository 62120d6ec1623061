"""The pose model under real TorchServe gives the same keypoints as in process; a pose service
given a model store runs its own TorchServe and stops it on exit."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from client.stack import wait_serving
from common.channels import open_channel
from common.fitness.v1 import common_pb2, pose_pb2, pose_pb2_grpc
from common.images import encode_image
from common.torchserve import TorchServe, free_port, read_properties
from pose_service.archive import build_pose_archive
from pose_service.inference import PosePredictor
from pose_service.model import hrnet_compact
from pose_service.payload import decode_answer, encode_request
from pose_service.train import load_weights, save_checkpoint


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pose_model")
    torch.manual_seed(3)
    weights = folder / "pose.safetensors"
    save_checkpoint(hrnet_compact(), "compact", (192, 256), weights)
    mar = build_pose_archive(weights, folder / "store")
    return weights, mar


def frames_and_boxes() -> tuple[list[np.ndarray], list[tuple[float, float, float, float]]]:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (240, 320, 3), dtype=np.uint8) for _ in range(3)]
    boxes = [(40.0, 20.0, 120.0, 200.0), (100.0, 50.0, 60.0, 150.0), (0.0, 0.0, 320.0, 240.0)]
    return frames, boxes


def predict_through(server: TorchServe, frame: np.ndarray, box: tuple) -> np.ndarray:
    headers = {
        "Authorization": f"Bearer {server.inference_token()}",
        "Content-Type": "application/octet-stream",
    }
    request = urllib.request.Request(
        f"{server.inference_url}/predictions/pose", data=encode_request(frame, box), headers=headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return decode_answer(response.read())


def test_torchserve_and_in_process_give_the_same_keypoints(archive, tmp_path):
    weights, mar = archive
    frames, boxes = frames_and_boxes()
    model, input_size = load_weights(weights)
    expected = PosePredictor(model.eval(), input_size).predict(frames, boxes)
    with TorchServe(mar.parent, {"pose": mar.name}, tmp_path) as server:
        served = np.stack(
            [predict_through(server, f, b) for f, b in zip(frames, boxes, strict=True)]
        )
    assert served.shape == (3, 17, 3)
    np.testing.assert_allclose(served, expected, atol=1e-3)


def running_with(text: str) -> list[int]:
    """Pids of the processes whose command line mentions `text`."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                pids.append(int(cmdline.parent.name))
        except OSError:  # the process ended meanwhile
            continue
    return pids


def test_a_service_with_a_model_store_hosts_its_own_torchserve_and_stops_it(archive, tmp_path):
    _, mar = archive
    store = str(mar.parent)
    port, log = free_port(), tmp_path / "pose.log"
    command = [sys.executable, "-m", "pose_service.server", "--port", str(port)]
    with log.open("w") as output:
        service = subprocess.Popen(
            [*command, "--torchserve-model-store", store], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_serving(f"127.0.0.1:{port}", 180, service, log)
        torchserve = [pid for pid in running_with(store) if pid != service.pid]
        assert torchserve, "no TorchServe serving the store"
        frames = [
            common_pb2.Frame(image=encode_image(f), index=i)
            for i, f in enumerate(frames_and_boxes()[0])
        ]

        async def estimate() -> list:
            async with open_channel(f"127.0.0.1:{port}", max_attempts=1) as channel:
                stub = pose_pb2_grpc.PoseEstimatorStub(channel)
                request = pose_pb2.EstimatePosesRequest(frames=frames)
                return [r async for r in stub.EstimatePoses(iter([request]), timeout=120)]

        responses = asyncio.run(estimate())
        assert [p.frame_index for p in responses[0].poses] == [0, 1, 2]
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
    assert running_with(store) == []


def test_extra_properties_join_the_generated_config_without_moving_its_addresses(tmp_path):
    extra = tmp_path / "extra.properties"
    extra.write_text(
        "# from a ConfigMap\njob_queue_size=200\ninference_address=http://0.0.0.0:8080\n"
    )
    server = TorchServe(tmp_path, {}, tmp_path / "run", extra_properties=extra)
    (tmp_path / "run").mkdir()
    written = read_properties(server.write_config())
    assert written["job_queue_size"] == "200"
    assert written["inference_address"] == server.inference_url
    assert written["inference_address"].startswith("http://127.0.0.1:")
