"""ops/reduce.py: sum, mean, max, min over all axes, one (negative too) or several, keepdims;
argmax and argmin."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

from tinygrad_np import Tensor, jit

SPECS = specs("reduce")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


AXES = [None, 0, 1, -1, -3, (0, 2), (2, 0), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
def test_sum_and_mean_exact_gradients(axis, keepdims, rng):
    x = rng.standard_normal((2, 3, 4))
    t = Tensor(x, requires_grad=True)
    s = t.sum(axis=axis, keepdims=keepdims)
    expected = x.sum(axis=axis, keepdims=keepdims)
    assert s.shape == expected.shape
    g = rng.standard_normal(s.shape)
    (s * g).sum().backward()
    # each element receives the upstream gradient of the sum it fell into
    g_full = g if keepdims else np.expand_dims(
        g, tuple(range(3)) if axis is None else tuple(np.atleast_1d(axis) % 3))
    np.testing.assert_array_equal(t.grad, np.broadcast_to(g_full, x.shape))

    t2 = Tensor(x, requires_grad=True)
    m = t2.mean(axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(m.data, x.mean(axis=axis, keepdims=keepdims))
    (m * g).sum().backward()
    count = x.size // expected.size
    np.testing.assert_allclose(t2.grad, np.broadcast_to(g_full, x.shape) / count, rtol=1e-15)


def test_mean_gradient_is_one_over_n():
    t = Tensor(np.arange(8.0).reshape(2, 4), requires_grad=True)
    t.mean().backward()
    np.testing.assert_array_equal(t.grad, np.full((2, 4), 1 / 8))
    t.zero_grad()
    t.mean(axis=-1).sum().backward()
    np.testing.assert_array_equal(t.grad, np.full((2, 4), 1 / 4))


def test_max_ties_share_the_gradient_equally():
    x = np.array([[1.0, 3.0, 3.0],
                  [2.0, 2.0, 0.0],
                  [5.0, 5.0, 5.0]])
    t = Tensor(x, requires_grad=True)
    out = t.max(axis=1)
    np.testing.assert_array_equal(out.data, [3.0, 2.0, 5.0])
    (out * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 0.5, 0.5], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])

    t = Tensor(x, requires_grad=True)
    t.max().backward()  # the three 5s tie for the overall max
    np.testing.assert_array_equal(t.grad, [[0, 0, 0], [0, 0, 0], [1 / 3, 1 / 3, 1 / 3]])

    t = Tensor(x, requires_grad=True)
    t.max(axis=0, keepdims=True).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0, 0], [0, 0, 0], [1, 1, 1]])


def test_min_ties_share_the_gradient_equally():
    x = np.array([[1.0, 1.0, 4.0], [0.0, 2.0, 0.0]])
    t = Tensor(x, requires_grad=True)
    out = t.min(axis=-1)
    np.testing.assert_array_equal(out.data, [1.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.5, 0.5, 0.0], [0.5, 0.0, 0.5]])
    t = Tensor(x, requires_grad=True)
    t.min(axis=(0, 1)).backward()
    np.testing.assert_array_equal(t.grad, [[0, 0, 0], [0.5, 0, 0.5]])


def test_max_gradient_over_a_tuple_of_axes():
    x = np.arange(24.0).reshape(2, 3, 4)
    x[1, 0, 2] = 100.0
    t = Tensor(x, requires_grad=True)
    out = t.max(axis=(0, 2))
    np.testing.assert_array_equal(out.data, x.max(axis=(0, 2)))
    out.sum().backward()
    expected = np.zeros_like(x)
    expected[1, 0, 2] = expected[1, 1, 3] = expected[1, 2, 3] = 1.0
    np.testing.assert_array_equal(t.grad, expected)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_reductions_keep_float32(op, rng):
    t = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    for axis in (None, 0, (0, 1)):
        out = getattr(t, op)(axis=axis)
        assert out.dtype == np.float32
        t.zero_grad()
        out.sum().backward()
        assert t.grad.dtype == np.float32 and t.grad.shape == (3, 4)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", [0, -1, None])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_of_a_0d_tensor_along_axis_0_go_back_too(op, axis, keepdims):
    """numpy (and PyTorch) take axis 0 / -1 on a 0-d array; backward crashed with a
    ZeroDivisionError (axis % 0). PyTorch: torch.tensor(3.).sum(dim=0) -> 3, grad 1."""
    t = Tensor(np.array(3.0), requires_grad=True)
    out = getattr(t, op)(axis=axis, keepdims=keepdims)
    assert out.shape == () and out.item() == 3.0
    (out * 2.0).backward()
    assert t.grad.shape == () and t.grad == 2.0


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_argmax_and_argmin_are_numpys_with_ties_to_the_first_and_no_gradient(axis, keepdims):
    x = np.array([[1.0, 3.0, 3.0, 0.0], [5.0, 0.0, 5.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    t = Tensor(x, requires_grad=True)
    pairs = [(t.argmax(axis=axis, keepdims=keepdims), x.argmax(axis, keepdims=keepdims)),
             (t.argmin(axis=axis, keepdims=keepdims), x.argmin(axis, keepdims=keepdims))]
    for ours, theirs in pairs:
        assert ours.data.dtype == np.int64 and ours.shape == np.shape(theirs)
        np.testing.assert_array_equal(ours.data, theirs)
        assert not ours.requires_grad and ours.grad_fn is None


def test_an_accuracy_taken_with_argmax_replays_under_jit():
    """argmax is an op, so a jitted step records it: it was numpy taking the recorded
    numbers, a constant checked on every call, so each new batch recorded anew."""
    w = Tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)

    def accuracy(x, labels):
        return ((Tensor(x) @ w).argmax(axis=1) == Tensor(labels)).mean()

    jitted = jit(accuracy)
    rng = np.random.default_rng(1)
    for _ in range(6):
        x, labels = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)
        assert jitted(x, labels).item() == accuracy(x, labels).item()
    assert jitted.recordings == 1



@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("op", ["max", "min"])
def test_a_nan_max_over_everything_shares_its_gradient_among_the_nans(op, create_graph):
    x = np.array([[3.0, np.nan, 1.0], [np.nan, 2.0, 0.0]])
    t = Tensor(x, requires_grad=True)
    out = getattr(t, op)()
    assert np.isnan(out.item())
    out.backward(create_graph=create_graph)  # torch 2.13's x.max() / x.min(): 1/2 to each NaN
    np.testing.assert_array_equal(np.asarray(t.grad), [[0, 0.5, 0], [0.5, 0, 0]])
    t = Tensor(np.array([[3.0, np.nan, 1.0], [1.0, 2.0, 0.0]]), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        getattr(t, op)(axis=1).sum().backward()  # over an axis: NaN for a line with one, as
    # torch.amax's and amin's
    np.testing.assert_array_equal(t.grad, [[np.nan] * 3, [0, op == "max", op == "min"]])
