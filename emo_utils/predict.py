"""EmotionPredictor: faces or photos in, seven probabilities out (what the app uses).

It rebuilds the inference-only graph of a checkpoint's config in its own ``tf.Graph``
and loads ``weights.npz``; nothing from training (optimizer slots, augmentation) is
needed. ``predict(photo)`` adds face detection (emo_utils.face) in front.
"""

from __future__ import annotations

import json
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from . import _compat  # noqa: F401  (emo_utils/__init__ has applied it already)
from .data import REPO_ROOT
from .face import crop_face
from .labels import EMOTIONS
from .model import INPUT_SHAPE, ModelConfig, build_network, model_variables
from .preprocess import to_model_input

tf1 = tf.compat.v1
SHIPPED_CHECKPOINT = REPO_ROOT / "checkpoints" / "alexnet48"
TTA_MODES = (None, "flip", "shift")


class CheckpointError(RuntimeError):
    """A checkpoint is missing, truncated, or was built for another architecture."""


def _fix_hint(path: Path) -> str:
    return (
        f"Restore it with `git checkout -- {path}` (the shipped model), or "
        "retrain with `make train` / "
        f"`python -m emo_utils train --run-dir {path}`."
    )


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """Read weights.npz into a dict; missing/damaged file raises CheckpointError."""
    if not path.exists():
        raise CheckpointError(f"no weights file at {path}. " + _fix_hint(path.parent))
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise CheckpointError(
            f"{path} is damaged or truncated ({err}). " + _fix_hint(path.parent)
        ) from err


@dataclass(frozen=True)
class Prediction:
    """What ``EmotionPredictor.predict`` found in one photo.

    ``probs`` (7,) float32 in EMOTIONS order (zeros when no face was used), ``label``
    the top emotion ("" when none), ``box`` (x, y, w, h) of the face square in the
    photo's pixels, ``n_faces`` detections, ``face`` the 48x48 uint8 model input,
    ``seconds`` for detection + prediction, ``message`` plain words for the user.
    """

    probs: npt.NDArray[np.float32]
    label: str
    box: tuple[int, int, int, int] | None
    n_faces: int
    face: npt.NDArray[np.uint8]
    seconds: float
    message: str = ""

    @property
    def found(self) -> bool:
        """True when a face (or the centre crop) was classified."""
        return bool(self.label)

    @property
    def confidence(self) -> float:
        return float(self.probs.max()) if self.found else 0.0


class EmotionPredictor:
    """Predict emotion probabilities with a trained checkpoint.

    Thread-safe for one caller at a time (a lock guards the session).
    """

    def __init__(
        self, config: ModelConfig, weights: dict[str, np.ndarray], source: str = ""
    ):
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
                    f"checkpoint {source or '(weights)'} does not fit config "
                    f"{config.name!r}: missing {missing[:3]}"
                    f"{'...' if len(missing) > 3 else ''}, unexpected {extra[:3]}"
                    f"{'...' if len(extra) > 3 else ''}. Was it trained with another "
                    "architecture? Load it with its own config.json."
                )
            self._session = tf1.Session(graph=self._graph)
            self._session.run(tf1.global_variables_initializer())
            for v in variables:
                value = weights[v.name]
                if tuple(value.shape) != tuple(v.shape.as_list()):
                    raise CheckpointError(
                        f"checkpoint {source}: {v.name} has shape {value.shape}, "
                        f"config {config.name!r} expects {tuple(v.shape.as_list())}. "
                        "Was it trained with another architecture?"
                    )
                v.load(value, self._session)
        self._graph.finalize()

    @classmethod
    def from_checkpoint(cls, path: str | Path | None = None) -> EmotionPredictor:
        """Load ``checkpoints/<name>/`` (config.json, weights.npz); default: shipped."""
        path = Path(path) if path is not None else SHIPPED_CHECKPOINT
        config_path = path / "config.json"
        if not config_path.exists():
            raise CheckpointError(f"no config.json in {path}. " + _fix_hint(path))
        try:
            config = ModelConfig.from_dict(json.loads(config_path.read_text()))
        except (ValueError, TypeError) as err:
            raise CheckpointError(
                f"{config_path} is not a valid config ({err}). " + _fix_hint(path)
            ) from err
        return cls(config, load_weights(path / "weights.npz"), source=str(path))

    def describe(self) -> str:
        """One line naming the checkpoint and its recorded accuracy (metrics.json)."""
        where = Path(self.source) if self.source else None
        if where is not None and where.resolve().is_relative_to(REPO_ROOT):
            where = where.resolve().relative_to(REPO_ROOT)
        text = f"Loaded {where or 'weights'} (network {self.config.name!r})"
        try:
            metrics = json.loads((Path(self.source) / "metrics.json").read_text())
        except (OSError, ValueError):
            return text + "; no metrics.json beside it."
        # the shipped weights: an average of epochs if the run made one
        acc = metrics.get("averaged", {}).get("held_back_acc")
        acc = metrics.get("best_held_back_acc") if acc is None else acc
        if acc is None:
            return text + "."
        text += (
            f": {acc:.1%} accuracy on the held-back training slice after "
            f"{metrics.get('epochs_run', '?')} epochs"
        )
        public = metrics.get("test", {}).get("PublicTest")
        if public:
            text += f", {public['accuracy']:.1%} on PublicTest"
        return text + "."

    def predict_faces(
        self,
        faces: npt.NDArray[np.uint8],
        tta: str | None = None,
        batch_size: int = 256,
    ) -> npt.NDArray[np.float32]:
        """Probabilities (N,7) for uint8 faces (N,48,48) or one face (48,48).

        ``tta``: None, "flip" (average with the mirror image) or "shift" (flip plus
        2-pixel shifts in four directions: 10 views). The input is never modified.
        """
        if tta not in TTA_MODES:
            raise ValueError(f"tta must be one of {TTA_MODES}, got {tta!r}")
        faces = np.asarray(faces)
        if faces.shape[-2:] != INPUT_SHAPE[:2]:
            raise ValueError(
                f"faces must be 48x48, got shape {faces.shape}; "
                "use face.crop_face() to cut one from a photo"
            )
        x = to_model_input(faces)  # a new array: the caller's faces stay untouched
        views = [x]
        if tta in ("flip", "shift"):
            views.append(x[:, :, ::-1])
        if tta == "shift":
            for view in list(views):
                views.extend(
                    _shift(view, dy, dx)
                    for dy, dx in ((2, 0), (-2, 0), (0, 2), (0, -2))
                )
        probs = np.mean([self._run(v, batch_size) for v in views], axis=0)
        return probs.astype(np.float32)

    def predict(
        self,
        image: npt.ArrayLike,
        tta: str | None = None,
        center_crop_if_no_face: bool = False,
        **detect: float,
    ) -> Prediction:
        """Find the largest face in a uint8 photo (RGB, grey or RGBA) and classify it.

        The photo is not modified. With ``center_crop_if_no_face`` the central square is
        classified when no face is found; otherwise the result has ``found == False``.
        ``detect``: ``max_side``, ``min_face`` for ``face.detect_faces``.
        """
        start = time.perf_counter()
        crop = crop_face(image, center_if_none=center_crop_if_no_face, **detect)
        if crop is None:
            return Prediction(
                np.zeros(len(EMOTIONS), np.float32),
                "",
                None,
                0,
                np.zeros((48, 48), np.uint8),
                time.perf_counter() - start,
                "No face found. Face the camera in good light, or switch "
                "on 'Predict on the centre when no face is found'.",
            )
        probs = self.predict_faces(crop.face, tta=tta)[0]
        if crop.used_center:
            message = "No face found: predicting on the centre of the image."
        elif crop.n_faces > 1:
            message = f"{crop.n_faces} faces found: using the largest."
        else:
            message = ""
        return Prediction(
            probs,
            EMOTIONS[int(probs.argmax())],
            crop.box,
            crop.n_faces,
            crop.face,
            time.perf_counter() - start,
            message,
        )

    def _run(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        out = []
        with self._lock:
            for i in range(0, len(x), batch_size):
                batch = x[i : i + batch_size]
                out.append(self._session.run(self._probs, {self._input: batch}))
        return np.concatenate(out) if out else np.zeros((0, 7), np.float32)

    def close(self) -> None:
        self._session.close()


def _shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift images (N,H,W,1) by (dy,dx) pixels, filling the edge by replication."""
    pad = max(abs(dy), abs(dx))
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
    h, w = x.shape[1:3]
    return padded[:, pad - dy : pad - dy + h, pad - dx : pad - dx + w]
