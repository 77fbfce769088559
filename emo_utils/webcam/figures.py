"""The notebook's figures of predictions on photos: the overlay drawn by matplotlib,
one face with its bars, every face of a group, the hard examples."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ..infer.prediction import Prediction
from ..labels import EMOTIONS
from .describe import count_faces
from .overlay import face_tags, overlay


def draw_overlay(ax, image: npt.NDArray[np.uint8], preds: Sequence[Prediction],
                 chosen: int | None = 0, fontsize: float = 9) -> None:
    """The photo on ``ax`` with ``overlay.overlay``'s marks: each face's (turned) box
    and a label tag that does not cover the others'."""
    import matplotlib.patches as patches

    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
    ax.axis("off")
    if not any(p.found and p.box is not None for p in preds):
        return
    ax.figure.canvas.draw()  # lay the figure out: the axes' size in screen pixels
    per_px = image.shape[1] / max(1.0, ax.get_window_extent().width)  # image px
    font_px = fontsize * ax.figure.dpi / 72  # the font's size in screen pixels
    marks = overlay(preds, image.shape[1::-1], chosen, px=per_px, font_px=font_px)
    for mark in marks:
        ax.add_patch(patches.Rectangle(
            mark.box[:2], *mark.box[2:], angle=mark.angle, rotation_point="center",
            fill=False, lw=2.5 if mark.chosen else 1.8, color=mark.color,
            ls="--" if mark.dashed else "-"))
        tx, ty = mark.tag_xy
        ax.text(tx + 3 * per_px, ty + 3 * per_px, mark.tag,
                color="white", fontsize=fontsize, fontweight="bold", va="top",
                ha="left", bbox={"facecolor": mark.color, "edgecolor": "none",
                                 "pad": 1.5})
    corners = np.concatenate([m.corners() for m in marks])
    h, w = image.shape[:2]  # show boxes that reach past the photo (edge replicated)
    ax.set_xlim(min(-0.5, corners[:, 0].min()), max(w - 0.5, corners[:, 0].max()))
    ax.set_ylim(max(h - 0.5, corners[:, 1].max()), min(-0.5, corners[:, 1].min()))


def plot_prediction(image: npt.NDArray[np.uint8], pred: Prediction):
    """Photo with the face square, the 48x48 network input, and the seven bars."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained",
                             gridspec_kw={"width_ratios": [1.3, 0.8, 1.4]})
    draw_overlay(axes[0], image, [pred])
    axes[0].set_title("photo and face square")
    axes[1].imshow(pred.face, cmap="gray", vmin=0, vmax=255)
    axes[1].set_title("network input, 48×48")
    axes[1].axis("off")
    colors = ["#d62728" if i == int(pred.probs.argmax()) and pred.found else "#1f77b4"
              for i in range(len(EMOTIONS))]
    axes[2].barh(list(EMOTIONS)[::-1], pred.probs[::-1], color=colors[::-1])
    axes[2].set_xlim(0, 1)
    axes[2].set_xlabel("probability")
    axes[2].set_title(f"predicted: {pred.label or 'no face'}")
    return fig


def plot_predictions(image: npt.NDArray[np.uint8], preds: Sequence[Prediction],
                     columns: int = 3):
    """Every face of a photo (``predict_all``): the photo with a numbered, labelled
    box on each face, and beside it the 48x48 crop the network saw for each."""
    import matplotlib.pyplot as plt

    found = [p for p in preds if p.found]
    cols = max(1, min(columns, len(found)))
    rows = max(1, math.ceil(len(found) / cols))
    fig = plt.figure(figsize=(11, max(3.6, 1.5 * rows)), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[2.2, 0.55 * cols + 0.2])
    draw_overlay(left.subplots(), image, found, chosen=None)
    left.suptitle(f"{count_faces(len(found))} found, largest first", fontsize=11)
    axes = np.atleast_1d(right.subplots(rows, cols)).ravel()
    for ax, tag, pred in zip(axes, face_tags(found), found, strict=False):
        ax.imshow(pred.face, cmap="gray", vmin=0, vmax=255)
        ax.set_title(tag, fontsize=10)
    for ax in axes:
        ax.axis("off")
    right.suptitle("what the network saw (48×48)", fontsize=11)
    return fig


def plot_hard_faces(examples: Mapping[str, npt.NDArray[np.uint8]],
                    preds: Mapping[str, Prediction]):
    """For each hard example (``hard_face_examples``): the photo with the (turned)
    face box, titled with the detection pass that found it, and the upright crop the
    network saw."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(examples), figsize=(11, 6.2), layout="constrained",
                             height_ratios=[1.3, 1], squeeze=False)
    for col, (name, image) in enumerate(examples.items()):
        pred = preds[name]
        draw_overlay(axes[0, col], image, [pred])
        how = (f"found by the {pred.found_by!r} pass" if pred.found
               else "no face found")
        axes[0, col].set_title(f"{name}: {how}", fontsize=11)
        axes[1, col].imshow(pred.face, cmap="gray", vmin=0, vmax=255)
        turned = f", turned {pred.angle:g}°" if pred.angle else ""
        axes[1, col].set_title(f"network input{turned}", fontsize=10)
        axes[1, col].axis("off")
    return fig
