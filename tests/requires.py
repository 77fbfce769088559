"""What tests need from outside the repo (../shared data, Chromium, playwright).

On a user's machine a missing piece skips with the fix in the reason (pytest -ra
shows it); under CI (CI=true) it fails, so a broken CI setup cannot pass as skips.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

from emo_utils.paths import SHARED_DATA

CHROMIUM = Path("/usr/bin/chromium")


def in_ci() -> bool:
    """True when the environment says CI (``CI=true``, as GitHub/GitLab set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def missing(reason: str) -> NoReturn:
    """Skip with ``reason``; CI: fail, as a skip there hides a broken setup."""
    if in_ci():
        pytest.fail(f"CI=true, and {reason}", pytrace=False)
    pytest.skip(reason)


def require_shared_data(*names: str, folder: Path = SHARED_DATA) -> Path:
    """The course's shared data folder holding ``names``; else skip (CI: fail)."""
    fix = ("put the course's shared data folder beside the repo as ../shared/data "
           "(it holds fer2013.csv.gz, fer2013-first-rows.csv, fer2013new.csv, faces/)")
    if not folder.is_dir():
        missing(f"shared data not found at {folder}: {fix}")
    absent = [name for name in names if not (folder / name).exists()]
    if absent:
        missing(f"{', '.join(absent)} not in {folder}: {fix}")
    return folder


def require_chromium(path: Path = CHROMIUM) -> Path:
    """Debian's Chromium, which the browser tests drive; skip (CI: fail) without it."""
    if not path.exists():
        missing(f"no Chromium at {path}: `sudo apt-get install chromium` "
                "(.ci/run installs it); playwright downloads no browser here")
    return path


def require_playwright() -> ModuleType:
    """``playwright.sync_api``; skip (CI: fail) when the package is not installed."""
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        missing("the playwright package is not installed: `make setup` "
                "(or .venv/bin/pip install -e '.[cpu,dev]')")
    return sync_api
