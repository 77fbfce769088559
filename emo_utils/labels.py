"""The vocabulary of FER2013, in one place: the seven emotions in label order, the
splits, and where the eyes and the mouth sit in a 48x48 face crop."""

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
FACE_SIZE = 48  # px: every face is a FACE_SIZE x FACE_SIZE grey square
SPLITS: tuple[str, ...] = ("Training", "PublicTest", "PrivateTest")
# Image rows of a centred 48x48 FER2013 face: the eye-and-brow band and the mouth band.
FACE_REGIONS: dict[str, slice] = {"eyes": slice(8, 24), "mouth": slice(30, 46)}
# Display names of the test-time augmentation modes (emo_utils.predict.TTA_MODES).
TTA_NAMES: dict[str | None, str] = {
    None: "no TTA",
    "flip": "flip TTA",
    "shift": "10-view TTA",
}
# Display names of the engines that can run the network (emo_utils.infer.ENGINES).
ENGINE_NAMES = {"onnx": "ONNX Runtime", "tf": "TensorFlow"}
