"""What is drawn over a photo: each face's box, tilt, label tag, colour and tag spot.

Computed once by ``overlay()`` and drawn alike by HTML (``html.picture_html``) and by
matplotlib (``figures.draw_overlay``), so the app and the notebook figures show the
same boxes, tags and colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..boxes import intersection
from ..infer.prediction import Prediction

CHOSEN_COLOR, OTHER_COLOR = "#2ca02c", "#1f77b4"  # the face the bars show / the others
TAG_FONT_PX = 12.0  # the app's tag font: bold 12 px sans-serif


@dataclass(frozen=True)
class FaceMark:
    """One face as drawn: box (x, y, w, h) and tag corner in the photo's pixels.

    ``angle`` turns the box about its centre (the face's tilt, degrees, clockwise on
    screen); ``dashed`` marks the centre square used when no face was found."""

    number: int  # 1-based, largest face first
    label: str
    box: tuple[float, float, float, float]
    angle: float
    tag: str
    tag_xy: tuple[float, float]
    tag_size: tuple[float, float]
    color: str
    chosen: bool
    dashed: bool

    def corners(self) -> npt.NDArray[np.float64]:
        """The four corners (4,2) of the turned box."""
        return turned_corners(self.box, self.angle)


def face_tags(preds: Sequence[Prediction]) -> list[str]:
    """The text on each face's box: "happy 92%", numbered "1 happy 92%" in a group."""
    found = [p for p in preds if p.found]
    number = len(found) > 1
    return [f"{f'{i} ' if number else ''}{p.label} {p.confidence:.0%}"
            for i, p in enumerate(found, 1)]


def tag_size(text: str, font_px: float) -> tuple[float, float]:
    """Width and height, in screen pixels, of a bold label tag in a ``font_px`` font
    with its padding."""
    return 0.6 * font_px * len(text) + 8, 1.5 * font_px


def overlay(preds: Sequence[Prediction], size: tuple[int, int],
            chosen: int | None = 0, px: float = 1.0,
            font_px: float = TAG_FONT_PX) -> list[FaceMark]:
    """The marks of every found face of a ``size`` (w, h) photo, largest first.

    ``px``: photo pixels per screen pixel where it is drawn (the tags keep their
    screen size); ``chosen``: the face whose bars are shown (green), None for none.
    """
    found = [p for p in preds if p.found and p.box is not None]
    tags = face_tags(found)
    sizes = [tuple(px * v for v in tag_size(t, font_px)) for t in tags]
    spots = place_tags([p.box for p in found], sizes, size)
    return [
        FaceMark(i + 1, p.label, tuple(float(v) for v in p.box), float(p.angle), tag,
                 spot, tsize, CHOSEN_COLOR if i == chosen else OTHER_COLOR,
                 i == chosen, p.n_faces == 0)
        for i, (p, tag, spot, tsize) in enumerate(
            zip(found, tags, spots, sizes, strict=True))
    ]


def place_tags(boxes: Sequence[tuple[float, float, float, float]],
               sizes: Sequence[tuple[float, float]],
               view: tuple[float, float]) -> list[tuple[float, float]]:
    """Top-left corners for label tags of ``sizes`` (w, h) on ``boxes`` (x, y, w, h),
    all in one unit, inside a ``view`` (w, h): above each box, else below it, else
    inside its top edge; never over a tag placed before (the largest face first).

    Why: in a group photo the faces stand side by side and their tags would cover
    each other."""
    placed: list[tuple[float, float, float, float]] = []
    for (x, y, _, h), (tw, th) in zip(boxes, sizes, strict=True):
        tx = min(max(0.0, x), max(0.0, view[0] - tw))
        inside = min(max(0.0, y), max(0.0, view[1] - th))
        for ty in (y - th, y + h, inside):
            if 0 <= ty <= view[1] - th and not any(
                    intersection((tx, ty, tw, th), r) > 0 for r in placed):
                break
        else:
            ty = inside
        placed.append((tx, ty, tw, th))
    return [(x, y) for x, y, _, _ in placed]


def turned_corners(box: Sequence[float], angle: float) -> npt.NDArray[np.float64]:
    """The four corners (4,2) of ``box`` turned by ``angle`` degrees about its centre,
    clockwise on screen (as CSS ``rotate`` and matplotlib's ``Rectangle`` turn it)."""
    x, y, w, h = box
    t = np.radians(angle)
    turn = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    offsets = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    return offsets @ turn.T + (x + w / 2, y + h / 2)
