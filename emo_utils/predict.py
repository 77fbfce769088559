"""EmotionPredictor: faces or photos in, seven probabilities out (what the app uses).

It rebuilds the inference-only graph of a checkpoint's config in its own ``tf.Graph``
and loads ``weights.npz``; nothing from training (optimizer slots, augmentation) is
needed. ``predict(photo)`` takes a picture in any form (``images.load_image``) and
adds face finding (``faces.FaceFinder``) in front.
"""

from __future__ import annotations

from . import _compat  # noqa: F401  (patches numpy, PIL and TF before tflearn loads)

# isort: split
import json
import threading
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from .calibration import calibrated_probs
from .faces import FaceCrop, FaceFinder, get_finder, is_blank
from .images import load_image, to_gray
from .labels import EMOTIONS, NUM_CLASSES
from .model import INPUT_SHAPE, ModelConfig, build_network, model_variables
from .paths import SHIPPED_CHECKPOINT, relative_to_repo
from .preprocess import to_model_input
from .rundir import RunDir

tf1 = tf.compat.v1
TTA_VIEWS = {None: 1, "flip": 2, "shift": 10}  # what _views makes of each face
TTA_MODES = tuple(TTA_VIEWS)  # (None, "flip", "shift")
# What faces and photos get unless the caller asks otherwise: the mirror image too.
# alexnet48: +1.3 points on PublicTest, and the temperature is fitted on these
# flip-averaged logits (ECE 0.011 with flips, 0.022 on one view).
DEFAULT_TTA = "flip"
LFS_POINTER = b"version https://git-lfs"


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
            f"{path} is damaged or truncated ({err}). " + _fix_hint(path.parent)
        ) from err


def load_config(run: RunDir) -> ModelConfig:
    """A checkpoint's config.json; CheckpointError naming the file and field."""
    path = run.config_path
    if not path.exists():
        raise CheckpointError(f"no config.json in {run.path}. " + _fix_hint(run.path))
    try:
        return ModelConfig.from_dict(json.loads(path.read_text()))
    except (ValueError, TypeError, KeyError) as err:  # JSONDecodeError: ValueError
        raise CheckpointError(
            f"{path} is not a valid config: {err}. " + _fix_hint(run.path)
        ) from err


def check_weights_fit(variables, weights, config: ModelConfig, source: str) -> None:
    """CheckpointError unless ``weights`` has exactly the graph's variables."""
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
    for v in variables:
        value = weights[v.name]
        if tuple(value.shape) != tuple(v.shape.as_list()):
            raise CheckpointError(
                f"checkpoint {source}: {v.name} has shape {value.shape}, "
                f"config {config.name!r} expects {tuple(v.shape.as_list())}. "
                "Was it trained with another architecture?"
            )


@dataclass(frozen=True)
class Prediction:
    """What ``EmotionPredictor.predict`` found in one photo.

    ``probs`` (7,) float32 in EMOTIONS order (zeros when no face was used), ``label``
    the top emotion ("" when none), ``box`` (x, y, w, h) of the face square in the
    photo's pixels, ``n_faces`` faces in the photo, ``face`` the 48x48 uint8 face
    as cut (``predict_faces(face)`` gives ``probs`` again), ``seconds`` for finding
    and prediction of the whole photo, ``message`` plain words for the user.
    """

    probs: npt.NDArray[np.float32]
    label: str
    box: tuple[int, int, int, int] | None
    n_faces: int
    face: npt.NDArray[np.uint8]
    seconds: float
    message: str = ""
    angle: float = 0.0  # degrees the face was turned to come out upright
    found_by: str = ""  # the detector that found it (faces.FaceFinder)

    @property
    def found(self) -> bool:
        """True when a face (or the centre crop) was classified."""
        return bool(self.label)

    @property
    def confidence(self) -> float:
        return float(self.probs.max()) if self.found else 0.0


class EmotionPredictor:
    """Predict emotion probabilities with a trained checkpoint.

    Thread-safe for one caller at a time (a lock guards the session). ``finder``
    (a ``faces.FaceFinder`` or a preset name: "webcam", "live", "upload") is how
    ``predict`` looks for faces unless a call says otherwise. ``calibrated`` tells
    whether ``temperature`` came from a fitted calibration.json.
    """

    def __init__(
        self,
        config: ModelConfig,
        weights: dict[str, np.ndarray],
        source: str = "",
        temperature: float = 1.0,
        finder: FaceFinder | str | None = None,
        calibrated: bool | None = None,
    ):
        if not temperature > 0:
            raise CheckpointError(f"temperature must be > 0, got {temperature!r}")
        self.config = config
        self.source = source
        self.temperature = float(temperature)  # logits are divided by it
        self.calibrated = temperature != 1.0 if calibrated is None else calibrated
        self.finder = get_finder(finder)
        self._lock = threading.Lock()
        self._graph = tf.Graph()
        with self._graph.as_default():
            probs = build_network(config, training=False)
            self._logits = probs.op.inputs[0]  # softmax's input
            self._input = self._graph.get_tensor_by_name("input/X:0")
            variables = model_variables(self._graph)
            check_weights_fit(variables, weights, config, source)
            self._session = tf1.Session(graph=self._graph)
            self._session.run(tf1.global_variables_initializer())
            for v in variables:
                v.load(weights[v.name], self._session)
        self._graph.finalize()

    @classmethod
    def from_checkpoint(
        cls, path: str | Path | None = None, calibrated: bool = True,
        finder: FaceFinder | str | None = None,
    ) -> EmotionPredictor:
        """Load ``checkpoints/<name>/`` (config.json, weights.npz); default: shipped.

        With ``calibrated`` the temperature in calibration.json (fitted on the
        held-back slice, ``emo_utils.calibration``) is applied, so a bar at 80%
        is right about 80% of the time; without that file the temperature is 1 and
        a warning says the probabilities are uncalibrated (``.calibrated`` is
        False)."""
        run = RunDir(path if path is not None else SHIPPED_CHECKPOINT)
        config = load_config(run)
        temperature = _read_temperature(run) if calibrated else None
        if calibrated and temperature is None:
            warnings.warn(
                f"{relative_to_repo(run.calibration_path)} is missing: the "
                "probabilities are uncalibrated (often overconfident). Fit the "
                "temperature with `make eval` (python -m emo_utils eval).",
                UserWarning, stacklevel=2)
        return cls(config, load_weights(run.weights_path), str(run.path),
                   temperature or 1.0, finder, calibrated=temperature is not None)

    def describe(self) -> str:
        """One line naming the checkpoint and its recorded accuracy (metrics.json)."""
        where = relative_to_repo(self.source) if self.source else "weights"
        text = f"Loaded {where} (network {self.config.name!r})"
        try:
            metrics = RunDir(self.source).read_metrics() if self.source else None
        except (OSError, ValueError):
            metrics = None
        if not metrics:
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
        if self.temperature != 1.0:
            text += f"; probabilities calibrated (temperature {self.temperature:.2f})"
        return text + "."

    def predict_logits(
        self, faces: npt.NDArray[np.uint8], tta: str | None = None,
        batch_size: int = 256,
    ) -> npt.NDArray[np.float32]:
        """Raw logits (V,N,7) of each TTA view (V = 1, 2 or 10) of uint8 faces
        (N,48,48) or one face (48,48); no temperature. The input is not modified."""
        if tta not in TTA_MODES:
            raise ValueError(f"tta must be one of {TTA_MODES}, got {tta!r}")
        faces = np.asarray(faces)
        if faces.ndim not in (2, 3) or faces.shape[-2:] != INPUT_SHAPE[:2]:
            raise ValueError(
                f"faces must be 48x48, got shape {faces.shape}; for a photo use "
                "predict(photo), or faces.crop_faces(photo) to cut them"
            )
        # a new array: the caller's faces stay untouched
        return self._views_logits(to_model_input(faces), tta, batch_size)

    def _views_logits(self, x: np.ndarray, tta: str | None,
                batch_size: int) -> npt.NDArray[np.float32]:
        """Logits (V,N,7) of network inputs (N,48,48,1) and their TTA views."""
        n_views = TTA_VIEWS[tta]
        # a chunk's views go through the network in one run (a webcam face's mirror
        # image then costs almost nothing); memory stays one batch of views
        step = max(1, batch_size // n_views)
        chunks = [
            self._run(np.concatenate(_views(x[i : i + step], tta)), batch_size)
            .reshape(n_views, -1, NUM_CLASSES)
            for i in range(0, len(x), step)
        ]
        if not chunks:
            return np.zeros((n_views, 0, NUM_CLASSES), np.float32)
        return np.concatenate(chunks, axis=1)

    def predict_faces(
        self,
        faces: npt.NDArray[np.uint8],
        tta: str | None = DEFAULT_TTA,
        batch_size: int = 256,
    ) -> npt.NDArray[np.float32]:
        """Probabilities (N,7) for uint8 faces (N,48,48) or one face (48,48).

        ``tta``: "flip" (the default: average with the mirror image), None (one view)
        or "shift" (flip plus 2-pixel shifts in four directions: 10 views). Each
        view's logits are divided by the temperature before the softmax. The input
        is never modified.
        """
        logits = self.predict_logits(faces, tta, batch_size)
        return calibrated_probs(logits, self.temperature).astype(np.float32)

    def predict(
        self,
        image: object,
        tta: str | None = DEFAULT_TTA,
        finder: FaceFinder | str | None = None,
        centre_if_no_face: bool = False,
        channels: str = "RGB",
    ) -> Prediction:
        """Find the largest face in a picture and classify it.

        ``image``: a file path, encoded bytes (JPEG/PNG/WebP), a PIL image or a uint8
        array (grey, RGB or RGBA; ``channels="BGR"`` for OpenCV's; floats in 0-1 are
        scaled), see ``images.load_image``; it is not modified. ``finder``: a preset
        ("webcam", "live", "upload") or ``FaceFinder``; default the predictor's.
        With ``centre_if_no_face`` the central square is classified when no face is
        found (not when the image is blank); otherwise the result has ``found ==
        False``. ``tta`` as for ``predict_faces`` (default: with the mirror image).
        """
        return self.predict_all(image, tta, finder, centre_if_no_face, channels)[0]

    def predict_all(
        self,
        image: object,
        tta: str | None = DEFAULT_TTA,
        finder: FaceFinder | str | None = None,
        centre_if_no_face: bool = False,
        channels: str = "RGB",
    ) -> list[Prediction]:
        """Every face in a picture, classified, largest first.

        Same arguments as ``predict``. With no face the list holds one prediction
        with ``found == False`` (its message says why), so ``[0]`` always exists.
        All faces go through the network in one batch.
        """
        start = time.perf_counter()
        image = load_image(image)
        finder = self.finder if finder is None else get_finder(finder)
        crops = finder.crop(image, channels, centre_if_no_face)
        if not crops:
            blank = centre_if_no_face and is_blank(to_gray(image, channels))
            return [_no_face(time.perf_counter() - start, blank)]
        probs = self.predict_faces(np.stack([c.face for c in crops]), tta=tta)
        seconds = time.perf_counter() - start
        message = faces_message(crops)
        return [
            Prediction(p, EMOTIONS[int(p.argmax())], c.box, c.n_faces, c.face,
                       seconds, message, c.angle, c.found_by)
            for p, c in zip(probs, crops, strict=True)
        ]

    def _run(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        out = []
        with self._lock:
            for i in range(0, len(x), batch_size):
                batch = x[i : i + batch_size]
                out.append(self._session.run(self._logits, {self._input: batch}))
        return np.concatenate(out) if out else np.zeros((0, 7), np.float32)

    def close(self) -> None:
        self._session.close()


def _read_temperature(run: RunDir) -> float | None:
    """The fitted temperature of calibration.json, or None when there is none."""
    try:
        calibration = run.read_calibration()
        return None if not calibration else float(calibration["temperature"])
    except (ValueError, TypeError, KeyError) as err:
        raise CheckpointError(
            f"{run.calibration_path} is not valid ({err}). Delete it to use "
            "uncalibrated probabilities, or refit it with `make eval`."
        ) from err


def _views(x: np.ndarray, tta: str | None) -> list[np.ndarray]:
    """The TTA views of model inputs (N,48,48,1): the faces, their mirror images
    ("flip"), and for "shift" each of those shifted 2 px in four directions (for a
    config with ``crop``, the window it cuts moves inside the face instead)."""
    views = [x]
    if tta in ("flip", "shift"):
        views.append(x[:, :, ::-1])
    if tta == "shift":
        for view in list(views):
            views.extend(
                _shift(view, dy, dx) for dy, dx in ((2, 0), (-2, 0), (0, 2), (0, -2))
            )
    return views


def _shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift images (N,H,W,1) by (dy,dx) pixels, filling the edge by replication."""
    pad = max(abs(dy), abs(dx))
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
    h, w = x.shape[1:3]
    return padded[:, pad - dy : pad - dy + h, pad - dx : pad - dx + w]


def faces_message(crops: list[FaceCrop]) -> str:
    """What the user reads about the faces found (empty for one plain face)."""
    if crops[0].used_centre:
        return "No face found: predicting on the centre of the image."
    n = len(crops)
    return f"{n} faces found: each is labelled, largest first." if n > 1 else ""


def _no_face(seconds: float, blank: bool = False) -> Prediction:
    message = (
        "The image is blank (one flat colour): there is no face to classify."
        if blank
        else "No face found. Face the camera in good light, or switch "
        "on 'Predict on the centre when no face is found'."
    )
    return Prediction(
        np.zeros(len(EMOTIONS), np.float32),
        "",
        None,
        0,
        np.zeros(INPUT_SHAPE[:2], np.uint8),
        seconds,
        message,
    )
