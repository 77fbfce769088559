"""ONNX Runtime session options every session here shares (the emotion network and
BlazeFace): ``onnxruntime`` is passed in, so importing this loads nothing."""

from __future__ import annotations


def session_options(ort, threads: int | None = None):
    """Options for a session on 2 shared cores: ``threads`` intra-op threads
    (default: ONNX Runtime's), pool threads that never spin, errors-only logging.

    Why no spinning: idle pool threads spin by default and steal the CPU the face
    finder and other processes need (one face and its mirror image: p50 12.4 ms
    spinning, 5.4 ms not, load 6; benchmarks/bench_webcam.py)."""
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only
    return options
