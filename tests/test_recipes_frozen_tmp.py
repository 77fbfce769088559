"""TEMPORARY: every recipe resolved from JSON equals the Python object it replaced."""
import json
from pathlib import Path

import pytest

from emo_utils import model, recipes

FROZEN = json.loads((Path(__file__).with_name("frozen_configs_tmp.json")).read_text())


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_json_recipe_equals_the_python_config(name):
    new = recipes.get_config(name)
    old = model.CONFIGS[name]
    assert new.to_json() == old.to_json()
    assert dataclass_fields(new) == dataclass_fields(old)
    assert json.loads(new.to_json()) == FROZEN[name]


def dataclass_fields(c):
    import dataclasses
    return {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}


def test_same_names():
    assert sorted(recipes.CONFIGS) == sorted(model.CONFIGS) == sorted(FROZEN)
