"""Posing machinery for Anny bodies, with no knowledge of any exercise: rotation maths, the
skeleton's bones and keypoint indices, and `Rig`, which holds a performer's bone rotations over
the frames of a clip, poses the body and bends arms and legs to targets by two-bone inverse
kinematics.

World frame: Anny's (metres, z up, the body faces -y at rest, its left is +x).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from synth.body import BodyModel, Phenotype, PosedBody, Region

# --- Rotations -----------------------------------------------------------------------------

X, Y, Z = np.eye(3)


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def rot(axis: np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    """Rotation matrices (..., 3, 3) about unit axes (..., 3) by angles (...) in radians."""
    angle = np.asarray(angle, float)
    axis = np.broadcast_to(np.asarray(axis, float), (*angle.shape, 3))
    x, y, z = np.moveaxis(axis, -1, 0)
    zero = np.zeros_like(x)
    cross = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(*x.shape, 3, 3)
    sin, cos = np.sin(angle)[..., None, None], np.cos(angle)[..., None, None]
    return np.eye(3) + sin * cross + (1 - cos) * (cross @ cross)


def from_rotvecs(rotvec: np.ndarray) -> np.ndarray:
    """Rotation matrices of rotation vectors (..., 3)."""
    angle = np.linalg.norm(rotvec, axis=-1)
    return rot(rotvec / np.maximum(angle, 1e-12)[..., None], angle)


def _quaternions(m: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4) as (w, x, y, z) with w >= 0, of rotation matrices."""
    xx, yy, zz = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    a, b, c = m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]
    d, e, f = m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1]
    # Row i is 4 q_i q; the row with the largest q_i is the best conditioned (Shepperd).
    rows = np.stack(
        [
            np.stack([1 + xx + yy + zz, a, b, c], -1),
            np.stack([a, 1 + xx - yy - zz, d, e], -1),
            np.stack([b, d, 1 - xx + yy - zz, f], -1),
            np.stack([c, e, f, 1 - xx - yy + zz], -1),
        ],
        -2,
    )
    best = np.argmax(np.diagonal(rows, axis1=-2, axis2=-1), -1)
    q = unit(np.take_along_axis(rows, best[..., None, None], -2)[..., 0, :])
    return q * np.where(q[..., :1] < 0, -1.0, 1.0)


def _rotvecs(m: np.ndarray) -> np.ndarray:
    """Rotation vectors (..., 3) of rotation matrices."""
    q = _quaternions(m)
    norm = np.linalg.norm(q[..., 1:], axis=-1, keepdims=True)
    angle = 2 * np.arctan2(norm, q[..., :1])
    return q[..., 1:] * np.where(norm > 1e-9, angle / np.maximum(norm, 1e-12), 2.0)


def _basis(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotations (..., 3, 3) with columns a, b made orthogonal to a, and their cross product."""
    a = unit(a)
    b = unit(b - (b * a).sum(-1, keepdims=True) * a)
    return np.stack(np.broadcast_arrays(a, b, np.cross(a, b)), -1)


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The shortest rotations (..., 3, 3) turning unit vectors a onto unit vectors b."""
    cross = np.cross(a, b)
    sin = np.linalg.norm(cross, axis=-1)
    return rot(cross / np.maximum(sin, 1e-12)[..., None], np.arctan2(sin, (a * b).sum(-1)))


def transposed(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2)


def points(
    frames: int, x: np.ndarray | float, y: np.ndarray | float, z: np.ndarray | float
) -> np.ndarray:
    """(T, 3) points from per-frame or constant coordinates."""
    return np.stack(np.broadcast_arrays(x, y, z, np.zeros(frames))[:3], -1)


# --- The rig: bone rotations, posing and inverse kinematics ----------------------------------


def _skeleton() -> dict[str, str]:
    """Parents of the bones the motions turn (Anny's skeleton, as far as it is used here)."""
    chains = [("root", "spine05", "spine04", "spine03", "spine02", "spine01")]
    chains.append(("spine01", "neck01", "neck02", "neck03", "head"))
    for side in "LR":
        leg = ("pelvis", "upperleg01", "upperleg02", "lowerleg01", "lowerleg02", "foot")
        arm = ("clavicle", "shoulder01", "upperarm01", "upperarm02", "lowerarm01", "lowerarm02")
        chains.append(("root", *(f"{bone}.{side}" for bone in leg)))
        chains.append(("spine01", *(f"{bone}.{side}" for bone in (*arm, "wrist"))))
    return {child: parent for chain in chains for parent, child in itertools.pairwise(chain)}


_PARENT = _skeleton()

# Keypoint indices (COCO order, then the foot points), as (left, right) pairs.
NOSE = 0
SHOULDERS, ELBOWS, WRISTS = (5, 6), (7, 8), (9, 10)
HIPS, KNEES, ANKLES, BIG_TOES = (11, 12), (13, 14), (15, 16), (17, 18)
SIDES = (0, 1)  # left, right
SIGN = (1.0, -1.0)  # x direction of each side in the rest pose

# The left hand's finger direction (wrist keypoint to the hand's centre) and palm normal (its
# vertices' axis of least spread) in the rest pose, measured on Anny's mesh and alike for all
# builds; the right hand's mirror them.
_REST_FINGERS = np.array([0.35, -0.70, -0.63])
_REST_PALM = np.array([-0.70, 0.25, -0.67])


@dataclass(frozen=True)
class Limb:
    """An arm or leg as `Rig.reach` bends it: its bones and the keypoints of its joints."""

    upper: str
    lower: str
    twist: str
    end: str
    joints: tuple[int, int, int]  # keypoints at the root, middle and end joints
    hinge: tuple[float, float, float] | None  # rest hinge axis; None: that of the rest bend


ARMS = tuple(
    Limb(
        f"upperarm01.{s}",
        f"lowerarm01.{s}",
        f"lowerarm02.{s}",
        f"wrist.{s}",
        (SHOULDERS[i], ELBOWS[i], WRISTS[i]),
        None,
    )
    for i, s in enumerate("LR")
)
# The rest knee is nearly straight, so its hinge is given: +x bends it.
LEGS = tuple(
    Limb(
        f"upperleg01.{s}",
        f"lowerleg01.{s}",
        f"lowerleg02.{s}",
        f"foot.{s}",
        (HIPS[i], KNEES[i], ANKLES[i]),
        (1.0, 0.0, 0.0),
    )
    for i, s in enumerate("LR")
)


# A part of the body (a vertex mask) to rest on a plane: its normal (pointing out of the solid)
# and offset along the normal.
Contact = tuple[np.ndarray, np.ndarray, float]
# A limb sent to a target: its `Rig.reach` arguments.
_Aim = tuple[Limb, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, Contact | None]


class Rig:
    """Local bone rotations (T, 3, 3) of one performer over T frames, and a world shift."""

    def __init__(self, model: BodyModel, phenotype: Phenotype, frames: int) -> None:
        self.model = model
        self.phenotype = phenotype
        self.frames = frames
        rest = model.pose(phenotype, {}, frames=1)
        self.rest = rest.keypoints[0].astype(np.float64)
        self.rest_vertices = rest.vertices[0].astype(np.float64)
        left = self.rest_vertices[:, 0] > 0
        self.hands = tuple((model.regions == Region.HAND) & (left == (i == 0)) for i in SIDES)
        self.feet = tuple((model.regions == Region.FOOT) & (left == (i == 0)) for i in SIDES)
        self.local: dict[str, np.ndarray] = {}
        self.shift = np.zeros((frames, 3))
        self.aims: list[_Aim] = []

    def length(self, a: int, b: int) -> float:
        return float(np.linalg.norm(self.rest[a] - self.rest[b]))

    def reach_of(self, limb: Limb) -> float:
        a, b, c = limb.joints
        return self.length(a, b) + self.length(b, c)

    def half_width(self, pair: tuple[int, int]) -> float:
        return float(abs(self.rest[pair[0], 0] - self.rest[pair[1], 0]) / 2)

    def rest_mid(self, pair: tuple[int, int]) -> np.ndarray:
        return self.rest[list(pair)].mean(0)

    def clearance(
        self, part: np.ndarray, joint: int, rotation: np.ndarray, towards: np.ndarray = -Z
    ) -> np.ndarray:
        """How far the part's farthest vertex lies from the joint's keypoint along `towards`,
        once the part is turned by `rotation` (3, 3) or (T, 3, 3) about the joint."""
        offsets = self.rest_vertices[part] - self.rest[joint]
        return (offsets @ transposed(rotation) @ towards).max(-1)

    def world(self, bone: str) -> np.ndarray:
        """Global rotations (T, 3, 3) of a bone: its chain's local rotations from the root."""
        chain = [bone]
        while chain[-1] != "root":
            chain.append(_PARENT[chain[-1]])
        out = np.broadcast_to(np.eye(3), (self.frames, 3, 3))
        for name in reversed(chain):
            if name in self.local:
                out = out @ self.local[name]
        return out

    def turn(self, bone: str, rotation: np.ndarray) -> None:
        """Adds a rotation (3, 3) or (T, 3, 3) to a bone, after its current one."""
        self.local[bone] = self.local.get(bone, np.eye(3)) @ rotation

    def bend(self, bones: tuple[str, ...], axis: np.ndarray, angle: np.ndarray | float) -> None:
        """Spreads a rotation about `axis` evenly over `bones`."""
        for bone in bones:
            self.turn(bone, rot(axis, np.asarray(angle) / len(bones)))

    def orient(self, bone: str, rotation: np.ndarray) -> None:
        """Turns a bone to a global rotation (3, 3) or (T, 3, 3)."""
        self.local[bone] = transposed(self.world(_PARENT[bone])) @ rotation

    def pose(self) -> PosedBody:
        """Poses the body; limbs sent to targets by `reach` since the last pose get a second
        try, aimed past each target by the first try's miss, and past the plane their end
        should touch by how far the end went through it (or stopped short of it)."""
        body = self._posed()
        if self.aims:
            for limb, target, pole, keypoints, end, contact in self.aims:
                missed = body.keypoints[:, limb.joints[2]] - target
                if contact is not None:  # across the plane, the part's miss replaces the joint's
                    part, normal, plane = contact
                    missed -= np.outer(missed @ normal, normal)
                    missed -= np.outer(plane - (body.vertices[:, part] @ normal).min(1), normal)
                aim = target - missed
                self._reach(limb, aim, pole, keypoints, end)
            self.aims.clear()
            body = self._posed()
        return body

    def probe(self) -> np.ndarray:
        """Keypoints (K, 3) of the first frame alone: a cheap look at the pose."""
        return self._posed(1).keypoints[0].astype(np.float64)

    def _posed(self, frames: int | None = None) -> PosedBody:
        count = self.frames if frames is None else frames
        rotations = {
            bone: _rotvecs(np.broadcast_to(m, (self.frames, 3, 3))[:count])
            for bone, m in self.local.items()
        }
        root = rotations.pop("root", None)
        body = self.model.pose(self.phenotype, rotations, frames=count, root_rotation=root)
        return shifted(body, self.shift[:count])

    def reach(
        self,
        limb: Limb,
        target: np.ndarray,
        pole: np.ndarray,
        keypoints: np.ndarray,
        end: np.ndarray | None = None,
        contact: Contact | None = None,
    ) -> None:
        """Bends a limb so that its end keypoint reaches `target` (T, 3) with its middle joint
        towards `pole` (T, 3), from the limb's root at its place in `keypoints` (T, K, 3); then
        turns the end bone to the global rotation `end`, twisting the forearm or shin along.
        A `contact` names the plane the end part should touch (see `pose`)."""
        self.aims.append((limb, target, pole, keypoints, end, contact))
        self._reach(limb, target, pole, keypoints, end)

    def _reach(
        self,
        limb: Limb,
        target: np.ndarray,
        pole: np.ndarray,
        keypoints: np.ndarray,
        end: np.ndarray | None,
    ) -> None:
        a, b, c = limb.joints
        upper, lower = self.rest[b] - self.rest[a], self.rest[c] - self.rest[b]
        lengths = np.linalg.norm(upper), np.linalg.norm(lower)
        upper, lower = unit(upper), unit(lower)
        hinge = unit(np.cross(upper, lower)) if limb.hinge is None else np.array(limb.hinge)
        hinge = unit(hinge - (hinge @ upper) * upper)
        root = keypoints[:, a]
        span = target - root
        distance = np.clip(
            np.linalg.norm(span, axis=-1, keepdims=True),
            abs(lengths[0] - lengths[1]) + 1e-3,
            0.999 * sum(lengths),
        )
        along = unit(span)
        side = unit(pole - (pole * along).sum(-1, keepdims=True) * along)
        offset = (lengths[0] ** 2 - lengths[1] ** 2 + distance**2) / (2 * distance)
        middle = root + offset * along + np.sqrt(lengths[0] ** 2 - offset**2) * side
        bone_a, bone_b = unit(middle - root), unit(root + distance * along - middle)
        axis = unit(np.cross(side, along))
        parent = self.world(_PARENT[limb.upper])
        self.local[limb.upper] = transposed(parent) @ _basis(bone_a, axis) @ _basis(upper, hinge).T
        # The lower bone swings from its rest direction to its target: about the hinge, and a
        # little about another axis where the rest limb bends out of the hinge's plane.
        local_b = (transposed(self.world(limb.upper)) @ bone_b[..., None])[..., 0]
        self.local[limb.lower] = _swing(lower, local_b)
        self.local.pop(limb.twist, None)
        if end is None:
            self.local.pop(limb.end, None)
            return
        wrist = transposed(self.world(limb.lower)) @ end
        q = _quaternions(wrist)
        # Half the end's twist about the forearm (shin) goes to each of its two bones, so the
        # skin winds along it instead of at the wrist (ankle).
        half = rot(lower, np.arctan2(q[..., 1:] @ lower, q[..., 0]))
        self.local[limb.lower] = self.local[limb.lower] @ half
        self.local[limb.twist] = half
        self.local[limb.end] = transposed(half @ half) @ wrist


def shifted(body: PosedBody, shift: np.ndarray) -> PosedBody:
    """The body moved by (3,) or per frame (T, 3)."""
    offset = np.asarray(shift, np.float32).reshape(-1, 1, 3)
    return PosedBody(body.vertices + offset, body.keypoints + offset)


def hand_rotation(side: int, fingers: np.ndarray, palm: np.ndarray) -> np.ndarray:
    """Global rotation turning a rest hand to point its fingers and face its palm as given."""
    mirror = np.array([SIGN[side], 1.0, 1.0])
    return _basis(fingers, palm) @ _basis(_REST_FINGERS * mirror, _REST_PALM * mirror).T


def curl_fingers(rig: Rig) -> None:
    """Curls the fingers (and a little the thumb) of both hands as if round a bar."""
    for i in SIDES:
        mirror = np.array([SIGN[i], 1.0, 1.0])
        towards_palm = unit(np.cross(_REST_FINGERS * mirror, _REST_PALM * mirror))
        for finger in range(1, 6):
            for joint, degrees in zip((1, 2, 3), (45, 55, 40), strict=True):
                share = 0.4 if finger == 1 else 1.0
                rig.local[f"finger{finger}-{joint}.{'LR'[i]}"] = rot(
                    towards_palm, np.radians(degrees) * share
                )
