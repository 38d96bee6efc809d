"""nn/padding.py: the padding layers, against numpy's pad and PyTorch's reprs (torch 2.13)."""
from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import OpError, Tensor, nn
from tinygrad_np.nn import padding as layers  # the 3-D ones are not in nn's namespace yet

MODES = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect",
         "Replication": "edge", "Circular": "wrap"}


@pytest.mark.parametrize("kind", list(MODES))
@pytest.mark.parametrize("dims, padding, shape", [
    (1, 2, (2, 3, 5)), (1, (1, 3), (3, 6)), (2, 1, (2, 1, 4, 5)), (2, (1, 2, 3, 0), (3, 4, 5)),
    (3, 1, (2, 1, 3, 4, 5)), (3, (1, 2, 0, 3, 2, 1), (2, 4, 5, 3))])
def test_each_layer_is_numpys_pad_of_its_last_axes_and_routes_the_gradient_back(
        kind, dims, padding, shape, rng):
    """PyTorch's padding order: (left, right) of the last axis, then (top, bottom). The
    gradient of each input element is the sum over the places it was copied to."""
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    args = (padding, 2.5) if kind == "Constant" else (padding,)
    layer = getattr(layers, f"{kind}Pad{dims}d")(*args)
    sides = (padding,) * (2 * dims) if isinstance(padding, int) else padding
    width = [(0, 0)] * (len(shape) - dims) + [sides[i:i + 2] for i in range(0, 2 * dims, 2)][::-1]
    extra = {"constant_values": 2.5} if kind == "Constant" else {}
    expected = np.pad(x.data, width, mode=MODES[kind], **extra)
    out = layer(x)
    np.testing.assert_array_equal(out.data, expected)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    # the adjoint through numpy: pad an index image the same way, sum g over each index
    index = np.arange(x.data.size).reshape(shape)
    where = np.pad(index, width, mode=MODES[kind] if kind != "Constant" else "constant",
                   constant_values=-1) if kind in ("Zero", "Constant") else \
        np.pad(index, width, mode=MODES[kind])
    grad = np.zeros(x.data.size)
    np.add.at(grad, where[where >= 0], g[where >= 0])
    np.testing.assert_allclose(x.grad, grad.reshape(shape), rtol=1e-12)


def test_reprs_are_pytorchs():
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ZeroPad2d((1, 2, 3, 0))) == "ZeroPad2d((1, 2, 3, 0))"
    assert repr(nn.ConstantPad2d(2, 3.5)) == "ConstantPad2d(padding=(2, 2, 2, 2), value=3.5)"
    assert repr(nn.ConstantPad1d((1, 2), -1.0)) == "ConstantPad1d(padding=(1, 2), value=-1.0)"
    assert repr(nn.ReflectionPad2d(1)) == "ReflectionPad2d((1, 1, 1, 1))"
    assert repr(nn.ReplicationPad1d((1, 2))) == "ReplicationPad1d((1, 2))"
    assert repr(nn.CircularPad2d(1)) == "CircularPad2d((1, 1, 1, 1))"
    assert repr(nn.ZeroPad1d(2)) == "ZeroPad1d((2, 2))"
    # torch 2.13's 3-D ones
    assert repr(layers.ZeroPad3d(1)) == "ZeroPad3d((1, 1, 1, 1, 1, 1))"
    assert repr(layers.ConstantPad3d(1, 2.0)) == \
        "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=2.0)"
    assert repr(layers.ReflectionPad3d((1, 2, 0, 1, 2, 1))) == \
        "ReflectionPad3d((1, 2, 0, 1, 2, 1))"
    assert repr(layers.ReplicationPad3d(2)) == "ReplicationPad3d((2, 2, 2, 2, 2, 2))"
    assert repr(layers.CircularPad3d(1)) == "CircularPad3d((1, 1, 1, 1, 1, 1))"


def test_bad_settings_and_inputs():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or 4 ints >= 0"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="ReflectionPad1d: padding must be"):
        nn.ReflectionPad1d(-1)
    with pytest.raises(OpError, match=r"ZeroPad2d: input of shape \(4, 4\) must have 3 or 4"):
        nn.ZeroPad2d(1)(np.ones((4, 4)))
    with pytest.raises(OpError, match="reflect"):  # PyTorch's limit: less than the axis
        nn.ReflectionPad1d(4)(np.ones((1, 1, 4)))
