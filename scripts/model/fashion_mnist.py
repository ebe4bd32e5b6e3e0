"""Fashion-MNIST loader shared by the model scripts.

Reads the gzipped IDX files shipped by the Debian package
`dataset-fashion-mnist` (or any directory holding the same four files).
IDX layout: a big-endian u32 magic (0x00000803 for u8 images with three
dims, 0x00000801 for u8 labels with one dim), one big-endian u32 per
dimension, then the raw u8 data in row-major order.
"""

import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]


def _read_idx(path, magic, ndim):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    head = np.frombuffer(raw, dtype=">u4", count=1 + ndim)
    if int(head[0]) != magic:
        raise ValueError(f"{path}: magic {int(head[0]):#010x}, expected {magic:#010x}")
    dims = tuple(int(d) for d in head[1:])
    offset = 4 * (1 + ndim)
    data = np.frombuffer(raw, dtype=np.uint8, offset=offset)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data for dims {dims}")
    return data.reshape(dims)


def load(split, data_dir=None):
    """Return (images, labels) for `split` ("train" or "test").

    images: float32 [N, 1, 28, 28] holding pixel / 255 (NCHW, the model input);
    labels: int64 [N].  Order is the file order.
    """
    data_dir = data_dir or os.environ.get("FASHION_MNIST_DIR", DEFAULT_DIR)
    img_name, lbl_name = FILES[split]
    images = _read_idx(os.path.join(data_dir, img_name), 0x00000803, 3)
    labels = _read_idx(os.path.join(data_dir, lbl_name), 0x00000801, 1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError("image and label counts differ")
    x = (images.astype(np.float32) / np.float32(255.0))[:, None, :, :]
    return np.ascontiguousarray(x), labels.astype(np.int64)
