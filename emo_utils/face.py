"""Find faces in a photo; cut the largest to the model's 48x48, FER2013-style input.

Colour images are taken as RGB (what the browser, PIL and matplotlib give); pass
``channels="BGR"`` for arrays from ``cv2.imread``. Only the grey level is used, so a
swapped order changes the result a little, not a lot.

The margin matches FER2013's framing (BlazeFace boxes are first mapped onto the box
Haar would draw, see ``BLAZE_SQUARE``): OpenCV's Haar box covers 83% of a FER2013 face
square (median over the 821 of 1500 PublicTest faces it finds, centred to 0.4 px), so
the crop adds ``MARGIN = 0.10`` of the box width on each side. Re-cropping those 821
faces from their Haar boxes (alexnet48 after 16 epochs; 61.9% on the original squares):
margin 0 -> 55.4%, 0.05 -> 58.3%, 0.10 -> 59.4%, 0.15 -> 60.3%, 0.20 -> 58.3%,
0.30 -> 52.4%. 0.10 and 0.15 tie within noise (+-1.7 points); 0.10 is the geometric
match and, with the Haar finder, labels both single-face test photos right, 0.20+
turns the group selfie sad (with BlazeFace's tighter square the neutral one reads sad).

Finding faces (``find_faces``): BlazeFace (``blazeface``) looks first. On the photo
proxy (600 PublicTest faces pasted into photo-like frames) it and the Haar fallback
find 98.7% of the faces, where the Haar passes alone found 90.5%, and the app's
accuracy there rose from 52.8% to 62.2% (alexnet48); faces enlarged to fill the
picture: 99.6% of 1000 found, against 95.8% (``benchmarks/results/faces.json``).
Its square is framed by ``BLAZE_SQUARE`` and ``BLAZE_LIFT``, and a head tilted by
``MIN_ROLL`` or more is turned upright by the line through its eyes. Only when
BlazeFace finds nothing do the Haar passes run.
The rest of this note is about them: the fast Haar pass finds 58% of
PublicTest faces enlarged to 200-350 px (they fill the picture, as web photos cropped
around a face do, and many are tilted or dark). Rescue passes, run only when the
passes before found nothing, bring that to 95.8% (1000 faces; centre fallback off;
``benchmarks/results/faces.json``): a 30% replicated border +20.5 points, turned copies
(+-15/30/45 degrees, the face then cut upright) +12.8, CLAHE +2.0, OpenCV's alt2
cascade +1.9, the profile cascade +0.7. The small-face scan, last, adds nothing there
(these faces fill the picture; run first it found 0.8 points of them, the same faces
the others find) and is kept for the small faces of web and group photos. None of
them reports a face on blank, flat, gradient or noise pictures. On the photo proxy
(``photo_proxy``: faces pasted into textured frames) 81% of faces get a right box,
~10% none and ~9% a box on the background, mostly from the rescue passes
(``docs/model-v3.md``). A 640x480 frame with one face costs about the same either
way on an idle machine: p50 9.2 ms for the Haar fast pass, 10.1 ms with BlazeFace
first (measured side by side, 2026-11-26). Not chosen: the ``mtcnn``
package (89% on web photos, but ~100 ms a frame and a second TensorFlow model in
the process), and a check of each box by the ``alt`` cascade: a wrong box mostly
means the face was missed, so the check turned wrong boxes into none and right boxes
did not rise.
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

from . import blazeface
from .boxes import intersection
from .boxes import iou as box_iou
from .labels import FACE_SIZE
from .preprocess import equalize_faces

MARGIN = 0.10  # of the Haar box width, added on each side (see the module docstring)
DETECT_MAX_SIDE = 320  # detect on a copy at most this big: ~4x faster than 640 px
DETECT_MIN_SIDE = 96  # smaller images are enlarged so the 24 px Haar window fits a face
MIN_FACE = 0.15  # skip faces under this fraction of the shorter side: 1.5x faster
CASCADE_FILE = "haarcascade_frontalface_default.xml"
SECOND_CASCADE_FILE = "haarcascade_frontalface_alt2.xml"
PROFILE_CASCADE_FILE = "haarcascade_profileface.xml"
# A second, slower look when the fast webcam settings find nothing: small faces in
# large photos (web and group photos) are then still found.
THOROUGH = {"max_side": 1024, "min_face": 0.03}
PAD_FRACTION = 0.3  # replicated border for faces that fill the frame
ROTATIONS = (-45, -30, -15, 15, 30, 45)  # degrees: in-plane turns, tilted heads
MAX_ASPECT = 10  # longer side / shorter side; beyond, not a photo of a face
MAX_PIXELS = 50_000_000  # larger photos are refused, not decoded into GBs
MIN_CONTRAST = 4.0  # grey-level std below which an image is blank: no face
# The FER2013 square around a BlazeFace box: 1.18x its side, its centre 0.10 box
# widths higher (the box runs from the brows to the lower lip). Median over the 565
# of 600 photo proxy faces it boxed right, where the pasted square is known. The
# same square measured from the eyes and mouth is 1.17x the box there, and 1.12-1.17x
# on the real photos of ../shared/data/faces: the relation holds on real faces. (The
# Haar square is 1.2-1.5x the BlazeFace box on those photos, looser than FER2013.)
BLAZE_SQUARE = 1.18
BLAZE_LIFT = 0.10
MIN_ROLL = 5.0  # degrees of head tilt (from the eyes) from which a face is turned

Box = tuple[int, int, int, int]  # x, y, width, height in pixels of the original image


@dataclass(frozen=True)
class FaceCrop:
    """One face ready for the model, and where it came from.

    ``face`` is uint8 (48,48), histogram-equalised; ``box`` is (x, y, w, h) of the
    square that was cut (it may reach past the image edge: the edge is replicated;
    for a tilted face, the square in the image turned by ``angle`` about its centre);
    ``n_faces`` counts the detections; ``used_center`` is True when no face was found
    and the centre of the image was used instead.
    """

    face: npt.NDArray[np.uint8]
    box: Box
    n_faces: int
    used_center: bool = False
    angle: float = 0.0  # degrees the face was turned to come out upright
    found_by: str = ""  # the detection pass (see find_faces); "" for the centre


@functools.cache
def _cascade(name: str = CASCADE_FILE) -> cv2.CascadeClassifier:
    """Load one of OpenCV's bundled Haar cascades once, on first use."""
    path = cv2.data.haarcascades + name
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
        hint = ("convert 16-bit images with (image >> 8).astype(np.uint8)"
                if image.dtype == np.uint16 else
                "convert floats in 0-1 with (image * 255).astype(np.uint8)")
        raise TypeError(f"images must be uint8 (0-255), got {image.dtype}; {hint}")
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


def check_image_size(shape: tuple[int, ...]) -> None:
    """Refuse images whose size would make detection slow or exhaust memory.

    A 1x20000 PNG is 100 bytes on disk, but enlarging its short side for the
    detector would make a huge image; a 20000x20000 photo needs GBs to decode."""
    h, w = shape[:2]
    if max(h, w) / max(1, min(h, w)) > MAX_ASPECT:
        raise ValueError(
            f"the image is {w}x{h} px, more than {MAX_ASPECT}:1; faces are found in "
            "ordinary photos: crop it to the part with the face.")
    if h * w > MAX_PIXELS:
        raise ValueError(
            f"the image is {w}x{h} px ({h * w / 1e6:.0f} megapixels); the limit is "
            f"{MAX_PIXELS / 1e6:.0f}. Resize it (a face needs only a few hundred px).")


def _detect_once(gray: npt.NDArray[np.uint8], max_side: int, min_face: float,
                 min_neighbors: int = 5, cascade=None) -> list[Box]:
    """One Haar pass on a copy scaled to ``max_side``; boxes in ``gray``'s pixels."""
    h, w = gray.shape
    scale = min(1.0, max_side / max(h, w))
    # enlarge tiny images so the 24 px window fits a face, within a bounded size
    scale = max(scale, min(DETECT_MIN_SIDE / min(h, w), max_side / max(h, w)))
    small = gray
    if scale != 1.0:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=interp)
    if min(small.shape) < 24:
        return []
    min_size = max(24, round(min_face * min(small.shape)))
    found = (cascade or _cascade()).detectMultiScale(small, scaleFactor=1.1,
                                        minNeighbors=min_neighbors,
                                        minSize=(min_size, min_size))
    return [tuple(int(round(v / scale)) for v in box) for box in np.asarray(found)]


def detect_faces(image: npt.ArrayLike, channels: str = "RGB",
                 max_side: int = DETECT_MAX_SIDE,
                 min_face: float = MIN_FACE) -> list[Box]:
    """Face boxes (x, y, w, h) in the image's own pixels, largest first (one pass).

    Detection runs on a copy scaled so its longer side is at most ``max_side``
    (speed) and its shorter side at least 96 px (tiny images); boxes are mapped back.
    Faces narrower than ``min_face`` of the shorter side are skipped (webcam
    defaults; for group photos use e.g. ``max_side=1024, min_face=0.03``).
    ``find_faces`` adds the passes that rescue hard photos.
    """
    gray = to_gray(image, channels)
    check_image_size(gray.shape)
    boxes = _detect_once(gray, max_side, min_face)
    return sorted(boxes, key=lambda b: b[2] * b[3], reverse=True)


@dataclass(frozen=True)
class Detection:
    """A face found by ``find_faces``: its box, tilt and the pass that found it.

    ``box`` (x, y, w, h) is the upright face box in the image's pixels (centred on
    the face; with ``angle`` != 0 it is the box of the face *after* turning the
    image by ``angle`` degrees about the box centre, which makes the face upright).
    """

    box: Box
    angle: float = 0.0
    found_by: str = "fast"


def _padded(gray: npt.NDArray[np.uint8], frac: float):
    """The image with a replicated border of ``frac`` of its size on every side."""
    pad = round(frac * max(gray.shape))
    return cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE), pad


def _rotated(gray: npt.NDArray[np.uint8], angle: float):
    """``gray`` turned by ``angle`` degrees (counter-clockwise) about its centre,
    on a canvas big enough to keep every pixel; and the 2x3 matrix used."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin))
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(gray, matrix, (nw, nh), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    return out, matrix


def _pass_blazeface(gray, cfg) -> list[Detection]:
    """BlazeFace (``blazeface``): boxes mapped onto the box the Haar cascade draws
    around the same face, so that ``MARGIN`` frames both like FER2013; a head
    tilted by ``MIN_ROLL`` degrees or more is turned upright by its eyes."""
    if min(gray.shape) < 24:  # too few pixels for a face: it sees one in noise
        return []
    found = []
    for det in blazeface.detect(gray):
        x, y, w, h = det.box
        side = max(w, h)  # any size: min_face is the Haar scan's speed knob
        cx, cy = x + w / 2, y + h / 2 - BLAZE_LIFT * side
        haar_side = side * BLAZE_SQUARE / (1 + 2 * MARGIN)
        box = (round(cx - haar_side / 2), round(cy - haar_side / 2),
               round(haar_side), round(haar_side))
        angle = round(det.roll, 1) if abs(det.roll) >= MIN_ROLL else 0.0
        found.append(Detection(box, angle, "blazeface"))
    return found


def _pass_padded(gray, cfg, name: str = "padded") -> list[Detection]:
    """Faces that fill the frame: the cascade needs some background around them."""
    big, pad = _padded(gray, PAD_FRACTION)
    return [Detection((x - pad, y - pad, w, h), 0.0, name)
            for x, y, w, h in _detect_once(big, cfg["max_side"], cfg["min_face"])]


def _pass_contrast(gray, cfg) -> list[Detection]:
    """Dark or washed-out frames: local contrast normalisation (CLAHE), then the
    padded look."""
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)
    return _pass_padded(clahe, cfg, "contrast")


def _pass_rotated(gray, cfg, cascade=None, angles=None, min_neighbors=3,
                  name="rotated") -> list[Detection]:
    """Tilted heads: look on copies turned by each of ``ROTATIONS`` degrees."""
    big, pad = _padded(gray, PAD_FRACTION)
    found = []
    for angle in ROTATIONS if angles is None else angles:
        turned, matrix = _rotated(big, angle)
        inverse = cv2.invertAffineTransform(matrix)
        boxes = _detect_once(turned, cfg["max_side"], cfg["min_face"], min_neighbors,
                             cascade=cascade)
        for x, y, w, h in boxes:
            cx, cy = inverse @ np.array([x + w / 2, y + h / 2, 1.0])
            box = (round(cx - pad - w / 2), round(cy - pad - h / 2), w, h)
            found.append(Detection(box, float(angle), name))
    return found


def _pass_second_cascade(gray, cfg) -> list[Detection]:
    """OpenCV's other frontal cascade (alt2) finds some faces the default misses."""
    return _pass_rotated(gray, cfg, cascade=_cascade(SECOND_CASCADE_FILE),
                         angles=(0, *ROTATIONS), min_neighbors=3,
                         name="second cascade")


def _pass_small(gray, cfg) -> list[Detection]:
    """Small faces in large photos: a finer, slower scan (group and web photos)."""
    return [Detection(box, 0.0, "small")
            for box in _detect_once(gray, THOROUGH["max_side"], THOROUGH["min_face"],
                                    min_neighbors=6)]


def _pass_profile(gray, cfg) -> list[Detection]:
    """Heads turned sideways: OpenCV's profile cascade, on the image and its mirror
    (the cascade knows one side only)."""
    big, pad = _padded(gray, PAD_FRACTION)
    cascade = _cascade(PROFILE_CASCADE_FILE)
    found = []
    for mirrored in (False, True):
        view = np.ascontiguousarray(big[:, ::-1]) if mirrored else big
        for x, y, w, h in _detect_once(view, cfg["max_side"], cfg["min_face"],
                                       4, cascade=cascade):
            if mirrored:
                x = view.shape[1] - x - w
            found.append(Detection((x - pad, y - pad, w, h), 0.0, "profile"))
    return found


# The looks that rescue hard photos, in order; each runs only when the ones before
# found nothing (``find_faces``). With ``thorough=True`` the GROUP_PASSES always
# run: the others (turned copies, looser cascades) would add false boxes to a crowd.
# "small" comes last: its fine scan of a whole photo finds texture as often as faces
# (photo proxy, 77 frames the fast pass missed: 5 right boxes, 12 wrong), and a wrong
# box stops the passes after it. Last, it still finds the small face of a web photo.
RESCUE_PASSES = {"padded": _pass_padded, "contrast": _pass_contrast,
                 "rotated": _pass_rotated, "second cascade": _pass_second_cascade,
                 "profile": _pass_profile, "small": _pass_small}
GROUP_PASSES = ("small", "padded", "contrast")


def merge_detections(found: list[Detection], iou: float = 0.3) -> list[Detection]:
    """Non-maximum suppression: overlapping boxes of one face become one (the
    earliest pass's, largest first), so a face is never counted twice."""
    kept: list[Detection] = []
    for det in found:
        if all(box_iou(det.box, k.box) < iou and not _inside(det.box, k.box)
               for k in kept):
            kept.append(det)
    return sorted(kept, key=lambda d: d.box[2] * d.box[3], reverse=True)


def _inside(a: Box, b: Box) -> bool:
    """Most of the smaller box lies within the larger (a face inside a face)."""
    return intersection(a, b) > 0.7 * min(a[2] * a[3], b[2] * b[3])


def find_faces(image: npt.ArrayLike, channels: str = "RGB", thorough: bool = False,
               max_side: int = DETECT_MAX_SIDE,
               min_face: float = MIN_FACE, rescue: bool = True) -> list[Detection]:
    """Every face in a photo, largest first, each with the pass that found it.

    BlazeFace (``blazeface``, ~10 ms) looks first; when it finds nothing, the fast
    Haar pass (webcam settings, ~10 ms); only when that finds nothing either do the
    rescue passes run, in order, until one finds a face: a replicated
    border (faces filling the frame), CLAHE (dark frames), turned copies (tilted
    heads), OpenCV's second frontal cascade, the profile cascade, smaller faces.
    ``thorough`` (uploads, group photos) also runs the ``GROUP_PASSES`` when the
    first looks found faces, to find every face. Overlapping boxes are merged.
    ``rescue=False`` runs BlazeFace and the fast pass only: live video, where an
    empty room would otherwise cost every frame all the rescue passes (~0.2 s, ~1 s
    on a noisy frame, instead of ~20 ms).
    """
    gray = to_gray(image, channels)
    check_image_size(gray.shape)
    cfg = {"max_side": max_side, "min_face": min_face}
    found = _pass_blazeface(gray, cfg)
    if not found:
        found = [Detection(box, 0.0, "fast")
                 for box in _detect_once(gray, max_side, min_face)]
    for name, look in RESCUE_PASSES.items() if rescue else ():
        if not found or (thorough and name in GROUP_PASSES):
            found += look(gray, cfg)
    return merge_detections(found)


def _square_around(box: Box, margin: float) -> Box:
    x, y, w, h = box
    side = max(1, round(max(w, h) * (1 + 2 * margin)))
    cx, cy = x + w / 2, y + h / 2
    return round(cx - side / 2), round(cy - side / 2), side, side


def _center_square(shape: tuple[int, int]) -> Box:
    h, w = shape
    side = min(h, w)
    return (w - side) // 2, (h - side) // 2, side, side


def cut_square(gray: npt.NDArray[np.uint8], box: Box, size: int = FACE_SIZE,
               angle: float = 0.0) -> npt.NDArray[np.uint8]:
    """Cut ``box`` from a grey image, replicating the edge where it leaves the image,
    and resize to ``size`` x ``size`` (not equalised).

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


def crop_faces(image: npt.ArrayLike, margin: float = MARGIN,
               center_if_none: bool = False, channels: str = "RGB",
               thorough: bool = False, max_side: int = DETECT_MAX_SIDE,
               min_face: float = MIN_FACE, rescue: bool = True) -> list[FaceCrop]:
    """Every face as a FER2013-like 48x48 uint8 square, equalised, largest first.

    Faces are found by ``find_faces`` (BlazeFace, then the Haar passes); a face
    found on a turned copy is cut upright. With none found, ``center_if_none`` uses
    the central square (``used_center=True``), unless the image is blank: a flat
    image has no face to guess at. The input is not modified.
    """
    gray = to_gray(image, channels)
    found = find_faces(gray, thorough=thorough, max_side=max_side, min_face=min_face,
                       rescue=rescue)
    if not found:
        if not center_if_none or is_blank(gray):
            return []
        box = _center_square(gray.shape)
        return [FaceCrop(equalize_faces(cut_square(gray, box)), box, 0, True)]
    crops = []
    for det in found:
        box = _square_around(det.box, margin)
        face = equalize_faces(cut_square(gray, box, angle=det.angle))
        crops.append(FaceCrop(face, box, len(found), False, det.angle, det.found_by))
    return crops


def crop_face(image: npt.ArrayLike, margin: float = MARGIN,
              center_if_none: bool = False, channels: str = "RGB",
              max_side: int = DETECT_MAX_SIDE,
              min_face: float = MIN_FACE) -> FaceCrop | None:
    """The largest face of ``crop_faces`` (same arguments), or None when none."""
    crops = crop_faces(image, margin, center_if_none, channels,
                       max_side=max_side, min_face=min_face)
    return crops[0] if crops else None


def read_image(source: bytes | str | Path, gray: bool = False) -> npt.NDArray[np.uint8]:
    """Decode a photo to uint8 RGB (H,W,3), or grey (H,W) with ``gray=True``.

    ``source`` is encoded bytes (JPEG, PNG, WebP, BMP, GIF...), a
    ``data:image/...;base64,`` URL or plain base64 text (what the browser widget
    sends), or a file path. Phone photos are turned upright from their EXIF
    orientation. Raises ValueError on anything that is not an image.
    """
    data = as_image_bytes(source)
    _check_encoded_size(data)
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


def _check_encoded_size(data: bytes) -> None:
    """Read the size from the image header and refuse absurd ones before decoding
    (a few bytes of PNG can declare a picture that needs GBs of memory)."""
    try:
        with PIL.Image.open(io.BytesIO(data)) as pil:
            w, h = pil.size
    except (PIL.UnidentifiedImageError, PIL.Image.DecompressionBombError,
            OSError, ValueError):
        return  # not readable by Pillow: the decoder below says what is wrong
    check_image_size((h, w))


def to_jpeg(image: npt.NDArray[np.uint8], quality: int = 85) -> bytes:
    """Encode an RGB or grey uint8 image as JPEG bytes, as the browser's canvas does."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    return cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def jpeg_roundtrip(gray: npt.NDArray[np.uint8], quality: int) -> npt.NDArray[np.uint8]:
    """A grey image after JPEG compression at ``quality`` (its blocks and ringing)."""
    return cv2.imdecode(np.frombuffer(to_jpeg(gray, quality), np.uint8),
                        cv2.IMREAD_GRAYSCALE)


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
