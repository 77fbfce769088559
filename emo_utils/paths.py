"""Where things live: the repository, the shipped checkpoint, data search folders.

One place for every path root; modules import these names instead of building
their own.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
ASSETS = PACKAGE_DIR / "assets"  # the face detector, sample faces and clip
CHECKPOINTS = REPO_ROOT / "checkpoints"
SHIPPED_CHECKPOINT = CHECKPOINTS / "alexnet48"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"  # the course's copy, beside the repo
# Searched in order when no data path is given (the course's shared copy last).
DATA_DIRS = (REPO_ROOT / "data", SHARED_DATA)


def user_cache_dir() -> Path:
    """Per-user cache folder: $EMO_CACHE_DIR, else $XDG_CACHE_HOME/emo_utils or
    ~/.cache/emo_utils (never next to the data, which may be shared or read-only)."""
    if os.environ.get("EMO_CACHE_DIR"):
        return Path(os.environ["EMO_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "emo_utils"


def in_repo(path: str | os.PathLike) -> Path:
    """``path`` as given when absolute, else under the repository (config fields such
    as ``init_from`` name repo-relative folders, whatever the working directory)."""
    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path


def relative_to_repo(path: str | os.PathLike) -> str:
    """``path`` relative to the repository when inside it or beside it (``../shared/
    data/...``), for output that must not show this machine's folders; else as given.
    """
    # as written first (a linked ../shared stays ../shared), then with links resolved
    for candidate in (Path(os.path.abspath(path)), Path(path).resolve()):
        for root, prefix in ((REPO_ROOT, ""), (REPO_ROOT.parent, "..")):
            if candidate.is_relative_to(root):
                return str(Path(prefix, candidate.relative_to(root)))
    return str(path)
