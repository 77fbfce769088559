"""Face detection and cropping: channel orders, sizes, borders, no face, real photos."""

from __future__ import annotations

import base64
from pathlib import Path

import cv2
import numpy as np
import pytest

import emo_utils
from emo_utils import faces
from emo_utils.faces import HAAR_ONLY, FaceFinder, ScanSettings, cut_square, haar
from emo_utils.faces.framing import plain_border
from emo_utils.images import ImageError, read_image, to_gray
from emo_utils.paths import SHARED_DATA
from emo_utils.preprocess import equalize_faces

from .requires import require_shared_data

ASSETS = Path(emo_utils.__file__).with_name("assets")
REAL = SHARED_DATA / "faces"


def crop_face(image, centre_if_no_face=False, finder=None):
    """The largest face's crop, or None."""
    crops = faces.crop_faces(image, finder, centre_if_no_face=centre_if_no_face)
    return crops[0] if crops else None


def detect_faces(image, scan=None):
    """The boxes of the fast Haar pass alone, largest first."""
    finder = FaceFinder(first=(haar.FAST,), rescue=(), scan=scan or ScanSettings())
    found = finder.find(image)
    return [d.box for d in found]


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
    (np.full((8, 8), 2.0, np.float32), ImageError, "values in 0-1"),
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
    assert (crop.n_faces, crop.used_centre) == (1, False)
    # as cut, not equalised: the model's preprocessing equalises every face once
    # (cut inside the flat frame around the face: past its edge, the edge repeats)
    bx, by, bw, bh = plain_border(to_gray(frame))
    inner = to_gray(frame)[by:by + bh, bx:bx + bw]
    x, y, w, h = crop.box
    np.testing.assert_array_equal(crop.face, cut_square(inner, (x - bx, y - by, w, h),
                                                      angle=crop.angle))
    assert crop.face.min() > 0
    (_, _, w, _), (_, _, side, side_h) = faces.find_faces(frame)[0].box, crop.box
    assert side == side_h == round(w * (1 + 2 * faces.MARGIN))
    assert 0.9 * 160 < side < 1.3 * 160  # the pasted face square, a little more


def test_blazeface_boxes_are_framed_like_the_haar_boxes(sample):
    """Both detectors' squares frame a face alike: FER2013's framing."""
    frame = frame_with(sample, 300, 150)
    blaze = faces.find_faces(frame)[0]
    assert blaze.found_by == "blazeface"
    haar = detect_faces(frame)[0]
    assert iou(blaze.box, haar) > 0.7


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
    crop = crop_face(tiny, centre_if_no_face=True)
    assert crop.face.shape == (48, 48)
    x, y, w, h = crop.box
    assert 0.5 * 40 < w < 1.5 * 40  # found or centre: a box about the image's size
    assert crop_face(np.zeros((5, 7), np.uint8)) is None
    texture = np.random.default_rng(0).integers(0, 256, (5, 7), dtype=np.uint8)
    centre = crop_face(texture, centre_if_no_face=True)
    assert centre.box == (1, 0, 5, 5)
    assert centre.used_centre


@pytest.mark.parametrize("blank", [
    np.zeros((480, 640), np.uint8),
    np.full((480, 640, 3), 200, np.uint8),
    np.zeros((1, 1), np.uint8),
])
def test_a_blank_image_is_no_face_even_with_the_centre_fallback(blank):
    """A flat picture is not a face to guess at (was: 'angry 84%' for one pixel)."""
    assert faces.is_blank(to_gray(blank))
    assert crop_face(blank, centre_if_no_face=True) is None
    assert faces.find_faces(blank) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_gives_no_face_in_any_pass(seed):
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (300, 300), dtype=np.uint8)
    smooth = cv2.GaussianBlur(noise, (0, 0), 3)
    for image in (noise, smooth):
        assert faces.find_faces(image, "upload") == []
        assert crop_face(image) is None


@pytest.mark.parametrize("blaze", [True, False])
def test_a_face_filling_the_frame_is_found_once(sample, blaze):
    """A tight crop (no background around the face): BlazeFace looks again with a
    border; without it, the fast Haar pass misses and the padded pass finds it."""
    tight = cv2.resize(sample[22:138, 22:138], (300, 300))
    found = faces.find_faces(tight, None if blaze else HAAR_ONLY)
    assert len(found) == 1
    assert found[0].found_by in (("blazeface",) if blaze else
                                 ("padded", "contrast", "rotated"))
    x, y, w, h = found[0].box
    assert w > 150  # the face, not a detail of it


@pytest.mark.parametrize("blaze", [True, False])
@pytest.mark.parametrize("tilt", [30, -30])
def test_a_tilted_face_is_found_and_cut_upright(sample, tilt, blaze):
    finder = None if blaze else HAAR_ONLY  # the Haar rescue passes: turned copies
    frame = frame_with(sample, 240, 160)[..., 0]
    matrix = cv2.getRotationMatrix2D((320, 240), tilt, 1.0)
    tilted = cv2.warpAffine(frame, matrix, (640, 480), borderValue=90)
    assert detect_faces(tilted) == []  # the fast pass misses it ...
    found = faces.find_faces(tilted, finder)
    assert len(found) == 1  # ... BlazeFace or a turned copy finds it, once
    assert found[0].found_by in (("blazeface",) if blaze else
                                 ("rotated", "second cascade"))
    assert abs(found[0].angle + tilt) <= 15  # turned back by about the tilt
    turned = crop_face(tilted, finder=finder)
    assert turned.angle == found[0].angle
    # The same square cut from the upright frame (the tilt was about the face
    # centre, so map the box centre back): the upright crop must match it.
    x, y, w, h = turned.box
    cx, cy = cv2.invertAffineTransform(matrix) @ np.array([x + w / 2, y + h / 2, 1])
    reference = equalize_faces(
        cut_square(frame, (round(cx - w / 2), round(cy - h / 2), w, h)))
    as_is = equalize_faces(cut_square(tilted, turned.box))
    upright = equalize_faces(turned.face)

    def corr(a, b):
        return np.corrcoef(a.astype(float).ravel(), b.astype(float).ravel())[0, 1]

    # upright (BlazeFace reads the tilt from the eyes, to within ~10 degrees) ...
    assert corr(upright, reference) > (0.85 if blaze else 0.9)
    # ... where the plain cut is tilted
    assert corr(as_is, reference) < min(0.65, corr(upright, reference) - 0.2)


def test_cut_square_turns_about_the_box_centre():
    img = np.zeros((100, 100), np.uint8)
    img[40:60, 20:80] = 255  # a horizontal bar through the centre
    cut = cut_square(img, (20, 20, 60, 60), size=60, angle=90)
    assert cut[:, 25:35].mean() > 200  # now vertical
    assert cut[25:35, :10].mean() < 50


def test_three_faces_are_three_boxes_largest_first(sample):
    frame = np.full((480, 640), 90, np.uint8)
    for side, x, y in ((200, 10, 100), (150, 250, 40), (110, 460, 300)):
        frame[y:y + side, x:x + side] = cv2.resize(sample, (side, side))
    found = faces.find_faces(frame)
    assert len(found) == 3
    widths = [d.box[2] for d in found]
    assert widths == sorted(widths, reverse=True)
    crops = faces.crop_faces(frame)
    assert [c.n_faces for c in crops] == [3, 3, 3]


def test_merge_keeps_one_box_per_face():
    a = faces.Detection((100, 100, 80, 80), 0.0, "fast")
    b = faces.Detection((105, 98, 78, 84), 0.0, "padded")  # the same face again
    c = faces.Detection((120, 120, 30, 30), 0.0, "small")  # a box inside it
    d = faces.Detection((300, 100, 60, 60), 0.0, "fast")  # another face
    merged = faces.merge_detections([a, b, c, d])
    assert merged == [a, d]


@pytest.mark.parametrize(("shape", "match"), [
    ((1, 20000), "more than 10:1"),
    ((9000, 9000), "megapixels"),
])
def test_absurd_sizes_are_refused_before_any_work(shape, match):
    with pytest.raises(ValueError, match=match):
        faces.find_faces(np.zeros(shape, np.uint8))
    ok, png = cv2.imencode(".png", np.zeros(shape, np.uint8))
    with pytest.raises(ValueError, match=match):
        read_image(png.tobytes())  # refused from the header, before decoding


def test_a_long_thin_image_within_limits_is_not_blown_up():
    """The short side is enlarged for the detector only within DETECT_MAX_SIDE."""
    strip = np.random.default_rng(0).integers(0, 256, (40, 390), dtype=np.uint8)
    assert faces.find_faces(strip) == []  # quick, and no huge intermediate image


def test_uint16_images_get_the_16_bit_hint():
    with pytest.raises(ImageError, match=r">> 8"):
        to_gray(np.zeros((8, 8), np.uint16))


def test_huge_image_maps_boxes_back(sample):
    big_face = cv2.resize(sample, (1200, 1200), interpolation=cv2.INTER_LINEAR)
    frame = frame_with(big_face, 1500, 700, size=(4000, 3000))
    boxes = detect_faces(frame)
    assert len(boxes) == 1
    assert iou(boxes[0], (1500, 700, 1200, 1200)) > 0.6


def test_no_face():
    # a smooth gradient: a scene without a face, but not blank
    scene = np.repeat(np.linspace(0, 255, 640, dtype=np.uint8)[None], 480, axis=0)
    assert detect_faces(scene) == []
    assert crop_face(scene) is None
    crop = crop_face(scene, centre_if_no_face=True)
    assert (crop.box, crop.n_faces, crop.used_centre) == ((80, 0, 480, 480), 0, True)


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


@pytest.mark.parametrize("name", ["muxspace_happy_Aaron_Guiel_0001.jpg",
                                  "muxspace_neutral_Aaron_Eckhart_0001.jpg"])
def test_real_single_faces(name):
    require_shared_data("faces")
    image = read_image(REAL / name)
    crop = crop_face(image)
    assert crop.n_faces == 1
    x, y, w, h = crop.box
    # these photos are already face crops: FER2013's square is about the photo
    # (the square the face gets with a border; it may reach past the edges)
    assert 0.7 * 350 < w < 1.3 * 350


def test_real_group_photo_uses_the_largest_face():
    require_shared_data("faces")
    image = read_image(REAL / "oarriaga_test_image.jpg")
    assert image.shape == (1536, 2048, 3)
    boxes = detect_faces(image, haar.SMALL_FACE_SCAN)
    assert len(boxes) >= 5
    x, y, w, h = crop_face(image, finder="upload").box
    assert w > 400  # the selfie face in the front
    assert 700 < x + w / 2 < 1300


def test_a_small_face_in_a_large_photo_is_found_by_the_second_look():
    face = read_image(ASSETS / "sample_face_happy.png", gray=True)
    # a gentle gradient, not a flat canvas (a flat border is looked inside of)
    canvas = np.add.outer(np.arange(1200) // 20, np.arange(1600) // 20).astype(np.uint8)
    small = cv2.resize(face, (150, 150))  # the face itself ~10% of the shorter side
    canvas[500:650, 700:850] = small
    assert detect_faces(canvas) == []  # the fast webcam pass
    crop = crop_face(canvas)
    assert crop is not None
    assert not crop.used_centre
    x, y, w, h = crop.box
    assert 650 < x + w / 2 < 900
    assert 450 < y + h / 2 < 700


def test_blazeface_finds_the_face_and_its_eyes(sample):
    from emo_utils.faces import blazeface

    frame = frame_with(sample, 300, 150)[..., 0]
    found = blazeface.detect(frame)
    assert len(found) == 1
    det = found[0]
    assert iou(tuple(round(v) for v in det.box), (300, 150, 160, 160)) > 0.4
    x, y, w, h = det.box
    for ex, ey in (det.right_eye, det.left_eye):  # in the upper half of the box
        assert x < ex < x + w
        assert y < ey < y + h / 2
    assert det.right_eye[0] < det.left_eye[0]  # the person's right: image left
    assert abs(det.roll) < 10  # an upright face
    assert blazeface.detect(np.zeros((480, 640), np.uint8)) == []


def test_a_missing_detector_model_says_how_to_restore_it(monkeypatch, tmp_path):
    from emo_utils.faces import blazeface

    monkeypatch.setattr(blazeface, "MODEL_FILE", tmp_path / "gone.tflite")
    blazeface._net.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"gone.tflite is missing.*make setup"):
            blazeface.detect(np.full((100, 100), 90, np.uint8))
    finally:
        blazeface._net.cache_clear()  # the next caller loads the real model again


def test_blazeface_on_onnx_runtime_matches_opencvs_dnn():
    """The shipped .onnx (converted from the .tflite) gives OpenCV's outputs."""

    from emo_utils.faces import blazeface

    rng = np.random.default_rng(0)
    blob = rng.uniform(-1, 1, (1, 3, 256, 256)).astype(np.float32)
    onnx = blazeface._net()
    assert isinstance(onnx, blazeface._OnnxNet)
    opencv = blazeface.opencv_net()
    for a, b in zip(onnx.run(blob), opencv.run(blob), strict=True):
        np.testing.assert_allclose(a.reshape(-1), b.reshape(-1), atol=5e-3)
