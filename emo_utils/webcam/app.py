"""The notebook app: camera, upload and sample buttons around one ``LiveSession``;
it draws what the session says (picture, bars, timeline, messages).

Frames stay in the kernel's memory; only the "Save snapshot" button writes to disk.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import traitlets

from ..images import to_jpeg
from ..infer.prediction import Prediction
from ..infer.predictor import EmotionPredictor, load_predictor
from .describe import count_faces, faces_note
from .frames import ASSETS, SAMPLE_FACES
from .html_view import (
    GROUP_VIEW_WIDTH,
    VIEW_WIDTH,
    message_html,
    picture_html,
    probability_bars_html,
    sparkline_html,
)
from .session import Frame, FrameError, LiveSession
from .widget import CameraWidget

log = logging.getLogger(__name__)


class EmotionApp(widgets.VBox):
    """Camera, upload and sample buttons -> a labelled box on every face, the seven
    bars of the chosen face (the largest unless the user picks another), in live mode
    its last ten seconds as a timeline, latency, messages.

    ``handle_frame(data_url_or_bytes)`` does the work (tests call it directly);
    ``session`` holds the frames, tracks and history; ``predictions`` every face of
    the last frame as shown, largest first, ``prediction`` the chosen one;
    ``label``/``labels``/``message`` mirror them as text.
    """

    label = traitlets.Unicode("")
    labels = traitlets.List(traitlets.Unicode())
    message = traitlets.Unicode("")
    latency_ms = traitlets.Float(0.0)

    def __init__(self, predictor: EmotionPredictor | None = None,
                 save_dir: str | Path = "snapshots", autostart: bool = True):
        self.session = LiveSession(predictor or load_predictor())
        self.predictor = self.session.predictor
        self.save_dir = Path(save_dir)
        self.predictions: list[Prediction] = []
        self.prediction: Prediction | None = None
        self._sample = 0
        self._updating = False
        self.camera = CameraWidget(on_frame=self._camera_frame, autostart=autostart)
        self._make_controls()
        result = widgets.VBox([self.picture, self.faces, self.bars, self.timeline,
                               self.info, self.note],
                              layout=widgets.Layout(min_width="340px"))
        top = widgets.HBox([self.camera, result],
                           layout=widgets.Layout(flex_flow="row wrap", gap="16px"))
        buttons = widgets.HBox([self.upload, self.sample_button, self.save_button])
        super().__init__([top, buttons, self.steady, self.centre, self.flip])
        self.predictor.predict_faces(np.zeros((1, 48, 48), np.uint8))  # warm up TF

    def _make_controls(self) -> None:
        """The result's widgets, buttons and options, wired to their handlers."""
        self.picture = widgets.HTML()
        self.faces = widgets.ToggleButtons(
            options=(), description="Bars for face", tooltips=(),
            style={"button_width": "36px", "description_width": "initial"},
            layout=widgets.Layout(display="none"))
        self.bars = widgets.HTML(probability_bars_html(None))
        self.timeline = widgets.HTML()
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
        self.steady = widgets.Checkbox(
            True, description="Steady labels in live mode (average each face over "
            "the last ¼ s)", indent=False, layout=wide)
        self.centre = widgets.Checkbox(
            False, description="Predict on the centre when no face is found",
            indent=False, layout=wide)
        # on by default: more accurate, and the calibration was fitted with it
        self.flip = widgets.Checkbox(
            True, description="Average with the mirror image (more accurate; the "
            "calibration assumes it)", indent=False, layout=wide)
        self.upload.observe(self._uploaded, names="value")
        self.faces.observe(self._face_chosen, names="index")
        self.steady.observe(self._steady_changed, names="value")
        self.sample_button.on_click(lambda _: self.try_sample())
        self.save_button.on_click(lambda _: self.save_snapshot())

    def handle_frame(self, data: str | bytes, source: str = "camera",
                     finder: str | None = None,
                     live: bool = False) -> Prediction | None:
        """Decode a frame (data URL, base64 or image bytes), find and classify every
        face, update the view; returns the largest face's prediction (as shown).

        ``finder``: a ``faces.PRESETS`` name ("upload" for photos; default: "live"
        for live frames, else "webcam");
        ``live``: a live camera frame (tracked and smoothed, quick detection).
        A payload that is not an image sets ``message`` and returns None.
        """
        try:
            frame = self.session.analyse(
                data, source, live=live, finder=finder,
                tta="flip" if self.flip.value else None,
                centre_if_no_face=self.centre.value)
        except FrameError as err:
            return self._fail(str(err))
        except Exception as err:  # keep the app alive; say what went wrong
            log.exception("prediction failed")
            return self._fail(f"Prediction failed ({type(err).__name__}: {err}).")
        self.predictions = frame.faces
        self.latency_ms = 1000 * frame.seconds
        self.info.value = _info_html(frame)
        n = frame.faces[0].n_faces
        self._chooser(n if n > 1 else 0)
        self._show()
        self.save_button.disabled = False
        return frame.faces[0]

    def try_sample(self) -> Prediction | None:
        """Predict on a sample photo shipped in emo_utils/assets (see LICENSE.md)."""
        name = SAMPLE_FACES[self._sample % len(SAMPLE_FACES)]
        self._sample += 1
        return self.handle_frame((ASSETS / name).read_bytes(), source=f"sample {name}")

    def save_snapshot(self) -> Path | None:
        """Write the last frame as JPEG to ``save_dir``: the app's only disk write."""
        frame = self.session.frame
        if frame is None:
            self._set_message("Nothing to save yet: take a snapshot first.", "warn")
            return None
        self.save_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.save_dir / f"snapshot-{stamp}-{self.label or 'noface'}.jpg"
        # the browser's own JPEG when it sent one
        data = frame.data if frame.data[:3] == b"\xff\xd8\xff" \
            else to_jpeg(frame.image, quality=90)
        path.write_bytes(data)
        self._set_message(f"Saved {path}.", "info")
        return path

    def _camera_frame(self, frame: str) -> None:
        """A frame from the browser: live frames are tracked, smoothed, and skip the
        slow rescue passes."""
        self.handle_frame(frame, live=self.camera.live)

    def _chooser(self, n: int) -> None:
        """Show face buttons 1..n (hidden for n < 2) on the session's chosen face."""
        options = tuple(str(i) for i in range(1, n + 1))
        self._updating = True  # these changes are not the user's
        try:
            if self.faces.options != options:
                self.faces.options = options
                self.faces.tooltips = tuple(
                    f"face {i}{' (largest)' if i == '1' else ''}" for i in options)
            self.faces.index = min(self.session.chosen, n - 1) if options else None
            self.faces.layout.display = None if options else "none"
        finally:
            self._updating = False

    def _face_chosen(self, change: dict) -> None:
        if not self._updating and change["new"] is not None and self.predictions:
            self.session.choose(change["new"])
            self._show()

    def _steady_changed(self, change: dict) -> None:
        self.session.smoothing = change["new"]

    def _show(self) -> None:
        """Draw the last frame's faces, the chosen face's bars and timeline, and the
        message."""
        frame = self.session.frame
        preds = frame.faces
        chosen = min(self.session.chosen, len(preds) - 1)
        pred = self.prediction = preds[chosen]
        group = len(preds) > 1
        width = GROUP_VIEW_WIDTH if len(preds) > 2 else VIEW_WIDTH
        self.picture.value = picture_html(frame.url, frame.size, preds, chosen, width)
        title = f"Face {chosen + 1}" if group else "Predicted"
        self.bars.value = probability_bars_html(
            pred.probs if pred.found else None, title=title)
        times, probs = self.session.history(frame.keys[chosen])
        self.timeline.value = sparkline_html(
            times, probs, frame.time_s, self.session.history_s,
            title=title if group else "")
        self.label = pred.label
        self.labels = [p.label for p in preds if p.found]
        self._set_message(*faces_note(preds, chosen, frame.fast_only))

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
        self.picture.value = self.timeline.value = ""
        self._chooser(0)
        self.bars.value = probability_bars_html(None)
        self._set_message(text, "error")
        return None

    def _set_message(self, text: str, kind: str = "info") -> None:
        self.message = text
        self.note.value = message_html(text, kind)


def _info_html(frame: Frame) -> str:
    """The latency line: source, size, faces, milliseconds."""
    w, h = frame.size
    first = frame.raw[0]
    return (f"<span class='emo-latency' style='font-size:12px;color:#555'>"
            f"{frame.source}: {w}x{h} px, {count_faces(first.n_faces)}; detection + "
            f"network {1000 * first.seconds:.0f} ms, with decoding "
            f"{1000 * frame.seconds:.0f} ms</span>")
