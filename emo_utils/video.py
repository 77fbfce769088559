"""Emotion over time in a video file: one row per analysed frame and face.

Why: people ask of an emotion model first "run it on my video and give me a table
and a timeline". Frames come from ``cv2.VideoCapture`` (any clip OpenCV's FFmpeg
reads: mp4, avi, mov, webm); faces are found on a subsample of frames (BlazeFace and
one fast Haar pass: no slow rescue passes), followed by ``tracking.FaceTracker``, and
the faces of several frames go through the network in one batch. The table is
written to CSV batch by batch, so an interrupted run keeps what was done.
"""

from __future__ import annotations

import argparse
import csv as csv_module
import math
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pandas as pd

from .face import MAX_ASPECT, MAX_PIXELS, crop_faces
from .labels import EMOTIONS
from .tracking import FaceTracker, Track

COLUMNS = ("time_s", "frame", "face", "x", "y", "w", "h", *EMOTIONS, "label")
ANALYSE_FPS = 10.0  # analyse at least this many frames per second of video
BATCH_FRAMES = 16  # analysed frames whose faces go through the network together
MIN_HITS = 3  # a track is a person after this many detections (~0.25 s)
KEEP_SECONDS = 1.0  # a track survives this long without a detection
MIN_SIDE = 32  # px: a smaller picture cannot hold a face the model can read
PROGRESS_AFTER_S = 5.0  # clips longer than this get a progress bar
CUT_SHORT_TOLERANCE = 0.02  # frames missing vs the header (its count is estimated)


class VideoError(ValueError):
    """A clip that cannot be analysed; the message says what was found and the fix."""


class AnalysisInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``analyse_video``: ``table`` holds the rows analysed so far."""

    def __init__(self, message: str, table: pd.DataFrame):
        super().__init__(message)
        self.table = table


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


def frame_step(video_fps: float, fps: float | None = ANALYSE_FPS) -> int:
    """Analyse every ``step``-th frame so at least ``fps`` frames a second are
    analysed (``None``: every frame)."""
    if fps is None:
        return 1
    if not fps > 0:
        raise ValueError(f"fps must be > 0 frames a second, got {fps}")
    return max(1, int(video_fps // fps))


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


@dataclass
class _Face:
    """A face found in an analysed frame, waiting for its probabilities and its id."""

    frame: int
    time_s: float
    track: Track
    box: tuple[int, int, int, int]
    crop: npt.NDArray[np.uint8]
    probs: npt.NDArray[np.float32] | None = None


class _Predictor:
    """The predictor, or the shipped one loading in a thread meanwhile: the first
    seconds of decoding and face finding overlap TensorFlow's start-up."""

    def __init__(self, predictor=None):
        self._value, self._future = predictor, None
        if predictor is None:
            pool = ThreadPoolExecutor(1, thread_name_prefix="emo-load")
            self._future = pool.submit(_load_shipped)
            pool.shutdown(wait=False)

    def ready(self) -> bool:
        return self._value is not None or self._future.done()

    def get(self):
        if self._value is None:
            self._value = self._future.result()  # re-raises a loading error here
        return self._value


def _load_shipped():
    from .predict import EmotionPredictor

    return EmotionPredictor.from_checkpoint()


class _TableWriter:
    """Rows kept in memory and appended to a CSV (flushed each batch)."""

    def __init__(self, csv: str | Path | None):
        self.rows: list[tuple] = []
        self.path = Path(csv) if csv is not None else None
        self._file = None
        if self.path is not None:
            # opened first: a bad path fails before the model loads
            self._file = self.path.open("w", newline="")
            self._csv = csv_module.writer(self._file)
            self._csv.writerow(COLUMNS)
            self._file.flush()

    def add(self, faces: list[_Face]) -> None:
        rows = [(round(f.time_s, 3), f.frame, f.track.id, *f.box,
                 *(round(float(p), 4) for p in f.probs),
                 EMOTIONS[int(f.probs.argmax())])
                for f in sorted(faces, key=lambda f: (f.frame, f.track.id))]
        self.rows += rows
        if self._file is not None and rows:
            self._csv.writerows(rows)
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def table(self) -> pd.DataFrame:
        table = pd.DataFrame(self.rows, columns=list(COLUMNS))
        table = table.sort_values(["frame", "face"], kind="stable", ignore_index=True)
        return table.astype({c: "int64" for c in ("frame", "face", "x", "y", "w", "h")})


def _settle(waiting: list[_Face], tracker: FaceTracker, predictor, writer: _TableWriter,
            final: bool = False) -> list[_Face]:
    """Classify the faces not yet classified, write those whose track is confirmed,
    drop those whose track died unconfirmed; returns the faces still waiting."""
    new = [f for f in waiting if f.probs is None]
    if new:
        faces = np.stack([f.crop for f in new])
        probs = predictor.get().predict_faces(faces, tta="flip")
        for f, p in zip(new, probs, strict=True):
            f.probs = p
    alive = {t.key for t in tracker.tracks}
    writer.add([f for f in waiting if f.track.id is not None])
    return [f for f in waiting if f.track.id is None and f.track.key in alive
            and not final]


def analyse_video(path: str | Path, predictor=None, csv: str | Path | None = None,
                  fps: float | None = ANALYSE_FPS, progress: bool = True,
                  batch_frames: int = BATCH_FRAMES) -> pd.DataFrame:
    """Per-frame, per-face emotion probabilities of a clip as a DataFrame (``COLUMNS``).

    ``fps``: analyse at least this many frames a second (None: every frame).
    ``face`` is the tracker's id, the same for one person across frames; a face
    seen in fewer than ``MIN_HITS`` analysed frames in a row is never reported.
    ``csv``: written as the analysis goes. ``table.attrs["warning"]`` says where a
    clip cut short stopped; ``attrs["note"]`` that no face was found. Bad input
    raises ``VideoError``; Ctrl-C raises ``AnalysisInterrupted`` with the rows so far.
    """
    reader = VideoReader(path)
    info = reader.info
    reader.step = frame_step(info.fps, fps)
    writer = _TableWriter(csv)
    try:
        predictor = _Predictor(predictor)
        rate = info.fps / reader.step
        tracker = FaceTracker(max_misses=max(1, round(KEEP_SECONDS * rate)),
                              min_hits=MIN_HITS)
        _run(reader, tracker, predictor, writer, progress, batch_frames)
    finally:
        writer.close()
    return _finish(writer.table(), reader)


def _run(reader: VideoReader, tracker: FaceTracker, predictor, writer: _TableWriter,
         progress: bool, batch_frames: int) -> None:
    """The analysis loop: detect, track, and every ``batch_frames`` frames (once the
    predictor has loaded) classify the faces found."""
    from tqdm.auto import tqdm

    info, waiting, fresh, time_s = reader.info, [], 0, 0.0
    total = math.ceil(info.frames / reader.step) if info.frames else None
    show = progress and not (info.duration_s <= PROGRESS_AFTER_S)
    bar = tqdm(total=total, unit="frame", desc=info.path.name, disable=not show,
               file=sys.stderr)
    try:
        for index, time_s, image in reader:
            crops = crop_faces(image, channels="BGR", rescue=False)
            tracks = tracker.update([c.box for c in crops])
            waiting += [_Face(index, time_s, t, c.box, c.face)
                        for c, t in zip(crops, tracks, strict=True)]
            fresh += 1
            bar.update()
            if fresh >= batch_frames and predictor.ready():
                waiting, fresh = _settle(waiting, tracker, predictor, writer), 0
        _settle(waiting, tracker, predictor, writer, final=True)
    except KeyboardInterrupt:
        _settle(waiting, tracker, predictor, writer, final=True)
        where = f" ({writer.path} keeps them)" if writer.path else ""
        raise AnalysisInterrupted(
            f"interrupted at {time_s:.1f} s of {info.path}: {len(writer.rows)} rows "
            f"analysed so far{where}", writer.table()) from None
    finally:
        bar.close()


def _finish(table: pd.DataFrame, reader: VideoReader) -> pd.DataFrame:
    if reader.stopped:
        table.attrs["warning"] = reader.stopped
    if table.empty:
        seconds = reader.read / reader.info.fps
        analysed = math.ceil(reader.read / reader.step)
        table.attrs["note"] = (f"No face found in {reader.info.path.name}: {analysed} "
                               f"frames analysed over {seconds:.1f} s; the table is "
                               "empty.")
    return table


def main(argv: list[str] | None = None) -> int:
    """``python -m emo_utils video CLIP``: analyse, print the summary, save table and
    figure. Bad input raises ``VideoError`` (the caller prints one ``error:`` line)."""
    parser = argparse.ArgumentParser(
        prog="python -m emo_utils video",
        description="Emotion over time in a video: a per-frame table, a summary "
                    "(share of time per emotion per person) and a timeline figure.")
    parser.add_argument("clip", help="a video file: mp4, avi, mov, webm, ...")
    parser.add_argument("--csv", help="write the per-frame table here (as it goes)")
    parser.add_argument("--plot", help="save the timeline figure here (.png/.svg/.pdf)")
    parser.add_argument("--fps", type=float, default=ANALYSE_FPS,
                        help=f"analyse at least this many frames a second (default "
                             f"{ANALYSE_FPS:g}; 0: every frame)")
    args = parser.parse_args(argv)
    if args.plot and Path(args.plot).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise VideoError(f"--plot {args.plot}: give a name ending in .png, .svg or "
                         ".pdf")
    try:
        table = analyse_video(args.clip, csv=args.csv, fps=args.fps or None,
                              progress=sys.stderr.isatty())
    except AnalysisInterrupted as err:
        print(f"error: {err}", file=sys.stderr)
        return 130
    _report(table, args)
    if table.attrs.get("warning"):
        print(f"error: {table.attrs['warning']}", file=sys.stderr)
        return 1
    return 0


def _report(table: pd.DataFrame, args: argparse.Namespace) -> None:
    """Print the summary and where the table and the figure went."""
    from . import plots, timeline

    if table.empty:
        print(table.attrs.get("note", "No face found."))
    else:
        print(timeline.format_summary(timeline.summarise(table)))
    if args.csv:
        print(f"table: {args.csv} ({len(table)} rows)")
    if args.plot and not table.empty:
        plots.set_style()
        timeline.plot_timeline(table).savefig(args.plot)
        print(f"timeline: {args.plot}")
