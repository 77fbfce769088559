"""Follow faces from frame to frame: each person keeps one id (SORT-style tracking).

Boxes of the new frame are matched to the tracks of the last by overlap, solved as
an assignment problem (``cheapest_assignment``, as scipy's ``linear_sum_assignment``
does it), as SORT and ByteTrack do. A track survives ``max_misses`` frames without a
match (a turn of the head, a missed detection), and gets a public id only after
``min_hits`` matches, so a one-frame false detection never becomes a "person".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..boxes import Box, iou

# A box matches a track when they overlap by this IoU, or when the box's centre lies
# within this fraction of the track's box size of the track's centre (a head that
# moved during a short miss no longer overlaps much, but is still near).
MIN_IOU = 0.2
MAX_CENTRE_SHIFT = 0.6


def _centre_shift(track: Box, box: Box) -> float:
    """Distance between the centres, in units of the track box's size."""
    tx, ty = track[0] + track[2] / 2, track[1] + track[3] / 2
    bx, by = box[0] + box[2] / 2, box[1] + box[3] / 2
    return float(np.hypot(tx - bx, ty - by)) / max(1, max(track[2], track[3]))


def match_cost(track: Box, box: Box) -> float:
    """Cost of giving ``box`` to ``track``: low for overlapping boxes, ``inf`` when
    the two cannot be the same face."""
    overlap = iou(track, box)
    shift = _centre_shift(track, box)
    if overlap < MIN_IOU and shift > MAX_CENTRE_SHIFT:
        return np.inf
    return (1 - overlap) + shift


@dataclass
class Track:
    """One face followed over frames. ``id`` is None until it is confirmed."""

    key: int  # internal, unique
    box: Box
    hits: int = 1
    misses: int = 0
    id: int | None = None


class FaceTracker:
    """Give each face box of a frame the id of the person it belongs to.

    ``update(boxes)`` once per analysed frame; it returns, for each box in order, its
    ``Track``: ``track.id`` is the public id, or None while the track is not yet
    confirmed (``min_hits`` frames); ``track.key`` tells unconfirmed tracks apart.
    """

    def __init__(self, max_misses: int = 12, min_hits: int = 2):
        if max_misses < 0 or min_hits < 1:
            raise ValueError("max_misses must be >= 0 and min_hits >= 1")
        self.max_misses = max_misses
        self.min_hits = min_hits
        self.tracks: list[Track] = []
        self._next_key = 0
        self._next_id = 1

    def update(self, boxes: Sequence[Box]) -> list[Track]:
        """Match this frame's boxes to the tracks; returns each box's track."""
        boxes = [tuple(int(v) for v in b) for b in boxes]
        matches = self._assign(boxes)
        matched: list[Track] = []
        for i, box in enumerate(boxes):
            track = matches.get(i)
            if track is None:
                track = Track(self._next_key, box)
                self._next_key += 1
                self.tracks.append(track)
            else:
                track.box, track.hits, track.misses = box, track.hits + 1, 0
            if track.id is None and track.hits >= self.min_hits:
                track.id, self._next_id = self._next_id, self._next_id + 1
            matched.append(track)
        seen = {t.key for t in matched}
        for track in self.tracks:
            if track.key not in seen:
                track.misses += 1
        self.tracks = [t for t in self.tracks if t.misses <= self.max_misses]
        return matched

    def _assign(self, boxes: list[Box]) -> dict[int, Track]:
        """Box index -> matched track, by the cheapest one-to-one assignment."""
        if not boxes or not self.tracks:
            return {}
        cost = np.array([[match_cost(t.box, b) for b in boxes] for t in self.tracks])
        finite = np.where(np.isfinite(cost), cost, 1e6)
        rows, cols = cheapest_assignment(finite)
        return {int(c): self.tracks[r] for r, c in zip(rows, cols, strict=True)
                if np.isfinite(cost[r, c])}


MAX_TRIED = 720  # assignments all tried at once (6 people in 6 boxes; 3 in 10)


def cheapest_assignment(cost: np.ndarray) -> tuple[list[int], list[int]]:
    """Rows and columns of the one-to-one assignment of least total cost (as
    ``scipy.optimize.linear_sum_assignment``). A frame rarely holds more than a few
    people: then every assignment is tried, and scipy, whose import costs 0.3-0.5 s
    of a 10 s clip's command on 2 cores, loads only for larger ones."""
    n, m = cost.shape
    if n > m:
        cols, rows = cheapest_assignment(cost.T)
        pairs = sorted(zip(rows, cols, strict=True))
        return [r for r, _ in pairs], [c for _, c in pairs]
    if math.perm(m, n) > MAX_TRIED:
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(cost)
        return [int(r) for r in rows], [int(c) for c in cols]
    picks = np.array(list(itertools.permutations(range(m), n)), dtype=np.intp)
    best = picks[int(np.argmin(cost[np.arange(n), picks].sum(axis=1)))]
    return list(range(n)), [int(c) for c in best]
