"""linalg.py's norms: vector_norm, matrix_norm and norm (inv, det and solve are ops, tested in
test_ops_inverse.py), against numpy's and hand-derived values, gradchecked in float64."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, linalg

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4, 5))


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, math.inf, -math.inf])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm_matches_numpy_and_gradchecks(ord, dim, keepdim):
    x = Tensor(A, requires_grad=True)
    out = linalg.vector_norm(x, ord, dim, keepdim)
    axis = tuple(dim) if isinstance(dim, tuple) else dim
    flat = np.abs(A) if axis is not None else np.abs(A).reshape(-1)
    if ord == math.inf:
        expected = flat.max(axis=axis, keepdims=keepdim)
    elif ord == -math.inf:
        expected = flat.min(axis=axis, keepdims=keepdim)
    else:
        expected = (flat ** ord).sum(axis=axis, keepdims=keepdim) ** (1 / ord)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert gradcheck(lambda t: linalg.vector_norm(t, ord, dim, keepdim), x)


def test_norm_of_zero_has_no_gradient_and_l0_counts():
    zero = Tensor(np.zeros(3), requires_grad=True)
    linalg.vector_norm(zero).backward()
    np.testing.assert_array_equal(zero.grad, [0.0, 0.0, 0.0])  # PyTorch's: none through 0
    assert linalg.vector_norm(Tensor(np.array([0.0, 2.0, -1.0])), 0).item() == 2.0


def test_matrix_norms_and_norm_pick_by_axes():
    m = np.array([[1.0, -2.0], [3.0, 4.0]])
    x = Tensor(m, requires_grad=True)
    assert linalg.matrix_norm(x, 1).item() == 6.0  # the largest column sum of |m|
    assert linalg.matrix_norm(x, -1).item() == 4.0
    assert linalg.matrix_norm(x, math.inf).item() == 7.0  # the largest row sum
    assert linalg.matrix_norm(x, -math.inf).item() == 3.0
    assert linalg.matrix_norm(x).item() == pytest.approx(math.sqrt(30.0), rel=1e-15)
    assert linalg.norm(x, 1).item() == 6.0  # a matrix: matrix_norm
    assert linalg.norm(x, 1, dim=1).tolist() == [3.0, 7.0]  # one axis: vector_norm
    assert linalg.norm(x).item() == pytest.approx(math.sqrt(30.0), rel=1e-15)
    batch = Tensor(A, requires_grad=True)
    np.testing.assert_allclose(linalg.matrix_norm(batch, 1, dim=(0, 2)).data,
                               np.abs(A).sum(axis=0).max(axis=1), rtol=1e-12)
    for ord in ("fro", 1, math.inf):
        assert gradcheck(lambda t, ord=ord: linalg.matrix_norm(t, ord), batch)
    with pytest.raises(OpError, match="matrix_norm: ord='nuc' is not supported"):
        linalg.matrix_norm(x, "nuc")
    with pytest.raises(OpError, match="matrix norm: give two axes"):
        linalg.norm(Tensor(A), "fro", dim=1)


def test_tensor_norm_takes_p_and_cdist_is_the_norm_of_differences():
    x = Tensor(A[0], requires_grad=True)
    np.testing.assert_allclose(x.norm(p=1, dim=1).data, np.abs(A[0]).sum(axis=1), rtol=1e-12)
    assert x.norm(p="fro").item() == pytest.approx(np.sqrt((A[0] ** 2).sum()), rel=1e-12)
    points, others = Tensor(A[0], requires_grad=True), Tensor(A[1], requires_grad=True)
    expected = np.sqrt(((A[0][:, None] - A[1][None]) ** 2).sum(-1))
    np.testing.assert_allclose(tg.cdist(points, others).data, expected, rtol=1e-12)
    assert gradcheck(lambda p, q: tg.cdist(p, q, p=1.5), points, others)
    same = Tensor(A[0], requires_grad=True)
    tg.cdist(same, same).sum().backward()  # zero distances on the diagonal pass nothing
    assert np.isfinite(same.grad).all()
