"""The webcam widget's Python side, driven without a browser."""

from __future__ import annotations

import base64
import re

import cv2
import numpy as np
import pytest

from emo_utils import EMOTIONS, webcam
from emo_utils.boxes import intersection
from emo_utils.faces.blazeface import BlazeFaceDetector
from emo_utils.images import read_image
from emo_utils.predict import EmotionPredictor
from emo_utils.webcam import (
    CHOSEN_COLOR,
    LIVE_HINT,
    CameraWidget,
    EmotionApp,
    place_tags,
    probability_bars_html,
)


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


@pytest.fixture(scope="module")
def three_faces() -> str:
    """A 640x480 JPEG data URL with three sample faces side by side."""
    return "data:image/jpeg;base64," + base64.b64encode(
        webcam.to_jpeg(webcam.group_frame())).decode()


def bar_probs(bars_html: str) -> list[float]:
    return [float(v.split("'")[0]) for v in bars_html.split("data-prob='")[1:]]


def test_camera_widget_traits():
    cam = CameraWidget(autostart=False)
    assert "export default { render }" in cam._esm  # anywidget read webcam.js
    assert ".emo-cam" in cam._css
    state = cam.get_state()
    for name in ("frame", "frame_id", "ack_id", "live", "fps", "error", "autostart",
                 "round_trip_ms", "camera_on"):
        assert name in state
    assert (cam.frame_id, cam.ack_id, cam.live, cam.autostart) == (0, 0, False, False)
    assert cam.fps == webcam.LIVE_FPS == 30  # stale frames are dropped anyway
    assert cam.live_width < cam.width  # live frames are smaller than snapshots


def test_camera_acks_each_frame_and_keeps_no_copy():
    seen = []
    cam = CameraWidget(on_frame=seen.append, autostart=False)
    cam.frame = "data:image/jpeg;base64,AAAA"
    cam.frame_id = 1
    assert seen == ["data:image/jpeg;base64,AAAA"]
    assert cam.ack_id == 1
    assert cam.frame == ""


def test_the_ack_and_the_cleared_frame_go_back_in_one_message(monkeypatch):
    """Per live frame the kernel sends the browser as few messages as it can: the
    ack and the cleared frame travel together."""
    cam = CameraWidget(on_frame=lambda frame: None, autostart=False)
    sent = []
    monkeypatch.setattr(cam, "send_state", lambda key=None: sent.append(
        {key} if isinstance(key, str) else set(key)))
    cam.frame = "data:image/jpeg;base64,AAAA"
    sent.clear()
    cam.frame_id = 3
    assert [keys for keys in sent if keys != {"frame_id"}] == [{"frame", "ack_id"}]


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
    assert sum(bar_probs(app.bars.value)) == pytest.approx(1.0, abs=1e-3)
    assert app.picture.value.count("class='emo-box'") == 1
    assert f">{pred.label} {pred.confidence:.0%}</div>" in app.picture.value  # tag
    assert app.labels == [pred.label]
    assert app.faces.layout.display == "none"  # no face chooser for one face
    assert "1 face;" in app.info.value
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
def test_bad_payloads_set_a_clear_message(app, three_faces, payload):
    app.handle_frame(three_faces)
    assert app.handle_frame(payload) is None
    assert (app.label, app.labels, app.predictions) == ("", [], [])
    assert app.message.startswith("Could not read that camera image")
    assert "No prediction yet" in app.bars.value
    assert "emo-box" not in app.picture.value  # no stale boxes beside the error
    assert app.faces.layout.display == "none"
    assert "Traceback" not in app.note.value


def test_every_face_gets_a_labelled_box(app, three_faces):
    pred = app.handle_frame(three_faces)
    preds = app.predictions
    page = app.picture.value
    assert len(preds) == 3
    assert pred is preds[0]  # the largest
    assert page.count("class='emo-box'") == 3
    assert page.count("class='emo-tag'") == 3
    for i, p in enumerate(preds, 1):
        assert f"data-face='{i}' data-label='{p.label}'" in page
        assert f">{i} {p.label} {p.confidence:.0%}</div>" in page
    assert app.labels == [p.label for p in preds]
    assert app.message.startswith("3 faces found")
    assert "3 faces;" in app.info.value
    assert app.faces.options == ("1", "2", "3")
    assert app.faces.layout.display is None  # the chooser shows
    assert "Face 1: <b class='emo-label'>" in app.bars.value
    assert bar_probs(app.bars.value) == pytest.approx(preds[0].probs, abs=1e-4)


def test_choosing_a_face_shows_its_bars_and_survives_the_next_frame(app, three_faces):
    app.handle_frame(three_faces)
    second = app.predictions[1]
    app.faces.index = 1  # what clicking "2" does
    assert app.prediction is second
    assert app.label == second.label
    assert bar_probs(app.bars.value) == pytest.approx(second.probs, abs=1e-4)
    assert f"Face 2: <b class='emo-label'>{second.label}</b>" in app.bars.value
    chosen_box = app.picture.value.split("data-face='2' data-label")[1]
    assert CHOSEN_COLOR in chosen_box.split("</div>")[0]
    assert "the bars are for face 2" in app.message
    app.handle_frame(three_faces)  # live: the next frame with as many faces
    assert app.faces.index == 1
    assert "Face 2:" in app.bars.value


def test_a_new_face_count_resets_the_choice(app, three_faces, face_frame):
    app.handle_frame(three_faces)
    app.faces.index = 2
    app.handle_frame(face_frame)
    assert app.faces.layout.display == "none"
    assert app.prediction is app.predictions[0]
    assert "Predicted: <b class='emo-label'>" in app.bars.value


def test_no_face_and_centre_option(app):
    blank = jpeg_data_url(np.full((480, 640), 128, np.uint8))
    app.handle_frame(blank)
    assert app.label == ""
    assert "No face found" in app.message
    app.centre.value = True
    app.handle_frame(blank)
    assert app.label == ""  # a flat image has no centre worth guessing at
    assert "blank" in app.message
    ramp = jpeg_data_url(np.tile(np.linspace(40, 200, 640).astype(np.uint8), (480, 1)))
    app.handle_frame(ramp)
    assert app.label in EMOTIONS
    assert "centre" in app.message
    assert "border:3px dashed" in app.picture.value  # the centre square


def test_live_frames_skip_the_rescue_passes(app, monkeypatch):
    monkeypatch.setattr(BlazeFaceDetector, "detect", lambda *a: [])  # Haar only
    tilted = jpeg_data_url(webcam.hard_face_examples()["tilted"])
    app.camera.live = True  # as webcam.js sets it before the first live frame
    app.camera.frame, app.camera.frame_id = tilted, 1
    assert app.label == ""
    assert app.message.endswith(LIVE_HINT)
    app.camera.live = False  # a snapshot looks harder
    app.camera.frame, app.camera.frame_id = tilted, 2
    assert app.prediction.found_by == "rotated"
    # the box turns with the head: the Haar pass's -45 degrees, made good by the
    # eyes in the finder's second look (the head is tilted 40)
    turned = re.search(r"rotate\((-?[\d.]+)deg\)", app.picture.value)
    assert turned
    assert -45 <= float(turned.group(1)) <= -35


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


def test_uploads_find_the_small_faces_of_a_group_photo(app):
    happy = read_image(webcam.ASSETS / "sample_face_happy.png")
    neutral = read_image(webcam.ASSETS / "sample_face_neutral.png")
    photo = np.full((1200, 1600, 3), 128, np.uint8)
    photo[300:780, 100:580] = cv2.resize(happy, (480, 480))  # one near the camera
    photo[500:650, 900:1050] = cv2.resize(neutral, (150, 150))  # two further back
    photo[500:650, 1250:1400] = cv2.resize(happy, (150, 150))
    png = cv2.imencode(".png", photo)[1].tobytes()
    app.handle_frame(png)  # camera settings: the fast pass sees the near face only
    assert len(app.predictions) == 1
    app._uploaded({"new": ({"name": "group.png", "content": memoryview(png)},)})
    assert len(app.predictions) == 3
    assert [p.found_by for p in app.predictions] == ["blazeface", "small", "small"]
    assert "width:480px" in app.picture.value  # a wider picture for a group
    assert "3 faces found" in app.message


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


def test_tags_of_faces_side_by_side_do_not_cover_each_other():
    boxes = [(10, 50, 30, 30), (45, 50, 30, 30), (80, 50, 30, 30)]
    sizes = [(60, 18)] * 3
    spots = place_tags(boxes, sizes, (200, 150))
    rects = [(x, y, 60, 18) for x, y in spots]
    assert spots[0] == (10, 32)  # above the largest (first) face
    assert spots[1] == (45, 80)  # the next one's above would cover it: below
    for i, a in enumerate(rects):
        assert 0 <= a[0] <= 200 - 60
        assert 0 <= a[1] <= 150 - 18
        for b in rects[:i]:
            assert intersection(a, b) == 0


def test_a_tag_at_the_top_edge_goes_below_and_stays_in_the_picture():
    assert place_tags([(190, 0, 20, 20)], [(60, 18)], (200, 150)) == [(140, 20)]


@pytest.mark.parametrize("name", ["tilted", "dark", "filling the frame"])
def test_blazeface_finds_the_hard_faces_in_live_mode(predictor, name):
    pred = predictor.predict(webcam.hard_face_examples()[name], finder="live")
    assert pred.found_by == "blazeface"
    assert pred.n_faces == 1
    if name == "tilted":  # turned by 40 degrees: cut upright by its eyes
        assert abs(pred.angle + 40) <= 10
    if name == "filling the frame":  # forehead to chin: the square is the picture,
        x, y, w, h = pred.box  # not a part of the face (its first look boxes one)
        assert w > 0.9 * 480
        assert abs(x + w / 2 - 240) < 0.1 * 480
        assert abs(y + h / 2 - 240) < 0.1 * 480


@pytest.mark.parametrize(("name", "found_by"), [("tilted", "rotated"),
                                               ("dark", "contrast"),
                                               ("filling the frame", "padded")])
def test_hard_faces_are_found_by_their_rescue_pass(predictor, name, found_by,
                                                   monkeypatch):
    monkeypatch.setattr(BlazeFaceDetector, "detect", lambda *a: [])  # Haar only
    image = webcam.hard_face_examples()[name]
    assert not predictor.predict(image, finder="live").found  # the fast pass misses it
    pred = predictor.predict(image)
    assert pred.found_by == found_by
    assert pred.n_faces == 1


def test_hard_faces_figure_and_sentences(predictor):
    examples = webcam.hard_face_examples()
    preds = {name: predictor.predict(image) for name, image in examples.items()}
    fig = webcam.plot_hard_faces(examples, preds)
    titles = [ax.get_title() for ax in fig.axes]
    assert "tilted: found by the 'blazeface' pass" in titles
    assert any(t.startswith("network input, turned -") for t in titles)  # upright
    text = webcam.describe_hard_faces(preds)
    assert "**dark**: found by the *blazeface* pass; read as" in text
    assert text.count("\n") == 2


def test_group_photo_falls_back_to_three_sample_faces(monkeypatch, tmp_path):
    monkeypatch.setattr(webcam.frames, "FACES_DIRS", (tmp_path / "nowhere",))
    image, source = webcam.group_photo()
    assert image.shape == (480, 640, 3)
    assert source.startswith("three sample faces")
    (tmp_path / "faces").mkdir()
    cv2.imwrite(str(tmp_path / "faces" / webcam.GROUP_PHOTO), image[:, :, ::-1])
    monkeypatch.setattr(webcam.frames, "FACES_DIRS", (tmp_path / "faces",))
    photo, source = webcam.group_photo()
    assert photo.shape == image.shape
    assert source.endswith(webcam.GROUP_PHOTO)


def test_plot_predictions_draws_every_face_and_its_crop(predictor):
    frame = webcam.group_frame()
    preds = predictor.predict_all(frame)
    fig = webcam.plot_predictions(frame, preds)
    photo = next(ax for ax in fig.axes
                 if ax.images[0].get_array().shape[:2] == (480, 640))
    assert len(photo.patches) == 3  # a box per face
    tags = [t.get_text() for t in photo.texts]
    assert tags == webcam.face_tags(preds)
    crops = [ax.get_title() for ax in fig.axes if ax.images
             and ax.images[0].get_array().shape == (48, 48)]
    assert crops == tags
    text = webcam.describe_predictions(preds)
    assert text.startswith("3 faces found, numbered largest first: 1 **")
    assert "Found by the blazeface pass." in text


def test_live_frames_are_smoothed_and_drawn_as_a_timeline(app, face_frame):
    clock = [100.0]
    app.session.clock = lambda: clock[0]
    app.camera.live = True
    app.handle_frame(face_frame, live=True)
    assert app.timeline.value == ""  # one point is not a line yet
    raw, key = app.session.frame.raw[0], app.session.frame.keys[0]
    neutral = np.full((480, 640), 90, np.uint8)  # the other sample, same place
    neutral[120:280, 240:400] = read_image(
        webcam.ASSETS / "sample_face_neutral.png", gray=True)
    clock[0] += 1 / 15
    app.handle_frame(jpeg_data_url(neutral), live=True)
    frame = app.session.frame
    assert key is not None
    assert frame.keys == [key]  # the same face, tracked
    assert np.abs(frame.raw[0].probs - raw.probs).max() > 0.2
    mean = raw.probs + (1 - np.exp(-1 / 15 / 0.25)) * (frame.raw[0].probs - raw.probs)
    assert bar_probs(app.bars.value) == pytest.approx(mean, abs=1e-3)  # averaged
    assert app.timeline.value.count("class='emo-spark-line'") == 7
    assert app.steady.value  # smoothing is on by default in live mode
    app.steady.value = False
    clock[0] += 1 / 15
    app.handle_frame(face_frame, live=True)
    assert bar_probs(app.bars.value) == pytest.approx(raw.probs, abs=1e-3)
    app.handle_frame(face_frame)  # a snapshot: no timeline, tracks start afresh
    assert app.timeline.value == ""


def load_app_config():
    """app/voila.py as a module (Voila reads it as a config file)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "app" / "voila.py"
    spec = importlib.util.spec_from_file_location("app_voila", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_app_page_cap_comes_from_memory():
    voila = load_app_config()
    assert voila.page_cap(free_mb=22_000, kernel_mb=350) == voila.MAX_PAGES == 12
    assert voila.page_cap(free_mb=4_000, kernel_mb=350) == 8  # (4000 - 1024) // 350
    assert voila.page_cap(free_mb=4_000, kernel_mb=1000) == 2  # TensorFlow kernels
    assert voila.page_cap(free_mb=500, kernel_mb=350) == 1  # always one page
    with pytest.raises(ValueError, match="EMO_APP_KERNEL_MB must be positive"):
        voila.page_cap(free_mb=4_000, kernel_mb=0)
    assert voila.max_kernels({"EMO_APP_MAX_KERNELS": "3"}) == 3  # tests set it
    free = voila.available_mb()
    assert 0 < free < 2**40
    assert voila.max_kernels({"EMO_APP_KERNEL_MB": "350"}) == voila.page_cap(
        voila.available_mb(), 350)
    assert voila.max_kernels({}) == voila.page_cap(voila.available_mb(),
                                                   voila.KERNEL_MB)


def test_the_app_loads_only_the_front_end_it_needs_and_pings_no_websocket():
    """Voila's config: the widget managers and anywidget, no other lab extension
    (Notebook 7's fails in Voila's JupyterLab core); no ping whose timeout tornado
    refuses (see app/voila.py)."""
    from traitlets.config import Config

    voila = load_app_config()
    c = Config()
    voila.configure(c)
    assert sorted(c.VoilaConfiguration.extension_allowlist) == [
        "@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8",
        "anywidget"]
    assert c.Voila.tornado_settings == {"ws_ping_interval": 0}
    assert c.KernelManager.transport == "ipc"
    assert c.CappedKernelManager.max_kernels >= 1
    assert c.MappingKernelManager.cull_connected is False


def test_a_live_frame_is_timed_stage_by_stage(app, face_frame):
    stages = webcam.time_live_frame(app, face_frame, runs=2, warmup=3)
    assert {"frame_ms", "decode_ms", "finder_ms", "network_ms", "draw_ms",
            "encode_ms"} <= set(stages)
    assert all(stages[k] > 0 for k in stages if k.endswith("_ms"))
    assert stages["faces"] == 1
    assert stages["history_points"] == 3 + 2  # warm-up and timed frames: one face
    assert app.session.frame.live
