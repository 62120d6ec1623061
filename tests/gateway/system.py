"""The four services on loopback with in-process models, for the gateway's tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import torch

from action_service.checkpoint import save_checkpoint, save_skeleton_checkpoint
from action_service.classes import EXERCISES, KEYPOINT_CLASSES, NONE
from action_service.model import build_model
from action_service.sequences import FEATURES
from action_service.server import binding as action_binding
from action_service.server import create_backend as action_backend
from action_service.server import create_keypoint_backend
from action_service.settings import ActionSettings
from action_service.skeleton_model import skeleton_tcn
from common.channels import open_channel
from common.fitness.v1 import gateway_pb2_grpc
from common.server import RunningServer, start_server
from gateway.server import binding as gateway_binding
from gateway.server import open_backends
from gateway.settings import GatewaySettings
from pose_service.server import binding as pose_binding
from pose_service.server import create_backend as pose_backend
from pose_service.settings import PoseSettings
from scoring_service.catalogue import load_catalogue
from scoring_service.index import IndexStore, build_index_dir
from scoring_service.keypoint_dataset import labels_keypoints
from scoring_service.server import binding as scoring_binding
from scoring_service.settings import ScoringSettings
from tests.models import REP_SEGMENTER


def biased_keypoint_model(path: Path, answer: str) -> Path:
    """A keypoint classifier that always answers `answer`."""
    torch.manual_seed(0)
    model = skeleton_tcn(FEATURES, len(KEYPOINT_CLASSES), width=16)
    with torch.no_grad():
        model.fc.bias[KEYPOINT_CLASSES.index(answer)] = 50.0
    save_skeleton_checkpoint(
        model, in_features=FEATURES, width=16, classes=KEYPOINT_CLASSES, path=path
    )
    return path


@dataclass(frozen=True)
class Models:
    action: Path
    index: Path
    squats: Path  # a keypoint classifier answering BodyWeightSquats
    none: Path  # one answering none


@dataclass
class System:
    pose: RunningServer
    action: RunningServer
    scoring: RunningServer
    gateway: RunningServer
    stub: gateway_pb2_grpc.GatewayStub


@contextlib.asynccontextmanager
async def running_system(
    models: Models,
    keypoint_weights: Path | None,
    fusion: Path | None = None,
    **gateway_options,
) -> AsyncIterator[System]:
    """The four services on loopback; the action service without a keypoint classifier
    where `keypoint_weights` is None; `gateway_options` override the gateway's settings."""
    # Without the flip test, which doubles the pose model's work: the gateway's tests are about
    # orchestration, and the pose service's own tests cover the flip test.
    pose_settings = PoseSettings(port=0, backend="in_process", flip_test=False)
    pose = await start_server(
        pose_settings, [pose_binding(pose_backend(pose_settings), pose_settings)]
    )
    action_settings = ActionSettings(
        port=0,
        backend="in_process",
        weights=models.action,
        keypoints=keypoint_weights is not None,
        keypoint_weights=keypoint_weights or models.squats,
    )
    action = await start_server(
        action_settings,
        [
            action_binding(
                action_backend(action_settings),
                action_settings,
                create_keypoint_backend(action_settings),
            )
        ],
    )
    scoring_settings = ScoringSettings(port=0, index_dir=models.index)
    store = IndexStore(models.index, load_catalogue())
    scoring = await start_server(scoring_settings, [scoring_binding(store, scoring_settings)])
    settings = GatewaySettings(
        port=0,
        pose_targets=f"127.0.0.1:{pose.port}",
        action_targets=f"127.0.0.1:{action.port}",
        scoring_targets=f"127.0.0.1:{scoring.port}",
        max_upload_mb=2,
        max_side=1920,
        max_analyses=2,
        fusion=fusion or Path("no-fusion.json"),
        **gateway_options,
    )
    backends, channels = open_backends(settings)
    gateway = await start_server(settings, [gateway_binding(backends, settings)])
    try:
        async with open_channel(f"127.0.0.1:{gateway.port}", max_attempts=1) as channel:
            yield System(pose, action, scoring, gateway, gateway_pb2_grpc.GatewayStub(channel))
    finally:
        for server in (gateway, pose, action, scoring):
            await server.stop(None)
        for channel in channels:
            await channel.close()


def build_models(tiny_ucf: Path, folder: Path) -> Models:
    """Action weights that always answer BodyWeightSquats (recognition quality is the action
    tests' business), keypoint classifiers answering squats or none, and a scoring index
    built from the tiny set's exact keypoints."""
    torch.manual_seed(0)
    weights = folder / "action.safetensors"
    model = build_model(10, widen_factor=0.25)
    with torch.no_grad():
        model.fc.bias[EXERCISES.index("BodyWeightSquats")] = 50.0
    save_checkpoint(
        model,
        depth=10,
        widen_factor=0.25,
        classes=EXERCISES,
        path=weights,
    )
    videos = [
        labels_keypoints(path, str(path.relative_to(tiny_ucf)))
        for path in sorted(tiny_ucf.glob("*/*.mp4"))
    ]
    build_index_dir(
        videos,
        load_catalogue(),
        folder / "index",
        source=str(tiny_ucf),
        rep_segmenter=REP_SEGMENTER,
    )
    return Models(
        weights,
        folder / "index",
        biased_keypoint_model(folder / "squats.safetensors", "BodyWeightSquats"),
        biased_keypoint_model(folder / "none.safetensors", NONE),
    )
