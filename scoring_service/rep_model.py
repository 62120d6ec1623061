"""A temporal convolution network that segments a keypoint sequence into the phases of its reps.

Glossary of shapes:
    - batch size: N
    - feature number: D (85: `action_service.sequences.features`)
    - frame number: T (at 10 fps)
    - phase number: P (3: `PHASES`)

`forward` maps sequences (N, D, T) to per-frame phase logits, one (N, P, T) tensor per stage.
Every frame is at rest, on the way out of the start position (start to turning point) or on
the way back (turning point to end), whatever the exercise: a rep is a run "out" followed by a
run "back". The first stage is the keypoint classifier's body (`TemporalBlock`s, dilations 1
to 16: about 25 s of context) with a per-frame head; a second stage refines the first's phase
probabilities alone, as MS-TCN does (Farha and Gall, CVPR 2019), which smooths away the
one-frame flickers that would split or invent a rep. About 0.42 M parameters at width 64.
"""

from __future__ import annotations

from torch import Tensor, nn

from action_service.skeleton_model import TemporalBlock, initialise

__all__ = ["PHASES", "RepSegmenter", "rep_segmenter"]

PHASES = ("rest", "out", "back")
REST, OUT, BACK = range(len(PHASES))


def _stage(in_channels: int, width: int, dilations: tuple[int, ...], dropout: float) -> nn.Module:
    return nn.Sequential(
        nn.Conv1d(in_channels, width, 1, bias=False),
        nn.BatchNorm1d(width),
        nn.ReLU(inplace=True),
        *(TemporalBlock(width, dilation, dropout) for dilation in dilations),
        nn.Conv1d(width, len(PHASES), 1),
    )


class RepSegmenter(nn.Module):
    """Keypoint sequences (N, D, T) to phase logits (N, P, T) of each stage, the last best."""

    def __init__(
        self,
        in_features: int,
        width: int = 64,
        dilations: tuple[int, ...] = (1, 2, 4, 8, 16),
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.first = _stage(in_features, width, dilations, dropout)
        self.refine = _stage(len(PHASES), width, dilations, dropout)
        initialise(self)

    def forward(self, x: Tensor) -> list[Tensor]:
        first = self.first(x)
        return [first, self.refine(first.softmax(dim=1))]


def rep_segmenter(in_features: int, width: int = 64) -> RepSegmenter:
    """The rep segmenter at a width (64: about 0.42 M parameters)."""
    return RepSegmenter(in_features, width=width)
