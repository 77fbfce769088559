"""Every figure notebooks 01 and 03 show; each returns its matplotlib Figure.

Titles state the answer, axes are labelled, and text stays readable at notebook width.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import seaborn as sns

from .labels import EMOTIONS, NUM_CLASSES

WIDTH = 10
PALETTE = dict(zip(EMOTIONS, sns.color_palette("tab10", NUM_CLASSES), strict=True))


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


def say(text: str) -> None:
    """Show computed text as Markdown under a figure (plain print outside Jupyter)."""
    if "inline" in plt.get_backend():
        plt.show()  # figures first, so the sentence sits under the figure it reads
    try:
        from IPython.display import Markdown, display

        display(Markdown(text))
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        print(text)


def _axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_class_balance(dataset, ax=None):
    """Share of each class per split, as bars; the rarest training class is called
    out."""
    import pandas as pd

    fig, ax = _axes(ax, (WIDTH, 4.5))
    rows = []
    for split in dataset.split_names:
        labels = dataset.split(split)[1]
        counts = np.bincount(labels, minlength=NUM_CLASSES)
        for i, name in enumerate(EMOTIONS):
            rows.append(
                {
                    "emotion": name,
                    "split": f"{split} (n={len(labels)})",
                    "share": 100 * counts[i] / max(len(labels), 1),
                    "count": counts[i],
                }
            )
    frame = pd.DataFrame(rows)
    sns.barplot(frame, x="emotion", y="share", hue="split", ax=ax)
    first = frame[frame["split"] == frame["split"].iloc[0]]
    rare = first.loc[first["share"].idxmin()]
    ax.set(xlabel="emotion (FER2013 label order)", ylabel="% of the split's faces")
    common = first["share"].max()
    verdict = "far from balanced" if common > 1.5 * rare["share"] else "balanced"
    ax.set_title(
        f"{rare['emotion'].capitalize()} is only {rare['share']:.1f}% of "
        f"{frame['split'].iloc[0].split()[0]}: the classes are {verdict}"
    )
    ax.text(
        EMOTIONS.index(rare["emotion"]) - 0.2,
        rare["share"] + 1.5,
        f"{rare['count']} faces",
        ha="center",
        fontsize=11,
        color="C3",
    )
    ax.legend(title="split")
    return fig


def plot_face_grid(
    images: npt.NDArray[np.uint8],
    labels: npt.ArrayLike,
    per_class: int = 8,
    seed: int = 0,
):
    """A random sample of faces, one row per class."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(
        NUM_CLASSES, per_class, figsize=(8, 8 * NUM_CLASSES / per_class * 0.95)
    )
    for c, name in enumerate(EMOTIONS):
        idx = np.flatnonzero(labels == c)
        pick = (
            rng.choice(idx, size=min(per_class, len(idx)), replace=False)
            if len(idx)
            else []
        )
        for j in range(per_class):
            ax = axes[c, j]
            ax.axis("off")
            if j < len(pick):
                ax.imshow(
                    images[pick[j]],
                    cmap="gray",
                    vmin=0,
                    vmax=255,
                    interpolation="nearest",
                )
        axes[c, 0].text(-8, 24, name, ha="right", va="center", fontsize=12)
    fig.suptitle("Random faces per class: many are ambiguous even to people")
    return fig


def plot_mean_faces(per_class: np.ndarray, overall: np.ndarray):
    """Mean face per class (top) and its difference from the overall mean (bottom)."""
    fig, axes = plt.subplots(2, NUM_CLASSES + 1, figsize=(WIDTH, 3.4))
    diff = per_class - overall
    lim = float(np.nanmax(np.abs(diff))) or 1.0
    for c in range(NUM_CLASSES + 1):
        top, bottom = axes[0, c], axes[1, c]
        top.axis("off")
        bottom.axis("off")
        if c < NUM_CLASSES:
            top.imshow(per_class[c], cmap="gray", interpolation="nearest")
            top.set_title(EMOTIONS[c], fontsize=11)
            im = bottom.imshow(
                diff[c], cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest"
            )
        else:
            top.imshow(overall, cmap="gray", interpolation="nearest")
            top.set_title("all", fontsize=11)
    fig.colorbar(im, ax=axes[1, -1], fraction=0.9, label="grey levels vs. mean")
    axes[0, 0].text(-6, 24, "mean", ha="right", va="center", fontsize=11)
    axes[1, 0].text(-6, 24, "minus\nall", ha="right", va="center", fontsize=11)
    worst = int(np.nanargmax(np.abs(diff).reshape(NUM_CLASSES, -1).mean(axis=1)))
    fig.suptitle(
        f"{EMOTIONS[worst].capitalize()}'s mean face differs most from the average "
        "(red: brighter, blue: darker)"
    )
    return fig


def plot_pixel_distributions(
    images: npt.NDArray[np.uint8],
    labels: npt.ArrayLike,
    max_images: int = 2000,
    seed: int = 0,
):
    """Pixel-intensity histogram per class (left) and per-image contrast (right)."""
    import pandas as pd

    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(labels), size=min(max_images, len(labels)), replace=False)
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 4))
    for c, name in enumerate(EMOTIONS):
        sel = pick[labels[pick] == c]
        if len(sel):
            hist, edges = np.histogram(
                images[sel], bins=32, range=(0, 256), density=True
            )
            left.plot(edges[:-1] + 4, hist, label=name, color=PALETTE[name])
    gaps = [
        np.abs(
            np.histogram(images[pick[labels[pick] == c]], 32, (0, 256))[0]
            / max((labels[pick] == c).sum() * 2304, 1)
            - np.histogram(images[pick], 32, (0, 256))[0] / (len(pick) * 2304)
        ).sum()
        / 2
        for c in range(NUM_CLASSES)
        if (labels[pick] == c).any()
    ]
    verdict = "almost identical" if max(gaps) < 0.1 else "different"
    left.set(
        xlabel="pixel intensity (0 black - 255 white)",
        ylabel="density",
        title=f"Intensities: {verdict} across classes",
    )
    left.legend(fontsize=9, ncols=2)
    frame = pd.DataFrame(
        {
            "emotion": [EMOTIONS[c] for c in labels[pick]],
            "contrast": images[pick].reshape(len(pick), -1).std(axis=1),
        }
    )
    sns.boxplot(
        frame,
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
    heats: list[np.ndarray] | None = None,
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
            if heats is not None and heats[i] is not None:
                h = heats[i]
                lim = float(np.abs(h).max()) or 1.0
                shown = np.ma.masked_less(h, 0.2 * lim)  # only where it mattered
                ax.imshow(shown, cmap="autumn_r", alpha=0.6, vmin=0, vmax=lim)
            ax.set_title(titles[i], fontsize=9)
    if not len(images):
        axes[0, 0].text(0, 0.5, "(none found)", fontsize=12)
    fig.suptitle(title)
    return fig


def plot_problems(dataset, summary: dict, max_groups: int = 4):
    """Near-duplicates with conflicting labels, blank images and the least face-like
    images."""
    labels, usage = np.asarray(dataset.labels), np.asarray(dataset.usage)
    groups = (summary["conflicting_groups"] or summary["duplicate_groups"])[:max_groups]
    # each group: its first face and the first one labelled differently (if any)
    idx = []
    for g in groups:
        other = [i for i in g[1:] if labels[i] != labels[g[0]]] or list(g[1:2])
        idx += [int(g[0]), int(other[0])]
    dup_set = set(idx)
    extra = list(summary["blank"][:4]) + [
        i for i in summary["outliers"] if i not in set(summary["blank"])
    ]
    idx += [int(i) for i in extra[: 16 - len(idx)]]
    titles = []
    blank = set(summary["blank"].tolist())
    for i in idx:
        kind = "duplicate" if i in dup_set else "blank" if i in blank else "outlier"
        split = {"Training": "train", "PublicTest": "public", "PrivateTest": "private"}
        titles.append(f"{kind}\n{EMOTIONS[labels[i]]}, {split.get(usage[i], usage[i])}")
    return plot_gallery(
        dataset.images[idx],
        titles,
        f"Found by code: {len(summary['duplicate_groups'])} duplicate groups, "
        f"{len(summary['blank'])} blank, and the images least like the mean face",
    )


def plot_ferplus_agreement(ferplus):
    """FER+ votes per majority class (left) and vote entropy per class (right)."""
    from .ferplus import agreement_stats, vote_distribution

    dist = vote_distribution(ferplus)
    stats = agreement_stats(ferplus)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(WIDTH, 4.6), gridspec_kw={"width_ratios": [1.7, 1]}
    )
    sns.heatmap(
        100 * dist,
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
    most = stats["entropy_bits"].idxmax()
    fig.suptitle(
        f"Annotators agree on happy, split on {most}: "
        f"its winner gets only {stats.loc[most, 'winner_share']:.0%} of votes"
    )
    return fig


def describe_ferplus(ferplus) -> str:
    """Sentences reading the FER+ agreement numbers."""
    from .ferplus import agreement_stats

    s = agreement_stats(ferplus)
    lo, hi = s["entropy_bits"].idxmin(), s["entropy_bits"].idxmax()
    return (
        f"For {lo} faces the winning emotion gets {s.loc[lo, 'winner_share']:.0%} of "
        "the "
        f"ten votes on average ({s.loc[lo, 'unanimous']:.0%} unanimous); for {hi} only "
        f"{s.loc[hi, 'winner_share']:.0%} ({s.loc[hi, 'unanimous']:.1%} unanimous). "
        "When "
        "people split like this, one label per face is partly a coin toss: that is why "
        "human accuracy on FER2013 is about 65% and no model reaches 100%."
    )


def plot_confusion(
    cm: npt.ArrayLike,
    normalize: bool = False,
    ax=None,
    title: str | None = None,
    xlabel: str = "predicted",
    ylabel: str = "true label",
):
    """Seaborn heat map of a 7x7 confusion matrix (counts, or % of each true class)."""
    cm = np.asarray(cm, dtype=float)
    fig, ax = _axes(ax, (6.5, 5.5))
    data = 100 * cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    sns.heatmap(
        data,
        annot=True,
        fmt=".0f",
        cmap="Blues",
        square=True,
        ax=ax,
        xticklabels=EMOTIONS,
        yticklabels=EMOTIONS,
        annot_kws={"fontsize": 10},
        cbar_kws={"label": "% of true class" if normalize else "images", "shrink": 0.8},
    )
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.tick_params(axis="x", rotation=45)
    ax.tick_params(axis="y", rotation=0)
    if title:
        ax.set_title(title)
    return fig


def plot_confusion_pair(result: dict):
    """Counts (left) and row-normalised % (right) side by side, titled with the worst
    pair."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH + 2, 5.2))
    plot_confusion(result["confusion"], ax=left, title="counts")
    plot_confusion(
        result["confusion"],
        normalize=True,
        ax=right,
        title="% of each true class (rows sum to 100)",
    )
    top = result["most_confused"][0] if result["most_confused"] else None
    if top:
        fig.suptitle(
            f"Most confused: {top['rate']:.0%} of {top['true']} faces are called "
            f"{top['predicted']}  ({result['split']}, n={result['n']})"
        )
    return fig


def plot_confused_pairs(result: dict, ax=None):
    """The most-confused (true -> predicted) pairs, ranked by share of the true
    class."""
    pairs = result["most_confused"]
    fig, ax = _axes(ax, (WIDTH, 4))
    names = [f"{p['true']} -> {p['predicted']}" for p in pairs]
    rates = [100 * p["rate"] for p in pairs]
    sns.barplot(x=rates, y=names, ax=ax, color="C3")
    for i, p in enumerate(pairs):
        ax.text(rates[i] + 0.5, i, f"{p['count']} faces", va="center", fontsize=10)
    ax.set(
        xlabel="% of the true class predicted as the other", ylabel="true -> predicted"
    )
    if pairs:
        ax.set_title(f"Ranked mix-ups: {names[0]} leads with {rates[0]:.0f}%")
    return fig


def plot_per_class(result: dict):
    """Precision/recall/F1 per class (left) and recall vs training share (right)."""
    import pandas as pd

    per = result["per_class"]
    frame = pd.DataFrame(
        [
            {"emotion": c, "metric": m, "value": per[c][m]}
            for c in EMOTIONS
            for m in ("precision", "recall", "f1")
        ]
    )
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(WIDTH, 4.2), gridspec_kw={"width_ratios": [1.6, 1]}
    )
    sns.barplot(frame, x="emotion", y="value", hue="metric", ax=left)
    left.set(xlabel="", ylabel="score", ylim=(0, 1), title="Per-class scores")
    left.set_ylim(0, 1.2)
    left.legend(ncols=3, loc="upper center", fontsize=10)
    left.tick_params(axis="x", rotation=45)
    train = np.asarray(result["class_counts_train"], dtype=float)
    share = 100 * train / max(train.sum(), 1)
    recall = [per[c]["recall"] for c in EMOTIONS]
    from scipy.stats import spearmanr

    spearman = float(spearmanr(share, recall).statistic)
    for i, c in enumerate(EMOTIONS):
        right.scatter(share[i], recall[i], s=60, color=PALETTE[c])
        right.annotate(
            c,
            (share[i], recall[i]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=10,
        )
    right.set(
        xlabel="% of training faces",
        ylabel="recall on test",
        ylim=(0, 1),
        title=f"Recall vs training share (Spearman {spearman:+.2f})",
    )
    worst = min(EMOTIONS, key=lambda c: per[c]["f1"])
    fig.suptitle(
        f"Macro-F1 {result['macro_f1']:.2f}: {worst} is the weakest class "
        f"(F1 {per[worst]['f1']:.2f})"
    )
    return fig


def plot_reliability(result: dict, ax=None):
    """Reliability diagram: accuracy vs confidence per bin, with the diagonal and the
    ECE."""
    bins = result["reliability"]
    fig, ax = _axes(ax, (6, 5))
    edges = np.asarray(bins["edges"])
    centres = (edges[:-1] + edges[1:]) / 2
    acc = np.array([np.nan if a is None else a for a in bins["accuracy"]])
    conf = np.array([np.nan if c is None else c for c in bins["confidence"]])
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
    for x, n in zip(centres, bins["count"], strict=True):
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
    gap = np.nansum((conf - acc) * np.asarray(bins["count"])) / max(
        sum(bins["count"]), 1
    )
    verdict = (
        "overconfident"
        if gap > 0.01
        else "underconfident"
        if gap < -0.01
        else "well calibrated"
    )
    ax.set_title(f"ECE {result['ece']:.3f}: the model is {verdict}")
    ax.legend(loc="upper left", fontsize=9)
    return fig


def describe_reliability(result: dict) -> str:
    """Sentences reading the calibration numbers."""
    wrong = max(1 - result["accuracy"], 1e-9)
    runner_up = (result["top2_accuracy"] - result["accuracy"]) / wrong
    return (
        f"Expected calibration error is {result['ece']:.3f}: on average the stated "
        f"confidence is {100 * result['ece']:.1f} points away from how often the model "
        f"is right. Top-2 accuracy is {result['top2_accuracy']:.1%} against "
        f"{result['accuracy']:.1%} top-1: when the first guess is wrong, the "
        f"runner-up is right {runner_up:.0%} of the time."
    )


def plot_pair_mistakes(images, labels, probs, pairs, k: int = 4):
    """For each (true, predicted) pair: its k most confident mistakes with both
    probabilities."""
    from .evaluate import pair_examples

    shown, titles = [], []
    for true, pred in pairs:
        for i in pair_examples(labels, probs, true, pred, k):
            shown.append(images[i])
            titles.append(
                f"{true}->{pred}\nP={probs[i, EMOTIONS.index(pred)]:.2f} / "
                f"{probs[i, EMOTIONS.index(true)]:.2f}"
            )
    return plot_gallery(
        np.array(shown),
        titles,
        "Confident mistakes: P(predicted) / P(true) under each face",
        cols=2 * k if len(pairs) > 1 else k,
    )


def plot_saliency(predictor, images, labels, probs, pairs, seed: int = 0):
    """Occlusion maps for one correct and one wrong example per confused pair."""
    from .evaluate import occlusion_map, pair_examples

    pred = probs.argmax(1)
    shown, titles, heats = [], [], []
    rng = np.random.default_rng(seed)
    for true, other in pairs:
        t = EMOTIONS.index(true)
        right = np.flatnonzero((labels == t) & (pred == t))
        wrong = pair_examples(labels, probs, true, other, 1)
        for kind, idx in (
            ("right", right[:0] if not len(right) else rng.choice(right, 1)),
            ("wrong", wrong),
        ):
            for i in idx:
                cls = int(pred[i])
                shown.append(images[i])
                heats.append(occlusion_map(predictor, images[i], cls))
                titles.append(f"{true}: {kind}\nsaw {EMOTIONS[cls]}")
    fig = plot_gallery(
        np.array(shown),
        titles,
        "Where the model looks (coloured = hiding it lowers the predicted class)",
        cols=4,
        heats=heats,
    )
    fig.heats = heats  # for describe_saliency
    return fig


def describe_saliency(heats: list[np.ndarray]) -> str:
    """Share of the occlusion evidence in the eye band (rows 8-24) vs the mouth band."""
    if not heats:
        return "No examples to show."
    pos = [np.clip(h, 0, None) for h in heats]
    total = np.array([max(p.sum(), 1e-9) for p in pos])
    eyes = np.array([p[8:24].sum() for p in pos]) / total
    mouth = np.array([p[30:46].sum() for p in pos]) / total
    return (
        f"Over these {len(heats)} faces, {eyes.mean():.0%} of the evidence lies in the "
        f"eye and brow band and {mouth.mean():.0%} around the mouth; the mouth "
        f"dominates in {(mouth > eyes).sum()} of {len(heats)} faces."
    )


def save_evaluation_figures(
    result: dict, checkpoint_dir: str | os.PathLike
) -> list[Path]:
    """Save the figures the no-data fallback shows into checkpoint_dir/figures/."""
    out = Path(checkpoint_dir) / "figures"
    out.mkdir(exist_ok=True)
    set_style()
    paths = []
    for name, fn in (
        ("confusion", plot_confusion_pair),
        ("per_class", plot_per_class),
        ("confused_pairs", plot_confused_pairs),
        ("reliability", plot_reliability),
    ):
        fig = fn(result)
        path = out / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def show_saved_figures(checkpoint_dir: str | os.PathLike) -> list[Path]:
    """Display the stored evaluation figures (the no-data fallback of notebook 03)."""
    from IPython.display import Image, display

    paths = sorted((Path(checkpoint_dir) / "figures").glob("*.png"))
    for path in paths:
        display(Image(filename=str(path), width=800))
    return paths


def show_pair_mistakes(result: dict, pairs, k: int = 4):
    """plot_pair_mistakes on an evaluation with images; a visible line when it has
    none."""
    if "_images" not in result:
        say(
            "*Skipped: the stored evaluation keeps no images. Put FER2013 in data/ "
            "(`make data`) and re-run to see the faces behind each mix-up.*"
        )
        return None
    probs, labels = result["_probs"]["none"], result["_labels"]
    fig = plot_pair_mistakes(result["_images"], labels, probs, pairs, k)
    wrong = probs.argmax(1) != labels
    p_true = probs[wrong, labels[wrong]]
    say(
        f"On all {wrong.sum()} mistakes the model gives the true class "
        f"{p_true.mean():.0%} on average, and puts it second in "
        f"{_runner_up_share(probs[wrong], labels[wrong]):.0%} of them: these are "
        "near misses between look-alike expressions more often than wild guesses."
    )
    return fig


def _runner_up_share(probs: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose true label has the second-highest probability."""
    if not len(labels):
        return 0.0
    second = np.argsort(-probs, axis=1)[:, 1]
    return float(np.mean(second == labels))


def show_saliency(result: dict, pairs, checkpoint_dir, max_images: int | None = None):
    """plot_saliency on an evaluation with images; a visible line when it has none."""
    if "_images" not in result:
        say("*Skipped: saliency maps need the test images (run `make data`).*")
        return None
    from .predict import EmotionPredictor

    n = len(result["_labels"]) if max_images is None else max_images
    predictor = EmotionPredictor.from_checkpoint(checkpoint_dir)
    fig = plot_saliency(
        predictor,
        result["_images"][:n],
        result["_labels"][:n],
        result["_probs"]["none"][:n],
        pairs,
    )
    say(describe_saliency(fig.heats))
    return fig


def show_ferplus_agreement(ferplus):
    """plot_ferplus_agreement and its sentence; a visible line when FER+ is missing."""
    if ferplus is None:
        say("*Skipped: no fer2013new.csv (see the line above for where to get it).*")
        return None
    fig = plot_ferplus_agreement(ferplus)
    say(describe_ferplus(ferplus))
    return fig


def show_ferplus_comparison(dataset, ferplus):
    """Heat map FER2013 label vs FER+ majority when the rows line up; else say why
    not."""
    from .ferplus import label_disagreement, rows_align

    if ferplus is None or dataset is None:
        say("*Skipped: needs both fer2013new.csv and a FER2013 file.*")
        return None
    check = rows_align(dataset, ferplus)
    say(f"**{Path(dataset.source).name}**: {check.reason}.")
    if not check.aligned:
        return None
    cm = label_disagreement(dataset, ferplus)
    fig = plot_confusion(
        cm,
        normalize=True,
        xlabel="FER+ majority of ten votes",
        ylabel="FER2013 label",
        title=f"FER+ majority disagrees with FER2013 on "
        f"{1 - np.trace(cm) / max(cm.sum(), 1):.0%} of "
        f"{cm.sum()} faces",
    )
    return fig
