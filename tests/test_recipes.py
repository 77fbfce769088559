"""Recipes as data: emo_utils/configs/*.json resolve to the configs they stand for, and
every mistake in a recipe file names the field and the file."""

import json
from pathlib import Path

import pytest

from emo_utils.model.recipes import (
    CONFIG_DIR,
    CONFIGS,
    ModelConfig,
    get_config,
    load_recipes,
    read_recipe,
)

REPO = Path(__file__).resolve().parents[1]


def _conv(filters, kernel=3, stride=1, bn=True):
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride,
            "bn": bn, "activation": "relu"}


POOL = {"type": "pool", "kernel": 2, "stride": 2}
FC = {"type": "fc", "units": 1024, "activation": "relu", "dropout": 0.5, "bn": True}
ALEXNET48 = {  # the values of emo_utils.model.ALEXNET48 before it became a file
    "name": "alexnet48",
    "layers": [_conv(32), _conv(32), POOL, _conv(64), _conv(64), POOL,
               _conv(128), _conv(128), POOL, _conv(256), _conv(256), POOL, FC, FC],
    "normalize": True,
    "mean": 128.0,
    "std": 74.0,
    "weight_decay": 5e-4,
    "optimizer": "nesterov",
    "lr": 0.05,
    "momentum": 0.9,
    "lr_schedule": "cosine",
    "warmup_epochs": 1.0,
    "restarts": [60],
    "restart_lr_scale": 0.4,
    "average_last": 60,
    "batch_size": 128,
    "num_epochs": 120,
    "label_smoothing": 0.0,
    "mixup": 0.0,
    "init_from": "",
    "refit": False,
    "crop": 0,
    "augment": {"flip": True, "rotate": 10.0, "crop_pad": 4, "erase": 0.5},
}


def test_alexnet48_resolves_field_by_field():
    resolved = json.loads(get_config("alexnet48").to_json())
    assert list(resolved) == list(ALEXNET48)  # every field, in the dataclass's order
    for field, value in ALEXNET48.items():
        assert resolved[field] == value, field
        assert type(resolved[field]) is type(value), field


def test_a_variant_resolves_to_its_base_plus_what_it_changes():
    expected = {  # emo_utils.model.ALEXNET48R's values, via the third-cycle base
        **ALEXNET48,
        "name": "alexnet48r",
        "init_from": "checkpoints/alexnet48",
        "lr": 0.01,
        "restarts": [],
        "restart_lr_scale": 1.0,
        "num_epochs": 30,
        "average_last": 15,
        "label_smoothing": 0.1,
        "augment": {
            "flip": True,
            "affine": {"rotate": 15.0, "scale": [0.85, 1.15], "shift": 0.08},
            "degrade": 0.2,
            "erase": 0.5,
        },
    }
    resolved = json.loads(get_config("alexnet48r").to_json())
    assert list(resolved) == list(expected)
    for field, value in expected.items():
        assert resolved[field] == value, field
        assert type(resolved[field]) is type(value), field


def test_the_bundled_recipes_are_the_known_names():
    assert sorted(CONFIGS) == [
        "alexnet40", "alexnet48", "alexnet48f", "alexnet48m", "alexnet48r",
        "alexnet48w", "alexnet48wf", "seed",
    ]
    assert sorted(p.stem for p in CONFIG_DIR.glob("*.json")) == sorted(CONFIGS)
    assert get_config("alexnet48") is CONFIGS["alexnet48"]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_variant_holds_only_what_differs_from_its_base(name):
    raw = json.loads((CONFIG_DIR / f"{name}.json").read_text())
    if "extends" not in raw:
        return
    base = json.loads(get_config(raw["extends"]).to_json())
    same = [k for k, v in raw.items() if k in base and v == base[k]]
    assert same == [], f"{name}.json repeats its base's {same}"


def test_a_run_config_json_stays_flat_and_readable():
    for path in sorted((REPO / "checkpoints").glob("*/config.json")):
        stored = json.loads(path.read_text())
        assert "extends" not in stored
        config = get_config(str(path))
        resolved = json.loads(config.to_json())  # older runs lack newer fields
        assert {k: resolved[k] for k in stored} == stored, path
        assert ModelConfig.load(path) == config


def _write(folder: Path, stem: str, **fields) -> Path:
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(fields))
    return path


def test_a_config_json_may_extend_a_bundled_recipe_or_a_file_beside_it(tmp_path):
    _write(tmp_path, "mine", extends="alexnet48", name="mine", lr=0.02)
    child = _write(tmp_path, "child", extends="mine.json", name="child", crop=40)
    config = get_config(child)
    assert (config.name, config.lr, config.crop) == ("child", 0.02, 40)
    assert config.layers == CONFIGS["alexnet48"].layers
    assert "extends" not in config.to_json()
    assert "about" not in config.to_json()


def test_an_unknown_field_names_itself_the_file_and_the_closest_field(tmp_path):
    path = _write(tmp_path, "typo", extends="alexnet48", name="typo", lr_shedule="x")
    with pytest.raises(ValueError, match="unknown keys") as err:
        get_config(str(path))
    message = str(err.value)
    assert str(path) in message
    assert "'lr_shedule'" in message
    assert "did you mean 'lr_schedule'?" in message


def test_a_wrong_type_names_the_field_the_type_expected_and_the_value(tmp_path):
    path = _write(tmp_path, "bad", extends="alexnet48", name="bad", num_epochs="ten")
    with pytest.raises(ValueError, match=r"field 'num_epochs' is 'ten' \(str\); "
                       "expected int") as err:
        get_config(str(path))
    assert str(path) in str(err.value)
    with pytest.raises(ValueError, match=r"'restarts' is \[60.5\] \(list\); "
                       "expected a list of ints"):
        read_recipe(_write(tmp_path, "bad2", restarts=[60.5]))
    with pytest.raises(ValueError, match=r"'refit' is 1 \(int\); expected bool"):
        read_recipe(_write(tmp_path, "bad3", refit=1))


def test_a_missing_base_is_named(tmp_path):
    path = _write(tmp_path, "orphan", extends="alexnet99", name="orphan")
    with pytest.raises(ValueError, match="extends 'alexnet99', but .*alexnet99.json "
                       "does not exist; extend one of .*'alexnet48'"):
        get_config(str(path))


def test_an_extends_cycle_is_named(tmp_path):
    _write(tmp_path, "a", extends="b.json", name="a")
    _write(tmp_path, "b", extends="a.json", name="b")
    with pytest.raises(ValueError, match=r"cycle: a.json -> b.json -> a.json"):
        get_config(str(tmp_path / "a.json"))


def test_a_mistake_in_a_base_names_the_base_file(tmp_path):
    base = _write(tmp_path, "base", extends="alexnet48", name="base", batchsize=64)
    child = _write(tmp_path, "child", extends="base.json", name="child")
    with pytest.raises(ValueError, match="did you mean 'batch_size'") as err:
        get_config(str(child))
    assert str(base) in str(err.value)


def test_a_recipe_named_unlike_its_file_is_refused(tmp_path):
    _write(tmp_path, "alexnet48z", extends="alexnet48", lr=0.02)  # forgot its name
    with pytest.raises(ValueError, match="'name' is 'alexnet48'; a recipe's name is "
                       "its file name, 'alexnet48z'"):
        load_recipes(tmp_path)


def test_broken_json_and_a_non_object_name_the_file(tmp_path):
    (tmp_path / "broken.json").write_text('{"name": "x",')
    with pytest.raises(ValueError, match="broken.json is not valid JSON"):
        get_config(str(tmp_path / "broken.json"))
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="list.json: a config is a JSON object"):
        get_config(str(tmp_path / "list.json"))
