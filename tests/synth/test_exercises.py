"""Specification of the exercise motions: reproducible performances with the requested reps,
bodies resting on their equipment as each exercise is set up, and faults that change what they
name."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np
import pytest
import torch

from synth.body import Phenotype, Region, age_parameter, body_model
from synth.exercises import EXERCISES, FAULTS, Performance, perform
from synth.geometry import Box, Cylinder, Solid

FPS = 10.0
SEED = 7

NOSE, SHOULDERS, ELBOWS, WRISTS = 0, [5, 6], [7, 8], [9, 10]
HIPS, KNEES, ANKLES, BIG_TOES = [11, 12], [13, 14], [15, 16], [17, 18]


Performed = Callable[..., Performance]


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    """Poses on one thread: as fast for these short clips, while OpenMP's waiting threads
    slow posing several times over when other work shares the machine's cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def performed() -> Iterator[Performed]:
    """`performed(exercise, fault=None)`: the exercise clean or with the fault at full
    severity, same seed, two reps, at a low frame rate; each performed once per module."""

    @functools.cache
    def once(exercise: str, fault: str | None = None) -> Performance:
        faults = {} if fault is None else {fault: 1.0}
        return perform(exercise, seed=SEED, fps=FPS, reps=2, faults=faults)

    yield once
    once.cache_clear()


def part(*regions: Region) -> np.ndarray:
    return np.isin(body_model().regions, regions)


def angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The angle at b in degrees, of points (..., 3)."""
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def at_bottoms(performance: Performance) -> np.ndarray:
    """Keypoints (reps, K, 3) at each rep's turning point."""
    return performance.body.keypoints[[rep.bottom for rep in performance.reps]]


def off_line(point: np.ndarray, a: np.ndarray, b: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """How far point lies off the line a-b, measured on the side of `towards`."""
    along = (b - a) / np.linalg.norm(b - a, axis=-1, keepdims=True)
    side = towards - (along * towards).sum(-1, keepdims=True) * along
    side /= np.linalg.norm(side, axis=-1, keepdims=True)
    return ((point - a) * side).sum(-1)


SolidT = TypeVar("SolidT", Box, Cylinder)


def of_kind(solids: tuple[Solid, ...], kind: type[SolidT]) -> list[SolidT]:
    return [solid for solid in solids if isinstance(solid, kind)]


def pull_up_bar(performance: Performance) -> Cylinder:
    [bar] = [s for s in of_kind(performance.equipment, Cylinder) if s.start[2] == s.end[2]]
    return bar


def distance_to_axis(points: np.ndarray, bar: Cylinder) -> np.ndarray:
    start, end = np.array(bar.start), np.array(bar.end)
    along = (end - start) / np.linalg.norm(end - start)
    offset = points - start
    return np.linalg.norm(offset - (offset @ along)[..., None] * along, axis=-1)


# --- Every exercise ----------------------------------------------------------------------


def test_an_unknown_exercise_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="BodyWeightSquats"):
        perform("Burpees", seed=0)


def test_an_unknown_fault_is_refused_naming_the_exercises_faults() -> None:
    with pytest.raises(ValueError, match="sagging_hips"):
        perform("PushUps", seed=0, faults={"knees_caving": 1.0})


def test_every_exercise_names_at_least_two_faults() -> None:
    assert set(FAULTS) == set(EXERCISES)
    assert all(len(set(faults)) >= 2 for faults in FAULTS.values())


@pytest.mark.parametrize("exercise", EXERCISES)
def test_performs_alike_for_a_seed_and_otherwise_for_another(
    exercise: str, performed: Performed
) -> None:
    again = perform(exercise, seed=SEED, fps=FPS, reps=2, faults={})
    other = perform(exercise, seed=SEED + 1, fps=FPS, reps=2, faults={})
    assert np.array_equal(again.body.keypoints, performed(exercise).body.keypoints)
    assert again.phenotype == performed(exercise).phenotype
    assert other.phenotype != performed(exercise).phenotype
    assert other.body.keypoints.shape != again.body.keypoints.shape or not np.allclose(
        other.body.keypoints, again.body.keypoints
    )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_has_the_requested_reps_in_order_inside_the_clip(
    exercise: str, performed: Performed
) -> None:
    performance = performed(exercise)
    bounds = [(rep.start, rep.bottom, rep.end) for rep in performance.reps]
    assert len(bounds) == 2
    assert bounds[0][0] > 0
    assert bounds[-1][2] < performance.frames - 1
    assert all(start < bottom < end for start, bottom, end in bounds)
    assert bounds[0][2] < bounds[1][0]
    assert performance.body.vertices.shape == (performance.frames, body_model().vertex_count, 3)


# What each exercise's turning point takes furthest, from keypoints (T, K, 3).
TURNING_POINTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "BenchPress": lambda k: -k[:, WRISTS, 2].mean(1),
    "BodyWeightSquats": lambda k: -k[:, HIPS, 2].mean(1),
    "HandstandPushups": lambda k: -k[:, NOSE, 2],
    "JumpingJack": lambda k: np.linalg.norm(k[:, ANKLES[0]] - k[:, ANKLES[1]], axis=-1),
    "Lunges": lambda k: -k[:, HIPS, 2].mean(1),
    "PullUps": lambda k: k[:, NOSE, 2],
    "PushUps": lambda k: -k[:, SHOULDERS, 2].mean(1),
    "WallPushups": lambda k: -k[:, SHOULDERS, 1].mean(1),
}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_each_rep_turns_at_its_bottom_frame(exercise: str, performed: Performed) -> None:
    performance = performed(exercise)
    furthest = TURNING_POINTS[exercise](performance.body.keypoints)
    for rep in performance.reps:
        during = furthest[rep.start : rep.end + 1]
        assert furthest[rep.bottom] >= during.max() - 0.01 * np.ptp(during) - 1e-3
        assert during.min() < furthest[rep.bottom] - 0.05


def test_performs_with_a_given_build_and_beyond_training_ranges() -> None:
    build = Phenotype(0.3, age_parameter(60), 0.2, 0.9, 0.1, 0.6)
    performance = perform("PushUps", seed=SEED, fps=FPS, reps=1, phenotype=build, held_out=True)
    vertices = performance.body.vertices
    assert performance.phenotype == build
    for region in (Region.HAND, Region.FOOT):
        assert np.abs(vertices[:, part(region), 2].min(1)).max() < 0.01


@pytest.mark.parametrize("exercise", EXERCISES)
def test_is_centred_on_the_origin_and_never_below_the_floor(
    exercise: str, performed: Performed
) -> None:
    keypoints = performed(exercise).body.keypoints
    assert np.abs(keypoints[..., :2].reshape(-1, 2).mean(0)).max() < 0.01
    assert keypoints[..., 2].min() > 0
    assert performed(exercise).body.vertices[..., 2].min() > -0.005


def test_draws_its_rep_count_and_faults_when_not_given() -> None:
    drawn = [perform("JumpingJack", seed=seed, fps=FPS) for seed in range(6)]
    assert all(1 <= len(p.reps) <= 8 for p in drawn)
    assert len({len(p.reps) for p in drawn}) > 1
    assert all(set(p.faults) <= set(FAULTS["JumpingJack"]) for p in drawn)
    assert all(0 < severity <= 1 for p in drawn for severity in p.faults.values())
    assert any(p.faults for p in drawn)
    assert not all(p.faults for p in drawn)


def test_a_fault_of_severity_zero_is_no_fault(performed: Performed) -> None:
    zero = perform("BodyWeightSquats", seed=SEED, fps=FPS, reps=2, faults={"shallow_depth": 0})
    assert zero.faults == {}
    assert np.array_equal(zero.body.keypoints, performed("BodyWeightSquats").body.keypoints)


# --- Set-ups -----------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", ["BodyWeightSquats", "Lunges"])
def test_standing_exercises_keep_the_feet_on_the_floor(exercise: str, performed: Performed) -> None:
    feet = performed(exercise).body.vertices[:, part(Region.FOOT), 2]
    assert np.abs(feet.min(1)).max() < 0.005


def test_jumping_jacks_land_on_the_floor_and_hop_between_stances(performed: Performed) -> None:
    performance = performed("JumpingJack")
    lowest = performance.body.vertices[..., 2].min(1)
    for rep in performance.reps:
        assert np.abs(lowest[[rep.start, rep.bottom, rep.end]]).max() < 0.01
        assert lowest[(rep.start + rep.bottom) // 2] > 0.02


def test_push_ups_keep_the_hands_and_toes_on_the_floor(performed: Performed) -> None:
    vertices = performed("PushUps").body.vertices
    for region in (Region.HAND, Region.FOOT):
        assert np.abs(vertices[:, part(region), 2].min(1)).max() < 0.01
    assert vertices[:, part(Region.TORSO, Region.HIPS, Region.FACE), 2].min() > 0.01


def test_handstand_push_ups_stand_on_the_hands_with_the_heels_on_the_wall(
    performed: Performed,
) -> None:
    performance = performed("HandstandPushups")
    vertices, keypoints = performance.body.vertices, performance.body.keypoints
    [wall] = of_kind(performance.equipment, Box)
    face = wall.center[1] - wall.size[1] / 2
    legs = vertices[:, part(Region.UPPER_LEG, Region.LOWER_LEG, Region.FOOT), 1]
    assert np.abs(vertices[:, part(Region.HAND), 2].min(1)).max() < 0.01
    assert (keypoints[:, ANKLES, 2].min(1) > keypoints[:, NOSE, 2] + 1.0).all()
    assert vertices[:, part(Region.FACE, Region.HAIR), 2].min() > 0.0
    assert abs(legs.max() - face) < 0.005
    assert legs.max(1).min() > face - 0.05


def test_wall_push_ups_lean_on_the_wall_with_the_feet_on_the_floor(performed: Performed) -> None:
    performance = performed("WallPushups")
    vertices = performance.body.vertices
    [wall] = of_kind(performance.equipment, Box)
    face = wall.center[1] + wall.size[1] / 2
    assert np.abs(vertices[:, part(Region.FOOT), 2].min(1)).max() < 0.005
    assert np.abs(vertices[:, part(Region.HAND), 1].min(1) - face).max() < 0.01
    assert vertices[..., 1].min() > face - 0.01


def test_bench_press_lies_on_the_bench_with_the_bar_in_the_hands(performed: Performed) -> None:
    performance = performed("BenchPress")
    vertices, keypoints = performance.body.vertices, performance.body.keypoints
    [bench] = of_kind(performance.equipment, Box)
    top = bench.center[2] + bench.size[2] / 2
    over = (np.abs(vertices[..., 0] - bench.center[0]) < bench.size[0] / 2) & (
        np.abs(vertices[..., 1] - bench.center[1]) < bench.size[1] / 2
    )
    assert np.abs(np.where(over, vertices[..., 2], np.inf).min(1) - top).max() < 0.01
    assert np.abs(vertices[:, part(Region.FOOT), 2].min(1)).max() < 0.02
    for frame in range(performance.frames):
        bar = of_kind(performance.solids(frame), Cylinder)[0]
        assert distance_to_axis(keypoints[frame, WRISTS], bar).max() < 0.1


def test_pull_ups_hang_from_the_bar_with_the_feet_off_the_floor(performed: Performed) -> None:
    performance = performed("PullUps")
    keypoints = performance.body.keypoints
    bar = pull_up_bar(performance)
    assert 2.2 <= bar.start[2] <= 2.6
    assert distance_to_axis(keypoints[:, WRISTS], bar).max() < 0.1
    assert performance.body.vertices[..., 2].min() > 0.05
    assert (at_bottoms(performance)[:, NOSE, 2] > bar.start[2]).all()


# --- Faults ------------------------------------------------------------------------------


def deepest_knee_angle(p: Performance) -> float:
    k = at_bottoms(p)
    return float(angle(k[:, HIPS], k[:, KNEES], k[:, ANKLES]).mean())


def knee_width_over_ankle_width_at_bottom(p: Performance) -> float:
    k = at_bottoms(p)
    knees = np.linalg.norm(k[:, KNEES[0]] - k[:, KNEES[1]], axis=-1)
    return float((knees / np.linalg.norm(k[:, ANKLES[0]] - k[:, ANKLES[1]], axis=-1)).mean())


def trunk_lean_at_bottom(p: Performance) -> float:
    k = at_bottoms(p)
    trunk = k[:, SHOULDERS].mean(1) - k[:, HIPS].mean(1)
    return float(np.degrees(np.arccos(trunk[:, 2] / np.linalg.norm(trunk, axis=-1))).mean())


def elbow_angle_at_bottom(p: Performance) -> float:
    k = at_bottoms(p)
    return float(angle(k[:, SHOULDERS], k[:, ELBOWS], k[:, WRISTS]).mean())


def hips_off_shoulder_ankle_line(p: Performance, towards: tuple[float, float, float]) -> float:
    k = at_bottoms(p)
    hips, shoulders, ankles = (k[:, joints].mean(1) for joints in (HIPS, SHOULDERS, ANKLES))
    return float(off_line(hips, shoulders, ankles, np.array(towards)).mean())


def hips_above_shoulder_ankle_line(p: Performance) -> float:
    return hips_off_shoulder_ankle_line(p, (0.0, 0.0, 1.0))


def hips_towards_the_face_off_shoulder_ankle_line(p: Performance) -> float:
    return hips_off_shoulder_ankle_line(p, (0.0, -1.0, 0.0))


def wrists_above_nose_at_widest(p: Performance) -> float:
    k = at_bottoms(p)
    return float((k[:, WRISTS, 2].mean(1) - k[:, NOSE, 2]).mean())


def ankle_distance_at_bottom(p: Performance) -> float:
    k = at_bottoms(p)
    return float(np.linalg.norm(k[:, ANKLES[0]] - k[:, ANKLES[1]], axis=-1).mean())


def front_knee_ahead_of_its_toe(p: Performance) -> float:
    k = at_bottoms(p)
    front = k[:, ANKLES, 1].argmin(1)  # the body faces -y
    rows = np.arange(len(k))
    return float((k[rows, BIG_TOES[0] + front, 1] - k[rows, KNEES[0] + front, 1]).mean())


def chin_rise(p: Performance) -> float:
    k = p.body.keypoints
    return float(np.mean([k[rep.bottom, NOSE, 2] - k[rep.start, NOSE, 2] for rep in p.reps]))


def hip_and_ankle_swing(p: Performance) -> float:
    k = p.body.keypoints
    return float(np.ptp(k[:, HIPS, 1].mean(1)) + np.ptp(k[:, ANKLES, 1].mean(1)))


def elbow_difference_at_top(p: Performance) -> float:
    k = p.body.keypoints[[rep.start for rep in p.reps] + [rep.end for rep in p.reps]]
    elbows = angle(k[:, SHOULDERS], k[:, ELBOWS], k[:, WRISTS])
    return float(np.abs(elbows[:, 0] - elbows[:, 1]).mean())


# Exercise, fault, what it changes, and by at least how much (negative: down).
EFFECTS = [
    ("BodyWeightSquats", "shallow_depth", deepest_knee_angle, 30.0),
    ("BodyWeightSquats", "knees_caving", knee_width_over_ankle_width_at_bottom, -0.25),
    ("BodyWeightSquats", "forward_lean", trunk_lean_at_bottom, 15.0),
    ("PushUps", "sagging_hips", hips_above_shoulder_ankle_line, -0.04),
    ("PushUps", "piked_hips", hips_above_shoulder_ankle_line, 0.06),
    ("PushUps", "partial_range", elbow_angle_at_bottom, 25.0),
    ("JumpingJack", "arms_not_overhead", wrists_above_nose_at_widest, -0.3),
    ("JumpingJack", "feet_not_apart", ankle_distance_at_bottom, -0.25),
    ("Lunges", "short_step", ankle_distance_at_bottom, -0.15),
    ("Lunges", "knee_past_toe", front_knee_ahead_of_its_toe, 0.15),
    ("PullUps", "partial_range", chin_rise, -0.12),
    ("PullUps", "kipping", hip_and_ankle_swing, 0.3),
    ("BenchPress", "partial_range", elbow_angle_at_bottom, 15.0),
    ("BenchPress", "uneven_arms", elbow_difference_at_top, 10.0),
    ("HandstandPushups", "partial_range", elbow_angle_at_bottom, 20.0),
    ("HandstandPushups", "arched_back", hips_towards_the_face_off_shoulder_ankle_line, 0.05),
    ("WallPushups", "partial_range", elbow_angle_at_bottom, 15.0),
    ("WallPushups", "sagging_hips", hips_towards_the_face_off_shoulder_ankle_line, 0.04),
]


def test_every_fault_has_an_effect_under_test() -> None:
    assert {(e, f) for e, f, _, _ in EFFECTS} == {(e, f) for e in FAULTS for f in FAULTS[e]}


@pytest.mark.parametrize(
    ("exercise", "fault", "measure", "change"),
    EFFECTS,
    ids=[f"{exercise}-{fault}" for exercise, fault, _, _ in EFFECTS],
)
def test_a_fault_changes_what_it_names(
    exercise: str,
    fault: str,
    measure: Callable[[Performance], float],
    change: float,
    performed: Performed,
) -> None:
    performance = performed(exercise, fault)
    assert performance.faults == {fault: 1.0}
    moved = measure(performance) - measure(performed(exercise))
    assert moved * np.sign(change) > abs(change), f"{measure.__name__} moved by {moved:.3f}"


def test_a_clean_plank_is_straight_a_sagging_one_drops_and_a_piked_one_rises(
    performed: Performed,
) -> None:
    assert abs(hips_above_shoulder_ankle_line(performed("PushUps"))) < 0.03
    assert hips_above_shoulder_ankle_line(performed("PushUps", "sagging_hips")) < -0.03
    assert hips_above_shoulder_ankle_line(performed("PushUps", "piked_hips")) > 0.03


def test_arms_not_overhead_stop_below_the_nose(performed: Performed) -> None:
    assert wrists_above_nose_at_widest(performed("JumpingJack")) > 0.1
    assert wrists_above_nose_at_widest(performed("JumpingJack", "arms_not_overhead")) < 0


def test_the_front_knee_passes_the_toes_only_with_the_fault(performed: Performed) -> None:
    assert front_knee_ahead_of_its_toe(performed("Lunges")) < 0
    assert front_knee_ahead_of_its_toe(performed("Lunges", "knee_past_toe")) > 0


def test_a_partial_pull_up_keeps_the_chin_below_the_bar(performed: Performed) -> None:
    performance = performed("PullUps", "partial_range")
    assert (at_bottoms(performance)[:, NOSE, 2] < pull_up_bar(performance).start[2]).all()


def test_clean_bench_press_arms_move_evenly(performed: Performed) -> None:
    assert elbow_difference_at_top(performed("BenchPress")) < 6.0
