"""How a performer looks: skin tone, hair, and clothes by body region, as vertex colours."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from synth.body import Region

# Skin tones from very light to very dark (sRGB in [0, 1]), spanning the Fitzpatrick scale.
_SKIN_TONES = np.array(
    [
        [0.98, 0.84, 0.74],
        [0.93, 0.76, 0.62],
        [0.87, 0.67, 0.52],
        [0.76, 0.55, 0.40],
        [0.62, 0.42, 0.29],
        [0.47, 0.31, 0.21],
        [0.33, 0.21, 0.14],
        [0.24, 0.15, 0.10],
    ]
)
_HAIR = np.array(
    [
        [0.05, 0.04, 0.03],
        [0.20, 0.12, 0.06],
        [0.45, 0.30, 0.15],
        [0.80, 0.65, 0.40],
        [0.55, 0.20, 0.08],
        [0.60, 0.60, 0.60],
        [0.85, 0.85, 0.82],
    ]
)


def _cloth(rng: np.random.Generator, *, held_out: bool) -> np.ndarray:
    """A garment colour: any hue; held-out clothes are more saturated and extreme."""
    saturation = rng.uniform(0.5, 1.0) if held_out else rng.uniform(0.0, 0.75)
    value = rng.uniform(0.1, 1.0) if held_out else rng.uniform(0.15, 0.9)
    hsv = np.float32([[[rng.uniform(0, 360), saturation, value]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float64)


@dataclass(frozen=True)
class Appearance:
    """Colours of each `Region` (10, 3) in [0, 1]."""

    region_colors: np.ndarray

    @classmethod
    def sample(cls, rng: np.random.Generator, *, held_out: bool = False) -> Appearance:
        skin = _SKIN_TONES[rng.integers(len(_SKIN_TONES))] * rng.uniform(0.92, 1.05)
        hair = _HAIR[rng.integers(len(_HAIR))] if rng.uniform() < 0.9 else skin
        shirt, pants = _cloth(rng, held_out=held_out), _cloth(rng, held_out=held_out)
        shoes = _cloth(rng, held_out=held_out) if rng.uniform() < 0.7 else np.full(3, 0.9)
        sleeves = rng.choice(["none", "short", "long"], p=[0.25, 0.45, 0.3])
        legs = rng.choice(["shorts", "long"], p=[0.4, 0.6])
        colors = np.zeros((len(Region), 3))
        colors[Region.FACE] = colors[Region.HAND] = skin
        colors[Region.HAIR] = hair
        colors[Region.TORSO] = shirt
        colors[Region.UPPER_ARM] = skin if sleeves == "none" else shirt
        colors[Region.LOWER_ARM] = shirt if sleeves == "long" else skin
        colors[Region.HIPS] = colors[Region.UPPER_LEG] = pants
        colors[Region.LOWER_LEG] = pants if legs == "long" else skin
        colors[Region.FOOT] = shoes
        return cls(np.clip(colors, 0, 1))

    def vertex_colors(self, regions: np.ndarray) -> np.ndarray:
        """Colours (V, 3) of vertices whose regions (V,) are given."""
        return self.region_colors[regions].astype(np.float32)
