"""The exercises the scoring service knows, with the major joints scored for each.

They live in `exercises.json` beside this module (or a file named by `--exercises`), with
each exercise's form cue rules in `cues/<id>.json` beside that file, so an exercise is added by
data: an entry here, its cues, and reference videos to build its index from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from common.fitness.v1 import common_pb2
from common.skeleton import KEYPOINT_INDEX
from scoring_service.cues import CueRule, load_cue_rules

DEFAULT_CATALOGUE = Path(__file__).with_name("exercises.json")


@dataclass(frozen=True)
class ExerciseDefinition:
    """One exercise: its id (the UCF101 class name), a name for people, its major joints and
    its form cue rules (`scoring_service.cues`)."""

    id: str
    display_name: str
    major_joints: tuple[int, ...]  # COCO keypoint indices
    cues: tuple[CueRule, ...] = ()
    preferred_view: common_pb2.View.ValueType = common_pb2.VIEW_UNSPECIFIED

    def to_proto(self) -> common_pb2.Exercise:
        """The `fitness.v1.Exercise` message (a joint's enum value is its COCO index + 1)."""
        return common_pb2.Exercise(
            id=self.id,
            display_name=self.display_name,
            major_joints=[joint + 1 for joint in self.major_joints],
            preferred_view=self.preferred_view,
        )


# `view` in the catalogue: where the camera should stand for the exercise's cues.
VIEWS = {"side": common_pb2.VIEW_SIDE, "front_or_back": common_pb2.VIEW_FRONT_OR_BACK}


def load_catalogue(path: Path = DEFAULT_CATALOGUE) -> dict[str, ExerciseDefinition]:
    """Every exercise of a catalogue file, by id, with the cue rules of `cues/<id>.json`
    beside the file.

    Raises:
        ValueError: A joint name that is not a COCO keypoint, an exercise with no joint, an
            unknown view, or a cue file that does not parse.
    """
    entries = json.loads(path.read_text())
    catalogue = {}
    for exercise_id, entry in entries.items():
        unknown = [name for name in entry["major_joints"] if name not in KEYPOINT_INDEX]
        if unknown or not entry["major_joints"]:
            raise ValueError(f"{path}: {exercise_id} has no or unknown joints {unknown}")
        joints = tuple(KEYPOINT_INDEX[name] for name in entry["major_joints"])
        cues = load_cue_rules(exercise_id, path.parent / "cues")
        view = entry.get("view")
        if view is not None and view not in VIEWS:
            raise ValueError(f"{path}: {exercise_id} has view {view!r}; choose {sorted(VIEWS)}")
        catalogue[exercise_id] = ExerciseDefinition(
            exercise_id,
            entry["display_name"],
            joints,
            cues,
            VIEWS[view] if view else common_pb2.VIEW_UNSPECIFIED,
        )
    return catalogue
