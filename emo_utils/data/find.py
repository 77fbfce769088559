"""Where the data is: a given path, ``$EMO_DATA``, or the default data folders.

Why: notebooks, CLI and tests look in the same places, best source first, and a miss
names every place looked at and where to put the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import paths
from .dataset import DataNotFoundError

# File names we look for inside a folder, best first (image folders come last).
PREFERRED_FILES = (
    "fer2013.csv",
    "fer2013.csv.gz",
    "icml_face_data.csv",
    "icml_face_data.csv.gz",
    "fer2013.tar.gz",
)


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
