"""EmotionPredictor: faces or photos in, seven probabilities out (what the app uses).

Its network is an engine behind one seam (``load.Network``: equalised float32 faces
(N,48,48,1) in, logits (N,7) out): ONNX Runtime by default, the TFLearn graph with
``engine="tf"``. Everything else is written once, above the seam: face finding
(``faces.FaceFinder``), equalisation (``preprocess``), the test-time views, the
temperature and batching. ``load_predictor()`` is the one factory every path uses.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..faces import FaceFinder, get_finder
from ..images import load_image
from ..labels import ENGINE_NAMES, FACE_SIZE, NUM_CLASSES
from ..model.recipes import ModelConfig
from ..paths import relative_to_repo
from ..preprocess import to_model_input
from ..runs.rundir import RunDir
from .checkpoint import Checkpoint, CheckpointError
from .load import Network, load_network
from .pipeline import DEFAULT_TTA, FaceSearch, analyse_frames
from .prediction import Prediction
from .probs import calibrated_probs

TTA_VIEWS = {None: 1, "flip": 2, "shift": 10}  # what _views makes of each face
TTA_MODES = tuple(TTA_VIEWS)  # (None, "flip", "shift")


class EmotionPredictor:
    """Predict emotion probabilities with a trained network.

    ``network`` is an engine (``load.load_network``); ``finder`` (a
    ``faces.FaceFinder`` or a preset name: "webcam", "live", "upload") is how
    ``predict`` looks for faces unless a call says otherwise; logits are divided by
    ``temperature``; ``calibrated`` tells whether it came from a fitted
    calibration.json. Thread-safe (the engines lock their session).
    """

    def __init__(
        self,
        network: Network,
        *,
        config: ModelConfig | None = None,
        source: str = "",
        temperature: float = 1.0,
        finder: FaceFinder | str | None = None,
        calibrated: bool | None = None,
    ):
        if not temperature > 0:
            raise CheckpointError(f"temperature must be > 0, got {temperature!r}")
        self.network = network
        self.config = config
        self.source = source
        self.temperature = float(temperature)  # logits are divided by it
        self.calibrated = temperature != 1.0 if calibrated is None else calibrated
        self.finder = get_finder(finder)

    @property
    def engine(self) -> str:
        """"onnx" or "tf": which engine runs the network."""
        return self.network.name

    @classmethod
    def from_checkpoint(
        cls, path: str | Path | None = None, calibrated: bool = True,
        finder: FaceFinder | str | None = None, engine: str = "onnx",
    ) -> EmotionPredictor:
        """Load ``checkpoints/<name>/`` (default: the shipped one); see
        ``load_predictor``."""
        return load_predictor(path, calibrated=calibrated, finder=finder,
                              engine=engine)

    @classmethod
    def from_weights(
        cls, config: ModelConfig, weights: Mapping[str, np.ndarray],
        engine: str = "tf", **kwargs,
    ) -> EmotionPredictor:
        """A predictor for weights in memory (training-time code: ``engine="tf"``)."""
        checkpoint = Checkpoint(RunDir(kwargs.pop("source", "") or "."), config,
                                dict(weights))
        if engine == "onnx":
            from .onnx_network import OnnxNetwork, build_model_bytes

            network = OnnxNetwork(build_model_bytes(checkpoint,
                                                    checkpoint.fingerprint()))
        else:
            network = load_network(checkpoint, engine)
        return cls(network, config=config, **kwargs)

    def describe(self) -> str:
        """One line naming the checkpoint, its engine and its recorded accuracy."""
        where = relative_to_repo(self.source) if self.source else "weights"
        name = f"network {self.config.name!r}, " if self.config else ""
        text = f"Loaded {where} ({name}{ENGINE_NAMES[self.engine]})"
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
        if faces.ndim not in (2, 3) or faces.shape[-2:] != (FACE_SIZE, FACE_SIZE):
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
        All faces go through the network in one batch: the one-frame case of
        ``pipeline.analyse_frames``, untracked.
        """
        start = time.perf_counter()
        image = load_image(image)
        finder = self.finder if finder is None else get_finder(finder)
        search = FaceSearch(finder, channels, centre_if_no_face)
        [(_, _, preds)] = analyse_frames([(0, 0.0, image)], self, search, tta=tta)
        seconds = time.perf_counter() - start  # decoding too
        return [replace(p, seconds=seconds) for p in preds]

    def _run(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        out = [self.network.logits(x[i : i + batch_size])
               for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)

    def close(self) -> None:
        self.network.close()


def load_predictor(
    checkpoint: str | Path | None = None,
    *,
    engine: str = "onnx",
    finder: FaceFinder | str | None = None,
    calibrated: bool = True,
    threads: int | None = None,
) -> EmotionPredictor:
    """The predictor for a run folder (default: the shipped, calibrated ``alexnet48``)
    or an exported ``.onnx`` file: what photos, video, the webcam, the app and
    evaluation all use.

    ``engine``: "onnx" (ONNX Runtime, no TensorFlow; the graph is built from
    config.json + weights.npz and cached as model.onnx) or "tf" (the TFLearn graph).
    With ``calibrated`` the temperature of calibration.json is applied (a bar at 80%
    is then right about 80% of the time); without that file a warning says the
    probabilities are uncalibrated and ``.calibrated`` is False.
    """
    if checkpoint is not None and str(checkpoint).endswith(".onnx"):
        return _from_onnx_file(Path(checkpoint), finder, calibrated, threads)
    loaded = Checkpoint.load(checkpoint, calibrated=calibrated)
    network = load_network(loaded, engine, threads)
    return EmotionPredictor(network, config=loaded.config, source=loaded.source,
                            temperature=loaded.temperature, finder=finder,
                            calibrated=loaded.calibrated)


def _from_onnx_file(path: Path, finder, calibrated: bool,
                    threads: int | None) -> EmotionPredictor:
    """A predictor over a file written by ``python -m emo_utils export``."""
    from .onnx_network import OnnxNetwork

    if not path.exists():
        raise CheckpointError(
            f"no ONNX model at {path}. Write one with `python -m emo_utils export "
            f"--out {path}`.")
    network = OnnxNetwork(path, str(path), threads)
    temperature = float(network.metadata.get("temperature", 1.0)) if calibrated else 1.0
    return EmotionPredictor(network, source="", temperature=temperature,
                            finder=finder, calibrated=calibrated and temperature != 1.0)


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
