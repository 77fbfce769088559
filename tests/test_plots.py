"""Every figure builds from small inputs, with a title and labelled axes."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from emo_utils import evaluate, explore, plots
from emo_utils.data import Dataset


@pytest.fixture
def result():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(7), 10)
    probs = rng.dirichlet(np.ones(7), size=70)
    probs[np.arange(70), labels] += 0.5
    probs /= probs.sum(1, keepdims=True)
    out = evaluate.summarize_predictions(labels, probs)
    out.update(split="PublicTest", class_counts_train=[40, 4, 40, 70, 50, 30, 50])
    return out


@pytest.fixture
def dataset():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (70, 48, 48)).astype(np.uint8)
    usage = np.array(["Training"] * 56 + ["PublicTest"] * 14)
    return Dataset(images, np.arange(70) % 7, usage, "t")


def _titled(fig):
    titles = [fig._suptitle.get_text() if fig._suptitle else ""] + [
        ax.get_title() for ax in fig.axes
    ]
    return any(titles)


def test_confusion_pair_titles_the_worst_mixup(result):
    fig = plots.plot_confusion_pair(result)
    top = result["most_confused"][0]
    assert (
        f"of {top['true']} faces are called {top['predicted']}"
        in fig._suptitle.get_text()
    )
    assert fig.axes[0].get_xlabel() == "predicted"
    plt.close(fig)


def test_reliability_title_shows_ece(result):
    fig = plots.plot_reliability(result)
    assert f"ECE {result['ece']:.3f}" in fig.axes[0].get_title()
    assert fig.axes[0].get_ylabel() == "accuracy"
    plt.close(fig)


@pytest.mark.parametrize("fn", [plots.plot_per_class, plots.plot_confused_pairs])
def test_result_figures_are_titled(result, fn):
    fig = fn(result)
    assert _titled(fig)
    plt.close(fig)


def test_exploration_figures(dataset):
    images, labels = dataset.split("Training")
    for fig in (
        plots.plot_class_balance(dataset),
        plots.plot_face_grid(images, labels, 3),
        plots.plot_mean_faces(*explore.mean_faces(images, labels)),
        plots.plot_pixel_distributions(images, labels),
    ):
        assert _titled(fig)
        plt.close(fig)
    fig = plots.plot_class_balance(dataset)
    assert fig.axes[0].get_ylabel() == "% of the split's faces"
    plt.close(fig)


def test_save_evaluation_figures(result, tmp_path):
    paths = plots.save_evaluation_figures(result, tmp_path)
    assert {p.name for p in paths} >= {"confusion.png", "reliability.png"}
    assert all(p.stat().st_size > 1000 for p in paths)


def test_describe_reliability_reads_the_numbers(result):
    text = plots.describe_reliability(result)
    assert f"{result['ece']:.3f}" in text
    assert f"{result['top2_accuracy']:.1%}" in text
