"""Notebook 03's and the eval command's sentences, and the evaluation figures' titles.

Why they read a Scorecard (the numbers only): the words need no network, faces or
figures, so this module depends on emo_utils.evaluation.scorecard and never on evaluate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..labels import EMOTIONS, ENGINE_NAMES, TTA_NAMES
from ..paths import relative_to_repo

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ..evaluation.metrics import ErrorShare, Mistakes
    from ..evaluation.saliency import SaliencyMaps
    from ..evaluation.scorecard import Scorecard


def split_caveat(split: str) -> str:
    """One sentence on how far to trust numbers from ``split``."""
    if split == "PrivateTest":
        return (
            "PrivateTest was never used to train or choose the model: "
            "these numbers are the honest estimate."
        )
    if split == "PublicTest":
        return (
            "There is no PrivateTest split in this data, so we report PublicTest. "
            "PublicTest is also the split the model was chosen on, so the numbers are "
            "somewhat optimistic; put the full fer2013.csv in data/ to get PrivateTest."
        )
    return f"Evaluated on the {split!r} split (not a standard FER2013 test split)."


def stored_evaluation(ev: Scorecard) -> str:
    """What notebook 03 shows without FER2013: the stored evaluation."""
    return (
        "FER2013 is not on disk, so this notebook shows the STORED evaluation of "
        f"{ev.checkpoint} ({ev.split}, n={ev.scores.n}, computed {ev.created}); cells "
        "that need the images are skipped. Run `make data`, then re-run to evaluate "
        "for yourself."
    )


def evaluated(ev: Scorecard, data_message: str, saved: bool) -> str:
    """What notebook 03 just did: which data, whether it wrote files, how long."""
    where = relative_to_repo(ev.run_dir.evaluation_path) if ev.run_dir else ""
    note = f" Wrote {where} and its figures." if saved else ""
    return f"{data_message}{note} Evaluated in {ev.seconds} s."


def wrote(ev: Scorecard, paths: list[Path]) -> str:
    """The files ``Evaluation.save`` wrote (the CLI's last line)."""
    figures = [p for p in paths if p.suffix == ".png"]
    rest = [relative_to_repo(p) for p in paths if p.suffix != ".png"]
    return (
        f"wrote {' and '.join(rest)}, and {len(figures)} figures in "
        f"{relative_to_repo(ev.run_dir.figures_dir)}"
    )


def split(ev: Scorecard) -> str:
    return (
        f"**Test split: {ev.split}, {ev.scores.n} images.** {split_caveat(ev.split)}"
    )


def headline(ev: Scorecard) -> str:
    """Two sentences reading the headline numbers of an evaluation."""
    s = ev.scores
    low, high = s.accuracy_ci95
    worst = min(s.per_class, key=lambda c: s.per_class[c]["f1"])
    text = (
        f"On {s.n} {ev.split} images the model is right {s.accuracy:.1%} of the time "
        f"(95% CI {low:.1%}-{high:.1%}); its top-2 accuracy is {s.top2_accuracy:.1%} "
        f"and macro-F1 {s.macro_f1:.3f}. The weakest class is {worst} "
        f"(F1 {s.per_class[worst]['f1']:.2f})."
    )
    if ev.engine:
        text += f" The network ran on {ENGINE_NAMES.get(ev.engine, ev.engine)}."
    if not ev.tta:
        return text
    best = max(ev.tta, key=lambda t: t.accuracy)
    if best.mode is not None:
        gain = best.accuracy - ev.tta_score(None).accuracy
        name = _sentence_case(TTA_NAMES[best.mode])
        text += f" {name} changes accuracy by {gain:+.1%} on {best.n} images."
    return text


def per_class(ev: Scorecard) -> str:
    """Which class is found most and least often, and its share of training."""
    per, share = ev.scores.per_class, ev.train_share
    best = max(per, key=lambda c: per[c]["recall"])
    worst = min(per, key=lambda c: per[c]["recall"])
    return (
        f"Recall is highest for {best} ({per[best]['recall']:.0%}, "
        f"{share[best]:.1%} of training) and lowest for {worst} "
        f"({per[worst]['recall']:.0%}, {share[worst]:.1%} of training). Macro-F1, "
        f"the unweighted mean over classes, is {ev.scores.macro_f1:.3f} against "
        f"{ev.scores.accuracy:.3f} accuracy: the gap is what the rare classes cost."
    )


def per_class_title(ev: Scorecard) -> str:
    per = ev.scores.per_class
    worst = min(EMOTIONS, key=lambda c: per[c]["f1"])
    return (
        f"Macro-F1 {ev.scores.macro_f1:.2f}: {worst} is the weakest class "
        f"(F1 {per[worst]['f1']:.2f})"
    )


def confusion(ev: Scorecard) -> str:
    """The top mix-ups of the confusion matrix in words."""
    top = ev.most_confused(3)
    if top.empty:
        return "No off-diagonal cells: every test face was classified correctly."
    parts = [
        f"{p.rate:.0%} of {p.true} faces are called {p.predicted} ({p.count})"
        for p in top.itertuples()
    ]
    per = ev.scores.per_class
    lo = min(EMOTIONS, key=lambda c: per[c]["recall"])
    hi = max(EMOTIONS, key=lambda c: per[c]["recall"])
    return (
        f"The biggest mix-ups: {'; '.join(parts)}. The diagonal of the right-hand "
        f"matrix (per-class recall) runs from {per[lo]['recall']:.0%} ({lo}) to "
        f"{per[hi]['recall']:.0%} ({hi})."
    )


def confusion_title(ev: Scorecard) -> str | None:
    ranked_pairs = ev.most_confused(1)
    if ranked_pairs.empty:
        return None
    top = ranked_pairs.iloc[0]
    return (
        f"Most confused: {top['rate']:.0%} of {top['true']} faces are called "
        f"{top['predicted']}  ({ev.split}, n={ev.scores.n})"
    )


def confused_pairs_title(ranked_pairs: pd.DataFrame) -> str | None:
    if ranked_pairs.empty:
        return None
    top = ranked_pairs.iloc[0]
    return (
        f"Ranked mix-ups: {top['true']} -> {top['predicted']} leads with "
        f"{100 * top['rate']:.0f}%"
    )


def ranked(e: ErrorShare) -> str:
    """How much of all the errors the top few confused pairs account for."""
    names = ", ".join(f"{p.true} -> {p.predicted}" for p in e.pairs.itertuples())
    return (
        f"Ranked by the share of the true class, the top {len(e.pairs)} pairs "
        f"({names}) are {e.share:.0%} of all {e.errors} errors: a rare class can top "
        "this list with few faces, which is why both the rate and the count are "
        "shown."
    )


def pairs(rates: pd.DataFrame) -> str:
    """Both directions' error rates of each pair, and the training counts."""
    lines = [
        f"- **{r.a} -> {r.b}**: {r.rate:.0%} of test {r.a} faces ({r.count} of "
        f"{r.support}); {r.b} -> {r.a}: {r.reverse_rate:.0%}. Training has "
        f"{r.train_a} {r.a} and {r.train_b} {r.b} faces "
        f"({r.train_b / max(r.train_a, 1):.1f}x)."
        for r in rates.itertuples()
    ]
    return (
        f"In {int(rates['rarer_to_commoner'].sum())} of these {len(rates)} pairs the "
        "larger error rate runs from the rarer training class to the commoner one."
        "\n\n" + "\n".join(lines)
    )


def mistakes(m: Mistakes | None) -> str:
    if m is None:
        return (
            "*Skipped: the stored evaluation keeps no images. Put FER2013 in data/ "
            "(`make data`) and re-run to see the faces behind each mix-up.*"
        )
    return (
        f"On all {m.count} mistakes the model gives the true class "
        f"{m.mean_p_true:.0%} on average, and puts it second in "
        f"{m.runner_up_share:.0%} of them: these are near misses between look-alike "
        "expressions more often than wild guesses."
    )


def ferplus_score(ev: Scorecard) -> str:
    """What changes when the test faces are scored against FER+ majority labels."""
    fer = ev.ferplus
    if fer is None:
        return (
            "*Not computed in this evaluation (needs FER2013 rows that line up with "
            "fer2013new.csv).*"
        )
    if not fer.aligned:
        return (
            f"*Not shown: {fer.reason}.* With the original Kaggle fer2013.csv "
            "this cell scores the same predictions against the ten-annotator majority."
        )
    low, high = fer.accuracy_ci95
    return (
        f"Against FER+ majority labels ({fer.n} test faces that have one; FER+ "
        f"changes {fer.label_changed:.0%} of their labels) the same predictions "
        f"score {fer.accuracy:.1%} (95% CI {low:.1%}-{high:.1%}) instead of "
        f"{ev.scores.accuracy:.1%}, macro-F1 {fer.macro_f1:.3f}: part of what "
        "looked like model error is label noise."
    )


def calibration(ev: Scorecard) -> str:
    """Sentences reading the calibration numbers."""
    s = ev.scores
    runner_up = (s.top2_accuracy - s.accuracy) / max(1 - s.accuracy, 1e-9)
    return (
        f"Expected calibration error is {s.ece:.3f}: on average the stated "
        f"confidence is {100 * s.ece:.1f} points away from how often the model "
        f"is right. Top-2 accuracy is {s.top2_accuracy:.1%} against "
        f"{s.accuracy:.1%} top-1: when the first guess is wrong, the "
        f"runner-up is right {runner_up:.0%} of the time."
    )


def reliability_title(ev: Scorecard) -> str:
    over = ev.scores.reliability.overconfidence
    verdict = (
        "overconfident"
        if over > 0.01
        else "underconfident"
        if over < -0.01
        else "well calibrated"
    )
    return f"ECE {ev.scores.ece:.3f}: the model is {verdict}"


def calibration_titles(ev: Scorecard) -> tuple[str, str]:
    """Titles of the before/after reliability diagrams."""
    return (
        f"raw network: ECE {ev.uncalibrated.ece:.3f}",
        f"temperature {ev.temperature:.2f}: ECE {ev.scores.ece:.3f}",
    )


def temperature_scaling(ev: Scorecard) -> str:
    """What temperature scaling did to the probabilities."""
    if ev.uncalibrated is None or ev.temperature == 1.0:
        return ("No temperature was fitted for this checkpoint: its probabilities "
                "are the raw network's.")
    direction = "softer" if ev.temperature > 1 else "sharper"
    flip = ev.tta_score("flip")
    with_flip = (
        f" ({flip.ece:.3f} with the mirror image, as the app predicts by default)"
        if flip is not None and flip.ece is not None else "")
    return (
        f"Dividing the logits by a temperature of {ev.temperature:.2f} (fitted on "
        f"the held-back slice of Training, not on {ev.split}) makes the "
        f"probabilities {direction}: the expected calibration error on {ev.split} "
        f"goes from {ev.uncalibrated.ece:.3f} to {ev.scores.ece:.3f}{with_flip}, "
        "and no label changes, so accuracy stays the same."
    )


_OBJECTIVE_NAMES = {"brier": "Brier score", "nll": "NLL"}


def fitted_temperature(fitted) -> str:
    """One line on a fitted calibration.Calibration."""
    return (
        f"temperature {fitted.temperature:.2f} fitted on the {fitted.fitted_on} "
        f"by least {_OBJECTIVE_NAMES[fitted.objective]}: Brier "
        f"{fitted.brier_before:.3f} -> {fitted.brier_after:.3f}, "
        f"NLL {fitted.nll_before:.3f} -> {fitted.nll_after:.3f}, ECE "
        f"{fitted.ece_before:.3f} -> {fitted.ece_after:.3f} there"
    )


def photo_proxy(ev: Scorecard) -> str:
    """The real-photo proxy next to plain accuracy."""
    p = ev.photo_proxy
    if p is None:
        return ("*The photo proxy was not computed for this evaluation "
                "(`make eval` computes it).*")
    return (
        f"Pasted into {p.n} photo-like frames (random place, size, exposure, blur, "
        f"noise and JPEG), the same {ev.split} faces are found {p.found_rate:.1%} "
        f"of the time and classified right {p.photo_accuracy:.1%} of the time "
        f"(a face not found counts as wrong), against {p.plain_accuracy:.1%} for the "
        f"48x48 faces themselves: {100 * p.gap:.1f} points are lost to finding, "
        "framing and picture quality."
        + ("" if p.photo_ece is None else
           f" On the faces it finds, the calibrated probabilities keep an expected "
           f"calibration error of {p.photo_ece:.3f} (single view; "
           f"{ev.scores.ece:.3f} on the 48x48 faces).")
    )


def saliency(maps: SaliencyMaps | None) -> str:
    """Share of the occlusion evidence in the eye band vs the mouth band."""
    if maps is None:
        return "*Skipped: saliency maps need the test images (run `make data`).*"
    if maps.examples.empty:
        return "No examples to show."
    eyes, mouth, n = maps.shares["eyes"], maps.shares["mouth"], len(maps.examples)
    return (
        f"Over these {n} faces, {eyes.mean():.0%} of the evidence lies in the eye and "
        f"brow band and {mouth.mean():.0%} around the mouth; the mouth dominates in "
        f"{(mouth > eyes).sum()} of {n} faces."
    )


def comparison(ev: Scorecard, anchors: list[dict]) -> str:
    """Our accuracy against each published anchor, in points."""
    ours = ev.scores.accuracy
    parts = [
        f"{(ours - a['accuracy']) * 100:+.1f} points vs {a['name']} "
        f"({a['accuracy']:.1%})"
        for a in anchors
    ]
    return (
        f"Our {ev.split} accuracy {ours:.1%} is " + "; ".join(parts) + ". Anchors are "
        "quoted from their papers (emo_utils/anchors.json), mostly on PrivateTest, so "
        "compare with care."
    )


def stored_figures(ev: Scorecard, shown: list[Path]) -> str:
    """What the stored-figures cell of notebook 03 shows, and where they live."""
    where = relative_to_repo(ev.run_dir.figures_dir) if ev.run_dir else "figures/"
    if ev.holds_predictions:
        return (
            "FER2013 is present: the figures above are from this run (saved to "
            f"{where} when not in smoke mode)."
        )
    return f"The {len(shown)} figures above are stored with the evaluation in {where}."


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]
