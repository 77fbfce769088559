"""Notebook 01's sentences and figure titles: the data, its balance, its faces and
its label noise.

Why words apart from the analysis: explore and ferplus return facts; turning them
into sentences here keeps both sides testable on their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..explore.dataset import Balance, MeanFaces, PixelStats, Problems
    from ..explore.ferplus import Agreement, LabelComparison

_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def balance(b: Balance) -> str:
    """The rarest and commonest class of one split."""
    lo, hi = b.rarest, b.commonest
    share, counts = b.shares[b.split] / 100, b.counts[b.split]
    if b.equal:
        return (
            f"All seven classes are equally common in this {b.split} split "
            f"({share[lo]:.1%} each): unlike real FER2013, where disgust is about 1.5%."
        )
    return (
        f"In {b.split}, {lo} is only {share[lo]:.1%} of the faces ({counts[lo]} "
        f"images) while {hi} is {share[hi]:.1%} ({counts[hi]}): {b.ratio:.0f} times "
        f"more. A model that never predicts {lo} loses almost nothing in accuracy, "
        "which is why we also report per-class F1."
    )


def balance_title(b: Balance) -> str:
    verdict = "balanced" if b.equal else "far from balanced"
    return (
        f"{b.rarest.capitalize()} is only {b.shares.loc[b.rarest, b.split]:.1f}% of "
        f"{b.split}: the classes are {verdict}"
    )


def face_grid(split: str, n: int, per_class: int) -> str:
    count = _WORDS[per_class] if per_class < len(_WORDS) else str(per_class)
    return (
        f"{count} random {split} faces per class out of {n}: side views, children, "
        "hands over mouths and very different lighting all share one label."
    )


def mean_faces(m: MeanFaces) -> str:
    """Which class's mean face differs most from the average, and where."""
    d, top, low = m.difference, m.most_different, m.least_different
    return (
        f"{top}'s mean face differs most from the average "
        f"({d.loc[top, 'overall']:.1f} grey levels per pixel, mouth "
        f"{d.loc[top, 'mouth']:.1f} vs eyes {d.loc[top, 'eyes']:.1f}); {low}'s least "
        f"({d.loc[low, 'overall']:.1f}). Classes whose mean faces look alike are the "
        "ones a model will mix up."
    )


def mean_faces_title(m: MeanFaces) -> str:
    return (
        f"{m.most_different.capitalize()}'s mean face differs most from the average "
        "(red: brighter, blue: darker)"
    )


def pixels(p: PixelStats) -> str:
    low, high = p.contrast_range
    return (
        f"Class mean brightness ranges only {p.brightness.min():.0f}-"
        f"{p.brightness.max():.0f} (of 255) and per-image contrast spans {low:.0f}-"
        f"{high:.0f} (5th-95th percentile) within every class: the network must "
        "learn shapes, not brightness. Histogram equalisation (our preprocessing) "
        "flattens these differences further."
    )


def pixels_title(p: PixelStats) -> str:
    verdict = "almost identical" if p.max_gap < 0.1 else "different"
    return f"Intensities: {verdict} across classes"


def problems(p: Problems) -> str:
    n, dup = p.n, p.duplicate_images
    return (
        f"Among {n} faces the finders flag {len(p.duplicate_groups)} groups of "
        f"near-identical pictures ({dup} images, {dup / n:.1%}); "
        f"{len(p.conflicting_groups)} of those groups carry different labels for the "
        f"same picture and {len(p.cross_split_groups)} span two splits (a test face "
        f"also seen in training). {len(p.blank)} images are blank. The outliers are "
        "the images least like the mean face (odd crops, white backgrounds, "
        "drawings). Such label noise caps any model's accuracy."
    )


def problems_title(p: Problems) -> str:
    return (
        f"Found by code: {len(p.duplicate_groups)} duplicate groups, "
        f"{len(p.blank)} blank, and the images least like the mean face"
    )


def ferplus_agreement(a: Agreement | None) -> str:
    """How much the ten FER+ annotators agree, per class."""
    if a is None:
        return "*Skipped: no fer2013new.csv (see the line above for where to get it).*"
    s, lo, hi = a.stats, a.clearest, a.most_split
    return (
        f"For {lo} faces the winning emotion gets {s.loc[lo, 'winner_share']:.0%} of "
        f"the ten votes on average ({s.loc[lo, 'unanimous']:.0%} unanimous); for {hi} "
        f"only {s.loc[hi, 'winner_share']:.0%} ({s.loc[hi, 'unanimous']:.1%} "
        "unanimous). When people split like this, one label per face is partly a coin "
        "toss: that is why human accuracy on FER2013 is about 65% and no model "
        "reaches 100%."
    )


def ferplus_title(a: Agreement) -> str:
    hi = a.most_split
    return (
        f"Annotators agree on {a.clearest}, split on {hi}: "
        f"its winner gets only {a.stats.loc[hi, 'winner_share']:.0%} of votes"
    )


def label_alignment(c: LabelComparison | None) -> str:
    """Whether the FER+ rows line up with this FER2013 file, and the evidence."""
    if c is None:
        return "*Skipped: needs both fer2013new.csv and a FER2013 file.*"
    return f"**{c.source}**: {c.alignment.reason}."


def label_disagreement_title(c: LabelComparison) -> str:
    return (
        f"FER+ majority disagrees with FER2013 on {c.disagreement:.0%} of "
        f"{c.confusion.sum()} faces"
    )
