"""The benchmarks' shared helpers (benchmarks/_common.py): targets are checked the
right way round, and each measured process reports its own peak memory."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _common import meets, run_measured, side_by_side  # noqa: E402


def test_targets_are_upper_or_lower_bounds():
    assert meets(1.4, ("<=", 1.5))
    assert not meets(1.6, ("<=", 1.5))
    assert meets(3.0, (">=", 3.0))
    assert not meets(2.9, (">=", 3.0))


def test_side_by_side_puts_each_engine_beside_the_target():
    table = side_by_side({"tf": {"wall_s": 6.6}, "onnx": {"wall_s": 1.1}},
                         {"wall_s": ("<=", 1.5)})
    assert table == {"wall_s": {"target": "<= 1.5", "tf": 6.6, "onnx": 1.1,
                                "meets_target": {"tf": False, "onnx": True}}}


def test_each_process_reports_its_own_peak_memory_not_the_largest_so_far():
    big = run_measured([sys.executable, "-c", "b = bytearray(300 * 2**20); b[::4096] = "
                        "b'x' * len(b[::4096])"])
    small = run_measured([sys.executable, "-c", "pass"])
    assert big["peak_rss_mib"] > 300
    assert small["peak_rss_mib"] < 100
    assert small["wall_s"] > 0


def test_a_large_benchmark_process_does_not_count_in_its_commands_memory():
    held = bytearray(400 * 2**20)  # this process: a benchmark holding a model
    held[::4096] = b"x" * len(held[::4096])  # resident, not just reserved
    assert run_measured([sys.executable, "-c", "pass"])["peak_rss_mib"] < 100


def test_a_failing_command_says_why():
    with pytest.raises(RuntimeError, match="boom"):
        run_measured([sys.executable, "-c", "raise SystemExit('boom')"])
