"""examples/pytorch_mnist.py, PyTorch's MNIST example ported by changing imports: one epoch on
the offline split must reach 97%, and the saved weights must be the evaluated model."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from real_data import mnist_dir, mnist_offline_split
from test_examples import last_accuracy, load_weights, run_example

import tinygrad_np as tg
import tinygrad_np.nn.functional as F


def test_one_epoch_on_the_offline_split_reaches_97_percent(tmp_path: Path) -> None:
    """Measured here: 0.9775 after one epoch (seed 0), in about 12 s."""
    out = tmp_path / "out"
    result = run_example("pytorch_mnist", "--offline-split", "--data", mnist_dir(),
                         "--epochs", "1", "--out", out, cwd=tmp_path)
    assert "Train Epoch: 1 [0/8000 (0%)]" in result.stdout
    assert "Test set: Average loss:" in result.stdout
    accuracy = last_accuracy(result.stdout)
    assert accuracy >= 0.97
    w = load_weights(out / "weights.npz")
    assert w["conv1.weight"].shape == (32, 1, 3, 3) and w["fc1.weight"].shape == (9216, 128)
    # the saved weights, run through the functional ops, give the accuracy it printed
    split = mnist_offline_split()
    x = ((split.x_test.reshape(-1, 1, 28, 28) - 0.1307) / 0.3081).astype(np.float32)
    with tg.no_grad():
        h = F.relu(F.conv2d(F.relu(F.conv2d(x, w["conv1.weight"], w["conv1.bias"])),
                            w["conv2.weight"], w["conv2.bias"]))
        h = F.max_pool2d(h, 2).flatten(1)
        logits = F.relu(h @ w["fc1.weight"] + w["fc1.bias"]) @ w["fc2.weight"] + w["fc2.bias"]
    assert abs(float((logits.data.argmax(axis=1) == split.y_test).mean()) - accuracy) < 1e-4
