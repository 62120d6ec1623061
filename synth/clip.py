"""One gym clip from one seed: a performer, a scene, a moving camera, frames and exact labels.

Everything random about a clip is drawn from `numpy.random.default_rng(seed)` in a fixed
order, so a seed gives the same clip, pixels and labels on every run. Held-out clips use
seeds disjoint from training seeds and reach beyond the training ranges (older and heavier
bodies, more saturated clothes, lower and higher viewpoints, wider lenses).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace

import cv2
import numpy as np

from synth.appearance import Appearance
from synth.body import Phenotype, PosedBody, body_model
from synth.camera import Camera, CameraRig
from synth.exercises import Performance, perform
from synth.geometry import Box, Solid, as_point, behind_a_wall, hidden_share
from synth.labels import FrameLabel, in_view_box, label_frame
from synth.render import Lighting, MeshBuffers, Renderer
from synth.textures import (
    BACKDROPS,
    FLOORS,
    SHIFTED_BACKDROPS,
    SHIFTED_FLOORS,
    random_texture,
)

ASPECTS = {"4:3": (4, 3), "16:9": (16, 9), "9:16": (9, 16), "3:4": (3, 4)}
FRAME_RATES = (24.0, 25.0, 30.0, 60.0)
COCO_KEYPOINTS = 17
MOST_HIDDEN = 0.5  # share of the keypoints equipment or an occluder may hide from the camera
OCCLUDER_LOWERINGS = 3  # times an occluder hiding more than that is halved in height
CHECKED_FRAMES = 9  # frames across a clip where the equipment in view is tested
# A camera whose view equipment blocks from both sides is moved up or down in these steps,
# within this range of elevations.
TILT_STEP, TILTS = math.radians(10), 5
TILT_RANGE = (math.radians(-15), math.radians(60))


@dataclass(frozen=True)
class ClipSpec:
    """What to render: the exercise, the seed, the frame size and rate."""

    exercise: str
    seed: int
    width: int
    height: int
    fps: float
    held_out: bool = False
    reps: int | None = None
    faults: dict[str, float] | None = None
    # Clips with the same performer seed show the same person (build and clothes).
    performer_seed: int | None = None
    # Looks unlike training (texture families, lighting, clothes and bodies held out) while
    # the motion and the camera stay in the training ranges.
    appearance_shift: bool = False
    # Films from this azimuth (0: the performer's front, 90: their left) in place of the drawn
    # one; the rest of the rig, the performer and the scene are as the seed draws them.
    azimuth_degrees: float | None = None

    @classmethod
    def sample(
        cls,
        exercise: str,
        seed: int,
        *,
        short_side: int = 240,
        held_out: bool = False,
        reps: int | None = None,
        faults: dict[str, float] | None = None,
    ) -> ClipSpec:
        """A spec with a random aspect (landscape, portrait or 4:3) and frame rate."""
        rng = np.random.default_rng([seed, 1])
        aspect = list(ASPECTS.values())[int(rng.integers(len(ASPECTS)))]
        long_side = round(short_side * max(aspect) / min(aspect) / 2) * 2
        width, height = (
            (long_side, short_side) if aspect[0] > aspect[1] else (short_side, long_side)
        )
        fps = FRAME_RATES[int(rng.integers(len(FRAME_RATES)))]
        return cls(exercise, seed, width, height, fps, held_out, reps, faults)


@dataclass
class Scene:
    """Everything in view besides the performer, and the camera's imperfections."""

    lighting: Lighting
    backdrop: np.ndarray
    floor: np.ndarray
    floor_tile_metres: float
    backdrop_brightness: float
    props: list[Solid]
    bystander: tuple[PosedBody, Appearance] | None
    motion_blur: float  # weight of the previous frame, 0: none
    noise_sigma: float  # sensor noise, grey levels
    defocus_sigma: float  # pixels
    quality: int  # encoder quality (CRF), lower is better


def _sample_scene(rng: np.random.Generator, *, held_out: bool, shifted: bool) -> Scene:
    bystander = None
    if rng.uniform() < 0.2:
        phenotype = Phenotype.sample(rng, held_out=held_out)
        heading = rng.uniform(-math.pi, math.pi)
        place = np.array([rng.uniform(-2.5, 2.5), rng.uniform(1.2, 3.0), 0.0])
        body = body_model().pose(phenotype, {}, frames=1, root_rotation=np.array([0, 0, heading]))
        lift = -body.vertices[0, :, 2].min()
        body = PosedBody(
            body.vertices + place + [0, 0, lift], body.keypoints + place + [0, 0, lift]
        )
        bystander = (body, Appearance.sample(rng, held_out=held_out))
    return Scene(
        lighting=Lighting.sample(rng, held_out=held_out),
        backdrop=random_texture(rng, SHIFTED_BACKDROPS if shifted else BACKDROPS),
        floor=random_texture(rng, SHIFTED_FLOORS if shifted else FLOORS),
        floor_tile_metres=float(rng.uniform(0.6, 3.0)),
        backdrop_brightness=float(rng.uniform(0.55, 1.1)),
        props=[],
        bystander=bystander,
        motion_blur=float(rng.uniform(0.15, 0.45)) if rng.uniform() < 0.3 else 0.0,
        noise_sigma=float(rng.uniform(0, 7)),
        defocus_sigma=float(rng.uniform(0.3, 1.1)) if rng.uniform() < 0.3 else 0.0,
        quality=int(rng.integers(18, 34)),
    )


def _on_the_performers_side(rig: CameraRig, performance: Performance, spec: ClipSpec) -> CameraRig:
    """The rig, moved to the mirror azimuth across the performer's front plane (the front
    for the back, a front diagonal for a back one) where, in the performance's middle frame,
    it would stand behind a wall from the performer (the wall of wall push-ups or handstand
    push-ups) or equipment would hide most of their keypoints in any of `CHECKED_FRAMES`
    frames across the clip (a barbell's plates move with it): nobody films a set from behind
    the wall. Where equipment hides most of them from both (a bench press's plates seen from
    the side), the phone is moved up or down, as little as it takes, to see past it."""
    keypoints = performance.body.keypoints[:, :COCO_KEYPOINTS]
    middle = keypoints[len(keypoints) // 2]
    checked = np.linspace(0, len(keypoints) - 1, CHECKED_FRAMES).round().astype(int)

    def blocked(candidate: CameraRig) -> tuple[bool, float]:
        eye = candidate.still_camera(keypoints, spec.width, spec.height).position
        hidden = max(hidden_share(eye, keypoints[f], performance.solids(f)) for f in checked)
        return behind_a_wall(eye, middle, performance.equipment), hidden

    behind, hidden = blocked(rig)
    if not behind and hidden <= MOST_HIDDEN:
        return rig
    mirrored = replace(rig, azimuth=math.remainder(math.pi - rig.azimuth, math.tau))
    if (seen := blocked(mirrored)) < (behind, hidden):
        rig, (behind, hidden) = mirrored, seen
    if behind or hidden <= MOST_HIDDEN:
        return rig
    tilted = [
        replace(rig, elevation=float(np.clip(rig.elevation + sign * step * TILT_STEP, *TILT_RANGE)))
        for step in range(1, TILTS + 1)
        for sign in (1, -1)
    ]
    least_hidden = rig, hidden
    for candidate in tilted:
        share = blocked(candidate)[1]
        if share <= MOST_HIDDEN:
            return candidate
        if share < least_hidden[1]:
            least_hidden = candidate, share
    return least_hidden[0]


def sample_occluder(
    rng: np.random.Generator,
    camera: Camera,
    keypoints: np.ndarray,
    in_view: tuple[Solid, ...] = (),
) -> Box | None:
    """A box standing between the camera and the performer, hiding part of them: halved in
    height, up to `OCCLUDER_LOWERINGS` times, while it and the solids already `in_view` (the
    equipment) hide more than `MOST_HIDDEN` of `keypoints` (K, 3); None where they still do."""
    target = camera.target
    towards = camera.position - target
    towards[2] = 0
    towards /= max(np.linalg.norm(towards), 1e-6)
    side = np.array([-towards[1], towards[0], 0.0])
    distance = np.linalg.norm(camera.position[:2] - target[:2]) * rng.uniform(0.25, 0.5)
    center = target + towards * distance + side * rng.uniform(-0.5, 0.5)
    height = float(rng.uniform(0.4, 1.2))
    footprint = (float(rng.uniform(0.3, 0.8)), float(rng.uniform(0.3, 0.8)))
    color = tuple(float(c) for c in rng.uniform(0.1, 0.8, 3))
    for _ in range(OCCLUDER_LOWERINGS + 1):
        center[2] = height / 2
        box = Box(as_point(center), (*footprint, height), color)
        if hidden_share(camera.position, keypoints, (box, *in_view)) <= MOST_HIDDEN:
            return box
        height /= 2
    return None


class _FleshDistance:
    """Each keypoint's distance to the nearest vertex of the body, per frame.

    The flesh around a joint moves with it, so the nearest vertices are searched among the
    ones nearest in the first frame only.
    """

    CANDIDATES = 96

    def __init__(self, body: PosedBody) -> None:
        self._body = body
        first = body.vertices[0]
        keypoints = body.keypoints[0, :COCO_KEYPOINTS]
        distances = np.linalg.norm(first[None] - keypoints[:, None], axis=2)
        self._candidates = np.argsort(distances, axis=1)[:, : self.CANDIDATES]

    def at(self, frame: int) -> np.ndarray:
        """Distances (K,) in metres for one frame."""
        near = self._body.vertices[frame][self._candidates]  # (K, CANDIDATES, 3)
        keypoints = self._body.keypoints[frame, :COCO_KEYPOINTS, None]
        return np.linalg.norm(near - keypoints, axis=2).min(axis=1)


@dataclass
class Clip:
    """A clip ready to render: its spec, performance, scene and per-frame cameras."""

    spec: ClipSpec
    performance: Performance
    appearance: Appearance
    rig: CameraRig
    cameras: list[Camera]
    scene: Scene

    @classmethod
    def build(cls, spec: ClipSpec) -> Clip:
        """Samples everything about the clip from its seed."""
        rng = np.random.default_rng([spec.seed, 2])
        performer_rng = np.random.default_rng([spec.performer_seed or spec.seed, 5])
        looks_held_out = spec.held_out or spec.appearance_shift
        phenotype = Phenotype.sample(performer_rng, held_out=looks_held_out)
        appearance = Appearance.sample(performer_rng, held_out=looks_held_out)
        performance = perform(
            spec.exercise,
            seed=spec.seed,
            fps=spec.fps,
            reps=spec.reps,
            faults=spec.faults,
            phenotype=phenotype,
            held_out=spec.held_out,
        )
        scene = _sample_scene(rng, held_out=looks_held_out, shifted=spec.appearance_shift)
        rig = CameraRig.sample(rng, held_out=spec.held_out)
        if spec.azimuth_degrees is not None:
            rig = replace(rig, azimuth=math.radians(spec.azimuth_degrees))
        keypoints = performance.body.keypoints[:, :COCO_KEYPOINTS]
        rig = _on_the_performers_side(rig, performance, spec)
        rig = rig.above_floor(keypoints, spec.width, spec.height)
        cameras = rig.cameras(keypoints, spec.width, spec.height, rng)
        if rng.uniform() < 0.15:
            middle = len(keypoints) // 2
            occluder = sample_occluder(
                rng, cameras[0], keypoints[middle], performance.solids(middle)
            )
            if occluder is not None:
                scene.props.append(occluder)
        return cls(spec, performance, appearance, rig, cameras, scene)

    @property
    def frame_count(self) -> int:
        return len(self.cameras)

    def projected_keypoints(self) -> np.ndarray:
        """The performer's COCO keypoints (F, 17, 3) in frame pixels without rendering: x, y
        and 1 for a point in front of the camera and inside the frame, else 0 (occlusion is
        not tested: that needs the rendered depth)."""
        result = np.zeros((self.frame_count, COCO_KEYPOINTS, 3), np.float32)
        for index, camera in enumerate(self.cameras):
            points = self.performance.body.keypoints[index, :COCO_KEYPOINTS]
            pixels, depth = camera.project(points)
            inside = (
                (depth > camera.near)
                & (pixels[:, 0] >= 0)
                & (pixels[:, 0] <= self.spec.width)
                & (pixels[:, 1] >= 0)
                & (pixels[:, 1] <= self.spec.height)
            )
            result[index, :, :2] = pixels
            result[index, :, 2] = inside
        return result

    def bystander_boxes(self) -> list[tuple[tuple[float, float, float, float], ...]]:
        """Per frame, the boxes (x, y, w, h) of the other people in view (the bystander's,
        when the scene has one in view), without rendering."""
        if self.scene.bystander is None:
            return [()] * self.frame_count
        vertices = self.scene.bystander[0].vertices[0]
        boxes = (
            in_view_box(vertices, camera, self.spec.width, self.spec.height)
            for camera in self.cameras
        )
        return [() if box is None else (box,) for box in boxes]

    def frames(
        self, renderer: Renderer, *, only: set[int] | None = None
    ) -> Iterator[tuple[int, np.ndarray, FrameLabel]]:
        """Renders frames in order as (index, image, labels); `only` picks some frames.

        `renderer` must be of the spec's size.
        """
        if (renderer.width, renderer.height) != (self.spec.width, self.spec.height):
            raise ValueError(
                f"renderer is {renderer.width}x{renderer.height}, "
                f"clip is {self.spec.width}x{self.spec.height}"
            )
        model = body_model()
        scene = self.scene
        renderer.set_textures(scene.backdrop, scene.floor)
        renderer.set_solids([*self.performance.equipment, *scene.props])
        performer = renderer.mesh(model.faces, self.appearance.vertex_colors(model.regions))
        meshes = [performer]
        if scene.bystander is not None:
            body, look = scene.bystander
            bystander = renderer.mesh(model.faces, look.vertex_colors(model.regions))
            bystander.update(body.vertices[0])
            meshes.append(bystander)
        try:
            yield from self._render_frames(renderer, performer, meshes, only)
        finally:
            for mesh in meshes:
                mesh.release()

    def _render_frames(
        self,
        renderer: Renderer,
        performer: MeshBuffers,
        meshes: list[MeshBuffers],
        only: set[int] | None,
    ) -> Iterator[tuple[int, np.ndarray, FrameLabel]]:
        scene = self.scene
        noise_rng = np.random.default_rng([self.spec.seed, 3])
        noise = None
        if scene.noise_sigma:
            size = (self.spec.height + _NOISE_MARGIN, self.spec.width + _NOISE_MARGIN, 3)
            noise = noise_rng.standard_normal(size, dtype=np.float32) * scene.noise_sigma
        flesh = _FleshDistance(self.performance.body)
        others = self.bystander_boxes()
        previous = None
        body = self.performance.body
        for index, camera in enumerate(self.cameras):
            if only is not None and index not in only:
                previous = None
                continue
            performer.update(body.vertices[index])
            image, depth = renderer.render(
                camera,
                meshes,
                scene.lighting,
                floor_tile_metres=scene.floor_tile_metres,
                backdrop_brightness=scene.backdrop_brightness,
                moving=self.performance.held[index],
            )
            label = label_frame(
                body.keypoints[index, :COCO_KEYPOINTS],
                body.vertices[index],
                camera,
                depth,
                flesh=flesh.at(index),
            )
            label = replace(label, others=others[index])
            degraded = _degrade(image, previous, scene, noise, noise_rng)
            previous = image
            yield index, degraded, label

    def metadata(self) -> dict:
        """Per-video labels: exercise, faults, reps, camera, phenotype, seed."""
        rig = self.rig
        return {
            "exercise": self.spec.exercise,
            "seed": self.spec.seed,
            "held_out": self.spec.held_out,
            "appearance_shift": self.spec.appearance_shift,
            "fps": self.spec.fps,
            "width": self.spec.width,
            "height": self.spec.height,
            "frame_count": self.frame_count,
            "faults": {k: round(v, 3) for k, v in self.performance.faults.items()},
            "reps": [asdict(rep) for rep in self.performance.reps],
            "camera": {
                "azimuth_degrees": round(math.degrees(rig.azimuth), 2),
                "elevation_degrees": round(math.degrees(rig.elevation), 2),
                "fov_y_degrees": round(math.degrees(rig.fov_y), 2),
                "roll_degrees": round(math.degrees(rig.roll), 2),
                "person_fraction": round(rig.person_fraction, 3),
                "zoom": round(rig.zoom, 3),
                "shake_degrees": round(math.degrees(rig.shake), 3),
            },
            "phenotype": {k: round(v, 4) for k, v in asdict(self.performance.phenotype).items()},
            "scene": {
                "bystander": self.scene.bystander is not None,
                "occluders": len(self.scene.props),
                "motion_blur": round(self.scene.motion_blur, 3),
                "noise_sigma": round(self.scene.noise_sigma, 3),
            },
        }


_NOISE_MARGIN = 32


def _degrade(
    image: np.ndarray,
    previous: np.ndarray | None,
    scene: Scene,
    noise: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """What a phone camera does to a clean render: motion blur, defocus, sensor noise.

    `noise` is a field larger than the frame by a margin; each frame adds a crop of it at a
    random offset, which costs one addition instead of drawing every pixel anew.
    """
    if (
        not (scene.motion_blur and previous is not None)
        and not scene.defocus_sigma
        and noise is None
    ):
        return image
    result = image.astype(np.float32)
    if scene.motion_blur and previous is not None:
        result = result * (1 - scene.motion_blur) + previous.astype(np.float32) * scene.motion_blur
    if scene.defocus_sigma:
        result = cv2.GaussianBlur(result, (0, 0), scene.defocus_sigma)
    if noise is not None:
        dy, dx = rng.integers(0, _NOISE_MARGIN, 2)
        result += noise[dy : dy + image.shape[0], dx : dx + image.shape[1]]
    return np.clip(result, 0, 255).astype(np.uint8)


def frame_label_json(label: FrameLabel, index: int) -> dict:
    """One frame's labels as JSON-ready values (pixels to 2 decimals)."""
    keypoints = [[round(float(x), 2), round(float(y), 2), int(v)] for x, y, v in label.keypoints]
    return {
        "index": index,
        "keypoints": keypoints,
        "box": [round(float(v), 2) for v in label.box],
        "area": round(label.area, 1),
        "others": [[round(float(v), 2) for v in box] for box in label.others],
    }
