"""Form cues in words: how a rep differs from its matched reference rep, by rules kept in data.

Glossary of shapes:
    - samples per rep: L
    - keypoint number: K (17)

Each exercise's rules live in `cues/<exercise id>.json` beside this module (a list; an
exercise without a file has no cues). A rule names a body measure, how to sum it up over a
rep, and when it fires:

    {"fault": "shallow_depth", "measure": "angle", "joints": ["hip", "knee", "ankle"],
     "over": "min", "fires": "above", "by": 15,
     "words": "rep {rep}: squat deeper: knee angle {value:.0f} degrees at the bottom,
               reference {reference:.0f}"}

Joints are named without a side; a measure is taken on the left and on the right side and
the two combined as `sides` says: `mean` (the default), `max`, `min`, or `gap` (the absolute
difference, for a body that should move evenly). Poses are the normalised ones (hips at the
origin, torso length 1, image axes: y grows downwards). Measures, per sample:

- `angle`: the angle at the middle joint between the other two, degrees.
- `lean`: the angle from upright of the line from the first joint to the second, degrees.
- `bend`: how far the middle joint lies off the straight line between the other two, degrees,
  positive when it lies below the line (towards the floor).
- `spread`: the distance between the left and right first joint, torso lengths.
- `spread_ratio`: `spread` of the first joint over `spread` of the second.
- `above`: how far the first joint lies above the second, torso lengths.
- `ahead`: how far the first joint lies beyond the second sideways, torso lengths.
- `travel`: how far the joint has moved from where it was at the rep's start, torso lengths.

`over` is `min`, `max` or `mean` over the rep's samples. The reference value is the median of
the same measure over the reference reps filmed again from the performance's own view, where
the index keeps its references in 3D (`RepReferences.seen_from`): a 2D measure changes with
the side it is seen from (knees a foot apart are together seen from the side). Without 3D
references it is the measure of the matched reference rep (`against: matched`, the default),
or its median over every reference rep (`against: typical`: for a fault the nearest reference
may share). A rule
fires when the rep's value exceeds the reference's by more than `by` (`fires: above`) or falls
short of it by more (`below`); its strength is that excess, so the cues of a rep are ordered by
how far past their threshold they are. `words` is formatted with `rep` (its number), `value`,
`reference` and `difference` (the absolute gap).

A rule is judged on a rep only where the pose model saw every joint it reads: each joint's
confidence, averaged over the rep's frames, at least `SEEN_CONFIDENCE`. A limb hidden behind
the body or behind an object still gets the pose model's guess, often the other limb's place
(a lunge's back foot put on the front foot), and a cue read from it is wrong as often as
right; such a cue is withheld and the report names the joint that was not seen. 0.4 was chosen
on the fault validation set's reps (the pose model's keypoints): the highest mean ROC AUC of
the faults' cues with at least 70% of reps judged (README, "Form cues").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.skeleton import KEYPOINT_INDEX, KEYPOINT_NAMES

CUES_DIR = Path(__file__).with_name("cues")
SIDES = ("left", "right")
SEEN_CONFIDENCE = 0.4


def _keypoint_names(joint: str) -> tuple[str, ...]:
    """The keypoint names a rule's joint stands for: itself, or its left and right."""
    return (joint,) if joint in KEYPOINT_INDEX else tuple(f"{side}_{joint}" for side in SIDES)


def _point(poses: np.ndarray, side: str, joint: str) -> np.ndarray:
    return poses[:, KEYPOINT_INDEX[f"{side}_{joint}"]]


def _angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    lengths = np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)
    cosine = (u * v).sum(-1) / np.maximum(lengths, 1e-9)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def _angle(poses: np.ndarray, side: str, a: str, b: str, c: str) -> np.ndarray:
    at = _point(poses, side, b)
    return _angle_between(_point(poses, side, a) - at, _point(poses, side, c) - at)


def _lean(poses: np.ndarray, side: str, a: str, b: str) -> np.ndarray:
    line = _point(poses, side, b) - _point(poses, side, a)
    return _angle_between(line, np.broadcast_to([0.0, -1.0], line.shape))


def _bend(poses: np.ndarray, side: str, a: str, b: str, c: str) -> np.ndarray:
    start, middle, end = (_point(poses, side, joint) for joint in (a, b, c))
    line, off = end - start, middle - start
    angle = _angle_between(line, off)
    # Which side of the line the middle joint is on, with "below" meaning larger image y.
    cross = line[:, 0] * off[:, 1] - line[:, 1] * off[:, 0]
    below = np.sign(cross) * np.sign(line[:, 0] + 1e-9)
    return angle * np.where(below == 0, 1.0, below)


def _spread(poses: np.ndarray, joint: str) -> np.ndarray:
    return np.linalg.norm(_point(poses, "left", joint) - _point(poses, "right", joint), axis=-1)


def _travel(poses: np.ndarray, side: str, joint: str) -> np.ndarray:
    track = _point(poses, side, joint)
    return np.linalg.norm(track - track[0], axis=-1)


# Measures taken per side: (poses, side, *joints) -> (L,).
SIDED_MEASURES: dict[str, Callable[..., np.ndarray]] = {
    "angle": _angle,
    "lean": _lean,
    "bend": _bend,
    "above": lambda p, s, a, b: _point(p, s, b)[:, 1] - _point(p, s, a)[:, 1],
    "ahead": lambda p, s, a, b: np.abs(_point(p, s, a)[:, 0] - _point(p, s, b)[:, 0]),
    "travel": _travel,
}
# Measures of both sides at once: (poses, *joints) -> (L,).
BOTH_SIDES_MEASURES: dict[str, Callable[..., np.ndarray]] = {
    "spread": _spread,
    "spread_ratio": lambda p, a, b: _spread(p, a) / np.maximum(_spread(p, b), 1e-3),
}
COMBINE_SIDES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "mean": lambda left, right: (left + right) / 2,
    "max": np.maximum,
    "min": np.minimum,
    "gap": lambda left, right: np.abs(left - right),
}
SUMMARIES: dict[str, Callable[[np.ndarray], float]] = {
    "min": lambda values: float(np.min(values)),
    "max": lambda values: float(np.max(values)),
    "mean": lambda values: float(np.mean(values)),
}


@dataclass(frozen=True)
class CueRule:
    """One rule of an exercise's cue file (see the module docstring)."""

    fault: str
    measure: str
    joints: tuple[str, ...]
    over: str
    fires: str
    by: float
    words: str
    sides: str = "mean"
    against: str = "matched"

    def __post_init__(self) -> None:
        if self.measure not in SIDED_MEASURES and self.measure not in BOTH_SIDES_MEASURES:
            raise ValueError(f"cue {self.fault!r}: unknown measure {self.measure!r}")
        if self.sides not in COMBINE_SIDES:
            raise ValueError(f"cue {self.fault!r}: sides must be one of {sorted(COMBINE_SIDES)}")
        if self.over not in SUMMARIES:
            raise ValueError(f"cue {self.fault!r}: over must be one of {sorted(SUMMARIES)}")
        if self.against not in ("matched", "typical"):
            raise ValueError(f"cue {self.fault!r}: against must be 'matched' or 'typical'")
        if self.fires not in ("above", "below"):
            raise ValueError(f"cue {self.fault!r}: fires must be 'above' or 'below'")
        for joint in self.joints:
            if not all(name in KEYPOINT_INDEX for name in _keypoint_names(joint)):
                raise ValueError(f"cue {self.fault!r}: unknown joint {joint!r}")

    @property
    def keypoints(self) -> tuple[int, ...]:
        """Indices of the keypoints the rule reads (a joint named without a side: both)."""
        return tuple(KEYPOINT_INDEX[name] for j in self.joints for name in _keypoint_names(j))

    def value(self, poses: np.ndarray) -> float:
        """The rule's measure of poses (L, K, 2), summed up over the rep."""
        if self.measure in BOTH_SIDES_MEASURES:
            per_sample = BOTH_SIDES_MEASURES[self.measure](poses, *self.joints)
        else:
            left, right = (SIDED_MEASURES[self.measure](poses, s, *self.joints) for s in SIDES)
            per_sample = COMBINE_SIDES[self.sides](left, right)
        return SUMMARIES[self.over](per_sample)


@dataclass(frozen=True)
class Cue:
    """A rule measured on a rep: its value, the reference's, how far past the rule's threshold
    it is (positive: the cue fires), and the keypoints it reads that were not seen (then it is
    not judged, and does not fire)."""

    rule: CueRule
    value: float
    reference: float
    strength: float
    unseen: tuple[int, ...] = ()

    @property
    def judged(self) -> bool:
        return not self.unseen

    @property
    def fires(self) -> bool:
        return self.judged and self.strength > 0

    def words(self, rep_number: int) -> str:
        return self.rule.words.format(
            rep=rep_number,
            value=self.value,
            reference=self.reference,
            difference=abs(self.value - self.reference),
        )


def measure_cues(
    rules: tuple[CueRule, ...],
    rep: np.ndarray,
    matched: np.ndarray | None,
    typical: dict[CueRule, float],
    *,
    confidence: np.ndarray,
) -> list[Cue]:
    """Every rule measured on a rep's poses (L, K, 2) against its matched reference rep's, or
    against the rule's `typical` reference value (every rule's where no rep is `matched`);
    `confidence` (K,) is each keypoint's over the rep, which says which rules are judged."""
    cues = []
    for rule in rules:
        unseen = tuple(k for k in rule.keypoints if confidence[k] < SEEN_CONFIDENCE)
        value = rule.value(rep)
        if matched is None or rule.against == "typical":
            expected = typical[rule]
        else:
            expected = rule.value(matched)
        excess = value - expected if rule.fires == "above" else expected - value
        cues.append(Cue(rule, value, expected, excess - rule.by, unseen))
    return cues


def unjudged_words(cues: Sequence[Cue], rep_number: int) -> list[str]:
    """Why the cues not judged on the rep numbered `rep_number` were withheld, in words: a line
    per set of joints not seen, naming the faults not judged for it."""
    faults: dict[tuple[int, ...], list[str]] = {}
    for cue in cues:
        if not cue.judged:
            faults.setdefault(cue.unseen, []).append(cue.rule.fault.replace("_", " "))
    lines = []
    for unseen, names in faults.items():
        joints = " and ".join(KEYPOINT_NAMES[k].replace("_", " ") for k in unseen)
        verb = "was" if len(unseen) == 1 else "were"
        lines.append(
            f"rep {rep_number}: {', '.join(names)} not judged: the {joints} {verb} not seen clearly"
        )
    return lines


def load_cue_rules(exercise_id: str, folder: Path = CUES_DIR) -> tuple[CueRule, ...]:
    """The rules of `folder/<exercise_id>.json`; none when there is no such file."""
    path = folder / f"{exercise_id}.json"
    if not path.is_file():
        return ()
    try:
        return tuple(
            CueRule(**{**rule, "joints": tuple(rule["joints"])})
            for rule in json.loads(path.read_text())
        )
    except (TypeError, KeyError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from error
