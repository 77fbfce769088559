"""Cut a found face to the model's 48x48, FER2013-style square (not equalised:
``preprocess.to_model_input`` is the one place every face is equalised).

The margin matches FER2013's framing (BlazeFace boxes are first mapped onto the box
Haar would draw, see ``blazeface.BLAZE_SQUARE``): OpenCV's Haar box covers 83% of a
FER2013 face square (median over the 821 of 1500 PublicTest faces it finds, centred
to 0.4 px), so the crop adds ``MARGIN = 0.10`` of the box width on each side.
Re-cropping those 821 faces from their Haar boxes (alexnet48 after 16 epochs; 61.9%
on the original squares): margin 0 -> 55.4%, 0.05 -> 58.3%, 0.10 -> 59.4%, 0.15 ->
60.3%, 0.20 -> 58.3%, 0.30 -> 52.4%. 0.10 and 0.15 tie within noise (+-1.7 points);
0.10 is the geometric match and, with the Haar finder, labels both single-face test
photos right, 0.20+ turns the group selfie sad (with BlazeFace's tighter square the
neutral one reads sad).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ..boxes import Box
from ..labels import FACE_SIZE

MARGIN = 0.10  # of the Haar box width, added on each side (see the module docstring)
MIN_CONTRAST = 4.0  # grey-level std below which an image is blank: no face


@dataclass(frozen=True)
class FaceCrop:
    """One face cut for the model, and where it came from.

    ``face`` is uint8 (48,48) as cut (the model equalises it); ``box`` is (x, y, w,
    h) of the square that was cut (it may reach past the image edge: the edge is
    replicated; for a tilted face, the square in the image turned by ``angle`` about
    its centre); ``n_faces`` counts the faces found; ``used_centre`` is True when no
    face was found and the centre of the image was used instead.
    """

    face: npt.NDArray[np.uint8]
    box: Box
    n_faces: int
    used_centre: bool = False
    angle: float = 0.0  # degrees the face was turned to come out upright
    found_by: str = ""  # the detector that found it; "" for the centre


def square_around(box: Box, margin: float = MARGIN) -> Box:
    """The square a face box is cut with: its longer side plus ``margin`` a side."""
    x, y, w, h = box
    side = max(1, round(max(w, h) * (1 + 2 * margin)))
    cx, cy = x + w / 2, y + h / 2
    return round(cx - side / 2), round(cy - side / 2), side, side


def centre_square(shape: tuple[int, int]) -> Box:
    """The largest square in the middle of an image of ``shape`` (h, w)."""
    h, w = shape
    side = min(h, w)
    return (w - side) // 2, (h - side) // 2, side, side


def cut_square(gray: npt.NDArray[np.uint8], box: Box, size: int = FACE_SIZE,
               angle: float = 0.0) -> npt.NDArray[np.uint8]:
    """Cut ``box`` from a grey image, replicating the edge where it leaves the image,
    and resize to ``size`` x ``size``.

    With ``angle`` the image is first turned by that many degrees about the box
    centre, so a tilted face comes out upright (as FER2013's faces are)."""
    x, y, w, h = box
    if angle:  # a 1.5x larger patch, turned about its centre, then its middle
        grow = round(0.25 * max(w, h))
        patch = _cut(gray, (x - grow, y - grow, w + 2 * grow, h + 2 * grow))
        ph, pw = patch.shape
        matrix = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, 1.0)
        patch = cv2.warpAffine(patch, matrix, (pw, ph), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        patch = patch[grow:grow + h, grow:grow + w]
    else:
        patch = _cut(gray, box)
    interp = cv2.INTER_AREA if w > size else cv2.INTER_LINEAR
    return cv2.resize(patch, (size, size), interpolation=interp)


def _cut(gray: npt.NDArray[np.uint8], box: Box) -> npt.NDArray[np.uint8]:
    """The pixels of ``box``, the image edge replicated where the box leaves it."""
    x, y, w, h = box
    ih, iw = gray.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, iw), min(y + h, ih)
    if x0 >= x1 or y0 >= y1:
        raise ValueError(f"box {box} lies outside the {iw}x{ih} image")
    patch = gray[y0:y1, x0:x1]
    pads = (y0 - y, y + h - y1, x0 - x, x + w - x1)
    if any(pads):
        patch = cv2.copyMakeBorder(patch, *pads, cv2.BORDER_REPLICATE)
    return patch


def is_blank(gray: npt.NDArray[np.uint8]) -> bool:
    """True for a flat image (one colour, or nearly): nothing to classify."""
    return float(gray.std()) < MIN_CONTRAST
