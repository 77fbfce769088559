"""Find, load and validate FER2013 in every common format; split it; cache it.

One entry point, :func:`load_fer2013`, so notebooks, CLI and tests read the data the
same way. Accepted: ``fer2013.csv`` (or ``.csv.gz``), Kaggle's ``fer2013.tar.gz``,
``icml_face_data.csv`` (column names with leading spaces), and the image-folder
version (``train/`` and ``test/`` with one folder per emotion, or its ``.tar.gz``).

Cache: the first load writes ``<source name>-<path hash>.fer-cache.npz`` to the
per-user cache folder (:func:`emo_utils.paths.user_cache_dir`: ``$EMO_CACHE_DIR``, else
``$XDG_CACHE_HOME/emo_utils`` or ``~/.cache/emo_utils``), never beside the data, which
may be shared or read-only. Its key is the source's size, mtime and the SHA-256 of its
first MiB (file count, bytes and newest mtime for a folder); the arrays carry their
own SHA-256. A cache whose key or checksum does not match is rebuilt. When that folder
is not writable the data loads without a cache and ``Dataset.note`` says so.

Damaged input of any kind (a cut-short or garbled .gz/.tar.gz, an empty, cut or
unreadable image, a CSV without header or with extra fields) raises one DataError
naming the file (for an image, the image) and the fix; nothing is skipped silently.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd
from tqdm.auto import tqdm
from tqdm.utils import CallbackIOWrapper

from . import paths
from .labels import EMOTIONS, FACE_SIZE, NUM_CLASSES, SPLITS
from .paths import REPO_ROOT as REPO_ROOT  # re-exported: importers move to .paths

NUM_PIXELS = FACE_SIZE * FACE_SIZE
SPLIT_SEED = 0
CACHE_SUFFIX = ".fer-cache.npz"
CACHE_VERSION = 1

# File names we look for inside a folder, best first (image folders come last).
PREFERRED_FILES = (
    "fer2013.csv",
    "fer2013.csv.gz",
    "icml_face_data.csv",
    "icml_face_data.csv.gz",
    "fer2013.tar.gz",
)
_IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp"}
_FOLDER_SPLITS = {"train": "Training", "training": "Training", "test": "PublicTest"}
_FIX = "Re-download the file (see data/README.md, or run `make data`)."
_IMAGE_FIX = "Delete it or re-download the data (see data/README.md, or `make data`)."
_LFS_HEAD = b"version https://git-lfs.github.com/spec"


class DataError(ValueError):
    """A data file is missing or malformed; the message names file, row and fix."""


class DataNotFoundError(DataError):
    """No FER2013 where we looked: the only error notebooks answer with demo data."""


@dataclass(frozen=True)
class Dataset:
    """FER2013 faces: uint8 images (N,48,48), int labels (N,), split names (N,).

    ``note`` says in plain words anything the loader decided for you (a split it
    made, a folder it mapped); empty when the file was used as is.
    """

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    usage: npt.NDArray[np.str_]
    source: str
    note: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, name: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """Images and labels of one split ('Training', 'PublicTest', 'PrivateTest')."""
        mask = self.usage == name
        return self.images[mask], self.labels[mask]

    @property
    def split_names(self) -> list[str]:
        present = set(self.usage.tolist())
        return [s for s in SPLITS if s in present] + sorted(present - set(SPLITS))

    def counts(self) -> dict[str, list[int]]:
        """Per split, the number of faces of each emotion (FER2013 label order)."""
        return {
            name: np.bincount(self.split(name)[1], minlength=NUM_CLASSES).tolist()
            for name in self.split_names
        }

    def summary(self) -> str:
        """One line per split: 'Training: 28,709 faces'; then the note, if any."""
        lines = [f"{self.source}: {len(self):,} faces"]
        lines += [f"  {n}: {int((self.usage == n).sum()):,}" for n in self.split_names]
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- finding


def _search_dirs() -> list[Path]:
    """Folders searched when no path is given: :data:`emo_utils.paths.DATA_DIRS`."""
    return list(paths.DATA_DIRS)


def _is_image_root(folder: Path) -> bool:
    return (folder / "train").is_dir() or (folder / "test").is_dir()


def best_in_folder(folder: Path) -> Path | None:
    """The best FER2013 source in ``folder``: CSV > icml CSV > tar.gz > image folder."""
    for name in PREFERRED_FILES:
        if (folder / name).is_file():
            return folder / name
    tars = sorted(p for p in folder.glob("*.tar.gz") if not p.name.startswith("."))
    if tars:
        return tars[0]
    if _is_image_root(folder):
        return folder
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir() and _is_image_root(p))
    return subdirs[0] if subdirs else None


def find_data(path: str | os.PathLike | None = None) -> Path:
    """Where the data is: ``path``, else ``$EMO_DATA``, else the default folders.

    Raises DataError naming every place looked at and where to put the file.
    """
    given = path if path is not None else os.environ.get("EMO_DATA") or None
    if given is not None:
        where = Path(given).expanduser()
        origin = "" if path is not None else " (from $EMO_DATA)"
        if where.is_file():
            return where
        if where.is_dir():
            found = best_in_folder(where)
            if found is not None:
                return found
            raise DataNotFoundError(
                f"{where}{origin} is a folder without FER2013 in it (looked for "
                f"{', '.join(PREFERRED_FILES)}, *.tar.gz or train/ + test/ image "
                "folders). Put fer2013.csv there; `make data` says where to get it."
            )
        raise DataNotFoundError(
            f"{where}{origin} does not exist. Put FER2013 at "
            f"{paths.DATA_DIRS[0] / 'fer2013.csv'}; `make data` says where to get it."
        )
    searched = _search_dirs()
    for folder in searched:
        if folder.is_dir():
            found = best_in_folder(folder)
            if found is not None:
                return found
    zips = [z for f in searched if f.is_dir() for z in sorted(f.glob("*.zip"))]
    raise DataNotFoundError(
        (f"Found {zips[0]}: unzip it first. " if zips else "")
        + "No FER2013 data found (looked in "
        + ", ".join(str(f) for f in searched)
        + f"). Put fer2013.csv (or .csv.gz, Kaggle's fer2013.tar.gz, "
        f"icml_face_data.csv, or the train/ test/ image folders) in "
        f"{paths.DATA_DIRS[0]}/ or set EMO_DATA=/path/to/it. `make data` says where "
        "to get it and downloads it when you have Kaggle credentials."
    )


# ---------------------------------------------------------------------- sniffing bytes


def _check_head(head: bytes, name: str) -> None:
    """Raise for an empty file, a Git LFS pointer or an HTML page (usual mix-ups)."""
    if not head.strip():
        raise DataError(f"{name} is empty (0 rows). {_FIX}")
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            f"{name} is a zip archive, not CSV. Unzip it into data/ (Kaggle zips hold "
            "fer2013.tar.gz or train/ and test/ folders); see data/README.md."
        )
    if head.startswith(_LFS_HEAD):
        raise DataError(
            f"{name} is a Git LFS pointer (a 130-byte text stub), not the data. Run "
            "`git lfs pull` in the repository you copied it from, or download the "
            "real file (see data/README.md, `make data`)."
        )
    lowered = head[:2048].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")) or (
        lowered.startswith(b"<") and b"<html" in lowered
    ):
        raise DataError(
            f"{name} is an HTML page, not CSV (a login or download page saved instead "
            "of the file). Download the file itself from Kaggle (see data/README.md) "
            "or use `make data`."
        )


def _compressed_error(name: str, err: BaseException, kind: str) -> DataError:
    """The DataError for a .gz or .tar.gz that ends early or does not decompress."""
    text = " ".join(str(err).split())
    if isinstance(err, EOFError) or re.search("unexpected end|truncated", text):
        return DataError(
            f"{name} is cut short: its {kind} data ends early (an interrupted "
            f"download or copy). {_FIX}"
        )
    return DataError(f"{name} is damaged: its {kind} data is corrupt ({text}). {_FIX}")


_GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def _gzip_damage(path: Path) -> BaseException | None:
    """The error met decompressing all of ``path`` (CRC included), None if intact."""
    try:
        with gzip.open(path, "rb") as g:
            while g.read(1 << 22):
                pass
    except _GZIP_ERRORS as err:
        return err
    return None


@contextmanager
def _open_source(path: Path, progress: bool) -> Iterator[IO[bytes]]:
    """Open a (gzipped) file as bytes with a progress bar over the bytes on disk.

    A gzip stream that ends early or is corrupt, wherever the reader meets it, raises
    DataError ("cut short" / "damaged") instead of EOFError or zlib.error; so does a
    bad row that is really garbled gzip data (checked only after such an error).
    """
    with open(path, "rb") as f:
        magic = f.read(2)
        head = f.read(4096)
    gzipped = magic == b"\x1f\x8b"
    if not gzipped:
        _check_head(magic + head, path.name)
    else:
        try:
            with gzip.open(path, "rb") as g:
                _check_head(g.read(4096), path.name)
        except _GZIP_ERRORS as err:
            raise _compressed_error(path.name, err, "gzip") from err
    with _bytes_bar(path, progress) as bar, open(path, "rb") as raw:
        wrapped = CallbackIOWrapper(bar.update, raw, "read")
        if gzipped:
            with gzip.GzipFile(fileobj=wrapped) as stream:
                try:
                    yield stream
                except _GZIP_ERRORS as err:
                    raise _compressed_error(path.name, err, "gzip") from err
                except DataError as err:
                    damage = _gzip_damage(path)
                    if damage is None:
                        raise
                    raise _compressed_error(path.name, damage, "gzip") from err
        else:
            yield wrapped


def _bytes_bar(path: Path, progress: bool) -> tqdm:
    """A tqdm bar over a file's bytes, shown only when reading takes over a second."""
    return tqdm(
        total=path.stat().st_size,
        unit="B",
        unit_scale=True,
        delay=1.0,
        desc=f"reading {path.name}",
        disable=not progress,
        leave=False,
    )


# --------------------------------------------------------------------------- CSV files

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
            f"Usage, pixels'). {_FIX}"
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
    except (OSError, ValueError, AttributeError, *_GZIP_ERRORS):
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
                    f"{_pixel_problem(text)}. {_FIX}"
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
            f"({', '.join(EMOTIONS)}). {_FIX}"
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
            f"{values.iloc[i]!r} is not one of {', '.join(SPLITS)} (or empty). {_FIX}"
        )
    return mapped.fillna("").to_numpy().astype(str)


def _read_csv_stream(
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
            raise DataError(f"{name} row 1 (line 2): extra fields. {_FIX}") from err
        raise _extra_fields(name, 2, len(lines[1]), lines[0]) from err
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{name} is empty (no header, no rows). {_FIX}") from err
    except pd.errors.ParserError as err:
        text = " ".join(str(err).split())
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
        header = header or (_first_lines(stream, 1) or [[]])[0]
        if found and int(found[1]) == len(header):
            raise _extra_fields(name, int(found[2]), int(found[3]), header) from err
        raise DataError(f"{name}: not a valid CSV ({text}). {_FIX}") from err
    except UnicodeDecodeError as err:
        raise DataError(f"{name}: not a text CSV ({err}). {_FIX}") from err
    if sum(len(chunk) for chunk in labels) == 0:
        raise DataError(f"{name} has a header but no rows. {_FIX}")
    return np.concatenate(images), np.concatenate(labels), np.concatenate(usage)


def _split_missing_usage(
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
        raise DataError(f"{path} does not exist. {_FIX}")
    with _open_source(path, progress) as stream:
        images, labels, usage = _read_csv_stream(stream, path.name)
    usage, note = _split_missing_usage(labels, usage)
    return Dataset(images, labels, usage, str(path), note)


# ----------------------------------------------------------------- image-folder layout


@dataclass(frozen=True)
class _ImageEntry:
    parts: tuple[str, ...]  # path components, ending in <split>/<emotion>/<file>
    read: Callable[[], bytes]


def _dir_entries(root: Path) -> Iterator[_ImageEntry]:
    for file in sorted(root.rglob("*")):
        if file.suffix.lower() in _IMAGE_EXTENSIONS and file.is_file():
            yield _ImageEntry(file.relative_to(root).parts, file.read_bytes)


def _tar_members(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, bytes]]:
    for member in archive:
        if member.isfile():
            fileobj = archive.extractfile(member)
            yield member, fileobj.read() if fileobj else b""


def _split_of(parts: tuple[str, ...], where: str) -> tuple[str, int]:
    """Split name and label of one image from its folder names and file name."""
    split_dir, emotion, file = parts[-3].lower(), parts[-2].lower(), parts[-1]
    if split_dir not in _FOLDER_SPLITS:
        raise DataError(
            f"{where}: image {'/'.join(parts)} is not under train/ or test/. The "
            "image-folder layout is train/<emotion>/*.jpg and test/<emotion>/*.jpg."
        )
    if emotion not in EMOTIONS:
        raise DataError(
            f"{where}: folder {parts[-2]!r} ({'/'.join(parts)}) is not an emotion; "
            f"expected one of {', '.join(EMOTIONS)}."
        )
    prefix = file.split("_", 1)[0]
    split = prefix if prefix in SPLITS else _FOLDER_SPLITS[split_dir]
    return split, EMOTIONS.index(emotion)


def _jpeg_cut_short(data: bytes) -> bool:
    """True for a JPEG whose data ends before its end-of-image marker.

    OpenCV decodes such a file without complaint (grey below the cut); Pillow is the
    judge only when the last bytes are not the marker (trailing junk is allowed).
    """
    if data[:2] != b"\xff\xd8" or data.rstrip(b"\0\r\n ")[-2:] == b"\xff\xd9":
        return False
    import PIL.Image

    try:
        with PIL.Image.open(io.BytesIO(data)) as image:
            image.load()
    except OSError as err:
        return "truncated" in str(err)
    return False


def _decode(data: bytes, where: str) -> npt.NDArray[np.uint8]:
    """One image file's bytes -> uint8 (48,48) grey face; DataError naming ``where``.

    16-bit PNGs are scaled to 8 bits (value / 257). One whose values all fit in 0-255
    (8-bit data saved as 16-bit) would scale to black, so it is refused with the fix.
    """
    import cv2

    if not data:
        raise DataError(f"{where} is empty (0 bytes), not an image. {_IMAGE_FIX}")
    if _jpeg_cut_short(data):
        raise DataError(
            f"{where} is cut short (its JPEG data ends before the end-of-image "
            f"marker). {_IMAGE_FIX}"
        )
    flags = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error:
        image = None
    if image is None:
        raise DataError(f"{where}: not a readable image. {_IMAGE_FIX}")
    if image.dtype == np.uint16:
        if image.max() <= 255:
            raise DataError(
                f"{where} is a 16-bit image whose values are all 0-255 (8-bit pixels "
                "saved as 16-bit), so scaled to 8 bits it would be black. Re-save it "
                "as 8-bit: cv2.imwrite(path, image.astype(np.uint8))."
            )
        image = ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise DataError(
            f"{where} has {image.dtype} pixels; save it as an 8-bit grey or colour "
            "image (PNG, JPEG or BMP)."
        )
    if image.shape != (FACE_SIZE, FACE_SIZE):
        size = (FACE_SIZE, FACE_SIZE)
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image


def _folder_dataset(
    entries: list[tuple[tuple[str, ...], bytes | Callable[[], bytes]]],
    source: Path,
    progress: bool,
) -> Dataset:
    """Decode (parts, bytes) entries of the image-folder layout into a Dataset.

    A damaged image (empty, cut short, unreadable, unreadable file) raises DataError
    naming it (the full path in a folder, ``archive: member`` in a tar.gz): one bad
    file stops the load rather than being skipped, so no face goes missing unnoticed.
    """
    if not entries:
        raise DataError(
            f"{source}: no images found under train/<emotion>/ or test/<emotion>/. "
            f"{_FIX}"
        )
    entries = sorted(entries, key=lambda e: e[0])
    images = np.empty((len(entries), FACE_SIZE, FACE_SIZE), np.uint8)
    labels = np.empty(len(entries), np.int64)
    usage = np.empty(len(entries), "<U11")
    for i, (parts, data) in enumerate(
        tqdm(
            entries,
            desc=f"decoding {source.name}",
            delay=1.0,
            disable=not progress,
            leave=False,
        )
    ):
        where = (
            str(source.joinpath(*parts))
            if source.is_dir()
            else f"{source.name}: {'/'.join(parts)}"
        )
        usage[i], labels[i] = _split_of(parts, str(source.name))
        if callable(data):
            try:
                data = data()
            except OSError as err:
                raise DataError(f"{where} cannot be read ({err.strerror}).") from err
        images[i] = _decode(data, where)
    note = "image-folder layout: train/ used as Training, test/ used as PublicTest"
    if (usage == "PrivateTest").any():
        note += (
            f"; {int((usage == 'PrivateTest').sum()):,} files named PrivateTest_* "
            "used as PrivateTest"
        )
    else:
        note += "; no PrivateTest split (final scores are on PublicTest)"
    return Dataset(images, labels, usage, str(source), note)


def read_image_folder(path: str | os.PathLike, *, progress: bool = True) -> Dataset:
    """Read the image-folder layout: train/<emotion>/*.jpg, test/<emotion>/*.jpg."""
    root = Path(path)
    entries = [
        (e.parts, e.read)
        for e in _dir_entries(root)
        if len(e.parts) >= 3 and not any(p.startswith(".") for p in e.parts)
    ]
    return _folder_dataset(entries, root, progress)


def read_fer_tar(path: str | os.PathLike, *, progress: bool = True) -> Dataset:
    """Read a .tar.gz holding fer2013.csv (Kaggle) or the image-folder layout."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:2] != b"\x1f\x8b" and not tarfile.is_tarfile(path):
        _check_head(head, path.name)
        raise DataError(f"{path.name} is not a tar.gz archive. {_FIX}")
    entries: list[tuple[tuple[str, ...], bytes]] = []
    try:
        with (
            _bytes_bar(path, progress) as bar,
            open(path, "rb") as raw,
            tarfile.open(
                fileobj=CallbackIOWrapper(bar.update, raw, "read"), mode="r|*"
            ) as archive,
        ):
            for member, data in _tar_members(archive):
                parts = tuple(Path(member.name).parts)
                if parts[-1].lower() in ("fer2013.csv", "icml_face_data.csv"):
                    name = f"{path.name}:{member.name}"
                    _check_head(data[:4096], name)
                    images, labels, usage = _read_csv_stream(io.BytesIO(data), name)
                    usage, note = _split_missing_usage(labels, usage)
                    return Dataset(images, labels, usage, str(path), note)
                if (
                    Path(parts[-1]).suffix.lower() in _IMAGE_EXTENSIONS
                    and len(parts) >= 3
                    and not any(p.startswith(".") for p in parts)
                ):
                    entries.append((parts, data))
    except (tarfile.TarError, OSError, *_GZIP_ERRORS) as err:
        raise _compressed_error(path.name, err, "tar.gz") from err
    return _folder_dataset(entries, path, progress)


def read_source(path: str | os.PathLike, *, progress: bool = True) -> Dataset:
    """Read any accepted source (no cache): CSV(.gz), tar.gz, or image folder."""
    path = Path(path)
    if path.is_dir():
        return read_image_folder(path, progress=progress)
    if not path.exists():
        raise DataError(f"{path} does not exist. {_FIX}")
    if path.name.lower().endswith((".tar.gz", ".tgz", ".tar")):
        return read_fer_tar(path, progress=progress)
    return read_fer_csv(path, progress=progress)


# ------------------------------------------------------------------------------- cache


def _fingerprint(source: Path) -> str:
    """Cache key of a source: size, mtime, SHA-256 of the first MiB (folders: stats)."""
    if source.is_dir():
        stats = [p.stat() for p in source.rglob("*") if p.is_file()]
        key = {
            "files": len(stats),
            "bytes": sum(s.st_size for s in stats),
            "mtime_ns": max((s.st_mtime_ns for s in stats), default=0),
        }
    else:
        stat = source.stat()
        with open(source, "rb") as f:
            head = hashlib.sha256(f.read(1 << 20)).hexdigest()
        key = {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256_1mib": head}
    return json.dumps(
        {"version": CACHE_VERSION, "source": source.name, **key}, sort_keys=True
    )


def _checksum(images: np.ndarray, labels: np.ndarray, usage: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in (images, labels, usage):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _writable(folder: Path) -> bool:
    """Writable, honouring read-only permission bits even for root (CI's shared/)."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return os.access(folder, os.W_OK) and bool(mode & 0o222)


def cache_path(source: str | os.PathLike) -> Path:
    """Where the cache of ``source`` lives: the per-user cache folder
    (:func:`emo_utils.paths.user_cache_dir`), named after the source and its path."""
    source = Path(source).resolve()
    tag = hashlib.sha256(str(source).encode()).hexdigest()[:10]
    return paths.user_cache_dir() / f"{source.name}-{tag}{CACHE_SUFFIX}"


def _make_folder(folder: Path) -> bool:
    """Create ``folder`` if needed; False when it is not, or cannot be, writable."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not _writable(existing):
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return folder.is_dir() and _writable(folder)


def _load_cache(cache: Path, key: str) -> Dataset | None:
    """The cached Dataset if key and checksum match, else None (caller rebuilds)."""
    try:
        with np.load(cache, allow_pickle=False) as npz:
            if str(npz["key"]) != key:
                return None
            images, labels, usage = npz["images"], npz["labels"], npz["usage"]
            if _checksum(images, labels, usage) != str(npz["checksum"]):
                return None
            return Dataset(images, labels, usage, str(npz["source"]), str(npz["note"]))
    except (OSError, ValueError, KeyError, EOFError):
        return None


def _save_cache(dataset: Dataset, key: str, cache: Path) -> str:
    """Write the cache atomically; "" when written, else why not (for the note)."""
    folder = cache.parent
    tip = "set EMO_CACHE_DIR to one to make the next load fast"
    if not _make_folder(folder):
        return f"not cached: {folder} is not a writable folder ({tip})"
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(
                f,
                images=dataset.images,
                labels=dataset.labels,
                usage=dataset.usage,
                source=np.str_(dataset.source),
                note=np.str_(dataset.note),
                key=np.str_(key),
                checksum=np.str_(
                    _checksum(dataset.images, dataset.labels, dataset.usage)
                ),
            )
        os.replace(tmp, cache)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        return f"not cached: could not write {cache} ({err.strerror}; {tip})"
    return ""


# ----------------------------------------------------------------------- entry point


def load_fer2013(
    path: str | os.PathLike | None = None, *, cache: bool = True, progress: bool = True
) -> Dataset:
    """Find and load FER2013 (see :func:`find_data`), through the checksummed cache.

    The first load of the full CSV takes a few seconds, later loads well under one
    (cache: :func:`cache_path`). When the cache folder is not writable the data still
    loads, and ``note`` ends with one "not cached: ..." sentence saying why.
    Raises DataError (file, row and fix) for anything missing or malformed.
    """
    source = find_data(path)
    if not cache:
        return read_source(source, progress=progress)
    key = _fingerprint(source)
    cached = cache_path(source)
    if cached.is_file():
        dataset = _load_cache(cached, key)
        if dataset is not None:  # named by where it was found now, not when cached
            return dataclasses.replace(dataset, source=str(source))
    dataset = read_source(source, progress=progress)
    problem = _save_cache(dataset, key, cached)
    if problem:
        note = "; ".join(n for n in (dataset.note, problem) if n)
        dataset = dataclasses.replace(dataset, note=note)
    return dataset
