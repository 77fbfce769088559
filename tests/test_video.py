"""Video files: real clips written by OpenCV in tmp_path, the real shipped model."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest

from emo_utils.cli import main
from emo_utils.labels import EMOTIONS
from emo_utils.over_time import timeline, video, video_source
from emo_utils.over_time.sample_clip import (
    SAMPLE_CLIP,
    _background,
    make_sample_clip,
    sample_frames,
    segment_table,
)

SHORT = (("neutral", 1.2), ("happy", 1.2))  # two held segments, 2.4 s
SETTLE_S = 0.5  # after a change, the first half second is not judged


@pytest.fixture(scope="module")
def predictor():
    from emo_utils.predict import EmotionPredictor

    return EmotionPredictor.from_checkpoint()


@pytest.fixture(scope="module")
def sample_table(predictor, tmp_path_factory):
    out = tmp_path_factory.mktemp("video") / "sample.csv"
    return video.analyse_video(SAMPLE_CLIP, predictor, csv=out, progress=False), out


@pytest.fixture
def shipped_model(monkeypatch, predictor):
    """The command loads the module's predictor instead of a new one (seconds)."""
    monkeypatch.setattr(video, "_load_shipped", lambda engine="onnx": predictor)


def _write(path, frames, fps=25.0, codec="MJPG"):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (w, h))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def _dominant_per_segment(table, segments):
    """(person, expected, found) per segment, the first SETTLE_S after a change off."""
    out = []
    for person, start, end, label in segments:
        rows = table[(table.face == person) & (table.time_s >= start + SETTLE_S)
                     & (table.time_s < end)]
        out.append((person, label, rows[list(EMOTIONS)].mean().idxmax()))
    return out


class _SameForEveryFace:
    """A stand-in predictor (the rate and the row order do not depend on the model)."""

    def predict_faces(self, faces, tta=None):
        return np.tile(np.float32([0.1, 0, 0, 0.6, 0.1, 0.1, 0.1]), (len(faces), 1))


def _cut_table(cut_s=5.0, end_s=10.0, step_s=0.08, face=1):
    """A made-up table: one face, neutral (not a sure read, as the model gives it)
    until ``cut_s``, then happy; one row every ``step_s``."""
    times = np.round(np.arange(0, end_s, step_s), 3)
    neutral = [0.20, 0.00, 0.05, 0.05, 0.20, 0.00, 0.50]
    happy = [0.10, 0.00, 0.05, 0.60, 0.10, 0.00, 0.15]
    probs = np.where((times < cut_s)[:, None], neutral, happy)
    table = pd.DataFrame(probs, columns=list(EMOTIONS))
    table.insert(0, "face", face)
    table.insert(0, "time_s", times)
    table["label"] = table[list(EMOTIONS)].idxmax(axis=1)
    return table


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: "), err
    assert "Traceback" not in err[0]
    return err[0]


# ------------------------------------------------------------ the sample clip


def test_shipped_sample_clip_is_what_make_sample_clip_writes():
    cap, info = video_source.open_video(SAMPLE_CLIP)
    ok, first = cap.read()
    cap.release()
    assert (info.width, info.height, info.fps, info.frames) == (640, 480, 25.0, 250)
    made = next(sample_frames())
    assert np.abs(cv2.cvtColor(first, cv2.COLOR_BGR2RGB).astype(int) - made).mean() < 6
    assert SAMPLE_CLIP.stat().st_size < 1_500_000


def test_sample_clip_table_has_the_columns_rows_and_one_person(sample_table):
    table, csv = sample_table
    assert list(table.columns) == list(video.COLUMNS)
    assert len(table) >= 10 * 10  # >= 10 rows a second over 10 s
    assert set(table.face) == {1}
    assert np.allclose(table[list(EMOTIONS)].sum(axis=1), 1, atol=1e-3)
    assert (table.label == table[list(EMOTIONS)].idxmax(axis=1)).all()
    written = pd.read_csv(csv)
    assert list(written.columns) == list(video.COLUMNS)
    assert len(written) == len(table)


def test_sample_clip_each_segment_reads_as_its_face(sample_table):
    found = _dominant_per_segment(sample_table[0], segment_table(1))
    assert [f[1] for f in found] == [f[2] for f in found], found


def test_summary_and_timeline_of_the_sample_clip(sample_table):
    table = sample_table[0]
    summary = timeline.summarise(table)
    assert list(summary.index) == [1]
    assert summary.loc[1, list(EMOTIONS)].sum() == pytest.approx(1)
    assert summary.loc[1, "happy"] == pytest.approx(0.5, abs=2 / len(table))
    assert summary.loc[1, "seconds"] == pytest.approx(10, abs=0.2)
    assert "happy" in timeline.format_summary(summary)
    fig = timeline.plot_timeline(table)
    assert len(fig.axes) == 2
    assert "person 1" in fig.axes[0].get_ylabel()
    assert "person 1: neutral 5" in fig._suptitle.get_text()


def test_smoothing_never_adds_flicker_and_follows_a_change_within_half_a_second(
        sample_table):
    table = sample_table[0]
    assert (timeline.label_changes_per_second(table) <=
            timeline.label_changes_per_second(table, tau=0))
    changes = [(1, start, label) for _, start, _, label in segment_table(1)[1:]]
    delays = timeline.follow_delays(table, changes)
    assert all(0 <= d <= 0.5 for d in delays), delays


# ------------------------------------------------------------ tracking in a clip


def test_two_people_side_by_side_are_two_tracks_with_their_own_labels(
        tmp_path, predictor):
    clip = make_sample_clip(tmp_path / "two.avi", people=2, segments=SHORT)
    table = video.analyse_video(clip, predictor, progress=False)
    assert set(table.face) == {1, 2}
    left_first = table.groupby("face")["x"].mean().sort_values().index
    ids = dict(zip((1, 2), left_first, strict=True))  # person 1 is the left face
    segments = [(ids[person], *rest) for person, *rest in segment_table(2, SHORT)]
    found = _dominant_per_segment(table, segments)
    assert [f[1] for f in found] == [f[2] for f in found], found


def test_a_short_miss_keeps_the_id_and_a_one_frame_face_is_no_person(
        tmp_path, predictor):
    frames = list(sample_frames(segments=(("happy", 2.0),)))
    empty = _background((640, 480))
    frames[20:32] = [empty] * 12  # the face gone for ~0.5 s
    table = video.analyse_video(_write(tmp_path / "miss.avi", frames), predictor,
                                progress=False)
    assert set(table.face) == {1}
    assert not table.frame.between(20, 31).any()
    blip = [empty] * 10 + frames[5:6] + [empty] * 10  # a face in one frame only
    table = video.analyse_video(_write(tmp_path / "blip.avi", blip), predictor,
                                fps=None, progress=False)
    assert table.empty
    assert "No face found" in table.attrs["note"]


def test_video_frames_yields_every_nth_frame_with_its_time(tmp_path):
    frames = [np.full((48, 64, 3), 10 * i, np.uint8) for i in range(7)]
    clip = _write(tmp_path / "grey.avi", frames, fps=20)
    got = list(video_source.video_frames(clip, every=3))
    assert [(i, t) for i, t, _ in got] == [(0, 0.0), (3, 0.15), (6, 0.3)]
    assert got[1][2].shape == (48, 64, 3)
    assert abs(int(got[2][2].mean()) - 60) <= 3


def test_frame_step_meets_the_rate():
    assert video.frame_step(25) == 2
    assert video.frame_step(30) == 3
    assert video.frame_step(29.97) == 3  # NTSC counts as 30, not 15 rows a second
    assert video.frame_step(24) == 2
    assert video.frame_step(60) == 6
    assert video.frame_step(19.9) == 2  # 9.95 a second: within 1% of 10
    assert video.frame_step(19) == 1
    assert video.frame_step(8) == 1
    assert video.frame_step(25, None) == 1
    with pytest.raises(ValueError, match="fps must be > 0"):
        video.frame_step(25, -1)


@pytest.mark.parametrize(("clip_fps", "rows_per_second", "step"),
                         [(25, 12.5, 2), (30, 10.0, 3)])
def test_rows_per_second_of_a_25_and_a_30_fps_clip(tmp_path, clip_fps,
                                                   rows_per_second, step):
    clip = make_sample_clip(tmp_path / f"{clip_fps}.avi", fps=clip_fps,
                            segments=(("happy", 2.0),))
    table = video.analyse_video(clip, _SameForEveryFace(), progress=False)
    assert len(table) / 2.0 == rows_per_second
    assert set(np.diff(table.frame)) == {step}
    assert (table.attrs["rate"], table.attrs["step"]) == (rows_per_second, step)


def test_a_clean_cut_at_the_middle_is_summarised_50_50():
    table = _cut_table(cut_s=5.0)  # 125 rows: 63 neutral, 62 happy
    one_row = 1 / len(table)
    summary = timeline.summarise(table)
    assert summary.loc[1, "neutral"] == pytest.approx(0.5, abs=one_row)
    assert summary.loc[1, "happy"] == pytest.approx(0.5, abs=one_row)
    # the smoothed labels would give the change to happy ~0.17 s late: 52/48
    late = timeline.smooth_table(table)["label"].eq("neutral").mean()
    assert late > 0.5 + one_row
    fig = timeline.plot_timeline(table)
    assert "person 1: neutral 50%, happy 50%" in fig._suptitle.get_text()
    assert "smoothed over 0.25 s" in fig.axes[0].get_title()
    assert "shares: per-frame labels" in fig.axes[0].get_title()


def test_csv_is_in_frame_order_when_a_second_face_is_confirmed_a_batch_late(
        tmp_path, monkeypatch):
    from emo_utils.faces import FaceCrop

    left, right = (40, 40, 100, 100), (400, 40, 100, 100)
    calls = {"n": 0}

    def a_second_face_from_the_3rd_call(image, *args, **kwargs):
        calls["n"] += 1  # frame 4 on: 2 hits (no person yet) by the 1st batch
        boxes = [left, right] if calls["n"] >= 3 else [left]
        return [FaceCrop(np.full((48, 48), 128, np.uint8), b, len(boxes))
                for b in boxes]

    monkeypatch.setattr(video, "crop_faces", a_second_face_from_the_3rd_call)
    clip = _write(tmp_path / "grey.avi", [_background((640, 480))] * 24)
    csv = tmp_path / "rows.csv"
    table = video.analyse_video(clip, _SameForEveryFace(), csv=csv, progress=False,
                                batch_frames=4)
    assert set(table.face) == {1, 2}
    assert table.loc[table.face == 2, "frame"].min() == 4  # held back, then written
    written = pd.read_csv(csv)
    assert written[["frame", "face"]].equals(table[["frame", "face"]])


def test_timeline_of_flickering_labels_is_steadied_by_smoothing():
    rng = np.random.default_rng(0)
    times = np.arange(0, 4, 0.08)
    probs = np.tile([0.05, 0, 0.05, 0.42, 0.06, 0.02, 0.40], (len(times), 1))
    probs[:, [3, 6]] += rng.normal(0, 0.05, (len(times), 1)) * [1, -1]
    table = pd.DataFrame(probs, columns=list(EMOTIONS))
    table.insert(0, "face", 1)
    table.insert(0, "time_s", times)
    table["label"] = table[list(EMOTIONS)].idxmax(axis=1)
    raw = timeline.label_changes_per_second(table, tau=0)
    assert raw > 2
    assert timeline.label_changes_per_second(table) < raw / 2


# ------------------------------------------------------------ bad input


def test_missing_file_folder_and_not_a_video(tmp_path, capsys):
    assert main(["video", str(tmp_path / "absent.mp4")]) == 1
    assert "absent.mp4 does not exist" in _error_line(capsys)
    assert main(["video", str(tmp_path)]) == 1
    assert "is a folder" in _error_line(capsys)
    (tmp_path / "notes.mp4").write_text("hello, not a video\n" * 20)
    assert main(["video", str(tmp_path / "notes.mp4")]) == 1
    assert "notes.mp4 is not a video OpenCV can read" in _error_line(capsys)
    photo = tmp_path / "photo.mp4"
    cv2.imwrite(str(tmp_path / "photo.png"), _background((64, 48)))
    photo.write_bytes((tmp_path / "photo.png").read_bytes())
    assert main(["video", str(photo)]) == 1
    assert "is a still image, not a video" in _error_line(capsys)


def test_zero_frames_and_absurd_resolution(tmp_path, capsys):
    for name, codec in (("zero.avi", "MJPG"), ("zero.mp4", "mp4v")):
        writer = cv2.VideoWriter(str(tmp_path / name), cv2.VideoWriter_fourcc(*codec),
                                 25, (640, 480))
        writer.release()
    assert main(["video", str(tmp_path / "zero.avi")]) == 1
    assert "zero.avi holds no frames" in _error_line(capsys)
    assert main(["video", str(tmp_path / "zero.mp4")]) == 1
    assert "cannot be read" in _error_line(capsys)
    thin = _write(tmp_path / "thin.avi", [np.zeros((40, 1200, 3), np.uint8)] * 3)
    assert main(["video", str(thin)]) == 1
    assert "1200x40 px, more than 10:1" in _error_line(capsys)
    tiny = _write(tmp_path / "tiny.avi", [np.zeros((16, 16, 3), np.uint8)] * 3)
    assert main(["video", str(tiny)]) == 1
    assert "16x16 px, too small to hold a face" in _error_line(capsys)


def test_clip_cut_short_is_analysed_as_far_as_it_goes(tmp_path, capsys, shipped_model):
    whole = make_sample_clip(tmp_path / "whole.avi", segments=SHORT)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    csv = tmp_path / "cut.csv"
    assert main(["video", str(cut), "--csv", str(csv)]) == 1
    line = _error_line(capsys)
    assert "cut.avi is cut short: it stopped at frame" in line
    assert "of the 60 (2.4 s) its header announces" in line
    written = pd.read_csv(csv)
    assert len(written) > 0
    assert written.time_s.max() < 1.4
    mp4 = make_sample_clip(tmp_path / "whole.mp4", segments=SHORT)
    (tmp_path / "cut.mp4").write_bytes(mp4.read_bytes()[: mp4.stat().st_size // 2])
    assert main(["video", str(tmp_path / "cut.mp4")]) == 1
    assert "looks like an mp4/mov file but cannot be read" in _error_line(capsys)


def test_clip_without_a_face_gives_an_empty_table_and_exit_0(
        tmp_path, capsys, shipped_model):
    clip = _write(tmp_path / "room.avi", [_background((640, 480))] * 25)
    csv, plot = tmp_path / "room.csv", tmp_path / "room.png"
    assert main(["video", str(clip), "--csv", str(csv), "--plot", str(plot)]) == 0
    out = capsys.readouterr()
    assert "No face found in room.avi: 13 frames analysed over 1.0 s" in out.out
    assert out.err == ""
    assert list(pd.read_csv(csv).columns) == list(video.COLUMNS)
    assert not plot.exists()


def test_command_writes_table_and_figure_and_prints_the_summary(
        tmp_path, capsys, shipped_model):
    clip = make_sample_clip(tmp_path / "short.avi", segments=SHORT)
    csv, plot = tmp_path / "t.csv", tmp_path / "t.png"
    assert main(["video", str(clip), "--csv", str(csv), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "12.5 frames analysed a second of video (1 in 2 of its 25 fps)" in out
    assert "happy" in out
    assert "neutral" in out
    assert f"table: {csv}" in out
    assert plot.stat().st_size > 10_000
    assert len(pd.read_csv(csv)) >= 24
    assert main(["video", str(clip), "--plot", str(tmp_path / "t.gif")]) == 1
    assert "give a name ending in .png" in _error_line(capsys)


def test_ctrl_c_keeps_the_rows_done_and_says_so(tmp_path, capsys, monkeypatch,
                                                  shipped_model):
    clip = make_sample_clip(tmp_path / "short.avi", segments=SHORT)
    calls = {"n": 0}
    real = video.crop_faces

    def crop_then_interrupt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 20:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(video, "crop_faces", crop_then_interrupt)
    csv = tmp_path / "part.csv"
    assert main(["video", str(clip), "--csv", str(csv)]) == 130
    line = _error_line(capsys)
    assert "interrupted at 1.6 s" in line
    assert f"{csv} keeps them" in line
    assert len(pd.read_csv(csv)) >= 16


def test_clip_upload_saves_the_chosen_clip_to_a_temporary_file():
    import datetime

    from emo_utils.over_time.clip_upload import ClipUpload

    upload = ClipUpload()
    assert upload.path is None
    upload.button.value = ({"name": "../my clip.mp4", "content": memoryview(b"abc"),
                            "type": "video/mp4", "size": 3,
                            "last_modified": datetime.datetime.now()},)
    path = upload.path
    assert path.name == "my clip.mp4"
    assert path.read_bytes() == b"abc"
    assert path.parent.name.startswith("emo_clip_")
