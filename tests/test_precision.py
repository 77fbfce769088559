"""Precision as a setting: the auto rule and the session config (the command line:
test_cli.py, the run's metrics: test_train.py)."""

import pytest

from emo_utils.train import precision


@pytest.mark.parametrize(
    ("flags", "used", "why"),
    [
        ({"avx2", "amx_bf16", "amx_tile", "avx512_bf16"}, "bf16", "~1.5x faster"),
        ({"avx2", "amx_bf16", "amx_tile"}, "bf16", "bfloat16 on AMX"),
        # the rewrite runs: 0.61x as fast on an Intel Xeon, 1.3-1.7x on an AMD EPYC
        ({"avx2", "avx512f", "avx512_bf16"}, "fp32", "try --precision bf16"),
        ({"avx2", "fma", "avx512f"}, "fp32", "neither avx512_bf16 nor amx_bf16"),
        (set(), "fp32", "neither"),  # no /proc/cpuinfo (macOS, Windows)
    ],
)
def test_auto_is_bf16_only_where_the_cpu_has_amx(monkeypatch, flags, used, why):
    monkeypatch.setattr(precision, "cpu_flags", lambda: flags)
    chosen = precision.choose("auto")
    assert chosen.used == used
    assert chosen.describe().startswith(f"precision: {used} (auto: the CPU has ")
    assert why in chosen.why


def test_an_explicit_choice_is_kept_and_says_what_it_costs(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2"})
    assert precision.choose("fp32").used == "fp32"
    forced = precision.choose("bf16")
    assert forced.used == "bf16"
    assert "neither avx512_bf16 nor amx_bf16" in forced.why
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx512_bf16"})
    slow = precision.choose("bf16")
    assert slow.used == "bf16"
    assert slow.why.startswith("asked for; the CPU has avx512_bf16 but no amx_bf16: "
                               "without AMX bfloat16 trained 0.61x as fast")
    with pytest.raises(ValueError, match="'half' is not one of auto, bf16, fp32"):
        precision.choose("half")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16\n\nflags : x\n")
    assert precision.cpu_flags(cpuinfo) == {"fpu", "avx2", "amx_bf16"}
    assert precision.cpu_flags(tmp_path / "absent") == set()


def test_the_session_config_turns_the_rewrite_on_for_bf16_only():
    from tensorflow.core.protobuf.rewriter_config_pb2 import RewriterConfig

    def rewrite(used):
        options = precision.session_config(used).graph_options.rewrite_options
        return options.auto_mixed_precision_onednn_bfloat16

    assert rewrite("bf16") == RewriterConfig.ON
    assert rewrite("fp32") == RewriterConfig.OFF
    with pytest.raises(ValueError, match="resolve auto first"):
        precision.session_config("auto")


def test_tflearn_takes_the_config_from_the_graph():
    import tensorflow as tf

    tf1 = tf.compat.v1
    graph = tf.Graph()
    precision.use_in_graph("bf16", graph)
    precision.use_in_graph("fp32", graph)  # replaces, never piles up
    (config,) = graph.get_collection(tf1.GraphKeys.GRAPH_CONFIG)
    assert config == precision.session_config("fp32")
