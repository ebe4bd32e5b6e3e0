#!/usr/bin/env python3
"""Train the small Fashion-MNIST CNN shipped as models/fashion_cnn.onnx.

JAX + optax, from scratch, seeded (fixed PRNG key for the initial weights,
fixed NumPy generator for the per-epoch shuffles).  After training, the ONNX
graph is built by hand with onnx.helper from the trained weights, checked
with onnx.checker, run with onnxruntime on the whole test split, and the
onnxruntime logits are saved next to the model.

Architecture (NCHW, PyTorch-style layouts):
  input [N,1,28,28] (pixel/255)
  -> Sub(mean) -> Div(std)                       normalisation, in the graph
  -> Conv 1->16 3x3 pad 1 (with bias) -> BatchNorm -> Relu -> MaxPool 2x2/2
  -> Conv 16->32 3x3 pad 1 (no bias)  -> BatchNorm -> Relu -> MaxPool 2x2/2
  -> flatten (Shape/Gather/Unsqueeze/Concat/Reshape, as exporters emit it)
  -> Gemm 1568->64 (transB=1) -> Relu -> Gemm 64->10 (transB=1) -> logits

Usage:
  python scripts/model/train_fashion_cnn.py [--epochs 10] [--seed 0]
"""

import argparse
import hashlib
import os
import sys
import time


import numpy as np  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
import onnxruntime as ort  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

BN_EPS = 1e-5
BN_MOMENTUM = 0.9  # running = momentum * running + (1 - momentum) * batch
BATCH = 128


# --------------------------------------------------------------------------
# Model (pure functions over a dict of parameters and a dict of BN state)
# --------------------------------------------------------------------------

def init_params(key):
    """He-normal weights, zero biases, BN scale 1 / shift 0."""
    k1, k2, k3, k4 = jax.random.split(key, 4)

    def he(k, shape, fan_in):
        return jax.random.normal(k, shape, jnp.float32) * jnp.sqrt(2.0 / fan_in)

    params = {
        "conv1_w": he(k1, (16, 1, 3, 3), 1 * 9),     # OIHW
        "conv1_b": jnp.zeros((16,), jnp.float32),
        "bn1_scale": jnp.ones((16,), jnp.float32),
        "bn1_bias": jnp.zeros((16,), jnp.float32),
        "conv2_w": he(k2, (32, 16, 3, 3), 16 * 9),   # OIHW, no bias
        "bn2_scale": jnp.ones((32,), jnp.float32),
        "bn2_bias": jnp.zeros((32,), jnp.float32),
        "fc1_w": he(k3, (64, 1568), 1568),           # [out, in] -> Gemm transB=1
        "fc1_b": jnp.zeros((64,), jnp.float32),
        "fc2_w": he(k4, (10, 64), 64) * 0.5,
        "fc2_b": jnp.zeros((10,), jnp.float32),
    }
    state = {
        "bn1_mean": jnp.zeros((16,), jnp.float32),
        "bn1_var": jnp.ones((16,), jnp.float32),
        "bn2_mean": jnp.zeros((32,), jnp.float32),
        "bn2_var": jnp.ones((32,), jnp.float32),
    }
    return params, state


def conv3x3(x, w):
    return jax.lax.conv_general_dilated(
        x, w, window_strides=(1, 1), padding=((1, 1), (1, 1)),
        dimension_numbers=("NCHW", "OIHW", "NCHW"))


def maxpool2(x):
    return jax.lax.reduce_window(
        x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def batchnorm(x, scale, bias, mean, var):
    inv = scale / jnp.sqrt(var + BN_EPS)
    return x * inv[None, :, None, None] + (bias - mean * inv)[None, :, None, None]


def forward(params, state, x, mean, std, train):
    """Return (logits, new_state).  In training mode BN uses batch statistics
    (biased variance) and the running averages are updated; otherwise BN
    uses the running averages, as ONNX BatchNormalization does."""
    new_state = dict(state)
    h = (x - mean) / std

    def bn(h, name):
        if train:
            bm = jnp.mean(h, axis=(0, 2, 3))
            bv = jnp.mean(jnp.square(h - bm[None, :, None, None]), axis=(0, 2, 3))
            new_state[name + "_mean"] = (BN_MOMENTUM * state[name + "_mean"]
                                         + (1 - BN_MOMENTUM) * bm)
            new_state[name + "_var"] = (BN_MOMENTUM * state[name + "_var"]
                                        + (1 - BN_MOMENTUM) * bv)
            m, v = bm, bv
        else:
            m, v = state[name + "_mean"], state[name + "_var"]
        return batchnorm(h, params[name + "_scale"], params[name + "_bias"], m, v)

    h = conv3x3(h, params["conv1_w"]) + params["conv1_b"][None, :, None, None]
    h = maxpool2(jax.nn.relu(bn(h, "bn1")))
    h = conv3x3(h, params["conv2_w"])
    h = maxpool2(jax.nn.relu(bn(h, "bn2")))
    h = h.reshape(h.shape[0], -1)            # C*H*W order, like ONNX Reshape
    h = jax.nn.relu(h @ params["fc1_w"].T + params["fc1_b"])
    logits = h @ params["fc2_w"].T + params["fc2_b"]
    return logits, new_state


# --------------------------------------------------------------------------
# ONNX export
# --------------------------------------------------------------------------

def build_onnx(params, state, mean, std):
    """Build the inference graph by hand from trained weights."""
    p = {k: np.asarray(v, np.float32) for k, v in params.items()}
    s = {k: np.asarray(v, np.float32) for k, v in state.items()}

    inits = [
        numpy_helper.from_array(np.array(mean, np.float32), "norm_mean"),  # scalar
        numpy_helper.from_array(np.array(std, np.float32), "norm_std"),    # scalar
        numpy_helper.from_array(p["conv1_w"], "conv1.weight"),
        numpy_helper.from_array(p["conv1_b"], "conv1.bias"),
        numpy_helper.from_array(p["bn1_scale"], "bn1.weight"),
        numpy_helper.from_array(p["bn1_bias"], "bn1.bias"),
        numpy_helper.from_array(s["bn1_mean"], "bn1.running_mean"),
        numpy_helper.from_array(s["bn1_var"], "bn1.running_var"),
        numpy_helper.from_array(p["conv2_w"], "conv2.weight"),
        numpy_helper.from_array(p["bn2_scale"], "bn2.weight"),
        numpy_helper.from_array(p["bn2_bias"], "bn2.bias"),
        numpy_helper.from_array(s["bn2_mean"], "bn2.running_mean"),
        numpy_helper.from_array(s["bn2_var"], "bn2.running_var"),
        numpy_helper.from_array(p["fc1_w"], "fc1.weight"),
        numpy_helper.from_array(p["fc1_b"], "fc1.bias"),
        numpy_helper.from_array(p["fc2_w"], "fc2.weight"),
        numpy_helper.from_array(p["fc2_b"], "fc2.bias"),
        # flatten helpers
        numpy_helper.from_array(np.array(0, np.int64), "flatten.gather_idx"),
        numpy_helper.from_array(np.array([0], np.int64), "flatten.unsqueeze_axes"),
        numpy_helper.from_array(np.array([-1], np.int64), "flatten.minus_one"),
    ]

    n = helper.make_node
    nodes = [
        n("Sub", ["input", "norm_mean"], ["x_centered"], name="normalize_sub"),
        n("Div", ["x_centered", "norm_std"], ["x_norm"], name="normalize_div"),
        n("Conv", ["x_norm", "conv1.weight", "conv1.bias"], ["conv1_out"],
          name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        n("BatchNormalization",
          ["conv1_out", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"],
          ["bn1_out"], name="bn1", epsilon=BN_EPS, momentum=BN_MOMENTUM),
        n("Relu", ["bn1_out"], ["relu1_out"], name="relu1"),
        n("MaxPool", ["relu1_out"], ["pool1_out"], name="pool1",
          kernel_shape=[2, 2], strides=[2, 2]),
        n("Conv", ["pool1_out", "conv2.weight"], ["conv2_out"],
          name="conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        n("BatchNormalization",
          ["conv2_out", "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var"],
          ["bn2_out"], name="bn2", epsilon=BN_EPS, momentum=BN_MOMENTUM),
        n("Relu", ["bn2_out"], ["relu2_out"], name="relu2"),
        n("MaxPool", ["relu2_out"], ["pool2_out"], name="pool2",
          kernel_shape=[2, 2], strides=[2, 2]),
        # flatten the way PyTorch's exporter spells x.view(x.size(0), -1)
        n("Shape", ["pool2_out"], ["flatten_shape"], name="flatten_shape"),
        n("Gather", ["flatten_shape", "flatten.gather_idx"], ["flatten_batch"],
          name="flatten_gather", axis=0),
        n("Unsqueeze", ["flatten_batch", "flatten.unsqueeze_axes"], ["flatten_batch1"],
          name="flatten_unsqueeze"),
        n("Concat", ["flatten_batch1", "flatten.minus_one"], ["flatten_target"],
          name="flatten_concat", axis=0),
        n("Reshape", ["pool2_out", "flatten_target"], ["flat"], name="flatten_reshape"),
        n("Gemm", ["flat", "fc1.weight", "fc1.bias"], ["fc1_out"], name="fc1",
          alpha=1.0, beta=1.0, transB=1),
        n("Relu", ["fc1_out"], ["relu3_out"], name="relu3"),
        n("Gemm", ["relu3_out", "fc2.weight", "fc2.bias"], ["logits"], name="fc2",
          alpha=1.0, beta=1.0, transB=1),
    ]
    graph = helper.make_graph(
        nodes, "fashion_cnn",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        initializer=inits,
    )
    model = helper.make_model(
        graph, producer_name="lowp scripts/model/train_fashion_cnn.py",
        opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    model.doc_string = ("Fashion-MNIST CNN; input = pixel/255 as float32 NCHW "
                        "[N,1,28,28], output = class logits [N,10].")
    onnx.checker.check_model(model, full_check=True)
    return model


def macs_per_image():
    conv1 = 28 * 28 * 16 * (1 * 3 * 3)
    conv2 = 14 * 14 * 32 * (16 * 3 * 3)
    fc1 = 1568 * 64
    fc2 = 64 * 10
    return conv1 + conv2 + fc1 + fc2


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    ap.add_argument("--out", default=os.path.join(REPO, "models", "fashion_cnn.onnx"))
    ap.add_argument("--logits-out", default=None,
                    help="default: <out without .onnx>.test_logits.npy")
    args = ap.parse_args()
    logits_out = args.logits_out or (args.out[:-len(".onnx")] + ".test_logits.npy")

    t_start = time.time()
    x_train, y_train = fashion_mnist.load("train")
    x_test, y_test = fashion_mnist.load("test")
    # Normalisation constants: one scalar mean/std over all training pixels,
    # rounded to 4 decimals so they read cleanly in the graph.
    mean = float(np.round(x_train.astype(np.float64).mean(), 4))
    std = float(np.round(x_train.astype(np.float64).std(), 4))
    print(f"train {x_train.shape}, test {x_test.shape}, mean {mean}, std {std}")

    params, state = init_params(jax.random.PRNGKey(args.seed))
    steps_per_epoch = x_train.shape[0] // BATCH   # drop the ragged last batch
    total_steps = steps_per_epoch * args.epochs
    schedule = optax.warmup_cosine_decay_schedule(
        init_value=args.lr / 10, peak_value=args.lr,
        warmup_steps=steps_per_epoch // 2, decay_steps=total_steps,
        end_value=args.lr / 100)
    opt = optax.adamw(schedule, weight_decay=1e-4)
    opt_state = opt.init(params)

    def loss_fn(params, state, x, y):
        logits, new_state = forward(params, state, x, mean, std, train=True)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        return loss, new_state

    @jax.jit
    def train_step(params, state, opt_state, x, y):
        (loss, new_state), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            params, state, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return params, new_state, opt_state, loss

    @jax.jit
    def eval_logits(params, state, x):
        return forward(params, state, x, mean, std, train=False)[0]

    def predict(params, state, x, chunk=1000):
        return np.concatenate([np.asarray(eval_logits(params, state, x[i:i + chunk]))
                               for i in range(0, x.shape[0], chunk)])

    shuffle_rng = np.random.default_rng(args.seed)
    t_train = time.time()
    for epoch in range(args.epochs):
        t0 = time.time()
        perm = shuffle_rng.permutation(x_train.shape[0])
        losses = []
        for b in range(steps_per_epoch):
            idx = perm[b * BATCH:(b + 1) * BATCH]
            params, state, opt_state, loss = train_step(
                params, state, opt_state, x_train[idx], y_train[idx])
            losses.append(loss)
        mean_loss = float(np.mean(np.asarray(jnp.stack(losses))))
        acc = float((predict(params, state, x_test).argmax(1) == y_test).mean())
        print(f"epoch {epoch + 1:2d}/{args.epochs}  loss {mean_loss:.4f}  "
              f"test top-1 {acc * 100:.2f} %  ({time.time() - t0:.1f} s)", flush=True)
    train_s = time.time() - t_train

    jax_logits = predict(params, state, x_test)
    jax_acc = float((jax_logits.argmax(1) == y_test).mean())

    # ---- export and check with onnxruntime ----
    model = build_onnx(params, state, mean, std)
    data = model.SerializeToString()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(data)

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    ort_logits = np.concatenate([
        sess.run(["logits"], {"input": x_test[i:i + 1000]})[0]
        for i in range(0, x_test.shape[0], 1000)]).astype(np.float32)
    np.save(logits_out, ort_logits)
    ort_acc = float((ort_logits.argmax(1) == y_test).mean())

    diff = np.abs(ort_logits - jax_logits)
    n_params = sum(int(np.size(v)) for v in params.values())
    n_state = sum(int(np.size(v)) for v in state.values())
    print(f"training wall time      {train_s:.1f} s ({args.epochs} epochs), "
          f"total {time.time() - t_start:.1f} s")
    print(f"JAX test top-1          {jax_acc * 100:.2f} %")
    print(f"onnxruntime test top-1  {ort_acc * 100:.2f} %")
    print(f"logits |ort - jax|      max {diff.max():.3g}, mean {diff.mean():.3g}, "
          f"max |logit| {np.abs(jax_logits).max():.3g}")
    print(f"argmax disagreements    {int((ort_logits.argmax(1) != jax_logits.argmax(1)).sum())}")
    print(f"MACs per image          {macs_per_image()}")
    print(f"parameters              {n_params} trainable + {n_state} BN running stats")
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"{logits_out}: sha256 {hashlib.sha256(ort_logits.tobytes()).hexdigest()}")
    if diff.max() > 1e-4:
        print("WARNING: onnxruntime and JAX logits differ by more than 1e-4")


if __name__ == "__main__":
    main()
