"""array_functions.py: PyTorch's other shape, indexing, order-statistic and product
functions (matched against torch 2.13 on 30 random shapes each, gradients too). Here: each
against its numpy formula, gradchecks, the refusals, and a jitted step."""
from __future__ import annotations

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))
M = RNG.standard_normal((3, 4))


def test_moving_elements_is_numpys():
    np.testing.assert_array_equal(tg.roll(X, 2, 1).data, np.roll(X, 2, 1))
    np.testing.assert_array_equal(tg.roll(X, (1, -3), (0, 2)).data, np.roll(X, (1, -3), (0, 2)))
    np.testing.assert_array_equal(tg.roll(X, 7).data, np.roll(X, 7))
    np.testing.assert_array_equal(tg.diff(X, 2, 1).data, np.diff(X, 2, 1))
    np.testing.assert_array_equal(tg.diff(M, prepend=np.zeros((3, 1))).data,
                                  np.diff(M, prepend=0))
    for k in range(-1, 5):
        np.testing.assert_array_equal(tg.rot90(X, k, (1, 2)).data, np.rot90(X, k, (1, 2)))
    np.testing.assert_array_equal(tg.fliplr(M).data, np.fliplr(M))
    np.testing.assert_array_equal(tg.flipud(M).data, np.flipud(M))
    np.testing.assert_array_equal(tg.movedim(X, (0, 1), (2, 0)).data,
                                  np.moveaxis(X, (0, 1), (2, 0)))
    np.testing.assert_array_equal(tg.swapaxes(X, 0, 2).data, np.swapaxes(X, 0, 2))
    with pytest.raises(OpError, match="roll: shifts"):
        tg.roll(X, (1, 2), 0)
    with pytest.raises(OpError, match="rot90: dims"):
        tg.rot90(M, 1, (0, 0))


def test_slicing_ones():
    np.testing.assert_array_equal(tg.narrow(X, 2, 1, 3).data, X[:, :, 1:4])
    np.testing.assert_array_equal(tg.select(X, 1, -1).data, X[:, -1])
    assert [t.shape for t in tg.unbind(X, 2)] == [(3, 4)] * 5
    np.testing.assert_array_equal(tg.repeat_interleave(M, [0, 2, 1], 0).data,
                                  np.repeat(M, [0, 2, 1], 0))
    np.testing.assert_array_equal(tg.repeat_interleave(M, 2).data, np.repeat(M, 2))
    windows = Tensor(np.arange(7.0)).unfold(0, 3, 2)
    np.testing.assert_array_equal(windows.data, [[0, 1, 2], [2, 3, 4], [4, 5, 6]])
    assert Tensor(X).unfold(1, 2, 1).shape == (3, 3, 5, 2)
    with pytest.raises(OpError, match="narrow: start 2 and length 3 do not fit"):
        tg.narrow(M, 1, 2, 3)
    with pytest.raises(OpError, match="select: index 4 is out of range"):
        tg.select(M, 1, 4)
    with pytest.raises(OpError, match="unfold: windows of size 6"):
        Tensor(np.arange(5.0)).unfold(0, 6, 1)


def test_diagonals():
    for offset in (-2, 0, 1, 4):
        np.testing.assert_array_equal(tg.diagonal(X, offset, 0, 2).data,
                                      np.diagonal(X, offset, 0, 2))
        np.testing.assert_array_equal(tg.diag(M, offset).data, np.diag(M, offset))
        np.testing.assert_array_equal(tg.diag(M[0], offset).data, np.diag(M[0], offset))
    assert tg.trace(M).item() == np.trace(M)
    v = Tensor(M[0], requires_grad=True)
    (tg.diag(v, 1) * np.arange(25.0).reshape(5, 5)).sum().backward()
    np.testing.assert_array_equal(v.grad, [1, 7, 13, 19])  # each entry's one place
    with pytest.raises(OpError, match="diag: input of shape"):
        tg.diag(X)


def test_picking_ones():
    np.testing.assert_array_equal(tg.index_select(X, 1, [3, 0, 3]).data, X[:, [3, 0, 3]])
    np.testing.assert_array_equal(tg.take(M, [[0, 11], [5, 5]]).data, M.reshape(-1)[[[0, 11],
                                                                                       [5, 5]]])
    mask = M > 0
    np.testing.assert_array_equal(tg.masked_fill(M, mask, -1.0).data, np.where(mask, -1.0, M))
    np.testing.assert_array_equal(tg.masked_select(M, mask[0]).data,
                                  M[np.broadcast_to(mask[0], M.shape)])
    fill = Tensor(np.array(2.0), requires_grad=True)
    tg.masked_fill(M, mask, fill).sum().backward()
    assert fill.grad == mask.sum()  # the places it filled
    with pytest.raises(OpError, match="masked_fill: mask must be bool"):
        tg.masked_fill(M, mask * 1, 0.0)
    with pytest.raises(OpError, match="index_select: index must be a vector"):
        tg.index_select(M, 0, [[0]])


def test_scatter_and_scatter_add():
    index = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])
    src = RNG.standard_normal((2, 4))
    expected = M.copy()
    for i in range(2):
        for j in range(4):
            expected[index[i, j], j] += src[i, j]
    np.testing.assert_allclose(tg.scatter_add(M, 0, index, src).data, expected, rtol=1e-15)
    x = Tensor(M, requires_grad=True)
    values = Tensor(np.full((3, 2), 9.0), requires_grad=True)
    out = tg.scatter(x, 1, np.array([[3, 1], [0, 2], [1, 0]]), values)
    np.testing.assert_array_equal(out.data[0], [M[0, 0], 9.0, M[0, 2], 9.0])
    (out * np.arange(12.0).reshape(3, 4)).sum().backward()
    np.testing.assert_array_equal(x.grad[0], [0.0, 0.0, 2.0, 0.0])  # overwritten: no gradient
    np.testing.assert_array_equal(values.grad, [[3.0, 1.0], [4.0, 6.0], [9.0, 8.0]])
    np.testing.assert_array_equal(tg.scatter(M, 0, np.array([[1, 0, 2, 2]]), 0.5).data[:, 2],
                                  [M[0, 2], M[1, 2], 0.5])
    with pytest.raises(OpError, match="scatter: index names the same place twice"):
        tg.scatter(M, 0, index, src)
    with pytest.raises(OpError, match=r"scatter_add: index values must be in \[0, 3\)"):
        tg.scatter_add(M, 0, index + 1, src)


def test_order_statistics():
    assert tg.median(Tensor([3.0, 1.0, 4.0, 2.0])).item() == 2.0  # the lower middle one
    values, indices = tg.median(X, 1)
    np.testing.assert_array_equal(values.data, np.sort(X, 1)[:, 1])
    np.testing.assert_array_equal(np.take_along_axis(X, indices.data[:, None], 1)[:, 0],
                                  values.data)
    assert tg.median(X, 2, keepdim=True)[0].shape == (3, 4, 1)
    np.testing.assert_allclose(tg.quantile(X, 0.3, 2).data, np.quantile(X, 0.3, 2), rtol=1e-14)
    np.testing.assert_allclose(tg.quantile(X, [0.1, 0.9]).data,
                               np.quantile(X.reshape(-1), [0.1, 0.9]), rtol=1e-14)
    np.testing.assert_array_equal(tg.argsort(M, 0, descending=True).data,
                                  np.argsort(-M, 0, kind="stable"))
    np.testing.assert_array_equal(tg.nonzero(np.array([[0, 1], [2, 0]])).data, [[0, 1], [1, 0]])
    values, inverse, counts = tg.unique(np.array([3, 1, 3, 3]), True, True)
    assert values.tolist() == [1, 3] and inverse.tolist() == [1, 0, 1, 1]
    assert counts.tolist() == [1, 3]
    with pytest.raises(OpError, match=r"quantile: q must be in \[0, 1\]"):
        tg.quantile(X, 1.5)


def test_products():
    a, b = RNG.standard_normal(3), RNG.standard_normal(4)
    np.testing.assert_allclose(tg.outer(a, b).data, np.outer(a, b), rtol=1e-15)
    np.testing.assert_allclose(tg.inner(X, X[0]).data, np.inner(X, X[0]), rtol=1e-14)
    np.testing.assert_allclose(tg.kron(M, M[:2, :3]).data, np.kron(M, M[:2, :3]), rtol=1e-15)
    np.testing.assert_allclose(tg.kron(a, M).data, np.kron(a, M), rtol=1e-15)
    c, d = RNG.standard_normal((4, 3)), RNG.standard_normal(3)
    np.testing.assert_allclose(tg.cross(c, d).data, np.cross(c, d), rtol=1e-14)
    np.testing.assert_allclose(tg.mm(M, M.T).data, M @ M.T, rtol=1e-15)
    np.testing.assert_allclose(tg.mv(M, b).data, M @ b, rtol=1e-15)
    batch = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(tg.bmm(batch, batch.transpose(0, 2, 1)).data,
                               batch @ batch.transpose(0, 2, 1), rtol=1e-15)
    np.testing.assert_allclose(tg.addmm(b, M.T, M, beta=0.5, alpha=2.0).data,
                               0.5 * b + 2.0 * (M.T @ M), rtol=1e-14)
    assert not np.isnan(tg.baddbmm(np.full((2, 3, 3), np.nan), batch, batch.transpose(0, 2, 1),
                                   beta=0.0).data).any()  # beta 0: x is not read
    with pytest.raises(OpError, match=r"mm: the first input of shape \(3,\) must be 2-D"):
        tg.mm(a, M)
    with pytest.raises(OpError, match="bmm: batch sizes differ"):
        tg.bmm(batch, batch[:1].transpose(0, 2, 1))
    with pytest.raises(OpError, match="cross: inputs"):
        tg.cross(M, M)


@pytest.mark.parametrize("fn", [
    lambda x: tg.roll(x, (1, 2), (0, 2)), lambda x: tg.diff(x, 2, 2),
    lambda x: tg.rot90(x, 3, (0, 2)), lambda x: tg.diagonal(x, 1, 1, 2),
    lambda x: tg.diag(x[0, 0], -1), lambda x: tg.repeat_interleave(x, [1, 0, 3], 0),
    lambda x: x.unfold(2, 2, 2), lambda x: tg.index_select(x, 2, [4, 4, 0]),
    lambda x: tg.masked_fill(x, x.data > 0, 0.0), lambda x: tg.masked_select(x, x.data > 0),
    lambda x: tg.scatter_add(x[:, :2], 1, np.zeros((3, 2, 5), np.int64), x[:, 2:4]),
    lambda x: tg.median(x, 2)[0], lambda x: tg.quantile(x, [0.2, 0.7], 1),
    lambda x: tg.kron(x[0], x[1, :2]), lambda x: tg.cross(x[:, :3, 0], x[:, 1:, 1]),
    lambda x: tg.inner(x, x[0]), lambda x: tg.outer(x[0, 0], x[1, 1]),
])
def test_gradcheck(fn):
    gradcheck(fn, Tensor(np.random.default_rng(1).standard_normal((3, 4, 5)),
                         requires_grad=True))


def test_a_jitted_step_replays_them():
    def make():
        tg.manual_seed(0)
        layer = tg.nn.Linear(5, 5, dtype=np.float64)
        opt = tg.optim.SGD(layer.parameters(), lr=0.1)

        def step(x, picks):
            opt.zero_grad()
            h = layer(x)
            loss = (tg.roll(h, 1, 0) * tg.index_select(h, 1, picks)).sum() \
                + tg.median(h, 1)[0].sum() + tg.diagonal(h).sum() + tg.kron(h[0], h[1]).mean()
            loss.backward()
            opt.step()
            return loss
        return step, layer
    data = np.random.default_rng(2)
    calls = [(data.standard_normal((5, 5)), data.integers(0, 5, 5)) for _ in range(5)]
    assert check_jit_matches_eager(make, calls).recordings == 1


def test_cummax_and_cummin_take_the_latest_place_on_ties_as_pytorch():
    values, indices = tg.cummax(np.array([1.0, 3.0, 3.0, 2.0, 5.0, 5.0]), 0)
    assert values.tolist() == [1, 3, 3, 3, 5, 5] and indices.tolist() == [0, 1, 2, 2, 4, 5]
    values, indices = tg.cummin(np.array([3.0, 1.0, 1.0, 2.0]), 0)
    assert values.tolist() == [3, 1, 1, 1] and indices.tolist() == [0, 1, 2, 2]
    values, indices = tg.cummax(np.array([1.0, np.nan, 0.5]), 0)  # NaN from there on
    assert np.isnan(values.data[1:]).all() and indices.tolist() == [0, 1, 1]
    x = Tensor(M, requires_grad=True)
    values, indices = tg.cummax(x, 1)
    values.sum().backward()
    expected = np.zeros_like(M)
    for row in range(3):
        for column in range(4):
            expected[row, indices.data[row, column]] += 1
    np.testing.assert_array_equal(x.grad, expected)  # each value's gradient to its place


def test_ravel_unflatten_and_argwhere():
    np.testing.assert_array_equal(tg.ravel(Tensor(X)).data, X.reshape(-1))
    assert Tensor(X).ravel().shape == (60,)
    t = Tensor(X, requires_grad=True)
    out = t.unflatten(dim=2, sizes=(5, 1))
    assert out.shape == (3, 4, 5, 1)
    np.testing.assert_array_equal(out.data.reshape(X.shape), X)
    assert tg.unflatten(t, -1, (-1, 5)).shape == (3, 4, 1, 5)
    assert gradcheck(lambda a: a.unflatten(1, (2, 2)) * 2.0, Tensor(M, requires_grad=True))
    with pytest.raises(OpError, match="cannot reshape|Reshape"):
        t.unflatten(1, (3, 3))
    found = tg.argwhere(Tensor(np.array([[0.0, 1.0], [2.0, 0.0]])))
    assert found.dtype == np.int64 and found.tolist() == [[0, 1], [1, 0]]


def test_index_add_copy_and_fill_values_gradients_and_errors():
    x = np.arange(12.0).reshape(3, 4)
    src = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = tg.index_add(Tensor(x), 1, np.array([0, 0]), Tensor(src), alpha=2.0)
    expected = x.copy()
    expected[:, 0] += 2.0 * (src[:, 0] + src[:, 1])  # a repeated index adds up
    np.testing.assert_array_equal(out.data, expected)
    copied = Tensor(x).index_copy(dim=1, index=np.array([3, 1]), source=Tensor(src))
    expected = x.copy()
    expected[:, [3, 1]] = src
    np.testing.assert_array_equal(copied.data, expected)
    filled = Tensor(x).index_fill(0, np.array([2]), -1.0)
    assert filled.data[2].tolist() == [-1.0] * 4 and filled.data[:2].tolist() == x[:2].tolist()
    a, s = Tensor(x, requires_grad=True), Tensor(src, requires_grad=True)
    assert gradcheck(lambda a, s: tg.index_add(a, 1, np.array([2, 2]), s, alpha=0.5), a, s)
    assert gradcheck(lambda a, s: tg.index_copy(a, 1, np.array([0, 3]), s), a, s)
    assert gradcheck(lambda a: tg.index_fill(a, 0, np.array([1]), 0.0), a)
    with pytest.raises(OpError, match="index_add: source of shape \\(3, 2\\) must be \\(3, 1\\)"):
        tg.index_add(Tensor(x), 1, np.array([0]), Tensor(src))
    with pytest.raises(OpError, match="index values must be in \\[0, 4\\)"):
        tg.index_fill(Tensor(x), 1, np.array([4]), 0.0)
    with pytest.raises(OpError, match="index_copy: index names the same place twice"):
        tg.index_copy(Tensor(x), 1, np.array([1, 1]), Tensor(src))
    with pytest.raises(OpError, match="1-D integer array"):
        tg.index_fill(Tensor(x), 0, np.array([0.5]), 0.0)


def test_median_shares_ties_without_dim_and_picks_nan_as_pytorch():
    # torch 2.13: median() splits the gradient among the elements equal to the median (the
    # NaNs, where there are some); median(dim) takes one, the first NaN of a line with NaNs
    cases = [([1.0, 2.0, 2.0, 3.0], 2.0, [0, 0.5, 0.5, 0], 1, [0, 1, 0, 0]),
             ([1.0, np.nan, 2.0, np.nan], np.nan, [0, 0.5, 0, 0.5], 1, [0, 1, 0, 0]),
             ([3.0, 1.0, 2.0, np.nan], np.nan, [0, 0, 0, 1], 3, [0, 0, 0, 1]),
             ([-np.inf, -np.inf, 1.0], -np.inf, [0.5, 0.5, 0], 1, [0, 1, 0])]
    for row, value, shared, index, picked in cases:
        t = Tensor(np.array(row), requires_grad=True)
        out = tg.median(t)
        np.testing.assert_array_equal(out.data, value)
        out.backward()
        np.testing.assert_array_equal(t.grad, shared)
        t = Tensor(np.array([row]), requires_grad=True)
        values, indices = t.median(dim=1)
        np.testing.assert_array_equal(values.data, [value])
        assert indices.tolist() == [index]
        values.sum().backward()
        np.testing.assert_array_equal(t.grad, [picked])
