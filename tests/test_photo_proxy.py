"""The real-photo proxy: FER2013 faces pasted into photo-like frames."""

from __future__ import annotations

import numpy as np
import pytest

from emo_utils.data import read_fer_csv
from emo_utils.evaluation.photo_proxy import paste_in_frame, score_photo_proxy, upscaled


@pytest.fixture
def real_faces(shared_data_dir):
    dataset = read_fer_csv(shared_data_dir / "fer2013-first-rows.csv", progress=False)
    return dataset.split("Training")


def test_a_face_lands_whole_inside_a_bigger_frame(real_faces):
    images, _ = real_faces
    rng = np.random.default_rng(0)
    for face in images[:20]:
        frame, (x, y, w, h) = paste_in_frame(face, rng)
        assert frame.dtype == np.uint8
        assert frame.ndim == 2
        assert 0 <= x <= x + w <= frame.shape[1]
        assert 0 <= y <= y + h <= frame.shape[0]
        assert 0.2 * min(frame.shape) <= w <= 0.75 * min(frame.shape)
        # the pasted face is still there (correlates with the enlarged original)
        patch = frame[y:y + h, x:x + w].astype(float).ravel()
        face_big = upscaled(face, w).astype(float).ravel()
        assert np.corrcoef(patch, face_big)[0, 1] > 0.5


def test_same_seed_same_frames(real_faces):
    images, _ = real_faces
    a, box_a = paste_in_frame(images[0], np.random.default_rng(3))
    b, box_b = paste_in_frame(images[0], np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert box_a == box_b


@pytest.mark.slow
def test_the_shipped_model_through_the_app_path(real_faces):
    from emo_utils.predict import EmotionPredictor

    images, labels = real_faces
    predictor = EmotionPredictor.from_checkpoint()
    score = score_photo_proxy(predictor, images, labels, "Training", n=40)
    assert score.n == 40
    assert score.found_rate > 0.6  # most pasted faces are found
    assert 0.3 < score.plain_accuracy <= 1.0
    assert score.photo_accuracy <= score.found_rate
    assert score.gap == pytest.approx(score.plain_accuracy - score.photo_accuracy)
    assert 0.0 <= score.photo_ece < 0.3  # the bars roughly mean what they say
