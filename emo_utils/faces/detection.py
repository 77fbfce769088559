"""The one shape every face detector gives: ``Detection`` boxes, and how two looks
at one face become one.

A detector is any object with a ``name`` and ``detect(gray, scan) -> list[Detection]``
(``Detector``): BlazeFace (``blazeface``) and the Haar passes (``haar``) today; a
third is one file with one such class, added to a ``FaceFinder``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ..boxes import Box, intersection, iou

DETECT_MAX_SIDE = 320  # detect on a copy at most this big: ~4x faster than 640 px
MIN_FACE = 0.15  # skip faces under this fraction of the shorter side: 1.5x faster


@dataclass(frozen=True)
class Detection:
    """A face found: its box, tilt and the detector (pass) that found it.

    ``box`` (x, y, w, h) is the upright face box in the image's pixels (centred on
    the face; with ``angle`` != 0 it is the box of the face *after* turning the
    image by ``angle`` degrees about the box centre, which makes the face upright).
    """

    box: Box
    angle: float = 0.0
    found_by: str = "fast"


@dataclass(frozen=True)
class ScanSettings:
    """How finely the Haar scans look: on a copy whose longer side is at most
    ``max_side`` px, for faces at least ``min_face`` of its shorter side."""

    max_side: int = DETECT_MAX_SIDE
    min_face: float = MIN_FACE


class Detector(Protocol):
    """A face detector plug-in: grey uint8 image in, face boxes out."""

    name: str

    def detect(self, gray: npt.NDArray[np.uint8],
               scan: ScanSettings) -> list[Detection]: ...


def merge_detections(found: list[Detection], min_iou: float = 0.3) -> list[Detection]:
    """Non-maximum suppression: overlapping boxes of one face become one (the
    earliest detector's, largest first), so a face is never counted twice."""
    kept: list[Detection] = []
    for det in found:
        if all(iou(det.box, k.box) < min_iou and not _inside(det.box, k.box)
               for k in kept):
            kept.append(det)
    return sorted(kept, key=lambda d: d.box[2] * d.box[3], reverse=True)


def _inside(a: Box, b: Box) -> bool:
    """Most of the smaller box lies within the larger (a face inside a face)."""
    return intersection(a, b) > 0.7 * min(a[2] * a[3], b[2] * b[3])
