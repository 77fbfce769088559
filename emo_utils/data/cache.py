"""The checksummed .npz cache of a loaded source, in the per-user cache folder.

Why: parsing the full CSV takes seconds, a cached load well under one; the key
(size, mtime, first-MiB hash) and the arrays' own SHA-256 make a stale or damaged
cache rebuild itself, and an unwritable folder only costs speed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .. import paths
from .dataset import Dataset

CACHE_SUFFIX = ".fer-cache.npz"
CACHE_VERSION = 1


def fingerprint(source: Path) -> str:
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


def load_cache(cache: Path, key: str) -> Dataset | None:
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


def save_cache(dataset: Dataset, key: str, cache: Path) -> str:
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
