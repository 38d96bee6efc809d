"""grad_mode.py: no_grad / enable_grad as context managers and decorators."""
from __future__ import annotations

import weakref

import numpy as np
import pytest

from tinygrad_np import Function, Tensor, enable_grad, is_grad_enabled, no_grad


@pytest.fixture
def w():
    return Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)


def test_grad_is_enabled_by_default():
    assert is_grad_enabled() is True


def test_no_grad_records_no_graph(w):
    with no_grad():
        assert is_grad_enabled() is False
        outs = [w * 2, w + w, w.exp(), w.relu(), (w @ w), w.sum(), w[0], w.reshape(3, 1),
                w.softmax(), w.reshape(1, 3).softmax_cross_entropy([1]), w.l2()]
    assert is_grad_enabled() is True
    for out in outs:
        assert out.grad_fn is None and out.requires_grad is False
    np.testing.assert_array_equal(outs[0].data, [2.0, -4.0, 6.0])  # values are computed
    with pytest.raises(RuntimeError):
        outs[-1].backward()


def test_no_grad_keeps_no_saved_arrays_alive(w):
    """Under no_grad nothing is kept for backward: the result holds no node, so an array the
    forward saved is gone as soon as the call returns."""
    saved = []

    class SaveSomething(Function):
        @staticmethod
        def forward(ctx, x):
            extra = x * 10
            saved.append(weakref.ref(extra))
            ctx.save_for_backward(extra)
            return x + 1

        @staticmethod
        def backward(ctx, grad):
            return grad

    with no_grad():
        out = SaveSomething.apply(w)
    assert out.grad_fn is None
    assert saved[0]() is None
    out2 = SaveSomething.apply(w)  # with grad on, the node keeps it until backward
    assert saved[1]() is not None
    out2.sum().backward()
    assert saved[1]() is None


def test_no_grad_restores_the_previous_mode_after_an_exception(w):
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError("inside the block")
    assert is_grad_enabled() is True
    assert (w * 2).grad_fn is not None


def test_no_grad_as_a_decorator(w):
    @no_grad()
    def predict(t):
        assert is_grad_enabled() is False
        return t * 3

    out = predict(w)
    assert out.grad_fn is None and not out.requires_grad
    assert is_grad_enabled() is True
    assert predict.__name__ == "predict"

    @no_grad()
    def fails():
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert is_grad_enabled() is True


def test_enable_grad_inside_no_grad(w):
    with no_grad():
        with enable_grad():
            assert is_grad_enabled() is True
            inner = w * 2
        assert is_grad_enabled() is False
        outer = w * 2
    assert inner.grad_fn is not None and outer.grad_fn is None
    inner.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])


def test_enable_grad_as_a_decorator_and_nesting(w):
    @enable_grad()
    def train_step(t):
        return (t * t).sum()

    with no_grad():
        loss = train_step(w)
        assert is_grad_enabled() is False
        with no_grad():
            assert is_grad_enabled() is False
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * w.data)


def test_tensors_made_under_no_grad_can_still_require_grad():
    with no_grad():
        t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert t.requires_grad
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
