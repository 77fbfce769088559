"""Find faces in a photo; cut the largest to the model's 48x48, FER2013-style input.

Colour images are taken as RGB (what the browser, PIL and matplotlib give); pass
``channels="BGR"`` for arrays from ``cv2.imread``. Only the grey level is used, so a
swapped order changes the result a little, not a lot.

The margin matches FER2013's framing: OpenCV's Haar box covers 83% of a FER2013 face
square (median over the 821 of 1500 PublicTest faces it finds, centred to 0.4 px), so
the crop adds ``MARGIN = 0.10`` of the box width on each side. Re-cropping those 821
faces from their Haar boxes (alexnet48 after 16 epochs; 61.9% on the original squares):
margin 0 -> 55.4%, 0.05 -> 58.3%, 0.10 -> 59.4%, 0.15 -> 60.3%, 0.20 -> 58.3%,
0.30 -> 52.4%. 0.10 and 0.15 tie within noise (+-1.7 points); 0.10 is the geometric
match and labels both single-face test photos right, 0.20+ turns the group selfie sad.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import PIL.Image
import PIL.ImageOps

from .preprocess import equalize_faces

FACE_SIZE = 48
MARGIN = 0.10  # of the Haar box width, added on each side (see the module docstring)
DETECT_MAX_SIDE = 320  # detect on a copy at most this big: ~4x faster than 640 px
DETECT_MIN_SIDE = 96  # smaller images are enlarged so the 24 px Haar window fits a face
MIN_FACE = 0.15  # skip faces under this fraction of the shorter side: 1.5x faster
CASCADE_FILE = "haarcascade_frontalface_default.xml"
# A second, slower look when the fast webcam settings find nothing: small faces in
# large photos (web and group photos) are then still found.
THOROUGH = {"max_side": 1024, "min_face": 0.03}

Box = tuple[int, int, int, int]  # x, y, width, height in pixels of the original image


@dataclass(frozen=True)
class FaceCrop:
    """One face ready for the model, and where it came from.

    ``face`` is uint8 (48,48), histogram-equalised; ``box`` is (x, y, w, h) of the
    square that was cut (it may reach past the image edge: the edge is replicated);
    ``n_faces`` counts the detections; ``used_center`` is True when no face was found
    and the centre of the image was used instead.
    """

    face: npt.NDArray[np.uint8]
    box: Box
    n_faces: int
    used_center: bool = False


@functools.cache
def _cascade() -> cv2.CascadeClassifier:
    """Load OpenCV's bundled frontal-face Haar cascade once, on first use."""
    path = cv2.data.haarcascades + CASCADE_FILE
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(
            f"could not load the Haar cascade {path}. It ships with "
            "opencv-python-headless 4.x; reinstall it with `make setup`.")
    return cascade


def to_gray(image: npt.ArrayLike, channels: str = "RGB") -> npt.NDArray[np.uint8]:
    """Grey copy of a uint8 image: (H,W), (H,W,1), RGB/BGR (H,W,3) or RGBA (H,W,4)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0-255), got {image.dtype}; convert "
                        "floats in 0-1 with (image * 255).astype(np.uint8)")
    if channels not in ("RGB", "BGR"):
        raise ValueError(f"channels must be 'RGB' or 'BGR', got {channels!r}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        gray = image
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        code = {("RGB", 3): cv2.COLOR_RGB2GRAY, ("BGR", 3): cv2.COLOR_BGR2GRAY,
                ("RGB", 4): cv2.COLOR_RGBA2GRAY, ("BGR", 4): cv2.COLOR_BGRA2GRAY}
        gray = cv2.cvtColor(image, code[channels, image.shape[2]])
    else:
        raise ValueError(f"expected a grey (H,W) or colour (H,W,3|4) image, got shape "
                         f"{image.shape}")
    if min(gray.shape) == 0:
        raise ValueError(f"the image is empty (shape {image.shape})")
    return np.ascontiguousarray(gray)


def detect_faces(image: npt.ArrayLike, channels: str = "RGB",
                 max_side: int = DETECT_MAX_SIDE,
                 min_face: float = MIN_FACE) -> list[Box]:
    """Face boxes (x, y, w, h) in the image's own pixels, largest first.

    Detection runs on a copy scaled so its longer side is at most ``max_side``
    (speed) and its shorter side at least 96 px (tiny images); boxes are mapped back.
    Faces narrower than ``min_face`` of the shorter side are skipped (webcam
    defaults; for group photos use e.g. ``max_side=1024, min_face=0.03``).
    """
    gray = to_gray(image, channels)
    h, w = gray.shape
    scale = min(1.0, max_side / max(h, w))
    scale = max(scale, DETECT_MIN_SIDE / min(h, w))
    small = gray
    if scale != 1.0:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=interp)
    min_size = max(24, round(min_face * min(small.shape)))
    found = _cascade().detectMultiScale(small, scaleFactor=1.1, minNeighbors=5,
                                        minSize=(min_size, min_size))
    boxes = [tuple(int(round(v / scale)) for v in box) for box in np.asarray(found)]
    return sorted(boxes, key=lambda b: b[2] * b[3], reverse=True)


def _square_around(box: Box, margin: float) -> Box:
    x, y, w, h = box
    side = max(1, round(max(w, h) * (1 + 2 * margin)))
    cx, cy = x + w / 2, y + h / 2
    return round(cx - side / 2), round(cy - side / 2), side, side


def _center_square(shape: tuple[int, int]) -> Box:
    h, w = shape
    side = min(h, w)
    return (w - side) // 2, (h - side) // 2, side, side


def cut_square(gray: npt.NDArray[np.uint8], box: Box,
               size: int = FACE_SIZE) -> npt.NDArray[np.uint8]:
    """Cut ``box`` from a grey image, replicating the edge where it leaves the image,
    and resize to ``size`` x ``size`` (not equalised)."""
    x, y, w, h = box
    ih, iw = gray.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, iw), min(y + h, ih)
    if x0 >= x1 or y0 >= y1:
        raise ValueError(f"box {box} lies outside the {iw}x{ih} image")
    patch = gray[y0:y1, x0:x1]
    pads = (y0 - y, y + h - y1, x0 - x, x + w - x1)
    if any(pads):
        patch = cv2.copyMakeBorder(patch, *pads, cv2.BORDER_REPLICATE)
    interp = cv2.INTER_AREA if w > size else cv2.INTER_LINEAR
    return cv2.resize(patch, (size, size), interpolation=interp)


def crop_face(image: npt.ArrayLike, margin: float = MARGIN,
              center_if_none: bool = False, channels: str = "RGB",
              max_side: int = DETECT_MAX_SIDE,
              min_face: float = MIN_FACE) -> FaceCrop | None:
    """Cut the largest face as a FER2013-like 48x48 uint8 square, equalised.

    When the fast detector settings find no face, a thorough pass (``THOROUGH``)
    looks again. Returns None when there is still none, unless ``center_if_none``:
    then the central square is used (``used_center=True``). The input is not modified.
    """
    gray = to_gray(image, channels)
    boxes = detect_faces(gray, max_side=max_side, min_face=min_face)
    if not boxes and (max_side, min_face) != tuple(THOROUGH.values()):
        boxes = detect_faces(gray, **THOROUGH)
    if boxes:
        box, used_center = _square_around(boxes[0], margin), False
    elif center_if_none:
        box, used_center = _center_square(gray.shape), True
    else:
        return None
    face = equalize_faces(cut_square(gray, box))
    return FaceCrop(face=face, box=box, n_faces=len(boxes), used_center=used_center)


def read_image(source: bytes | str | Path, gray: bool = False) -> npt.NDArray[np.uint8]:
    """Decode a photo to uint8 RGB (H,W,3), or grey (H,W) with ``gray=True``.

    ``source`` is encoded bytes (JPEG, PNG, WebP, BMP, GIF...), a
    ``data:image/...;base64,`` URL or plain base64 text (what the browser widget
    sends), or a file path. Phone photos are turned upright from their EXIF
    orientation. Raises ValueError on anything that is not an image.
    """
    data = as_image_bytes(source)
    flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag) if data else None
    if image is None:  # formats OpenCV does not read (GIF...): try Pillow
        try:
            with PIL.Image.open(io.BytesIO(data)) as pil:
                pil = PIL.ImageOps.exif_transpose(pil)
                return np.asarray(pil.convert("L" if gray else "RGB"))
        except (PIL.UnidentifiedImageError, OSError, ValueError) as err:
            raise ValueError(
                f"not an image: could not decode {len(data)} bytes starting with "
                f"{data[:12]!r}. Send a JPEG or PNG photo.") from err
    return image if gray else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def as_image_bytes(source: bytes | str | Path) -> bytes:
    """Encoded image bytes from bytes, a data URL, base64 text or a file path."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, Path):
        return source.read_bytes()
    if not isinstance(source, str):
        raise TypeError("expected bytes, a data URL or a path, got "
                        f"{type(source).__name__}")
    text = source.strip()
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if ";base64" not in header:
            raise ValueError(f"data URL {header[:40]!r} is not base64-encoded")
    elif len(text) < 260 and Path(text).is_file():
        return Path(text).read_bytes()
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError(f"not an image: {len(text)} characters that are neither a "
                         "data URL, base64 nor an existing file") from err
