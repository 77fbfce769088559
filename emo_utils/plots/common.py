"""Figures both notebooks draw: a gallery of faces with captions, a confusion matrix."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import seaborn as sns

from ..labels import EMOTIONS
from .style import WIDTH, axes_for


def plot_gallery(
    images: npt.NDArray[np.uint8],
    titles: list[str],
    title: str,
    cols: int = 8,
    heats: npt.ArrayLike | None = None,
):
    """A row-major grid of faces with short captions (and optional heat-map
    overlays)."""
    n = max(len(images), 1)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(WIDTH, 1.55 * rows * WIDTH / cols / 1.25), squeeze=False
    )
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            if heats is not None:
                h = heats[i]
                lim = float(np.abs(h).max()) or 1.0
                shown = np.ma.masked_less(h, 0.2 * lim)  # only where it mattered
                ax.imshow(shown, cmap="autumn_r", alpha=0.6, vmin=0, vmax=lim)
            ax.set_title(titles[i], fontsize=9)
    if not len(images):
        axes[0, 0].text(0, 0.5, "(none found)", fontsize=12)
    fig.suptitle(title)
    return fig


def plot_confusion(
    values: npt.ArrayLike,
    ax=None,
    title: str | None = None,
    xlabel: str = "predicted",
    ylabel: str = "true label",
    unit: str = "images",
):
    """Seaborn heat map of a 7x7 confusion matrix (counts, or % of each true class)."""
    fig, ax = axes_for(ax, (6.5, 5.5))
    sns.heatmap(
        np.asarray(values, dtype=float),
        annot=True,
        fmt=".0f",
        cmap="Blues",
        square=True,
        ax=ax,
        xticklabels=EMOTIONS,
        yticklabels=EMOTIONS,
        annot_kws={"fontsize": 10},
        cbar_kws={"label": unit, "shrink": 0.8},
    )
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.tick_params(axis="x", rotation=45)
    ax.tick_params(axis="y", rotation=0)
    if title:
        ax.set_title(title)
    return fig
