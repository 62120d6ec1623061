"""Cue evaluation: AUC over the reps where a cue was judged, and over every rep."""

from __future__ import annotations

import pytest

from scoring_service.evaluate_cues import RepCues, cue_results, cues_table


def rep(
    severity: float, strength: float | None, performer: str = "g01", view_accepted: bool = True
) -> RepCues:
    """A squat rep with the shallow-depth fault at `severity`, its cue's strength (None: not
    judged), by `performer`, filmed from a view the capture check accepts or not."""
    faults = {"shallow_depth": severity} if severity else {}
    return RepCues(
        "BodyWeightSquats", performer, faults, {"shallow_depth": strength}, view_accepted
    )


def test_the_auc_is_over_judged_reps_and_unjudged_ones_rank_last_over_every_rep():
    reps = [
        rep(0.8, 5.0),
        rep(0.8, 3.0),
        rep(0.8, None),  # a faulty rep whose cue was withheld
        rep(0.2, 9.0),  # too mild to count either way
        rep(0.0, -4.0),
        rep(0.0, -2.0),
        rep(0.0, None),
        rep(0.0, None),
    ]
    (result,) = cue_results(reps)
    assert (result.faulty_reps, result.clean_reps) == (2, 2)
    assert result.judged_faulty == pytest.approx(2 / 3)
    assert result.judged_clean == pytest.approx(2 / 4)
    assert result.auc == 1.0
    # 2 faulty reps above all 4 clean (8 pairs); the withheld one ties the 2 withheld clean
    # reps (half a pair each) and is below the 2 judged ones.
    assert result.auc_all_reps == pytest.approx((8 + 2 * 0.5) / 12)
    assert (result.fires_on_faulty, result.fires_on_clean) == (1.0, 0.0)
    table = cues_table([result])
    assert "| BodyWeightSquats | shallow_depth | 2 (67%) | 2 (50%) | 1.000 |" in table
    assert "| 0.750 (0/1 at 0.9+) |" in table
    # One performer: every draw is the same reps, so the interval is the AUC itself.
    assert result.auc_interval == (1.0, 1.0)


def test_a_cue_never_judged_on_one_side_has_no_auc_over_judged_reps():
    (result,) = cue_results([rep(0.8, None), rep(0.0, -1.0)])
    assert result.faulty_reps == 0
    assert result.auc != result.auc  # NaN
    assert result.auc_all_reps == 0.0
    assert "nan (0/1 at 0.9+)" in cues_table([result])


def test_the_auc_interval_draws_performers_with_all_their_reps():
    # Five performers whose faulty reps outrank their clean ones, and one whose do not.
    reps = [
        rep(severity, strength, f"g0{n}")
        for n in range(1, 6)
        for severity, strength in ((0.8, 2.0 + n), (0.8, 1.5 + n), (0.0, n - 3.0))
    ]
    reps += [rep(0.8, -9.0, "g06"), rep(0.0, 9.0, "g06")]
    (result,) = cue_results(reps)
    low, high = result.auc_interval
    assert low < result.auc < high
    assert high == 1.0  # draws without the sixth performer separate perfectly
    assert low < 0.9
    assert "wholly at 0.9+, 1/1 reaching it" in cues_table([result])


def test_a_perfectly_separated_cue_has_an_interval_of_one():
    reps = [rep(0.8, 1.0, f"g0{n}") for n in range(1, 5)]
    reps += [rep(0.0, -1.0, f"g0{n}") for n in range(1, 5)]
    (result,) = cue_results(reps)
    assert result.auc_interval == (1.0, 1.0)
    assert "1/1 wholly at 0.9+" in cues_table([result])


def test_the_view_accepted_auc_leaves_out_videos_filmed_from_a_view_warned_about():
    reps = [
        rep(0.8, 2.0),
        rep(0.8, -3.0, view_accepted=False),  # seen head-on, the fault does not show
        rep(0.8, None),
        rep(0.0, -1.0),
        rep(0.0, 1.0, view_accepted=False),
    ]
    (result,) = cue_results(reps)
    assert result.auc == 0.5
    assert result.auc_view_accepted == 1.0
    assert result.view_accepted_reps == (1, 1)
    table = cues_table([result])
    assert "| 1.000 (1 / 1) |" in table
    assert table.endswith("| 1.000 (1/1 at 0.9+) |")


def test_the_mean_view_accepted_auc_says_how_many_faults_it_is_over():
    squat = rep(0.8, 2.0), rep(0.0, -1.0)
    lunge = [
        RepCues("Lunges", "g01", {"short_step": 0.8}, {"short_step": 1.0}, False),
        RepCues("Lunges", "g01", {}, {"short_step": -1.0}, True),
    ]
    squats, lunges = cue_results([*squat, *lunge])
    assert squats.auc_view_accepted == 1.0
    assert lunges.auc_view_accepted != lunges.auc_view_accepted  # NaN: no faulty rep left
    assert lunges.view_accepted_reps == (0, 1)
    assert cues_table([squats, lunges]).endswith("| 1.000 over 1 (1/2 at 0.9+) |")
