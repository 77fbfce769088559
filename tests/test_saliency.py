"""Occlusion saliency: where the model looks, and which faces are shown."""

import numpy as np
import pytest

from emo_utils.evaluation import saliency
from emo_utils.labels import EMOTIONS, FACE_REGIONS

from .test_metrics import onehot


class _CornerPredictor:
    """P(happy) = mean brightness of the top-left 8x8 corner."""

    def predict_faces(self, faces, tta=None):
        faces = np.asarray(faces, dtype=float)
        p = np.zeros((len(faces), 7))
        p[:, 3] = faces[:, :8, :8].mean(axis=(1, 2)) / 255
        return p


def test_occlusion_map_finds_the_informative_region():
    face = np.zeros((48, 48), np.uint8)
    face[:8, :8] = 255
    heat = saliency.occlusion_map(_CornerPredictor(), face, EMOTIONS.index("happy"))
    assert heat[:4, :4].mean() > 0.3
    assert heat[30:, 30:].max() == 0


def test_region_shares_count_positive_evidence_only():
    heats = np.zeros((2, 48, 48))
    heats[0, FACE_REGIONS["eyes"]] = 1.0
    heats[1, FACE_REGIONS["mouth"]] = 1.0
    heats[1, FACE_REGIONS["eyes"]] = -5.0  # negative evidence is ignored
    shares = saliency.region_shares(heats)
    assert shares.loc[0, "eyes"] == pytest.approx(1.0)
    assert shares.loc[1].tolist() == pytest.approx([0.0, 1.0])


def test_occlusion_examples_one_right_and_one_wrong_face_per_pair():
    labels = np.array([1, 1, 1, 0])
    probs = onehot(np.array([1, 0, 0, 0]), 0.8)  # faces 1, 2: disgust called angry
    probs[2, 0] = 0.95
    images = np.zeros((4, 48, 48), np.uint8)
    maps = saliency.occlusion_examples(
        _CornerPredictor(), images, labels, probs, [("disgust", "angry")]
    )
    assert maps.examples["index"].tolist() == [0, 2]  # most confident mistake: 2
    assert maps.examples["kind"].tolist() == ["right", "wrong"]
    assert maps.examples["seen"].tolist() == ["disgust", "angry"]
    assert maps.heats.shape == (2, 48, 48)
    assert list(maps.shares.columns) == list(FACE_REGIONS)
