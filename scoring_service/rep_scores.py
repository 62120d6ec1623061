"""Each rep scored joint by joint against the exercise's reference reps, aligned in time.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)
    - major joint number: J (the exercise's, `exercises.json`)
    - reference rep number: R
    - samples per rep: L (`SAMPLES`)

The reference reps are the reps (`scoring_service.reps.RepCounter`) of the exercise's clean
reference videos, each as its steadied, normalised poses resampled to `SAMPLES` instants evenly
spread over the rep, and as its mirror image (a performer may face either way). A performed
rep, resampled the same way, is aligned to every reference rep by dynamic time warping over the
major joints (local cost: the mean distance of the joints, in torso lengths; the warp kept
within `BAND` samples of the diagonal, so a rep is compared phase by phase, not collapsed onto
one frame). The reference with the cheapest warp is the rep's match, and a joint's deviation
is its mean distance along that warp. Deviations become scores in [0, 100] with the per-frame
scorers' `Calibration`, made from the reference reps themselves held out by video: each against
the reps of the other reference videos; a joint scores 0 from `ZERO_AT` times their 95th
percentile. `ZERO_AT` = 1.0 was chosen as the per-frame scorers' was, on a two-fold split of the
gym's training performers with the pose model's keypoints: the largest factor at which reps of
other exercises average under 25 (valid reps then average 67.5). A rep's worst joint is its
lowest-scored one, and its worst frame the frame where that joint strays farthest from the
matched reference.

A performance's rep score (`performance_rep_score`) is the mean of its reps' scores, and 0
where no rep is found: what `fitness eval scoring` reports as the "reps" scorer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import numpy as np

from common.skeleton import FLIP_INDEX
from scoring_service.cues import Cue, CueRule, measure_cues, unjudged_words
from scoring_service.reps import Rep, RepCounter, filled
from scoring_service.scorers import Calibration
from scoring_service.views import REFERENCE_FPS, ViewScorer

SAMPLES = 24
BAND = 6  # samples either side of the diagonal
ZERO_AT = 1.0  # see the module docstring


@dataclass(frozen=True)
class RepScore:
    """One rep's scores.

    Attributes:
        rep: The rep (indices into the scored sequence).
        joint_scores: (J,) each major joint's score, in [0, 100].
        overall: The mean of the joint scores.
        worst_joint: Position in the major joints of the lowest-scored joint.
        worst_frame: Index into the scored sequence where that joint deviates most.
        deviations: (J,) each joint's mean distance from the matched reference, torso lengths.
        cues: Every cue rule measured on the rep, those that fire first, strongest first.
    """

    rep: Rep
    joint_scores: np.ndarray
    overall: float
    worst_joint: int
    worst_frame: int
    deviations: np.ndarray
    cues: tuple[Cue, ...] = ()

    def cue_words(self, rep_number: int) -> list[str]:
        """The words of the cues that fire, for the rep numbered `rep_number` (from 1)."""
        return [cue.words(rep_number) for cue in self.cues if cue.fires]

    def unjudged_words(self, rep_number: int) -> list[str]:
        """Why each cue not judged on the rep numbered `rep_number` was withheld, in words."""
        return unjudged_words(self.cues, rep_number)


def resample(points: np.ndarray, timestamps: np.ndarray, rep: Rep) -> tuple[np.ndarray, np.ndarray]:
    """The rep's poses (L, K, 2) at `SAMPLES` instants evenly spread from its start to its end,
    and the sequence index (L,) nearest each instant."""
    times = np.linspace(timestamps[rep.start], timestamps[rep.end], SAMPLES)
    span = slice(rep.start, rep.end + 1)
    own_times, own_points = timestamps[span], points[span]
    flat = own_points.reshape(len(own_points), -1)
    sampled = np.stack([np.interp(times, own_times, column) for column in flat.T], axis=1)
    nearest = rep.start + np.abs(own_times[None] - times[:, None]).argmin(axis=1)
    return sampled.reshape(SAMPLES, *points.shape[1:]).astype(np.float32), nearest


def resampled_reps(
    counter: RepCounter, keypoints: np.ndarray, timestamps: np.ndarray
) -> list[np.ndarray]:
    """The reps `counter` finds in poses (F, K, 3) at `timestamps` (F,) seconds, each as its
    steadied, normalised poses (L, K, 2) resampled by `resample`."""
    points = filled(keypoints, timestamps)
    return [resample(points, timestamps, rep)[0] for rep in counter.find(keypoints, timestamps)]


def mirrored_reps(reps: np.ndarray) -> np.ndarray:
    """Reps (R, L, K, 2) seen in a mirror: x negated, left and right swapped."""
    flipped = reps[:, :, list(FLIP_INDEX)].copy()
    flipped[..., 0] *= -1
    return flipped


def joint_gaps(rep: np.ndarray, references: np.ndarray, joints: tuple[int, ...]) -> np.ndarray:
    """Distances (R, L, L, J) of each joint between every sample of `rep` (L, K, 2) and every
    sample of each reference (R, L, K, 2)."""
    ours = rep[:, list(joints)]
    theirs = references[:, :, list(joints)]
    return np.linalg.norm(ours[None, :, None] - theirs[:, None], axis=-1)


def warp(costs: np.ndarray) -> tuple[np.ndarray, list[list[tuple[int, int]]]]:
    """Dynamic time warping of local costs (R, L, L) within `BAND` of the diagonal: each
    reference's total cost over its path's length (R,), and the paths as (ours, theirs)
    sample pairs."""
    count, length, _ = costs.shape
    total = np.full((count, length + 1, length + 1), np.inf)
    total[:, 0, 0] = 0.0
    for i in range(1, length + 1):
        for j in range(max(1, i - BAND), min(length, i + BAND) + 1):
            best = np.minimum(
                np.minimum(total[:, i - 1, j - 1], total[:, i - 1, j]), total[:, i, j - 1]
            )
            total[:, i, j] = costs[:, i - 1, j - 1] + best
    paths = []
    for r in range(count):
        i, j, path = length, length, []
        while i > 0 and j > 0:
            path.append((i - 1, j - 1))
            steps = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
            i, j = min(steps, key=lambda step: total[r, step[0], step[1]])
        paths.append(path[::-1])
    lengths = np.array([len(path) for path in paths])
    return total[:, length, length] / lengths, paths


def align(
    rep: np.ndarray, references: np.ndarray, joints: tuple[int, ...]
) -> tuple[int, np.ndarray, np.ndarray]:
    """Aligns `rep` (L, K, 2) to every reference (R, L, K, 2); returns the best reference's
    position, each joint's mean deviation (J,) along its warp, and each of our samples'
    largest deviation per joint (L, J)."""
    gaps = joint_gaps(rep, references, joints)
    totals, paths = warp(gaps.mean(axis=-1))
    best = int(np.argmin(totals))
    pairs = np.array(paths[best])
    along = gaps[best, pairs[:, 0], pairs[:, 1]]
    per_sample = np.zeros((len(rep), len(joints)), np.float32)
    np.maximum.at(per_sample, pairs[:, 0], along)
    return best, along.mean(axis=0), per_sample


@dataclass
class RepReferences:
    """An exercise's reference reps and the calibration of rep deviations."""

    joints: tuple[int, ...]
    reps: np.ndarray  # (R, L, K, 2), mirrors not included
    calibration: Calibration
    counter: RepCounter
    _typical: dict[CueRule, float] = field(default_factory=dict, repr=False)
    _seen: dict[tuple[int, CueRule], float] = field(default_factory=dict, repr=False)

    def typical(self, rules: tuple[CueRule, ...]) -> dict[CueRule, float]:
        """Each rule's median value over the reference reps and their mirrors."""
        missing = [rule for rule in rules if rule not in self._typical]
        if missing:
            both = np.concatenate([self.reps, mirrored_reps(self.reps)])
            for rule in missing:
                self._typical[rule] = float(np.median([rule.value(rep) for rep in both]))
        return {rule: self._typical[rule] for rule in rules}

    def seen_from(
        self, views: ViewScorer, view: int, rules: tuple[CueRule, ...]
    ) -> dict[CueRule, float]:
        """Each rule's median value over the reps of the 3D references of `views` filmed again
        from a view (its number in `VIEWS`), found by the counter; the `typical` value where
        the view shows no rep."""
        missing = [rule for rule in rules if (view, rule) not in self._seen]
        if missing:
            filmed = [
                rep
                for keypoints in views.filmed_videos(view)
                for rep in resampled_reps(
                    self.counter, keypoints, np.arange(len(keypoints)) / REFERENCE_FPS
                )
            ]
            fallback = self.typical(tuple(missing))
            for rule in missing:
                values = [rule.value(rep) for rep in filmed]
                self._seen[view, rule] = float(np.median(values)) if values else fallback[rule]
        return {rule: self._seen[view, rule] for rule in rules}

    @classmethod
    def build(
        cls,
        joints: tuple[int, ...],
        videos: list[tuple[np.ndarray, np.ndarray]],
        counter: RepCounter,
    ) -> Self:
        """From reference videos as (keypoints (F, K, 3), timestamps (F,)) pairs, their reps
        found by `counter` (which then finds the reps of every performance scored)."""
        reps, owners = [], []
        for owner, (keypoints, timestamps) in enumerate(videos):
            found = resampled_reps(counter, keypoints, np.asarray(timestamps, np.float64))
            reps.extend(found)
            owners.extend([owner] * len(found))
        if len(set(owners)) < 2:
            raise ValueError("reference reps need at least two videos with a rep each")
        stacked, owners_array = np.stack(reps), np.array(owners)
        deviations = []
        for rep, owner in zip(stacked, owners_array, strict=True):
            others = stacked[owners_array != owner]
            candidates = np.concatenate([others, mirrored_reps(others)])
            deviations.append(align(rep, candidates, joints)[1])
        per_joint = np.stack(deviations).T
        calibration = Calibration.from_reference(list(per_joint), ZERO_AT)
        return cls(joints, stacked, calibration, counter)

    def score(
        self,
        keypoints: np.ndarray,
        timestamps: np.ndarray,
        rules: tuple[CueRule, ...] = (),
        *,
        ongoing: bool = False,
        views: ViewScorer | None = None,
    ) -> list[RepScore]:
        """The reps of poses (F, K, 3) at `timestamps` (F,) seconds (`ongoing`: of a
        performance still going on), each scored against its matched reference rep and
        measured by the exercise's cue `rules`: against the 3D references of `views` filmed
        from the performance's view where given, else as each rule's `against` says."""
        timestamps = np.asarray(timestamps, np.float64)
        points = filled(keypoints, timestamps)
        found = self.counter.find(keypoints, timestamps, ongoing=ongoing)
        if not found:
            return []
        candidates = np.concatenate([self.reps, mirrored_reps(self.reps)])
        view = views.view_of(keypoints) if views is not None else None
        typical = self.typical(rules) if view is None else self.seen_from(views, view, rules)
        scored = []
        for rep in found:
            sampled, nearest = resample(points, timestamps, rep)
            match, deviations, per_sample = align(sampled, candidates, self.joints)
            scores = self.calibration.scores(deviations[None])[0]
            worst = int(np.argmin(scores))
            matched = candidates[match] if view is None else None
            confidence = keypoints[rep.start : rep.end + 1, :, 2].mean(axis=0)
            cues = measure_cues(rules, sampled, matched, typical, confidence=confidence)
            scored.append(
                RepScore(
                    rep,
                    scores,
                    float(scores.mean()),
                    worst,
                    int(nearest[int(np.argmax(per_sample[:, worst]))]),
                    deviations,
                    tuple(sorted(cues, key=lambda cue: -cue.strength)),
                )
            )
        return scored

    def save(self, prefix: Path) -> tuple[list[Path], dict]:
        """Writes `<prefix>.reps.npy`; returns it and the calibration as JSON facts."""
        path = prefix.with_suffix(".reps.npy")
        np.save(path, self.reps)
        return [path], {"reps": len(self.reps), "calibration": self.calibration.to_json()}

    @classmethod
    def load(cls, prefix: Path, joints: tuple[int, ...], facts: dict, counter: RepCounter) -> Self:
        reps = np.load(prefix.with_suffix(".reps.npy"), allow_pickle=False)
        if reps.ndim != 4 or reps.shape[1] != SAMPLES or len(reps) != facts["reps"]:
            raise ValueError(f"{prefix.name}.reps.npy has shape {reps.shape}, not the manifest's")
        calibration = Calibration.from_json(facts["calibration"])
        return cls(joints, reps.astype(np.float32), calibration, counter)


def performance_rep_score(
    references: RepReferences, keypoints: np.ndarray, timestamps: np.ndarray
) -> float:
    """The mean overall score of a performance's reps; 0 when it has none."""
    reps = references.score(keypoints, timestamps)
    return float(np.mean([rep.overall for rep in reps])) if reps else 0.0
