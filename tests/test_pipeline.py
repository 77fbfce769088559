"""One record per face through one pipeline (``infer.pipeline.analyse_frames``):
made-up faces and a stand-in network, so neither a detector nor the model runs."""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import pytest

from emo_utils.faces import FaceCrop
from emo_utils.infer import photos
from emo_utils.infer.pipeline import FaceSearch, analyse_frames
from emo_utils.infer.prediction import (
    BLANK_MESSAGE,
    FACE_COLUMNS,
    NO_FACE_MESSAGE,
)
from emo_utils.labels import EMOTIONS
from emo_utils.over_time import video
from emo_utils.over_time.smoothing import ProbabilitySmoother
from emo_utils.over_time.tracking import FaceTracker

HAPPY, SAD = EMOTIONS.index("happy"), EMOTIONS.index("sad")
LEFT, RIGHT, BLIP = (40, 40, 100, 100), (400, 40, 100, 100), (250, 300, 60, 60)


class Network:
    """A stand-in predictor: each face's probabilities from its grey level (255:
    happy, else sad); it records the batches it was given."""

    def __init__(self):
        self.batches: list[int] = []

    def predict_faces(self, faces, tta=None):
        self.batches.append(len(faces))
        probs = np.full((len(faces), 7), 0.05, np.float32)
        probs[:, HAPPY] = np.where(faces.mean(axis=(1, 2)) == 255, 0.7, 0.05)
        probs[:, SAD] = 1 - probs.sum(axis=1) + probs[:, SAD]
        return probs


def crop(box, grey=255, n=1, angle=0.0) -> FaceCrop:
    return FaceCrop(np.full((48, 48), grey, np.uint8), box, n, False, angle, "haar")


def search_of(frames_boxes: dict, centre=False) -> FaceSearch:
    """A search that 'finds' the crops listed for each frame (the image is its
    index)."""
    return FaceSearch(centre_if_no_face=centre,
                      crop=lambda image, *a, **k: list(frames_boxes.get(image, [])))


def test_the_record_holds_the_finders_crop_and_gives_the_table_columns():
    crops = [crop(LEFT, n=2, angle=12.0), crop(RIGHT, grey=90, n=2)]
    [(place, _, preds)] = analyse_frames([("a.jpg", 0.0, 0)], Network(),
                                         search_of({0: crops}))
    assert place == "a.jpg"
    assert [p.crop for p in preds] == crops  # held, not copied
    assert [p.label for p in preds] == ["happy", "sad"]
    first = preds[0]
    assert (first.box, first.n_faces, first.angle, first.found_by) == \
        (LEFT, 2, 12.0, "haar")
    assert first.face is crops[0].face
    assert first.message == "2 faces found: each is labelled, largest first."
    row = first.row(1)
    assert tuple(row) == FACE_COLUMNS
    assert (row["face"], row["x"], row["w"], row["happy"], row["label"]) == \
        (1, 40, 100, 0.7, "happy")
    assert photos.COLUMNS == ("file", *FACE_COLUMNS, "note")
    assert video.COLUMNS == ("time_s", "frame", *FACE_COLUMNS)


def test_a_frame_without_a_face_gives_one_record_saying_why():
    [(_, _, preds)] = analyse_frames([(0, 0.0, 0)], Network(), search_of({}))
    assert len(preds) == 1
    assert not preds[0].found
    assert (preds[0].message, preds[0].box, preds[0].n_faces) == \
        (NO_FACE_MESSAGE, None, 0)
    [(_, _, preds)] = analyse_frames([(0, 0.0, 0)], Network(),
                                     search_of({}, centre=True))
    assert preds[0].message == BLANK_MESSAGE  # the centre was asked for: blank


def test_persons_only_holds_frames_until_a_track_is_confirmed_and_drops_blips():
    found = {i: [crop(LEFT)] + ([crop(RIGHT)] if i >= 2 else [])
             + ([crop(BLIP)] if i == 1 else []) for i in range(8)}
    out = list(analyse_frames([(i, i / 10, i) for i in range(8)], Network(),
                              search_of(found), tracker=FaceTracker(3, min_hits=3),
                              persons_only=True))
    assert [f.place for f in out] == list(range(8))  # in frame order
    ids = [sorted(p.track_id for p in f.faces) for f in out]
    assert ids[:2] == [[1], [1]]  # left confirmed at frame 2; the blip never
    assert ids[2:] == [[1, 2]] * 6  # right's first two frames held, then its id


def test_smoothing_averages_each_track_and_keeps_the_networks_own():
    found = {0: [crop(LEFT)], 1: [crop(LEFT, grey=90)]}
    out = list(analyse_frames([(i, i / 15, i) for i in range(2)], Network(),
                              search_of(found), tracker=FaceTracker(),
                              smoother=ProbabilitySmoother(0.25)))
    second = out[1].faces[0]
    assert second.track_key == out[0].faces[0].track_key
    assert second.label == "happy"  # a 1/15 s glimpse of sad does not flip it
    assert second.raw_probs.argmax() == SAD
    raw = second.unsmoothed()
    assert (raw.label, raw.probs.argmax()) == ("sad", SAD)
    weight = 1 - np.exp(-1 / 15 / 0.25)
    expected = out[0].faces[0].probs + weight * (raw.probs - out[0].faces[0].probs)
    assert second.probs == pytest.approx(expected, abs=1e-6)


class Loading(Future):
    """A model still loading; asking for it before it is in fails (not hangs)."""

    def result(self, timeout=None):
        assert self.done(), "the pipeline waited for a model still loading"
        return super().result(timeout)


def test_faces_wait_for_a_loading_predictor_then_share_one_batch():
    loading, network = Loading(), Network()

    def frames():
        for i in range(4):
            if i == 3:
                loading.set_result(network)  # the model is in after 3 frames
            yield i, i / 10, i

    found = {i: [crop(LEFT)] for i in range(4)}
    out = list(analyse_frames(frames(), loading, search_of(found)))
    assert [f.place for f in out] == [0, 1, 2, 3]
    assert network.batches == [4]


def test_persons_only_without_a_tracker_says_what_to_pass():
    with pytest.raises(ValueError, match=r"pass tracker=FaceTracker\(\)"):
        analyse_frames([], Network(), persons_only=True)
