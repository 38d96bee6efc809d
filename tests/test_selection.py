"""selection.py: gather, sort, topk, one_hot (PyTorch's torch.gather, torch.sort, torch.topk,
F.one_hot), with their gradients."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, gradgradcheck, jit


def test_gather_picks_along_the_axis_and_adds_gradients_of_repeats():
    x = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)
    out = x.gather(1, np.array([[2, 2], [0, 1]]))  # shorter than x on axis 1: allowed
    np.testing.assert_array_equal(out.data, [[3.0, 3.0], [4.0, 5.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 2], [1, 1, 0]])
    np.testing.assert_array_equal(tg.gather(x, 0, np.array([[1, 0, 1]])).data, [[4, 2, 6]])
    index = np.array([[0, 1], [1, 1]])
    assert gradcheck(lambda t: tg.gather(t, 1, index), Tensor(np.ones((2, 3)), requires_grad=True))
    assert gradgradcheck(lambda t: tg.gather(t * t, 1, index),
                         Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True))


def test_sort_and_topk_give_values_and_indices_and_route_gradients():
    x = Tensor(np.array([[3.0, 1.0, 2.0, 1.0]]), requires_grad=True)
    values, indices = x.sort()
    np.testing.assert_array_equal(values.data, [[1, 1, 2, 3]])
    np.testing.assert_array_equal(indices.data, [[1, 3, 2, 0]])  # ties keep their order
    assert indices.data.dtype == np.int64 and not indices.requires_grad
    top, where = x.topk(2)
    np.testing.assert_array_equal(top.data, [[3, 2]])
    np.testing.assert_array_equal(where.data, [[0, 2]])
    (top * Tensor([[10.0, 1.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[10, 0, 1, 0]])
    low, _ = tg.topk(x, 1, largest=False)
    np.testing.assert_array_equal(low.data, [[1]])
    descending, _ = tg.sort(Tensor([[1.0, 5.0], [4.0, 2.0]]), axis=0, descending=True)
    np.testing.assert_array_equal(descending.data, [[4, 5], [1, 2]])


def test_a_jitted_top_k_accuracy_replays():
    w = Tensor(np.eye(4), requires_grad=True)

    def top2_hits(x, y):
        _, best = (Tensor(x) @ w).topk(2)
        return (best.data == y[:, None]).any(axis=1).sum()

    run = jit(top2_hits)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, never run as written
        for _ in range(4):
            x, y = rng.standard_normal((8, 4)), rng.integers(0, 4, 8)
            assert int(run(x, y)) == top2_hits(x, y)
    assert sum(callable(replay) for replay in run.replays.values()) == 1


def test_one_hot_rows():
    np.testing.assert_array_equal(tg.one_hot(np.array([[0, 2], [1, 1]])).data,
                                  [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]])
    assert tg.one_hot([1], 4).data.dtype == np.int64 and tg.one_hot([1], 4).shape == (1, 4)


@pytest.mark.parametrize("call, message", [
    (lambda: tg.gather(np.ones((2, 3)), 1, np.array([[3]])),
     r"gather: index values must be in \[0, 3\) for axis 1 of input \(2, 3\), got 3 to 3"),
    (lambda: tg.gather(np.ones((2, 3)), 1, np.array([0, 1])), r"gather: index of shape \(2,\)"),
    (lambda: tg.gather(np.ones((2, 3)), 2, np.zeros((2, 3), int)), r"gather: axis 2 is out"),
    (lambda: tg.topk(np.ones((2, 3)), 4), r"topk: k must be an int in \[0, 3\]"),
    (lambda: tg.one_hot(np.array([0, 3]), 3), r"one_hot: labels of shape \(2,\) must be in"),
    (lambda: tg.one_hot(np.array([0.5])), r"one_hot: labels must be integers"),
])
def test_bad_input(call, message):
    with pytest.raises(OpError, match=message):
        call()


def test_kthvalue_picks_the_kth_smallest_with_its_index_and_gradient():
    x = np.array([[3.0, 1.0, 2.0, 1.0], [0.5, 4.0, -1.0, 2.0]])
    t = Tensor(x, requires_grad=True)
    result = t.kthvalue(2, dim=1)
    np.testing.assert_array_equal(result.values.data, [1.0, 0.5])
    np.testing.assert_array_equal(result.indices.data, [3, 0])  # ties: the first in order
    result.values.sum().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0, 0, 1], [1, 0, 0, 0]])
    kept = tg.kthvalue(Tensor(x), 1, 0, True)
    assert kept.values.shape == (1, 4) and kept.values.data.tolist() == [[0.5, 1.0, -1.0, 1.0]]
    assert tg.kthvalue(Tensor(np.array(7.0)), 1).values.item() == 7.0
    assert gradcheck(lambda a: a.kthvalue(3, dim=0).values,
                     Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True))
    for bad in (0, 5, 1.5, True):
        with pytest.raises(OpError, match="kthvalue: k must be an int in \\[1, 4\\]"):
            t.kthvalue(bad)


def test_msort_sorts_the_first_axis():
    x = np.array([[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]])
    np.testing.assert_array_equal(tg.msort(Tensor(x)).data, np.sort(x, axis=0))
    np.testing.assert_array_equal(Tensor(x).msort().data, np.sort(x, axis=0))


def test_nan_is_the_largest_value_in_sort_and_topk_as_pytorchs():
    x = Tensor(np.array([[3.0, np.nan, 1.0, 2.0, np.nan]]), requires_grad=True)
    values, indices = x.sort(descending=True)  # torch 2.13's numbers
    np.testing.assert_array_equal(values.data, [[np.nan, np.nan, 3, 2, 1]])
    np.testing.assert_array_equal(indices.data, [[1, 4, 0, 3, 2]])
    values, indices = tg.sort(x)
    np.testing.assert_array_equal(values.data, [[1, 2, 3, np.nan, np.nan]])
    np.testing.assert_array_equal(indices.data, [[2, 3, 0, 1, 4]])
    top, where = x.topk(2)
    np.testing.assert_array_equal(top.data, [[np.nan, np.nan]])
    np.testing.assert_array_equal(where.data, [[1, 4]])
    (top * Tensor([[10.0, 1.0]])).sum().backward()  # the gradient follows the NaNs picked
    np.testing.assert_array_equal(x.grad, [[0, 10, 0, 0, 1]])
    assert tg.topk(x, 1, largest=False).indices.tolist() == [[2]]
    # NaN above inf; ties in their order either way (torch's stable=True)
    edges = Tensor(np.array([-np.inf, np.inf, np.nan, 0.0, np.inf]))
    assert edges.sort(descending=True).indices.tolist() == [2, 1, 4, 3, 0]
    assert edges.sort().indices.tolist() == [0, 3, 1, 4, 2]
    # and along another axis, and of unsigned integers (no negation to wrap around)
    columns = tg.sort(Tensor(np.array([[1.0, np.nan], [np.nan, 0.0], [2.0, 5.0]])), 0, True)
    np.testing.assert_array_equal(columns.indices.data, [[1, 0], [2, 2], [0, 1]])
    assert tg.sort(np.array([0, 3, 1], np.uint8), descending=True).values.tolist() == [3, 1, 0]
