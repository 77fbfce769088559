"""The seven FER2013 emotions, in FER2013 label order: the one source of truth."""

EMOTIONS: tuple[str, ...] = (
    "angry",
    "disgust",
    "fear",
    "happy",
    "sad",
    "surprise",
    "neutral",
)
NUM_CLASSES = len(EMOTIONS)
SPLITS: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")
