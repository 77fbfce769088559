"""One image file's bytes to a 48x48 uint8 grey face, or a DataError naming it.

Why: the image-folder layout (on disk or in a tar.gz) holds JPEG/PNG/BMP files of
any depth and size; a damaged one must stop the load, not be skipped or read as grey.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt

from ..labels import FACE_SIZE
from .dataset import DataError

_IMAGE_FIX = "Delete it or re-download the data (see data/README.md, or `make data`)."


def _jpeg_cut_short(data: bytes) -> bool:
    """True for a JPEG whose data ends before its end-of-image marker.

    OpenCV decodes such a file without complaint (grey below the cut); Pillow is the
    judge only when the last bytes are not the marker (trailing junk is allowed).
    """
    if data[:2] != b"\xff\xd8" or data.rstrip(b"\0\r\n ")[-2:] == b"\xff\xd9":
        return False
    import PIL.Image

    try:
        with PIL.Image.open(io.BytesIO(data)) as image:
            image.load()
    except OSError as err:
        return "truncated" in str(err)
    return False


def decode_face(data: bytes, where: str) -> npt.NDArray[np.uint8]:
    """One image file's bytes -> uint8 (48,48) grey face; DataError naming ``where``.

    16-bit PNGs are scaled to 8 bits (value / 257). One whose values all fit in 0-255
    (8-bit data saved as 16-bit) would scale to black, so it is refused with the fix.
    """
    import cv2

    if not data:
        raise DataError(f"{where} is empty (0 bytes), not an image. {_IMAGE_FIX}")
    if _jpeg_cut_short(data):
        raise DataError(
            f"{where} is cut short (its JPEG data ends before the end-of-image "
            f"marker). {_IMAGE_FIX}"
        )
    flags = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error:
        image = None
    if image is None:
        raise DataError(f"{where}: not a readable image. {_IMAGE_FIX}")
    if image.dtype == np.uint16:
        if image.max() <= 255:
            raise DataError(
                f"{where} is a 16-bit image whose values are all 0-255 (8-bit pixels "
                "saved as 16-bit), so scaled to 8 bits it would be black. Re-save it "
                "as 8-bit: cv2.imwrite(path, image.astype(np.uint8))."
            )
        image = ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise DataError(
            f"{where} has {image.dtype} pixels; save it as an 8-bit grey or colour "
            "image (PNG, JPEG or BMP)."
        )
    if image.shape != (FACE_SIZE, FACE_SIZE):
        size = (FACE_SIZE, FACE_SIZE)
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image
