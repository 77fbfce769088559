"""FaceTracker and ProbabilitySmoother on made-up box and probability sequences."""

import numpy as np
import pytest

from emo_utils.boxes import iou
from emo_utils.over_time.smoothing import ProbabilitySmoother
from emo_utils.over_time.tracking import FaceTracker, cheapest_assignment, match_cost


def _ids(tracker, boxes):
    return [t.id for t in tracker.update(boxes)]


def test_iou_of_same_disjoint_and_half_boxes():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1
    assert iou((0, 0, 10, 10), (20, 0, 10, 10)) == 0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_one_face_moving_keeps_one_id_and_is_confirmed_after_min_hits():
    tracker = FaceTracker(min_hits=2)
    assert _ids(tracker, [(100, 100, 80, 80)]) == [None]  # not yet confirmed
    ids = [_ids(tracker, [(100 + 5 * i, 100, 80, 80)])[0] for i in range(1, 20)]
    assert ids == [1] * 19


def test_two_faces_side_by_side_are_two_tracks_even_when_listed_in_other_order():
    tracker = FaceTracker(min_hits=1)
    left, right = (50, 100, 80, 80), (300, 100, 80, 80)
    assert _ids(tracker, [left, right]) == [1, 2]
    assert _ids(tracker, [right, left]) == [2, 1]
    moved = [(r[0] + 4, r[1] + 2, r[2], r[3]) for r in (right, left)]
    assert _ids(tracker, moved) == [2, 1]


def test_a_short_miss_keeps_the_id_a_long_one_starts_a_new_track():
    tracker = FaceTracker(max_misses=3, min_hits=1)
    box = (100, 100, 80, 80)
    assert _ids(tracker, [box]) == [1]
    for _ in range(3):
        assert _ids(tracker, []) == []
    assert _ids(tracker, [(110, 104, 80, 80)]) == [1]  # back within 3 frames
    for _ in range(4):
        tracker.update([])
    assert _ids(tracker, [box]) == [2]  # gone too long: someone new


def test_a_one_frame_false_detection_never_gets_an_id():
    tracker = FaceTracker(min_hits=2)
    face, blip = (100, 100, 80, 80), (400, 300, 30, 30)
    tracker.update([face])
    assert _ids(tracker, [face, blip]) == [1, None]
    assert _ids(tracker, [face]) == [1]
    assert tracker.update([face])[0].id == 1
    assert max(t.id or 0 for t in tracker.tracks) == 1


def test_far_boxes_do_not_match():
    assert match_cost((0, 0, 50, 50), (400, 400, 50, 50)) == np.inf
    assert match_cost((0, 0, 50, 50), (5, 5, 50, 50)) < 1


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="min_hits"):
        FaceTracker(min_hits=0)


def test_smoother_holds_a_label_through_noise_and_follows_a_change_in_half_a_s():
    happy, sad = np.eye(7)[3] * 0.55 + 0.45 / 7, np.eye(7)[4] * 0.55 + 0.45 / 7
    rng = np.random.default_rng(0)
    smoother = ProbabilitySmoother(tau=0.25)
    labels = []
    for i in range(50):  # 2 s at 25 fps of a held "happy", noisy frame to frame
        noisy = happy + rng.normal(0, 0.2, 7).clip(-0.3, 0.3)
        noisy = np.clip(noisy, 0, None) / np.clip(noisy, 0, None).sum()
        labels.append(int(smoother.update(1, noisy, i / 25).argmax()))
    assert labels[5:] == [3] * 45
    for i in range(50, 75):
        out = smoother.update(1, sad, i / 25)
        if out.argmax() == 4:
            break
    assert (i - 50) / 25 <= 0.5
    assert out.sum() == pytest.approx(1, abs=1e-5)


def test_smoother_off_returns_input_and_faces_are_independent():
    off = ProbabilitySmoother(tau=0)
    p = np.full(7, 1 / 7)
    assert np.allclose(off.update("a", p, 0.0), p)
    on = ProbabilitySmoother()
    on.update("a", np.eye(7)[0], 0.0)
    assert on.update("b", np.eye(7)[1], 0.04).argmax() == 1
    assert on.update("a", np.eye(7)[1], 10.0).argmax() == 1  # long gap: fresh start
    with pytest.raises(ValueError, match="tau"):
        ProbabilitySmoother(tau=-1)


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (3, 1), (2, 3), (4, 4), (3, 7),
                                   (6, 5), (8, 9)])
def test_cheapest_assignment_costs_what_scipys_does(shape):
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(sum(shape))
    for _ in range(20):
        cost = rng.uniform(0, 2, shape)
        cost[rng.uniform(size=shape) < 0.3] = 1e6  # pairs that cannot match
        rows, cols = cheapest_assignment(cost)
        want_rows, want_cols = linear_sum_assignment(cost)
        assert len(rows) == len(want_rows) == min(shape)
        assert rows == sorted(rows)
        assert len(set(cols)) == len(cols)  # one-to-one
        want = cost[want_rows, want_cols].sum()
        assert cost[rows, cols].sum() == pytest.approx(want)
