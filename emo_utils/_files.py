"""Atomic file writes: a reader (or a crash) never sees a half-written file.

Each write goes to a temporary sibling that is then renamed over the target
(``os.replace``, atomic on POSIX and Windows). ``durable=True`` also flushes the
file and its folder to disk, so the rename survives a power cut, not only a killed
process.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np


def tmp_sibling(path: Path) -> Path:
    """``<name>.<pid>.tmp`` beside ``path``: where its next version is written."""
    return path.with_name(f"{path.name}.{os.getpid()}.tmp")


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (renames, new files), to disk.

    A no-op on Windows, where os.fsync needs a writable handle and folders have none.
    """
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, write: Callable[[BinaryIO], None], durable: bool) -> None:
    path = Path(path)
    tmp = tmp_sibling(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_path(path.parent)


def atomic_write_bytes(path: Path, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to a temporary sibling, then rename it over ``path``."""
    _atomic_write(path, lambda f: f.write(data), durable)


def atomic_write_text(path: Path, text: str, durable: bool = False) -> None:
    """Write ``text`` to a temporary sibling, then rename it over ``path``."""
    atomic_write_bytes(path, text.encode(), durable)


def atomic_save_npz(
    path: Path, arrays: Mapping[str, np.ndarray], durable: bool = False
) -> None:
    """``np.savez`` to a temporary sibling, then rename it over ``path``."""
    _atomic_write(path, lambda f: np.savez(f, **arrays), durable)


def link_or_copy(source: Path, path: Path) -> None:
    """A hard link ``path`` -> ``source`` (no data copied), or a copy where the
    file system has no hard links. ``path`` must not exist."""
    try:
        os.link(source, path)
    except OSError:
        shutil.copyfile(source, path)


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files exist and hold the same bytes."""
    if not (a.is_file() and b.is_file()):
        return False
    if os.path.samefile(a, b):
        return True
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            chunk = fa.read(1 << 20)
            if chunk != fb.read(1 << 20):
                return False
            if not chunk:
                return True
