#!/usr/bin/env python3
"""Compare `lowp infer` with onnxruntime on the Fashion-MNIST CNN.

1. onnxruntime, one thread (intra_op = inter_op = 1), CPU execution provider:
   images/s at batch 1 and batch 64 (inference only, warm-up first, several
   timed repetitions, best and median reported) for
     (a) the f32 model, and
     (b) a static INT8 model made with onnxruntime.quantization.quantize_static
         after quant_pre_process (QDQ format, per-channel int8 weights, uint8 activations, MinMax
         calibration on the first 1000 training images), written to a temp dir;
   plus top-1 of both over the 10 000 test images.
2. With --lowp BIN: runs, for each configuration,
     BIN infer MODEL --data fashion-mnist --batch 64 --threads 1 --json <config>
   parses the LAST line of stdout as JSON (keys used: top1, images,
   images_per_s, weights, activations) and prints a table with the ratio of
   lowp images/s to onnxruntime f32 and INT8 at batch 64.  A failed run is
   reported and skipped.
3. With --out FILE: also writes the tables as markdown.

Usage:
  python scripts/model/ort_bench.py [--model models/fashion_cnn.onnx]
      [--lowp target/release/lowp] [--lowp-config="--weights f32 --activations f32" ...]
      [--out results/cnn_speed_ort.md]
"""

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quant_pre_process,
    quantize_static)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

DEFAULT_LOWP_CONFIGS = [
    "--weights f32 --activations f32",
    "--weights int8-per-row --activations int8-per-tensor",
    "--weights vsq-int4-v64 --activations int8",
    "--weights float8_e4m3fn --activations float8_e4m3fn",
]


# --------------------------------------------------------------------------
# onnxruntime
# --------------------------------------------------------------------------

def make_session(model_path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])


class FirstImagesReader(CalibrationDataReader):
    """Feeds calibration images one batch at a time."""

    def __init__(self, input_name, images, batch=50):
        self._batches = iter([{input_name: images[i:i + batch]}
                              for i in range(0, images.shape[0], batch)])

    def get_next(self):
        return next(self._batches, None)


def quantize_int8(model_path, calib_images, out_dir):
    """Static INT8 (QDQ, per-channel weights) copy of `model_path`.

    The model first goes through onnxruntime's recommended pre-processing
    (quant_pre_process: graph optimisation, which folds BatchNormalization
    into the convolutions, plus ONNX shape inference; the symbolic shape pass
    is skipped because it needs sympy).  Without it the BN nodes stay in
    float between Q/DQ pairs and the INT8 model runs several times slower."""
    input_name = make_session(model_path).get_inputs()[0].name
    pre_path = os.path.join(out_dir, "model.preprocessed.onnx")
    quant_pre_process(model_path, pre_path, skip_symbolic_shape=True)
    out_path = os.path.join(out_dir, "model.int8.qdq.onnx")
    quantize_static(
        pre_path, out_path, FirstImagesReader(input_name, calib_images),
        quant_format=QuantFormat.QDQ, per_channel=True,
        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax)
    return out_path


def top1(sess, x, y, chunk=500):
    name = sess.get_inputs()[0].name
    pred = np.concatenate([sess.run(None, {name: x[i:i + chunk]})[0].argmax(1)
                           for i in range(0, x.shape[0], chunk)])
    return float((pred == y).mean())


def time_batches(sess, x, batch, n_images, reps, warmup):
    """images/s over `reps` timed passes of `n_images` images in batches of
    `batch` (full batches only).  Returns (best, median)."""
    name = sess.get_inputs()[0].name
    n_batches = max(1, n_images // batch)
    batches = [np.ascontiguousarray(x[(i * batch) % (x.shape[0] - batch + 1):][:batch])
               for i in range(n_batches)]
    for b in batches[:warmup]:
        sess.run(None, {name: b})
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for b in batches:
            sess.run(None, {name: b})
        rates.append(n_batches * batch / (time.perf_counter() - t0))
    return max(rates), statistics.median(rates)


# --------------------------------------------------------------------------
# lowp
# --------------------------------------------------------------------------

def run_lowp(binary, model, config, extra, timeout):
    """Run one `lowp infer` configuration; return (result dict, error str)."""
    cmd = ([binary, "infer", model, "--data", "fashion-mnist", "--batch", "64",
            "--threads", "1", "--json"] + shlex.split(config) + shlex.split(extra))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{type(e).__name__}: {e}"
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return None, f"exit {proc.returncode}: {' | '.join(tail)}"
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
    if not lines:
        return None, "no output on stdout"
    try:
        res = json.loads(lines[-1])
    except json.JSONDecodeError as e:
        return None, f"last stdout line is not JSON ({e}): {lines[-1][:120]}"
    missing = [k for k in ("top1", "images", "images_per_s") if k not in res]
    if missing:
        return None, f"JSON lacks {missing}: {lines[-1][:120]}"
    return res, None


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(header))) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def text_table(header, rows):
    cols = list(zip(*([header] + [[str(c) for c in r] for r in rows])))
    widths = [max(len(c) for c in col) for col in cols]
    fmt = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description="onnxruntime vs lowp infer speed")
    ap.add_argument("--model", default=os.path.join(REPO, "models", "fashion_cnn.onnx"))
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions")
    ap.add_argument("--b1-images", type=int, default=2000,
                    help="images per repetition at batch 1")
    ap.add_argument("--b64-images", type=int, default=10000,
                    help="images per repetition at batch 64 (full batches only)")
    ap.add_argument("--lowp", metavar="BIN", help="lowp CLI binary, e.g. target/release/lowp")
    ap.add_argument("--lowp-config", action="append", metavar="ARGS",
                    help="one lowp configuration (repeatable; write as "
                         "--lowp-config='--weights f32 --activations f32'); "
                         "replaces the default list")
    ap.add_argument("--lowp-args", default="",
                    help="extra arguments appended to every lowp run")
    ap.add_argument("--lowp-timeout", type=float, default=600.0)
    ap.add_argument("--out", metavar="FILE", help="also write the tables as markdown")
    args = ap.parse_args()

    x_test, y_test = fashion_mnist.load("test")
    x_train, _ = fashion_mnist.load("train")
    calib = x_train[:1000]

    results = []   # (name, top1, b1 best, b1 median, b64 best, b64 median)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        int8_path = quantize_int8(args.model, calib, tmp)
        print(f"quantize_static: {time.time() - t0:.1f} s", flush=True)
        for name, path in (("onnxruntime f32", args.model),
                           ("onnxruntime INT8 (QDQ, per-channel)", int8_path)):
            sess = make_session(path)
            acc = top1(sess, x_test, y_test)
            b1 = time_batches(sess, x_test, 1, args.b1_images, args.reps, warmup=200)
            b64 = time_batches(sess, x_test, 64, args.b64_images, args.reps, warmup=10)
            results.append((name, acc) + b1 + b64)
            print(f"{name}: top-1 {acc * 100:.2f} %, batch 1 best {b1[0]:.0f} / median "
                  f"{b1[1]:.0f} img/s, batch 64 best {b64[0]:.0f} / median {b64[1]:.0f} img/s",
                  flush=True)

    ort_header = ["runtime", "top-1 %", "batch 1 img/s best", "batch 1 median",
                  "batch 64 img/s best", "batch 64 median"]
    ort_rows = [(r[0], f"{r[1] * 100:.2f}") + tuple(f"{v:.0f}" for v in r[2:]) for r in results]
    print()
    print(text_table(ort_header, ort_rows))

    f32_b64, int8_b64 = results[0][4], results[1][4]   # best batch-64 rates
    lowp_rows, errors = [], []
    if args.lowp:
        configs = args.lowp_config or DEFAULT_LOWP_CONFIGS
        for config in configs:
            res, err = run_lowp(args.lowp, args.model, config, args.lowp_args, args.lowp_timeout)
            if err:
                print(f"lowp [{config}] failed: {err}", file=sys.stderr)
                errors.append((config, err))
                lowp_rows.append((config, "failed", "-", "-", "-"))
                continue
            ips = float(res["images_per_s"])
            t1 = float(res["top1"])
            t1 = t1 * 100 if t1 <= 1.0 else t1   # accept a fraction or a percentage
            label = f"w={res.get('weights', '?')} a={res.get('activations', '?')}"
            lowp_rows.append((label, f"{ips:.0f}", f"{t1:.2f}",
                              f"{ips / f32_b64:.2f}", f"{ips / int8_b64:.2f}"))
        lowp_header = ["lowp config", "images/s", "top-1 %",
                       "vs ORT f32 b64", "vs ORT INT8 b64"]
        print()
        print(text_table(lowp_header, lowp_rows))

    if args.out:
        lines = [
            "# Fashion-MNIST CNN: lowp infer vs onnxruntime",
            "",
            f"Model `{os.path.relpath(args.model, REPO)}`, 10 000 test images, one thread "
            f"(onnxruntime intra_op = inter_op = 1; lowp `--threads 1`).",
            f"CPU: {cpu_name()}; onnxruntime {ort.__version__}, Python {platform.python_version()}; "
            f"{time.strftime('%Y-%m-%d %H:%M %Z')}.",
            f"images/s: best and median of {args.reps} repetitions after warm-up "
            f"({args.b1_images} images per repetition at batch 1, "
            f"{(args.b64_images // 64) * 64} at batch 64).",
            "INT8: `quant_pre_process` (BN folded) then `quantize_static`, QDQ, per-channel int8 weights, uint8 activations, "
            "MinMax calibration on the first 1000 training images.",
            "",
            md_table(ort_header, ort_rows),
            "",
        ]
        if args.lowp:
            lines += [
                f"`lowp infer MODEL --data fashion-mnist --batch 64 --threads 1 --json ...` "
                f"(binary `{args.lowp}`); ratios are lowp images/s over onnxruntime's best "
                f"batch-64 images/s ({f32_b64:.0f} f32, {int8_b64:.0f} INT8).",
                "",
                md_table(lowp_header, lowp_rows),
                "",
            ]
            for config, err in errors:
                lines.append(f"- `{config}` failed: {err}")
            if errors:
                lines.append("")
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write("\n".join(lines))
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
