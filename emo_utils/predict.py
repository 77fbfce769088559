"""EmotionPredictor: faces or photos in, seven probabilities out; the one object the app uses.

It rebuilds the inference-only graph of a checkpoint's config in its own ``tf.Graph``
and loads ``weights.npz``; nothing from training (optimizer slots, augmentation) is needed.
"""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

from . import _compat  # noqa: F401
import numpy as np
import numpy.typing as npt
import tensorflow as tf

from .model import INPUT_SHAPE, ModelConfig, build_network, model_variables
from .preprocess import to_model_input

tf1 = tf.compat.v1
REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CHECKPOINT = REPO_ROOT / "checkpoints" / "alexnet48"
TTA_MODES = (None, "flip", "shift")


class CheckpointError(RuntimeError):
    """A checkpoint is missing, truncated, or was built for another architecture."""


def _fix_hint(path: Path) -> str:
    return (f"Restore it with `git checkout -- {path}` (the shipped model), or retrain with "
            f"`make train` / `python -m emo_utils train --run-dir {path}`.")


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """Read weights.npz into a dict; a missing or damaged file raises CheckpointError."""
    if not path.exists():
        raise CheckpointError(f"no weights file at {path}. " + _fix_hint(path.parent))
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise CheckpointError(f"{path} is damaged or truncated ({err}). "
                              + _fix_hint(path.parent)) from err


class EmotionPredictor:
    """Predict emotion probabilities with a trained checkpoint.

    Thread-safe for one caller at a time (a lock guards the session).
    """

    def __init__(self, config: ModelConfig, weights: dict[str, np.ndarray], source: str = ""):
        self.config = config
        self.source = source
        self._lock = threading.Lock()
        self._graph = tf.Graph()
        with self._graph.as_default():
            self._probs = build_network(config, training=False)
            self._input = self._graph.get_tensor_by_name("input/X:0")
            variables = model_variables(self._graph)
            names = {v.name for v in variables}
            missing = sorted(names - set(weights))
            extra = sorted(set(weights) - names)
            if missing or extra:
                raise CheckpointError(
                    f"checkpoint {source or '(weights)'} does not fit config {config.name!r}: "
                    f"missing {missing[:3]}{'...' if len(missing) > 3 else ''}, unexpected "
                    f"{extra[:3]}{'...' if len(extra) > 3 else ''}. Was it trained with another "
                    "architecture? Load it with its own config.json.")
            self._session = tf1.Session(graph=self._graph)
            self._session.run(tf1.global_variables_initializer())
            for v in variables:
                value = weights[v.name]
                if tuple(value.shape) != tuple(v.shape.as_list()):
                    raise CheckpointError(
                        f"checkpoint {source}: {v.name} has shape {value.shape}, config "
                        f"{config.name!r} expects {tuple(v.shape.as_list())}. Was it trained "
                        "with another architecture?")
                v.load(value, self._session)
        self._graph.finalize()

    @classmethod
    def from_checkpoint(cls, path: str | Path | None = None) -> EmotionPredictor:
        """Load ``checkpoints/<name>/`` (config.json + weights.npz); default: the shipped one."""
        path = Path(path) if path is not None else SHIPPED_CHECKPOINT
        config_path = path / "config.json"
        if not config_path.exists():
            raise CheckpointError(f"no config.json in {path}. " + _fix_hint(path))
        try:
            config = ModelConfig.from_dict(json.loads(config_path.read_text()))
        except (ValueError, TypeError) as err:
            raise CheckpointError(f"{config_path} is not a valid config ({err}). "
                                  + _fix_hint(path)) from err
        return cls(config, load_weights(path / "weights.npz"), source=str(path))

    def predict_faces(self, faces: npt.NDArray[np.uint8], tta: str | None = None,
                      batch_size: int = 256) -> npt.NDArray[np.float32]:
        """Probabilities (N,7) for uint8 faces (N,48,48) or one face (48,48).

        ``tta``: None, "flip" (average with the mirror image) or "shift" (flip plus
        2-pixel shifts in four directions: 10 views). The input is never modified.
        """
        if tta not in TTA_MODES:
            raise ValueError(f"tta must be one of {TTA_MODES}, got {tta!r}")
        faces = np.asarray(faces)
        if faces.shape[-2:] != INPUT_SHAPE[:2]:
            raise ValueError(f"faces must be 48x48, got shape {faces.shape}; "
                             "use face.crop_face() to cut one from a photo")
        x = to_model_input(faces)  # a new array: the caller's faces stay untouched
        views = [x]
        if tta in ("flip", "shift"):
            views.append(x[:, :, ::-1])
        if tta == "shift":
            for view in list(views):
                views.extend(_shift(view, dy, dx) for dy, dx in
                             ((2, 0), (-2, 0), (0, 2), (0, -2)))
        probs = np.mean([self._run(v, batch_size) for v in views], axis=0)
        return probs.astype(np.float32)

    def _run(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        out = []
        with self._lock:
            for i in range(0, len(x), batch_size):
                out.append(self._session.run(self._probs, {self._input: x[i:i + batch_size]}))
        return np.concatenate(out) if out else np.zeros((0, 7), np.float32)

    def close(self) -> None:
        self._session.close()


def _shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift images (N,H,W,1) by (dy,dx) pixels, filling the edge by replication."""
    pad = max(abs(dy), abs(dx))
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
    h, w = x.shape[1:3]
    return padded[:, pad - dy:pad - dy + h, pad - dx:pad - dx + w]
