"""ops/transcendental.py: tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, log2,
log10, exp2, atan2, hypot, logaddexp, xlogy. The op table's rows (numpy's values to the bit,
gradcheck), then second derivatives and xlogy's zeros (matched against torch 2.13 too)."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import Tensor, gradgradcheck

SPECS = specs("transcendental")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)

RNG = np.random.default_rng(0)
INSIDE = RNG.uniform(-0.8, 0.8, (2, 3))  # in every unary op's domain, acosh's shifted


@pytest.mark.parametrize("name", ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
                                  "acosh", "atanh", "log2", "log10", "exp2"])
def test_second_derivatives(name):
    x = INSIDE + 2.0 if name in ("acosh", "log2", "log10") else INSIDE
    gradgradcheck(getattr(tg, name), Tensor(x, requires_grad=True))


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "xlogy"])
def test_second_derivatives_of_the_binary_ones(name):
    y = np.abs(INSIDE) + 0.5
    gradgradcheck(getattr(tg, name), [Tensor(INSIDE, requires_grad=True),
                                      Tensor(y, requires_grad=True)])


def test_xlogy_is_zero_where_x_is_zero_as_pytorchs():
    x = Tensor(np.array([0.0, 0.0, 0.0, 1.0, 0.0]), requires_grad=True)
    y = Tensor(np.array([0.5, 0.0, np.inf, 0.0, np.nan]), requires_grad=True)
    out = tg.xlogy(x, y)
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 0.0, -np.inf, np.nan])
    out.sum().backward()
    # torch 2.13: log(y), but 0 where x and y are both 0; x / y
    np.testing.assert_array_equal(x.grad, [np.log(0.5), 0.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(y.grad, [0.0, np.nan, 0.0, np.inf, np.nan])


def test_binary_ones_broadcast_and_methods_match():
    a, b = RNG.standard_normal((3, 1)), RNG.standard_normal(4)
    np.testing.assert_array_equal(tg.atan2(a, b).data, np.arctan2(a, b))
    x = Tensor(a, requires_grad=True)
    tg.logaddexp(x, b).sum().backward()
    np.testing.assert_allclose(x.grad[:, 0], (np.exp(a - np.logaddexp(a, b))).sum(1), rtol=1e-14)
    t = Tensor(np.abs(INSIDE) * 0.9 + 0.05)  # in every one's domain
    for method in ("tan", "sinh", "arcsin", "arctan", "log2", "exp2"):
        np.testing.assert_array_equal(getattr(t, method)().data,
                                      getattr(tg, method.replace("arc", "a"))(t).data)
    assert t.float().dtype == np.float32 and tg.hypot(3.0, 4.0).item() == 5.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_atan2_gradient_at_the_origin_is_zero_as_pytorchs(create_graph):
    y = Tensor(np.array([0.0, 0.0, 1.0]), requires_grad=True)
    x = Tensor(np.array([0.0, -0.0, 0.0]), requires_grad=True)
    out = tg.atan2(y, x)
    np.testing.assert_array_equal(out.data, [0.0, np.pi, np.pi / 2])
    out.backward(Tensor(np.array([1.0, -1.0, 1.0])), create_graph=create_graph)
    # torch 2.13: y.grad [0, 0, 0], x.grad [-0, 0, -1], signs of the zeros included
    for grad, expected in ((y.grad, [0.0, 0.0, 0.0]), (x.grad, [-0.0, 0.0, -1.0])):
        np.testing.assert_array_equal(np.asarray(grad), expected)
        np.testing.assert_array_equal(np.signbit(np.asarray(grad)), np.signbit(expected))
