"""ModelConfig, the schema of a training recipe, and the recipes stored as JSON.

Each recipe is a file in ``emo_utils/configs/``: a whole config (``seed.json``,
``alexnet48.json``) or a variant that ``extends`` another and holds only what differs,
Detectron2/mmcv style. The dataclass is the schema, so a typo or a wrong type fails
naming the field and the file. Loads no TensorFlow: listing and checking recipes is
instant.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from ..labels import FACE_SIZE
from ..paths import PACKAGE_DIR

CONFIG_DIR = PACKAGE_DIR / "configs"
# Keys of a recipe file that are not config fields: the base it extends (a config
# name, or a .json path relative to the file) and free text on what it is for.
FILE_KEYS = ("extends", "about")


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a network and its recipe; saved as config.json.

    ``layers`` is a list of dicts: {"type": "conv", "filters", "kernel", "stride",
    "bn", "activation"}, {"type": "pool", "kernel", "stride"}, {"type": "lrn"},
    {"type": "fc", "units", "activation", "dropout", "bn"}.
    """

    name: str
    layers: tuple[dict[str, Any], ...]
    normalize: bool = True  # subtract dataset mean / divide by std inside the graph
    mean: float = 128.0
    std: float = 74.0
    weight_decay: float = 0.0
    optimizer: str = "momentum"  # "momentum" or "nesterov"
    lr: float = 0.01
    momentum: float = 0.9
    lr_schedule: str = "constant"  # "constant" or "cosine"
    warmup_epochs: float = 0.0  # linear warm-up at the start of each cosine cycle
    # Warm restarts (SGDR): the cosine cycle starts again after each of these epochs,
    # its peak lr scaled by ``restart_lr_scale`` per restart.
    restarts: tuple[int, ...] = ()
    restart_lr_scale: float = 1.0
    # Ship the mean of the last N epochs' weights (SWA, train.averaging) instead
    # of the best single epoch; 0 keeps the best held-back epoch.
    average_last: int = 0
    batch_size: int = 128
    num_epochs: int = 30
    label_smoothing: float = 0.0
    # Mixup (Zhang et al. 2018): each training batch is blended with a shuffled copy
    # of itself, faces and targets alike, by a weight drawn from Beta(mixup, mixup)
    # per batch; 0 turns it off. Held-back evaluation and inference never mix. The
    # training-batch accuracy printed each epoch then reads low: it scores blended faces
    # against their unblended labels.
    mixup: float = 0.0
    # A checkpoint directory (repo-relative, e.g. "checkpoints/alexnet48") whose
    # weights.npz starts the run instead of a random initialisation (fine-tuning).
    init_from: str = ""
    # Train on all of Training, the held-back slice included (a last short run once
    # the recipe is fixed). Its held-back accuracy is then on faces it trained on, and
    # its temperature is ``init_from``'s, fitted before the slice was folded in.
    refit: bool = False
    # Train on a random ``crop`` x ``crop`` window of each 48x48 face (a shift of up
    # to (48 - crop) / 2 px each way that never shows a padded border) and predict on
    # the centre window; 0 uses the whole face. Cut inside the graph, so every caller
    # still feeds 48x48 faces.
    crop: int = 0
    augment: dict[str, Any] = field(
        default_factory=dict
    )  # flip, rotate, crop_pad, affine, degrade, erase

    def to_json(self) -> str:
        """The resolved config as flat JSON (a run's config.json): no ``extends``."""
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str | Path = "") -> ModelConfig:
        """Build a config from parsed JSON; ValueError naming the field at fault (and
        ``source``, the file it came from, when given)."""
        prefix = f"{source}: " if source else ""
        check_fields(raw, source)
        for name in ("name", "layers"):
            if name not in raw:
                raise ValueError(f"{prefix}config lacks the required field {name!r}")
        _check_values(raw, prefix)
        raw = dict(raw)
        raw["layers"] = tuple(
            _checked_layer(i, layer, prefix) for i, layer in enumerate(raw["layers"])
        )
        raw["restarts"] = tuple(raw.get("restarts", ()))
        return cls(**raw)

    @classmethod
    def load(cls, path: str | Path) -> ModelConfig:
        """A config.json: a run's flat one, or a recipe that ``extends`` another."""
        return cls.from_dict(read_recipe(path), source=path)


@cache
def _field_types() -> dict[str, Any]:
    """Each config field's type, read from the dataclass: the schema of the JSON."""
    return get_type_hints(ModelConfig)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a parsed JSON value has the type ``hint`` (JSON lists for tuples)."""
    if hint is Any:
        return True
    origin, args = get_origin(hint), get_args(hint)
    if origin is tuple:  # tuple[X, ...]
        return isinstance(value, list | tuple) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if isinstance(value, bool):  # JSON true is no number
        return hint is bool
    return isinstance(value, (int, float) if hint is float else hint)


def _type_name(hint: Any) -> str:
    """``hint`` as a reader of the JSON file knows it."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is tuple:
        inner = "object" if get_origin(args[0]) is dict else args[0].__name__
        return f"a list of {inner}s"
    if origin is dict:
        return "an object (dict)"
    return "int or float" if hint is float else hint.__name__


def check_fields(raw: Any, source: str | Path = "") -> None:
    """ValueError unless every key of ``raw`` is a config field of the right type.

    Names the field, the file (``source``) and, for an unknown field, the closest one.
    """
    prefix = f"{source}: " if source else ""
    if not isinstance(raw, dict):
        raise ValueError(f"{prefix}a config is a JSON object, got {type(raw).__name__}")
    types = _field_types()
    unknown = sorted(set(raw) - set(types))
    if unknown:
        close = difflib.get_close_matches(unknown[0], types, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ValueError(
            f"{prefix}config has unknown keys {unknown}{hint} Known fields: "
            f"{sorted(types)}"
        )
    for name, value in raw.items():
        if not _fits(value, types[name]):
            raise ValueError(
                f"{prefix}config field {name!r} is {value!r} "
                f"({type(value).__name__}); expected {_type_name(types[name])}"
            )


def _check_values(raw: dict[str, Any], prefix: str) -> None:
    """Fields of the right type but an impossible value."""
    crop = raw.get("crop", 0)
    if crop and not 8 <= crop <= FACE_SIZE:
        raise ValueError(
            f"{prefix}config field 'crop' is {crop!r}; expected 0 (the whole face) or "
            f"a window of 8 to {FACE_SIZE} px"
        )
    if raw.get("mixup", 0) < 0:
        raise ValueError(
            f"{prefix}config field 'mixup' is {raw['mixup']!r}; expected 0 (off) or a "
            "Beta alpha > 0, e.g. 0.2"
        )


# Each layer type: its required keys and their types (others are optional).
_LAYER_KEYS = {
    "conv": {"filters": int, "kernel": int},
    "pool": {"kernel": int, "stride": int},
    "lrn": {},
    "fc": {"units": int, "activation": str},
}


def _checked_layer(index: int, layer: Any, prefix: str = "") -> dict[str, Any]:
    """A copy of one layer dict, or ValueError naming ``layers[index]``."""
    where = f"{prefix}config field 'layers[{index}]'"
    if not isinstance(layer, dict) or layer.get("type") not in _LAYER_KEYS:
        kind = layer.get("type") if isinstance(layer, dict) else layer
        raise ValueError(
            f"{where}: unknown layer type {kind!r}; expected one of "
            f"{sorted(_LAYER_KEYS)}"
        )
    for key, kind in _LAYER_KEYS[layer["type"]].items():
        value = layer.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(
                f"{where} ({layer['type']}): {key!r} is {value!r}; expected "
                f"{kind.__name__}"
            )
    return dict(layer)


def read_recipe(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A recipe file's fields with its ``extends`` chain merged under them.

    A field the file gives replaces the base's whole value (``layers`` and
    ``augment`` included). Each file's own keys are checked as it is read, so an
    error names the file that holds the mistake.
    """
    path = Path(path)
    raw = _read_json(path, _chain)
    extends = raw.pop("extends", None)
    raw.pop("about", None)
    check_fields(raw, path)
    if extends is None:
        return raw
    if not isinstance(extends, str) or not extends:
        raise ValueError(
            f"{path}: 'extends' is {extends!r}; expected a config name such as "
            f"'alexnet48' or the path of a .json file"
        )
    base = _base_path(extends, path)
    chain = (*_chain, path)
    if base.resolve() in {p.resolve() for p in chain}:
        loop = " -> ".join(p.name for p in (*chain, base))
        raise ValueError(f"{path}: 'extends' goes round in a cycle: {loop}")
    if not base.is_file():
        raise ValueError(
            f"{path}: extends {extends!r}, but {base} does not exist; extend one of "
            f"{config_names()} or the path of a .json file"
        )
    return {**read_recipe(base, chain), **raw}


def _read_json(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """A file's JSON object; ValueError naming the file (and who extends it)."""
    via = f" (extended by {chain[-1]})" if chain else ""
    try:
        raw = json.loads(path.read_text())
    except OSError as err:
        raise ValueError(f"cannot read the config {path}{via}: {err}") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}{via} is not valid JSON: {err}") from err
    if not isinstance(raw, dict):
        raise ValueError(
            f"{path}{via}: a config is a JSON object, got {type(raw).__name__}"
        )
    return raw


def _base_path(extends: str, path: Path) -> Path:
    """A .json path is relative to the extending file; a name is a bundled recipe."""
    if extends.endswith(".json"):
        return path.parent / extends
    return CONFIG_DIR / f"{extends}.json"


def config_names() -> list[str]:
    """The names of the bundled recipes, one per file in ``CONFIG_DIR``."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.json"))


def load_recipes(folder: Path = CONFIG_DIR) -> dict[str, ModelConfig]:
    """Every recipe in ``folder``, resolved, by name; ValueError for a file whose
    ``name`` is not its file name (a variant that forgot to rename itself)."""
    configs = {}
    for path in sorted(folder.glob("*.json")):
        config = ModelConfig.load(path)
        if config.name != path.stem:
            raise ValueError(
                f"{path}: config field 'name' is {config.name!r}; a recipe's name "
                f"is its file name, {path.stem!r}"
            )
        configs[config.name] = config
    return configs


CONFIGS: dict[str, ModelConfig] = load_recipes()


def get_config(name_or_path: str | Path) -> ModelConfig:
    """A named recipe ('seed', 'alexnet48', ...) or a config.json file."""
    name = str(name_or_path)
    if name in CONFIGS:
        return CONFIGS[name]
    if name.endswith(".json") and Path(name).is_file():
        return ModelConfig.load(name)
    raise ValueError(
        f"unknown config {name!r}; choose one of {sorted(CONFIGS)} or give the "
        "path of a config.json"
    )
