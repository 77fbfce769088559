"""Parse the FER2013 CSV layout (``emotion,pixels[,Usage]``) into a Dataset.

Why: fer2013.csv, its .gz and icml_face_data.csv share one parser that checks every
row and names the first bad one (row, line, what is wrong) with the fix.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..labels import EMOTIONS, FACE_SIZE, NUM_CLASSES, SPLITS
from .dataset import FIX, DataError, Dataset
from .sniff import GZIP_ERRORS, open_source

NUM_PIXELS = FACE_SIZE * FACE_SIZE
SPLIT_SEED = 0

_COLUMNS = {"emotion": "emotion", "pixels": "pixels", "usage": "Usage"}


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _headerless(columns: list[str]) -> str | None:
    """The header a CSV whose first line is already a face should have, else None."""
    names = [str(c).strip() for c in columns]
    if not (names and names[0].isdigit() and any(len(c.split()) > 100 for c in names)):
        return None
    return ",".join(
        "emotion" if c.isdigit() else "pixels" if len(c.split()) > 100 else "Usage"
        for c in names
    )


def _normalise_columns(columns: list[str], name: str) -> list[str]:
    """Map ' Usage', 'PIXELS', ... to the canonical names; raise on missing columns."""
    mapped = [_COLUMNS.get(str(c).strip().lower(), str(c).strip()) for c in columns]
    missing = [c for c in ("emotion", "pixels") if c not in mapped]
    header = _headerless(columns) if missing else None
    if header:
        raise DataError(
            f"{name} has no header row: line 1 is already a face (emotion "
            f"{str(columns[0]).strip()}). Add the line '{header}' at the top, or "
            "re-download the file (see data/README.md, or run `make data`)."
        )
    if missing:
        raise DataError(
            f"{name}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(repr(_short(str(c))) for c in columns[:6])}. A FER2013 CSV "
            "has the header 'emotion,pixels,Usage' (icml_face_data.csv: 'emotion, "
            f"Usage, pixels'). {FIX}"
        )
    return mapped


def _extra_fields(name: str, line: int, saw: int, header: list[str]) -> DataError:
    expected = len(header)
    return DataError(
        f"{name} row {line - 1} (line {line}): {saw} fields, {saw - expected} more "
        f"than the {expected} in the header ({_short(','.join(header), 40)}): extra "
        "field(s), a stray comma? Remove them from that line, or re-download the file "
        "(see data/README.md, or run `make data`)."
    )


def _first_lines(stream: IO[bytes], count: int) -> list[list[str]]:
    """The first ``count`` lines of a seekable stream, as CSV fields ([] on failure)."""
    try:
        stream.seek(0)
        lines = [stream.readline().decode("utf-8-sig", "replace") for _ in range(count)]
    except (OSError, ValueError, AttributeError, *GZIP_ERRORS):
        return []
    return list(csv.reader(lines))


def _pixel_problem(text: str) -> str:
    """Describe what is wrong with one row's pixel string (only called on bad rows)."""
    tokens = text.split()
    for k, token in enumerate(tokens):
        if not re.fullmatch(r"\d+", token):
            return f"pixel {k + 1} is {token[:20]!r}, not a whole number 0-255"
    if len(tokens) != NUM_PIXELS:
        return f"{len(tokens)} pixels, expected {NUM_PIXELS} (48x48)"
    values = np.array(tokens, dtype=np.int64)
    k = int(np.flatnonzero(values > 255)[0])
    return f"pixel {k + 1} is {values[k]}, outside 0-255"


def _parse_pixel_rows(
    pixels: list[str], name: str, first_row: int
) -> npt.NDArray[np.uint8]:
    """Parse pixel strings row by row with numpy's C parser; exact row on errors."""
    out = np.empty((len(pixels), NUM_PIXELS), dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns (future: raises) on junk tokens
        for i, text in enumerate(pixels):
            try:
                values = np.fromstring(text, dtype=np.int64, sep=" ")
                ok = values.size == NUM_PIXELS and values.min() >= 0
                ok = ok and values.max() <= 255
            except (ValueError, DeprecationWarning):
                ok = False
            if not ok:
                raise DataError(
                    f"{name} row {first_row + i} (line {first_row + i + 1}): "
                    f"{_pixel_problem(text)}. {FIX}"
                )
            out[i] = values
    return out.reshape(-1, FACE_SIZE, FACE_SIZE)


def _parse_labels(values: pd.Series, name: str, first_row: int) -> np.ndarray:
    numbers = pd.to_numeric(values.str.strip(), errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isin(numbers, np.arange(NUM_CLASSES)))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{name} row {first_row + i} (line {first_row + i + 1}): emotion "
            f"{values.iloc[i]!r} is not one of 0-{NUM_CLASSES - 1} "
            f"({', '.join(EMOTIONS)}). {FIX}"
        )
    return numbers.astype(np.int64)


def _parse_usage(values: pd.Series, name: str, first_row: int) -> npt.NDArray[np.str_]:
    text = values.str.strip()
    canonical = {s.lower(): s for s in SPLITS}
    mapped = text.str.lower().map(canonical)
    bad = np.flatnonzero(mapped.isna().to_numpy() & (text != "").to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{name} row {first_row + i} (line {first_row + i + 1}): Usage "
            f"{values.iloc[i]!r} is not one of {', '.join(SPLITS)} (or empty). {FIX}"
        )
    return mapped.fillna("").to_numpy().astype(str)


def read_csv_stream(
    stream: IO[bytes], name: str, chunksize: int = 2048
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a FER2013-layout CSV stream in chunks; returns images, labels, usage."""
    images, labels, usage = [], [], []
    row = 1
    header: list[str] = []
    try:
        reader = pd.read_csv(
            stream,
            dtype=str,
            keep_default_na=False,
            chunksize=chunksize,
            skipinitialspace=False,
            index_col=False,  # a first row with extra fields is an error, not an index
        )
        with warnings.catch_warnings():
            # pandas only warns (and drops data) when the first row has extra fields
            warnings.simplefilter("error", pd.errors.ParserWarning)
            for chunk in reader:
                header = header or [str(c) for c in chunk.columns]
                chunk.columns = _normalise_columns(list(chunk.columns), name)
                chunk = chunk.fillna("")
                labels.append(_parse_labels(chunk["emotion"], name, row))
                images.append(_parse_pixel_rows(chunk["pixels"].tolist(), name, row))
                if "Usage" in chunk:
                    usage.append(_parse_usage(chunk["Usage"], name, row))
                else:
                    usage.append(np.full(len(chunk), "", dtype="<U11"))
                row += len(chunk)
    except pd.errors.ParserWarning as err:
        lines = _first_lines(stream, 2)
        if len(lines) < 2:
            raise DataError(f"{name} row 1 (line 2): extra fields. {FIX}") from err
        raise _extra_fields(name, 2, len(lines[1]), lines[0]) from err
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{name} is empty (no header, no rows). {FIX}") from err
    except pd.errors.ParserError as err:
        text = " ".join(str(err).split())
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
        header = header or (_first_lines(stream, 1) or [[]])[0]
        if found and int(found[1]) == len(header):
            raise _extra_fields(name, int(found[2]), int(found[3]), header) from err
        raise DataError(f"{name}: not a valid CSV ({text}). {FIX}") from err
    except UnicodeDecodeError as err:
        raise DataError(f"{name}: not a text CSV ({err}). {FIX}") from err
    if sum(len(chunk) for chunk in labels) == 0:
        raise DataError(f"{name} has a header but no rows. {FIX}")
    return np.concatenate(images), np.concatenate(labels), np.concatenate(usage)


def split_missing_usage(
    labels: np.ndarray, usage: np.ndarray, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, str]:
    """Give rows with an empty Usage a stratified 80/10/10 split; say so in a note."""
    missing = np.flatnonzero(usage == "")
    if missing.size == 0:
        return usage, ""
    usage = usage.astype("<U11").copy()
    rng = np.random.default_rng(seed)
    for label in range(NUM_CLASSES):
        rows = rng.permutation(missing[labels[missing] == label])
        n_train = int(round(0.8 * rows.size))
        n_public = int(round(0.1 * rows.size))
        usage[rows[:n_train]] = "Training"
        usage[rows[n_train : n_train + n_public]] = "PublicTest"
        usage[rows[n_train + n_public :]] = "PrivateTest"
    which = "all rows" if missing.size == usage.size else f"{missing.size:,} rows"
    return usage, (
        f"no Usage for {which}: made a stratified 80/10/10 "
        f"Training/PublicTest/PrivateTest split (seed {seed})"
    )


def read_fer_csv(path: str | os.PathLike, *, progress: bool = True) -> Dataset:
    """Read a FER2013-layout CSV (``emotion,pixels[,Usage]``; .csv or .csv.gz)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist. {FIX}")
    with open_source(path, progress) as stream:
        images, labels, usage = read_csv_stream(stream, path.name)
    usage, note = split_missing_usage(labels, usage)
    return Dataset(images, labels, usage, str(path), note)
