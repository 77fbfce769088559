"""The webcam widget's Python side, driven without a browser."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from emo_utils import EMOTIONS, webcam
from emo_utils.face import read_image
from emo_utils.predict import EmotionPredictor
from emo_utils.webcam import CameraWidget, EmotionApp, probability_bars_html


@pytest.fixture(scope="module")
def predictor() -> EmotionPredictor:
    return EmotionPredictor.from_checkpoint()


@pytest.fixture
def app(predictor, tmp_path) -> EmotionApp:
    return EmotionApp(predictor, save_dir=tmp_path / "snaps", autostart=False)


def jpeg_data_url(gray: np.ndarray) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(
        cv2.imencode(".jpg", gray)[1].tobytes()).decode()


@pytest.fixture(scope="module")
def face_frame() -> str:
    """A 640x480 JPEG data URL (what the browser sends) with the happy sample in it."""
    face = read_image(webcam.ASSETS / "sample_face_happy.png", gray=True)
    frame = np.full((480, 640), 90, np.uint8)
    frame[120:280, 240:400] = face
    return jpeg_data_url(frame)


def test_camera_widget_traits():
    cam = CameraWidget(autostart=False)
    assert "export default { render }" in cam._esm  # anywidget read webcam.js
    assert ".emo-cam" in cam._css
    state = cam.get_state()
    for name in ("frame", "frame_id", "ack_id", "live", "fps", "error", "autostart",
                 "round_trip_ms", "camera_on"):
        assert name in state
    assert (cam.frame_id, cam.ack_id, cam.live, cam.autostart) == (0, 0, False, False)


def test_camera_acks_each_frame_and_keeps_no_copy():
    seen = []
    cam = CameraWidget(on_frame=seen.append, autostart=False)
    cam.frame = "data:image/jpeg;base64,AAAA"
    cam.frame_id = 1
    assert seen == ["data:image/jpeg;base64,AAAA"]
    assert cam.ack_id == 1
    assert cam.frame == ""


def test_camera_acks_even_when_the_handler_fails():
    def boom(frame):
        raise RuntimeError("handler bug")

    cam = CameraWidget(on_frame=boom, autostart=False)
    cam.frame = "x"
    with pytest.raises(RuntimeError, match="handler bug"):
        cam.frame_id = 7
    assert cam.ack_id == 7  # the browser is not left waiting


def test_a_jpeg_frame_gives_a_prediction(app, face_frame, tmp_path):
    pred = app.handle_frame(face_frame)
    assert pred is not None
    assert app.label == pred.label
    assert app.label in EMOTIONS
    assert app.message == ""
    assert app.bars.value.count("class='emo-row'") == 7
    probs = [float(v) for v in
             app.bars.value.split("data-prob='")[1:] for v in [v.split("'")[0]]]
    assert sum(probs) == pytest.approx(1.0, abs=1e-3)
    assert "class='emo-box'" in app.picture.value
    assert "network input" in app.picture.value
    assert "ms" in app.info.value
    assert app.latency_ms > 0
    assert not (tmp_path / "snaps").exists()  # nothing written without the button


def test_frames_from_the_browser_reach_the_app(app, face_frame):
    app.camera.frame = face_frame
    app.camera.frame_id = 1
    assert app.camera.ack_id == 1
    assert app.label in EMOTIONS


@pytest.mark.parametrize("payload", [b"garbage", "not a picture", 12345,
                                     "data:image/jpeg;base64,",
                                     "data:image/jpeg;base64,AAAA"])
def test_bad_payloads_set_a_clear_message(app, face_frame, payload):
    app.handle_frame(face_frame)
    assert app.handle_frame(payload) is None
    assert app.label == ""
    assert app.message.startswith("Could not read that camera image")
    assert "No prediction yet" in app.bars.value
    assert "Traceback" not in app.note.value


def test_no_face_and_centre_option(app):
    blank = jpeg_data_url(np.full((480, 640), 128, np.uint8))
    app.handle_frame(blank)
    assert app.label == ""
    assert "No face found" in app.message
    app.center.value = True
    app.handle_frame(blank)
    assert app.label in EMOTIONS
    assert "centre" in app.message


def test_sample_button_cycles_through_the_shipped_faces(app):
    first, second = app.try_sample(), app.try_sample()
    assert first.found
    assert second.found
    assert first.label == "happy"
    assert not np.allclose(first.probs, second.probs)


def test_upload(app):
    png = (webcam.ASSETS / "sample_face_neutral.png").read_bytes()
    app._uploaded({"new": ({"name": "me.png", "content": memoryview(png)},)})
    assert app.label in EMOTIONS
    assert "upload me.png" in app.info.value


def test_save_is_the_only_write(app, face_frame, tmp_path):
    assert app.save_snapshot() is None
    assert "Nothing to save" in app.message
    app.handle_frame(face_frame)
    path = app.save_snapshot()
    assert path.parent == tmp_path / "snaps"
    assert list(path.parent.iterdir()) == [path]
    assert read_image(path).shape == (480, 640, 3)
    assert path.name.endswith(f"-{app.label}.jpg")


def test_bars_highlight_the_top_emotion():
    probs = np.array([0.1, 0.0, 0.1, 0.6, 0.1, 0.05, 0.05])
    page = probability_bars_html(probs)
    assert "Predicted: <b class='emo-label'>happy</b> (60%)" in page
    happy_row = page.split("data-emotion='happy'")[1].split("</div>")[0]
    assert "font-weight:bold" in happy_row
    assert "width:60.0%" in happy_row
    assert page.count("font-weight:bold") == 1
    assert "No prediction yet" in probability_bars_html(None)
