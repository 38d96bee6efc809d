"""Every example runs as a user runs it (`python examples/<name>.py ...`, in a subprocess) and
its outputs are checked: the last line, the pictures, the saved weights, the error on missing
data. Tiny settings (--limit, --epochs 1) keep each run to a second or two; runs of
mnist_two_layer.py with all its defaults (no flags at all, offline, and --offline-split)
check the promised >= 95% on the bundled digits.

The subprocesses get no network: their HTTP(S) proxy is a closed loopback port, so a download
attempt fails at once, as on an offline machine.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from real_data import OFFLINE_TRAIN, mnist_dir, mnist_offline_split

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = ("mnist_two_layer", "mlp_300_100", "sigmoid_mlp", "numerical_vs_backprop",
            "second_order", "show_digits", "custom_op", "grad_hooks", "pytorch_mnist")
TRAINING = ("mnist_two_layer", "mlp_300_100", "sigmoid_mlp", "numerical_vs_backprop")
LAST_LINE = re.compile(r"test accuracy: (\d\.\d{4})")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def closed_port() -> int:
    """A loopback TCP port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_example(name: str, *args: str | Path, cwd: Path, ok: bool = True,
                timeout: float = 300, home: Path | None = None,
                ) -> subprocess.CompletedProcess[str]:
    """`python examples/<name>.py args...` from `cwd`, with the checkout importable and no
    network. `home`: an empty HOME and no $TINYGRAD_NP_DATA, so no data set is on disk."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["MPLBACKEND"] = "Agg"
    dead = f"http://127.0.0.1:{closed_port()}"
    for var in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(var, None)
    env.update(http_proxy=dead, https_proxy=dead, HTTP_PROXY=dead, HTTPS_PROXY=dead)
    if home is not None:
        env["HOME"] = str(home)
        env.pop("TINYGRAD_NP_DATA", None)
        env.pop("XDG_CACHE_HOME", None)
    # Small matrices: one BLAS thread is faster, and steady when CI runs jobs side by side.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    result = subprocess.run([sys.executable, str(REPO / "examples" / f"{name}.py"),
                             *map(str, args)], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    if ok:
        assert result.returncode == 0, (f"{name} {args} exited {result.returncode}:\n"
                                         f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result


def last_accuracy(stdout: str) -> float:
    """The value of the last line, which must be exactly `test accuracy: 0.XXXX`."""
    last = stdout.rstrip("\n").split("\n")[-1]
    match = LAST_LINE.fullmatch(last)
    assert match, f"last line is {last!r}, expected 'test accuracy: 0.XXXX'"
    value = float(match.group(1))
    assert 0.0 <= value <= 1.0
    return value


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert 1_000 < path.stat().st_size < 200_000, f"{path}: {path.stat().st_size} bytes"


def load_weights(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:  # plain arrays only, no pickle
        return {key: archive[key] for key in archive.files}


def offline_test_accuracy(logits: np.ndarray) -> float:
    return float((logits.argmax(axis=1) == mnist_offline_split().y_test).mean())


def tiny(out: Path, limit: int = 500) -> list[str | Path]:
    """Common arguments of the quick runs: the offline data, one epoch, few images."""
    return ["--offline-split", "--data", mnist_dir(), "--epochs", "1", "--limit", str(limit),
            "--out", out]


@pytest.mark.parametrize("name", EXAMPLES)
def test_help(name: str, tmp_path: Path) -> None:
    out = run_example(name, "--help", cwd=tmp_path).stdout
    assert out.startswith(f"usage: python examples/{name}.py")
    for option in ("--data", "--dataset", "--epochs", "--batch-size", "--lr", "--seed", "--out",
                   "--limit", "--offline-split"):
        assert option in out, option
    if name == "show_digits":
        assert "ignored here: --epochs, --batch-size, --lr" in " ".join(out.split())


@pytest.mark.parametrize("name", EXAMPLES)
def test_missing_data_is_a_clear_error(name: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_example(name, "--data", empty, "--no-download", "--out", tmp_path / "out",
                         cwd=tmp_path, ok=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: MNIST files missing:")
    assert "t10k-images-idx3-ubyte" in result.stderr and str(empty) in result.stderr


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    result = run_example("mnist_two_layer", "--epochs", "0", cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert "--epochs: must be >= 1" in result.stderr


def test_mnist_two_layer_tiny_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_example("mnist_two_layer", *tiny(out), cwd=tmp_path)
    assert "gradcheck OK" in result.stdout
    assert "epoch 1: loss" in result.stdout
    accuracy = last_accuracy(result.stdout)
    assert accuracy > 0.5  # 500 images, one epoch: far above chance
    assert_png(out / "curves.png")
    assert_png(out / "misclassified.png")
    weights = load_weights(out / "weights.npz")
    assert list(weights) == ["W1", "b1", "W2", "b2"]
    assert weights["W1"].shape == (784, 100) and weights["W1"].dtype == np.float32
    x = mnist_offline_split().x_test
    logits = np.maximum(x @ weights["W1"] + weights["b1"], 0) @ weights["W2"] + weights["b2"]
    assert offline_test_accuracy(logits) == pytest.approx(accuracy, abs=5e-5)


def test_mnist_two_layer_defaults_reach_95_percent_on_the_offline_split(tmp_path: Path) -> None:
    """The documented run, with every default (10 epochs over 8,000 images: seconds)."""
    mnist_dir()  # a clear failure if the offline data is not there
    result = run_example("mnist_two_layer", "--offline-split", "--out", tmp_path / "out",
                         cwd=tmp_path)
    assert f"{OFFLINE_TRAIN:,} training / 2,000 test images" in result.stdout
    assert result.stdout.count("test accuracy") == 10 + 1  # after each epoch, and the last line
    assert last_accuracy(result.stdout) >= 0.95


def test_mnist_two_layer_with_no_flags_offline_trains_on_the_bundled_digits(
    tmp_path: Path,
) -> None:
    """The README's first command on a fresh offline machine: no MNIST on disk, no network."""
    home = tmp_path / "home"
    home.mkdir()
    result = run_example("mnist_two_layer", cwd=tmp_path, home=home)
    notes = result.stderr.splitlines()
    assert len(notes) == 1, result.stderr  # that one line, and nothing else (no bars: no tty)
    cache = home / ".cache" / "tinygrad_np" / "mnist"
    assert notes[0].startswith(
        "full MNIST not found: looked for train-images-idx3-ubyte[.gz], "
        f"train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
        f"t10k-labels-idx1-ubyte[.gz] in {cache}; download failed ("
    ), notes[0]
    assert notes[0].endswith("; training on the 10,000 MNIST test digits bundled with "
                             "tinygrad_np instead (8,000 train, 2,000 test)")
    assert "Traceback" not in result.stderr
    assert "MNIST bundled test set" in result.stdout
    assert f"{OFFLINE_TRAIN:,} training / 2,000 test images" in result.stdout
    assert result.stdout.count("test accuracy") == 10 + 1
    assert last_accuracy(result.stdout) >= 0.95
    assert_png(tmp_path / "out" / "mnist_two_layer" / "curves.png")
    assert not cache.exists()  # the failed download left no folder behind


def test_no_download_falls_back_too_and_says_why(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = run_example("mnist_two_layer", "--no-download", "--epochs", "1", "--limit", "500",
                         "--out", tmp_path / "out", cwd=tmp_path, home=home)
    assert "; not downloaded (--no-download); training on the 10,000 MNIST test digits" in (
        result.stderr)
    assert "500 training / 2,000 test images" in result.stdout
    assert last_accuracy(result.stdout) > 0.5


def test_an_explicit_data_folder_does_not_fall_back(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_example("mnist_two_layer", "--data", empty, "--out", tmp_path / "out",
                         cwd=tmp_path, ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: MNIST files missing: train-images-idx3-ubyte")
    assert "download failed: could not download train-images-idx3-ubyte.gz" in result.stderr
    assert "bundled" not in result.stderr


def test_mnist_two_layer_on_fashion_mnist(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_example("mnist_two_layer", "--dataset", "fashion-mnist", "--epochs", "1",
                         "--limit", "1000", "--out", out, cwd=tmp_path)
    assert "Fashion-MNIST" in result.stdout and "10,000 test images" in result.stdout
    assert last_accuracy(result.stdout) > 0.5
    assert_png(out / "misclassified.png")


def test_mlp_300_100(tmp_path: Path) -> None:
    out = tmp_path / "out"
    accuracy = last_accuracy(run_example("mlp_300_100", *tiny(out), cwd=tmp_path).stdout)
    assert accuracy > 0.5
    w = load_weights(out / "weights.npz")
    assert [w[f"fc{i}.weight"].shape for i in (1, 2, 3)] == [(784, 300), (300, 100), (100, 10)]
    h = np.maximum(mnist_offline_split().x_test @ w["fc1.weight"] + w["fc1.bias"], 0)
    h = np.maximum(h @ w["fc2.weight"] + w["fc2.bias"], 0)
    logits = h @ w["fc3.weight"] + w["fc3.bias"]
    assert offline_test_accuracy(logits) == pytest.approx(accuracy, abs=5e-5)


def test_mlp_300_100_with_dropout_batch_norm_and_one_cycle(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_example("mlp_300_100", *tiny(out), "--dropout", "0.3", "--batch-norm",
                         "--scheduler", "onecycle", cwd=tmp_path)
    accuracy = last_accuracy(result.stdout)
    assert accuracy > 0.5
    w = load_weights(out / "weights.npz")
    assert [key for key in w if key.startswith("bn1.")] == [
        "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
        "bn1.num_batches_tracked"]
    assert int(w["bn2.num_batches_tracked"]) == 16        # 500 images in batches of 32

    # The reported accuracy is the eval-mode network's: no dropout, the running statistics.
    def norm(h: np.ndarray, name: str) -> np.ndarray:
        scale = w[f"{name}.weight"] / np.sqrt(w[f"{name}.running_var"] + 1e-5)
        return (h - w[f"{name}.running_mean"]) * scale + w[f"{name}.bias"]

    h = np.maximum(norm(mnist_offline_split().x_test @ w["fc1.weight"] + w["fc1.bias"], "bn1"), 0)
    h = np.maximum(norm(h @ w["fc2.weight"] + w["fc2.bias"], "bn2"), 0)
    logits = h @ w["fc3.weight"] + w["fc3.bias"]
    assert offline_test_accuracy(logits) == pytest.approx(accuracy, abs=5e-5)


@pytest.mark.parametrize("args, message", [
    (["--dropout", "1"], "--dropout: must be in [0, 1), got 1.0"),
    (["--scheduler", "warmup"], "--scheduler: invalid choice: 'warmup'"),
])
def test_mlp_300_100_refuses_bad_flags(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_example("mlp_300_100", *args, cwd=tmp_path, ok=False)
    assert result.returncode == 2 and message in result.stderr


def test_sigmoid_mlp(tmp_path: Path) -> None:
    out = tmp_path / "out"
    accuracy = last_accuracy(run_example("sigmoid_mlp", *tiny(out), cwd=tmp_path).stdout)
    assert accuracy > 0.5
    w = load_weights(out / "weights.npz")
    assert w["layers.0.weight"].shape == (784, 30)
    z = mnist_offline_split().x_test @ w["layers.0.weight"] + w["layers.0.bias"]
    logits = 1 / (1 + np.exp(-z)) @ w["layers.2.weight"] + w["layers.2.bias"]
    assert offline_test_accuracy(logits) == pytest.approx(accuracy, abs=5e-5)


def test_numerical_vs_backprop(tmp_path: Path) -> None:
    result = run_example("numerical_vs_backprop", *tiny(tmp_path / "out", limit=20),
                         "--batch-size", "5", "--hidden", "10", "--numgrad-steps", "2",
                         cwd=tmp_path)
    speedup = re.search(r"^speed-up: ([\d,]+)x$", result.stdout, re.MULTILINE)
    assert speedup, result.stdout
    assert int(speedup.group(1).replace(",", "")) > 100
    diff = re.search(r"^max \|numerical - backprop\| gradient difference: (\S+) \(over all "
                     r"7,960 parameters, 2 step", result.stdout, re.MULTILINE)
    assert diff, result.stdout
    assert 0 < float(diff.group(1)) < 1e-6  # > 0: the two really were computed separately
    accuracy = last_accuracy(result.stdout)
    weights = load_weights(tmp_path / "out" / "weights.npz")  # --out is honoured
    assert list(weights) == ["W1", "b1", "W2", "b2"]
    assert weights["W1"].shape == (784, 10) and weights["W1"].dtype == np.float64
    z = mnist_offline_split().x_test.astype(np.float64) @ weights["W1"] + weights["b1"]
    logits = 1 / (1 + np.exp(-z)) @ weights["W2"] + weights["b2"]
    assert offline_test_accuracy(logits) == pytest.approx(accuracy, abs=5e-5)
    assert f"saved {tmp_path / 'out' / 'weights.npz'}" in result.stdout


@pytest.mark.parametrize("data", ["bundled", "--data"])
def test_custom_op(tmp_path: Path, data: str) -> None:
    args = ["--data", mnist_dir()] if data == "--data" else []
    result = run_example("custom_op", *args, "--seed", "3", cwd=tmp_path)
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"8 mnist test images \[[\d, ]+\], labels \[[\d, ]+\], pooled to 7x7",
                        first), first
    assert "gradcheck of Softplus inside the expression: OK" in result.stdout
    assert "gradcheck of Softplus alone (inputs of size up to ~30): OK" in result.stdout
    # The same images whichever way the files came, and --seed picks them.
    assert first == run_example("custom_op", "--seed", "3", cwd=tmp_path).stdout.splitlines()[0]
    assert first != run_example("custom_op", "--seed", "4", cwd=tmp_path).stdout.splitlines()[0]


def test_show_digits(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_example("show_digits", "--data", mnist_dir(), "--count", "12", "--out", out,
                         cwd=tmp_path)
    assert "read 10,000 test images (28, 28) uint8" in result.stdout
    assert_png(out / "mnist_test.png")
    result = run_example("show_digits", "--dataset", "fashion-mnist", "--split", "train",
                         "--count", "5", "--random", "--out", out, cwd=tmp_path)
    assert "read 60,000 train images" in result.stdout
    assert_png(out / "fashion-mnist_train.png")


def test_outputs_default_to_out_slash_example(tmp_path: Path) -> None:
    run_example("show_digits", "--data", mnist_dir(), "--count", "3", cwd=tmp_path)
    assert_png(tmp_path / "out" / "show_digits" / "mnist_test.png")


@pytest.mark.parametrize("given", [None, "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_examples_use_one_blas_thread_unless_told(tmp_path: Path, given: str | None) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if given is not None:
        env[given] = "2"
    env["PYTHONPATH"] = str(REPO / "examples")
    code = ("import os; import common; "
            "print(os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('OMP_NUM_THREADS'))")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, check=True,
                          capture_output=True, text=True)
    expected = {None: "1 None", "OPENBLAS_NUM_THREADS": "2 None", "OMP_NUM_THREADS": "None 2"}
    assert done.stdout.strip() == expected[given]


def test_grad_hooks_logs_clips_and_shows_an_anomaly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_example("grad_hooks", *tiny(out, limit=640), "--clip", "0.5", "--anomaly",
                         "--anomaly-demo", cwd=tmp_path)
    stdout = result.stdout
    assert "epoch 1 (anomaly mode):" in stdout
    norms = dict(re.findall(r"(layers\.0\.weight(?: before clipping)?) [\d.]+ \(max ([\d.]+)\)",
                            stdout))
    assert float(norms["layers.0.weight before clipping"]) > 0.5  # the raw gradient is longer
    assert float(norms["layers.0.weight"]) <= 0.5 + 1e-4  # what the optimizer saw: clipped
    clipped = re.search(r"clipped (\d+)/20 steps", stdout)
    assert clipped and int(clipped.group(1)) > 0
    assert re.search(r"fraction of outputs > 0 \(forward hooks\): layers\.0 0\.\d+, "
                     r"layers\.2 0\.\d+", stdout)
    # the anomaly demo names the op and the example's own line
    source = (REPO / "examples" / "grad_hooks.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "logits.log()" in text)
    assert "AnomalyError: Log: the output holds NaN" in stdout
    assert f"examples/grad_hooks.py:{line} in anomaly_demo" in stdout
    assert "anomaly here" in (out / "anomaly.dot").read_text()
    assert last_accuracy(stdout) > 0.5
    assert (out / "weights.npz").is_file()


def test_second_order(tmp_path: Path) -> None:
    result = run_example("second_order", "--offline-split", "--data", mnist_dir(), "--limit",
                         "600", "--epochs", "1", "--hidden", "8", cwd=tmp_path)
    out = result.stdout
    relative = re.search(r"^max \|Hv - finite differences of the gradient\| = \S+ \(relative "
                         r"(\S+)\)$", out, re.MULTILINE)
    assert relative, out
    assert 0 < float(relative.group(1)) < 1e-6
    steps = re.search(r"^Newton's method: (\d+) steps; gradient descent \(lr = \S+\): (\d+) "
                      r"steps, loss", out, re.MULTILINE)
    assert steps, out
    assert int(steps.group(1)) <= 8 and int(steps.group(2)) >= 100
    penalties = [float(v) for v in re.findall(r"mean \|d loss_i / d x_i\|\^2 (\S+)$", out,
                                              re.MULTILINE)]
    assert len(penalties) >= 2 and penalties[-1] < penalties[0]  # trained down
    assert last_accuracy(out) > 0.3
