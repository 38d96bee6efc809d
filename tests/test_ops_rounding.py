"""ops/rounding.py: floor, ceil, round, trunc, sign, remainder, fmod (and frac, made of
trunc). The op table's rows, then the gradient (0, as PyTorch passes it), rounding halves
to even and with decimals, the remainders' signs (matched against torch 2.13 too)."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor

SPECS = specs("rounding")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_stepwise_ops_pass_a_zero_gradient(name):
    x = Tensor(np.array([-1.5, -0.5, 0.0, 0.5, 2.0]), requires_grad=True)
    (getattr(tg, name)(x) * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))
    y = Tensor(np.array([0.25, 1.75]), requires_grad=True)
    tg.grad(tg.grad(getattr(tg, name)(y).sum(), [y], create_graph=True)[0].sum() + y.sum(), [y])


def test_round_halves_to_even_and_to_decimals():
    np.testing.assert_array_equal(tg.round(Tensor([0.5, 1.5, 2.5, -0.5])).data,
                                  [0.0, 2.0, 2.0, -0.0])
    np.testing.assert_array_equal(tg.round(Tensor(np.array([1234.5678])), 2).data, [1234.57])
    np.testing.assert_array_equal(tg.round(Tensor(np.array([1234.5678])), -2).data, [1200.0])
    with pytest.raises(OpError, match="round: decimals must be an int"):
        tg.round(Tensor([1.0]), 0.5)


def test_remainder_takes_the_divisors_sign_and_fmod_the_dividends():
    a, b = np.array([5.0, -5.0, 5.0, -5.0]), np.array([3.0, 3.0, -3.0, -3.0])
    np.testing.assert_array_equal(tg.remainder(a, b).data, [2.0, 1.0, -1.0, -2.0])
    np.testing.assert_array_equal(tg.fmod(a, b).data, [2.0, -2.0, 2.0, -2.0])
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    tg.remainder(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(4))
    np.testing.assert_array_equal(y.grad, -np.floor(a / b))
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    tg.fmod(x, y).sum().backward()
    np.testing.assert_array_equal(y.grad, -np.trunc(a / b))
    np.testing.assert_array_equal(tg.frac(Tensor([-2.25, 3.75])).data, [-0.25, 0.75])
    np.testing.assert_array_equal((Tensor(a) % 3.0).data, tg.remainder(a, 3.0).data)
