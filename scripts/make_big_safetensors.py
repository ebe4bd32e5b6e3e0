#!/usr/bin/env python3
"""Write a large safetensors file of f32 matrices for `lowp analyze` memory checks.

    python3 scripts/make_big_safetensors.py OUT.safetensors [TENSORS] [ROWS] [COLS]

Defaults: 8 tensors of 4096 x 8192 f32 (128 MiB each, 1 GiB in all). The values are a
deterministic, finite, heavy-tailed mix (1 MiB of them, repeated). Nothing here is committed
output: the file is for measuring peak memory (`/usr/bin/time -v lowp analyze OUT`).
"""
import json
import random
import struct
import sys

out = sys.argv[1]
tensors = int(sys.argv[2]) if len(sys.argv) > 2 else 8
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
cols = int(sys.argv[4]) if len(sys.argv) > 4 else 8192
nbytes = rows * cols * 4
rng = random.Random(0x5eed)
block = struct.pack("<262144f", *(rng.gauss(0, 1) * (1 + 9 * (rng.random() < 0.01)) for _ in range(262144)))
header = {}
for t in range(tensors):
    header[f"layer{t}.weight"] = {"dtype": "F32", "shape": [rows, cols], "data_offsets": [t * nbytes, (t + 1) * nbytes]}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for _ in range(tensors):
        left = nbytes
        while left > 0:
            k = min(left, len(block))
            f.write(block[:k])
            left -= k
print(f"{out}: {tensors} tensors of {rows}x{cols} f32, {tensors * nbytes / 2**30:.2f} GiB of data")
