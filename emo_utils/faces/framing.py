"""One face at several framings: the proxies that check its crop does not move.

A user may crop a photo tight around a face, send the whole picture, or have the face
touch an edge; the 48x48 square the network sees should be the same. ``reframe``
makes those framings of one picture (a flat or replicated border of 25-100% of its
side, or the face off-centre against an edge) and says where the original now
sits, so ``crop_drift`` can map each framing's crop back and compare it with the
crop of a reference framing (IoU, 1 = the same square).
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from ..boxes import Box, iou
from .crop import FaceCrop

FLAT_GREY = 128  # the flat border's grey
BORDERS = (0.25, 0.5, 1.0)  # of the picture's side, on every edge
FRAMINGS = ("fills", *(f"{kind} {round(100 * b)}%" for kind in ("flat", "replicated")
                       for b in BORDERS), "off-centre, edge")
REFERENCE = "flat 50%"  # the face with room around it: what the others are held to
FLAT_STD = 2.0  # grey-level std of a row or column below which it is flat border


def flat_border(gray: npt.NDArray[np.uint8]) -> Box:
    """The part of ``gray`` inside any flat border (rows and columns of one grey at
    its edges), as (x, y, w, h); the whole picture when it has none or is all flat.

    Why: a flat border only makes the faces smaller in the detector's input
    (BlazeFace sees a 256 px copy): a group photo given a 25% border lost one of
    its six faces. Looking inside the border sees the picture as it was."""
    h, w = gray.shape
    rows = np.flatnonzero(gray.std(axis=1) > FLAT_STD)
    cols = np.flatnonzero(gray.std(axis=0) > FLAT_STD)
    if rows.size == 0 or cols.size == 0:
        return 0, 0, w, h
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    if min(y1 - y0, x1 - x0) < 24:  # too small a middle to hold a face: keep all
        return 0, 0, w, h
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def reframe(picture: npt.NDArray[np.uint8], framing: str
            ) -> tuple[npt.NDArray[np.uint8], tuple[int, int]]:
    """``picture`` (grey) framed as ``framing`` (one of ``FRAMINGS``), and where its
    top-left corner now is (x, y)."""
    side = max(picture.shape)
    if framing == "fills":
        return picture, (0, 0)
    if framing == "off-centre, edge":  # against the left edge, a third of the way down
        h, w = picture.shape
        canvas = np.full((round(1.6 * h), 2 * w), FLAT_GREY, np.uint8)
        top = round(0.15 * h)
        canvas[top:top + h, :w] = picture
        return canvas, (0, top)
    kind, _, share = framing.partition(" ")
    if kind not in ("flat", "replicated") or not share.endswith("%"):
        raise ValueError(f"framing must be one of {FRAMINGS}, got {framing!r}")
    pad = round(int(share[:-1]) / 100 * side)
    if kind == "flat":
        return cv2.copyMakeBorder(picture, pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                  value=FLAT_GREY), (pad, pad)
    return cv2.copyMakeBorder(picture, pad, pad, pad, pad, cv2.BORDER_REPLICATE), (
        pad, pad)


def framed_crop(finder, picture: npt.NDArray[np.uint8], framing: str
                ) -> FaceCrop | None:
    """The largest face's crop in ``picture`` framed as ``framing``, its box moved
    back into ``picture``'s pixels; None when no face is found."""
    framed, (dx, dy) = reframe(picture, framing)
    crops = finder.crop(framed)
    if not crops:
        return None
    crop = crops[0]
    x, y, w, h = crop.box
    return FaceCrop(crop.face, (x - dx, y - dy, w, h), crop.n_faces,
                    crop.used_centre, crop.angle, crop.found_by)


def crop_drift(finder, picture: npt.NDArray[np.uint8],
               framings: tuple[str, ...] = FRAMINGS) -> dict[str, float]:
    """IoU of each framing's crop with the ``REFERENCE`` framing's (0 when either
    finds no face): 1 means the network sees the same square."""
    reference = framed_crop(finder, picture, REFERENCE)
    drift = {}
    for framing in framings:
        crop = framed_crop(finder, picture, framing)
        drift[framing] = (0.0 if crop is None or reference is None
                          else round(iou(crop.box, reference.box), 3))
    return drift


def box_iou(a: Box, b: Box) -> float:
    """IoU of two crop squares (re-exported for the benchmark and tests)."""
    return iou(a, b)
