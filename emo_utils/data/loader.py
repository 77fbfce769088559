"""The entry point: find FER2013, read it with the reader for its format, cache it.

Why: one call, :func:`load_fer2013`, so notebooks, CLI and tests read the data the
same way.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .cache import cache_path, fingerprint, load_cache, save_cache
from .dataset import FIX, DataError, Dataset
from .fer_csv import read_fer_csv
from .find import find_data
from .folders import read_fer_tar, read_image_folder


def read_source(path: str | os.PathLike, *, progress: bool = True) -> Dataset:
    """Read any accepted source (no cache): CSV(.gz), tar.gz, or image folder."""
    path = Path(path)
    if path.is_dir():
        return read_image_folder(path, progress=progress)
    if not path.exists():
        raise DataError(f"{path} does not exist. {FIX}")
    if path.name.lower().endswith((".tar.gz", ".tgz", ".tar")):
        return read_fer_tar(path, progress=progress)
    return read_fer_csv(path, progress=progress)


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
    key = fingerprint(source)
    cached = cache_path(source)
    if cached.is_file():
        dataset = load_cache(cached, key)
        if dataset is not None:  # named by where it was found now, not when cached
            return dataclasses.replace(dataset, source=str(source))
    dataset = read_source(source, progress=progress)
    problem = save_cache(dataset, key, cached)
    if problem:
        note = "; ".join(n for n in (dataset.note, problem) if n)
        dataset = dataclasses.replace(dataset, note=note)
    return dataset
