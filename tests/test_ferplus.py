"""FER+ majority vote, agreement and row alignment."""


import numpy as np
import pytest

from emo_utils.data import Dataset, read_fer_csv
from emo_utils.explore import ferplus as fp
from emo_utils.paths import SHARED_DATA

from .requires import require_shared_data

SHARED = SHARED_DATA
COLS = fp.FERPLUS_COLUMNS


def _votes(**named):
    row = np.zeros(len(COLS), int)
    for name, n in named.items():
        row[COLS.index(name)] = n
    return row


def test_majority_rule_maps_to_fer2013_order_and_drops_ties_unknown_contempt():
    votes = np.stack(
        [
            _votes(anger=6, disgust=4),  # -> angry (0)
            _votes(disgust=5, anger=3, neutral=2),  # -> disgust (1)
            _votes(happiness=5, surprise=5),  # tie -> -1
            _votes(unknown=6, neutral=4),  # unknown -> -1
            _votes(contempt=7, neutral=3),  # contempt -> -1
            _votes(NF=10),  # not a face -> -1
            _votes(neutral=10),  # -> neutral (6)
        ]
    )
    assert fp.majority_labels(votes).tolist() == [0, 1, -1, -1, -1, -1, 6]


def test_agreement_stats_entropy():
    f = fp.FerPlus(
        np.stack([_votes(happiness=10), _votes(anger=5, disgust=5)]),
        np.array(["Training"] * 2),
        "x",
    )
    # row 2 is a tie -> no label; only the unanimous happy row counts
    stats = fp.agreement_stats(f)
    assert stats.loc["happy", "entropy_bits"] == pytest.approx(0.0)
    assert stats.loc["happy", "winner_share"] == 1.0
    assert stats.loc["angry", "images"] == 0


def _dataset(labels, usage):
    n = len(labels)
    return Dataset(
        np.zeros((n, 48, 48), np.uint8), np.array(labels), np.array(usage), "t"
    )


def test_rows_align_on_matching_rows_and_not_on_shuffled():
    names = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    labels = np.arange(40) % 7
    votes = np.stack([_votes(**{names[k]: 8, "unknown": 2}) for k in labels])
    f = fp.FerPlus(votes, np.array(["Training"] * 40), "x")
    assert fp.rows_align(_dataset(labels, ["Training"] * 40), f).aligned
    shuffled = np.roll(labels, 3)
    check = fp.rows_align(_dataset(shuffled, ["Training"] * 40), f)
    assert not check.aligned
    assert "do NOT line up" in check.reason
    with pytest.raises(fp.FerPlusError, match="cannot relabel"):
        fp.relabel_with_ferplus(_dataset(shuffled, ["Training"] * 40), f)


def test_relabel_replaces_labels_and_drops_rows_without_majority():
    votes = np.stack(
        [
            _votes(anger=9, neutral=1),
            _votes(happiness=5, surprise=5),
            _votes(neutral=10),
            _votes(anger=10),
        ]
    )
    f = fp.FerPlus(votes, np.array(["Training"] * 4), "x")
    ds = _dataset([0, 3, 6, 0], ["Training"] * 4)
    out = fp.relabel_with_ferplus(ds, f)
    assert out.labels.tolist() == [0, 6, 0]
    assert len(out.images) == 3


def test_shared_first_rows_align_with_ferplus():
    require_shared_data("fer2013new.csv", "fer2013-first-rows.csv")
    f = fp.load_ferplus(SHARED / "fer2013new.csv")
    assert len(f) == 35887
    ds = read_fer_csv(SHARED / "fer2013-first-rows.csv")
    check = fp.rows_align(ds, f)
    assert check.aligned
    assert check.rows_compared == 151
    cm = fp.label_disagreement(ds, f)
    assert cm.sum() == (fp.majority_labels(f.votes[:151]) != -1).sum()


def test_missing_file_says_where_to_get_it(tmp_path):
    with pytest.raises(fp.FerPlusError, match="FERPlus"):
        fp.load_ferplus(tmp_path / "fer2013new.csv")


def test_load_or_none_prints_the_reason(tmp_path, capsys):
    assert fp.load_ferplus_or_none(tmp_path / "nope.csv") is None
    assert "FERPlus" in capsys.readouterr().out


def _aligned(n=40):
    names = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    labels = np.arange(n) % 7
    votes = np.stack([_votes(**{names[k]: 8, "unknown": 2}) for k in labels])
    return labels, fp.FerPlus(votes, np.array(["PublicTest"] * n), "x")


def test_compare_labels_only_when_rows_line_up():
    labels, f = _aligned()
    same = fp.compare_labels(_dataset(labels, ["PublicTest"] * 40), f)
    assert same.alignment.aligned
    assert same.disagreement == 0
    assert same.percent.diagonal().tolist() == [100.0] * 7
    shuffled = fp.compare_labels(_dataset(np.roll(labels, 3), ["PublicTest"] * 40), f)
    assert shuffled.confusion is None
    assert fp.compare_labels(None, f) is None
    assert fp.compare_labels(_dataset(labels, ["PublicTest"] * 40), None) is None


def test_score_against_majority():
    labels, f = _aligned()
    ds = _dataset(labels, ["PublicTest"] * 40)
    probs = np.eye(7)[labels]
    probs[0] = np.eye(7)[3]  # one wrong answer
    score = fp.score_against_majority(ds, "PublicTest", probs, f)
    assert score.aligned
    assert score.n == 40
    assert score.accuracy == pytest.approx(39 / 40)
    assert score.label_changed == 0
    # the default votes (if present) belong to the full FER2013, not to these rows
    other = fp.score_against_majority(ds, "PublicTest", probs)
    assert not other.aligned
    assert other.reason


def test_agreement_needs_votes():
    assert fp.agreement(None) is None
