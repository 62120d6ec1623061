"""Gym data sets in the real formats: UCF101 layout and lists, COCO keypoints, determinism."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pycocotools.coco import COCO

from common.video import probe_video
from synth.clip import Clip, ClipSpec
from synth.dataset import write_clip_video, write_poses
from synth.preview import contact_sheet
from synth.render import Renderer

TWO = ("BodyWeightSquats", "PushUps")


@pytest.fixture
def ucf(tiny_ucf: Path) -> Path:
    return tiny_ucf


def test_the_ucf101_lists_parse_and_match_the_files(ucf):
    classes = dict(line.split() for line in (ucf / "classInd.txt").read_text().splitlines())
    assert classes == {"1": "BodyWeightSquats", "2": "PushUps"}
    train = [line.split() for line in (ucf / "trainlist01.txt").read_text().splitlines()]
    test = [line.split() for line in (ucf / "testlist01.txt").read_text().splitlines()]
    assert train
    assert test
    for path, index in train:
        assert path.split("/")[0] == classes[index]
    listed = {row[0] for row in train + test}
    on_disk = {str(p.relative_to(ucf)) for p in ucf.rglob("*.mp4")}
    assert listed == on_disk
    assert all(Path(p).name.startswith(f"v_{p.split('/')[0]}_g") for p in listed)


def test_each_video_has_labels_that_match_it(ucf):
    for video in ucf.rglob("*.mp4"):
        labels = json.loads(video.with_suffix(".json").read_text())
        info = probe_video(video)
        assert (info.width, info.height) == (labels["width"], labels["height"])
        assert info.frame_count == labels["frame_count"] == len(labels["frames"])
        assert labels["exercise"] == video.parent.name
        assert len(labels["reps"]) == 1
        frame = labels["frames"][0]
        assert len(frame["keypoints"]) == 17
        assert {v for _, _, v in frame["keypoints"]} <= {0, 1, 2}
        assert all(isinstance(frame["others"], list) for frame in labels["frames"])


def test_test_groups_are_rendered_with_held_out_ranges(ucf):
    test = (ucf / "testlist01.txt").read_text().split()
    for path in test:
        assert json.loads((ucf / path).with_suffix(".json").read_text())["held_out"] is True


def test_the_coco_json_loads_in_pycocotools(tmp_path):
    counts = write_poses(tmp_path, images=10, val_fraction=0.3, short_side=96)
    assert counts == {"train": 7, "val": 3}
    coco = COCO(str(tmp_path / "annotations" / "person_keypoints_train.json"))
    assert coco.getCatIds(catNms=["person"]) == [1]
    assert len(coco.getImgIds()) == 7
    for annotation in coco.loadAnns(coco.getAnnIds()):
        assert len(annotation["keypoints"]) == 51
        assert annotation["num_keypoints"] == sum(v > 0 for v in annotation["keypoints"][2::3])
        image = coco.loadImgs(annotation["image_id"])[0]
        assert (tmp_path / "train" / image["file_name"]).is_file()


def test_the_same_seed_gives_the_same_labels_and_pixels():
    spec = ClipSpec.sample("JumpingJack", 1234, short_side=96, reps=1)
    runs = []
    for _ in range(2):
        renderer = Renderer(spec.width, spec.height)
        clip = Clip.build(spec)
        frames = list(clip.frames(renderer, only={0, 5}))
        runs.append((clip.metadata(), frames))
        renderer.release()
    (meta_a, frames_a), (meta_b, frames_b) = runs
    assert meta_a == meta_b
    for (ia, image_a, label_a), (ib, image_b, label_b) in zip(frames_a, frames_b, strict=True):
        assert ia == ib
        np.testing.assert_array_equal(label_a.keypoints, label_b.keypoints)
        np.testing.assert_array_equal(image_a, image_b)
    other = Clip.build(ClipSpec.sample("JumpingJack", 1235, short_side=96, reps=1))
    assert other.metadata() != meta_a


def test_a_chosen_azimuth_films_the_same_performance_from_another_side(tmp_path):
    spec = ClipSpec.sample("BodyWeightSquats", 77, short_side=96, reps=1)
    renderer = Renderer(spec.width, spec.height)
    front, left = (
        write_clip_video(
            Clip.build(replace(spec, azimuth_degrees=azimuth)),
            tmp_path / f"{azimuth}.mp4",
            renderer,
        )
        for azimuth in (0.0, 90.0)
    )
    renderer.release()
    assert (front["camera"]["azimuth_degrees"], left["camera"]["azimuth_degrees"]) == (0.0, 90.0)
    assert {k: v for k, v in front["camera"].items() if k != "azimuth_degrees"} == {
        k: v for k, v in left["camera"].items() if k != "azimuth_degrees"
    }
    for key in ("reps", "phenotype", "scene", "frame_count", "faults"):
        assert front[key] == left[key]
    np.testing.assert_array_equal(
        Clip.build(replace(spec, azimuth_degrees=0.0)).performance.body.keypoints,
        Clip.build(replace(spec, azimuth_degrees=90.0)).performance.body.keypoints,
    )
    assert front["frames"][0]["keypoints"] != left["frames"][0]["keypoints"]


def test_the_contact_sheet_has_a_row_per_exercise():
    sheet = contact_sheet(frames_per_clip=2, short_side=96, exercises=TWO)
    assert sheet.ndim == 3
    assert sheet.shape[0] >= 2 * 200


def test_an_appearance_shift_set_is_all_test_with_training_motion_and_cameras():
    from synth.dataset import plan_videos

    entries = plan_videos(
        groups=2, clips_per_group=1, exercises=TWO, reps=1, first_group=31, appearance_shift=True
    )
    assert {entry.group for entry in entries} == {31, 32}
    assert all(entry.tested for entry in entries)
    assert all(entry.spec.appearance_shift and not entry.spec.held_out for entry in entries)
    clip = Clip.build(entries[0].spec)
    assert clip.metadata()["appearance_shift"] is True
    same_seed = Clip.build(replace(entries[0].spec, appearance_shift=False))
    assert clip.performance.reps == same_seed.performance.reps  # the same timing
    assert clip.performance.phenotype != same_seed.performance.phenotype  # held-out bodies
    assert not np.array_equal(clip.scene.backdrop, same_seed.scene.backdrop)
    for entry in entries:  # cameras in the training ranges
        rig = Clip.build(entry.spec).rig
        assert -8 <= np.degrees(rig.elevation) <= 45
        assert 35 <= np.degrees(rig.fov_y) <= 65


def test_later_groups_are_fresh_performers_in_the_training_list():
    from synth.dataset import plan_videos

    first = plan_videos(groups=25, clips_per_group=1, exercises=("Lunges",))
    later = plan_videos(groups=5, clips_per_group=1, exercises=("Lunges",), first_group=26)
    assert not {e.spec.seed for e in first} & {e.spec.seed for e in later}
    assert not any(entry.tested for entry in later)


def test_other_movements_plan_like_exercises_with_their_own_seeds():
    from synth.dataset import plan_videos

    entries = plan_videos(groups=25, clips_per_group=1, exercises=("Walking",))
    assert entries[0].relative_path == "Walking/v_Walking_g01_c01.mp4"
    exercises = plan_videos(groups=25, clips_per_group=1, exercises=("Lunges",))
    assert not {e.spec.seed for e in entries} & {e.spec.seed for e in exercises}


def test_a_fault_set_films_each_performer_clean_and_with_each_fault_alone():
    from synth.dataset import FAULT_SEVERITIES, plan_fault_videos, plan_videos
    from synth.exercises import FAULTS

    entries = plan_fault_videos(groups=2, exercises=("PushUps",))
    clips = [(entry.group, entry.clip) for entry in entries]
    assert clips == [(g, c) for g in (1, 2) for c in range(1, 2 + len(FAULTS["PushUps"]))]
    faults = [entry.spec.faults for entry in entries if entry.group == 1]
    assert faults[0] == {}
    assert [list(f) for f in faults[1:]] == [[name] for name in FAULTS["PushUps"]]
    severities = [s for f in faults for s in f.values()]
    assert all(FAULT_SEVERITIES[0] <= s <= FAULT_SEVERITIES[1] for s in severities)
    assert all(entry.tested and entry.spec.held_out for entry in entries)
    assert len({entry.spec.performer_seed for entry in entries}) == 2  # one person per group
    main = plan_videos(groups=25, clips_per_group=4, exercises=("PushUps",))
    seeds = {e.spec.seed for e in main} | {e.spec.performer_seed for e in main}
    own = {e.spec.seed for e in entries} | {e.spec.performer_seed for e in entries}
    assert not seeds & own  # seeds no other set uses
    performance = Clip.build(entries[1].spec).performance
    assert performance.faults == entries[1].spec.faults


def test_a_fault_set_can_film_exercises_from_a_range_of_views_with_all_else_unchanged():
    from synth.dataset import plan_fault_videos

    drawn = plan_fault_videos(groups=3, exercises=("PushUps", "PullUps"))
    sided = plan_fault_videos(
        groups=3, exercises=("PushUps", "PullUps"), azimuths={"PushUps": (70, 110)}
    )
    push_ups = [e.spec.azimuth_degrees for e in sided if e.exercise == "PushUps"]
    assert all(70 <= abs(a) <= 110 for a in push_ups)
    assert min(push_ups) < 0 < max(push_ups)  # from either side
    assert all(e.spec.azimuth_degrees is None for e in sided if e.exercise == "PullUps")
    assert [replace(e.spec, azimuth_degrees=None) for e in sided] == [e.spec for e in drawn]
    clip = Clip.build(sided[0].spec)
    assert math.degrees(clip.rig.azimuth) == pytest.approx(sided[0].spec.azimuth_degrees)
    unchanged = Clip.build(drawn[0].spec).performance.body.keypoints
    assert np.array_equal(clip.performance.body.keypoints, unchanged)
