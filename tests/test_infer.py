"""The prediction path without TensorFlow: ONNX Runtime behind the network seam.

The engines are checked against each other, every path (photo, clip, webcam frame)
runs with TensorFlow made unimportable, and every fault of the ONNX side says what
to do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from emo_utils.infer import CheckpointError, EmotionPredictor, load_predictor
from emo_utils.infer.checkpoint import Checkpoint, MissingEngine
from emo_utils.infer.onnx_network import FINGERPRINT_KEY, MODEL_FILE, OnnxNetwork
from emo_utils.paths import SHIPPED_CHECKPOINT
from tests.helpers import REPO, fer_faces, run_cli

ASSETS = REPO / "emo_utils" / "assets"
BLOCK_TF = ("import sys\nsys.modules['tensorflow'] = None\n"
            "sys.modules['tflearn'] = None\n")


def _python(code: str, block_tf: bool = False) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter from the repository; with ``block_tf``
    importing TensorFlow or TFLearn fails there."""
    code = (BLOCK_TF if block_tf else "") + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def _copy_run(tmp_path: Path) -> Path:
    """A copy of the shipped run folder's network files (no cached graph)."""
    run = tmp_path / "run"
    run.mkdir()
    for name in ("config.json", "weights.npz", "calibration.json"):
        shutil.copy(SHIPPED_CHECKPOINT / name, run / name)
    return run


@pytest.fixture(scope="module")
def faces():
    images, _ = fer_faces(64)
    return images


@pytest.mark.slow
def test_engines_give_the_same_logits(faces):
    onnx = load_predictor(engine="onnx")
    tf = load_predictor(engine="tf")
    assert (onnx.engine, tf.engine) == ("onnx", "tf")
    a = onnx.predict_logits(faces, tta="flip")
    b = tf.predict_logits(faces, tta="flip")
    assert a.shape == b.shape == (2, len(faces), 7)
    assert np.abs(a - b).max() < 1e-4
    assert (a.argmax(-1) == b.argmax(-1)).all()
    tf.close()


def test_prediction_path_imports_no_tensorflow(tmp_path):
    """A photo, a folder, a clip and a webcam frame with TensorFlow unimportable."""
    photo = tmp_path / "photos" / "happy.png"
    photo.parent.mkdir()
    shutil.copy(ASSETS / "sample_face_happy.png", photo)
    done = _python(block_tf=True, code=f"""
        from emo_utils import EmotionPredictor, analyse_video, predict_folder
        from emo_utils.webcam.app import EmotionApp
        from emo_utils.webcam.frames import sample_frame
        from emo_utils.webcam.session import LiveSession
        import cv2

        predictor = EmotionPredictor.from_checkpoint()
        assert predictor.engine == "onnx"
        assert predictor.predict({str(photo)!r}).label == "happy"
        table = predict_folder({str(photo.parent)!r}, predictor=predictor)
        assert list(table.label) == ["happy"], table
        clip = analyse_video({str(ASSETS / "sample_clip.mp4")!r}, predictor, fps=2,
                             progress=False)
        assert len(clip) > 10 and set(clip.label) >= {{"happy"}}, clip
        ok, jpeg = cv2.imencode(".jpg", sample_frame()[..., ::-1])
        frame = LiveSession(predictor).analyse(jpeg.tobytes(), live=True)
        assert frame.faces[0].found
        app = EmotionApp(predictor)
        assert app.handle_frame(jpeg.tobytes()) is not None
        print("ok", sorted(m for m in ("tensorflow", "tflearn", "onnx")
                           if sys.modules.get(m) is not None))
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    # neither TensorFlow nor the graph-building library on the path that predicts
    assert done.stdout.strip().splitlines()[-1] == "ok []"


def test_the_check_fails_when_tensorflow_creeps_back():
    """The blocker is real: a module that needs TensorFlow (training's) fails there."""
    done = _python("import emo_utils.model.network", block_tf=True)
    assert done.returncode != 0
    assert "import of tensorflow halted" in done.stderr


def test_engine_tf_without_tensorflow_says_what_to_do():
    done = _python(block_tf=True, code="""
        from emo_utils.infer import load_predictor
        from emo_utils.infer.checkpoint import MissingEngine
        try:
            load_predictor(engine="tf")
        except MissingEngine as err:
            print(err)
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "engine='tf' needs TensorFlow and TFLearn" in done.stdout
    assert "pip install -e '.[train]'" in done.stdout


def test_without_onnxruntime_the_message_says_how_to_install_it():
    done = _python("""
        import sys
        sys.modules['onnxruntime'] = None
        from emo_utils.infer import load_predictor
        load_predictor()
    """)
    assert done.returncode != 0
    assert "onnxruntime is not installed" in done.stderr
    assert "pip install onnxruntime" in done.stderr


def test_the_cli_says_it_in_one_line_without_onnxruntime(tmp_path):
    photo = tmp_path / "happy.png"
    shutil.copy(ASSETS / "sample_face_happy.png", photo)
    done = _python(f"""
        import sys
        sys.modules['onnxruntime'] = None
        from emo_utils.cli import main
        sys.exit(main(["predict", {str(photo)!r}]))
    """)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert len(lines) >= 1
    assert "onnxruntime is not installed" in lines[0]
    assert "Traceback" not in done.stderr


def test_the_graph_is_cached_and_stamped(tmp_path, faces):
    run = _copy_run(tmp_path)
    first = load_predictor(run)
    cached = run / MODEL_FILE
    assert cached.exists()
    stamp = OnnxNetwork(cached).metadata[FINGERPRINT_KEY]
    assert stamp == Checkpoint.load(run).fingerprint()
    before = cached.stat().st_mtime_ns
    again = load_predictor(run)  # reads the cache, builds nothing
    assert cached.stat().st_mtime_ns == before
    np.testing.assert_array_equal(first.predict_faces(faces),
                                  again.predict_faces(faces))


def test_a_stale_graph_is_rebuilt_not_trusted(tmp_path, faces):
    run = _copy_run(tmp_path)
    old = load_predictor(run).predict_logits(faces)
    weights = dict(np.load(run / "weights.npz"))
    weights["logits/b:0"] = weights["logits/b:0"] + np.arange(7, dtype=np.float32)
    np.savez(run / "weights.npz", **weights)  # new weights, old model.onnx
    new = load_predictor(run).predict_logits(faces)
    np.testing.assert_allclose(new - old, np.broadcast_to(np.arange(7), new.shape),
                               atol=1e-3)
    stamp = OnnxNetwork(run / MODEL_FILE).metadata[FINGERPRINT_KEY]
    assert stamp == Checkpoint.load(run).fingerprint()


def test_a_damaged_cached_graph_is_rebuilt(tmp_path, faces):
    run = _copy_run(tmp_path)
    (run / MODEL_FILE).write_bytes(b"not a model")
    predictor = load_predictor(run)
    assert predictor.predict_faces(faces[:2]).shape == (2, 7)
    assert (run / MODEL_FILE).stat().st_size > 1_000_000


def test_a_damaged_exported_file_says_what_to_do(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"\x08\x07garbage")
    with pytest.raises(CheckpointError, match=r"model.onnx is not a readable ONNX "
                       r"model .*python -m emo_utils export"):
        load_predictor(path)
    with pytest.raises(CheckpointError, match=r"no ONNX model at .*emo_utils export"):
        load_predictor(tmp_path / "missing.onnx")


def test_an_unknown_layer_type_names_it(tmp_path):
    run = _copy_run(tmp_path)
    config = json.loads((run / "config.json").read_text())
    config["layers"][0]["type"] = "attention"
    (run / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"unknown layer type 'attention'"):
        load_predictor(run)


def test_a_read_only_checkpoint_still_predicts(tmp_path, faces):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders: run as a user to check this")
    run = _copy_run(tmp_path)
    run.chmod(0o555)
    try:
        assert load_predictor(run).predict_faces(faces[:1]).shape == (1, 7)
        assert not (run / MODEL_FILE).exists()
    finally:
        run.chmod(0o755)


def test_the_shipped_graph_is_fresh():
    """checkpoints/alexnet48/model.onnx is committed: it must match weights.npz, or
    every fresh clone would rebuild it on its first prediction."""
    cached = SHIPPED_CHECKPOINT / MODEL_FILE
    assert cached.exists(), "run `python -c 'import emo_utils; " \
        "emo_utils.load_predictor()'` and commit checkpoints/alexnet48/model.onnx"
    stamp = OnnxNetwork(cached).metadata[FINGERPRINT_KEY]
    assert stamp == Checkpoint.load(SHIPPED_CHECKPOINT).fingerprint()


def test_export_writes_a_standalone_model(tmp_path, faces):
    import onnxruntime as ort

    out = tmp_path / "emotion.onnx"
    code, stdout, stderr = run_cli("export", "--out", out)
    assert code == 0, stderr
    assert "wrote" in stdout
    assert out.exists()
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["emotions"] == "angry,disgust,fear,happy,sad,surprise,neutral"
    assert "equalizeHist" in meta["equalisation"]
    assert "(N, 48, 48, 1)" in meta["input"]
    predictor = load_predictor()
    assert float(meta["temperature"]) == pytest.approx(predictor.temperature, 1e-5)
    from emo_utils.preprocess import to_model_input

    logits, probs = session.run(["logits", "probs"], {"faces": to_model_input(faces)})
    expected = predictor.predict_faces(faces, tta=None)
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    # the exported file is a predictor too, with its temperature
    from_file = load_predictor(out)
    np.testing.assert_allclose(from_file.predict_faces(faces), predictor.predict_faces(
        faces), atol=1e-5)
    assert from_file.calibrated


def test_gpu_provider_is_used_when_present():
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        pytest.skip("no CUDA provider here (onnxruntime-gpu and a GPU needed)")
    assert load_predictor().network.provider == "CUDAExecutionProvider"


def test_from_weights_runs_either_engine(faces):
    shipped = Checkpoint.load(SHIPPED_CHECKPOINT, calibrated=False)
    a = EmotionPredictor.from_weights(shipped.config, shipped.weights, engine="onnx")
    assert a.engine == "onnx"
    b = load_predictor(calibrated=False)
    np.testing.assert_allclose(a.predict_logits(faces), b.predict_logits(faces),
                               atol=1e-5)


def test_missing_engine_is_an_import_error():
    assert issubclass(MissingEngine, ImportError)


def test_the_readme_snippet_runs_with_onnxruntime_alone(tmp_path):
    """README, "Use the model elsewhere": export, then its Python block as written,
    in a process that imports no emo_utils."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Use the model elsewhere", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "emo_utils" not in snippet
    code, _, stderr = run_cli("export", "--out", tmp_path / "alexnet48.onnx")
    assert code == 0, stderr
    shutil.copy(ASSETS / "sample_face_happy.png", tmp_path / "face.png")
    done = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    label, confidence = done.stdout.split()
    assert label == "happy"
    assert 0.5 < float(confidence) <= 1.0


def test_without_onnx_a_missing_graph_says_how_to_build_it(tmp_path):
    run = _copy_run(tmp_path)  # no model.onnx: it must be built, which needs onnx
    done = _python(f"""
        import sys
        sys.modules['onnx'] = None
        from emo_utils.infer import load_predictor
        from emo_utils.infer.checkpoint import MissingEngine
        try:
            load_predictor({str(run)!r})
        except MissingEngine as err:
            print(err)
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "building the ONNX graph needs the `onnx` package" in done.stdout
    assert "pip install onnx" in done.stdout


@pytest.mark.slow
def test_the_shipped_model_agrees_on_all_of_public_test():
    """Both engines on every PublicTest face, as the predictor reads them (flip, T):
    at least 99.9% the same labels, accuracy and ECE unchanged."""
    from emo_utils.data import load_fer2013
    from emo_utils.evaluation.metrics import summarize_predictions
    from tests.requires import require_shared_data

    data = require_shared_data("fer2013.csv.gz")
    images, labels = load_fer2013(data, progress=False).split("PublicTest")
    assert len(labels) == 3589
    scores, preds = {}, {}
    for engine in ("onnx", "tf"):
        predictor = load_predictor(engine=engine)
        probs = predictor.predict_faces(images)
        preds[engine] = probs.argmax(1)
        scores[engine] = summarize_predictions(labels, probs)
        predictor.close()
    assert np.mean(preds["onnx"] == preds["tf"]) >= 0.999
    assert scores["onnx"].accuracy == pytest.approx(scores["tf"].accuracy, abs=5e-4)
    assert scores["onnx"].ece == pytest.approx(scores["tf"].ece, abs=5e-4)
    assert scores["onnx"].accuracy == pytest.approx(0.7038, abs=5e-4)  # metrics.json
