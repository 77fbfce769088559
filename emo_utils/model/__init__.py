"""The network: its recipe, augmentation, learning-rate schedule and graph.

``recipes`` (``ModelConfig``, the configs in ``emo_utils/configs/``) loads no
TensorFlow; ``network`` builds the TFLearn graph, ``augment`` and ``schedule``
its training parts. Names load on first use, so reading a recipe stays instant.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["augment", "network", "recipes", "schedule"],
    submod_attrs={
        "recipes": ["CONFIGS", "ModelConfig", "get_config"],
        "augment": ["FaceAugmentation", "degrade_face", "make_augmentation"],
        "network": ["INPUT_SHAPE", "build_network", "layer_table", "model_variables"],
        "schedule": ["ScheduledSGD", "cosine_cycles", "learning_rate"],
    },
)
