"""One face at several framings: the proxies that check its crop does not move.

A user may crop a photo tight around a face, send the whole picture, or have the face
touch an edge; the 48x48 square the network sees should be the same. ``reframe``
makes those framings of one picture (a flat or replicated border of 25-100% of its
side, or the face off-centre against an edge) and says where the original now
sits, so ``crop_drift`` can map each framing's crop back and compare it with the
crop of a reference framing (IoU, 1 = the same square).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ..boxes import Box, iou
from ..images import to_gray
from ..labels import EMOTIONS
from .crop import FaceCrop

FLAT_GREY = 128  # the flat border's grey
BORDERS = (0.25, 0.5, 1.0)  # of the picture's side, on every edge
# "textured 50%": a border no detector can see through (smooth noise, as in
# ``photo_proxy``), so the crop must hold by the second look alone.
FRAMINGS = ("fills", *(f"{kind} {round(100 * b)}%" for kind in ("flat", "replicated")
                       for b in BORDERS), "textured 50%", "off-centre, edge")
REFERENCE = "flat 50%"  # the face with room around it: what the others are held to
FLAT_STD = 2.0  # grey-level std of a row or column below which it is flat border
# A replicated border repeats the edge row exactly; near-equal rows are no sign
# (smooth skin and sky rows differ by under 1.5 grey levels on average).


def plain_border(gray: npt.NDArray[np.uint8]) -> Box:
    """The part of ``gray`` inside any plain border, as (x, y, w, h): rows and
    columns at its edges that are flat (one grey) or repeat the next one in (an
    edge replicated outwards). The whole picture when there is none, or when less
    than 24 px would be left.

    Why: a border only makes the faces smaller in the detector's input (BlazeFace
    sees a 256 px copy), and a replicated one smears the face's edge into stripes
    that move its box: a group photo given a 25% flat border lost one of its six
    faces, and a face photo given a replicated border was cut 0.5x (IoU) off its
    square. Looking inside the border sees the picture as it was."""
    h, w = gray.shape
    top, bottom = _plain_run(gray)
    left, right = _plain_run(gray.T)
    if h - top - bottom < 24 or w - left - right < 24:
        return 0, 0, w, h
    return left, top, w - left - right, h - top - bottom


def _plain_run(gray: npt.NDArray[np.uint8]) -> tuple[int, int]:
    """How many rows at the top and at the bottom are plain border."""
    rows = gray.astype(np.int16)
    flat = gray.std(axis=1) <= FLAT_STD
    step = (np.diff(rows, axis=0) == 0).all(axis=1)
    top = flat[:-1] | step  # row i is flat or repeats row i + 1
    bottom = (flat[1:] | step)[::-1]  # row i + 1 is flat or repeats row i
    return _leading(top), _leading(bottom)


def _leading(plain: npt.NDArray[np.bool_]) -> int:
    """The number of True at the start of ``plain``."""
    stop = np.flatnonzero(~plain)
    return int(stop[0]) if stop.size else len(plain)


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
    if kind not in ("flat", "replicated", "textured") or not share.endswith("%"):
        raise ValueError(f"framing must be one of {FRAMINGS}, got {framing!r}")
    pad = round(int(share[:-1]) / 100 * side)
    if kind == "textured":
        h, w = picture.shape
        canvas = texture(h + 2 * pad, w + 2 * pad)
        canvas[pad:pad + h, pad:pad + w] = picture
        return canvas, (pad, pad)
    if kind == "flat":
        return cv2.copyMakeBorder(picture, pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                  value=FLAT_GREY), (pad, pad)
    return cv2.copyMakeBorder(picture, pad, pad, pad, pad, cv2.BORDER_REPLICATE), (
        pad, pad)


def texture(h: int, w: int) -> npt.NDArray[np.uint8]:
    """A smooth random grey scene (the same for the same size)."""
    noise = np.random.default_rng(h * 7919 + w).normal(0, 1, (h // 16 + 2, w // 16 + 2))
    scene = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    scene = (scene - scene.min()) / max(float(np.ptp(scene)), 1e-6)
    return np.clip(255 * (0.2 + 0.6 * scene), 0, 255).astype(np.uint8)


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


SHOWN = ("fills", "flat 25%", "off-centre, edge")  # notebook 04's three framings


@dataclass(frozen=True)
class FramingComparison:
    """One picture at several framings, cut by two finders: each framing's picture,
    and for each finder its crops (None: no face) and their probabilities."""

    pictures: dict[str, npt.NDArray[np.uint8]]
    crops: dict[str, dict[str, FaceCrop | None]]  # finder name -> framing -> crop
    probs: dict[str, dict[str, npt.NDArray[np.float32] | None]]

    def labels(self, finder: str) -> dict[str, str]:
        """Each framing's label with this finder ("no face" when none found)."""
        return {f: EMOTIONS[int(p.argmax())] if p is not None else "no face"
                for f, p in self.probs[finder].items()}


def compare_framings(predictor, picture: npt.NDArray[np.uint8], finders: dict,
                     framings: tuple[str, ...] = SHOWN) -> FramingComparison:
    """``picture`` (RGB or grey) at each framing, cut by each of ``finders`` (name
    -> ``FaceFinder``) and classified by ``predictor`` (its default views)."""
    picture = to_gray(picture)
    pictures = {f: reframe(picture, f)[0] for f in framings}
    crops, probs = {}, {}
    for name, finder in finders.items():
        crops[name] = {f: next(iter(finder.crop(p)), None) for f, p in
                       pictures.items()}
        probs[name] = {f: None if c is None else predictor.predict_faces(
            c.face[None])[0] for f, c in crops[name].items()}
    return FramingComparison(pictures, crops, probs)


def describe_framings(comparison: FramingComparison) -> str:
    """One line per finder: the label at each framing, and whether they agree."""
    lines = []
    for name in comparison.crops:
        labels = comparison.labels(name)
        same = len(set(labels.values())) == 1
        each = ", ".join(f"{label} ({framing})" for framing, label in labels.items())
        lines.append(f"{name}: {each}"
                     + (" - one answer" if same else " - the label moves"))
    return "\n".join(lines)


def plot_framings(comparison: FramingComparison):
    """One row per finder: each framing's picture with the square cut (its 48x48
    crop inset), and the crop's bars beside it."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    names, framings = list(comparison.crops), list(comparison.pictures)
    fig, axes = plt.subplots(len(names), 2 * len(framings),
                             figsize=(4.6 * len(framings), 2.8 * len(names)),
                             gridspec_kw={"width_ratios": [1.2, 1] * len(framings)},
                             squeeze=False, layout="constrained")
    for row, name in enumerate(names):
        for col, framing in enumerate(framings):
            pic_ax, bar_ax = axes[row, 2 * col], axes[row, 2 * col + 1]
            pic_ax.imshow(comparison.pictures[framing], cmap="gray", vmin=0, vmax=255)
            pic_ax.set_axis_off()
            pic_ax.set_title(f"{name}: {framing}", fontsize=9)
            crop, probs = comparison.crops[name][framing], comparison.probs[name][
                framing]
            if crop is None:
                bar_ax.set_axis_off()
                continue
            x, y, w, h = crop.box
            pic_ax.add_patch(Rectangle((x, y), w, h, fill=False, color="lime", lw=1.5))
            ph, pw = comparison.pictures[framing].shape  # show a square past the edge
            pic_ax.set_xlim(min(0, x) - 0.5, max(pw, x + w) - 0.5)
            pic_ax.set_ylim(max(ph, y + h) - 0.5, min(0, y) - 0.5)
            inset = pic_ax.inset_axes([0.0, 0.0, 0.32, 0.32])
            inset.imshow(crop.face, cmap="gray", vmin=0, vmax=255)
            inset.set_axis_off()
            bar_ax.barh(EMOTIONS, probs, color="tab:blue")
            bar_ax.invert_yaxis()
            bar_ax.set_xlim(0, 1)
            bar_ax.tick_params(labelsize=7)
            bar_ax.set_title(f"{EMOTIONS[int(probs.argmax())]} "
                             f"{probs.max():.0%}", fontsize=9)
    return fig


def box_iou(a: Box, b: Box) -> float:
    """IoU of two crop squares (re-exported for the benchmark and tests)."""
    return iou(a, b)
