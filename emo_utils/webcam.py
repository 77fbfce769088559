"""The webcam snapshot widget (anywidget) and the notebook app around it.

``CameraWidget`` shows the camera and sends JPEG frames to the kernel; ``EmotionApp``
finds the face, predicts, and draws the result as cheap HTML (no matplotlib per frame).
Frames stay in the kernel's memory; only the "Save snapshot" button writes to disk.
"""

from __future__ import annotations

import base64
import html
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import anywidget
import cv2
import ipywidgets as widgets
import numpy as np
import numpy.typing as npt
import traitlets

from .face import as_image_bytes, read_image
from .labels import EMOTIONS
from .predict import EmotionPredictor, Prediction

ASSETS = Path(__file__).with_name("assets")
SAMPLE_FACES = ("sample_face_happy.png", "sample_face_neutral.png")
PHOTO_DETECT = {"max_side": 1024, "min_face": 0.03}  # uploads: small faces count too
VIEW_WIDTH = 320  # px of the result picture
log = logging.getLogger(__name__)


class CameraWidget(anywidget.AnyWidget):
    """Camera preview with Snapshot and Live buttons; frames arrive in ``frame``.

    The browser sets ``frame`` (a JPEG data URL) and bumps ``frame_id``; the kernel
    calls ``on_frame(frame)``, clears ``frame`` and sets ``ack_id = frame_id``. Live
    mode sends the next frame only after that ack, so frames never queue up.
    """

    _esm = Path(__file__).with_name("webcam.js")
    _css = Path(__file__).with_name("webcam.css")

    frame = traitlets.Unicode("").tag(sync=True)
    frame_id = traitlets.Int(0).tag(sync=True)
    ack_id = traitlets.Int(0).tag(sync=True)
    live = traitlets.Bool(False).tag(sync=True)
    fps = traitlets.Float(6.0).tag(sync=True)  # live mode; stale frames are dropped
    width = traitlets.Int(640).tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)
    quality = traitlets.Float(0.85).tag(sync=True)
    autostart = traitlets.Bool(True).tag(sync=True)
    camera_on = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    round_trip_ms = traitlets.Float(0.0).tag(sync=True)

    def __init__(self, on_frame: Callable[[str], object] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.on_frame = on_frame
        self.observe(self._frame_arrived, names="frame_id")

    def _frame_arrived(self, change: dict) -> None:
        frame, self.frame = self.frame, ""  # keep no copy in the widget state
        try:
            if frame and self.on_frame is not None:
                self.on_frame(frame)
        finally:
            self.ack_id = change["new"]


def probability_bars_html(probs: npt.ArrayLike | None,
                          labels: Sequence[str] = EMOTIONS) -> str:
    """A horizontal HTML bar chart of the probabilities, the top one highlighted.

    Why HTML: it costs microseconds per frame, a matplotlib figure ~50 ms.
    """
    probs = None if probs is None else np.asarray(probs, dtype=float)
    top = -1 if probs is None else int(probs.argmax())
    if probs is None:
        title = "<span class='emo-label'></span>No prediction yet."
    else:
        name = html.escape(labels[top])
        title = f"Predicted: <b class='emo-label'>{name}</b> ({probs[top]:.0%})"
    rows = [f"<div style='margin-bottom:6px;font-size:15px'>{title}</div>"]
    for i, name in enumerate(labels):
        p = 0.0 if probs is None else float(probs[i])
        color, weight = ("#d62728", "bold") if i == top else ("#1f77b4", "normal")
        rows.append(
            f"<div class='emo-row' data-emotion='{html.escape(name)}' "
            f"data-prob='{p:.4f}' style='display:flex;align-items:center;margin:2px 0'>"
            f"<span style='width:70px;font-weight:{weight}'>{html.escape(name)}</span>"
            "<span style='flex:1;background:#eee;height:14px;border-radius:3px'>"
            f"<span style='display:block;width:{100 * p:.1f}%;height:100%;"
            f"background:{color};border-radius:3px'></span></span>"
            f"<span style='width:48px;text-align:right'>{p:.0%}</span></div>")
    return ("<div class='emo-bars' style='font-family:sans-serif;font-size:13px;"
            f"width:{VIEW_WIDTH}px'>{''.join(rows)}</div>")


def picture_html(data_url: str, size: tuple[int, int], box: tuple | None,
                 face: npt.NDArray[np.uint8] | None = None) -> str:
    """The photo with the face square drawn over it (CSS, no re-encoding), and the
    48x48 face the network saw."""
    w, h = size
    parts = [f"<img src='{data_url}' style='width:100%;display:block' alt='snapshot'>"]
    if box is not None:
        x, y, bw, bh = box
        parts.append(
            "<div class='emo-box' style='position:absolute;box-sizing:border-box;"
            f"border:3px solid #2ca02c;left:{100 * x / w:.2f}%;top:{100 * y / h:.2f}%;"
            f"width:{100 * bw / w:.2f}%;height:{100 * bh / h:.2f}%'></div>")
    out = ("<div style='display:flex;gap:8px;align-items:flex-start'>"
           f"<div style='position:relative;overflow:hidden;width:{VIEW_WIDTH}px'>"
           f"{''.join(parts)}</div>")
    if face is not None:
        png = base64.b64encode(cv2.imencode(".png", face)[1].tobytes()).decode()
        out += ("<div style='font-size:11px;color:#555;text-align:center'>"
                f"<img src='data:image/png;base64,{png}' alt='model input' "
                "style='width:96px;height:96px;image-rendering:pixelated;display:block'>"
                "<div style='line-height:1.2'>network input<br>48×48</div></div>")
    return out + "</div>"


def _jpeg_data_url(image: npt.NDArray[np.uint8], max_side: int = 480) -> str:
    """A small JPEG data URL of an RGB or grey image, for display only."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale,
                           interpolation=cv2.INTER_AREA)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    jpg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    return "data:image/jpeg;base64," + base64.b64encode(jpg).decode()


def _message_html(text: str, kind: str = "info") -> str:
    if not text:
        return ""
    color = {"info": ("#333", "#eef4fb"), "warn": ("#7a4b00", "#fff4de"),
             "error": ("#a00", "#fee")}[kind]
    return (f"<div class='emo-message' style='color:{color[0]};background:{color[1]};"
            f"padding:6px;border-radius:4px;max-width:460px'>{html.escape(text)}</div>")


class EmotionApp(widgets.VBox):
    """Camera, upload and sample buttons -> face box, seven bars, latency, messages.

    ``handle_frame(data_url_or_bytes)`` does the work (tests call it directly);
    ``prediction`` holds the last result, ``label``/``message`` mirror it as text.
    """

    label = traitlets.Unicode("")
    message = traitlets.Unicode("")
    latency_ms = traitlets.Float(0.0)

    def __init__(self, predictor: EmotionPredictor | None = None,
                 save_dir: str | Path = "snapshots", autostart: bool = True):
        self.predictor = predictor or EmotionPredictor.from_checkpoint()
        self.save_dir = Path(save_dir)
        self.prediction: Prediction | None = None
        self._last_frame: bytes | None = None
        self._sample = 0
        self.camera = CameraWidget(on_frame=self.handle_frame, autostart=autostart)
        self.picture = widgets.HTML()
        self.bars = widgets.HTML(probability_bars_html(None))
        self.info = widgets.HTML()
        self.note = widgets.HTML()
        self.upload = widgets.FileUpload(accept="image/*", multiple=False,
                                         description="Upload a photo")
        self.sample_button = widgets.Button(description="Try a sample face",
                                            icon="user")
        self.save_button = widgets.Button(description="Save snapshot", icon="save",
                                          disabled=True,
                                          tooltip="The only button that writes to disk")
        wide = widgets.Layout(width="auto")
        self.center = widgets.Checkbox(
            False, description="Predict on the centre when no face is found",
            indent=False, layout=wide)
        self.flip = widgets.Checkbox(
            False, description="Average with the mirror image (steadier, 2x slower)",
            indent=False, layout=wide)
        self.upload.observe(self._uploaded, names="value")
        self.sample_button.on_click(lambda _: self.try_sample())
        self.save_button.on_click(lambda _: self.save_snapshot())
        result = widgets.VBox([self.picture, self.bars, self.info, self.note],
                              layout=widgets.Layout(min_width="340px"))
        top = widgets.HBox([self.camera, result],
                           layout=widgets.Layout(flex_flow="row wrap", gap="16px"))
        buttons = widgets.HBox([self.upload, self.sample_button, self.save_button])
        super().__init__([top, buttons, self.center, self.flip])
        self.predictor.predict_faces(np.zeros((1, 48, 48), np.uint8))  # warm up TF

    def handle_frame(self, data: str | bytes, source: str = "camera",
                     detect: dict | None = None) -> Prediction | None:
        """Decode a frame (data URL, base64 or image bytes), predict, update the view.

        A payload that is not an image sets ``message`` and returns None.
        """
        start = time.perf_counter()
        try:
            image = read_image(data)
        except (ValueError, TypeError, OSError) as err:
            return self._fail(f"Could not read that {source} image: {err}")
        try:
            pred = self.predictor.predict(
                image, tta="flip" if self.flip.value else None,
                center_crop_if_no_face=self.center.value, **(detect or {}))
        except Exception as err:  # keep the app alive; say what went wrong
            log.exception("prediction failed")
            return self._fail(f"Prediction failed ({type(err).__name__}: {err}).")
        total = time.perf_counter() - start
        url = data if isinstance(data, str) and data.startswith("data:image/") \
            else _jpeg_data_url(image)
        self._last_frame = _as_jpeg(data, image)
        self.prediction = pred
        self.picture.value = picture_html(url, image.shape[1::-1], pred.box,
                                          pred.face if pred.found else None)
        self.bars.value = probability_bars_html(pred.probs if pred.found else None)
        self.latency_ms = 1000 * total
        self.info.value = (
            f"<span class='emo-latency' style='font-size:12px;color:#555'>{source}: "
            f"{image.shape[1]}x{image.shape[0]} px; face + prediction "
            f"{1000 * pred.seconds:.0f} ms, with decoding {1000 * total:.0f} ms</span>")
        kind = "warn" if pred.message else "info"
        self._set_message(pred.message, kind)
        self.label = pred.label
        self.save_button.disabled = False
        return pred

    def try_sample(self) -> Prediction | None:
        """Predict on a sample photo shipped in emo_utils/assets (see LICENSE.md)."""
        name = SAMPLE_FACES[self._sample % len(SAMPLE_FACES)]
        self._sample += 1
        return self.handle_frame((ASSETS / name).read_bytes(), source=f"sample {name}")

    def save_snapshot(self) -> Path | None:
        """Write the last frame as JPEG to ``save_dir``: the app's only disk write."""
        if self._last_frame is None:
            self._set_message("Nothing to save yet: take a snapshot first.", "warn")
            return None
        self.save_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.save_dir / f"snapshot-{stamp}-{self.label or 'noface'}.jpg"
        path.write_bytes(self._last_frame)
        self._set_message(f"Saved {path}.", "info")
        return path

    def _uploaded(self, change: dict) -> None:
        files = change["new"]
        if files:
            upload = files[0]
            self.handle_frame(bytes(upload["content"]),
                              source=f"upload {upload.get('name', '')}".strip(),
                              detect=PHOTO_DETECT)

    def _fail(self, text: str) -> None:
        self.prediction = None
        self.label = ""
        self.bars.value = probability_bars_html(None)
        self._set_message(text, "error")
        return None

    def _set_message(self, text: str, kind: str = "info") -> None:
        self.message = text
        self.note.value = _message_html(text, kind)


def _as_jpeg(data: str | bytes, image: npt.NDArray[np.uint8]) -> bytes:
    """The frame as JPEG bytes for saving: the browser's own JPEG when it sent one."""
    raw = as_image_bytes(data)  # already decoded once, so this cannot fail
    return raw if raw[:3] == b"\xff\xd8\xff" else to_jpeg(image, quality=90)


def sample_frame(name: str = SAMPLE_FACES[0], size: tuple[int, int] = (640, 480),
                 scale: float = 1.5) -> npt.NDArray[np.uint8]:
    """A webcam-like RGB frame: a shipped sample face in the middle of a blurred
    continuation of its own edges.

    Why: benchmarks, the browser test's fake camera and the notebook need a face
    without a camera or FER2013.
    """
    face = read_image(ASSETS / name)
    face = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    w, h = size
    fh, fw = face.shape[:2]
    if fh > h or fw > w:
        raise ValueError(f"a {fw}x{fh} face does not fit a {w}x{h} frame; lower scale")
    y, x = (h - fh) // 2, (w - fw) // 2
    frame = cv2.copyMakeBorder(face, y, h - fh - y, x, w - fw - x, cv2.BORDER_REPLICATE)
    frame = cv2.GaussianBlur(frame, (0, 0), 25)
    frame[y:y + fh, x:x + fw] = face
    return frame


def time_snapshot(predictor: EmotionPredictor, jpeg: bytes, runs: int = 100,
                  warmup: int = 3) -> dict[str, float]:
    """Milliseconds from JPEG bytes to probabilities (decode + detect + crop + model).

    Returns p50/p95/mean over ``runs`` calls; what one webcam snapshot costs the kernel.
    """
    for _ in range(warmup):
        predictor.predict(read_image(jpeg))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        predictor.predict(read_image(jpeg))
        times.append(1000 * (time.perf_counter() - start))
    return {"p50_ms": float(np.percentile(times, 50)),
            "p95_ms": float(np.percentile(times, 95)),
            "mean_ms": float(np.mean(times)), "runs": runs}


def describe_prediction(pred: Prediction) -> str:
    """One plain sentence about a prediction, printed under its figure."""
    if not pred.found:
        return pred.message
    order = np.argsort(pred.probs)[::-1]
    runner = EMOTIONS[order[1]]
    found = ("No face found; the centre of the photo was used." if pred.n_faces == 0
             else "One face found." if pred.n_faces == 1
             else f"{pred.n_faces} faces found; the largest was used.")
    return (f"The network reads **{pred.label}** ({pred.probs[order[0]]:.0%}); "
            f"runner-up {runner} ({pred.probs[order[1]]:.0%}). {found}")


def plot_prediction(image: npt.NDArray[np.uint8], pred: Prediction):
    """Photo with the face square, the 48x48 network input, and the seven bars."""
    import matplotlib.patches as patches
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained",
                             gridspec_kw={"width_ratios": [1.3, 0.8, 1.4]})
    axes[0].imshow(image, cmap="gray" if image.ndim == 2 else None)
    if pred.box is not None:
        x, y, w, h = pred.box
        axes[0].add_patch(patches.Rectangle((x, y), w, h, fill=False, lw=2.5,
                                            color="#2ca02c"))
    axes[0].set_title("photo and face square")
    axes[1].imshow(pred.face, cmap="gray", vmin=0, vmax=255)
    axes[1].set_title("network input, 48×48")
    for ax in axes[:2]:
        ax.axis("off")
    colors = ["#d62728" if i == int(pred.probs.argmax()) and pred.found else "#1f77b4"
              for i in range(len(EMOTIONS))]
    axes[2].barh(list(EMOTIONS)[::-1], pred.probs[::-1], color=colors[::-1])
    axes[2].set_xlim(0, 1)
    axes[2].set_xlabel("probability")
    axes[2].set_title(f"predicted: {pred.label or 'no face'}")
    return fig


def to_jpeg(image: npt.NDArray[np.uint8], quality: int = 85) -> bytes:
    """Encode an RGB or grey uint8 image as JPEG bytes, as the browser's canvas does."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    return cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()
