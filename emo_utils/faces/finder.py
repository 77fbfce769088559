"""Find every face in a picture: detectors tried in order, as one ``FaceFinder``.

BlazeFace (``blazeface``) looks first. On the photo proxy (600 PublicTest faces
pasted into photo-like frames) it and the Haar fallback find 98.7% of the faces,
where the Haar passes alone found 90.5%, and the app's accuracy there rose from
52.8% to 62.2% (alexnet48); faces enlarged to fill the picture: 99.6% of 1000 found,
against 95.8% (``benchmarks/results/faces.json``). Only when BlazeFace finds nothing
does the fast Haar pass look, and only when that finds nothing either do the rescue
passes run (``haar``). A 640x480 frame with one face costs about the same either
way on an idle machine: p50 9.2 ms for the Haar fast pass, 10.1 ms with BlazeFace
first (measured side by side, 2026-11-26). Not chosen: the ``mtcnn`` package (89%
on web photos, but ~100 ms a frame and a second TensorFlow model in the process),
and a check of each box by the ``alt`` cascade: a wrong box mostly means the face
was missed, so the check turned wrong boxes into none and right boxes did not rise.

``PRESETS`` name the three ways the app looks: ``"webcam"`` (a snapshot: every look
until one finds a face), ``"live"`` (no rescue passes: an empty room would otherwise
cost every frame ~0.2-1 s instead of ~20 ms) and ``"upload"`` (photos: the group
passes also run when faces were found, so every face of a group photo is found).

Framing: every preset finds faces inside any plain border (``framing.plain_border``)
and looks at each face again in a window of its own size
(``blazeface.look_again``), so the square cut does not depend on how the picture
frames the face (``benchmarks/results/framing.json``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy.typing as npt

from ..images import check_image_size, to_gray
from . import haar
from .blazeface import BLAZEFACE, look_again
from .crop import FaceCrop, centre_square, cut_square, is_blank, square_around
from .detection import Detection, Detector, ScanSettings, merge_detections
from .framing import plain_border


@dataclass(frozen=True)
class FaceFinder:
    """Detectors in order, and how they are combined.

    ``first``: tried in order until one finds a face. ``rescue``: then, in order,
    each runs only while nothing is found. ``always``: names of rescue detectors
    that run even when faces were found (group photos). ``scan``: the Haar scans'
    size settings. Overlapping boxes of one face are merged. ``second_look``: how
    each face's box is looked at again in a window of its own size, so that its
    crop does not depend on the framing (``blazeface.look_again``): 0 not at all
    (the finder before; a face filling the picture is cut ~0.8x too tight), 1 the
    window, 2 the window and its mirror image. ``second_look_from``: only for
    faces whose box is at least this share of the picture's longer side, which
    BlazeFace's square input is made of (webcam and live: a face with room around
    it is boxed steadily enough, and the look costs a BlazeFace pass a face).
    ``look_inside_border``: find faces inside any plain border
    (``framing.plain_border``), so a border neither shrinks nor hides them.
    ``BEFORE_FRAMING`` turns both off: the finder before, for comparison.
    """

    first: tuple[Detector, ...] = (BLAZEFACE, haar.FAST)
    rescue: tuple[Detector, ...] = haar.RESCUE_PASSES
    always: tuple[str, ...] = ()
    scan: ScanSettings = ScanSettings()
    second_look: int = 1
    second_look_from: float = 0.0
    look_inside_border: bool = True

    def find(self, image: npt.ArrayLike, channels: str = "RGB") -> list[Detection]:
        """Every face in a picture, largest first, each with the detector that
        found it."""
        gray = to_gray(image, channels)
        check_image_size(gray.shape)
        inner, (x, y) = self._inside(gray)
        return [_moved(d, x, y) for d in self._find(inner)]

    def _inside(self, gray) -> tuple[npt.NDArray, tuple[int, int]]:
        """The picture inside any plain border, and where it starts (x, y)."""
        if not self.look_inside_border:
            return gray, (0, 0)
        x, y, w, h = plain_border(gray)
        return gray[y:y + h, x:x + w], (x, y)

    def _find(self, gray) -> list[Detection]:
        """``find`` on a grey picture without a flat border."""
        found: list[Detection] = []
        for detector in self.first:
            found = detector.detect(gray, self.scan)
            if found:
                break
        for detector in self.rescue:
            if not found or detector.name in self.always:
                found += detector.detect(gray, self.scan)
        found = merge_detections(found)
        if self.second_look:
            found = merge_detections([self._look_again(gray, d) for d in found])
        return found

    def _look_again(self, gray, det: Detection) -> Detection:
        """``det`` boxed again at one scale; kept as it was when the second look
        finds nothing there (a face only a Haar pass sees)."""
        # BlazeFace sees the picture letterboxed to its longer side: the face's share
        # of that square is what makes its box shrink when it fills it
        if max(det.box[2:]) < self.second_look_from * max(gray.shape):
            return det
        again = look_again(gray, det, mirror=self.second_look > 1)
        return det if again is None else again

    def crop(self, image: npt.ArrayLike, channels: str = "RGB",
             centre_if_no_face: bool = False) -> list[FaceCrop]:
        """Every face cut to a FER2013-like 48x48 square, largest first.

        A face found on a turned copy is cut upright. With none found,
        ``centre_if_no_face`` uses the central square (``used_centre=True``) unless
        the picture is blank: a flat image has no face to guess at."""
        gray = to_gray(image, channels)
        found = self.find(gray)
        # Cut inside any plain border too: where the square leaves the picture the
        # edge is repeated, whether the photo was cropped tight or given a border
        # (a flat grey band in the square changed 12% of labels on the proxies).
        inner, (x, y) = self._inside(gray)
        if not found:
            if not centre_if_no_face or is_blank(gray):
                return []
            box = centre_square(gray.shape)
            return [FaceCrop(cut_square(gray, box), box, 0, True)]
        crops = []
        for det in found:
            box = square_around(det.box)
            face = cut_square(inner, (box[0] - x, box[1] - y, *box[2:]),
                              angle=det.angle)
            crops.append(FaceCrop(face, box, len(found), False, det.angle,
                                  det.found_by))
        return crops

    def replace(self, **changes) -> FaceFinder:
        """A copy with some fields changed (e.g. ``scan=ScanSettings(640, 0.05)``)."""
        return dataclasses.replace(self, **changes)


# Every preset looks again (``second_look``) at each face of at least 0.4 of the
# picture's longer side: a smaller face already has the margin that steadies
# BlazeFace's box (bench_framing: the same labels and crops with or without a second
# look there), and a snapshot saves one look (5 ms). Photos look at every face again,
# with its mirror image (+1 point of crop IoU for one more look).
PRESETS = {
    "webcam": FaceFinder(second_look_from=0.4),
    "live": FaceFinder(rescue=(), second_look_from=0.4),
    "upload": FaceFinder(always=haar.GROUP_PASSES, second_look=2),
}
HAAR_ONLY = FaceFinder(first=(haar.FAST,))  # the finder before BlazeFace (tests, docs)
# The webcam preset as it was before framing was handled (notebook 04, benchmarks).
BEFORE_FRAMING = FaceFinder(second_look=0, look_inside_border=False)


def _moved(det: Detection, dx: int, dy: int) -> Detection:
    """``det`` with its box moved by (dx, dy)."""
    x, y, w, h = det.box
    return dataclasses.replace(det, box=(x + dx, y + dy, w, h))


def get_finder(finder: FaceFinder | str | None) -> FaceFinder:
    """A ``FaceFinder`` from a preset name, a finder, or None (the webcam preset)."""
    if finder is None:
        return PRESETS["webcam"]
    if isinstance(finder, FaceFinder):
        return finder
    if finder in PRESETS:
        return PRESETS[finder]
    raise ValueError(f"finder must be a FaceFinder or one of {sorted(PRESETS)}, "
                     f"got {finder!r}")


def find_faces(image: npt.ArrayLike, finder: FaceFinder | str | None = None,
               channels: str = "RGB") -> list[Detection]:
    """Every face in a picture with a preset (default "webcam") or finder."""
    return get_finder(finder).find(image, channels)


def crop_faces(image: npt.ArrayLike, finder: FaceFinder | str | None = None,
               channels: str = "RGB", centre_if_no_face: bool = False
               ) -> list[FaceCrop]:
    """Every face as a 48x48 square (``FaceFinder.crop``); default preset "webcam"."""
    return get_finder(finder).crop(image, channels, centre_if_no_face)
