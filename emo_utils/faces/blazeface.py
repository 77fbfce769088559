"""BlazeFace, MediaPipe's face detector, run by ONNX Runtime (OpenCV's dnn without it).

Why: on the photo proxy (``photo_proxy``; 400 PublicTest faces pasted into photo-like
frames) BlazeFace's back-camera model (with the second look of ``detect``) boxes 94.5%
of the faces right and puts 1.0% of its boxes on the background, where the Haar
cascades with every rescue pass box 82.3% right and 8.0% wrong; a webcam frame takes
~10 ms on 2 cores (``benchmarks/results/faces.json``). It also gives the eyes, so a
tilted head is cut upright.

The model (``assets/face_detection_back.tflite``, 0.3 MB, Apache-2.0, from MediaPipe)
is read by ``cv2.dnn.readNetFromTFLite`` (OpenCV >= 4.8): no second TensorFlow
runtime, nothing to download. Decoding follows MediaPipe's
``face_detection_back_desktop_live.pbtxt``: 896 SSD anchors on 16x16 and 8x8 grids,
box and keypoints relative to the anchor in input pixels, sigmoid scores.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from .._onnxruntime import session_options
from ..boxes import intersection
from .crop import MARGIN, cut_square, square_around
from .detection import Detection, ScanSettings

MODEL_FILE = Path(__file__).parent.parent / "assets" / "face_detection_back.tflite"
# The same model converted to ONNX (tf2onnx 1.17, opset 13; a dev step, see
# docs/speed.md): ONNX Runtime runs it in 2-4 ms where OpenCV's dnn takes 5-16.
ONNX_FILE = MODEL_FILE.with_suffix(".onnx")
INPUT_SIZE = 256
STRIDES = (16, 32, 32, 32)  # one 16x16 grid (2 anchors a cell), one 8x8 grid (6)
MIN_SCORE = 0.5  # MediaPipe's threshold for this model
NMS_IOU = 0.3
# A face filling the picture often gets a second, weaker box on part of it (20% of
# PublicTest faces enlarged to 200-350 px); faces in a group photo rarely overlap so.
COVERED = 0.4
FILLS_FRAME = 0.45  # largest box / shorter side beyond which the face fills the picture
CONTEXT_PAD = 0.3  # black border for that second look, of the longer side
_NET_LOCK = threading.Lock()  # one cv2.dnn.Net, shared: one forward pass at a time
# The FER2013 square around a BlazeFace box: 1.18x its side, its centre 0.10 box
# widths higher (the box runs from the brows to the lower lip). Median over the 565
# of 600 photo proxy faces it boxed right, where the pasted square is known. The
# same square measured from the eyes and mouth is 1.17x the box there, and 1.12-1.17x
# on the real photos of ../shared/data/faces: the relation holds on real faces. (The
# Haar square is 1.2-1.5x the BlazeFace box on those photos, looser than FER2013.)
BLAZE_SQUARE = 1.18
BLAZE_LIFT = 0.10
MIN_ROLL = 5.0  # degrees of head tilt (from the eyes) from which a face is turned
# The second look (``look_again``): a window this many times the FER square's side,
# so the face is the same share of the model's input however the picture frames it.
WINDOW = 2.0


@dataclass(frozen=True)
class BlazeDetection:
    """One face: box (x, y, w, h) in image pixels, score, and the two eyes (x, y)."""

    box: tuple[float, float, float, float]
    score: float
    right_eye: tuple[float, float]  # the person's right eye: on the image's left
    left_eye: tuple[float, float]

    @property
    def roll(self) -> float:
        """Degrees to turn the image (counter-clockwise, as OpenCV counts) about the
        face so that the eyes are level."""
        (x0, y0), (x1, y1) = self.right_eye, self.left_eye
        return math.degrees(math.atan2(y1 - y0, x1 - x0))


@functools.cache
def _net():
    """BlazeFace's network: ``run(blob) -> (scores, raw)`` on ONNX Runtime, or on
    OpenCV's dnn where onnxruntime is missing (the same boxes, slower)."""
    if not MODEL_FILE.is_file():
        raise RuntimeError(
            f"the face detector model {MODEL_FILE} is missing; it ships with "
            "emo_utils: reinstall the package (`make setup`).")
    try:
        import onnxruntime as ort
    except ImportError:
        return opencv_net()
    # one thread: as fast as two here (3.6 ms a look), and the other core is free
    options = session_options(ort, threads=1)
    return _OnnxNet(ort.InferenceSession(str(ONNX_FILE), options,
                                         ["CPUExecutionProvider"]))


def opencv_net() -> _OpenCVNet:
    """The same network from the ``.tflite``, in OpenCV's dnn (the fallback; the
    reference the ``.onnx`` is checked against)."""
    return _OpenCVNet(cv2.dnn.readNetFromTFLite(str(MODEL_FILE)))


class _OnnxNet:
    def __init__(self, session):
        self.session = session

    def run(self, blob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nhwc = np.ascontiguousarray(blob.transpose(0, 2, 3, 1))
        raw, scores = self.session.run(["regressors", "classificators"],
                                       {"input": nhwc})
        return scores, raw


class _OpenCVNet:
    def __init__(self, net: cv2.dnn.Net):
        self.net = net

    def run(self, blob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.net.setInput(blob)
        scores, raw = self.net.forward(["classificators", "regressors"])
        return scores, raw


@functools.cache
def _anchors() -> npt.NDArray[np.float32]:
    """Anchor centres (x, y) in 0-1 of the input, in the model's output order."""
    centres = []
    layer = 0
    while layer < len(STRIDES):
        same = [s for s in STRIDES[layer:] if s == STRIDES[layer]]
        cells = INPUT_SIZE // STRIDES[layer]
        grid = (np.arange(cells) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        xy = np.stack([xs.ravel(), ys.ravel()], 1)
        centres.append(np.repeat(xy, 2 * len(same), axis=0))
        layer += len(same)
    return np.concatenate(centres).astype(np.float32)


def detect(gray: npt.NDArray[np.uint8], min_score: float = MIN_SCORE
           ) -> list[BlazeDetection]:
    """Faces in a grey uint8 image, best score first.

    A face that fills the picture has no surroundings, and the model then boxes
    parts of it (PublicTest faces enlarged to 200-350 px: 75% boxed right, 14%
    wrong). So when the largest box is over ``FILLS_FRAME`` of the shorter side and
    there are several boxes or one runs off the picture, or when nothing is found,
    it looks again with a black border of ``CONTEXT_PAD`` around the picture and
    keeps that look if it finds a face: 94% right, 4% wrong there; on the photo proxy
    94.5% right against 92.2% for one look (400 faces each). One large box inside
    the picture is kept: on real face photos cropped around the head, the bordered
    look boxes the whole head and shoulders.
    """
    found = _detect_once(gray, min_score)
    fills = found and max(d.box[2] for d in found) > FILLS_FRAME * min(gray.shape)
    if found and not (fills and (len(found) > 1 or
                                 any(_off_picture(d.box, gray.shape) for d in found))):
        return found
    pad = round(CONTEXT_PAD * max(gray.shape))
    framed = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    return [_shifted(d, -pad) for d in _detect_once(framed, min_score)] or found


def _off_picture(box, shape, margin: float = 0.02) -> bool:
    """True when the box reaches within ``margin`` of the picture's edge, or past it."""
    x, y, w, h = box
    height, width = shape
    return (x < margin * width or y < margin * height
            or x + w > (1 - margin) * width or y + h > (1 - margin) * height)


def _shifted(det: BlazeDetection, offset: float) -> BlazeDetection:
    x, y, w, h = det.box
    (ax, ay), (bx, by) = det.right_eye, det.left_eye
    return BlazeDetection((x + offset, y + offset, w, h), det.score,
                          (ax + offset, ay + offset), (bx + offset, by + offset))


def _detect_once(gray: npt.NDArray[np.uint8], min_score: float
                 ) -> list[BlazeDetection]:
    """One look of the model. The image is letterboxed to a square (black bars, as
    MediaPipe does), scaled to 256x256 and given to the network in [-1, 1]."""
    h, w = gray.shape
    side = max(h, w)
    ox, oy = (side - w) // 2, (side - h) // 2
    square = np.zeros((side, side), np.uint8)
    square[oy:oy + h, ox:ox + w] = gray
    interp = cv2.INTER_AREA if side > INPUT_SIZE else cv2.INTER_LINEAR
    small = cv2.resize(square, (INPUT_SIZE, INPUT_SIZE), interpolation=interp)
    rgb = cv2.cvtColor(small, cv2.COLOR_GRAY2RGB)
    blob = cv2.dnn.blobFromImage(rgb, 1 / 127.5, mean=(127.5, 127.5, 127.5))
    with _NET_LOCK:
        scores, raw = _net().run(blob)
    scores = 1 / (1 + np.exp(-np.clip(scores.reshape(-1), -80, 80)))
    keep = np.flatnonzero(scores > min_score)
    if keep.size == 0:
        return []
    # centre, size and 6 keypoints, relative to the anchor, in input pixels
    points = raw.reshape(-1, 8, 2)[keep] / INPUT_SIZE
    points[:, [0, 2, 3, 4, 5, 6, 7]] += _anchors()[keep, None, :]
    points *= side
    points[:, [0, 2, 3, 4, 5, 6, 7]] -= (ox, oy)
    centre, size = points[:, 0], points[:, 1]
    boxes = np.concatenate([centre - size / 2, size], 1)
    chosen = cv2.dnn.NMSBoxes(boxes.tolist(), scores[keep].tolist(), min_score, NMS_IOU)
    found: list[BlazeDetection] = []
    for i in sorted(np.asarray(chosen).reshape(-1), key=lambda i: -scores[keep][i]):
        if any(_covered(boxes[i], kept.box) for kept in found):
            continue
        found.append(BlazeDetection(
            tuple(float(v) for v in boxes[i]), float(scores[keep][i]),
            tuple(float(v) for v in points[i, 2]),
            tuple(float(v) for v in points[i, 3])))
    return found


def _covered(box, outer) -> bool:
    """True when ``COVERED`` or more of ``box`` lies inside ``outer``: a second,
    weaker box on part of a face already found (NMS keeps it: their IoU is small)."""
    return intersection(box, outer) >= COVERED * box[2] * box[3]


class BlazeFaceDetector:
    """BlazeFace as a ``Detector``: boxes mapped onto the box the Haar cascade draws
    around the same face, so that ``crop.MARGIN`` frames both like FER2013; a head
    tilted by ``MIN_ROLL`` degrees or more is turned upright by its eyes."""

    name = "blazeface"

    def detect(self, gray: npt.NDArray[np.uint8],
               scan: ScanSettings) -> list[Detection]:
        if min(gray.shape) < 24:  # too few pixels for a face: it sees one in noise
            return []
        return [self._framed(det) for det in detect(gray)]

    def _framed(self, det: BlazeDetection) -> Detection:
        x, y, w, h = det.box
        side = max(w, h)  # any size: min_face is the Haar scan's speed knob
        cx, cy = x + w / 2, y + h / 2 - BLAZE_LIFT * side
        haar_side = side * BLAZE_SQUARE / (1 + 2 * MARGIN)
        box = (round(cx - haar_side / 2), round(cy - haar_side / 2),
               round(haar_side), round(haar_side))
        angle = round(det.roll, 1) if abs(det.roll) >= MIN_ROLL else 0.0
        return Detection(box, angle, self.name)


BLAZEFACE = BlazeFaceDetector()


def look_again(gray: npt.NDArray[np.uint8], det: Detection, mirror: bool = False
               ) -> Detection | None:
    """The face of ``det`` boxed again by BlazeFace in a window around it, or None.

    Why: BlazeFace's box depends on how much of its input the face fills (a face
    filling the picture is boxed ~0.8x the size it gets with a 25% border, and
    shifted). The window is ``WINDOW`` times the face's FER square, so every framing
    shows the model the face at one size; where the window leaves the picture it is
    padded flat with the window's mean grey (a replicated edge smears the face into
    the border: crop IoU 0.92 against 0.95 on face-filling proxies). ``mirror``
    also looks at the mirror image and averages the two boxes (about 1 point of
    crop IoU, for one more look). Any detector's box can be looked at again: the
    Haar passes' boxes too."""
    x, y, w, h = square_around(det.box)
    side = max(w, h) * WINDOW
    x0, y0 = round(x + w / 2 - side / 2), round(y + h / 2 - side / 2)
    if det.angle:  # a tilted face: look at it upright (turned about its centre)
        return _look_upright(gray, det, (x0, y0, round(side), round(side)))
    patch = _window(gray, (x0, y0, round(side), round(side)))
    if patch is None:
        return None
    boxes = [_central(_detect_once(patch, MIN_SCORE), patch.shape[1])]
    if mirror and boxes[0] is not None:
        flipped = _central(_detect_once(np.ascontiguousarray(patch[:, ::-1]),
                                        MIN_SCORE), patch.shape[1])
        if flipped is not None:
            fx, fy, fw, fh = flipped.box
            boxes.append(replace(flipped, box=(patch.shape[1] - fx - fw, fy, fw, fh)))
    if boxes[0] is None:
        return None
    box = tuple(float(v) for v in np.mean([b.box for b in boxes], axis=0))
    found = replace(boxes[0], box=box)
    framed = BLAZEFACE._framed(_shifted_xy(found, x0, y0))
    return replace(framed, angle=det.angle if det.found_by != BLAZEFACE.name
                   else framed.angle, found_by=det.found_by)


def _look_upright(gray: npt.NDArray[np.uint8], det: Detection, window
                  ) -> Detection | None:
    """``look_again`` for a face found turned by ``det.angle``: the window is cut
    upright, the box's centre turned back into the picture, and the angle made
    good by the tilt the eyes still show."""
    x0, y0, side, _ = window
    if side < 24:
        return None
    patch = cut_square(gray, window, size=side, angle=det.angle)
    found = _central(_detect_once(patch, MIN_SCORE), side)
    if found is None:
        return None
    # framed (lifted towards the brows) while upright, then its centre turned back
    fx, fy, fw, fh = BLAZEFACE._framed(found).box
    turn = math.radians(det.angle)
    dx, dy = fx + fw / 2 - side / 2, fy + fh / 2 - side / 2
    cx = x0 + side / 2 + dx * math.cos(turn) - dy * math.sin(turn)
    cy = y0 + side / 2 + dx * math.sin(turn) + dy * math.cos(turn)
    box = (round(cx - fw / 2), round(cy - fh / 2), fw, fh)
    # the eyes give what tilt is left (a Haar pass turns in 15 degree steps)
    return Detection(box, round(det.angle + found.roll, 1), det.found_by)


def _window(gray: npt.NDArray[np.uint8], box) -> npt.NDArray[np.uint8] | None:
    """The pixels of ``box``, padded flat with their mean grey where it leaves the
    picture; None when it misses the picture."""
    x, y, w, h = box
    ih, iw = gray.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, iw), min(y + h, ih)
    if x0 >= x1 or y0 >= y1 or w < 24:
        return None
    patch = gray[y0:y1, x0:x1]
    pads = (y0 - y, y + h - y1, x0 - x, x + w - x1)
    if any(pads):
        patch = cv2.copyMakeBorder(patch, *pads, cv2.BORDER_CONSTANT,
                                   value=int(patch.mean()))
    return patch


def _central(found: list[BlazeDetection], side: int) -> BlazeDetection | None:
    """The box nearest the window's centre, if its centre lies in the middle half
    (the face looked at; another face in the window is not it)."""
    def distance(d: BlazeDetection) -> float:
        x, y, w, h = d.box
        return math.hypot(x + w / 2 - side / 2, y + h / 2 - side / 2)

    near = [d for d in found if distance(d) < side / 4]
    return min(near, key=distance) if near else None


def _shifted_xy(det: BlazeDetection, dx: float, dy: float) -> BlazeDetection:
    x, y, w, h = det.box
    (ax, ay), (bx, by) = det.right_eye, det.left_eye
    return BlazeDetection((x + dx, y + dy, w, h), det.score,
                          (ax + dx, ay + dy), (bx + dx, by + dy))
