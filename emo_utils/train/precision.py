"""Training precision: float32, or bfloat16 through TensorFlow's oneDNN graph rewrite.

Why: with AMX (``amx_bf16``) the rewrite trains alexnet48 ~1.5x faster. With
AVX-512 BF16 alone it runs, and the speed depends on the CPU: an Intel Xeon trained
0.61x as fast as in fp32 (prediction 0.52x), an AMD EPYC 1.3-1.7x as fast
(/work/shared/FACTS.md, benchmarks/results/precision.json). So ``auto`` asks for it
only where the CPU has AMX, and the log line says when ``--precision bf16`` may pay.
A flag rather than a timing probe: a probe would add seconds to every run and, on
shared machines whose speed varies 3x between sessions, could choose differently
from one run to the next (a resumed run would switch precision). Variables, the
optimizer and the loss stay float32 either way (no loss scaling).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CHOICES = ("auto", "bf16", "fp32")
FAST_BF16 = "amx_bf16"  # /proc/cpuinfo name of the flag auto asks for (AMX)
BF16_FLAGS = ("avx512_bf16", FAST_BF16)  # what the rewrite can run on
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(path: Path = CPUINFO) -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none: macOS,
    Windows, a sandbox)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags") and ":" in line:
            return set(line.split(":", 1)[1].split())
    return set()


@dataclass(frozen=True)
class Precision:
    """What was asked for, what training uses, and why (one line for the log)."""

    asked: str  # auto | bf16 | fp32
    used: str  # bf16 | fp32
    why: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        return f"precision: {self.used} ({self.why})"


def choose(asked: str = "auto") -> Precision:
    """Resolve ``asked``: ``auto`` is bf16 where the CPU has AMX (``amx_bf16``),
    else fp32 (the flags come from ``cpu_flags``); ``why`` says which and why."""
    if asked not in CHOICES:
        raise ValueError(
            f"precision {asked!r} is not one of {', '.join(CHOICES)}: use auto (bf16 "
            "where the CPU has AMX), bf16 or fp32"
        )
    found = sorted(set(BF16_FLAGS) & cpu_flags())
    if asked == "fp32":
        return Precision(asked, "fp32", "asked for")
    if asked == "bf16":
        return Precision(asked, "bf16", f"asked for; {_bf16_speed(found)}")
    used = "bf16" if FAST_BF16 in found else "fp32"
    return Precision(asked, used, f"auto: {_bf16_speed(found)}")


def _bf16_speed(found: list[str]) -> str:
    """What the CPU's bfloat16 flags ``found`` mean for the rewrite's speed."""
    if FAST_BF16 in found:
        return f"the CPU has {', '.join(found)}: bfloat16 on AMX, ~1.5x faster"
    if found:
        return (f"the CPU has {', '.join(found)} but no {FAST_BF16}: without AMX "
                "bfloat16 trained 0.61x as fast as fp32 on an Intel Xeon, 1.3-1.7x "
                "on an AMD EPYC; try --precision bf16 on yours")
    return ("the CPU has neither avx512_bf16 nor amx_bf16: TensorFlow skips the "
            "bfloat16 rewrite")


def session_config(used: str):
    """A ConfigProto with oneDNN's bfloat16 rewrite ON (``bf16``) or OFF (``fp32``)."""
    import tensorflow as tf
    from tensorflow.core.protobuf import rewriter_config_pb2

    if used not in ("bf16", "fp32"):
        raise ValueError(f"precision {used!r}: give bf16 or fp32 (resolve auto first)")
    toggle = rewriter_config_pb2.RewriterConfig
    config = tf.compat.v1.ConfigProto()
    config.graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16 = (
        toggle.ON if used == "bf16" else toggle.OFF
    )
    return config


def use_in_graph(used: str, graph=None) -> None:
    """Make TFLearn's sessions of ``graph`` (default: the current one) run at
    ``used``: its Trainer takes the ConfigProto in the GRAPH_CONFIG collection."""
    from .. import _compat  # noqa: F401  (patches before tflearn loads)

    # isort: split
    import tensorflow as tf
    import tflearn  # noqa: F401  (it defines GraphKeys.GRAPH_CONFIG)

    tf1 = tf.compat.v1
    graph = graph or tf1.get_default_graph()
    collection = graph.get_collection_ref(tf1.GraphKeys.GRAPH_CONFIG)
    collection[:] = [session_config(used)]
