"""The live session (tracking, smoothing, history) and the overlay description,
without a browser, a widget or the network."""

from __future__ import annotations

import re

import numpy as np
import pytest

from emo_utils import EMOTIONS
from emo_utils.faces import FaceCrop
from emo_utils.predict import Prediction
from emo_utils.webcam import (
    CHOSEN_COLOR,
    OTHER_COLOR,
    VSCODE_MESSAGE,
    CameraWidget,
    LiveSession,
    draw_overlay,
    overlay,
    picture_html,
    sparkline_html,
)
from emo_utils.webcam.html_view import SPARK_GUTTER

FPS = 15.0
HAPPY, NEUTRAL, SAD = (EMOTIONS.index(e) for e in ("happy", "neutral", "sad"))


def pred(probs, box=(200, 120, 160, 160), n_faces=1, angle=0.0) -> Prediction:
    probs = np.asarray(probs, np.float32)
    crop = FaceCrop(np.zeros((48, 48), np.uint8), box, n_faces, n_faces == 0, angle,
                    "blazeface")
    return Prediction(probs, EMOTIONS[int(probs.argmax())], crop, 0.01)


def held(top: int, second: int, rng, margin: float = 0.08) -> np.ndarray:
    """A held expression read noisily: ``top`` leads ``second`` by ``margin`` on
    average, but the noise (sd 0.05 each) swaps them about 4 times a second."""
    p = np.full(7, 0.02)
    p[top], p[second] = 0.45 + margin / 2, 0.45 - margin / 2
    p[[top, second]] += rng.normal(0, 0.05, 2)
    p = np.clip(p, 0.01, None)
    return p / p.sum()


def labels_over(session: LiveSession, probs_seq, start: float = 0.0) -> list[str]:
    out = []
    for i, probs in enumerate(probs_seq):
        shown, _ = session.update([pred(probs)], start + i / FPS)
        out.append(shown[0].label)
    return out


def changes(labels: list[str]) -> int:
    return sum(a != b for a, b in zip(labels, labels[1:], strict=False))


def test_smoothing_steadies_a_held_expression_and_follows_a_real_change():
    rng = np.random.default_rng(0)
    happy = [held(HAPPY, NEUTRAL, rng) for _ in range(int(10 * FPS))]
    sad = [held(SAD, NEUTRAL, rng) for _ in range(int(3 * FPS))]
    raw = labels_over(LiveSession(None, tau=0.0), happy + sad)
    steady = LiveSession(None)
    assert steady.smoothing  # on by default
    smooth = labels_over(steady, happy + sad)
    assert changes(raw[: len(happy)]) >= 20  # raw, the label flickers
    assert changes(smooth[: len(happy)]) <= 2  # smoothed, it holds
    after = smooth[len(happy):]
    settled = next(i for i in range(len(after)) if set(after[i:]) == {"sad"})
    assert settled / FPS <= 0.5  # a real change shows within half a second


def test_the_toggle_switches_smoothing_off():
    session = LiveSession(None)
    session.smoothing = False
    a, b = np.eye(7)[HAPPY] * 0.9 + 0.1 / 7, np.eye(7)[SAD] * 0.9 + 0.1 / 7
    session.update([pred(a)], 0.0)
    shown, _ = session.update([pred(b)], 1 / FPS)
    np.testing.assert_allclose(shown[0].probs, b, atol=1e-6)  # as the network said
    session.smoothing = True
    shown, _ = session.update([pred(a)], 2 / FPS)
    assert shown[0].label == "sad"  # averaged again: one frame is not enough
    assert shown[0].probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_tracking_keeps_each_face_and_the_choice_follows_it():
    session = LiveSession(None)
    left, right = (60, 140, 150, 150), (400, 150, 140, 140)  # left is larger
    p = np.full(7, 1 / 7)
    keys = [session.update([pred(p, left), pred(p, right)], i / FPS)[1]
            for i in range(5)]
    assert all(k == keys[0] for k in keys)
    assert keys[0][0] != keys[0][1]
    session.frame = type("F", (), {"keys": keys[-1]})()  # what analyse() stores
    session.choose(1)  # the right-hand face
    right_key = keys[-1][1]
    bigger = (395, 140, 170, 170)  # it comes closer: now the largest, listed first
    _, now = session.update([pred(p, bigger), pred(p, (62, 141, 150, 150))], 1.0)
    assert now[0] == right_key
    assert session.chosen == 0  # the bars still show the same person


def test_history_keeps_the_last_ten_seconds_and_forgets_who_left():
    session = LiveSession(None)
    p = np.full(7, 1 / 7)
    for i in range(int(15 * FPS)):
        _, keys = session.update([pred(p)], i / FPS)
    times, probs = session.history(keys[0])
    now = (int(15 * FPS) - 1) / FPS
    assert probs.shape == (len(times), 7)
    assert now - times[0] <= session.history_s
    assert now - times[0] >= session.history_s - 2 / FPS
    assert len(times) == pytest.approx(10 * FPS, abs=2)
    for i in range(session.tracker.max_misses + 1):  # nobody in view
        session.update([], now + (i + 1) / FPS)
    assert len(session.history(keys[0])[0]) == 0
    assert session.history(None)[1].shape == (0, 7)


def test_a_snapshot_starts_afresh():
    session = LiveSession(None)
    p = np.full(7, 1 / 7)
    _, keys = session.update([pred(p)], 0.0)
    session.update([pred(p)], 0.1)
    shown, untracked = session.update([pred(p)], 0.2, live=False)
    assert untracked == [None]
    assert len(session.history(keys[0])[0]) == 0
    assert session.tracker.tracks == []


def three_faces() -> list[Prediction]:
    probs = np.eye(7)[[HAPPY, NEUTRAL, SAD]] * 0.8 + 0.2 / 7
    boxes = [(40, 150, 180, 180), (260, 170, 140, 140), (450, 170, 140, 140)]
    return [pred(p, b, n_faces=3, angle=a)
            for p, b, a in zip(probs, boxes, (0.0, -20.0, 0.0), strict=True)]


def test_the_overlay_describes_every_face_once():
    marks = overlay(three_faces(), (640, 480), chosen=1, px=2.0)
    assert [m.number for m in marks] == [1, 2, 3]
    assert [m.tag for m in marks] == ["1 happy 83%", "2 neutral 83%", "3 sad 83%"]
    assert [m.color for m in marks] == [OTHER_COLOR, CHOSEN_COLOR, OTHER_COLOR]
    assert [m.angle for m in marks] == [0.0, -20.0, 0.0]
    for m in marks:  # tags keep their screen size: 2 photo px per screen px
        assert m.tag_size == pytest.approx((2 * (7.2 * len(m.tag) + 8), 36))
        x, y = m.tag_xy
        assert 0 <= x <= 640 - m.tag_size[0]
        assert 0 <= y <= 480 - m.tag_size[1]
    assert marks[0].tag_xy == (40, 150 - 36)  # above the largest face
    centre = overlay([pred(np.eye(7)[HAPPY], (160, 80, 320, 320), n_faces=0)],
                     (640, 480))
    assert centre[0].dashed
    assert centre[0].tag == "happy 100%"


def test_html_and_matplotlib_draw_the_same_overlay():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    preds = three_faces()
    page = picture_html("data:image/jpeg;base64,", (640, 480), preds, chosen=1,
                        view_width=320)
    for m in overlay(preds, (640, 480), chosen=1, px=2.0):
        x, y, w, h = m.box
        box = page.split(f"class='emo-box' data-face='{m.number}'")[1]
        assert f"left:{100 * x / 640:.2f}%;top:{100 * y / 480:.2f}%" in box
        assert m.color in box.split("</div>")[0]
        tag = page.split(f"class='emo-tag' data-face='{m.number}'")[1]
        assert f"left:{100 * m.tag_xy[0] / 640:.2f}%" in tag
        assert f">{m.tag}</div>" in tag
    assert "rotate(-20deg)" in page
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    draw_overlay(ax, np.zeros((480, 640, 3), np.uint8), preds, chosen=1)
    marks = overlay(preds, (640, 480), chosen=1)
    assert [t.get_text() for t in ax.texts] == [m.tag for m in marks]
    for patch, m in zip(ax.patches, marks, strict=True):
        assert (patch.get_x(), patch.get_y(), patch.get_width(),
                patch.get_height()) == pytest.approx(m.box)
        assert patch.angle == m.angle
        assert to_hex(patch.get_edgecolor()) == m.color
    plt.close(fig)


def test_sparkline_draws_a_line_per_emotion_and_the_top_as_bands():
    assert sparkline_html([0.0], np.full((1, 7), 1 / 7), 0.0) == ""
    times = np.arange(0, 10, 0.5)
    probs = np.tile(np.eye(7)[HAPPY] * 0.8 + 0.2 / 7, (len(times), 1))
    probs[-4:] = np.eye(7)[SAD] * 0.8 + 0.2 / 7
    svg = sparkline_html(times, probs, now=times[-1])
    assert svg.count("class='emo-spark-line'") == 7
    sad_line = svg.split("data-emotion='sad'")[1].split("/>")[0]
    assert "stroke-width='2.2'" in sad_line  # the current top emotion stands out
    assert sad_line.split("points='")[1].split("'")[0].split()[-1].startswith("320,")
    assert "the last 10 seconds" in svg
    bands = svg.split("height='8' fill='")[1:]
    assert [b[:7] for b in bands] == ["#d62728", "#9467bd"]  # happy, then sad
    assert "x='44.5' y='66' width='232.0'" in svg  # happy until the first sad point


def test_sparkline_labels_sit_left_of_every_line():
    """The 100% and 50% labels are readable: in a gutter no line or band enters."""
    times = np.linspace(0, 10, 300)  # ten seconds at 30 frames/s
    probs = np.random.default_rng(0).dirichlet(np.ones(7), len(times))
    svg = sparkline_html(times, probs, now=times[-1])
    labels = re.findall(r"<text class='emo-spark-axis' x='([\d.]+)'[^>]*"
                        r"text-anchor='end'[^>]*>([^<]+)<", svg)
    assert [text for _, text in labels] == ["100%", "50%"]
    xs = [int(point.split(",")[0]) for line in re.findall(r"points='([^']+)'", svg)
          for point in line.split()]
    bands = [float(x) for x in re.findall(r"<rect x='([\d.]+)' y='66'", svg)]
    assert min(xs + bands) >= SPARK_GUTTER  # nothing drawn in the labels' gutter
    assert all(float(x) <= SPARK_GUTTER for x, _ in labels)  # labels end before it


def test_vs_code_gets_one_sentence_pointing_elsewhere():
    cam = CameraWidget(autostart=False)
    state = cam.get_state()
    assert state["host"] == ""
    assert state["vscode_message"] == VSCODE_MESSAGE
    assert VSCODE_MESSAGE.count(". ") == 0
    assert VSCODE_MESSAGE.endswith(".")
    for words in ("upload", "video", "python -m emo_utils video", "JupyterLab"):
        assert words in VSCODE_MESSAGE
    js = cam._esm  # anywidget has read webcam.js
    assert "vscode-webview:" in js
    assert "acquireVsCodeApi" in js
    assert 'model.get("vscode_message")' in js
