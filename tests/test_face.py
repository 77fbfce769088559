"""Face detection and cropping: channel orders, sizes, borders, no face, real photos."""

from __future__ import annotations

import base64
from pathlib import Path

import cv2
import numpy as np
import pytest

from emo_utils import face
from emo_utils.face import crop_face, cut_square, detect_faces, read_image, to_gray

ASSETS = Path(face.__file__).with_name("assets")
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    """The shipped 160x160 grey happy face."""
    return read_image(ASSETS / "sample_face_happy.png", gray=True)


def frame_with(face_img: np.ndarray, x: int, y: int,
               size: tuple[int, int] = (640, 480), fill: int = 90) -> np.ndarray:
    """A grey RGB frame of ``size`` with ``face_img`` pasted at (x, y), clipped."""
    w, h = size
    frame = np.full((h, w), fill, np.uint8)
    fh, fw = face_img.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + fw, w), min(y + fh, h)
    frame[y0:y1, x0:x1] = face_img[y0 - y:y1 - y, x0 - x:x1 - x]
    return np.repeat(frame[..., None], 3, axis=2)


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    return iw * ih / (aw * ah + bw * bh - iw * ih)


def test_to_gray_follows_the_channel_order():
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 255
    assert to_gray(red)[0, 0] == 76  # 0.299 * 255: channel 0 read as red
    assert to_gray(red, channels="BGR")[0, 0] == 29  # 0.114 * 255: read as blue
    rgba = np.dstack([red, np.full((4, 4), 255, np.uint8)])
    assert to_gray(rgba)[0, 0] == 76
    assert to_gray(red[..., :1])[0, 0] == 255  # (H,W,1) is already grey


@pytest.mark.parametrize(("image", "error", "match"), [
    (np.zeros((8, 8), np.float32), TypeError, "uint8"),
    (np.zeros((8, 8, 2), np.uint8), ValueError, "shape"),
    (np.zeros((0, 8), np.uint8), ValueError, "empty"),
])
def test_to_gray_rejects_bad_images(image, error, match):
    with pytest.raises(error, match=match):
        to_gray(image)


def test_detects_a_face_where_it_was_pasted(sample):
    frame = frame_with(sample, 300, 150)
    boxes = detect_faces(frame)
    assert len(boxes) == 1
    assert iou(boxes[0], (300, 150, 160, 160)) > 0.6


def test_crop_is_fer_like(sample):
    frame = frame_with(sample, 300, 150)
    before = frame.copy()
    crop = crop_face(frame)
    np.testing.assert_array_equal(frame, before)  # input untouched
    assert crop.face.shape == (48, 48)
    assert crop.face.dtype == np.uint8
    assert (crop.n_faces, crop.used_center) == (1, False)
    assert crop.face.min() == 0  # equalised
    assert crop.face.max() == 255
    (_, _, w, _), (_, _, side, side_h) = detect_faces(frame)[0], crop.box
    assert side == side_h == round(w * (1 + 2 * face.MARGIN))


def test_gray_rgb_rgba_give_the_same_box(sample):
    rgb = frame_with(sample, 200, 100)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    boxes = [crop_face(img).box for img in (rgb, rgb[..., 0], rgba)]
    assert boxes[0] == boxes[1] == boxes[2]


def test_cut_square_replicates_the_edge():
    gray = np.arange(100, dtype=np.uint8).reshape(10, 10)
    cut = cut_square(gray, (-3, 5, 8, 8), size=8)
    expected = np.pad(gray, 4, mode="edge")[5 + 4:5 + 4 + 8, -3 + 4:-3 + 4 + 8]
    np.testing.assert_array_equal(cut, expected)
    with pytest.raises(ValueError, match="outside"):
        cut_square(gray, (20, 20, 5, 5))


@pytest.mark.parametrize(("x", "y", "axis"), [(-15, 160, 0), (240, -15, 1)])
def test_face_at_the_border_is_padded_not_shifted(sample, x, y, axis):
    frame = frame_with(sample, x, y)  # cut off on the left / at the top
    crop = crop_face(frame)
    assert crop is not None
    assert crop.box[axis] < 0  # the square reaches past the image ...
    assert crop.face.shape == (48, 48)  # ... and the crop is still 48x48
    edge = crop.face[:, :3] if axis == 0 else crop.face[:3]
    assert edge.std() > 0  # replicated photo, not a flat black band


def test_tiny_images(sample):
    tiny = cv2.resize(sample, (40, 40), interpolation=cv2.INTER_AREA)
    crop = crop_face(tiny, center_if_none=True)
    assert crop.face.shape == (48, 48)
    x, y, w, h = crop.box
    assert 0.5 * 40 < w < 1.5 * 40  # found or centre: a box about the image's size
    assert crop_face(np.zeros((5, 7), np.uint8)) is None
    centre = crop_face(np.zeros((5, 7), np.uint8), center_if_none=True)
    assert centre.box == (1, 0, 5, 5)


def test_huge_image_maps_boxes_back(sample):
    big_face = cv2.resize(sample, (1200, 1200), interpolation=cv2.INTER_LINEAR)
    frame = frame_with(big_face, 1500, 700, size=(4000, 3000))
    boxes = detect_faces(frame)
    assert len(boxes) == 1
    assert iou(boxes[0], (1500, 700, 1200, 1200)) > 0.6


def test_no_face():
    blank = np.full((480, 640, 3), 128, np.uint8)
    assert detect_faces(blank) == []
    assert crop_face(blank) is None
    crop = crop_face(blank, center_if_none=True)
    assert (crop.box, crop.n_faces, crop.used_center) == ((80, 0, 480, 480), 0, True)


def test_read_image_accepts_what_the_browser_and_users_send(tmp_path):
    rgb = np.zeros((10, 12, 3), np.uint8)
    rgb[..., 0] = 200  # red
    png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()
    b64 = base64.b64encode(png).decode()
    (tmp_path / "x.png").write_bytes(png)
    for source in (png, "data:image/png;base64," + b64, b64, tmp_path / "x.png",
                   str(tmp_path / "x.png")):
        np.testing.assert_array_equal(read_image(source), rgb)
    assert read_image(png, gray=True).shape == (10, 12)


@pytest.mark.parametrize("bad", [b"garbage", b"", "data:text/plain,hello", "%%%",
                                 base64.b64encode(b"not an image").decode()])
def test_read_image_rejects_non_images(bad):
    with pytest.raises(ValueError, match="not an image|not base64"):
        read_image(bad)


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real photos not at {REAL}")
@pytest.mark.parametrize("name", ["muxspace_happy_Aaron_Guiel_0001.jpg",
                                  "muxspace_neutral_Aaron_Eckhart_0001.jpg"])
def test_real_single_faces(name):
    image = read_image(REAL / name)
    crop = crop_face(image)
    assert crop.n_faces == 1
    x, y, w, h = crop.box
    assert 0.8 * 350 < w < 1.2 * 350  # these photos are already face crops


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real photos not at {REAL}")
def test_real_group_photo_uses_the_largest_face():
    image = read_image(REAL / "oarriaga_test_image.jpg")
    assert image.shape == (1536, 2048, 3)
    boxes = detect_faces(image, max_side=1024, min_face=0.03)
    assert len(boxes) >= 5
    x, y, w, h = crop_face(image, max_side=1024, min_face=0.03).box
    assert w > 400  # the selfie face in the front
    assert 700 < x + w / 2 < 1300


def test_a_small_face_in_a_large_photo_is_found_by_the_second_look():
    from emo_utils.face import MIN_FACE, crop_face, detect_faces, read_image
    from emo_utils.webcam import ASSETS

    face = read_image(ASSETS / "sample_face_happy.png", gray=True)
    canvas = np.full((1200, 1600), 128, np.uint8)
    small = cv2.resize(face, (150, 150))  # the face itself ~10% of the shorter side
    canvas[500:650, 700:850] = small
    assert detect_faces(canvas, min_face=MIN_FACE) == []  # the fast webcam pass
    crop = crop_face(canvas)
    assert crop is not None
    assert not crop.used_center
    x, y, w, h = crop.box
    assert 650 < x + w / 2 < 900
    assert 450 < y + h / 2 < 700
