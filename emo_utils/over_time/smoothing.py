"""Steady labels over time: each tracked face's probabilities, exponentially averaged.

A held expression should show one label, not flicker between two close classes,
while a real change still shows within about half a second. An exponential moving
average with a time constant ``tau`` (seconds) weighs a frame by how long ago it
was, so the result does not depend on the frame rate: a step change from one
confident class to another crosses over after ``tau * ln 2`` (0.17 s for the default
0.25 s) and has 86% of its weight after ``2 * tau``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
import numpy.typing as npt

TAU = 0.25  # seconds; see the module docstring
FORGET_AFTER = 2.0  # seconds unseen after which a face's average starts afresh


class ProbabilitySmoother:
    """Exponential moving average of probability vectors, one per face id.

    ``update(face, probs, time_s)`` returns the smoothed probabilities (they still sum
    to 1). ``tau=0`` switches smoothing off (the input comes back unchanged).
    """

    def __init__(self, tau: float = TAU, forget_after: float = FORGET_AFTER):
        if tau < 0:
            raise ValueError(f"tau must be >= 0 seconds, got {tau}")
        self.tau = tau
        self.forget_after = forget_after
        self._state: dict[Hashable, tuple[float, np.ndarray]] = {}

    def update(self, face: Hashable, probs: npt.ArrayLike,
               time_s: float) -> npt.NDArray[np.float32]:
        """The smoothed probabilities of ``face`` after this frame at ``time_s``."""
        probs = np.asarray(probs, np.float64)
        last = self._state.get(face)
        gap = None if last is None else time_s - last[0]
        if self.tau == 0 or gap is None or not 0 <= gap <= self.forget_after:
            mean = probs
        else:
            weight = 1 - math.exp(-gap / self.tau)
            mean = last[1] + weight * (probs - last[1])
        self._state[face] = (time_s, mean)
        return mean.astype(np.float32)

    def forget(self, face: Hashable) -> None:
        """Drop a face's history (it left the picture)."""
        self._state.pop(face, None)

    def reset(self) -> None:
        self._state.clear()
