"""Human bodies from the Anny parametric model: phenotypes, posing, keypoints, body regions.

Glossary of shapes:
    - frame number: T
    - vertex number: V (13,718)
    - keypoint number: K (23: the 17 COCO keypoints, then six foot points)

Anny's frame: metres, z up, the body faces -y, its left is +x; the rest pose is an A-pose
with the pelvis near the origin. A pose is a rotation vector (radians, right-handed) per bone,
in axes that are the world axes of the rest pose; each acts in its parent's posed frame, as in
any forward kinematics. So, from rest: +x on `lowerleg01.*` bends the knee (heel back), -x on
`upperleg01.*` flexes the hip (thigh forward), -x on `upperarm01.*` raises the arm forwards,
-y on `upperarm01.L` (+y on `.R`) raises it sideways, +x on `spine0*` bends the trunk forward.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from enum import IntEnum

import numpy as np
import torch

# Ages in years at Anny's age anchors (MakeHuman's): baby 1, child 11, young 25, old 90,
# at parameter values 0, 1/3, 2/3 and 1.
_AGE_ANCHORS_YEARS = (1.0, 11.0, 25.0, 90.0)
_AGE_ANCHORS_VALUE = (0.0, 1 / 3, 2 / 3, 1.0)


def age_parameter(years: float) -> float:
    """Anny's `age` phenotype value for an age in years."""
    return float(np.interp(years, _AGE_ANCHORS_YEARS, _AGE_ANCHORS_VALUE))


@dataclass(frozen=True)
class Phenotype:
    """One performer's build; every field is an Anny phenotype value in [0, 1]."""

    gender: float  # 0 male, 1 female
    age: float
    muscle: float
    weight: float
    height: float
    proportions: float

    @classmethod
    def sample(cls, rng: np.random.Generator, *, held_out: bool = False) -> Phenotype:
        """A random adult from 16 to 70 years; `held_out` reaches beyond the training ranges
        (older, heavier, more extreme heights and proportions)."""
        years = rng.uniform(16, 82) if held_out else rng.uniform(16, 70)
        spread = (0.0, 1.0) if held_out else (0.1, 0.9)
        return cls(
            gender=float(rng.uniform(0, 1)),
            age=age_parameter(years),
            muscle=float(rng.uniform(*spread)),
            weight=float(rng.uniform(*spread)),
            height=float(rng.uniform(*spread)),
            proportions=float(rng.uniform(0, 1) if held_out else rng.uniform(0, 0.7)),
        )


class Region(IntEnum):
    """Body regions that get their own colour (skin, hair, clothes, shoes)."""

    FACE = 0
    HAIR = 1
    TORSO = 2
    UPPER_ARM = 3
    LOWER_ARM = 4
    HAND = 5
    HIPS = 6
    UPPER_LEG = 7
    LOWER_LEG = 8
    FOOT = 9


_REGION_OF_BONE_PREFIX = (
    (("root", "pelvis"), Region.HIPS),
    (("upperleg",), Region.UPPER_LEG),
    (("lowerleg",), Region.LOWER_LEG),
    (("foot", "toe"), Region.FOOT),
    (("spine", "clavicle", "shoulder", "breast"), Region.TORSO),
    (("upperarm",), Region.UPPER_ARM),
    (("lowerarm",), Region.LOWER_ARM),
    (("wrist", "finger", "thumb", "metacarpal", "index", "middle", "ring", "pinky"), Region.HAND),
)


@dataclass(frozen=True)
class PosedBody:
    """A body over T frames: vertices (T, V, 3) and keypoints (T, K, 3), world metres."""

    vertices: np.ndarray
    keypoints: np.ndarray


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Discards what native code writes to the process's standard error meanwhile (warp's
    warning that no CUDA driver was found, which the gym's CPU rendering does not need)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class BodyModel:
    """Anny with its COCO keypoint regressor, posed a whole clip at a time."""

    def __init__(self) -> None:
        import warp  # anny's skinning kernels: compiled once, cached under ~/.cache/warp

        warp.config.log_level = warp.LOG_WARNING  # no start-up banner in our output
        with _native_stderr_silenced():  # no "CUDA driver not found" on a machine without one
            warp.init()
        import anny  # imported here: it takes a moment

        self._anny = anny.Anny().to(torch.float32).eval()
        self._regressor = anny.KeypointsRegressor.coco(self._anny)
        self.bone_labels: tuple[str, ...] = tuple(self._anny.bone_labels)
        self.bone_index = {name: i for i, name in enumerate(self.bone_labels)}
        self.keypoint_labels: tuple[str, ...] = tuple(self._regressor.labels)
        self.faces = self._anny.get_triangular_faces().numpy().astype(np.int32)
        self.regions = self._vertex_regions()

    @property
    def vertex_count(self) -> int:
        return int(self.regions.shape[0])

    def _vertex_regions(self) -> np.ndarray:
        """Region (V,) of each vertex, from its dominant bone; hair from the rest head."""
        weights = self._anny.vertex_bone_weights.numpy()
        bones = self._anny.vertex_bone_indices.numpy()
        dominant = bones[np.arange(len(bones)), weights.argmax(axis=1)]
        region_of_bone = np.full(len(self.bone_labels), Region.FACE, np.int8)
        for index, name in enumerate(self.bone_labels):
            for prefixes, region in _REGION_OF_BONE_PREFIX:
                if name.startswith(prefixes):
                    region_of_bone[index] = region
                    break
        regions = region_of_bone[dominant]
        rest = self.pose(Phenotype(0.5, age_parameter(30), 0.5, 0.5, 0.5, 0.5), {}, frames=1)
        vertices, keypoints = rest.vertices[0], rest.keypoints[0]
        ears_z = keypoints[3:5, 2].mean()
        eyes_z = keypoints[1:3, 2].mean()
        nose_y = keypoints[0, 1]
        head = regions == Region.FACE
        # Hair covers the skull: above the eyes, and behind the ears down to their level.
        above_brow = vertices[:, 2] > eyes_z + 0.035
        back_of_head = (vertices[:, 1] > nose_y + 0.11) & (vertices[:, 2] > ears_z - 0.04)
        regions[head & (above_brow | back_of_head)] = Region.HAIR
        return regions

    def pose(
        self,
        phenotype: Phenotype,
        rotations: dict[str, np.ndarray],
        *,
        frames: int | None = None,
        root_rotation: np.ndarray | None = None,
        root_translation: np.ndarray | None = None,
    ) -> PosedBody:
        """Poses a body over T frames.

        Args:
            phenotype: The performer's build.
            rotations: Bone label to rotation vectors in shape (T, 3) or (3,), radians, in the
                rest axes (see the module docstring). Bones not named stay at rest.
            frames: T, when no array gives it.
            root_rotation: Whole-body rotation vectors (T, 3), about the pelvis.
            root_translation: Whole-body translations (T, 3), metres.

        Returns:
            Vertices (T, V, 3) and keypoints (T, K, 3) in world metres.
        """
        arrays = [
            np.atleast_2d(r)
            for r in (*rotations.values(), root_rotation, root_translation)
            if r is not None
        ]
        count = frames or max((a.shape[0] for a in arrays), default=1)
        pose = torch.eye(4).repeat(count, len(self.bone_labels), 1, 1)
        for name, rotvec in rotations.items():
            if name not in self.bone_index:
                raise ValueError(f"unknown bone {name!r}")
            pose[:, self.bone_index[name], :3, :3] = _rotation_matrices(rotvec, count)
        if root_rotation is not None:
            pose[:, 0, :3, :3] = _rotation_matrices(root_rotation, count)
        if root_translation is not None:
            pose[:, 0, :3, 3] = torch.as_tensor(
                np.array(np.broadcast_to(root_translation, (count, 3))), dtype=torch.float32
            )
        build = {k: torch.full((count,), v) for k, v in asdict(phenotype).items()}
        with torch.no_grad():
            output = self._anny(pose_parameters=pose, phenotype_kwargs=build)
            keypoints = self._regressor(output)
        return PosedBody(output["vertices"].numpy(), keypoints.numpy())


def _rotation_matrices(rotvec: np.ndarray, count: int) -> torch.Tensor:
    """(count, 3, 3) rotation matrices of rotation vectors (Rodrigues' formula)."""
    r = torch.as_tensor(np.array(np.broadcast_to(rotvec, (count, 3))), dtype=torch.float32)
    angle = r.norm(dim=1, keepdim=True).clamp_min(1e-12)
    axis = r / angle
    x, y, z = axis.unbind(1)
    zero = torch.zeros_like(x)
    cross = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], dim=1).reshape(-1, 3, 3)
    sin, cos = torch.sin(angle)[..., None], torch.cos(angle)[..., None]
    eye = torch.eye(3).expand(len(r), 3, 3)
    return eye + sin * cross + (1 - cos) * (cross @ cross)


@functools.cache
def body_model() -> BodyModel:
    """The process's one `BodyModel` (building it takes a second and ~200 MB)."""
    return BodyModel()


def degrees(*xyz: float) -> np.ndarray:
    """A rotation vector from rotations in degrees about x, y and z (small-angle friendly:
    the components are simply converted, not composed)."""
    return np.radians(np.asarray(xyz, dtype=np.float64))
