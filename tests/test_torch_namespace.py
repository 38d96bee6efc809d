"""torch_namespace.py and dtypes.py: PyTorch's `torch.` functions that are methods here, the
functions that combine tensors (against numpy, gradchecked in float64), and dtype names."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck

RNG = np.random.default_rng(0)
M = np.array([[1.0, -2.0, 0.5], [3.0, -4.0, 2.0]])


def leaf(shape):
    return Tensor(RNG.standard_normal(shape), requires_grad=True)


def test_functions_are_their_methods():
    x = Tensor(M)
    pairs = [(tg.sum(x, dim=1), x.sum(dim=1)), (tg.max(x), x.max()),
             (tg.min(x, 0).values, x.min(0)),
             (tg.abs(x), abs(x)), (tg.pow(x, 2), x ** 2), (tg.neg(x), -x),
             (tg.add(x, 1.0, alpha=2.0), x + 2.0), (tg.sub(x, x), x - x), (tg.mul(x, 3.0), x * 3),
             (tg.div(x, 2.0), x / 2), (tg.reshape(x, (3, 2)), x.reshape(3, 2)),
             (tg.permute(x, (1, 0)), x.T), (tg.t(x), x.T), (tg.transpose(x, 0, 1), x.T),
             (tg.clone(x), x), (tg.flatten(x), x.reshape(-1)),
             (tg.concat([x, x], dim=1), tg.cat([x, x], axis=1))]
    for got, expected in pairs:
        np.testing.assert_array_equal(got.data, expected.data)
    values, indices = tg.max(x, dim=1)
    assert values.tolist() == [1.0, 3.0] and indices.tolist() == [0, 0]
    # torch.max(outputs, 1): PyTorch's reading of a positional dim, as CIFAR's tutorial uses it
    _, predicted = tg.max(x, 1)
    assert predicted.tolist() == [0, 0] and tg.min(x, 1, keepdim=True).indices.shape == (2, 1)
    assert tg.max(x, Tensor(np.zeros((2, 3)))).tolist() == [[1.0, 0.0, 0.5], [3.0, 0.0, 2.0]]
    assert tg.pow(2.0, Tensor(np.array([3.0]))).tolist() == [8.0]
    assert tg.numel(x) == 6


def test_builtin_names_are_not_star_exported():
    namespace: dict = {}
    exec("from tinygrad_np import *", namespace)
    for name in ("sum", "max", "min", "abs", "pow", "int", "float", "bool"):
        assert name not in namespace
    assert tg.sum is not sum and tg.float is np.float32


def test_where_with_the_condition_alone_gives_the_indices_of_true_elements():
    rows, cols = tg.where(Tensor(M) > 0)
    assert rows.tolist() == [0, 0, 1, 1] and cols.tolist() == [0, 2, 0, 2]
    assert rows.dtype == np.int64
    np.testing.assert_array_equal(tg.where(Tensor(M) > 0, Tensor(M), 0.0).data,
                                  np.where(M > 0, M, 0.0))
    with pytest.raises(TypeError, match="where"):
        tg.where(Tensor(M) > 0, Tensor(M))


def test_stacking_helpers_match_numpy():
    a, b = np.arange(3.0), np.arange(3.0, 6.0)
    np.testing.assert_array_equal(tg.hstack([Tensor(a), Tensor(b)]).data, np.hstack([a, b]))
    np.testing.assert_array_equal(tg.vstack([Tensor(a), Tensor(b)]).data, np.vstack([a, b]))
    np.testing.assert_array_equal(tg.hstack([Tensor(M), Tensor(M)]).data, np.hstack([M, M]))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_numpy_and_sums_gradients_back(indexing):
    x, y, z = leaf(3), leaf(2), leaf(4)
    grids = tg.meshgrid(x, y, z, indexing=indexing)
    for got, expected in zip(grids, np.meshgrid(x.data, y.data, z.data, indexing=indexing)):
        np.testing.assert_array_equal(got.data, expected)
    assert gradcheck(lambda a, b, c: sum(g.sum() * (i + 1) for i, g in enumerate(
        tg.meshgrid(a, b, c, indexing=indexing))), x, y, z)


def test_broadcast_tensors_and_tensordot():
    a, b = leaf((2, 1, 3)), leaf((4, 1))
    out = tg.broadcast_tensors(a, b)
    assert [t.shape for t in out] == [(2, 4, 3), (2, 4, 3)]
    assert gradcheck(lambda p, q: (tg.broadcast_tensors(p, q)[0]
                                   * tg.broadcast_tensors(p, q)[1]).sum(), a, b)
    with pytest.raises(OpError, match="broadcast_tensors"):
        tg.broadcast_tensors(Tensor(np.ones(2)), Tensor(np.ones(3)))
    p, q = leaf((2, 3, 4)), leaf((4, 3, 5))
    np.testing.assert_allclose(tg.tensordot(p, q, dims=([1, 2], [1, 0])).data,
                               np.tensordot(p.data, q.data, axes=([1, 2], [1, 0])), rtol=1e-12)
    r = leaf((4, 5))
    np.testing.assert_allclose(tg.tensordot(p, r, 1).data, np.tensordot(p.data, r.data, 1),
                               rtol=1e-12)
    assert gradcheck(lambda u, v: tg.tensordot(u, v, dims=([1, 2], [1, 0])), p, q)
    with pytest.raises(OpError, match="tensordot"):
        tg.tensordot(p, r, dims=([0], [0]))


def test_var_mean_and_std_mean_take_pytorchs_words():
    x = Tensor(M)
    var, mean = tg.var_mean(x, dim=1)
    np.testing.assert_allclose(var.data, M.var(axis=1, ddof=1))
    np.testing.assert_array_equal(mean.data, M.mean(axis=1))
    std, mean = tg.std_mean(x, dim=[0, 1], keepdim=True)
    np.testing.assert_allclose(std.data, [[M.std(ddof=1)]])
    assert mean.shape == (1, 1)


def test_dtype_names_are_pytorchs():
    assert (tg.float, tg.double, tg.half, tg.long, tg.int, tg.bool) == \
        (np.float32, np.float64, np.float16, np.int64, np.int32, np.bool_)
    assert Tensor(M).to(tg.float32).dtype == np.float32
    assert tg.zeros(2, dtype=tg.long).dtype == np.int64
