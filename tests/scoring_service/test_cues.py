"""Form cues: rules kept in data files, measured on a rep against its reference, in words."""

from __future__ import annotations

import json

import numpy as np
import pytest

from common.fitness.v1 import common_pb2
from common.skeleton import KEYPOINT_INDEX, NUM_KEYPOINTS
from scoring_service.catalogue import load_catalogue
from scoring_service.cues import (
    SEEN_CONFIDENCE,
    CueRule,
    load_cue_rules,
    measure_cues,
    unjudged_words,
)
from synth.exercises import FAULTS

KNEE_RULE = CueRule(
    fault="shallow_depth",
    measure="angle",
    joints=("hip", "knee", "ankle"),
    over="min",
    fires="above",
    by=15,
    words="rep {rep}: squat deeper: knee angle {value:.0f} degrees, reference {reference:.0f}",
)
SEEN = np.ones(NUM_KEYPOINTS)  # every keypoint seen clearly over the rep


def bent_knees(degrees: float, samples: int = 4) -> np.ndarray:
    """Poses (L, K, 2) whose knees bend to `degrees` (thigh level, shin hanging at an angle)."""
    poses = np.zeros((samples, NUM_KEYPOINTS, 2))
    for side in ("left", "right"):
        poses[:, KEYPOINT_INDEX[f"{side}_hip"]] = (-1.0, 0.0)
        poses[:, KEYPOINT_INDEX[f"{side}_knee"]] = (0.0, 0.0)
        angle = np.radians(degrees)
        poses[:, KEYPOINT_INDEX[f"{side}_ankle"]] = (-np.cos(angle), np.sin(angle))
    return poses


def test_an_angle_is_measured_at_the_middle_joint_in_degrees():
    assert KNEE_RULE.value(bent_knees(90)) == pytest.approx(90.0)
    assert KNEE_RULE.value(bent_knees(120)) == pytest.approx(120.0)


def test_a_rule_fires_past_its_threshold_and_names_the_rep_and_the_numbers():
    shallow, reference = bent_knees(125), bent_knees(90)
    (cue,) = measure_cues((KNEE_RULE,), shallow, reference, {}, confidence=SEEN)
    assert cue.fires
    assert cue.strength == pytest.approx(125 - 90 - 15)
    assert cue.words(3) == "rep 3: squat deeper: knee angle 125 degrees, reference 90"
    (close,) = measure_cues((KNEE_RULE,), bent_knees(100), reference, {}, confidence=SEEN)
    assert not close.fires


def test_a_rule_is_judged_only_where_every_joint_it_reads_was_seen():
    shallow, reference = bent_knees(125), bent_knees(90)
    for joint in ("left_hip", "right_knee", "left_ankle"):
        confidence = SEEN.copy()
        confidence[KEYPOINT_INDEX[joint]] = SEEN_CONFIDENCE - 0.01
        (cue,) = measure_cues((KNEE_RULE,), shallow, reference, {}, confidence=confidence)
        assert not cue.judged
        assert not cue.fires
        name = joint.replace("_", " ")
        assert unjudged_words([cue], 2) == [
            f"rep 2: shallow depth not judged: the {name} was not seen clearly"
        ]
    confidence = SEEN.copy()
    confidence[KEYPOINT_INDEX["nose"]] = 0.0  # a joint the rule does not read
    confidence[KEYPOINT_INDEX["left_ankle"]] = SEEN_CONFIDENCE
    (cue,) = measure_cues((KNEE_RULE,), shallow, reference, {}, confidence=confidence)
    assert cue.judged
    assert cue.fires


def test_cues_withheld_for_the_same_joints_share_one_line_of_words():
    lean = CueRule(
        **{
            **KNEE_RULE.__dict__,
            "fault": "forward_lean",
            "measure": "lean",
            "joints": ("hip", "knee"),
        }
    )
    step = CueRule(
        **{**KNEE_RULE.__dict__, "fault": "short_step", "measure": "spread", "joints": ("ankle",)}
    )
    confidence = SEEN.copy()
    confidence[[KEYPOINT_INDEX["left_ankle"], KEYPOINT_INDEX["right_ankle"]]] = 0.1
    cues = measure_cues(
        (KNEE_RULE, lean, step), bent_knees(125), bent_knees(90), {}, confidence=confidence
    )
    assert [cue.judged for cue in cues] == [False, True, False]
    assert unjudged_words(cues, 4) == [
        "rep 4: shallow depth, short step not judged: the left ankle and right ankle were not "
        "seen clearly"
    ]


def test_against_typical_compares_with_the_references_median_not_the_matched_rep():
    rule = CueRule(**{**KNEE_RULE.__dict__, "against": "typical"})
    (cue,) = measure_cues((rule,), bent_knees(125), bent_knees(125), {rule: 90.0}, confidence=SEEN)
    assert cue.reference == 90.0
    assert cue.fires


def test_a_rule_file_that_names_an_unknown_measure_or_joint_is_refused_with_its_path(tmp_path):
    rule = {**KNEE_RULE.__dict__, "joints": ["hip", "knee", "ankle"], "measure": "wobble"}
    (tmp_path / "Squats.json").write_text(json.dumps([rule]))
    with pytest.raises(ValueError, match=r"Squats\.json.*unknown measure 'wobble'"):
        load_cue_rules("Squats", tmp_path)
    rule = {**rule, "measure": "angle", "joints": ["hip", "elbow_tip", "ankle"]}
    (tmp_path / "Squats.json").write_text(json.dumps([rule]))
    with pytest.raises(ValueError, match="unknown joint 'elbow_tip'"):
        load_cue_rules("Squats", tmp_path)


def test_an_exercise_without_a_cue_file_has_no_cues(tmp_path):
    assert load_cue_rules("Squats", tmp_path) == ()


def test_every_fault_of_the_gym_has_a_cue_in_the_shipped_data():
    catalogue = load_catalogue()
    for exercise, faults in FAULTS.items():
        assert sorted(rule.fault for rule in catalogue[exercise].cues) == sorted(faults)
    for definition in catalogue.values():
        for rule in definition.cues:
            words = rule.words.format(rep=2, value=1.0, reference=2.0, difference=1.0)
            assert words.startswith("rep 2: ")


def test_a_catalogue_view_must_be_one_the_product_knows(tmp_path):
    (tmp_path / "exercises.json").write_text(
        '{"Squats": {"display_name": "Squats", "view": "above", "major_joints": ["left_hip"]}}'
    )
    with pytest.raises(ValueError, match="view 'above'"):
        load_catalogue(tmp_path / "exercises.json")
    shipped = load_catalogue()
    assert shipped["PushUps"].preferred_view == common_pb2.VIEW_SIDE
    assert shipped["JumpingJack"].preferred_view == common_pb2.VIEW_FRONT_OR_BACK
    assert shipped["PullUps"].preferred_view == common_pb2.VIEW_UNSPECIFIED
