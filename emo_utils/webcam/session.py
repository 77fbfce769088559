"""What the app knows between frames: the latest frame and its faces, the tracker,
the smoother, each face's last seconds of probabilities, and the chosen face.

Why apart from the widgets: the app only draws what the session says, and the
session is tested frame by frame without a browser or a widget.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..images import as_image_bytes, read_image
from ..infer.pipeline import FaceSearch, analyse_frames, follow, is_face
from ..infer.prediction import Prediction
from ..infer.predictor import EmotionPredictor
from ..labels import EMOTIONS
from ..over_time.smoothing import TAU, ProbabilitySmoother
from ..over_time.tracking import FaceTracker
from .html_view import jpeg_data_url

HISTORY_S = 10.0  # seconds of each face's probabilities kept for the timeline


class FrameError(ValueError):
    """A payload that is not an image; the message says what to do."""


@dataclass
class Frame:
    """One analysed frame as the app shows it.

    ``faces``: every face, largest first, as shown (smoothed in live mode; with no
    face, one prediction with ``found == False``); ``raw`` their unsmoothed
    predictions; ``keys`` each face's track (None outside live mode)."""

    data: bytes  # the image bytes as received (the browser's JPEG)
    image: npt.NDArray[np.uint8]
    url: str  # a data URL to show it
    faces: list[Prediction]
    time_s: float
    seconds: float  # decoding + detection + network
    source: str = "camera"
    live: bool = False
    fast_only: bool = False  # the rescue passes were skipped

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]

    @property
    def raw(self) -> list[Prediction]:
        """The faces with the network's own probabilities (unsmoothed)."""
        return [p.unsmoothed() for p in self.faces]

    @property
    def keys(self) -> list[int | None]:
        """Each face's track (None outside live mode)."""
        return [p.track_key for p in self.faces]


def read_frame(data: str | bytes, source: str = "camera"
               ) -> tuple[bytes, npt.NDArray[np.uint8]]:
    """Image bytes and the RGB image of a data URL, base64 text or image bytes."""
    try:
        raw = as_image_bytes(data)
        return raw, read_image(raw)
    except (ValueError, TypeError, OSError) as err:
        raise FrameError(f"Could not read that {source} image: {err}") from err


@dataclass
class _Choice:
    """The face whose bars are shown: its index and, in live mode, its track."""

    index: int = 0
    key: int | None = None
    count: int = 0  # faces in the frame it was made for


class LiveSession:
    """Frames in, faces to show out: ``analyse`` decodes, predicts, tracks, smooths.

    Live frames (``live=True``) are tracked (``tracking.FaceTracker``) and each
    face's probabilities averaged over time (``smoothing.ProbabilitySmoother``, off
    with ``smoothing = False``); a snapshot, upload or sample starts afresh.
    """

    def __init__(self, predictor: EmotionPredictor | None, tau: float = TAU,
                 history_s: float = HISTORY_S,
                 clock: Callable[[], float] = time.monotonic):
        self.predictor = predictor
        self.tau = tau
        self.history_s = history_s
        self.clock = clock
        self.tracker = FaceTracker()
        self.smoother = ProbabilitySmoother(tau)
        self.frame: Frame | None = None
        self._history: dict[int, deque[tuple[float, np.ndarray]]] = {}
        self._choice = _Choice()

    @property
    def smoothing(self) -> bool:
        """Whether live faces' probabilities are averaged over time."""
        return self.smoother.tau > 0

    @smoothing.setter
    def smoothing(self, on: bool) -> None:
        self.smoother.tau = self.tau if on else 0.0

    def analyse(self, data: str | bytes, source: str = "camera", live: bool = False,
                finder: str | None = None, tta: str | None = "flip",
                centre_if_no_face: bool = False, time_s: float | None = None
                ) -> Frame:
        """Decode, find and classify every face, track and smooth (live): the frame.

        ``finder``: a ``faces.PRESETS`` name ("upload"...); live frames default to
        "live" (no slow rescue passes), others to the predictor's ("webcam").
        Raises ``FrameError`` for a payload that is not an image."""
        start = time.perf_counter()
        raw, image = read_frame(data, source)
        finder = "live" if finder is None and live else finder
        t = self.clock() if time_s is None else time_s
        search = FaceSearch(self.predictor.finder if finder is None else finder,
                            centre_if_no_face=centre_if_no_face)
        [(_, _, faces)] = analyse_frames(
            [(source, t, image)], self.predictor, search, tta=tta,
            tracker=self.tracker if live else None,
            smoother=self.smoother if live else None)
        seconds = time.perf_counter() - start
        self._after(faces, t, live)
        url = data if isinstance(data, str) and data.startswith("data:image/") \
            else jpeg_data_url(image)
        self.frame = Frame(raw, image, url, faces, t, seconds, source, live,
                           finder == "live")
        return self.frame

    def update(self, preds: Sequence[Prediction], time_s: float | None = None,
               live: bool = True) -> tuple[list[Prediction], list[int | None]]:
        """Track and smooth one frame's predictions (largest first), made
        elsewhere: the predictions to show, and each one's track key (None when not
        tracked). ``analyse`` does the same through ``analyse_frames``."""
        t = self.clock() if time_s is None else time_s
        shown = follow(preds, self.tracker, self.smoother, t) if live else list(preds)
        self._after(shown, t, live)
        return shown, [p.track_key if live else None for p in shown]

    def _after(self, shown: list[Prediction], t: float, live: bool) -> None:
        """Keep the tracked faces' history and the chosen face; a frame not live (a
        snapshot, upload or sample) starts a new scene."""
        found = [p for p in shown if is_face(p)]
        if not live:
            self.reset()
            self._rechoose([None] * len(found))
            return
        for pred in found:
            self._history.setdefault(pred.track_key, deque()).append((t, pred.probs))
        self._trim(t)
        self._rechoose([p.track_key for p in found])

    def history(self, key: int | None) -> tuple[npt.NDArray[np.float64],
                                               npt.NDArray[np.float32]]:
        """A tracked face's recent probabilities: times (T,) in seconds and (T,7)."""
        points = self._history.get(key, ()) if key is not None else ()
        times = np.array([t for t, _ in points], np.float64)
        probs = np.array([p for _, p in points], np.float32).reshape(-1, len(EMOTIONS))
        return times, probs

    @property
    def chosen(self) -> int:
        """Index of the face whose bars are shown in the latest frame."""
        return self._choice.index

    def choose(self, index: int) -> None:
        """The user picked face ``index`` (0-based) of the latest frame; live, the
        choice then follows that person while they stay in view."""
        keys = self.frame.keys if self.frame else []
        self._choice = _Choice(index, keys[index] if index < len(keys) else None,
                               self._choice.count)

    def reset(self) -> None:
        """Forget tracks, averages and history (a new scene: a snapshot or photo)."""
        self.tracker = FaceTracker()
        self.smoother.reset()
        self._history.clear()

    def _rechoose(self, keys: list[int | None]) -> None:
        """Keep the chosen face: the same track if it is still here, else the same
        index while the number of faces stays, else the largest."""
        old = self._choice
        if old.key is not None and old.key in keys:
            index = keys.index(old.key)
        elif len(keys) == old.count and old.index < len(keys):
            index = old.index
        else:
            index = 0
        self._choice = _Choice(index, keys[index] if keys else None, len(keys))

    def _trim(self, now: float) -> None:
        """Drop history older than ``history_s`` and of faces no longer tracked."""
        alive = {t.key for t in self.tracker.tracks}
        for key in list(self._history):
            points = self._history[key]
            while points and points[0][0] < now - self.history_s:
                points.popleft()
            if key not in alive or not points:
                del self._history[key]
                self.smoother.forget(key)

