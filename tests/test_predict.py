"""EmotionPredictor.predict: a photo in; probabilities, face box and timing out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from emo_utils import EMOTIONS
from emo_utils.images import read_image
from emo_utils.predict import SHIPPED_CHECKPOINT, CheckpointError, EmotionPredictor

ASSETS = Path(__file__).resolve().parent.parent / "emo_utils" / "assets"


@pytest.fixture(scope="module")
def predictor() -> EmotionPredictor:
    return EmotionPredictor.from_checkpoint()


@pytest.fixture(scope="module")
def happy() -> np.ndarray:
    """The shipped happy face (RGB 160x160) pasted into a grey 640x480 frame."""
    face = read_image(ASSETS / "sample_face_happy.png")
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[100:260, 300:460] = face
    return frame


def test_predict_returns_a_full_prediction(predictor, happy):
    pred = predictor.predict(happy)
    assert pred.probs.shape == (7,)
    assert pred.probs.dtype == np.float32
    assert pred.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert pred.label == EMOTIONS[int(pred.probs.argmax())]
    assert pred.found
    assert pred.n_faces == 1
    x, y, w, h = pred.box
    assert abs(x + w / 2 - 380) < 20  # centred on the pasted face
    assert abs(y + h / 2 - 180) < 20
    assert pred.face.shape == (48, 48)
    assert pred.face.dtype == np.uint8
    assert 0 < pred.seconds < 5
    assert pred.message == ""


def test_happy_sample_looks_happy(predictor, happy):
    probs = predictor.predict(happy).probs
    top2 = [EMOTIONS[i] for i in np.argsort(probs)[::-1][:2]]
    assert "happy" in top2, dict(zip(EMOTIONS, probs.round(2), strict=True))


def test_predict_does_not_touch_the_input(predictor, happy):
    image = happy.copy()
    image.setflags(write=False)  # a write would raise
    predictor.predict(image, tta="flip")
    np.testing.assert_array_equal(image, happy)


def test_flip_tta_averages_two_views(predictor, happy):
    plain = predictor.predict(happy, tta=None)
    both = predictor.predict(happy, tta="flip")
    assert both.box == plain.box  # same face, same crop ...
    mirrored = predictor.predict_faces(plain.face[:, ::-1], tta=None)[0]
    assert both.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert not np.allclose(both.probs, plain.probs)  # ... two views averaged
    np.testing.assert_allclose(both.probs, (plain.probs + mirrored) / 2, atol=1e-5)


def test_no_face_and_centre_crop(predictor):
    scene = np.repeat(np.linspace(0, 255, 320, dtype=np.uint8)[None], 240, axis=0)
    pred = predictor.predict(scene)
    assert not pred.found
    assert (pred.label, pred.box, pred.n_faces) == ("", None, 0)
    np.testing.assert_array_equal(pred.probs, np.zeros(7))
    # from Python the message names the argument, not the app's checkbox
    assert pred.message == (
        "No face found. Use a picture where the face is visible, upright and well "
        "lit, or pass centre_if_no_face=True to classify the centre of the image.")
    from emo_utils.webcam.describe import faces_note

    assert faces_note([pred]) == (
        "No face found. Face the camera in good light, or switch on 'Predict on the "
        "centre when no face is found'.", "warn")
    centre = predictor.predict(scene, centre_if_no_face=True)
    assert centre.found
    assert centre.box == (40, 0, 240, 240)
    assert centre.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert "centre" in centre.message


@pytest.mark.parametrize("shape", [(1, 1), (240, 320)])
def test_a_blank_image_gets_no_label_even_with_the_centre_fallback(predictor, shape):
    """One black pixel used to come back 'angry 84%'."""
    pred = predictor.predict(np.zeros(shape, np.uint8), centre_if_no_face=True)
    assert not pred.found
    assert pred.confidence == 0.0
    assert "blank" in pred.message


def test_predict_all_labels_every_face_largest_first(predictor):
    face = read_image(ASSETS / "sample_face_neutral.png", gray=True)
    frame = np.full((480, 640), 90, np.uint8)
    for side, x, y in ((200, 10, 100), (150, 250, 40), (110, 460, 300)):
        frame[y:y + side, x:x + side] = cv2.resize(face, (side, side))
    preds = predictor.predict_all(frame)
    assert len(preds) == 3
    assert [p.box[2] for p in preds] == sorted((p.box[2] for p in preds), reverse=True)
    assert all(p.found and p.n_faces == 3 for p in preds)
    assert preds[0].message == "3 faces found: each is labelled, largest first."
    for p in preds:  # each face's own probabilities, as predict_faces gives them
        np.testing.assert_allclose(p.probs, predictor.predict_faces(p.face)[0],
                                   atol=1e-5)
    assert predictor.predict(frame).box == preds[0].box  # predict: the largest


def test_several_faces_uses_the_largest(predictor):
    face = read_image(ASSETS / "sample_face_neutral.png", gray=True)
    frame = np.full((480, 640), 90, np.uint8)
    frame[40:200, 20:180] = face
    frame[150:470, 300:620] = np.kron(face, np.ones((2, 2), np.uint8))  # twice as big
    pred = predictor.predict(frame)
    assert pred.n_faces == 2
    assert pred.message == "2 faces found: each is labelled, largest first."
    assert pred.box[2] > 300


def test_predict_faces_rejects_wrong_shapes(predictor):
    with pytest.raises(ValueError, match="48x48"):
        predictor.predict_faces(np.zeros((2, 64, 64), np.uint8))


@pytest.fixture
def checkpoint_copy(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    for name in ("config.json", "weights.npz"):
        shutil.copy(SHIPPED_CHECKPOINT / name, run / name)
    return run


def test_missing_checkpoint_says_how_to_fix(tmp_path):
    with pytest.raises(CheckpointError, match=r"no config.json in .*make train"):
        EmotionPredictor.from_checkpoint(tmp_path / "nowhere")


def test_truncated_weights(checkpoint_copy):
    weights = checkpoint_copy / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        EmotionPredictor.from_checkpoint(checkpoint_copy)


def test_missing_weights(checkpoint_copy):
    (checkpoint_copy / "weights.npz").unlink()
    with pytest.raises(CheckpointError, match="no weights file"):
        EmotionPredictor.from_checkpoint(checkpoint_copy)


def test_other_architecture(checkpoint_copy):
    config_path = checkpoint_copy / "config.json"
    config = json.loads(config_path.read_text())
    config["layers"][0]["filters"] = 16  # weights were trained with 32
    config_path.write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="another architecture"):
        EmotionPredictor.from_checkpoint(checkpoint_copy)


def test_broken_config(checkpoint_copy):
    (checkpoint_copy / "config.json").write_text('{"name": "x", "colour": 3}')
    with pytest.raises(CheckpointError, match="not a valid config"):
        EmotionPredictor.from_checkpoint(checkpoint_copy)


@pytest.mark.parametrize(("edit", "match"), [
    (lambda c: c["layers"][0].update(type="convolution"),
     r"layers\[0\]': unknown layer type 'convolution'"),
    (lambda c: c.pop("layers"), r"required field 'layers'"),
    (lambda c: c["layers"][0].update(filters="32"),
     r"layers\[0\]' \(conv\): 'filters'"),
    (lambda c: c.update(lr="fast"), r"field 'lr' is 'fast'"),
    (lambda c: c.update(normalize=1), r"field 'normalize'"),
])
def test_config_errors_name_the_field(checkpoint_copy, edit, match):
    """Was ValueError, KeyError or a TensorFlow TypeError deep in graph building."""
    path = checkpoint_copy / "config.json"
    config = json.loads(path.read_text())
    edit(config)
    path.write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=match) as err:
        EmotionPredictor.from_checkpoint(checkpoint_copy)
    assert "config.json is not a valid config" in str(err.value)


def test_an_lfs_pointer_says_how_to_fetch_the_weights(checkpoint_copy):
    (checkpoint_copy / "weights.npz").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a2146\nsize 18412345\n")
    with pytest.raises(CheckpointError, match="Git LFS pointer.*git lfs pull"):
        EmotionPredictor.from_checkpoint(checkpoint_copy)


def test_temperature_softens_probabilities_without_changing_labels(checkpoint_copy):
    faces = np.random.default_rng(0).integers(0, 256, (20, 48, 48), dtype=np.uint8)
    plain = EmotionPredictor.from_checkpoint(checkpoint_copy, calibrated=False)
    (checkpoint_copy / "calibration.json").write_text('{"temperature": 2.0}')
    calibrated = EmotionPredictor.from_checkpoint(checkpoint_copy)
    assert calibrated.temperature == 2.0
    p = plain.predict_faces(faces, tta=None)
    q = calibrated.predict_faces(faces, tta=None)
    np.testing.assert_array_equal(p.argmax(1), q.argmax(1))
    assert (q.max(1) < p.max(1)).all()
    logits = plain.predict_logits(faces)[0]
    expected = np.exp(logits / 2) / np.exp(logits / 2).sum(1, keepdims=True)
    np.testing.assert_allclose(q, expected, atol=1e-5)
    (checkpoint_copy / "calibration.json").write_text('{"temperature": "hot"}')
    with pytest.raises(CheckpointError, match="calibration.json is not valid"):
        EmotionPredictor.from_checkpoint(checkpoint_copy)


def test_describe_names_the_shipped_weights_accuracy(tmp_path):
    for name in ("config.json", "weights.npz"):
        shutil.copy(SHIPPED_CHECKPOINT / name, tmp_path)
    metrics = {"best_held_back_acc": 0.61, "epochs_run": 120,
               "averaged": {"epochs": [91, 120], "held_back_acc": 0.675},
               "test": {"PublicTest": {"accuracy": 0.7012}}}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    text = EmotionPredictor.from_checkpoint(tmp_path).describe()
    assert "67.5% accuracy on the held-back training slice after 120 epochs" in text
    assert "70.1% on PublicTest" in text
    (tmp_path / "metrics.json").unlink()
    assert "no metrics.json" in EmotionPredictor.from_checkpoint(tmp_path).describe()


def test_faces_and_photos_get_the_mirror_image_by_default(predictor, happy):
    # the temperature is fitted on flip-averaged logits: that is what callers get
    pred = predictor.predict(happy)
    np.testing.assert_allclose(pred.probs, predictor.predict(happy, tta="flip").probs)
    assert not np.allclose(pred.probs, predictor.predict(happy, tta=None).probs)
    np.testing.assert_allclose(predictor.predict_faces(pred.face),
                               predictor.predict_faces(pred.face, tta="flip"))


def test_views_run_in_chunks_give_the_same_logits(predictor):
    faces = np.random.default_rng(1).integers(0, 256, (9, 48, 48), dtype=np.uint8)
    whole = predictor.predict_logits(faces, "shift", batch_size=256)  # one run
    chunked = predictor.predict_logits(faces, "shift", batch_size=7)  # 9 runs of 1
    assert whole.shape == chunked.shape == (10, 9, 7)
    np.testing.assert_allclose(chunked, whole, atol=1e-4)
    one_view = predictor.predict_logits(faces, None)[0]
    np.testing.assert_allclose(whole[0], one_view, atol=1e-4)  # view 0: the faces
    assert predictor.predict_logits(faces[:0], "flip").shape == (2, 0, 7)


# ---- the front door: every form a photo comes in (issue: photos in, table out)


@pytest.fixture(scope="module")
def happy_file(tmp_path_factory, happy) -> Path:
    path = tmp_path_factory.mktemp("photos") / "happy.jpg"
    assert cv2.imwrite(str(path), cv2.cvtColor(happy, cv2.COLOR_RGB2BGR))
    return path


def test_every_accepted_form_gives_the_same_face(predictor, happy, happy_file):
    import PIL.Image

    reference = predictor.predict(happy_file)
    assert reference.label == "happy"
    bgr = cv2.imread(str(happy_file))
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    forms = [str(happy_file), happy_file.read_bytes(), PIL.Image.open(happy_file),
             rgb, rgb.astype(np.float32) / 255, rgb[..., 0]]
    for form in forms:
        pred = predictor.predict(form)
        assert pred.label == "happy", type(form)
        assert pred.box == pytest.approx(reference.box, abs=6), type(form)
    assert predictor.predict(bgr, channels="BGR").box == reference.box
    webp = cv2.imencode(".webp", bgr)[1].tobytes()
    assert predictor.predict(webp).label == "happy"


@pytest.mark.parametrize(("bad", "error", "match"), [
    (None, ValueError, r"expected a picture \(a file path.*got None"),
    (7, ValueError, r"got an int \(7\)"),
    (np.zeros((0,), np.uint8), ValueError, r"the image is empty \(shape \(0,\)\)"),
    (np.zeros((0, 10, 3), np.uint8), ValueError, "the image is empty"),
    (np.full((8, 8), 200.0), ValueError, r"values in 0-1, got 200 to 200"),
    (np.zeros((8, 8), bool), ValueError, "uint8"),
    ("no/such/photo.jpg", FileNotFoundError, "no such file: no/such/photo.jpg"),
    ("holiday.png", FileNotFoundError, "no such file: holiday.png"),
])
def test_bad_inputs_get_one_clear_message(predictor, bad, error, match):
    with pytest.raises(error, match=match):
        predictor.predict(bad)


def test_a_file_that_is_not_an_image_is_named(predictor, tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("shopping list")
    with pytest.raises(ValueError, match=r"notes.jpg is not an image"):
        predictor.predict(text)
    with pytest.raises(ValueError, match="is a folder"):
        predictor.predict(tmp_path)


def test_a_missing_calibration_is_said_once_and_recorded(checkpoint_copy):
    (checkpoint_copy / "calibration.json").unlink(missing_ok=True)
    with pytest.warns(UserWarning, match="uncalibrated"):
        plain = EmotionPredictor.from_checkpoint(checkpoint_copy)
    assert plain.calibrated is False
    assert EmotionPredictor.from_checkpoint().calibrated is True
