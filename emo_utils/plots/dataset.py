"""Notebook 01's figures: the data set (balance, faces, pixels, problems, FER+).

Each draws the facts it is given (``explore``, ``ferplus``); titles from ``narrate``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import seaborn as sns

from .. import narrate
from ..labels import EMOTIONS, NUM_CLASSES
from .common import plot_confusion, plot_gallery
from .style import PALETTE, WIDTH, axes_for

_SHORT_SPLIT = {"Training": "train", "PublicTest": "public", "PrivateTest": "private"}

def plot_class_balance(balance, ax=None, title: str | None = None):
    """Share of each class per split (an explore.Balance), the rarest called out."""
    fig, ax = axes_for(ax, (WIDTH, 4.5))
    sizes = balance.counts.sum()
    frame = (
        balance.shares.rename(columns=lambda s: f"{s} (n={sizes[s]})")
        .rename_axis("emotion")
        .reset_index()
        .melt(id_vars="emotion", var_name="split", value_name="share")
    )
    sns.barplot(frame, x="emotion", y="share", hue="split", ax=ax)
    rare = balance.rarest
    ax.set(xlabel="emotion (FER2013 label order)", ylabel="% of the split's faces")
    ax.set_title(title or narrate.balance_title(balance))
    ax.text(
        EMOTIONS.index(rare) - 0.2,
        balance.shares.loc[rare, balance.split] + 1.5,
        f"{balance.counts.loc[rare, balance.split]} faces",
        ha="center",
        fontsize=11,
        color="C3",
    )
    ax.legend(title="split")
    return fig


def plot_face_grid(images: npt.NDArray[np.uint8], picks: np.ndarray):
    """Faces in a grid, one row per class: ``picks`` (7, k) indices, -1 = none."""
    per_class = picks.shape[1]
    fig, axes = plt.subplots(
        NUM_CLASSES, per_class, figsize=(8, 8 * NUM_CLASSES / per_class * 0.95)
    )
    for c, name in enumerate(EMOTIONS):
        for j, i in enumerate(picks[c]):
            ax = axes[c, j]
            ax.axis("off")
            if i >= 0:
                ax.imshow(
                    images[i], cmap="gray", vmin=0, vmax=255, interpolation="nearest"
                )
        axes[c, 0].text(-8, 24, name, ha="right", va="center", fontsize=12)
    fig.suptitle("Random faces per class: many are ambiguous even to people")
    return fig


def plot_mean_faces(mean_faces, title: str | None = None):
    """Mean face per class (top) and its difference from the overall mean (bottom)."""
    fig, axes = plt.subplots(2, NUM_CLASSES + 1, figsize=(WIDTH, 3.4))
    diff = mean_faces.diff
    lim = float(np.nanmax(np.abs(diff))) or 1.0
    for c in range(NUM_CLASSES + 1):
        top, bottom = axes[0, c], axes[1, c]
        top.axis("off")
        bottom.axis("off")
        if c < NUM_CLASSES:
            top.imshow(mean_faces.per_class[c], cmap="gray", interpolation="nearest")
            top.set_title(EMOTIONS[c], fontsize=11)
            im = bottom.imshow(
                diff[c], cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest"
            )
        else:
            top.imshow(mean_faces.overall, cmap="gray", interpolation="nearest")
            top.set_title("all", fontsize=11)
    fig.colorbar(im, ax=axes[1, -1], fraction=0.9, label="grey levels vs. mean")
    axes[0, 0].text(-6, 24, "mean", ha="right", va="center", fontsize=11)
    axes[1, 0].text(-6, 24, "minus\nall", ha="right", va="center", fontsize=11)
    fig.suptitle(title or narrate.mean_faces_title(mean_faces))
    return fig


def plot_pixel_distributions(pixels, title: str | None = None):
    """Pixel-intensity histogram per class (left) and per-image contrast (right), from
    an explore.PixelStats."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 4))
    for name, density in pixels.histograms.items():
        left.plot(pixels.histograms.index, density, label=name, color=PALETTE[name])
    left.set(
        xlabel="pixel intensity (0 black - 255 white)",
        ylabel="density",
        title=title or narrate.pixels_title(pixels),
    )
    left.legend(fontsize=9, ncols=2)
    sns.boxplot(
        pixels.contrast,
        x="contrast",
        y="emotion",
        order=list(EMOTIONS),
        ax=right,
        hue="emotion",
        palette=PALETTE,
        fliersize=2,
    )
    right.set(
        xlabel="per-image std of pixels (contrast)",
        ylabel="",
        title="Contrast: brightness alone cannot tell emotions apart",
    )
    return fig




def plot_problems(images: npt.NDArray[np.uint8], problems, title: str | None = None):
    """The example faces of an explore.Problems, captioned with kind, label, split."""
    ex = problems.examples
    captions = [
        f"{r.kind}\n{r.emotion}, {_SHORT_SPLIT.get(r.split, r.split)}"
        for r in ex.itertuples()
    ]
    return plot_gallery(
        images[ex["index"].to_numpy(dtype=int)],
        captions,
        title or narrate.problems_title(problems),
    )


def plot_ferplus_agreement(agreement, title: str | None = None):
    """FER+ votes per majority class (left) and vote entropy per class (right), from a
    ferplus.Agreement."""
    if agreement is None:
        return None
    stats = agreement.stats
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(WIDTH, 4.6), gridspec_kw={"width_ratios": [1.7, 1]}
    )
    sns.heatmap(
        100 * agreement.votes,
        annot=True,
        fmt=".0f",
        cmap="Blues",
        cbar=False,
        ax=left,
        annot_kws={"fontsize": 9},
    )
    left.set(
        xlabel="what the ten annotators voted (% of votes)",
        ylabel="FER+ majority class",
        title="Where the votes go",
    )
    left.tick_params(axis="x", rotation=45)
    order = stats.sort_values("entropy_bits").index
    sns.barplot(
        x=stats.loc[order, "entropy_bits"],
        y=list(order),
        ax=right,
        hue=list(order),
        palette=PALETTE,
    )
    right.set(
        xlabel="mean vote entropy (bits; 0 = unanimous)",
        ylabel="",
        title="Disagreement per class",
    )
    fig.suptitle(title or narrate.ferplus_title(agreement))
    return fig


def plot_label_disagreement(comparison, title: str | None = None):
    """Heat map FER2013 label vs FER+ majority (a ferplus.LabelComparison), when the
    rows line up; None otherwise."""
    if comparison is None or comparison.confusion is None:
        return None
    return plot_confusion(
        comparison.percent,
        unit="% of true class",
        xlabel="FER+ majority of ten votes",
        ylabel="FER2013 label",
        title=title or narrate.label_disagreement_title(comparison),
    )


