"""ops/hard.py: hardtanh, relu6, hardsigmoid, hardswish. The op table's rows, then PyTorch's
values and gradients at the edges, where the pieces meet."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn

SPECS = specs("hard")

test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)

EDGES = np.array([-4.0, -3.0, -2.9, -1.0, 0.0, 1.0, 2.9, 3.0, 4.0, 6.0, 7.0])


# PyTorch 2.13.0+cpu, float64: F.<fn>(EDGES).sum().backward(), EDGES.grad (its hardsigmoid
# slope is float32's 1/6, 0.1666666716, even in float64; here it is 1/6 in the input's dtype)
@pytest.mark.parametrize("fn, grad", [
    (tg.hardtanh, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),  # strictly inside only
    (tg.relu6, [0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0]),
    (tg.hardsigmoid, [0, 0] + [1 / 6] * 5 + [0, 0, 0, 0]),
    (tg.hardswish, [0, 0, -2.9 / 3 + 0.5, 1 / 6, 0.5, 1 / 3 + 0.5, 2.9 / 3 + 0.5, 1, 1, 1, 1]),
])
def test_gradients_at_the_edges_are_pytorchs(fn, grad):
    x = Tensor(EDGES, requires_grad=True)
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad, grad, rtol=1e-15)


def test_values_and_layers():
    np.testing.assert_array_equal(tg.relu6(EDGES).data, np.clip(EDGES, 0, 6))
    np.testing.assert_allclose(tg.hardswish(EDGES).data, EDGES * np.clip(EDGES + 3, 0, 6) / 6)
    np.testing.assert_array_equal(nn.Hardtanh(-2.0, 5.0)(EDGES).data, np.clip(EDGES, -2, 5))
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.ReLU6()) == "ReLU6()"
    assert tg.hardsigmoid(Tensor(np.float32([0.0]))).dtype == np.float32
    with pytest.raises(OpError, match=r"hardtanh: input \(11,\): min_val \(2\) must be at most"):
        tg.hardtanh(EDGES, 2, 1)


@pytest.mark.parametrize("fn, grad", [(tg.hardtanh, [0, 0]), (tg.relu6, [0, 0]),
                                      (tg.hardsigmoid, [0, 0]), (tg.hardswish, [1, 0])])
def test_gradients_at_infinity_are_pytorchs(fn, grad):
    """Each piece's own slope (PyTorch 2.13's), not inf * 0 = NaN."""
    x = Tensor([np.inf, -np.inf], dtype=np.float64, requires_grad=True)
    fn(x).sum().backward()
    np.testing.assert_array_equal(x.grad, grad)
