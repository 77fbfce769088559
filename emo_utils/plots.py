"""Every figure notebooks 01 and 03 show; each draws the facts it is given.

Nothing here computes a statistic or runs the model: the facts come from explore,
ferplus, metrics, saliency and evaluate, the titles from narrate. Each function
returns its matplotlib Figure (None when given None: data the notebook does not have).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import pandas as pd
import seaborn as sns

from . import narrate
from .display import say  # noqa: F401  (notebook 04 still calls plots.say)
from .labels import EMOTIONS, NUM_CLASSES

WIDTH = 10
PALETTE = dict(zip(EMOTIONS, sns.color_palette("tab10", NUM_CLASSES), strict=True))
_SHORT_SPLIT = {"Training": "train", "PublicTest": "public", "PrivateTest": "private"}


def set_style() -> None:
    """Readable defaults at notebook width: font >= 11, light grid, tight layout."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.05)
    plt.rcParams.update(
        {
            "figure.figsize": (WIDTH, 4.5),
            "figure.dpi": 90,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            "figure.titlesize": 14,
            "axes.titleweight": "bold",
            "figure.titleweight": "bold",
            "figure.constrained_layout.use": True,
        }
    )


def save_figures(makers: dict[str, Callable], folder: str | os.PathLike) -> list[Path]:
    """Draw each figure (name: function returning it), save it as folder/name.png and
    close it; one at a time, so a long list never holds every figure in memory."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    set_style()
    paths = []
    for name, make in makers.items():
        fig = make()
        fig.savefig(folder / f"{name}.png")
        plt.close(fig)
        paths.append(folder / f"{name}.png")
    return paths


def _axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


# ------------------------------------------------------------ 01: the data
def plot_class_balance(balance, ax=None, title: str | None = None):
    """Share of each class per split (an explore.Balance), the rarest called out."""
    fig, ax = _axes(ax, (WIDTH, 4.5))
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


# ------------------------------------------------------------ 03: evaluation
def plot_confusion(
    values: npt.ArrayLike,
    ax=None,
    title: str | None = None,
    xlabel: str = "predicted",
    ylabel: str = "true label",
    unit: str = "images",
):
    """Seaborn heat map of a 7x7 confusion matrix (counts, or % of each true class)."""
    fig, ax = _axes(ax, (6.5, 5.5))
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


def plot_confusion_pair(counts: npt.ArrayLike, percent: npt.ArrayLike, title=None):
    """Counts (left) and row-normalised % (right) side by side."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH + 2, 5.2))
    plot_confusion(counts, ax=left, title="counts")
    plot_confusion(
        percent,
        ax=right,
        unit="% of true class",
        title="% of each true class (rows sum to 100)",
    )
    if title:
        fig.suptitle(title)
    return fig


def plot_confused_pairs(pairs: pd.DataFrame, ax=None, title: str | None = None):
    """Most-confused (true -> predicted) pairs (metrics.most_confused), ranked by
    share of the true class."""
    fig, ax = _axes(ax, (WIDTH, 4))
    names = [f"{p.true} -> {p.predicted}" for p in pairs.itertuples()]
    rates = (100 * pairs["rate"]).tolist()
    sns.barplot(x=rates, y=names, ax=ax, color="C3")
    for i, count in enumerate(pairs["count"]):
        ax.text(rates[i] + 0.5, i, f"{count} faces", va="center", fontsize=10)
    ax.set(
        xlabel="% of the true class predicted as the other", ylabel="true -> predicted"
    )
    title = title or narrate.confused_pairs_title(pairs)
    if title:
        ax.set_title(title)
    return fig


def plot_per_class(
    per_class: pd.DataFrame, train_share: pd.Series, spearman: float, title=None
):
    """Precision/recall/F1 per class (left) and recall vs % of training faces (right,
    with the rank correlation ``spearman``)."""
    frame = (
        per_class[["precision", "recall", "f1"]]
        .rename_axis("emotion")
        .reset_index()
        .melt(id_vars="emotion", var_name="metric", value_name="value")
    )
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(WIDTH, 4.2), gridspec_kw={"width_ratios": [1.6, 1]}
    )
    sns.barplot(frame, x="emotion", y="value", hue="metric", ax=left)
    left.set(xlabel="", ylabel="score", ylim=(0, 1), title="Per-class scores")
    left.set_ylim(0, 1.2)
    left.legend(ncols=3, loc="upper center", fontsize=10)
    left.tick_params(axis="x", rotation=45)
    for c in EMOTIONS:
        x, y = 100 * train_share[c], per_class.loc[c, "recall"]
        right.scatter(x, y, s=60, color=PALETTE[c])
        right.annotate(
            c, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=10
        )
    right.set(
        xlabel="% of training faces",
        ylabel="recall on test",
        ylim=(0, 1),
        title=f"Recall vs training share (Spearman {spearman:+.2f})",
    )
    if title:
        fig.suptitle(title)
    return fig


def plot_reliability(reliability, ax=None, title: str | None = None):
    """Reliability diagram of a metrics.Reliability: accuracy vs confidence per bin,
    with the diagonal."""
    fig, ax = _axes(ax, (6, 5))
    edges = np.asarray(reliability.edges)
    centres = (edges[:-1] + edges[1:]) / 2
    acc = np.array([np.nan if a is None else a for a in reliability.accuracy])
    conf = np.array([np.nan if c is None else c for c in reliability.confidence])
    ax.bar(
        centres,
        acc,
        width=np.diff(edges) * 0.9,
        color="C0",
        alpha=0.8,
        label="accuracy in bin",
    )
    ax.plot(centres, conf, "o", color="C3", label="mean confidence in bin")
    ax.plot([0, 1], [0, 1], "k--", label="perfect calibration")
    for x, n in zip(centres, reliability.count, strict=True):
        if n:
            ax.text(
                x, 0.02, str(n), ha="center", fontsize=8, rotation=90, color="white"
            )
    ax.set(
        xlabel="confidence (max probability)",
        ylabel="accuracy",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", fontsize=9)
    return fig



def plot_reliability_pair(before, after, titles: tuple[str, str]):
    """Two reliability diagrams side by side: raw network, then calibrated."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    plot_reliability(before, ax=axes[0], title=titles[0])
    plot_reliability(after, ax=axes[1], title=titles[1])
    axes[1].set_ylabel("")
    if axes[1].get_legend():
        axes[1].get_legend().remove()
    return fig


def plot_pair_mistakes(images: npt.NDArray[np.uint8], mistakes: pd.DataFrame, cols):
    """Confident mistakes (evaluate.Evaluation.pair_mistakes): each face with
    P(predicted) / P(true) under it."""
    captions = [
        f"{m.true}->{m.predicted}\nP={m.p_predicted:.2f} / {m.p_true:.2f}"
        for m in mistakes.itertuples()
    ]
    return plot_gallery(
        images[mistakes["index"].to_numpy(dtype=int)],
        captions,
        "Confident mistakes: P(predicted) / P(true) under each face",
        cols=cols,
    )


def plot_saliency(maps):
    """Occlusion maps (a saliency.SaliencyMaps) over their faces; None for None."""
    if maps is None:
        return None
    captions = [f"{e.true}: {e.kind}\nsaw {e.seen}" for e in maps.examples.itertuples()]
    return plot_gallery(
        maps.images,
        captions,
        "Where the model looks (coloured = hiding it lowers the predicted class)",
        cols=4,
        heats=maps.heats,
    )
