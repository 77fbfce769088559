"""One face, one crop: the 48x48 square does not move with how the picture frames
the face (``faces.framing``), and a border adds no face and hides none."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import emo_utils
from emo_utils.faces import PRESETS, find_faces
from emo_utils.faces.framing import FRAMINGS, crop_drift, plain_border, reframe
from emo_utils.images import read_image
from emo_utils.paths import SHARED_DATA

from .requires import require_shared_data

SAMPLE = Path(emo_utils.__file__).with_name("assets") / "sample_face_happy.png"
REAL = ("muxspace_happy_Aaron_Guiel_0001.jpg",
        "muxspace_neutral_Aaron_Eckhart_0001.jpg")
MIN_IOU = 0.8  # every framing's crop against the 50% border's (measured >= 0.8)


def _picture(name: str) -> np.ndarray:
    if name == "sample":
        return read_image(SAMPLE, gray=True)
    require_shared_data("faces")
    return read_image(SHARED_DATA / "faces" / name, gray=True)


@pytest.mark.parametrize("preset", ["webcam", "live", "upload"])
@pytest.mark.parametrize("name", ["sample", *REAL])
def test_the_crop_does_not_drift_with_the_framing(name, preset):
    drift = crop_drift(PRESETS[preset], _picture(name))
    assert set(drift) == set(FRAMINGS)
    low = {framing: v for framing, v in drift.items() if v < MIN_IOU}
    assert not low, f"{name}, {preset}: the crop moved at {low}"


def test_without_the_second_look_a_face_filling_the_photo_is_cut_too_tight():
    """The check can fail: the finder before, on a face filling the picture behind a
    texture no border-trimming removes."""
    picture = _picture(REAL[1])
    before = crop_drift(PRESETS["webcam"].replace(second_look=0), picture)
    after = crop_drift(PRESETS["webcam"], picture)
    assert before["textured 50%"] < 0.6 < MIN_IOU <= after["textured 50%"]


@pytest.mark.parametrize("framing", ["flat 25%", "flat 100%", "replicated 50%"])
def test_a_border_adds_no_face_and_hides_none(framing):
    require_shared_data("faces")
    group = read_image(SHARED_DATA / "faces" / "oarriaga_test_image.jpg", gray=True)
    framed, (dx, dy) = reframe(group, framing)
    as_is = find_faces(group, "upload")
    bordered = find_faces(framed, "upload")
    assert len(as_is) == len(bordered) == 6  # the small faces of the crowd kept
    for a, b in zip(sorted(as_is, key=lambda d: d.box[0]),
                    sorted(bordered, key=lambda d: d.box[0]), strict=True):
        assert (b.box[0] - dx, b.box[1] - dy) == pytest.approx(a.box[:2], abs=4)


@pytest.mark.parametrize("preset", ["webcam", "live", "upload"])
def test_no_face_on_blank_noise_and_gradients_even_with_a_border(preset):
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (360, 480), dtype=np.uint8)
    pictures = [np.full((360, 480), 128, np.uint8), noise,
                cv2.GaussianBlur(noise, (0, 0), 3),
                np.repeat(np.linspace(0, 255, 480).astype(np.uint8)[None], 360, 0),
                np.add.outer(np.arange(360), np.arange(480)).astype(np.uint8)]
    for picture in pictures:
        for framing in ("fills", "flat 50%", "replicated 25%"):
            assert find_faces(reframe(picture, framing)[0], preset) == []


def test_plain_border_finds_the_picture_inside():
    rng = np.random.default_rng(1)
    inner = rng.integers(0, 256, (60, 80), dtype=np.uint8)
    assert plain_border(inner) == (0, 0, 80, 60)
    for framing in ("flat 25%", "flat 100%", "replicated 50%"):
        framed, (dx, dy) = reframe(inner, framing)
        assert plain_border(framed) == (dx, dy, 80, 60)
    off, (dx, dy) = reframe(inner, "off-centre, edge")
    assert plain_border(off) == (dx, dy, 80, 60)
    assert plain_border(np.full((50, 50), 7, np.uint8)) == (0, 0, 50, 50)  # all flat
    thin = np.full((100, 100), 128, np.uint8)
    thin[40:50, 10:90] = inner[:10]  # less than 24 px inside: left whole
    assert plain_border(thin) == (0, 0, 100, 100)


def test_reframe_says_which_framings_exist():
    with pytest.raises(ValueError, match=r"framing must be one of \('fills'"):
        reframe(np.zeros((10, 10), np.uint8), "flat")


class _SaysNeutral:
    """A predictor stand-in: every face is neutral."""

    def predict_faces(self, faces):
        probs = np.zeros((len(faces), 7), np.float32)
        probs[:, 6] = 1
        return probs


def test_compare_framings_cuts_each_framing_with_each_finder():
    from emo_utils.faces import BEFORE_FRAMING
    from emo_utils.faces.framing import SHOWN, compare_framings, describe_framings

    face = np.repeat(_picture("sample")[..., None], 3, axis=2)  # RGB is taken too
    finders = {"before": BEFORE_FRAMING, "after": PRESETS["webcam"]}
    compared = compare_framings(_SaysNeutral(), face, finders)
    assert list(compared.pictures) == list(SHOWN)
    assert compared.labels("after") == dict.fromkeys(SHOWN, "neutral")
    assert all(c.face.shape == (48, 48) for c in compared.crops["after"].values())
    assert describe_framings(compared).splitlines()[1] == (
        "after: neutral (fills), neutral (flat 25%), neutral (off-centre, edge)"
        " - one answer")
