"""What the scoring tests share: the shipped rep segmenter."""

from __future__ import annotations

import pytest

from scoring_service.reps import RepCounter
from tests.models import REP_SEGMENTER


@pytest.fixture(scope="session")
def rep_counter() -> RepCounter:
    return RepCounter.load(REP_SEGMENTER)
