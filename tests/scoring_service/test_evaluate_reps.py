"""Rep counting's table: exact share with its interval over performers, and the error."""

from __future__ import annotations

import re

from scoring_service.evaluate_reps import VideoCount, counts_table


def interval(table: str, row: str) -> tuple[float, float]:
    """The interval in percent of a table's row."""
    found = re.search(rf"\| {row} \| \d+ \| [\d.]+% \| ([\d.]+)% to ([\d.]+)% \|", table)
    assert found, table
    return float(found.group(1)), float(found.group(2))


def test_the_exact_share_comes_with_its_interval_over_performers():
    # Four performers with two videos each; the fourth is miscounted by one rep in both.
    videos = [VideoCount(f"Lunges/g0{n}", 3 + (n == 4), 3) for n in range(1, 5) for _ in range(2)]
    table = counts_table({"Lunges": videos})
    assert "| Lunges | 8 | 75.0% |" in table
    assert table.rstrip().endswith("| 0.25 |")
    # Drawn again, the four hold none to all of the miscounted one: in some one in twenty
    # draws more than one of the four is theirs, in more than one in twenty none is.
    low, high = interval(table, "Lunges")
    assert 25.0 < low < 75.0
    assert high == 100.0
    assert interval(table, "all") == (low, high)


def test_one_performer_has_no_spread_to_draw():
    table = counts_table(
        {"PushUps": [VideoCount("PushUps/g01", 2, 3), VideoCount("PushUps/g01", 3, 3)]}
    )
    assert "| PushUps | 2 | 50.0% | 50.0% to 50.0% | 0.50 |" in table
