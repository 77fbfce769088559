"""The checkpoint format, read without TensorFlow: config, weights and temperature.

A run folder (``rundir.RunDir``) holds ``config.json`` (the recipe, ``ModelConfig``),
``weights.npz`` (one array per graph variable, named as TensorFlow names them) and,
once ``make eval`` ran, ``calibration.json`` (the softmax temperature). Every reader
of those three files goes through here, so every fault says the same thing.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..model.recipes import ModelConfig
from ..paths import SHIPPED_CHECKPOINT, relative_to_repo
from ..runs.rundir import RunDir

LFS_POINTER = b"version https://git-lfs"
# The version of the ONNX graph onnx_graph writes: bump it when that graph changes,
# and every cached model.onnx (stamped with it) is rebuilt.
GRAPH_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint is missing, truncated, or was built for another architecture."""


class MissingEngine(ImportError):
    """The package an engine needs (onnxruntime, onnx, TensorFlow) is not installed;
    the message says how to install it or which engine to use instead."""


def fix_hint(path: Path) -> str:
    return (
        f"Restore it with `git checkout -- {path}` (the shipped model), or "
        "retrain with `make train` / "
        f"`python -m emo_utils train --run-dir {path}`."
    )


def load_weights(path: str | Path) -> dict[str, np.ndarray]:
    """Read weights.npz into a dict; missing/damaged file raises CheckpointError."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"no weights file at {path}. " + fix_hint(path.parent))
    with open(path, "rb") as f:
        if f.read(len(LFS_POINTER)) == LFS_POINTER:
            raise CheckpointError(
                f"{path} is a Git LFS pointer, not the weights: the real file was "
                "never downloaded. Run `git lfs install && git lfs pull` in the "
                "repository (or download weights.npz from the repository's web page)."
            )
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise CheckpointError(
            f"{path} is damaged or truncated ({err}). " + fix_hint(path.parent)
        ) from err


def load_config(run: RunDir) -> ModelConfig:
    """A checkpoint's config.json; CheckpointError naming the file and field."""
    path = run.config_path
    if not path.exists():
        raise CheckpointError(f"no config.json in {run.path}. " + fix_hint(run.path))
    try:
        return ModelConfig.from_dict(json.loads(path.read_text()))
    except (ValueError, TypeError, KeyError) as err:  # JSONDecodeError: ValueError
        raise CheckpointError(
            f"{path} is not a valid config: {err}. " + fix_hint(run.path)
        ) from err


def read_temperature(run: RunDir) -> float | None:
    """The fitted temperature of calibration.json, or None when there is none."""
    try:
        calibration = run.read_calibration()
        return None if not calibration else float(calibration["temperature"])
    except (ValueError, TypeError, KeyError) as err:
        raise CheckpointError(
            f"{run.calibration_path} is not valid ({err}). Delete it to use "
            "uncalibrated probabilities, or refit it with `make eval`."
        ) from err


def check_weights_fit(
    expected: Mapping[str, tuple[int, ...]],
    weights: Mapping[str, np.ndarray],
    config: ModelConfig,
    source: str = "",
) -> None:
    """CheckpointError unless ``weights`` has exactly the ``expected`` names and
    shapes (a graph's variables: ``{name: shape}``)."""
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    if missing or extra:
        raise CheckpointError(
            f"checkpoint {source or '(weights)'} does not fit config "
            f"{config.name!r}: missing {missing[:3]}"
            f"{'...' if len(missing) > 3 else ''}, unexpected {extra[:3]}"
            f"{'...' if len(extra) > 3 else ''}. Was it trained with another "
            "architecture? Load it with its own config.json."
        )
    for name, shape in expected.items():
        value = weights[name]
        if tuple(value.shape) != tuple(shape):
            raise CheckpointError(
                f"checkpoint {source}: {name} has shape {value.shape}, "
                f"config {config.name!r} expects {tuple(shape)}. "
                "Was it trained with another architecture?"
            )


def fingerprint(config: ModelConfig, weights: Mapping[str, np.ndarray]) -> str:
    """sha256 of what the network computes: the config's JSON and every weight, by
    name. A graph file stamped with it is stale once either changes."""
    digest = hashlib.sha256(config.to_json().encode())
    for name in sorted(weights):
        value = np.ascontiguousarray(weights[name])
        digest.update(f"{name}:{value.dtype.str}:{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A run folder's network, read once: config, weights and temperature.

    ``temperature`` is 1.0 and ``calibrated`` False when calibration.json is missing
    (or when loaded with ``calibrated=False``)."""

    run: RunDir
    config: ModelConfig
    weights: dict[str, np.ndarray]
    temperature: float = 1.0
    calibrated: bool = False

    @classmethod
    def load(cls, path: str | Path | None = None, calibrated: bool = True,
             warn: bool = True) -> Checkpoint:
        """``checkpoints/<name>/`` (default: the shipped one). With ``calibrated`` the
        temperature of calibration.json is read; without that file a warning says the
        probabilities are uncalibrated."""
        run = RunDir(path if path is not None else SHIPPED_CHECKPOINT)
        config = load_config(run)
        temperature = read_temperature(run) if calibrated else None
        if calibrated and temperature is None and warn:
            warnings.warn(
                f"{relative_to_repo(run.calibration_path)} is missing: the "
                "probabilities are uncalibrated (often overconfident). Fit the "
                "temperature with `make eval` (python -m emo_utils eval).",
                UserWarning, stacklevel=3)
        weights = load_weights(run.weights_path)
        return cls(run, config, weights, temperature or 1.0, temperature is not None)

    @property
    def source(self) -> str:
        return str(self.run.path)

    def fingerprint(self) -> str:
        return fingerprint(self.config, self.weights)
