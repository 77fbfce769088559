"""Notebook 03's figures: confusion, per class, calibration, mistakes, saliency.

Each draws the facts it is given (``metrics``, ``saliency``, an ``Evaluation``);
titles from ``narrate``. Nothing here computes a statistic or runs the model.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import pandas as pd
import seaborn as sns

from .. import narrate
from ..labels import EMOTIONS
from .common import plot_confusion, plot_gallery
from .style import PALETTE, WIDTH, axes_for


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
    fig, ax = axes_for(ax, (WIDTH, 4))
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
    fig, ax = axes_for(ax, (6, 5))
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
