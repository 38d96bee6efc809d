"""nn/functional.py: `import tinygrad_np.nn.functional as F` gives the package's functions
under PyTorch's names, and PyTorch's own argument order for `pad`."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
import tinygrad_np.nn.functional as F
from tinygrad_np import OpError, Tensor, nn


def test_every_name_is_the_packages_own_function():
    assert nn.functional is F
    for name in F.__all__:
        assert callable(getattr(F, name)), name
        if name != "pad":
            assert getattr(F, name) is getattr(tg, name), name
    assert len(F.__all__) >= 95


def test_a_pytorch_style_forward_runs():
    tg.manual_seed(0)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 1, 8, 8)))
    conv = nn.Conv2d(1, 4, 3, padding=1).double()
    h = F.max_pool2d(F.relu(conv(x)), 2)
    logits = F.linear(h.flatten(1), Tensor(np.ones((3, 64))))
    loss = F.cross_entropy(logits, np.array([0, 2]))
    loss.backward()
    assert logits.shape == (2, 3) and conv.weight.grad.shape == (4, 1, 3, 3)


@pytest.mark.parametrize("padding, mode, expected_shape", [
    ((1, 2), "constant", (1, 2, 3, 7)),
    ((1, 0, 2, 1), "constant", (1, 2, 6, 5)),
    ((1, 1, 1, 1, 1, 0), "constant", (1, 3, 5, 6)),
    ((2, 1), "reflect", (1, 2, 3, 7)),
    ((1, 1, 2, 2), "replicate", (1, 2, 7, 6)),
    ((1, 2, 0, 1), "circular", (1, 2, 4, 7)),
])
def test_pad_takes_pytorchs_order_last_axis_first(padding, mode, expected_shape):
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    out = F.pad(Tensor(x), padding, mode=mode)
    assert out.shape == expected_shape
    pairs = [tuple(padding[i:i + 2]) for i in range(0, len(padding), 2)][::-1]
    width = [(0, 0)] * (4 - len(pairs)) + pairs
    numpy_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                  "circular": "wrap"}[mode]
    np.testing.assert_array_equal(out.data, np.pad(x, width, mode=numpy_mode))


def test_pad_value_and_bad_padding():
    out = F.pad(Tensor(np.ones((1, 2))), (0, 1), value=-3.0)
    assert out.tolist() == [[1.0, 1.0, -3.0]]
    with pytest.raises(OpError, match="pad: padding \\(1,\\) must be \\(before, after\\) pairs"):
        F.pad(Tensor(np.ones((1, 2))), (1,))
    with pytest.raises(OpError, match="at most the 2 axes"):
        F.pad(Tensor(np.ones((1, 2))), (1, 1, 1, 1, 1, 1))
    with pytest.raises(OpError, match=">= 0"):
        F.pad(Tensor(np.ones((1, 2))), (-1, 0))
