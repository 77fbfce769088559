"""One path for every picture: frames -> faces -> network -> tracker -> smoother.

Photos (``photos``), video (``video``) and the webcam (``webcam.session``) all call
``analyse_frames``; they differ only in its options: whether faces are followed
over time (a ``tracking.FaceTracker``), whether their probabilities are averaged
(a ``smoothing.ProbabilitySmoother``), whether a face is reported only once its
track is a confirmed person, and how many frames' faces share one network batch.
Each face travels as one ``Prediction`` from the finder to the output.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from time import perf_counter
from typing import NamedTuple

import numpy as np

from ..faces import FaceCrop, FaceFinder, crop_faces
from ..over_time.smoothing import ProbabilitySmoother
from ..over_time.tracking import FaceTracker, Track
from .prediction import Prediction, from_crops, no_face

# What faces and photos get unless the caller asks otherwise: the mirror image too.
# alexnet48: +1.3 points on PublicTest, and the temperature is fitted on these
# flip-averaged logits (ECE 0.011 with flips, 0.022 on one view).
DEFAULT_TTA = "flip"


@dataclass(frozen=True)
class FaceSearch:
    """How each frame's faces are found: ``faces.crop_faces``'s arguments.

    ``finder`` a preset name or ``FaceFinder`` (None: "webcam"); ``channels`` the
    frames' order ("BGR" for OpenCV's); ``centre_if_no_face`` cuts the central
    square when none is found (then finding none means a blank picture); ``crop``
    the function that does it (the video passes its own, which tests replace)."""

    finder: FaceFinder | str | None = None
    channels: str = "RGB"
    centre_if_no_face: bool = False
    crop: Callable[..., list[FaceCrop]] = crop_faces

    def __call__(self, image) -> list[FaceCrop]:
        return self.crop(image, self.finder, channels=self.channels,
                         centre_if_no_face=self.centre_if_no_face)


class FrameFaces(NamedTuple):
    """A frame's faces, largest first: ``place`` and ``time_s`` as the frame came
    in (a file, a frame index); with no face, one ``Prediction`` with ``found``
    False (its message says why)."""

    place: Hashable
    time_s: float
    faces: list[Prediction]


@dataclass
class _Waiting:
    """A frame whose faces are found but not yet classified, or not yet reported
    (a track still to be confirmed)."""

    place: Hashable
    time_s: float
    crops: list[FaceCrop]
    started: float
    preds: list[Prediction] | None = None
    tracks: list[Track] = field(default_factory=list)


def analyse_frames(
    frames: Iterable[tuple[Hashable, float, object]],
    predictor,
    search: FaceSearch | None = None,
    *,
    tta: str | None = DEFAULT_TTA,
    tracker: FaceTracker | None = None,
    smoother: ProbabilitySmoother | None = None,
    persons_only: bool = False,
    batch_frames: int = 1,
) -> Iterator[FrameFaces]:
    """Every face of every frame, found, classified, tracked and smoothed, in order.

    ``frames``: (place, time_s, uint8 image) triples. ``predictor``: an
    ``EmotionPredictor``, or a ``Future`` of one still loading (faces are found
    meanwhile). ``tracker``: follow faces over frames (each ``Prediction`` gets
    ``track_key`` and ``track_id``); ``smoother``: average each track's
    probabilities over ``time_s``. ``persons_only``: report a face only once its
    track is confirmed (a frame waits for that; a track that dies unconfirmed is
    never reported). ``batch_frames``: frames whose faces share one network run.
    Ctrl-C: the frames found so far are classified and yielded (if the predictor
    has loaded), then ``KeyboardInterrupt`` goes on.
    """
    run = _Run(predictor, search or FaceSearch(), tta, tracker, smoother,
               persons_only)  # checks the options now, not at the first frame
    return _analyse(frames, run, batch_frames)


def _analyse(frames, run: _Run, batch_frames: int) -> Iterator[FrameFaces]:
    fresh = 0
    try:
        for place, time_s, image in frames:
            run.find(place, time_s, image)
            fresh += 1
            if fresh >= batch_frames and run.ready():
                fresh = 0
                yield from run.settle()
    except KeyboardInterrupt:
        if run.ready():  # else the faces found go: no wait for the network
            yield from run.settle(final=True)
        raise
    yield from run.settle(final=True)


@dataclass
class _Run:
    """``analyse_frames``'s options and the frames it holds."""

    predictor: object  # an EmotionPredictor or a Future of one
    search: FaceSearch
    tta: str | None
    tracker: FaceTracker | None
    smoother: ProbabilitySmoother | None
    persons_only: bool
    waiting: list[_Waiting] = field(default_factory=list)

    def __post_init__(self):
        if self.persons_only and self.tracker is None:
            raise ValueError("persons_only needs a tracker: pass tracker=FaceTracker()")

    def find(self, place: Hashable, time_s: float, image) -> None:
        started = perf_counter()
        self.waiting.append(_Waiting(place, time_s, self.search(image), started))

    def ready(self) -> bool:
        """False while the predictor is still loading."""
        return not isinstance(self.predictor, Future) or self.predictor.done()

    def settle(self, final: bool = False) -> Iterator[FrameFaces]:
        """Classify, track and smooth the frames not yet classified, then report
        (and forget) the frames up to the first one still waiting for a track to
        be confirmed (all of them when ``final``)."""
        new = [w for w in self.waiting if w.preds is None]
        _classify(new, self.predictor, self.search, self.tta)
        if self.tracker is not None:
            for w in new:
                w.preds = follow(w.preds, self.tracker, self.smoother, w.time_s)
                alive = {t.key: t for t in self.tracker.tracks}  # it was just seen
                w.tracks = [alive[p.track_key] for p in w.preds
                            if p.track_key is not None]
        done = self._done(final)
        for w in self.waiting[:done]:
            yield FrameFaces(w.place, w.time_s, _reported(w, self.persons_only))
        del self.waiting[:done]

    def _done(self, final: bool) -> int:
        """How many waiting frames can be reported: with ``persons_only``, those
        before the first with a live track not yet confirmed."""
        if not self.persons_only or final:
            return len(self.waiting)
        alive = {t.key for t in self.tracker.tracks}
        for i, w in enumerate(self.waiting):
            if any(t.id is None and t.key in alive for t in w.tracks):
                return i
        return len(self.waiting)


def _classify(new: list[_Waiting], predictor, search: FaceSearch, tta) -> None:
    """Every face of the new frames through the network in one batch."""
    crops = [c for w in new for c in w.crops]
    if crops:
        if isinstance(predictor, Future):
            predictor = predictor.result()  # re-raises a loading error here
        probs = predictor.predict_faces(np.stack([c.face for c in crops]), tta=tta)
    end, at = perf_counter(), 0
    for w in new:
        seconds = end - w.started
        if w.crops:
            w.preds = from_crops(w.crops, probs[at:at + len(w.crops)], seconds)
            at += len(w.crops)
        else:
            w.preds = [no_face(seconds, blank=search.centre_if_no_face)]


def is_face(pred: Prediction) -> bool:
    """A face the tracker follows: every one found, the centre crop too."""
    return pred.found and pred.box is not None


def follow(preds: Sequence[Prediction], tracker: FaceTracker,
           smoother: ProbabilitySmoother | None, time_s: float) -> list[Prediction]:
    """One frame's predictions, tracked (``track_key``, ``track_id``) and, with a
    ``smoother``, their probabilities averaged over time; the no-face prediction,
    if any, last and unchanged."""
    faces = [p for p in preds if is_face(p)]
    tracks = tracker.update([p.box for p in faces])
    out = []
    for pred, track in zip(faces, tracks, strict=True):
        pred = replace(pred, track_key=track.key, track_id=track.id)
        if smoother is not None:
            pred = pred.smoothed(smoother.update(track.key, pred.probs, time_s))
        out.append(pred)
    return out + [p for p in preds if not is_face(p)]


def _reported(w: _Waiting, persons_only: bool) -> list[Prediction]:
    """A frame's predictions as reported: with ``persons_only``, the confirmed
    faces only, each with its person's id as it is now."""
    if not persons_only:
        return w.preds
    by_key = {t.key: t for t in w.tracks}
    return [replace(p, track_id=by_key[p.track_key].id) for p in w.preds
            if p.track_key is not None and by_key[p.track_key].id is not None]
