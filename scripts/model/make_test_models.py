#!/usr/bin/env python3
"""Build the small ONNX test models used by the Rust importer tests.

Writes, under tests/data/nn/:
  tiny_exporter_style.onnx        a ~2 KB opset-13 graph built with onnx.helper
  tiny_exporter_style.input.npy   seeded random input, float32 [2,3,9,9]
  tiny_exporter_style.output.npy  onnxruntime's output for that input, [2,5]

The graph exercises operator forms that exporters emit and that the
Fashion-MNIST model does not:

  input [N,3,9,9]
  -> Conv depthwise 3x3 (group=3), stride 2, asymmetric pads [1,0,0,1], bias
                                                             -> [N,3,4,4]
  -> Conv 1x1 3->8 (no bias) -> BatchNormalization
  -> Clip(min 0, max 3, given as inputs, opset-13 style)    -> a [N,8,4,4]
  -> AveragePool 3x3 stride 1 pads 1, count_include_pad=0    -> b [N,8,4,4]
  -> Add(a, b)  (residual: two graph values)
  -> Mul by a per-channel constant [1,8,1,1]
  -> GlobalAveragePool -> Flatten(axis=1)                    -> [N,8]
  -> MatMul (constant [8,5]) -> Add (constant bias [5])
  -> Softmax(axis=-1)                                        -> output [N,5]

Everything is seeded, so re-running reproduces the same bytes.
Usage: python scripts/model/make_test_models.py [--out-dir tests/data/nn]
"""

import argparse
import hashlib
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import onnxruntime as ort

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEED = 20240613


def build_tiny(rng):
    f32 = np.float32

    def w(name, shape, scale=0.5):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(f32), name)

    inits = [
        w("dw.weight", (3, 1, 3, 3)),               # depthwise: [C, 1, kh, kw]
        w("dw.bias", (3,), 0.1),
        w("pw.weight", (8, 3, 1, 1)),               # pointwise, no bias
        w("bn.weight", (8,), 0.2),
        w("bn.bias", (8,), 0.2),
        w("bn.running_mean", (8,), 0.2),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(f32), "bn.running_var"),
        numpy_helper.from_array(np.array(0.0, f32), "clip.min"),   # scalars
        numpy_helper.from_array(np.array(3.0, f32), "clip.max"),
        numpy_helper.from_array(rng.uniform(0.5, 2.0, (1, 8, 1, 1)).astype(f32), "mul.scale"),
        w("fc.weight", (8, 5)),                     # MatMul weight [in, out]
        w("fc.bias", (5,), 0.1),
    ]
    # Randomise the BN scale away from zero so no channel is trivially dead.
    inits[3] = numpy_helper.from_array(
        (1.0 + numpy_helper.to_array(inits[3])).astype(f32), "bn.weight")

    n = helper.make_node
    nodes = [
        n("Conv", ["input", "dw.weight", "dw.bias"], ["dw_out"], name="dw_conv",
          group=3, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 0, 0, 1]),
        n("Conv", ["dw_out", "pw.weight"], ["pw_out"], name="pw_conv",
          kernel_shape=[1, 1]),
        n("BatchNormalization",
          ["pw_out", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"],
          ["bn_out"], name="bn", epsilon=1e-3),
        n("Clip", ["bn_out", "clip.min", "clip.max"], ["a"], name="clip"),
        n("AveragePool", ["a"], ["b"], name="avgpool", kernel_shape=[3, 3],
          strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=0),
        n("Add", ["a", "b"], ["res"], name="residual_add"),
        n("Mul", ["res", "mul.scale"], ["scaled"], name="channel_scale"),
        n("GlobalAveragePool", ["scaled"], ["gap"], name="gap"),
        n("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        n("MatMul", ["flat", "fc.weight"], ["fc_mm"], name="fc_matmul"),
        n("Add", ["fc_mm", "fc.bias"], ["fc_out"], name="fc_bias"),
        n("Softmax", ["fc_out"], ["output"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_exporter_style",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 9, 9])],
        outputs=[helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 5])],
        initializer=inits,
    )
    model = helper.make_model(
        graph, producer_name="lowp scripts/model/make_test_models.py",
        opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    return model


def numpy_reference(model, x):
    """Independent NumPy evaluation of the tiny graph (loops; sizes are tiny),
    used to cross-check onnxruntime's output before it is saved."""
    t = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    x = x.astype(np.float64)

    def conv(x, w, b, stride, pads, group):
        # pads = [top, left, bottom, right], as in ONNX
        n, c, h, wd = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
        m, cg, kh, kw = w.shape
        oh = (xp.shape[2] - kh) // stride + 1
        ow = (xp.shape[3] - kw) // stride + 1
        out = np.zeros((n, m, oh, ow))
        mg = m // group
        for o in range(m):
            g = o // mg
            for i in range(oh):
                for j in range(ow):
                    patch = xp[:, g * cg:(g + 1) * cg,
                               i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3))
        if b is not None:
            out += b[None, :, None, None]
        return out

    h = conv(x, t["dw.weight"], t["dw.bias"], 2, [1, 0, 0, 1], 3)
    h = conv(h, t["pw.weight"], None, 1, [0, 0, 0, 0], 1)
    inv = t["bn.weight"] / np.sqrt(t["bn.running_var"] + 1e-3)
    h = (h - t["bn.running_mean"][None, :, None, None]) * inv[None, :, None, None] \
        + t["bn.bias"][None, :, None, None]
    a = np.clip(h, 0.0, 3.0)
    # AveragePool 3x3 stride 1 pad 1, count_include_pad=0: divide by the
    # number of in-bounds elements of each window.
    ap = np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ones = np.pad(np.ones_like(a), ((0, 0), (0, 0), (1, 1), (1, 1)))
    b = np.zeros_like(a)
    for i in range(a.shape[2]):
        for j in range(a.shape[3]):
            b[:, :, i, j] = ap[:, :, i:i + 3, j:j + 3].sum(axis=(2, 3)) \
                / ones[:, :, i:i + 3, j:j + 3].sum(axis=(2, 3))
    h = (a + b) * t["mul.scale"]
    h = h.mean(axis=(2, 3))
    h = h @ t["fc.weight"] + t["fc.bias"]
    e = np.exp(h - h.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main():
    ap = argparse.ArgumentParser(description="build the ONNX importer test models")
    ap.add_argument("--out-dir", default=os.path.join(REPO, "tests", "data", "nn"))
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    rng = np.random.default_rng(SEED)
    model = build_tiny(rng)
    x = rng.standard_normal((2, 3, 9, 9)).astype(np.float32)

    data = model.SerializeToString()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    y = sess.run(["output"], {"input": x})[0].astype(np.float32)
    assert y.shape == (2, 5) and np.allclose(y.sum(axis=1), 1.0, atol=1e-5)
    ref = numpy_reference(model, x)
    err = float(np.abs(ref - y).max())
    print(f"max |onnxruntime - numpy reference| = {err:.3g}")
    assert err < 1e-5, "onnxruntime disagrees with the NumPy reference"

    base = os.path.join(args.out_dir, "tiny_exporter_style")
    with open(base + ".onnx", "wb") as f:
        f.write(data)
    np.save(base + ".input.npy", x)
    np.save(base + ".output.npy", y)
    print(f"{base}.onnx: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"output:\n{y}")


if __name__ == "__main__":
    main()
