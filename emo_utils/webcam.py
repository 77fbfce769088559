"""The webcam snapshot widget (anywidget) and the notebook app around it.

``CameraWidget`` shows the camera and sends JPEG frames to the kernel; ``EmotionApp``
finds every face, predicts, and draws the result as cheap HTML (no matplotlib per
frame): a labelled box on each face, the seven bars of the chosen one.
Frames stay in the kernel's memory; only the "Save snapshot" button writes to disk.
"""

from __future__ import annotations

import base64
import html
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import anywidget
import cv2
import ipywidgets as widgets
import numpy as np
import numpy.typing as npt
import traitlets

from .images import as_image_bytes, read_image, to_jpeg
from .labels import EMOTIONS
from .paths import DATA_DIRS, relative_to_repo
from .predict import EmotionPredictor, Prediction

ASSETS = Path(__file__).with_name("assets")
SAMPLE_FACES = ("sample_face_happy.png", "sample_face_neutral.png")
LIVE_HINT = (" Live mode takes one quick look; Snapshot also tries the slower "
             "rescue passes.")
LIVE_FPS = 15.0  # live mode's cap; a slower kernel gets fewer, fresh frames
VIEW_WIDTH = 320  # px of the result picture
GROUP_VIEW_WIDTH = 480  # px of the result picture with three faces or more
FACES_DIRS = tuple(d / "faces" for d in DATA_DIRS)  # where group_photo() looks
GROUP_PHOTO = "oarriaga_test_image.jpg"
CHOSEN_COLOR, OTHER_COLOR = "#2ca02c", "#1f77b4"  # the face the bars show / the others
TAG_CHAR_PX, TAG_HEIGHT_PX = 7.2, 18  # a label tag in bold 12 px sans-serif
log = logging.getLogger(__name__)


class CameraWidget(anywidget.AnyWidget):
    """Camera preview with Snapshot and Live buttons; frames arrive in ``frame``.

    The browser sets ``frame`` (a JPEG data URL) and bumps ``frame_id``; the kernel
    calls ``on_frame(frame)``, clears ``frame`` and sets ``ack_id = frame_id``. Live
    mode sends the next frame only after that ack (and at most ``fps`` a second), so
    frames never queue up: a slow kernel gets fewer, fresh frames.
    """

    _esm = Path(__file__).with_name("webcam.js")
    _css = Path(__file__).with_name("webcam.css")

    frame = traitlets.Unicode("").tag(sync=True)
    frame_id = traitlets.Int(0).tag(sync=True)
    ack_id = traitlets.Int(0).tag(sync=True)
    live = traitlets.Bool(False).tag(sync=True)
    fps = traitlets.Float(LIVE_FPS).tag(sync=True)  # live; stale frames are dropped
    width = traitlets.Int(640).tag(sync=True)  # snapshots
    live_width = traitlets.Int(480).tag(sync=True)  # live frames: 1.8x fewer pixels
    height = traitlets.Int(480).tag(sync=True)
    quality = traitlets.Float(0.85).tag(sync=True)
    live_quality = traitlets.Float(0.7).tag(sync=True)
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
                          labels: Sequence[str] = EMOTIONS,
                          title: str = "Predicted") -> str:
    """A horizontal HTML bar chart of the probabilities, the top one highlighted.

    Why HTML: it costs microseconds per frame, a matplotlib figure ~50 ms.
    ``title`` names what the bars are for ("Face 2" in a group).
    """
    probs = None if probs is None else np.asarray(probs, dtype=float)
    top = -1 if probs is None else int(probs.argmax())
    if probs is None:
        head = "<span class='emo-label'></span>No prediction yet."
    else:
        name = html.escape(labels[top])
        head = (f"{html.escape(title)}: <b class='emo-label'>{name}</b> "
                f"({probs[top]:.0%})")
    rows = [f"<div style='margin-bottom:6px;font-size:15px'>{head}</div>"]
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


def face_tags(preds: Sequence[Prediction]) -> list[str]:
    """The text on each face's box: "happy 92%", numbered "1 happy 92%" in a group."""
    found = [p for p in preds if p.found]
    number = len(found) > 1
    return [f"{f'{i} ' if number else ''}{p.label} {p.confidence:.0%}"
            for i, p in enumerate(found, 1)]


def place_tags(boxes: Sequence[tuple[float, float, float, float]],
               sizes: Sequence[tuple[float, float]],
               view: tuple[float, float]) -> list[tuple[float, float]]:
    """Top-left corners for label tags of ``sizes`` (w, h) on ``boxes`` (x, y, w, h),
    all in one unit, inside a ``view`` (w, h): above each box, else below it, else
    inside its top edge; never over a tag placed before (the largest face first).

    Why: in a group photo the faces stand side by side and their tags would cover
    each other."""
    placed: list[tuple[float, float, float, float]] = []
    for (x, y, _, h), (tw, th) in zip(boxes, sizes, strict=True):
        tx = min(max(0.0, x), max(0.0, view[0] - tw))
        inside = min(max(0.0, y), max(0.0, view[1] - th))
        for ty in (y - th, y + h, inside):
            if 0 <= ty <= view[1] - th and not any(
                    _overlap((tx, ty, tw, th), r) for r in placed):
                break
        else:
            ty = inside
        placed.append((tx, ty, tw, th))
    return [(x, y) for x, y, _, _ in placed]


def _overlap(a, b) -> bool:
    return (a[0] < b[0] + b[2] and b[0] < a[0] + a[2]
            and a[1] < b[1] + b[3] and b[1] < a[1] + a[3])


def picture_html(data_url: str, size: tuple[int, int],
                 preds: Sequence[Prediction] = (), chosen: int = 0,
                 view_width: int = VIEW_WIDTH) -> str:
    """The photo with every face's box and label tag drawn over it (CSS, no
    re-encoding), and the 48x48 face the network saw for face ``chosen``.

    The chosen face (whose bars are shown) is green, the others blue; a tilted face's
    box is turned with it; the centre square (no face found) is dashed."""
    w, h = size
    view = (view_width, view_width * h / w)
    found = [p for p in preds if p.found and p.box is not None]
    tags = face_tags(found)
    boxes = [tuple(v * view_width / w for v in p.box) for p in found]
    sizes = [(TAG_CHAR_PX * len(t) + 8, TAG_HEIGHT_PX) for t in tags]
    spots = place_tags(boxes, sizes, view)
    parts = [f"<img src='{data_url}' style='width:100%;display:block' alt='snapshot'>"]
    for i, (pred, tag, (tx, ty)) in enumerate(zip(found, tags, spots, strict=True)):
        x, y, bw, bh = pred.box
        color = CHOSEN_COLOR if i == chosen else OTHER_COLOR
        line = "dashed" if pred.n_faces == 0 else "solid"  # the centre square
        turn = f";transform:rotate({pred.angle:g}deg)" if pred.angle else ""
        parts.append(
            f"<div class='emo-box' data-face='{i + 1}' "
            f"data-label='{html.escape(pred.label)}' style='position:absolute;"
            f"box-sizing:border-box;border:{3 if i == chosen else 2}px {line} {color};"
            f"left:{100 * x / w:.2f}%;top:{100 * y / h:.2f}%;"
            f"width:{100 * bw / w:.2f}%;height:{100 * bh / h:.2f}%{turn}'></div>")
        parts.append(
            f"<div class='emo-tag' data-face='{i + 1}' style='position:absolute;"
            f"left:{100 * tx / view[0]:.2f}%;top:{100 * ty / view[1]:.2f}%;"
            f"background:{color};color:white;font:bold 12px/16px sans-serif;"
            f"padding:1px 4px;border-radius:3px;white-space:nowrap'>"
            f"{html.escape(tag)}</div>")
    out = ("<div style='display:flex;gap:8px;align-items:flex-start'>"
           f"<div class='emo-picture' style='position:relative;overflow:hidden;"
           f"width:{view_width}px;flex:none'>{''.join(parts)}</div>")
    if found:
        face = found[min(chosen, len(found) - 1)].face
        png = base64.b64encode(cv2.imencode(".png", face)[1].tobytes()).decode()
        number = f"face {chosen + 1}: " if len(found) > 1 else ""
        out += ("<div style='font-size:11px;color:#555;text-align:center'>"
                f"<img src='data:image/png;base64,{png}' alt='model input' "
                "style='width:96px;height:96px;image-rendering:pixelated;display:block'>"
                f"<div style='line-height:1.2'>{number}network input<br>48×48</div>"
                "</div>")
    return out + "</div>"


def _jpeg_data_url(image: npt.NDArray[np.uint8], max_side: int = 640) -> str:
    """A small JPEG data URL of an RGB or grey image, for display only."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale,
                           interpolation=cv2.INTER_AREA)
    return "data:image/jpeg;base64," + base64.b64encode(to_jpeg(image, 85)).decode()


def _message_html(text: str, kind: str = "info") -> str:
    if not text:
        return ""
    color = {"info": ("#333", "#eef4fb"), "warn": ("#7a4b00", "#fff4de"),
             "error": ("#a00", "#fee")}[kind]
    return (f"<div class='emo-message' style='color:{color[0]};background:{color[1]};"
            f"padding:6px;border-radius:4px;max-width:460px'>{html.escape(text)}</div>")


def faces_note(preds: Sequence[Prediction], chosen: int = 0,
               fast_only: bool = False) -> tuple[str, str]:
    """The message under the result, and its kind ("info" or "warn");
    ``fast_only``: the rescue passes were skipped (live mode)."""
    first = preds[0]
    if not first.found:
        return first.message + (LIVE_HINT if fast_only else ""), "warn"
    if first.n_faces == 0:  # the centre square
        return first.message, "warn"
    if len(preds) > 1:
        return (f"{len(preds)} faces found, each labelled and numbered largest first; "
                f"the bars are for face {chosen + 1} (choose another under the "
                "picture)."), "info"
    return "", "info"


def _count(n: int) -> str:
    return "no face" if n == 0 else "1 face" if n == 1 else f"{n} faces"


class EmotionApp(widgets.VBox):
    """Camera, upload and sample buttons -> a labelled box on every face, the seven
    bars of the chosen face (the largest unless the user picks another), latency,
    messages.

    ``handle_frame(data_url_or_bytes)`` does the work (tests call it directly);
    ``predictions`` holds every face of the last frame, largest first, ``prediction``
    the chosen one; ``label``/``labels``/``message`` mirror them as text.
    """

    label = traitlets.Unicode("")
    labels = traitlets.List(traitlets.Unicode())
    message = traitlets.Unicode("")
    latency_ms = traitlets.Float(0.0)

    def __init__(self, predictor: EmotionPredictor | None = None,
                 save_dir: str | Path = "snapshots", autostart: bool = True):
        self.predictor = predictor or EmotionPredictor.from_checkpoint()
        self.save_dir = Path(save_dir)
        self.predictions: list[Prediction] = []
        self.prediction: Prediction | None = None
        self._view: tuple[str, tuple[int, int], bool] | None = None
        self._last_frame: tuple[bytes, npt.NDArray[np.uint8]] | None = None
        self._sample = 0
        self._updating = False
        self.camera = CameraWidget(on_frame=self._camera_frame, autostart=autostart)
        self.picture = widgets.HTML()
        self.faces = widgets.ToggleButtons(
            options=(), description="Bars for face", tooltips=(),
            style={"button_width": "36px", "description_width": "initial"},
            layout=widgets.Layout(display="none"))
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
        # on by default: more accurate, and the calibration was fitted with it
        self.flip = widgets.Checkbox(
            True, description="Average with the mirror image (more accurate; the "
            "calibration assumes it)", indent=False, layout=wide)
        self.upload.observe(self._uploaded, names="value")
        self.faces.observe(self._face_chosen, names="index")
        self.sample_button.on_click(lambda _: self.try_sample())
        self.save_button.on_click(lambda _: self.save_snapshot())
        result = widgets.VBox([self.picture, self.faces, self.bars, self.info,
                               self.note], layout=widgets.Layout(min_width="340px"))
        top = widgets.HBox([self.camera, result],
                           layout=widgets.Layout(flex_flow="row wrap", gap="16px"))
        buttons = widgets.HBox([self.upload, self.sample_button, self.save_button])
        super().__init__([top, buttons, self.center, self.flip])
        self.predictor.predict_faces(np.zeros((1, 48, 48), np.uint8))  # warm up TF

    def handle_frame(self, data: str | bytes, source: str = "camera",
                     finder: str | None = None) -> Prediction | None:
        """Decode a frame (data URL, base64 or image bytes), find and classify every
        face, update the view; returns the largest face's prediction.

        ``finder``: the ``faces.PRESETS`` name ("live", "upload"; default the
        predictor's, "webcam").
        A payload that is not an image sets ``message`` and returns None.
        """
        start = time.perf_counter()
        try:
            raw = as_image_bytes(data)
            image = read_image(raw)
        except (ValueError, TypeError, OSError) as err:
            return self._fail(f"Could not read that {source} image: {err}")
        try:
            preds = self.predictor.predict_all(
                image, tta="flip" if self.flip.value else None,
                finder=finder, centre_if_no_face=self.center.value)
        except Exception as err:  # keep the app alive; say what went wrong
            log.exception("prediction failed")
            return self._fail(f"Prediction failed ({type(err).__name__}: {err}).")
        total = time.perf_counter() - start
        url = data if isinstance(data, str) and data.startswith("data:image/") \
            else _jpeg_data_url(image)
        fast_only = finder == "live"  # no rescue passes
        self._last_frame = (raw, image)
        self.predictions = preds
        self._view = (url, image.shape[1::-1], fast_only)
        self.latency_ms = 1000 * total
        n = preds[0].n_faces
        self.info.value = (
            f"<span class='emo-latency' style='font-size:12px;color:#555'>{source}: "
            f"{image.shape[1]}x{image.shape[0]} px, {_count(n)}; detection + network "
            f"{1000 * preds[0].seconds:.0f} ms, with decoding {1000 * total:.0f} ms"
            "</span>")
        self._show(self._chooser(n if n > 1 else 0))
        self.save_button.disabled = False
        return preds[0]

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
        path.write_bytes(_as_jpeg(*self._last_frame))
        self._set_message(f"Saved {path}.", "info")
        return path

    def _camera_frame(self, frame: str) -> None:
        """A frame from the browser: live frames skip the slow rescue passes."""
        self.handle_frame(frame, finder="live" if self.camera.live else None)

    def _chooser(self, n: int) -> int:
        """Show face buttons 1..n (hidden for n < 2); keep the user's choice while
        the count stays (live mode); returns the chosen index."""
        options = tuple(str(i) for i in range(1, n + 1))
        keep = self.faces.options == options and self.faces.index is not None
        chosen = self.faces.index if keep else 0
        self._updating = True  # these changes are not the user's
        try:
            if not keep:
                self.faces.options = options
                self.faces.tooltips = tuple(
                    f"face {i}{' (largest)' if i == '1' else ''}" for i in options)
                self.faces.index = 0 if options else None
            self.faces.layout.display = None if options else "none"
        finally:
            self._updating = False
        return chosen

    def _face_chosen(self, change: dict) -> None:
        if not self._updating and change["new"] is not None and self.predictions:
            self._show(change["new"])

    def _show(self, chosen: int) -> None:
        """Draw the last frame's faces, bars of face ``chosen``, and the message."""
        preds, (url, size, fast_only) = self.predictions, self._view
        chosen = min(chosen, len(preds) - 1)
        pred = self.prediction = preds[chosen]
        group = len(preds) > 1
        width = GROUP_VIEW_WIDTH if len(preds) > 2 else VIEW_WIDTH
        self.picture.value = picture_html(url, size, preds, chosen, width)
        self.bars.value = probability_bars_html(
            pred.probs if pred.found else None,
            title=f"Face {chosen + 1}" if group else "Predicted")
        self.label = pred.label
        self.labels = [p.label for p in preds if p.found]
        self._set_message(*faces_note(preds, chosen, fast_only))

    def _uploaded(self, change: dict) -> None:
        files = change["new"]
        if files:
            upload = files[0]
            self.handle_frame(bytes(upload["content"]),
                              source=f"upload {upload.get('name', '')}".strip(),
                              finder="upload")

    def _fail(self, text: str) -> None:
        self.predictions, self.prediction = [], None
        self.label, self.labels = "", []
        self.picture.value = ""
        self._chooser(0)
        self.bars.value = probability_bars_html(None)
        self._set_message(text, "error")
        return None

    def _set_message(self, text: str, kind: str = "info") -> None:
        self.message = text
        self.note.value = _message_html(text, kind)


def _as_jpeg(raw: bytes, image: npt.NDArray[np.uint8]) -> bytes:
    """The frame as JPEG bytes for saving: the browser's own JPEG when it sent one."""
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


def group_frame(names: Sequence[str] = (*SAMPLE_FACES, SAMPLE_FACES[0]),
                size: tuple[int, int] = (640, 480),
                scale: float = 1.2) -> npt.NDArray[np.uint8]:
    """A webcam-like RGB frame of several shipped sample faces side by side, evenly
    spaced on a blurred background (the default: three faces in 640x480).

    Why: the group-photo tests, benchmark and notebook cell need faces without a
    camera, FER2013 or a photo of real people beyond the shipped samples."""
    faces = [cv2.resize(read_image(ASSETS / n), None, fx=scale, fy=scale,
                        interpolation=cv2.INTER_LINEAR) for n in names]
    w, h = size
    gap = (w - sum(f.shape[1] for f in faces)) / (len(faces) + 1)
    if gap < 8 or max(f.shape[0] for f in faces) > h:
        raise ValueError(f"{len(faces)} faces at scale {scale} do not fit a {w}x{h} "
                         "frame side by side; lower scale")
    frame = np.full((h, w, 3), int(np.mean([f.mean() for f in faces])), np.uint8)
    spots, x = [], gap
    for face in faces:
        fh, fw = face.shape[:2]
        spots.append((round(x), (h - fh) // 2))
        x += fw + gap
    for face, (x, y) in zip(faces, spots, strict=True):
        frame[y:y + face.shape[0], x:x + face.shape[1]] = face
    frame = cv2.GaussianBlur(frame, (0, 0), 25)
    for face, (x, y) in zip(faces, spots, strict=True):
        frame[y:y + face.shape[0], x:x + face.shape[1]] = face
    return frame


def hard_face_examples() -> dict[str, npt.NDArray[np.uint8]]:
    """Three webcam frames the fast face pass misses, made from the shipped samples:
    a head tilted by 40°, a dark room, a face filling the frame.

    Why: they show the rescue passes of ``face.find_faces`` at work (turned copies,
    CLAHE, a replicated border) and the upright crop the network then sees."""
    happy = sample_frame(SAMPLE_FACES[0])
    h, w = happy.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 40, 1.0)  # counter-clockwise
    tilted = cv2.warpAffine(happy, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
    dark = (sample_frame(SAMPLE_FACES[1]) * 0.15).astype(np.uint8)
    close = read_image(ASSETS / SAMPLE_FACES[0])[25:-25, 25:-25]  # forehead to chin
    close = cv2.resize(close, (480, 480), interpolation=cv2.INTER_LINEAR)
    return {"tilted": tilted, "dark": dark, "filling the frame": close}


def group_photo() -> tuple[npt.NDArray[np.uint8], str]:
    """A group photo and where it came from: ``oarriaga_test_image.jpg`` from a
    ``faces/`` folder of the data folders when there is one, else ``group_frame()``
    (three shipped sample faces side by side)."""
    for folder in FACES_DIRS:
        path = folder / GROUP_PHOTO
        if path.is_file():
            return read_image(path), relative_to_repo(path)
    return group_frame(), "three sample faces side by side (no group photo on disk)"


def time_snapshot(predictor: EmotionPredictor, jpeg: bytes, runs: int = 100,
                  warmup: int = 3, finder: str | None = None) -> dict[str, float]:
    """Milliseconds from JPEG bytes to probabilities of every face (decode + detect +
    crop + model); ``finder`` as for ``predict_all`` ("live": live mode).

    Returns p50/p95/mean over ``runs`` calls, and the faces found: what one webcam
    snapshot costs the kernel.
    """
    for _ in range(warmup):
        preds = predictor.predict_all(read_image(jpeg), finder=finder)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        preds = predictor.predict_all(read_image(jpeg), finder=finder)
        times.append(1000 * (time.perf_counter() - start))
    return {"p50_ms": float(np.percentile(times, 50)),
            "p95_ms": float(np.percentile(times, 95)),
            "mean_ms": float(np.mean(times)), "runs": runs,
            "faces": preds[0].n_faces}


def describe_prediction(pred: Prediction) -> str:
    """One plain sentence about a prediction, printed under its figure."""
    if not pred.found:
        return pred.message
    order = np.argsort(pred.probs)[::-1]
    runner = EMOTIONS[order[1]]
    found = ("No face found; the centre of the photo was used." if pred.n_faces == 0
             else "One face found." if pred.n_faces == 1
             else f"{pred.n_faces} faces found; this is the largest.")
    return (f"The network reads **{pred.label}** ({pred.probs[order[0]]:.0%}); "
            f"runner-up {runner} ({pred.probs[order[1]]:.0%}). {found}")


def describe_predictions(preds: Sequence[Prediction]) -> str:
    """One sentence about every face of a photo (``predict_all``), largest first."""
    if len(preds) < 2:
        return describe_prediction(preds[0])
    faces = ", ".join(f"{i} **{p.label}** ({p.confidence:.0%})"
                      for i, p in enumerate(preds, 1))
    passes = sorted({p.found_by for p in preds})
    return (f"{len(preds)} faces found, numbered largest first: {faces}. Found by "
            f"the {' and '.join(passes)} pass{'es' if len(passes) > 1 else ''}.")


def describe_hard_faces(preds: Mapping[str, Prediction]) -> str:
    """One line per hard example: which detection pass found it, what it reads."""
    lines = []
    for name, pred in preds.items():
        if not pred.found:
            lines.append(f"- **{name}**: no face found.")
            continue
        turned = f", on the photo turned by {pred.angle:g}°" if pred.angle else ""
        lines.append(f"- **{name}**: found by the *{pred.found_by}* pass{turned}; "
                     f"read as {pred.label} ({pred.confidence:.0%}).")
    return "\n".join(lines)


def _draw_faces(ax, image: npt.NDArray[np.uint8], preds: Sequence[Prediction],
                chosen: int | None = 0, fontsize: float = 9) -> None:
    """The photo on ``ax`` with each face's (turned) box and a label tag that does
    not cover the others' (``place_tags``)."""
    import matplotlib.patches as patches

    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
    ax.axis("off")
    found = [p for p in preds if p.found and p.box is not None]
    if not found:
        return
    ax.figure.canvas.draw()  # lay the figure out: the axes' size in screen pixels
    per_px = image.shape[1] / max(1.0, ax.get_window_extent().width)  # image px
    px = fontsize * ax.figure.dpi / 72  # the font's size in screen pixels
    tags = face_tags(found)
    sizes = [((0.62 * px * len(t) + 6) * per_px, (px + 6) * per_px) for t in tags]
    spots = place_tags([p.box for p in found], sizes, image.shape[1::-1])
    for i, (pred, tag, (tx, ty)) in enumerate(zip(found, tags, spots, strict=True)):
        color = CHOSEN_COLOR if i == chosen else OTHER_COLOR
        x, y, w, h = pred.box
        ax.add_patch(patches.Rectangle(
            (x, y), w, h, angle=pred.angle, rotation_point="center", fill=False,
            lw=2.5 if i == chosen else 1.8, color=color,
            ls="--" if pred.n_faces == 0 else "-"))
        ax.text(tx + 3 * per_px, ty + 3 * per_px, tag, color="white",
                fontsize=fontsize, fontweight="bold", va="top", ha="left",
                bbox={"facecolor": color, "edgecolor": "none", "pad": 1.5})
    corners = np.concatenate([_corners(p.box, p.angle) for p in found])
    h, w = image.shape[:2]  # show boxes that reach past the photo (edge replicated)
    ax.set_xlim(min(-0.5, corners[:, 0].min()), max(w - 0.5, corners[:, 0].max()))
    ax.set_ylim(max(h - 0.5, corners[:, 1].max()), min(-0.5, corners[:, 1].min()))


def _corners(box: tuple[int, int, int, int], angle: float) -> npt.NDArray[np.float64]:
    """The four corners (4,2) of ``box`` turned by ``angle`` degrees about its centre,
    clockwise on screen as in ``picture_html`` (the face's own tilt)."""
    x, y, w, h = box
    t = np.radians(angle)
    turn = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    offsets = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    return offsets @ turn.T + (x + w / 2, y + h / 2)


def plot_prediction(image: npt.NDArray[np.uint8], pred: Prediction):
    """Photo with the face square, the 48x48 network input, and the seven bars."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained",
                             gridspec_kw={"width_ratios": [1.3, 0.8, 1.4]})
    _draw_faces(axes[0], image, [pred])
    axes[0].set_title("photo and face square")
    axes[1].imshow(pred.face, cmap="gray", vmin=0, vmax=255)
    axes[1].set_title("network input, 48×48")
    axes[1].axis("off")
    colors = ["#d62728" if i == int(pred.probs.argmax()) and pred.found else "#1f77b4"
              for i in range(len(EMOTIONS))]
    axes[2].barh(list(EMOTIONS)[::-1], pred.probs[::-1], color=colors[::-1])
    axes[2].set_xlim(0, 1)
    axes[2].set_xlabel("probability")
    axes[2].set_title(f"predicted: {pred.label or 'no face'}")
    return fig


def plot_predictions(image: npt.NDArray[np.uint8], preds: Sequence[Prediction],
                     columns: int = 3):
    """Every face of a photo (``predict_all``): the photo with a numbered, labelled
    box on each face, and beside it the 48x48 crop the network saw for each."""
    import matplotlib.pyplot as plt

    found = [p for p in preds if p.found]
    cols = max(1, min(columns, len(found)))
    rows = max(1, math.ceil(len(found) / cols))
    fig = plt.figure(figsize=(11, max(3.6, 1.5 * rows)), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[2.2, 0.55 * cols + 0.2])
    _draw_faces(left.subplots(), image, found, chosen=None)
    left.suptitle(f"{_count(len(found))} found, largest first", fontsize=11)
    axes = np.atleast_1d(right.subplots(rows, cols)).ravel()
    for ax, tag, pred in zip(axes, face_tags(found), found, strict=False):
        ax.imshow(pred.face, cmap="gray", vmin=0, vmax=255)
        ax.set_title(tag, fontsize=10)
    for ax in axes:
        ax.axis("off")
    right.suptitle("what the network saw (48×48)", fontsize=11)
    return fig


def plot_hard_faces(examples: Mapping[str, npt.NDArray[np.uint8]],
                    preds: Mapping[str, Prediction]):
    """For each hard example (``hard_face_examples``): the photo with the (turned)
    face box, titled with the detection pass that found it, and the upright crop the
    network saw."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(examples), figsize=(11, 6.2), layout="constrained",
                             height_ratios=[1.3, 1], squeeze=False)
    for col, (name, image) in enumerate(examples.items()):
        pred = preds[name]
        _draw_faces(axes[0, col], image, [pred])
        how = (f"found by the {pred.found_by!r} pass" if pred.found
               else "no face found")
        axes[0, col].set_title(f"{name}: {how}", fontsize=11)
        axes[1, col].imshow(pred.face, cmap="gray", vmin=0, vmax=255)
        turned = f", turned {pred.angle:g}°" if pred.angle else ""
        axes[1, col].set_title(f"network input{turned}", fontsize=10)
        axes[1, col].axis("off")
    return fig
