"""The `fitness` console script: probe and check, with clear errors."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from client.cli import main
from common.server import RunningServer
from tests.common.clips import write_clip

FITNESS = Path(sys.executable).with_name("fitness")


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return done.value.code or 0, captured.out, captured.err


def test_probe_prints_the_upright_size_and_rotation(tmp_path, capsys):
    video = tmp_path / "clip.mp4"
    write_clip(video, frames=10, fps=30, rotation_degrees=-90)
    code, out, _ = run_cli(["probe", str(video), "--json"], capsys)
    assert code == 0
    info = json.loads(out)
    assert (info["width"], info["height"], info["rotation_degrees"]) == (48, 64, -90)
    assert info["frame_count"] == 10


def test_probe_prints_a_table_by_default(tmp_path, capsys):
    video = tmp_path / "clip.webm"
    write_clip(video)
    code, out, _ = run_cli(["probe", str(video)], capsys)
    assert code == 0
    assert "codec" in out
    assert "vp9" in out


def test_probe_of_a_text_file_exits_2_with_one_line_saying_why(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n" * 50)
    code, out, err = run_cli(["probe", str(notes)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert "not a decodable video" in err
    assert "Traceback" not in err


def test_probe_of_a_missing_file_says_to_check_the_path(tmp_path, capsys):
    code, _, err = run_cli(["probe", str(tmp_path / "nope.mp4")], capsys)
    assert code == 2
    assert "check the path" in err


def test_an_unknown_command_is_a_usage_error(capsys):
    code, _, err = run_cli(["dance"], capsys)
    assert code == 2
    assert "No such command" in err


async def fitness(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(FITNESS), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, out.decode(), err.decode()


async def test_the_console_script_checks_a_serving_server(double_server: RunningServer):
    code, out, _ = await fitness("check", f"127.0.0.1:{double_server.port}")
    assert (code, out.strip()) == (0, "SERVING")


async def test_check_exits_1_for_a_service_marked_not_serving(double_server: RunningServer):
    await double_server.set_serving(False, "fitness.v1.KeypointScorer")
    code, out, _ = await fitness(
        "check", f"127.0.0.1:{double_server.port}", "--service", "fitness.v1.KeypointScorer"
    )
    assert (code, out.strip()) == (1, "NOT_SERVING")


async def test_check_of_an_address_with_no_server_exits_2_unavailable(double_server: RunningServer):
    port = double_server.port
    await double_server.stop(None)
    code, _, err = await fitness("check", f"127.0.0.1:{port}", "--timeout", "2")
    assert code == 2
    assert "UNAVAILABLE" in err


def test_eval_action_reports_accuracy_and_draws_the_confusion_matrix(tiny_ucf, tmp_path, capsys):
    import torch

    from action_service.checkpoint import save_checkpoint
    from action_service.model import build_model

    torch.manual_seed(0)
    weights = tmp_path / "action.safetensors"
    classes = ["BodyWeightSquats", "PushUps"]
    model = build_model(10, num_classes=2, widen_factor=0.25)
    save_checkpoint(model, depth=10, widen_factor=0.25, classes=classes, path=weights)
    args = ["eval", "action", "--weights", str(weights), "--ucf", str(tiny_ucf), "--json"]
    code, out, _ = run_cli(args, capsys)
    assert code == 0
    report = json.loads(out.strip().splitlines()[-1])
    assert report["videos"] == len((tiny_ucf / "testlist01.txt").read_text().split())
    assert set(report["per_class"]) <= set(classes)
    assert (tmp_path / "action_confusion.png").stat().st_size > 0


def test_train_action_takes_several_folders_from_memory(tiny_ucf, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "action", "--ucf", str(tiny_ucf), "--ucf", str(tiny_ucf), "--out", str(out)]
    args += ["--depth", "10", "--epochs", "1", "--batch-size", "2", "--workers", "0"]
    args += ["--in-memory", "--optimizer", "adamw", "--clips-per-video", "2"]
    code, out_text, err = run_cli(args, capsys)
    assert code == 0, err
    assert "epoch 1/1" in out_text + err
    assert (out / "last.safetensors").is_file()


def test_eval_action_without_weights_says_to_train_first(tiny_ucf, tmp_path, capsys):
    args = [
        "eval",
        "action",
        "--weights",
        str(tmp_path / "none.safetensors"),
        "--ucf",
        str(tiny_ucf),
    ]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert "fitness train action" in err


def test_index_dataset_build_and_eval_scoring_run_the_paper_s_experiment(
    tiny_ucf, tmp_path, capsys
):
    train, test, index = tmp_path / "train", tmp_path / "test", tmp_path / "index"
    dataset = ["index", "dataset", "--videos", str(tiny_ucf), "--labels", "--all-performances"]
    assert run_cli([*dataset, "--out", str(train)], capsys)[0] == 0
    held_out = [*dataset, "--list", "testlist01.txt", "--out", str(test)]
    assert run_cli(held_out, capsys)[0] == 0
    code, out, err = run_cli(
        ["index", "build", "--dataset", str(train), "--out", str(index)], capsys
    )
    assert code == 0
    assert "manifest.json" in out
    assert "skipped" not in err
    args = ["eval", "scoring", "--dataset", str(test), "--index", str(index), "--json"]
    code, out, _ = run_cli(args, capsys)
    assert code == 0
    report = json.loads(out.strip().splitlines()[-1])
    exercises = {"BodyWeightSquats", "PushUps"}
    assert {(row["exercise"], row["scorer"]) for row in report["rows"]} == {
        (exercise, scorer) for exercise in exercises for scorer in ("paper", "pose")
    }
    for row in report["rows"]:  # each exercise has one held-out performance, clean or not
        counts = row["counts"]
        faulty = sum(count for name, count in counts.items() if name.startswith("faulty_"))
        assert (counts["valid"] + faulty, counts["other_exercises"]) in {(1, 0), (1, 1)}
    assert set(report["summary"]) == {"paper", "pose"}


def test_index_views_adds_the_view_scorer_and_refuses_what_is_no_set_of_3d_poses(
    tiny_ucf, tmp_path, capsys
):
    from scoring_service.world_poses import WorldPoses, write_world_poses
    from tests.scoring_service.figures3d import squat

    train, index, world = tmp_path / "train", tmp_path / "index", tmp_path / "world.npz"
    dataset = ["index", "dataset", "--videos", str(tiny_ucf), "--labels", "--all-performances"]
    assert run_cli([*dataset, "--out", str(train)], capsys)[0] == 0
    assert run_cli(["index", "build", "--dataset", str(train), "--out", str(index)], capsys)[0] == 0
    performers = [
        WorldPoses(f"BodyWeightSquats/v_g0{n}_c01.mp4", "BodyWeightSquats", squat(30 + n))
        for n in range(3)
    ]
    write_world_poses(performers, world)

    views = ["index", "views", "--world", str(world), "--index", str(index)]
    code, out, _ = run_cli(views, capsys)

    assert code == 0
    assert "added the view scorer of BodyWeightSquats" in out
    manifest = json.loads((index / "manifest.json").read_text())
    assert "BodyWeightSquats.views.npy" in manifest["exercises"]["BodyWeightSquats"]["files"]
    world.write_text("not poses")
    code, out, err = run_cli(views, capsys)
    assert code == 2
    assert "not a set of 3D reference poses" in err
    assert len(err.splitlines()) == 1


def test_index_build_of_a_folder_that_is_no_keypoint_dataset_exits_2(tmp_path, capsys):
    args = ["index", "build", "--dataset", str(tmp_path), "--out", str(tmp_path / "index")]
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert "videos.json" in err
    assert "not a keypoint dataset" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("azimuths", ["0,front", "90", "45,45"])
def test_eval_viewpoint_with_unusable_azimuths_exits_2_saying_what_it_takes(
    azimuths, tmp_path, capsys
):
    args = ["eval", "viewpoint", "--out", str(tmp_path), "--azimuths", azimuths]
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: --azimuths ")
    assert len(err.splitlines()) == 1


def test_synth_videos_plans_other_movements_and_appearance_shift_sets(tmp_path, capsys):
    out = str(tmp_path / "gym")
    args = ["synth", "videos", "--out", out, "--clips", "1", "--dry-run"]
    code, listed, _ = run_cli([*args, "--movements", "other", "--groups", "25"], capsys)
    assert code == 0
    rows = [line.split("\t") for line in listed.splitlines()]
    assert {row[1].split("/")[0] for row in rows} == {"Standing", "Stretching", "Walking"}
    assert sum(row[0] == "test" for row in rows) == 3 * 7
    code, listed, _ = run_cli(
        [*args, "--groups", "2", "--first-group", "31", "--appearance-shift"], capsys
    )
    assert code == 0
    rows = [line.split("\t") for line in listed.splitlines()]
    assert len(rows) == 8 * 2
    assert all(row[0] == "test" and "_g3" in row[1] for row in rows)


def test_synth_videos_films_a_fault_set_from_the_views_the_catalogue_asks_for(tmp_path, capsys):
    args = ["synth", "videos", "--out", str(tmp_path / "gym"), "--dry-run", "--advised-view"]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert "--fault-set" in err
    code, listed, _ = run_cli([*args, "--fault-set", "--groups", "1"], capsys)
    assert code == 0
    rows = {row[1].split("/")[0]: row for row in (line.split("\t") for line in listed.splitlines())}
    assert len(listed.splitlines()) == 26  # each exercise clean and with each fault
    assert 70 <= abs(int(rows["Lunges"][3].removeprefix("azimuth "))) <= 110  # side
    assert abs(int(rows["JumpingJack"][3].removeprefix("azimuth "))) <= 20  # front
    assert len(rows["PullUps"]) == 3  # any view: drawn as usual


def test_the_keypoint_classifier_trains_evaluates_and_fuses_from_the_command_line(
    tiny_ucf, tmp_path, capsys
):
    from tests.action_service.checkpoints import save_tiny_action_checkpoint

    keypoints, runs = tmp_path / "keypoints", tmp_path / "skeleton"
    dataset = ["index", "dataset", "--videos", str(tiny_ucf), "--labels", "--all-performances"]
    assert run_cli([*dataset, "--out", str(keypoints)], capsys)[0] == 0
    train = ["train", "action-skeleton", "--keypoints", str(keypoints), "--out", str(runs)]
    code, out, _ = run_cli([*train, "--epochs", "2", "--width", "8"], capsys)
    assert code == 0
    weights = runs / "last.safetensors"
    assert weights.is_file()
    code, out, _ = run_cli(
        ["eval", "action-skeleton", "--weights", str(weights), "--keypoints", str(keypoints),
         "--json"],
        capsys,
    )  # fmt: skip
    assert code == 0
    metrics = json.loads(out.strip().splitlines()[-1])
    assert metrics["videos"] == 2
    assert metrics["predicted_classes"][-1] == "none"

    models = [
        "--action-weights", str(save_tiny_action_checkpoint(tmp_path / "action.safetensors")),
        "--keypoint-weights", str(weights),
    ]  # fmt: skip
    exercises, others = tmp_path / "exercises.json", tmp_path / "none.json"
    recognition = ["eval", "recognition", "--videos", str(tiny_ucf), *models]
    code, out, _ = run_cli(
        [*recognition, "--list", "trainlist01.txt", "--keypoints", str(keypoints),
         "--records", str(exercises)],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "| 3D CNN | keypoints | fused |" in out
    assert "| BodyWeightSquats |" in out
    # Every video counted as none of the exercises, posed by the pose model here.
    code, out, _ = run_cli([*recognition, "--none", "--records", str(others)], capsys)
    assert code == 0
    assert "none videos: none/uncertain" in out
    assert len(json.loads(others.read_text())) == 4

    fusion = tmp_path / "fusion.json"
    code, out, _ = run_cli(
        ["train", "fusion", "--records", str(exercises), "--records", str(others), "--out",
         str(fusion)],
        capsys,
    )  # fmt: skip
    assert code == 0
    fitted = json.loads(fusion.read_text())
    assert set(fitted["min_confidence"]) == {"fused", "video", "keypoints"}
    assert 0 <= fitted["keypoint_weight"] <= 1
    code, again, _ = run_cli(
        [*recognition, "--records", str(exercises), "--fusion", str(fusion)], capsys
    )  # the records are reused: no model runs
    assert code == 0
    assert "(2 videos)" in again


def test_fusion_without_videos_of_none_of_the_exercises_exits_2(tmp_path, capsys):
    records = tmp_path / "records.json"
    records.write_text(
        json.dumps([{"video": "a.mp4", "truth": "Lunges", "video_probabilities": [0.125] * 8,
                     "keypoint_probabilities": [1 / 9] * 9}])
    )  # fmt: skip
    code, _, err = run_cli(["train", "fusion", "--records", str(records)], capsys)
    assert code == 2
    assert "none" in err


def test_eval_reps_counts_the_gym_s_reps_against_its_labels(tiny_ucf, tmp_path, capsys):
    keypoints = tmp_path / "keypoints"
    dataset = ["index", "dataset", "--videos", str(tiny_ucf), "--labels", "--all-performances"]
    assert run_cli([*dataset, "--out", str(keypoints)], capsys)[0] == 0
    code, out, _ = run_cli(
        ["eval", "reps", "--keypoints", str(keypoints), "--videos", str(tiny_ucf)], capsys
    )
    assert code == 0
    assert "| BodyWeightSquats | 1 |" in out
    assert out.strip().splitlines()[-1].startswith("| all | 2 |")
    code, _, err = run_cli(["eval", "reps", "--keypoints", str(tmp_path), "--videos", "x"], capsys)
    assert code == 2
    assert "no keypoint dataset" in err
