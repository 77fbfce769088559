"""Every figure draws the facts it is given, with a title and labelled axes."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from emo_utils import plots
from emo_utils.data import Dataset
from emo_utils.evaluation import metrics
from emo_utils.evaluation.evaluate import Evaluation
from emo_utils.explore import dataset as explore
from emo_utils.explore import ferplus

from .test_evaluate import _dataset, _FakePredictor


@pytest.fixture
def ev(tmp_path):
    return Evaluation.from_checkpoint(
        tmp_path, _dataset(tmp_path), predictor=_FakePredictor(), photo_faces=0
    )


@pytest.fixture
def dataset():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (70, 48, 48)).astype(np.uint8)
    usage = np.array(["Training"] * 56 + ["PublicTest"] * 14)
    return Dataset(images, np.arange(70) % 7, usage, "t")


def _titles(fig):
    return [fig._suptitle.get_text() if fig._suptitle else ""] + [
        ax.get_title() for ax in fig.axes
    ]


def test_confusion_titles_the_worst_mixup(ev):
    fig = ev.plot_confusion()
    assert "of angry faces are called sad" in fig._suptitle.get_text()
    assert fig.axes[0].get_xlabel() == "predicted"
    plt.close(fig)


def test_confusion_pair_draws_the_values_it_is_given():
    cm = np.arange(49).reshape(7, 7)
    fig = plots.plot_confusion_pair(cm, metrics.row_percent(cm), "t")
    left = [t.get_text() for t in fig.axes[0].texts]
    assert left[:3] == ["0", "1", "2"]
    plt.close(fig)


def test_reliability_title_shows_ece(ev):
    fig = ev.plot_reliability()
    assert f"ECE {ev.scores.ece:.3f}" in fig.axes[0].get_title()
    assert fig.axes[0].get_ylabel() == "accuracy"
    plt.close(fig)


@pytest.mark.parametrize("name", ["plot_per_class", "plot_confused_pairs"])
def test_evaluation_figures_are_titled(ev, name):
    fig = getattr(ev, name)()
    assert any(_titles(fig))
    plt.close(fig)


def test_exploration_figures(dataset):
    images, labels = dataset.split("Training")
    problems = explore.problem_summary(dataset)
    for fig in (
        plots.plot_class_balance(explore.class_balance(dataset)),
        plots.plot_face_grid(images, explore.sample_faces(labels, 3)),
        plots.plot_mean_faces(explore.mean_faces(images, labels)),
        plots.plot_pixel_distributions(explore.pixel_stats(images, labels)),
        plots.plot_problems(dataset.images, problems),
    ):
        assert any(_titles(fig))
        plt.close(fig)
    fig = plots.plot_class_balance(explore.class_balance(dataset))
    assert fig.axes[0].get_ylabel() == "% of the split's faces"
    plt.close(fig)


def test_missing_data_draws_nothing():
    assert plots.plot_ferplus_agreement(None) is None
    assert plots.plot_label_disagreement(None) is None
    assert plots.plot_saliency(None) is None


def test_ferplus_agreement_figure():
    votes = np.zeros((2, 10), int)
    votes[0, 1], votes[1, 0] = 10, 10  # one happy, one neutral face
    agreement = ferplus.agreement(
        ferplus.FerPlus(votes, np.array(["Training"] * 2), "x")
    )
    fig = plots.plot_ferplus_agreement(agreement)
    assert "Annotators agree on" in fig._suptitle.get_text()
    plt.close(fig)


def test_saved_figures(ev, tmp_path):
    paths = ev.save_figures(tmp_path / "figures")
    assert {p.name for p in paths} >= {"confusion.png", "reliability.png"}
    assert all(p.stat().st_size > 1000 for p in paths)
