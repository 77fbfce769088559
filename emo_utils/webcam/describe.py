"""The sentences under the app's result and the notebook's figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..infer.prediction import NO_FACE_MESSAGE, Prediction
from ..labels import EMOTIONS

# The predictor's no-face message names its Python argument; the app names its checkbox.
APP_NO_FACE = ("No face found. Face the camera in good light, or switch on 'Predict on "
               "the centre when no face is found'.")
LIVE_HINT = (" Live mode takes one quick look; Snapshot also tries the slower "
             "rescue passes.")


def count_faces(n: int) -> str:
    """The number of faces in words: "no face", "1 face", "3 faces"."""
    return "no face" if n == 0 else "1 face" if n == 1 else f"{n} faces"


def faces_note(preds: Sequence[Prediction], chosen: int = 0,
               fast_only: bool = False) -> tuple[str, str]:
    """The message under the result, and its kind ("info" or "warn");
    ``fast_only``: the rescue passes were skipped (live mode)."""
    first = preds[0]
    if not first.found:
        text = APP_NO_FACE if first.message == NO_FACE_MESSAGE else first.message
        return text + (LIVE_HINT if fast_only else ""), "warn"
    if first.n_faces == 0:  # the centre square
        return first.message, "warn"
    if len(preds) > 1:
        return (f"{len(preds)} faces found, each labelled and numbered largest first; "
                f"the bars are for face {chosen + 1} (choose another under the "
                "picture)."), "info"
    return "", "info"


def describe_prediction(pred: Prediction) -> str:
    """One plain sentence about a prediction, printed under its figure."""
    if not pred.found:
        return pred.message
    order = np.argsort(pred.probs)[::-1]
    runner = EMOTIONS[order[1]]
    found = ("No face found; the centre of the photo was used." if pred.n_faces == 0
             else "One face found." if pred.n_faces == 1
             else f"{pred.n_faces} faces found; this is the largest.")
    return (f"The network reads **{pred.label}** ({pred.probs[order[0]]:.0%}); "
            f"runner-up {runner} ({pred.probs[order[1]]:.0%}). {found}")


def describe_predictions(preds: Sequence[Prediction]) -> str:
    """One sentence about every face of a photo (``predict_all``), largest first."""
    if len(preds) < 2:
        return describe_prediction(preds[0])
    faces = ", ".join(f"{i} **{p.label}** ({p.confidence:.0%})"
                      for i, p in enumerate(preds, 1))
    passes = sorted({p.found_by for p in preds})
    return (f"{len(preds)} faces found, numbered largest first: {faces}. Found by "
            f"the {' and '.join(passes)} pass{'es' if len(passes) > 1 else ''}.")


def describe_hard_faces(preds: Mapping[str, Prediction]) -> str:
    """One line per hard example: which detection pass found it, what it reads."""
    lines = []
    for name, pred in preds.items():
        if not pred.found:
            lines.append(f"- **{name}**: no face found.")
            continue
        turned = f", on the photo turned by {pred.angle:g}°" if pred.angle else ""
        lines.append(f"- **{name}**: found by the *{pred.found_by}* pass{turned}; "
                     f"read as {pred.label} ({pred.confidence:.0%}).")
    return "\n".join(lines)
