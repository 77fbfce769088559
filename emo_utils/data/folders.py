"""Read the image-folder layout (train/<emotion>/*.jpg, test/<emotion>/*.jpg), on
disk or in a .tar.gz (which may instead hold Kaggle's fer2013.csv).

Why: Kaggle ships FER2013 both ways; folder and archive names map to splits and
labels here, and the note says what was mapped.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm
from tqdm.utils import CallbackIOWrapper

from ..labels import EMOTIONS, FACE_SIZE, SPLITS
from .dataset import FIX, DataError, Dataset
from .decode import decode_face
from .fer_csv import read_csv_stream, split_missing_usage
from .sniff import GZIP_ERRORS, bytes_bar, check_head, compressed_error

_IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp"}
_FOLDER_SPLITS = {"train": "Training", "training": "Training", "test": "PublicTest"}


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
            f"{FIX}"
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
        images[i] = decode_face(data, where)
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
        check_head(head, path.name)
        raise DataError(f"{path.name} is not a tar.gz archive. {FIX}")
    entries: list[tuple[tuple[str, ...], bytes]] = []
    try:
        with (
            bytes_bar(path, progress) as bar,
            open(path, "rb") as raw,
            tarfile.open(
                fileobj=CallbackIOWrapper(bar.update, raw, "read"), mode="r|*"
            ) as archive,
        ):
            for member, data in _tar_members(archive):
                parts = tuple(Path(member.name).parts)
                if parts[-1].lower() in ("fer2013.csv", "icml_face_data.csv"):
                    name = f"{path.name}:{member.name}"
                    check_head(data[:4096], name)
                    images, labels, usage = read_csv_stream(io.BytesIO(data), name)
                    usage, note = split_missing_usage(labels, usage)
                    return Dataset(images, labels, usage, str(path), note)
                if (
                    Path(parts[-1]).suffix.lower() in _IMAGE_EXTENSIONS
                    and len(parts) >= 3
                    and not any(p.startswith(".") for p in parts)
                ):
                    entries.append((parts, data))
    except (tarfile.TarError, OSError, *GZIP_ERRORS) as err:
        raise compressed_error(path.name, err, "tar.gz") from err
    return _folder_dataset(entries, path, progress)
