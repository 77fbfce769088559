"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _by_name(requirements: list[str]) -> dict[str, str]:
    """{canonical name: specifier} of PEP 508 strings; duplicates are an error."""
    out: dict[str, str] = {}
    for text in requirements:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name not in out, f"{req.name} is listed twice"
        out[name] = str(req.specifier)
    return out


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _conda_pip_list(environment: dict) -> list[str]:
    pip = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    assert len(pip) == 1, "environment.yml needs exactly one `pip:` list"
    return [r for r in pip[0] if not r.startswith("-e")]


def test_pip_dependencies_match_pyproject(pyproject, environment):
    project = pyproject["project"]
    extras = project["optional-dependencies"]
    wanted = _by_name(project["dependencies"] + extras["train"])
    conda = _by_name(_conda_pip_list(environment))
    assert sorted(conda) == sorted(wanted), (
        f"only in environment.yml: {sorted(set(conda) - set(wanted))}; "
        f"only in pyproject.toml: {sorted(set(wanted) - set(conda))}"
    )
    drift = {n: (conda[n], wanted[n]) for n in wanted if conda[n] != wanted[n]}
    assert not drift, f"ranges differ (environment.yml, pyproject.toml): {drift}"


def test_python_range_and_local_install_match(pyproject, environment):
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    python = [d for d in conda if d.startswith("python")]
    assert python == [f"python{pyproject['project']['requires-python']}"]
    assert "pip" in conda
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip  # the package itself, so `import emo_utils` works


def test_drift_is_detected():
    with pytest.raises(AssertionError, match="twice"):
        _by_name(["numpy>=1", "NumPy<3"])
    a, b = _by_name(["numpy>=1.24,<3"]), _by_name(["numpy<3,>=1.24"])
    assert a == b  # order of clauses does not matter
    assert _by_name(["numpy>=1.24,<3"]) != _by_name(["numpy>=1.24,<2"])
