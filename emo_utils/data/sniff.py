"""Open a source file's bytes (plain or gzip) and refuse the usual mix-ups early.

Why: an empty file, a Git LFS pointer, an HTML page, a zip, or a gzip stream cut
short each get one DataError saying what the file really is and the fix, instead of
a parser error deep inside pandas or zlib.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tqdm.auto import tqdm
from tqdm.utils import CallbackIOWrapper

from .dataset import FIX, DataError

_LFS_HEAD = b"version https://git-lfs.github.com/spec"


def check_head(head: bytes, name: str) -> None:
    """Raise for an empty file, a Git LFS pointer or an HTML page (usual mix-ups)."""
    if not head.strip():
        raise DataError(f"{name} is empty (0 rows). {FIX}")
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


def compressed_error(name: str, err: BaseException, kind: str) -> DataError:
    """The DataError for a .gz or .tar.gz that ends early or does not decompress."""
    text = " ".join(str(err).split())
    if isinstance(err, EOFError) or re.search("unexpected end|truncated", text):
        return DataError(
            f"{name} is cut short: its {kind} data ends early (an interrupted "
            f"download or copy). {FIX}"
        )
    return DataError(f"{name} is damaged: its {kind} data is corrupt ({text}). {FIX}")


GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def _gzip_damage(path: Path) -> BaseException | None:
    """The error met decompressing all of ``path`` (CRC included), None if intact."""
    try:
        with gzip.open(path, "rb") as g:
            while g.read(1 << 22):
                pass
    except GZIP_ERRORS as err:
        return err
    return None


@contextmanager
def open_source(path: Path, progress: bool) -> Iterator[IO[bytes]]:
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
        check_head(magic + head, path.name)
    else:
        try:
            with gzip.open(path, "rb") as g:
                check_head(g.read(4096), path.name)
        except GZIP_ERRORS as err:
            raise compressed_error(path.name, err, "gzip") from err
    with bytes_bar(path, progress) as bar, open(path, "rb") as raw:
        wrapped = CallbackIOWrapper(bar.update, raw, "read")
        if gzipped:
            with gzip.GzipFile(fileobj=wrapped) as stream:
                try:
                    yield stream
                except GZIP_ERRORS as err:
                    raise compressed_error(path.name, err, "gzip") from err
                except DataError as err:
                    damage = _gzip_damage(path)
                    if damage is None:
                        raise
                    raise compressed_error(path.name, damage, "gzip") from err
        else:
            yield wrapped


def bytes_bar(path: Path, progress: bool) -> tqdm:
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
