"""Pinhole cameras for the gym: placement around the performer, motion, projection.

Glossary of shapes:
    - point number: N
    - frame number: T

World: metres, z up, the performer faces -y at the start. Image: pixels, x right, y down,
(0, 0) the top-left corner of the top-left pixel. Matrices follow OpenGL: the camera looks
down its -z axis and `projection @ view` maps world points to clip space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

WORLD_UP = np.array([0.0, 0.0, 1.0])
MIN_CLEARANCE = 0.5  # metres from the camera to the nearest point it frames
MIN_CAMERA_HEIGHT = 0.1  # metres above the performer's lowest point (the floor)


@dataclass(frozen=True)
class Camera:
    """One camera pose and lens: `position` and `target` (3,), `roll` and `fov_y` in radians."""

    position: np.ndarray
    target: np.ndarray
    roll: float
    fov_y: float
    width: int
    height: int
    near: float = 0.05
    far: float = 60.0

    def view_matrix(self) -> np.ndarray:
        """World to camera (4, 4)."""
        forward = self.target - self.position
        forward = forward / np.linalg.norm(forward)
        right = np.cross(forward, WORLD_UP)
        if np.linalg.norm(right) < 1e-6:  # looking straight down or up
            right = np.array([1.0, 0.0, 0.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        cos, sin = math.cos(self.roll), math.sin(self.roll)
        right, up = cos * right + sin * up, -sin * right + cos * up
        view = np.eye(4)
        view[0, :3], view[1, :3], view[2, :3] = right, up, -forward
        view[:3, 3] = -view[:3, :3] @ self.position
        return view

    def projection_matrix(self) -> np.ndarray:
        """Camera to clip space (4, 4), OpenGL depth range."""
        f = 1.0 / math.tan(self.fov_y / 2)
        aspect = self.width / self.height
        near, far = self.near, self.far
        return np.array(
            [
                [f / aspect, 0, 0, 0],
                [0, f, 0, 0],
                [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)],
                [0, 0, -1, 0],
            ]
        )

    def ray(self, pixel: np.ndarray) -> np.ndarray:
        """The unit direction (3,) in the world from the camera through `pixel` (x, y)."""
        half_height = math.tan(self.fov_y / 2)
        half_width = half_height * self.width / self.height
        x = (2 * pixel[0] / self.width - 1) * half_width
        y = (1 - 2 * pixel[1] / self.height) * half_height
        towards = self.view_matrix()[:3, :3].T @ np.array([x, y, -1.0])
        return towards / np.linalg.norm(towards)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Projects world points (N, 3) to pixels (N, 2) and their depth (N,) in metres
        along the viewing axis (negative behind the camera)."""
        homogeneous = np.concatenate([points, np.ones((len(points), 1))], axis=1)
        in_camera = homogeneous @ self.view_matrix().T
        depth = -in_camera[:, 2]
        clip = in_camera @ self.projection_matrix().T
        w = np.where(np.abs(clip[:, 3]) < 1e-9, 1e-9, clip[:, 3])
        ndc = clip[:, :2] / w[:, None]
        pixels = np.stack(
            [(ndc[:, 0] + 1) / 2 * self.width, (1 - ndc[:, 1]) / 2 * self.height], axis=1
        )
        return pixels, depth


@dataclass(frozen=True)
class CameraRig:
    """Where a clip's camera stands and how it moves over the clip.

    Angles in radians; `azimuth` 0 films the performer's front (from -y), pi/2 their left.
    """

    azimuth: float
    elevation: float
    fov_y: float
    roll: float
    pan: np.ndarray  # (3,) target drift over the whole clip, metres
    zoom: float  # focal length factor reached at the end of the clip (1: none)
    shake: float  # hand-held shake amplitude, radians
    person_fraction: float  # share of the frame height the performer's box should fill

    @classmethod
    def sample(cls, rng: np.random.Generator, *, held_out: bool = False) -> CameraRig:
        """A random rig; `held_out` reaches lower and higher viewpoints and wider lenses."""
        elevation = (-15, 60) if held_out else (-8, 45)
        handheld = rng.uniform() < 0.5
        return cls(
            azimuth=float(rng.uniform(-math.pi, math.pi)),
            elevation=math.radians(rng.uniform(*elevation)),
            fov_y=math.radians(rng.uniform(30, 75) if held_out else rng.uniform(35, 65)),
            roll=math.radians(rng.normal(0, 3)),
            pan=rng.normal(0, 0.15, 3) * (rng.uniform() < 0.3),
            zoom=float(rng.uniform(0.85, 1.2)) if rng.uniform() < 0.25 else 1.0,
            shake=math.radians(rng.uniform(0.1, 0.6)) if handheld else 0.0,
            person_fraction=float(rng.uniform(0.3, 0.95)),
        )

    def cameras(
        self,
        world_points: np.ndarray,
        width: int,
        height: int,
        rng: np.random.Generator,
    ) -> list[Camera]:
        """One camera per frame, framing the performer as `person_fraction` asks.

        Args:
            world_points: The performer's keypoints over the clip (T, N, 3); their box over
                the whole clip is what is framed.
            width: Image width in pixels.
            height: Image height in pixels.
            rng: Randomness for the shake.
        """
        frames = world_points.shape[0]
        start, target = self._placement(world_points, width, height)
        distance = float(np.linalg.norm(target - start))
        shake = _smooth_noise(rng, frames, 2) * self.shake
        cameras = []
        for t in range(frames):
            progress = t / max(frames - 1, 1)
            fov = 2 * math.atan(math.tan(self.fov_y / 2) / (1 + (self.zoom - 1) * progress))
            aim = target + self.pan * progress
            position = start + self.pan * progress
            # Shake turns the camera a little: move the target across the view.
            view = Camera(position, aim, self.roll, fov, width, height).view_matrix()
            aim = aim + distance * (shake[t, 0] * view[0, :3] + shake[t, 1] * view[1, :3])
            cameras.append(Camera(position, aim, self.roll, fov, width, height))
        return cameras

    def still_camera(self, world_points: np.ndarray, width: int, height: int) -> Camera:
        """Where the clip's camera stands, aimed as at its start without shake: framing the
        performer's keypoints (T, N, 3) as `person_fraction` asks."""
        position, target = self._placement(world_points, width, height)
        return Camera(position, target, self.roll, self.fov_y, width, height)

    def above_floor(self, world_points: np.ndarray, width: int, height: int) -> CameraRig:
        """This rig, its elevation raised where framing the performer's keypoints (T, N, 3)
        as asked would put the camera under the floor (their lowest point) or less than
        `MIN_CAMERA_HEIGHT` above it at any time of the clip (a pan may lower it): a low
        phone films a push-up from just off the floor."""
        flat = world_points.reshape(-1, 3)
        centre = (flat.min(axis=0) + flat.max(axis=0)) / 2
        drop = max(-float(self.pan[2]), 0.0)  # how far the pan lowers the camera by the end
        lowest = float(flat[:, 2].min()) + MIN_CAMERA_HEIGHT + drop
        rig = self
        for _ in range(3):  # the distance changes a little with the elevation
            position, _ = rig._placement(world_points, width, height)
            if position[2] >= lowest - 1e-3:
                break
            rise = (lowest - centre[2]) / float(np.linalg.norm(position - centre))
            rig = replace(rig, elevation=math.asin(rise))
        return rig

    def _placement(
        self, world_points: np.ndarray, width: int, height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The camera's position (3,) and the point (3,) it aims at: at the rig's angles from
        the centre of the keypoints' box over the clip, as far as makes the box fill
        `person_fraction` of the frame height (or 95% of its width), never nearer than
        `MIN_CLEARANCE` in front of the nearest point, and aimed to centre the box."""
        flat = world_points.reshape(-1, 3)
        centre = (flat.min(axis=0) + flat.max(axis=0)) / 2
        direction = _direction(self.azimuth, self.elevation)

        def aimed(distance: float) -> Camera:
            return self._centring(flat, centre + direction * distance, centre, width, height)

        def fill(distance: float) -> float:
            pixels, _ = aimed(distance).project(flat)
            extent = pixels.max(axis=0) - pixels.min(axis=0)
            return max(extent[1] / height, extent[0] / width / 0.95)

        nearest = MIN_CLEARANCE + float(((flat - centre) @ direction).max())
        if fill(nearest) > self.person_fraction:
            far = 2 * nearest
            while fill(far) > self.person_fraction:
                far *= 2
            for _ in range(30):  # the box shrinks as the camera backs away: bisect
                middle = (nearest + far) / 2
                nearest, far = (
                    (middle, far) if fill(middle) > self.person_fraction else (nearest, middle)
                )
            nearest = far
        camera = aimed(nearest)
        return camera.position, camera.target

    def _centring(
        self, points: np.ndarray, position: np.ndarray, target: np.ndarray, width: int, height: int
    ) -> Camera:
        """The camera at `position` turned from `target` towards the point that centres the
        box of `points` (N, 3) in the frame (nearer parts look bigger, so that is not the
        box's own centre)."""
        distance = float(np.linalg.norm(target - position))
        camera = Camera(position, target, self.roll, self.fov_y, width, height)
        for _ in range(2):  # turning the camera changes the box a little
            pixels, _ = camera.project(points)
            centre = (pixels.min(axis=0) + pixels.max(axis=0)) / 2
            aim = position + camera.ray(centre) * distance
            camera = Camera(position, aim, self.roll, self.fov_y, width, height)
        return camera


def _direction(azimuth: float, elevation: float) -> np.ndarray:
    """The unit vector (3,) from the performer towards a camera at these angles."""
    return np.array(
        [
            math.sin(azimuth) * math.cos(elevation),
            -math.cos(azimuth) * math.cos(elevation),
            math.sin(elevation),
        ]
    )


def _smooth_noise(rng: np.random.Generator, frames: int, channels: int) -> np.ndarray:
    """Unit-scale noise (T, channels) that wanders smoothly over about a second at 30 fps."""
    raw = rng.normal(0, 1, (frames + 30, channels))
    kernel = np.hanning(15)
    kernel /= np.sqrt((kernel**2).sum())
    smooth = np.stack([np.convolve(raw[:, c], kernel, mode="same") for c in range(channels)], 1)
    return smooth[15 : 15 + frames]
