"""ops/elementwise.py: + - * / ** neg exp log sqrt abs relu sigmoid tanh, broadcasting, and
Python numbers / numpy arrays on either side.

The table in op_table.py drives the forward and gradcheck properties; the tests after them pin
exact derivative values and the dtype/operand rules.
"""
from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import NAMED_PAIRS, binary, check_forward, check_gradcheck, specs, table_tests

import tinygrad_np as tg
from tinygrad_np import Tensor

SPECS = specs("elementwise")
BINARY = [s for s in SPECS if s.domains]


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


@pytest.mark.parametrize("pair", NAMED_PAIRS, ids=str)
@pytest.mark.parametrize("spec", BINARY, ids=repr)
@settings(max_examples=5)  # the shapes are fixed; a few value draws each
@given(data=st.data())
def test_named_broadcast_pairs(spec, pair, data):
    """Every binary op on every broadcast pair the issue names, deterministically covered."""
    case = data.draw(binary(*spec.domains, pairs=st.just(pair)))
    check_forward(spec, case, np.float64)
    check_gradcheck(spec, case)


def test_broadcast_gradient_sums_over_the_stretched_axes():
    a = Tensor(np.arange(12.0).reshape(3, 1, 4), requires_grad=True)
    b = Tensor(np.arange(20.0).reshape(5, 4), requires_grad=True)
    out = a * b
    assert out.shape == (3, 5, 4)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, np.broadcast_to(b.data.sum(axis=0), (3, 1, 4)))
    np.testing.assert_array_equal(b.grad, np.broadcast_to(a.data.sum(axis=0), (5, 4)))
    assert a.grad.shape == (3, 1, 4) and b.grad.shape == (5, 4)


def test_bias_row_gradient_is_the_column_sum(rng):
    x = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    bias = Tensor(rng.standard_normal(3), requires_grad=True)
    g = rng.standard_normal((6, 3))
    ((x + bias) * g).sum().backward()
    np.testing.assert_array_equal(bias.grad, g.sum(axis=0))
    np.testing.assert_array_equal(x.grad, g)


M = np.array([[1.0, 2.0, 4.0], [-1.0, 0.5, 3.0]])
# op, scalar on the left?, expected d/ds and d/dt of sum(op(...)) with s = 2 (0-d), t = M
ZERO_DIM_CASES = [
    (operator.add, True, M.size, np.ones_like(M)),
    (operator.add, False, M.size, np.ones_like(M)),
    (operator.sub, True, M.size, -np.ones_like(M)),
    (operator.sub, False, -M.size, np.ones_like(M)),
    (operator.mul, True, M.sum(), np.full_like(M, 2.0)),
    (operator.mul, False, M.sum(), np.full_like(M, 2.0)),
    (operator.truediv, True, np.sum(1 / M), -2.0 / M ** 2),  # 2 / t
    (operator.truediv, False, np.sum(-M / 4.0), np.full_like(M, 0.5)),  # t / 2
]


@pytest.mark.parametrize("op, scalar_left, ds, dt", ZERO_DIM_CASES,
                         ids=[f"{c[0].__name__}-{'left' if c[1] else 'right'}"
                              for c in ZERO_DIM_CASES])
def test_zero_dim_tensor_operand_on_both_sides(op, scalar_left, ds, dt):
    """A 0-d tensor broadcasts like a number, on the left and on the right, and its gradient
    is the sum over everything it was broadcast to."""
    s = Tensor(np.array(2.0), requires_grad=True)
    t = Tensor(M.copy(), requires_grad=True)
    out = op(s, t) if scalar_left else op(t, s)
    np.testing.assert_array_equal(out.data, op(2.0, M) if scalar_left else op(M, 2.0))
    out.sum().backward()
    assert s.grad.shape == () and t.grad.shape == M.shape
    np.testing.assert_allclose(s.grad, ds, rtol=1e-15)
    np.testing.assert_allclose(t.grad, dt, rtol=1e-15)


def test_zero_dim_leaf_grad_is_an_ndarray():
    """`.grad` is an ndarray of the leaf's shape and dtype, also for a 0-d leaf (a scale
    factor, a temperature) - not a numpy scalar."""
    s = Tensor(np.array(2.0), requires_grad=True)
    (s * Tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    assert isinstance(s.grad, np.ndarray), type(s.grad)
    assert s.grad.shape == () and s.grad.dtype == np.float64
    assert s.grad == 6.0
    u = Tensor(np.array(3.0), requires_grad=True)
    (u * u).backward()
    assert isinstance(u.grad, np.ndarray), type(u.grad)
    assert u.grad == 6.0


LEFT_OPS = {  # op(c, t) and its derivative in t
    "add": (operator.add, lambda c, t: np.ones_like(t)),
    "sub": (operator.sub, lambda c, t: -np.ones_like(t)),
    "mul": (operator.mul, lambda c, t: c * np.ones_like(t)),
    "div": (operator.truediv, lambda c, t: -c / t ** 2),
    "pow": (operator.pow, lambda c, t: c ** t * np.log(c)),
}


@pytest.mark.parametrize("name", LEFT_OPS)
@pytest.mark.parametrize("left", [np.array([1.5, 2.0, 3.0]), np.float64(2.0), np.float32(2.0)],
                         ids=["ndarray", "np.float64", "np.float32"])
def test_numpy_on_the_left_gives_a_tensor_with_gradient(name, left):
    op, derivative = LEFT_OPS[name]
    t = Tensor(np.array([0.5, 1.0, 2.0]), requires_grad=True)
    out = op(left, t)
    assert type(out) is Tensor and out.dtype == np.float64
    np.testing.assert_array_equal(out.data, op(left, t.data))
    out.sum().backward()
    np.testing.assert_allclose(t.grad, derivative(np.float64(left), t.data), rtol=1e-6)


def test_python_scalar_keeps_float32():
    x = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    outs = [x + 1, 2 + x, x - 0.1, 0.1 - x, x * 3, 3.5 * x, x / 7, 7 / x, x ** 2, 2 ** x,
            -x, x.exp(), x.abs().log(), x.abs().sqrt(), x.abs(), x.relu(), x.sigmoid(), x.tanh()]
    for out in outs:
        assert out.dtype == np.float32, out
        x.zero_grad()
        out.sum().backward()
        assert x.grad.dtype == np.float32


def test_python_number_is_taken_at_the_tensor_precision():
    """`x64 * 0.1` is numpy's `a * 0.1` exactly (0.1 is not rounded through float32)."""
    a = np.array([1.0, 3.0, 7.0])
    np.testing.assert_array_equal((Tensor(a) * 0.1).data, a * 0.1)
    np.testing.assert_array_equal((0.1 + Tensor(a)).data, 0.1 + a)


# -- exact derivative values ------------------------------------------------------------------
def _grad(f, x):
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    f(t).sum().backward()
    return t.grad


X = np.array([-2.5, -0.5, 0.25, 1.0, 3.0])


def test_exact_derivatives():
    np.testing.assert_array_equal(_grad(lambda t: t.exp(), X), np.exp(X))
    np.testing.assert_array_equal(_grad(lambda t: t.log(), X[2:]), 1 / X[2:])
    np.testing.assert_allclose(_grad(lambda t: t.sqrt(), X[2:]), 0.5 / np.sqrt(X[2:]),
                               rtol=1e-15)
    np.testing.assert_array_equal(_grad(lambda t: t.abs(), X), np.sign(X))
    np.testing.assert_array_equal(_grad(lambda t: t.relu(), X), [0, 0, 1, 1, 1])
    np.testing.assert_allclose(_grad(lambda t: t.tanh(), X), 1 - np.tanh(X) ** 2, rtol=1e-14)
    s = 1 / (1 + np.exp(-X))
    np.testing.assert_allclose(_grad(lambda t: t.sigmoid(), X), s * (1 - s), rtol=1e-14)
    np.testing.assert_array_equal(_grad(lambda t: -t, X), -np.ones(5))
    np.testing.assert_allclose(_grad(lambda t: t ** 3, X), 3 * X ** 2, rtol=1e-15)
    np.testing.assert_allclose(_grad(lambda t: 2.0 ** t, X), 2.0 ** X * np.log(2.0),
                               rtol=1e-15)
    np.testing.assert_allclose(_grad(lambda t: 1 / t, X), -1 / X ** 2, rtol=1e-15)


def test_pow_with_tensor_base_and_exponent():
    a = Tensor(np.array([0.5, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, -1.0, 0.5]), requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_allclose(a.grad, b.data * a.data ** (b.data - 1), rtol=1e-15)
    np.testing.assert_allclose(b.grad, a.data ** b.data * np.log(a.data), rtol=1e-15)


def test_sigmoid_is_stable_and_exact_at_the_extremes():
    x = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning from exp
        t = Tensor(x, requires_grad=True)
        out = t.sigmoid()
        out.sum().backward()
    assert out.data[0] == 0.0 and out.data[-1] == 1.0 and out.data[3] == 0.5
    np.testing.assert_allclose(out.data[2], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)
    assert np.all(np.isfinite(t.grad))
    assert t.grad[0] == 0.0 and t.grad[-1] == 0.0 and t.grad[3] == 0.25
    # float32 too
    t32 = Tensor(x.astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out32 = t32.sigmoid()
    assert out32.dtype == np.float32 and out32.data[0] == 0.0 and out32.data[-1] == 1.0


def test_top_level_functions_are_the_methods():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    for fn, method in [(tg.relu, "relu"), (tg.sigmoid, "sigmoid"), (tg.tanh, "tanh"),
                       (tg.exp, "exp"), (tg.log, "log"), (tg.sqrt, "sqrt")]:
        a, b = fn(x), getattr(x, method)()
        np.testing.assert_array_equal(a.data, b.data)
        assert type(a.grad_fn) is type(b.grad_fn)
        assert a.grad_fn.parents[0] is x
    # they also accept plain arrays and numbers
    np.testing.assert_array_equal(tg.exp(np.array([0.0, 1.0])).data, np.exp([0.0, 1.0]))
    assert tg.relu(-3.0).item() == 0.0


def test_pow_gives_0_not_nan_where_the_derivative_is_0():
    """Values from PyTorch 2.13 (float64):
    b = torch.tensor([0., 0., 0., 2.], requires_grad=True)
    p = torch.tensor([2., 0., -1., 3.], requires_grad=True); (b ** p).sum().backward()
    b.grad -> [0, 0, -inf, 12], p.grad -> [0, 0, -inf, 8 * log(2)]; and x ** 0 at x = 0 -> 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the masked 0 * inf warns nothing
        x = Tensor(np.array([0.0, 2.0, -1.0]), requires_grad=True)
        (x ** 0).sum().backward()
        np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    b = Tensor(np.array([0.0, 0.0, 0.0, 2.0]), requires_grad=True)
    p = Tensor(np.array([2.0, 0.0, -1.0, 3.0]), requires_grad=True)
    with np.errstate(divide="ignore"):
        total = (b ** p).sum()  # 0 ** -1 = inf: numpy's warning is right here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total.backward()
    np.testing.assert_array_equal(b.grad, [0.0, 0.0, -np.inf, 12.0])
    np.testing.assert_allclose(p.grad, [0.0, 0.0, -np.inf, 8 * np.log(2.0)], rtol=1e-15)
    # a number base 0 with a tensor exponent (0 ** p), float32 and broadcast
    q = Tensor(np.array([[1.0], [2.0]], dtype=np.float32), requires_grad=True)
    (Tensor(np.zeros(3, dtype=np.float32)) ** q).sum().backward()
    assert q.grad.dtype == np.float32
    np.testing.assert_array_equal(q.grad, [[0.0], [0.0]])
