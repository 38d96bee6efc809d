"""ops/cumulative.py: cumprod and logcumsumexp. The op table's rows, then the gradient
where an element is 0 (PyTorch's numbers), no overflow, second derivatives, and a jitted
step (matched against torch 2.13 on 150 random shapes with zeros and ties too)."""
from __future__ import annotations

import numpy as np
from jit_checks import check_jit_matches_eager
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradgradcheck

SPECS = specs("cumulative")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def test_cumprod_gradient_is_right_at_zeros():
    x = Tensor(np.array([2.0, 0.0, 3.0, 0.0, 4.0]), requires_grad=True)
    out = tg.cumprod(x, 0)
    np.testing.assert_array_equal(out.data, [2.0, 0.0, 0.0, 0.0, 0.0])
    out.backward(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(x.grad, [1.0, 22.0, 0.0, 0.0, 0.0])  # torch 2.13's
    y = Tensor(np.array([[1.0, 0.0, 2.0], [3.0, 1.0, 2.0]]), requires_grad=True)
    tg.cumprod(y, 1).sum().backward()  # one line with a zero, one without
    np.testing.assert_array_equal(y.grad, [[1.0, 3.0, 0.0], [4.0, 9.0, 3.0]])


def test_logcumsumexp_never_overflows():
    x = Tensor(np.array([-1000.0, 0.0, 1000.0]), requires_grad=True)
    out = tg.logcumsumexp(x, 0)
    np.testing.assert_allclose(out.data, [-1000.0, 0.0, 1000.0], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0, 1.0], rtol=1e-15)  # each in its own sum
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(tg.logcumsumexp(np.zeros(3)).data, np.log([1.0, 2.0, 3.0]),
                               rtol=1e-15)
    # no axis: over the flattened input, as numpy's cumprod (and cumsum here)
    np.testing.assert_array_equal(tg.cumprod(np.arange(1.0, 5.0).reshape(2, 2)).data,
                                  [1.0, 2.0, 6.0, 24.0])


def test_second_derivatives_and_refusals():
    x = np.array([[0.5, 0.0, -1.5, 2.0], [1.0, -0.5, 0.25, 3.0]])
    gradgradcheck(lambda t: tg.cumprod(t, 1), [Tensor(x, requires_grad=True)])
    gradgradcheck(lambda t: tg.logcumsumexp(t, 0), [Tensor(x, requires_grad=True)])
    try:
        tg.cumprod(x, 2)
    except OpError as error:
        assert "cumprod: axis 2 is out of range for input of shape (2, 4)" in str(error)
    else:
        raise AssertionError("no error")


def test_a_jitted_step_replays_them():
    def make():
        tg.manual_seed(0)
        layer = tg.nn.Linear(3, 4, dtype=np.float64)
        opt = tg.optim.SGD(layer.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = layer(x)
            loss = tg.cumprod(h.tanh(), 1).sum() + tg.logcumsumexp(h, 0).mean() \
                + tg.cummax(h, 1)[0].sum()
            loss.backward()
            opt.step()
            return loss
        return step, layer
    calls = [(np.random.default_rng(i).standard_normal((5, 3)),) for i in range(4)]
    assert check_jit_matches_eager(make, calls).recordings == 1


def test_a_0d_input_takes_axis_0_or_minus_1_as_pytorchs():
    for op in (tg.cumprod, tg.logcumsumexp):
        for axis in (0, -1):  # torch 2.13: the value itself, shape (), gradient 1
            t = Tensor(np.array(2.0), requires_grad=True)
            out = op(t, axis)
            assert out.shape == () and out.item() == 2.0
            out.backward()
            assert t.grad == 1.0
        try:
            op(np.array(2.0), 1)
        except OpError as error:
            assert "axis 1 is out of range for input of shape ()" in str(error)
        else:
            raise AssertionError("no error")
