"""Pictures in: every form a photo arrives in becomes one uint8 array (the front door).

``load_image`` takes a file path (``str`` or ``os.PathLike``), encoded bytes (JPEG,
PNG, WebP... as read from a file or an upload), a ``data:image/...;base64,`` URL or
plain base64 text (what the browser widget sends), a PIL image, or a NumPy array
(grey (H,W), (H,W,1), colour (H,W,3) or with alpha (H,W,4)). Anything else fails with
one message naming what was given, so no OpenCV assertion ever reaches the user.

Float arrays are taken as pixel values in 0-1 (matplotlib's convention) and scaled to
0-255; floats outside 0-1 are refused with the conversion to use.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import PIL.Image
import PIL.ImageOps

MAX_ASPECT = 10  # longer side / shorter side; beyond, not a photo of a face
MAX_PIXELS = 50_000_000  # larger photos are refused, not decoded into GBs
MAX_NAME = 1024  # a string longer than this is never a file name
ACCEPTED = ("a file path, encoded image bytes (JPEG/PNG/WebP), a PIL image or a "
            "NumPy array")


class ImageError(ValueError):
    """A picture that cannot be used: the message names it and says what to do."""


def load_image(source: object, channels: str = "RGB") -> npt.NDArray[np.uint8]:
    """Any accepted picture as a uint8 array: decoded files and bytes come as RGB
    (H,W,3); arrays keep their channels (``channels="BGR"`` for ``cv2.imread``'s are
    only converted later, to grey). Raises ImageError, or FileNotFoundError naming a
    missing file."""
    if isinstance(source, np.ndarray):
        return _checked_array(source)
    if isinstance(source, PIL.Image.Image):
        return _checked_array(np.asarray(PIL.ImageOps.exif_transpose(source)
                                         .convert("RGB")))
    if isinstance(source, bytes | bytearray | memoryview | str | os.PathLike):
        return read_image(source)
    what = "None" if source is None else f"{_a(source)} ({source!r:.40})"
    raise ImageError(f"expected a picture ({ACCEPTED}), got {what}")


def _a(value: object) -> str:
    """The type's name with its article: "an int", "a list"."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _checked_array(image: np.ndarray) -> npt.NDArray[np.uint8]:
    """A uint8 array of a shape the face finder reads; floats in 0-1 scaled."""
    if image.size == 0:
        raise ImageError(f"the image is empty (shape {image.shape}): nothing to see")
    if image.dtype.kind == "f":
        low, high = float(np.nanmin(image)), float(np.nanmax(image))
        if not (0 <= low and high <= 1):
            raise ImageError(
                f"a float image must hold values in 0-1, got {low:g} to {high:g}; "
                "for 0-255 values convert with image.astype(np.uint8)")
        image = np.rint(image * 255).astype(np.uint8)
    if image.dtype != np.uint8:
        hint = ("convert 16-bit images with (image >> 8).astype(np.uint8)"
                if image.dtype == np.uint16 else
                "convert with image.astype(np.uint8) (values 0-255)")
        raise ImageError(f"images must be uint8 (0-255), got {image.dtype}; {hint}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4))):
        raise ImageError(f"expected a grey (H,W) or colour (H,W,3|4) image, got shape "
                         f"{image.shape}")
    return image


def to_gray(image: npt.ArrayLike, channels: str = "RGB") -> npt.NDArray[np.uint8]:
    """Grey copy of a uint8 image: (H,W), (H,W,1), RGB/BGR (H,W,3) or RGBA (H,W,4)."""
    if channels not in ("RGB", "BGR"):
        raise ValueError(f"channels must be 'RGB' or 'BGR', got {channels!r}")
    image = _checked_array(np.asarray(image))
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        return np.ascontiguousarray(image)
    code = {("RGB", 3): cv2.COLOR_RGB2GRAY, ("BGR", 3): cv2.COLOR_BGR2GRAY,
            ("RGB", 4): cv2.COLOR_RGBA2GRAY, ("BGR", 4): cv2.COLOR_BGRA2GRAY}
    return cv2.cvtColor(image, code[channels, image.shape[2]])


def check_image_size(shape: tuple[int, ...]) -> None:
    """Refuse images whose size would make detection slow or exhaust memory.

    A 1x20000 PNG is 100 bytes on disk, but enlarging its short side for the
    detector would make a huge image; a 20000x20000 photo needs GBs to decode."""
    h, w = shape[:2]
    if max(h, w) / max(1, min(h, w)) > MAX_ASPECT:
        raise ImageError(
            f"the image is {w}x{h} px, more than {MAX_ASPECT}:1; faces are found in "
            "ordinary photos: crop it to the part with the face.")
    if h * w > MAX_PIXELS:
        raise ImageError(
            f"the image is {w}x{h} px ({h * w / 1e6:.0f} megapixels); the limit is "
            f"{MAX_PIXELS / 1e6:.0f}. Resize it (a face needs only a few hundred px).")


def read_image(source: bytes | str | os.PathLike, gray: bool = False
               ) -> npt.NDArray[np.uint8]:
    """Decode a photo to uint8 RGB (H,W,3), or grey (H,W) with ``gray=True``.

    ``source`` is encoded bytes (JPEG, PNG, WebP, BMP, GIF...), a data URL, base64
    text, or a file path. Phone photos are turned upright from their EXIF
    orientation. Raises ImageError naming the file on anything that is not an image.
    """
    data, name = _encoded(source)
    if not data:  # said plainly, as the video command does
        raise ImageError(f"{name or 'the image data'} is empty (0 bytes), not an "
                         "image; copy the photo again")
    _check_encoded_size(data)
    flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if image is None:  # formats OpenCV does not read (GIF...): try Pillow
        try:
            with PIL.Image.open(io.BytesIO(data)) as pil:
                pil = PIL.ImageOps.exif_transpose(pil)
                return np.asarray(pil.convert("L" if gray else "RGB"))
        except (PIL.UnidentifiedImageError, OSError, ValueError) as err:
            what = f"{name} is not an image" if name else "not an image"
            raise ImageError(
                f"{what} (or is damaged): could not decode {len(data)} bytes "
                f"starting with {data[:12]!r}. Give a JPEG, PNG or WebP photo."
            ) from err
    return image if gray else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _check_encoded_size(data: bytes) -> None:
    """Read the size from the image header and refuse absurd ones before decoding
    (a few bytes of PNG can declare a picture that needs GBs of memory)."""
    try:
        with PIL.Image.open(io.BytesIO(data)) as pil:
            w, h = pil.size
    except (PIL.UnidentifiedImageError, PIL.Image.DecompressionBombError,
            OSError, ValueError):
        return  # not readable by Pillow: the decoder says what is wrong
    check_image_size((h, w))


def as_image_bytes(source: bytes | str | os.PathLike) -> bytes:
    """Encoded image bytes from bytes, a data URL, base64 text or a file path."""
    return _encoded(source)[0]


def _encoded(source: bytes | str | os.PathLike) -> tuple[bytes, str]:
    """Encoded image bytes, and the file's name ("" when not from a file)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), ""
    if isinstance(source, os.PathLike):
        return _read_file(Path(source)), str(source)
    if not isinstance(source, str):
        raise ImageError(f"expected {ACCEPTED}, got {_a(source)}")
    text = source.strip()
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if ";base64" not in header:
            raise ImageError(f"data URL {header[:40]!r} is not base64-encoded")
    elif len(text) < MAX_NAME and _looks_like_a_path(text):
        return _read_file(Path(text)), text
    try:
        return base64.b64decode(text, validate=True), ""
    except (binascii.Error, ValueError) as err:
        if len(text) < MAX_NAME and ("/" in text or "\\" in text):
            raise FileNotFoundError(f"no such file: {text}") from None
        raise ImageError(f"not an image: {len(text)} characters that are neither a "
                         "file name, a data URL nor base64") from err


def _looks_like_a_path(text: str) -> bool:
    """A file name rather than base64: it exists, or it has a dot (base64 never
    does, so "photo.jpg" can only be a name)."""
    return "." in text or "\\" in text or Path(text).exists()


def _read_file(path: Path) -> bytes:
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not a photo: give a file, or use "
                         "`python -m emo_utils predict FOLDER` for a whole folder")
    return path.read_bytes()


def to_jpeg(image: npt.NDArray[np.uint8], quality: int = 85) -> bytes:
    """Encode an RGB or grey uint8 image as JPEG bytes, as the browser's canvas does."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    return cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def jpeg_roundtrip(gray: npt.NDArray[np.uint8], quality: int) -> npt.NDArray[np.uint8]:
    """A grey image after JPEG compression at ``quality`` (its blocks and ringing)."""
    return cv2.imdecode(np.frombuffer(to_jpeg(gray, quality), np.uint8),
                        cv2.IMREAD_GRAYSCALE)
