"""The gym's body model as a user's process meets it."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_body_model_writes_nothing_to_standard_error():
    # Warp, which poses Anny's bodies, warns from native code at start-up when the machine
    # has no CUDA driver; the gym renders on the CPU and keeps its users' output clean.
    building = "from synth.body import body_model; body_model()"
    result = subprocess.run(
        [sys.executable, "-c", building], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
