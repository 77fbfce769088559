"""The sentences and titles read the facts they are given."""

import numpy as np
import pandas as pd
import pytest

from emo_utils import narrate
from emo_utils.data import Dataset
from emo_utils.evaluation import metrics
from emo_utils.evaluation.evaluate import Evaluation
from emo_utils.evaluation.saliency import SaliencyMaps
from emo_utils.explore import dataset as explore
from emo_utils.train import curves

from .test_evaluate import REPO, _dataset, _FakePredictor


@pytest.fixture
def ev(tmp_path):
    return Evaluation.from_checkpoint(
        tmp_path, _dataset(tmp_path), predictor=_FakePredictor(), photo_faces=0
    )


def _run(public, tta):
    return {"epochs_run": 3, "train_seconds": 600.0, "img_per_s": 300.0,
            "best_held_back_acc": 0.6, "best_epoch": 3,
            "history": [{"epoch": 3, "acc": 0.5, "val_acc": 0.6}],
            "test": {"PublicTest": {"accuracy": public, "accuracy_tta": tta}}}


def test_training_run_reads_test_numbers():
    metrics_ = _run(0.7, 0.72)
    text = narrate.training_run(metrics_, "x")
    assert "PublicTest accuracy 70.0% (72.0% with 10-view TTA)" in text
    assert narrate.training_run(None, "y") == "y: not trained on this machine yet."
    metrics_["averaged"] = {"epochs": [91, 120], "held_back_acc": 0.68}
    assert "averaged over epochs 91-120 (68.0% held back)" in narrate.training_run(
        metrics_
    )
    metrics_["init_from"] = "checkpoints/alexnet48"
    assert "epoch(s) from the weights of alexnet48 in" in narrate.training_run(metrics_)


def test_training_gap_finds_where_training_pulls_away():
    hist = [{"epoch": 1, "acc": 0.40, "val_acc": 0.35},  # noisy early lead
            {"epoch": 2, "acc": 0.45, "val_acc": 0.46},
            {"epoch": 3, "acc": 0.60, "val_acc": 0.50},
            {"epoch": 4, "acc": 0.70, "val_acc": 0.52}]
    gap = curves.overfit_gap({"history": hist})
    assert gap.since == 3
    text = narrate.training_gap(gap, "x")
    assert "from epoch 3 on" in text
    assert "+18.0 points (70.0% vs 52.0%)" in text
    level = curves.overfit_gap({"history": [{"epoch": 1, "acc": 0.5, "val_acc": 0.5}]})
    assert "ends level" in narrate.training_gap(level, "y")
    assert narrate.training_gap(curves.overfit_gap(None), "z") == "z: no history."


def test_training_curves_plot_the_stored_held_back_numbers():
    """metrics.json names them val_loss/val_acc; the dashed lines are those."""
    hist = [{"epoch": 1, "loss": 1.5, "acc": 0.40, "val_loss": 1.4, "val_acc": 0.35},
            {"epoch": 2, "loss": 1.2, "acc": 0.50, "val_loss": 1.3, "val_acc": 0.45}]
    ax_loss, ax_acc = curves.plot_history({"run": hist}).axes
    assert ax_loss.lines[1].get_ydata() == pytest.approx([1.4, 1.3])
    assert ax_acc.lines[1].get_ydata() == pytest.approx([35.0, 45.0])
    assert ax_acc.lines[0].get_ydata() == pytest.approx([40.0, 50.0])


def test_balance_sentences():
    images = np.zeros((3, 48, 48), np.uint8)
    ds = Dataset(images, np.array([0, 0, 3]), np.array(["Training"] * 3), "t")
    b = explore.class_balance(ds)
    assert "disgust is only 0.0%" in narrate.balance(b)
    assert narrate.balance_title(b).endswith("far from balanced")
    equal = Dataset(
        np.zeros((7, 48, 48), np.uint8), np.arange(7), np.array(["Training"] * 7), "t"
    )
    assert "equally common" in narrate.balance(explore.class_balance(equal))


def test_problems_sentence():
    faces = np.random.default_rng(0).integers(0, 256, (3, 48, 48)).astype(np.uint8)
    ds = Dataset(
        np.concatenate([faces, faces[:1]]),
        np.array([0, 1, 2, 3]),
        np.array(["Training"] * 4),
        "t",
    )
    text = narrate.problems(explore.problem_summary(ds))
    assert "flag 1 groups of near-identical pictures (2 images, 50.0%)" in text


def test_headline_names_the_tta_mode(ev):
    text = narrate.headline(ev)
    assert f"right {ev.scores.accuracy:.1%} of the time" in text
    assert "TTA changes" not in text  # no mode beats the single view here


def test_ranked_counts_share_of_all_errors():
    cm = np.zeros((7, 7), int)
    np.fill_diagonal(cm, 10)
    cm[1, 0], cm[4, 6] = 6, 2  # 8 errors; disgust->angry is 6 of them
    text = narrate.ranked(metrics.error_share(cm, top=1))
    assert "(disgust -> angry) are 75% of all 8 errors" in text


def test_pairs_counts_the_pairs_that_follow_training_counts():
    cm = np.zeros((7, 7), int)
    np.fill_diagonal(cm, 10)
    cm[1, 0] = 5  # disgust -> angry 33%
    train = [100, 10, 50, 50, 50, 50, 50]
    rates = metrics.pair_rates(cm, train, [("disgust", "angry")])
    text = narrate.pairs(rates)
    assert text.startswith("In 1 of these 1 pairs")
    assert "Training has 10 disgust and 100 angry faces (10.0x)" in text


def test_calibration_and_reliability_title(ev):
    text = narrate.calibration(ev)
    assert f"{ev.scores.ece:.3f}" in text
    assert f"{ev.scores.top2_accuracy:.1%}" in text
    assert narrate.reliability_title(ev).startswith(f"ECE {ev.scores.ece:.3f}")


def test_missing_facts_say_why_they_are_skipped():
    assert narrate.mistakes(None).startswith("*Skipped")
    assert narrate.saliency(None).startswith("*Skipped")
    assert narrate.ferplus_agreement(None).startswith("*Skipped")
    assert narrate.label_alignment(None).startswith("*Skipped")


def test_saliency_sentence():
    shares = pd.DataFrame({"eyes": [0.6, 0.2], "mouth": [0.1, 0.5]})
    maps = SaliencyMaps(
        np.zeros((2, 48, 48), np.uint8),
        np.zeros((2, 48, 48)),
        pd.DataFrame({"true": ["a", "b"], "kind": ["right", "wrong"]}),
        shares,
    )
    text = narrate.saliency(maps)
    assert "40% of the evidence lies in the eye" in text
    assert "the mouth dominates in 1 of 2 faces" in text


def test_paths_are_relative_to_the_repository():
    shipped = Evaluation.load(REPO / "checkpoints" / "alexnet48")
    text = narrate.evaluated(shipped, "data.", saved=True)
    assert text.startswith("data. Wrote checkpoints/alexnet48/evaluation.json and")
    quiet = narrate.evaluated(shipped, "data.", saved=False)
    assert quiet.startswith("data. Evaluated")
    assert "(saved to checkpoints/alexnet48/figures" not in narrate.stored_figures(
        shipped, []
    )
    assert "stored with the evaluation in checkpoints/alexnet48/figures" in (
        narrate.stored_figures(shipped, [])
    )


def test_temperature_sentence_gives_the_mirror_image_ece_when_known(ev):
    import dataclasses

    warmed = dataclasses.replace(ev, temperature=1.5)
    text = narrate.temperature_scaling(warmed)
    flip = ev.tta_score("flip").ece
    assert f"to {ev.scores.ece:.3f} ({flip:.3f} with the mirror image" in text
    old = dataclasses.replace(warmed, tta=tuple(
        dataclasses.replace(t, ece=None) for t in ev.tta))
    assert "mirror image" not in narrate.temperature_scaling(old)
