"""The _compat patches make tflearn 0.5.0 import, train, augment, save and load."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import emo_utils._compat as compat

SCRIPT = Path(__file__).with_name("tflearn_roundtrip.py")
REPO = Path(__file__).resolve().parents[1]


def _roundtrip(tmp_path, remove=None, timeout=180):
    """Run the round trip in a fresh interpreter; a hang (crop feeder) times out."""
    cmd = [sys.executable, str(SCRIPT), str(tmp_path)] + ([remove] if remove else [])
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO
        )
    except subprocess.TimeoutExpired:
        return None
    return done


@pytest.mark.slow
def test_tiny_net_trains_saves_and_reloads_with_patches(tmp_path):
    done = _roundtrip(tmp_path)
    assert done is not None, "tflearn fit() hung: a feeder thread died"
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ROUNDTRIP OK" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("patch", ["nest", "antialias", "pad", "bool"])
def test_removing_any_patch_breaks_tflearn(tmp_path, patch):
    # "bool" on numpy 2 removes numpy's own np.bool, which tflearn's text helpers use.
    # "pad" makes fit() hang forever on numpy 2; the timeout turns that into a failure.
    done = _roundtrip(tmp_path, remove=patch, timeout=60 if patch == "pad" else 180)
    assert done is None or done.returncode != 0
    if done is not None:
        assert "ROUNDTRIP OK" not in done.stdout


def test_patches_are_recorded_with_reasons():
    names = {line.split(": ")[0] for line in compat.APPLIED}
    assert {
        "tensorflow.python.util.nest.is_sequence",
        "PIL.Image.ANTIALIAS",
        "numpy.lib.pad",
    } <= names
    # numpy 2 brought np.bool back as its own bool type; only numpy 1.24-1.26 needs it.
    assert ("numpy.bool" in names) == (not hasattr(np, "bool_") or np.__version__ < "2")
    assert all(line.split(": ", 1)[1] for line in compat.APPLIED)
