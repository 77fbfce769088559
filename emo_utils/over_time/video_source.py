"""Frames of a video file, with their times, checked before anything is decoded.

Why: every bad clip (missing, not a video, cut short, no frames, absurd size) should
get one message saying what was found and what to do, before the model loads.
Frames come from ``cv2.VideoCapture`` with FFmpeg (mp4, avi, mov, webm, mkv).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ..images import MAX_ASPECT, MAX_PIXELS

# analyse at least this many frames per second of video (here, not in video.py: the
# command line's help needs it, and video.py imports pandas)
ANALYSE_FPS = 10.0
MIN_SIDE = 32  # px: a smaller picture cannot hold a face the model can read
CUT_SHORT_TOLERANCE = 0.02  # frames missing vs the header (its count is estimated)

class VideoError(ValueError):
    """A clip that cannot be analysed; the message says what was found and the fix."""


@dataclass
class VideoInfo:
    """What the clip's header says: frames per second, frame count, size."""

    path: Path
    fps: float
    frames: int  # from the header; 0 when unknown (streams, some webm)
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.frames > 0 else math.nan


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(f"{path} does not exist; give the path of a video file "
                         "(mp4, avi, mov, webm)")
    if path.is_dir():
        raise VideoError(f"{path} is a folder; give the path of a video file in it")
    with path.open("rb") as f:  # PermissionError says so itself
        head = f.read(16)
    if not head:
        raise VideoError(f"{path} is empty (0 bytes), not a video; copy it again")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"BM")):
        raise VideoError(f"{path} is a still image, not a video; for a photo use "
                         "EmotionPredictor.predict (or the webcam notebook's upload)")


def _check_size(info: VideoInfo) -> None:
    w, h = info.width, info.height
    if min(w, h) < MIN_SIDE:
        raise VideoError(f"{info.path} is {w}x{h} px, too small to hold a face (the "
                         f"shorter side needs at least {MIN_SIDE} px)")
    if max(w, h) / min(w, h) > MAX_ASPECT:
        raise VideoError(f"{info.path} is {w}x{h} px, more than {MAX_ASPECT}:1: not an "
                         "ordinary video; crop it to the part with the faces")
    if w * h > MAX_PIXELS:
        raise VideoError(f"{info.path} is {w}x{h} px ({w * h / 1e6:.0f} megapixels a "
                         f"frame); the limit is {MAX_PIXELS / 1e6:.0f}. Scale it down "
                         "first, e.g. ffmpeg -i in.mp4 -vf scale=1280:-2 out.mp4")


CONTAINERS = {b"ftyp": "an mp4/mov", b"RIFF": "an avi", b"\x1aE\xdf\xa3": "an mkv/webm"}


def _unreadable(path: Path) -> VideoError:
    """What to say about a file FFmpeg cannot open, from its first bytes."""
    head = path.read_bytes()[:12]
    kind = next((k for magic, k in CONTAINERS.items() if magic in head), None)
    if kind is None:
        return VideoError(f"{path} is not a video OpenCV can read (it is neither mp4, "
                          "mov, avi, mkv nor webm); give a video file")
    return VideoError(f"{path} looks like {kind} file but cannot be read: it is "
                      "damaged or cut short (an mp4 cut short loses the index at its "
                      "end). Copy or download it again")


def _capture(path: Path) -> cv2.VideoCapture:
    """cv2.VideoCapture with FFmpeg's and OpenCV's own log lines off: a damaged file
    gets our one message, not a page of decoder noise (set the variable to see it)."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        return cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    finally:
        cv2.utils.logging.setLogLevel(level)


def open_video(path: str | Path) -> tuple[cv2.VideoCapture, VideoInfo]:
    """Open a clip and check it before any frame is decoded (``VideoError`` if bad)."""
    path = Path(path)
    _check_file(path)
    cap = _capture(path)
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) if cap.isOpened() else 0
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) if cap.isOpened() else 0
    if not cap.isOpened() or width <= 0 or height <= 0:
        cap.release()
        raise _unreadable(path)
    fps = cap.get(cv2.CAP_PROP_FPS)
    fps = fps if 0 < fps <= 1000 else 25.0  # unknown: frames are then 1/25 s apart
    frames = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    info = VideoInfo(path, float(fps), frames, width, height)
    try:
        _check_size(info)
    except VideoError:
        cap.release()
        raise
    return cap, info


@dataclass
class VideoReader:
    """Frames of a clip, every ``step``-th one, with their times; after the loop,
    ``read`` counts the frames decoded and ``stopped`` says why it ended early."""

    path: str | Path
    step: int = 1
    info: VideoInfo = field(init=False)
    read: int = 0
    stopped: str = ""

    def __post_init__(self):
        self._cap, self.info = open_video(self.path)
        ok, self._first = self._cap.read()  # no frame at all: refuse before any work
        if not ok:
            self._cap.release()
            self._no_frames()

    def __iter__(self) -> Iterator[tuple[int, float, npt.NDArray[np.uint8]]]:
        """(frame_index, time_s, BGR image) of each analysed frame."""
        cap, index, first = self._cap, 1, self._first
        self._first = None
        try:
            if first is not None:
                yield 0, 0.0, first
            while cap.grab():
                if index % self.step == 0:
                    ok, image = cap.retrieve()
                    if not ok:
                        break
                    yield index, index / self.info.fps, image
                index += 1
        finally:
            self.read = index
            cap.release()
        self.stopped = self._why_stopped()

    def _no_frames(self):
        expected = self.info.frames
        what = (f"holds no readable frame (its header announces {expected})" if expected
                else "holds no frames")
        raise VideoError(f"{self.info.path} {what}: nothing to analyse. It is damaged "
                         "or was cut short; copy or record it again")

    def _why_stopped(self) -> str:
        """'' when the clip was read to its end, else where and why it stopped."""
        expected, info = self.info.frames, self.info
        if expected and self.read < expected * (1 - CUT_SHORT_TOLERANCE) - 1:
            return (f"{info.path} is cut short: it stopped at frame {self.read} "
                    f"({self.read / info.fps:.1f} s) of the {expected} "
                    f"({info.duration_s:.1f} s) its header announces; the table "
                    "covers what was readable")
        return ""


def video_frames(path: str | Path, every: int = 1):
    """Yield (frame_index, time_s, BGR image) of every ``every``-th frame of a clip."""
    yield from VideoReader(path, every)
