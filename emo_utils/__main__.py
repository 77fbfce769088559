import os
import sys

# Before numpy loads: OpenBLAS starts a thread per core on import (~0.1 s of the
# predict command's start-up on 2 busy cores), and no command multiplies large
# matrices with numpy (the networks run on ONNX Runtime or TensorFlow's own threads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .cli import main  # noqa: E402

sys.exit(main())
