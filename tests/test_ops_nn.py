"""ops/nn.py: softmax, log_softmax, fused softmax cross-entropy, l2; and the two-layer network
they make, checked against gradcheck and a hand-written numpy backprop."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from op_table import GRAD_ATOL, GRAD_RTOL, specs, table_tests

import tinygrad_np as tg
from tinygrad_np import Tensor, gradcheck, relu

SPECS = specs("nn")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def _softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# -- softmax / log_softmax ----------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_gradient_matches_the_jacobian(axis, rng):
    x = rng.standard_normal((3, 4))
    t = Tensor(x, requires_grad=True)
    out = t.softmax(axis)
    np.testing.assert_allclose(out.data.sum(axis=axis), 1.0, rtol=1e-15)
    g = rng.standard_normal((3, 4))
    (out * g).sum().backward()
    s = _softmax(x, axis)
    expected = s * (g - (g * s).sum(axis=axis, keepdims=True))  # J^T g, J = diag(s) - s s^T
    np.testing.assert_allclose(t.grad, expected, rtol=1e-12, atol=1e-15)


def test_log_softmax_gradient(rng):
    x = rng.standard_normal((3, 5))
    t = Tensor(x, requires_grad=True)
    g = rng.standard_normal((3, 5))
    (t.log_softmax() * g).sum().backward()
    np.testing.assert_allclose(t.grad, g - _softmax(x) * g.sum(axis=-1, keepdims=True),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(600, 10), (120, 2), (300, 10), (12, 10)])
def test_softmax_of_many_short_rows_matches_float64_and_keeps_nan_in_its_row(shape, rng):
    """Rows of few classes (at most 32, and at least as many rows) are reduced down the
    columns of a transposed copy, fewer rows by numpy's reductions: the same values as the
    float64 formula, a NaN only in its own row, -inf logits at probability 0."""
    x = (rng.standard_normal(shape) * 5).astype(np.float32)
    x[1, 0], x[2, :] = np.nan, -np.inf
    x[2, 1] = 0.0
    probs = tg.softmax(Tensor(x), axis=1).data
    logs = tg.log_softmax(Tensor(x), axis=-1).data
    ok = np.ones(shape[0], bool)
    ok[1] = False
    assert probs.dtype == np.float32 and np.isnan(probs[1]).all() and np.isnan(logs[1]).all()
    np.testing.assert_allclose(probs[ok], _softmax(x[ok].astype(np.float64), axis=1),
                               rtol=1e-5, atol=1e-7)
    with np.errstate(divide="ignore"):  # row 2's zeros: log 0 = -inf, as log_softmax gives
        expected_logs = np.log(_softmax(x[ok].astype(np.float64), axis=1))
    np.testing.assert_allclose(logs[ok], expected_logs, rtol=1e-5, atol=1e-6)
    assert probs[2, 1] == 1.0 and (probs[2, [0, *range(2, shape[1])]] == 0).all()
    labels = rng.integers(0, shape[1], shape[0])
    labels[2] = 1
    ok[1] = False
    loss = tg.softmax_cross_entropy(Tensor(x[ok]), labels[ok]).data
    expected = -np.log(_softmax(x[ok].astype(np.float64), axis=1)[np.arange(ok.sum()),
                                                                   labels[ok]]).mean()
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


@pytest.mark.parametrize("shape", [(128, 10), (1024, 10), (64, 32), (7, 1), (40, 33), (3, 10)])
def test_row_max_and_sum_are_numpys_max_and_the_columns_added_in_order(shape, rng):
    """The reductions behind softmax and cross-entropy: the max is exactly numpy's (NaN
    included); on the few-columns path the sum adds the columns left to right, exactly,
    otherwise it is numpy's own sum. Both are (N, 1) arrays of the input's dtype, and
    writing into them leaves the input alone."""
    from tinygrad_np.ops.nn import _max, _sum

    x = rng.standard_normal(shape).astype(np.float32)
    x[2, 0] = np.nan
    kept = x.copy()
    row_max, row_sum = _max(x, 1), _sum(x, -1)
    assert row_max.shape == row_sum.shape == (shape[0], 1)
    assert row_max.dtype == row_sum.dtype == np.float32
    np.testing.assert_array_equal(row_max, x.max(axis=1, keepdims=True))
    if shape[1] <= min(32, shape[0]):
        in_order = x[:, :1].copy()
        for j in range(1, shape[1]):
            in_order[:, 0] += x[:, j]
        np.testing.assert_array_equal(row_sum, in_order)
    else:
        np.testing.assert_array_equal(row_sum, x.sum(axis=1, keepdims=True))
    row_max[...] = 7.0
    row_sum[...] = 7.0
    np.testing.assert_array_equal(x, kept)


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Tensor(x, requires_grad=True).softmax()
        ls = Tensor(x, requires_grad=True).log_softmax()
        ls.sum().backward()
    np.testing.assert_array_equal(s.data, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_array_equal(ls.data[0], [0.0, -2e4, -1e4])
    np.testing.assert_allclose(ls.data[1], np.log([1 / 3] * 3), rtol=1e-15)


# -- softmax cross-entropy ----------------------------------------------------------------------
def test_cross_entropy_of_uniform_logits_is_log_c():
    loss = Tensor(np.zeros((4, 5))).softmax_cross_entropy(np.array([0, 1, 2, 4]))
    np.testing.assert_allclose(loss.item(), np.log(5.0), rtol=1e-15)


def test_cross_entropy_gradient_is_softmax_minus_target_over_n(rng):
    x = rng.standard_normal((6, 4))
    y = np.array([0, 3, 1, 1, 2, 0])
    t = Tensor(x, requires_grad=True)
    loss = t.softmax_cross_entropy(y)
    log_p = x - x.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    np.testing.assert_allclose(loss.item(), -log_p[np.arange(6), y].mean(), rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(t.grad, (_softmax(x) - np.eye(4)[y]) / 6, rtol=1e-13,
                               atol=1e-16)

    # the same targets as one-hot rows give the same loss and gradient
    t2 = Tensor(x, requires_grad=True)
    loss2 = t2.softmax_cross_entropy(np.eye(4)[y])
    np.testing.assert_allclose(loss2.item(), loss.item(), rtol=1e-14)
    loss2.backward()
    np.testing.assert_allclose(t2.grad, t.grad, rtol=1e-13, atol=1e-16)


def test_cross_entropy_with_probability_rows(rng):
    x = rng.standard_normal((3, 4))
    p = rng.random((3, 4))
    p /= p.sum(axis=1, keepdims=True)
    t = Tensor(x, requires_grad=True)
    loss = t.softmax_cross_entropy(p)
    log_s = np.log(_softmax(x))
    np.testing.assert_allclose(loss.item(), -(p * log_s).sum() / 3, rtol=1e-13)
    loss.backward()
    np.testing.assert_allclose(t.grad, (_softmax(x) - p) / 3, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("labels", ["indices", "one_hot"])
def test_cross_entropy_is_finite_and_exact_for_logits_of_1e4(labels, dtype):
    """With logits +-1e4 the softmax is exactly one-hot in floating point, so the loss and the
    gradient take their exact limit values: loss = mean of the logit gaps to the winner,
    gradient = (onehot(argmax) - onehot(label)) / N."""
    x = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
    y = np.array([1, 1, 0, 0])
    target = y if labels == "indices" else np.eye(2, dtype=dtype)[y]
    t = Tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no invalid value
        loss = t.softmax_cross_entropy(target)
        loss.backward()
    assert loss.dtype == dtype
    assert loss.item() == (2e4 + 0 + 0 + 2e4) / 4  # rows 0 and 3 miss by 2e4
    expected = np.array([[0.25, -0.25], [0, 0], [0, 0], [-0.25, 0.25]], dtype=dtype)
    np.testing.assert_array_equal(t.grad, expected)
    assert t.grad.dtype == dtype


def test_cross_entropy_functional_form_and_tensor_labels():
    x = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
    a = tg.softmax_cross_entropy(Tensor(x), np.array([2, 0]))
    b = Tensor(x).softmax_cross_entropy(Tensor(np.array([2, 0])))
    c = Tensor(x).softmax_cross_entropy([2, 0])
    assert a.item() == b.item() == c.item()
    np.testing.assert_allclose(a.item(), np.log(np.exp([0.0, 1.0, 2.0]).sum()) - 2.0,
                               rtol=1e-15)


# -- l2 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_l2_value_and_gradient_is_exactly_the_tensor(dtype, rng):
    x = rng.standard_normal((3, 4)).astype(dtype)
    t = Tensor(x, requires_grad=True)
    out = t.l2()
    assert out.shape == () and out.dtype == dtype
    np.testing.assert_allclose(out.item(), 0.5 * np.sum(x.astype(np.float64) ** 2),
                               rtol=1e-6 if dtype == np.float32 else 1e-14)
    out.backward()
    np.testing.assert_array_equal(t.grad, x)
    assert t.grad.dtype == dtype
    assert not np.shares_memory(t.grad, x)  # the gradient is a copy, not the weights
    t2 = Tensor(x, requires_grad=True)
    tg.l2(t2).backward()
    np.testing.assert_array_equal(t2.grad, x)


# -- the two-layer network ----------------------------------------------------------------------
LAM = 1e-2


def two_layer_loss(x, w1, b1, w2, b2, y, lam=LAM):
    """Reads as the maths."""
    return (relu(x @ w1 + b1) @ w2 + b2).softmax_cross_entropy(y) + lam * (w1.l2() + w2.l2())


def _net_arrays(rng, dtype=np.float64, n=8, d=5, h=7, c=3):
    x = rng.standard_normal((n, d)).astype(dtype)
    w1 = (rng.standard_normal((d, h)) * 0.5).astype(dtype)
    b1 = (rng.standard_normal(h) * 0.1).astype(dtype)
    w2 = (rng.standard_normal((h, c)) * 0.5).astype(dtype)
    b2 = (rng.standard_normal(c) * 0.1).astype(dtype)
    y = rng.integers(0, c, size=n)
    return x, w1, b1, w2, b2, y


def numpy_backprop(x, w1, b1, w2, b2, y, lam=LAM):
    """The same network differentiated by hand."""
    n = x.shape[0]
    z = x @ w1 + b1
    h = np.maximum(z, 0)
    logits = h @ w2 + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean() + lam * 0.5 * ((w1 ** 2).sum() + (w2 ** 2).sum())
    dlogits = (p - np.eye(w2.shape[1])[y]) / n
    dw2 = h.T @ dlogits + lam * w2
    db2 = dlogits.sum(axis=0)
    dz = (dlogits @ w2.T) * (z > 0)
    dw1 = x.T @ dz + lam * w1
    db1 = dz.sum(axis=0)
    return loss, (dw1, db1, dw2, db2)


def test_two_layer_network_matches_hand_written_backprop(rng):
    x, w1, b1, w2, b2, y = _net_arrays(rng)
    params = [Tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
    loss = two_layer_loss(Tensor(x), *params, y)
    expected_loss, expected_grads = numpy_backprop(x, w1, b1, w2, b2, y)
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-14)
    loss.backward()
    for p, g in zip(params, expected_grads):
        assert p.grad.shape == g.shape and p.grad.dtype == np.float64
        np.testing.assert_allclose(p.grad, g, rtol=1e-12, atol=1e-15)


def test_two_layer_network_gradchecks(rng):
    x, w1, b1, w2, b2, y = _net_arrays(rng)
    assert gradcheck(lambda xx, a, b, c, d: two_layer_loss(xx, a, b, c, d, y),
                     Tensor(x), Tensor(w1), Tensor(b1), Tensor(w2), Tensor(b2),
                     atol=GRAD_ATOL, rtol=GRAD_RTOL)
    # and with probability-row targets
    p = rng.random((x.shape[0], 3))
    p /= p.sum(axis=1, keepdims=True)
    assert gradcheck(lambda a, b, c, d: two_layer_loss(Tensor(x), a, b, c, d, p),
                     Tensor(w1), Tensor(b1), Tensor(w2), Tensor(b2),
                     atol=GRAD_ATOL, rtol=GRAD_RTOL)


@pytest.mark.parametrize("targets", ["indices", "float32_one_hot"])
def test_float32_network_stays_float32_end_to_end(targets, rng):
    x, w1, b1, w2, b2, y = _net_arrays(rng, dtype=np.float32)
    labels = y if targets == "indices" else np.eye(3, dtype=np.float32)[y]
    params = [Tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
    tw1, tb1, tw2, tb2 = params
    tx = Tensor(x)
    steps = [tx @ tw1]
    steps.append(steps[-1] + tb1)
    steps.append(relu(steps[-1]))
    steps.append(steps[-1] @ tw2)
    steps.append(steps[-1] + tb2)
    steps.append(steps[-1].softmax_cross_entropy(labels))
    steps.append(tw1.l2() + tw2.l2())
    steps.append(LAM * steps[-1])
    loss = steps[-3] + steps[-1]
    for s in steps + [loss]:
        assert s.dtype == np.float32, s
    loss.backward()
    for p in params:
        assert p.grad.dtype == np.float32 and p.grad.shape == p.shape
    # and the float32 gradients are the float64 ones, to float32 precision
    _, expected = numpy_backprop(*(a.astype(np.float64) for a in (x, w1, b1, w2, b2)), y)
    for p, g in zip(params, expected):
        np.testing.assert_allclose(p.grad, g, rtol=1e-4, atol=1e-6)


def test_softmax_takes_pytorchs_dtype_and_a_dim_of_none():
    from tinygrad_np import nn
    x = Tensor(np.array([[0.0, 1.0, 2.0]], np.float32), requires_grad=True)
    y = tg.softmax(x, dim=1, dtype=np.float64)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.data, np.exp([[0.0, 1.0, 2.0]]) / np.exp([0.0, 1.0, 2.0]).sum(),
                               rtol=1e-15)
    y.sum().backward()
    assert x.grad.dtype == np.float32  # the gradient comes back through the cast
    assert tg.log_softmax(x, dtype=np.float64).dtype == np.float64
    for module in (nn.Softmax(dim=None), nn.LogSoftmax(None), nn.Softmin(dim=None)):
        assert module.axis == -1
