"""Emotion over time in a video file: one row per analysed frame and face.

Why: people ask of an emotion model first "run it on my video and give me a table
and a timeline". Frames come from ``cv2.VideoCapture`` (any clip OpenCV's FFmpeg
reads: mp4, avi, mov, webm); faces are found on a subsample of frames (BlazeFace and
one fast Haar pass: no slow rescue passes), followed by ``tracking.FaceTracker``, and
the faces of several frames go through the network in one batch. The table is
written to CSV batch by batch, so an interrupted run keeps what was done.
"""

from __future__ import annotations

import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from ..faces import crop_faces
from ..infer.csv_rows import CsvRows
from ..infer.pipeline import FaceSearch, FrameFaces, analyse_frames
from ..infer.prediction import FACE_COLUMNS
from .tracking import FaceTracker
from .video_source import (
    ANALYSE_FPS,
    VideoError,
    VideoReader,
)

# a face's columns (as in the photo table), after where it is in the clip
COLUMNS = ("time_s", "frame", *FACE_COLUMNS)
# A clip's rate within 1% of a multiple of the requested one counts as that multiple:
# 29.97 fps (NTSC) is analysed every 3rd frame (9.99 a second), not every 2nd (15).
RATE_TOLERANCE = 0.01
BATCH_FRAMES = 16  # analysed frames whose faces go through the network together
MIN_HITS = 3  # a track is a person after this many detections (~0.25 s)
KEEP_SECONDS = 1.0  # a track survives this long without a detection
PROGRESS_AFTER_S = 5.0  # clips longer than this get a progress bar


class AnalysisInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``analyse_video``: ``table`` holds the rows analysed so far."""

    def __init__(self, message: str, table: pd.DataFrame):
        super().__init__(message)
        self.table = table


def frame_step(video_fps: float, fps: float | None = ANALYSE_FPS) -> int:
    """Analyse every ``step``-th frame: ``floor(video_fps / fps)``, at least 1.

    The largest whole step that still analyses ``fps`` frames a second (within
    ``RATE_TOLERANCE``): 25 fps -> every 2nd frame (12.5 a second), 30 or 29.97 -> every
    3rd (10), 24 -> every 2nd (12), under 20 fps -> every frame. A whole step keeps the
    analysed frames evenly spaced. ``fps`` None: every frame.
    """
    if fps is None:
        return 1
    if not fps > 0:
        raise ValueError(f"fps must be > 0 frames a second, got {fps}")
    return max(1, math.floor(video_fps / fps * (1 + RATE_TOLERANCE)))


def _load_in_background(predictor=None, engine: str = "onnx"):
    """The predictor, or a ``Future`` of the shipped one (on ``engine``) loading in
    a thread: the first seconds of decoding and face finding overlap the model's
    start-up."""
    if predictor is not None:
        return predictor
    pool = ThreadPoolExecutor(1, thread_name_prefix="emo-load")
    future = pool.submit(_load_shipped, engine)
    pool.shutdown(wait=False)
    return future


def _load_shipped(engine: str = "onnx"):
    from ..infer.predictor import load_predictor

    return load_predictor(engine=engine)


class _TableWriter:
    """Rows kept in memory and appended to a CSV (``CsvRows``, flushed each batch)."""

    def __init__(self, csv: str | Path | None):
        self.rows: list[dict] = []
        self.path = Path(csv) if csv is not None else None
        # opened first: a bad path fails before the model loads
        self._sink = CsvRows(self.path, COLUMNS) if self.path is not None else None

    def add(self, frame: FrameFaces) -> None:
        """A frame's faces (confirmed persons only), in order of their ids."""
        rows = [{"time_s": round(frame.time_s, 3), "frame": frame.place,
                 **pred.row(pred.track_id)}
                for pred in sorted(frame.faces, key=lambda p: p.track_id)]
        self.rows += rows
        if self._sink is not None and rows:
            self._sink.write(rows)

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()

    def table(self) -> pd.DataFrame:
        table = pd.DataFrame(self.rows, columns=list(COLUMNS))
        table = table.sort_values(["frame", "face"], kind="stable", ignore_index=True)
        return table.astype({c: "int64" for c in ("frame", "face", "x", "y", "w", "h")})


def analyse_video(path: str | Path, predictor=None, csv: str | Path | None = None,
                  fps: float | None = ANALYSE_FPS, progress: bool = True,
                  batch_frames: int = BATCH_FRAMES, engine: str = "onnx"
                  ) -> pd.DataFrame:
    """Per-frame, per-face emotion probabilities of a clip as a DataFrame (``COLUMNS``).

    ``fps``: analyse every k-th frame, k = the clip's frame rate / ``fps`` rounded
    down (``frame_step``): at least ``fps`` evenly spaced frames a second, so 12.5
    rows a second of a 25 fps clip and 10 of a 30 fps clip (None: every frame);
    ``table.attrs["rate"]`` and ``["step"]`` say what was used. The probabilities
    are each frame's own, unsmoothed (``timeline`` smooths them for its figure).
    ``face`` is the tracker's id, the same for one person across frames; a face
    seen in fewer than ``MIN_HITS`` analysed frames (a gap of up to ``KEEP_SECONDS``
    between them) is never reported. ``csv``: written as the analysis goes, in frame
    order. ``engine``: what runs the shipped network when no ``predictor`` is given
    ("onnx" or "tf"). ``table.attrs["warning"]`` says where a clip cut short stopped;
    ``attrs["note"]`` that no face was found. Bad input raises ``VideoError``; Ctrl-C
    raises ``AnalysisInterrupted`` with the rows so far.
    """
    reader = VideoReader(path)
    info = reader.info
    reader.step = frame_step(info.fps, fps)
    writer = _TableWriter(csv)
    try:
        predictor = _load_in_background(predictor, engine)
        rate = info.fps / reader.step
        tracker = FaceTracker(max_misses=max(1, round(KEEP_SECONDS * rate)),
                              min_hits=MIN_HITS)
        _run(reader, tracker, predictor, writer, progress, batch_frames)
    finally:
        writer.close()
    return _finish(writer.table(), reader)


def _run(reader: VideoReader, tracker: FaceTracker, predictor, writer: _TableWriter,
         progress: bool, batch_frames: int) -> None:
    """The analysis: ``analyse_frames`` with a tracker, reporting confirmed persons
    only, ``batch_frames`` frames' faces to a network run; rows written as they come.

    Holding a frame back until its tracks are confirmed keeps the CSV in frame
    order, as the table is. An unconfirmed track lives at most ``(MIN_HITS - 1) *
    (max_misses + 1) + max_misses`` analysed frames (about 3 s of video), so rows
    are held no longer than that."""
    from tqdm.auto import tqdm

    info, seen = reader.info, _Seen()
    total = math.ceil(info.frames / reader.step) if info.frames else None
    show = progress and not (info.duration_s <= PROGRESS_AFTER_S)
    bar = tqdm(total=total, unit="frame", desc=info.path.name, disable=not show,
               file=sys.stderr)
    # the module's crop_faces, looked up now: tests replace it
    search = FaceSearch("live", "BGR", crop=crop_faces)
    try:
        for frame in analyse_frames(seen.frames(reader, bar), predictor, search,
                                    tracker=tracker, persons_only=True,
                                    batch_frames=batch_frames):
            writer.add(frame)
    except KeyboardInterrupt:
        where = f" ({writer.path} keeps them)" if writer.path else ""
        raise AnalysisInterrupted(
            f"interrupted at {seen.time_s:.1f} s of {info.path}: {len(writer.rows)} "
            f"rows analysed so far{where}", writer.table()) from None
    finally:
        bar.close()


class _Seen:
    """The time of the last frame read (for the Ctrl-C message)."""

    time_s = 0.0

    def frames(self, reader: VideoReader, bar):
        for index, time_s, image in reader:
            self.time_s = time_s
            yield index, time_s, image
            bar.update()


def _finish(table: pd.DataFrame, reader: VideoReader) -> pd.DataFrame:
    table.attrs["rate"] = reader.info.fps / reader.step
    table.attrs["step"] = reader.step
    if reader.stopped:
        table.attrs["warning"] = reader.stopped
    if table.empty:
        seconds = reader.read / reader.info.fps
        analysed = math.ceil(reader.read / reader.step)
        table.attrs["note"] = (f"No face found in {reader.info.path.name}: {analysed} "
                               f"frames analysed over {seconds:.1f} s; the table is "
                               "empty.")
    return table


def run_video(clip: str | Path, csv: str | Path | None = None,
              plot: str | Path | None = None, fps: float = ANALYSE_FPS,
              engine: str = "onnx") -> int:
    """``python -m emo_utils video CLIP``: analyse, print the summary, save table and
    figure; returns the exit status. Bad input raises ``VideoError`` (the command
    line prints it as one ``error:`` line); ``fps`` as in ``analyse_video``, 0
    analyses every frame."""
    if plot and Path(plot).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise VideoError(f"--plot {plot}: give a name ending in .png, .svg or .pdf")
    try:
        table = analyse_video(clip, csv=csv, fps=fps or None,
                              progress=sys.stderr.isatty(), engine=engine)
    except AnalysisInterrupted as err:
        print(f"error: {err}", file=sys.stderr)
        return 130
    _report(table, csv, plot)
    if table.attrs.get("warning"):
        print(f"error: {table.attrs['warning']}", file=sys.stderr)
        return 1
    return 0


def _report(table: pd.DataFrame, csv: str | Path | None,
            plot: str | Path | None) -> None:
    """Print the summary and where the table and the figure went."""
    from . import timeline

    print(_describe_rate(table))
    if table.empty:
        print(table.attrs.get("note", "No face found."))
    else:
        print(timeline.format_summary(timeline.summarise(table)))
    if csv:
        print(f"table: {csv} ({len(table)} rows)")
    if plot and not table.empty:
        from .. import plots  # matplotlib: only when a figure is asked for

        plots.set_style()
        timeline.plot_timeline(table).savefig(plot)
        print(f"timeline: {plot}")


def _describe_rate(table: pd.DataFrame) -> str:
    """'12.5 frames analysed a second of video (1 in 2 of its 25 fps)'."""
    rate, step = table.attrs["rate"], table.attrs["step"]
    return (f"{rate:.4g} frames analysed a second of video (1 in {step} of its "
            f"{rate * step:.4g} fps)")
