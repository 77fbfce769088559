"""Photos in, table out: label every face in files, folders and globs.

``predict_photos(paths)`` (and ``python -m emo_utils predict PATH...``) gives one row
per face: ``file, face, x, y, w, h``, the seven probabilities named as the labels,
``label``, and ``note``. A photo with no face gets one row whose note says so, never
silence. A damaged or unreadable file does not stop the batch: it is reported with
why (``on_error``), and the good rows are written to the CSV as they are made, so
Ctrl-C keeps them.
"""

from __future__ import annotations

import csv
import glob
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..images import load_image
from .csv_rows import CsvRows
from .pipeline import FaceSearch, analyse_frames
from .prediction import FACE_COLUMNS

if TYPE_CHECKING:  # pandas loads on first use of .table: the command does without it
    import pandas as pd

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
# a face's columns (as in the video table), after the file; ``note`` says "no face"
COLUMNS = ("file", *FACE_COLUMNS, "note")
PROGRESS_FROM = 5  # files; fewer get no progress bar
NO_FACE = "no face found"


@dataclass
class BatchResult:
    """What a batch did: its rows (``table`` as a DataFrame), and the files that
    could not be read (name, why)."""

    rows: list[dict]
    failed: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False

    @cached_property
    def table(self) -> pd.DataFrame:
        return _table(self.rows)


def find_photos(paths: Iterable[str | os.PathLike], recursive: bool = False,
                on_error: Callable[[str, str], None] | None = None) -> list[Path]:
    """The photo files named by ``paths``: files as given, folders' photos (sorted;
    subfolders with ``recursive``), and glob patterns. A path that matches nothing
    is reported to ``on_error`` (and skipped)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found += sorted(p for p in path.glob(pattern)
                            if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        elif path.is_file():
            found.append(path)
        elif glob.has_magic(str(raw)):
            matches = sorted(Path(p) for p in glob.glob(str(raw), recursive=recursive))
            found += [p for p in matches if p.is_file()]
            if not matches and on_error:
                on_error(str(raw), "no file matches this pattern")
        elif on_error:
            on_error(str(raw), "no such file or folder")
    return found


def photo_rows(predictor, path: Path, finder="upload") -> list[dict]:
    """The rows of one photo: one per face, largest first, or one saying no face.
    The photo is one untracked frame of ``analyse_frames``."""
    frame = [(path, 0.0, load_image(path))]
    [(_, _, preds)] = analyse_frames(frame, predictor, FaceSearch(finder))
    if not preds[0].found:
        return [{"file": str(path), "label": "", "note": NO_FACE}]
    return [{"file": str(path), **pred.row(i), "note": ""}
            for i, pred in enumerate(preds, start=1)]


def predict_photos(paths: Iterable[str | os.PathLike] | str | os.PathLike,
                   recursive: bool = False, predictor=None,
                   csv_path: str | os.PathLike | None = None, progress: bool = True,
                   on_error: Callable[[str, str], None] | None = None
                   ) -> BatchResult:
    """Label every face in the photos named by ``paths`` (files, folders, globs).

    Returns a ``BatchResult``: ``table`` (one row per face, ``COLUMNS``), ``failed``
    (file, why) for files that could not be read, ``interrupted`` after Ctrl-C
    (the rows made so far are kept, and written to ``csv_path`` as they came)."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    failed: list[tuple[str, str]] = []

    def fail(name: str, why: str) -> None:
        failed.append((name, why))
        if on_error:
            on_error(name, why)

    files = find_photos(paths, recursive, fail)
    if predictor is None:
        from .predictor import load_predictor

        predictor = load_predictor()
    rows: list[dict] = []
    sink = CsvRows(csv_path, COLUMNS) if csv_path else None
    interrupted = False
    try:
        for path in _progress(files, progress and len(files) >= PROGRESS_FROM):
            try:
                new = photo_rows(predictor, path)
            except (ValueError, OSError) as err:  # ImageError is a ValueError
                fail(str(path), " ".join(str(err).split()))
                continue
            rows += new
            if sink:
                sink.write(new)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if sink:
            sink.close()
    return BatchResult(rows, failed, interrupted)


def predict_folder(path: str | os.PathLike, recursive: bool = False,
                   predictor=None) -> pd.DataFrame:
    """One row per face in a folder's photos (see ``predict_photos``); files that
    cannot be read are left out of the table (``predict_photos`` lists them)."""
    return predict_photos([path], recursive, predictor, progress=False).table


def write_rows(rows: list[dict], out: TextIO) -> None:
    """The rows as CSV (``COLUMNS``, header first) to an open text stream."""
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _table(rows: list[dict]) -> pd.DataFrame:
    import pandas as pd

    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.astype({"face": "Int64", "x": "Int64", "y": "Int64", "w": "Int64",
                         "h": "Int64"})


def _progress(files: list[Path], show: bool) -> Iterator[Path]:
    if not show:
        yield from files
        return
    from tqdm.auto import tqdm

    yield from tqdm(files, desc="photos", unit="photo")


def summary_line(result: BatchResult, csv_path: str | os.PathLike | None) -> str:
    """One sentence on what the batch did, for the end of the command."""
    photos = len({row["file"] for row in result.rows})
    faces = sum(row.get("face") is not None for row in result.rows)
    no_face = sum(row.get("note") == NO_FACE for row in result.rows)
    text = (f"{photos} photo{'s' * (photos != 1)}, {faces} face"
            f"{'s' * (faces != 1)} labelled")
    if no_face:
        text += f", {no_face} with no face"
    if result.failed:
        text += f"; {len(result.failed)} file{'s' * (len(result.failed) != 1)} "
        text += "could not be read (listed above)"
    if csv_path:
        text += f"; table in {csv_path}"
    if result.interrupted:
        text = "interrupted: " + text + " (the rows made before Ctrl-C are kept)"
    return text + "."
