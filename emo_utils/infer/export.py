"""``python -m emo_utils export``: a checkpoint as one standalone ``.onnx`` file.

Any ONNX runtime can then run the network (onnxruntime in Python, onnxruntime-web in
JavaScript, ONNX Runtime for C# and mobile). The file's metadata says what it needs:
the emotion order, the input layout, the equalisation and the temperature.
"""

from __future__ import annotations

from pathlib import Path

from ..labels import EMOTIONS
from ..paths import relative_to_repo
from .checkpoint import Checkpoint
from .onnx_network import build_model_bytes

INPUT_LAYOUT = "faces: float32 (N, 48, 48, 1), grey levels 0-255, NHWC"
EQUALISATION = (
    "histogram-equalise each 48x48 grey face first (OpenCV cv2.equalizeHist); "
    "mean/std normalisation is inside the graph"
)
OUTPUTS = "logits (N, 7); probs = softmax(logits / temperature), calibrated"


def export_onnx(run_dir: str | Path | None = None,
                out: str | Path | None = None) -> Path:
    """Write the network of ``run_dir`` (default: the shipped checkpoint) to ``out``
    (default ``<config name>.onnx`` in the working folder); returns the path."""
    checkpoint = Checkpoint.load(run_dir, warn=False)
    out = Path(out) if out is not None else Path(f"{checkpoint.config.name}.onnx")
    if out.is_dir():
        out = out / f"{checkpoint.config.name}.onnx"
    metadata = {
        "emotions": ",".join(EMOTIONS),
        "input": INPUT_LAYOUT,
        "equalisation": EQUALISATION,
        "outputs": OUTPUTS,
        "temperature": f"{checkpoint.temperature:.6g}",
        "calibrated": str(checkpoint.calibrated).lower(),
        "network": checkpoint.config.name,
        "source": relative_to_repo(checkpoint.source),
    }
    model = build_model_bytes(checkpoint, checkpoint.fingerprint(),
                              temperature=checkpoint.temperature, metadata=metadata)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model)
    return out
