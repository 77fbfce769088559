"""``make data``: report the FER2013 found, or say where to get it (Kaggle download).

Why: FER2013 cannot be shipped with the repo (no open license), so this is the one
place that tells a user what to fetch, where to put it, and checks that it loads.
Exit code 0 when usable data is found (or downloaded), 1 otherwise.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

from .. import paths
from ..labels import EMOTIONS
from . import DataError, find_data, load_fer2013

COMPETITION = (
    "challenges-in-representation-learning-facial-expression-recognition-challenge"
)
IMAGE_DATASET = "msambare/fer2013"
HOW_TO_GET = f"""\
FER2013 is not in this repository (it has no open license); fetch it yourself:

  1. The original CSV (best: has all three splits, Training/PublicTest/PrivateTest)
     https://www.kaggle.com/c/{COMPETITION}/data
     Sign in, accept the competition rules, download fer2013.tar.gz (or
     icml_face_data.csv), and put it in
         {{data_dir}}/
     as fer2013.tar.gz, fer2013.csv (from inside the tar), or icml_face_data.csv.

  2. Or the image-folder version (train/ and test/, one folder per emotion;
     test/ is used as PublicTest, files named PrivateTest_* as PrivateTest)
     https://www.kaggle.com/datasets/{IMAGE_DATASET}
     Unzip it so that {{data_dir}}/train/ and {{data_dir}}/test/ exist.

  With the Kaggle CLI (`pip install kaggle`) and an API token in
  ~/.kaggle/kaggle.json, `make data` downloads it for you.
  Elsewhere on disk? `export EMO_DATA=/path/to/fer2013.csv`.
  Until then every notebook runs on a small, clearly labelled demo sample.
"""


def report(path: str | Path | None = None) -> int:
    """Load the data found and print file, note, faces per split and emotion."""
    try:
        source = find_data(path)
        print(f"found: {source}", flush=True)
        dataset = load_fer2013(source)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(dataset):,} faces", end="")
    print(f" ({dataset.note})" if dataset.note else "")
    header = "".join(f"{name[:8]:>9}" for name in EMOTIONS)
    print(f"{'split':<12}{'faces':>7}{header}")
    for split, counts in dataset.counts().items():
        print(f"{split:<12}{sum(counts):>7,}" + "".join(f"{c:>9,}" for c in counts))
    if "PrivateTest" not in dataset.split_names:
        print("no PrivateTest split: final scores are reported on PublicTest.")
    return 0


def kaggle_ready() -> bool:
    """True when the kaggle CLI and ~/.kaggle/kaggle.json are both present."""
    token = Path.home() / ".kaggle" / "kaggle.json"
    return shutil.which("kaggle") is not None and token.is_file()


def unpack_download(archive: Path, data_dir: Path) -> Path | None:
    """Put the FER2013 of a Kaggle zip into data_dir; return what was written.

    Competition zip: fer2013.csv out of its fer2013.tar.gz (else icml_face_data.csv).
    Image dataset zip: its train/ and test/ folders. A zip (or the tar.gz inside it)
    that is cut short or corrupt raises DataError naming it and the fix.
    """
    try:
        return _unpack(archive, data_dir)
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError) as err:
        raise DataError(
            f"{archive.name} is cut short or damaged ({err}): an interrupted "
            "download. Delete it and run `make data` again, or download it by hand "
            "(see data/README.md)."
        ) from err


def _unpack(archive: Path, data_dir: Path) -> Path | None:
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        if "fer2013.tar.gz" in names:
            inner = io.BytesIO(zipped.read("fer2013.tar.gz"))
            with tarfile.open(fileobj=inner, mode="r:gz") as tar:
                member = next(
                    (m for m in tar if m.name.endswith("fer2013.csv")), None
                )
                if member is None:
                    return None
                target = data_dir / "fer2013.csv"
                with tar.extractfile(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            return target
        if "icml_face_data.csv" in names:
            return Path(zipped.extract("icml_face_data.csv", data_dir))
        images = [n for n in names if n.split("/", 1)[0] in ("train", "test")]
        if images:
            zipped.extractall(data_dir, members=images)
            return data_dir
    return None


def download(data_dir: Path) -> Path | None:
    """Download with the Kaggle CLI: the competition CSV, else the image folders."""
    data_dir.mkdir(parents=True, exist_ok=True)
    attempts = [
        (["competitions", "download", "-c", COMPETITION], f"{COMPETITION}.zip"),
        (["datasets", "download", "-d", IMAGE_DATASET], "fer2013.zip"),
    ]
    for args, zip_name in attempts:
        print(f"$ kaggle {' '.join(args)} -p {data_dir}", flush=True)
        done = subprocess.run(["kaggle", *args, "-p", str(data_dir)], check=False)
        archive = data_dir / zip_name
        if done.returncode != 0 or not archive.is_file():
            print(
                f"  failed (exit {done.returncode}); for the competition, accept its "
                "rules on the Kaggle website first.",
                file=sys.stderr,
            )
            continue
        try:
            written = unpack_download(archive, data_dir)
        except DataError as err:
            print(f"  error: {err}", file=sys.stderr)
            continue
        if written is not None:
            archive.unlink()
            print(f"  unpacked to {written}")
            return written
        print(
            f"  {archive} holds no FER2013 I recognise; left it there.", file=sys.stderr
        )
    return None


def run_data(path: str | Path | None = None, allow_download: bool = True) -> int:
    """``python -m emo_utils data``: report the data at ``path`` (or found), else
    download it with the Kaggle CLI when ``allow_download`` and ready, else explain.

    Returns the exit code: 0 with usable data, 1 otherwise (errors printed here)."""
    data_dir = paths.DATA_DIRS[0]
    found = path
    try:
        find_data(path)
    except DataError as err:
        if path is not None:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"No FER2013 found. {err}\n", file=sys.stderr)
        if not allow_download or not kaggle_ready():
            print(HOW_TO_GET.format(data_dir=data_dir), file=sys.stderr)
            return 1
        found = download(data_dir)
        if found is None:
            print(HOW_TO_GET.format(data_dir=data_dir), file=sys.stderr)
            return 1
    return report(found)
