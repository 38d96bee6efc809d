"""tensor_methods.py: PyTorch's other Tensor methods. Each is its function (tested in
test_math_functions.py, test_array_functions.py and the op tables), so here: that they are
the functions, and the few with logic of their own (div's rounding, %, //, t(), dot, the
dtype ones, contiguous; fill_ / zero_ are in test_tensor_inplace.py)."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Tensor

RNG = np.random.default_rng(0)
M = RNG.standard_normal((3, 4))
P = RNG.uniform(0.1, 0.9, (3, 4))


@pytest.mark.parametrize("method, function", [
    ("tan", tg.tan), ("sinh", tg.sinh), ("cosh", tg.cosh), ("atan", tg.atan),
    ("arcsinh", tg.asinh), ("log2", tg.log2), ("log10", tg.log10), ("exp2", tg.exp2),
    ("floor", tg.floor), ("ceil", tg.ceil), ("trunc", tg.trunc), ("fix", tg.trunc),
    ("frac", tg.frac), ("sign", tg.sign), ("round", tg.round), ("rsqrt", tg.rsqrt),
    ("reciprocal", tg.reciprocal), ("logit", tg.logit), ("isnan", tg.isnan),
    ("nan_to_num", tg.nan_to_num), ("nansum", tg.nansum), ("fliplr", tg.fliplr),
    ("flipud", tg.flipud), ("trace", tg.trace), ("diag", tg.diag), ("diagonal", tg.diagonal),
    ("nonzero", tg.nonzero), ("argsort", tg.argsort), ("rot90", tg.rot90),
])
def test_unary_methods_are_the_functions(method, function):
    np.testing.assert_array_equal(getattr(Tensor(P), method)().data, function(P).data)


def test_methods_with_arguments_are_the_functions():
    t = Tensor(M)
    pairs = [
        (t.atan2(P), tg.atan2(M, P)), (t.hypot(P), tg.hypot(M, P)),
        (t.logaddexp(P), tg.logaddexp(M, P)), (Tensor(P).xlogy(P), tg.xlogy(P, P)),
        (t.remainder(0.7), tg.remainder(M, 0.7)), (t.fmod(0.7), tg.fmod(M, 0.7)),
        (t.lerp(P, 0.3), tg.lerp(M, P, 0.3)), (t.roll(1, 1), tg.roll(M, 1, 1)),
        (t.diff(), tg.diff(M)), (t.narrow(1, 1, 2), tg.narrow(M, 1, 1, 2)),
        (t.select(0, 2), tg.select(M, 0, 2)), (t.movedim(0, 1), tg.movedim(M, 0, 1)),
        (t.swapdims(0, 1), tg.swapaxes(M, 0, 1)), (t.index_select(1, [0, 0]),
                                                   tg.index_select(M, 1, [0, 0])),
        (t.take([1, 5]), tg.take(M, [1, 5])), (t.masked_fill(M > 0, 1.0),
                                               tg.masked_fill(M, M > 0, 1.0)),
        (t.masked_select(M > 0), tg.masked_select(M, M > 0)),
        (t.repeat_interleave(2, 0), tg.repeat_interleave(M, 2, 0)),
        (t.scatter_add(0, np.zeros((1, 4), np.int64), P[:1]),
         tg.scatter_add(M, 0, np.zeros((1, 4), np.int64), P[:1])),
        (t.quantile(0.5, 1), tg.quantile(M, 0.5, 1)), (t.median(), tg.median(M)),
        (Tensor(M[0]).outer(M[1]), tg.outer(M[0], M[1])),
        (t.inner(M), tg.inner(M, M)), (t.kron(P), tg.kron(M, P)),
        (t.mm(P.T), tg.mm(M, P.T)), (t.mv(M[0]), tg.mv(M, M[0])),
        (t.amax(1), t.max(1)), (t.amin(0, True), t.min(0, True)),
        (t.clamp_min(0.0), t.clamp(min=0.0)), (t.clamp_max(0.0), t.clamp(max=0.0)),
        (t.all(), tg.all(M)), (t.any(1), tg.any(M, 1)), (t.count_nonzero(), tg.count_nonzero(M)),
        (t.logical_and(P), tg.logical_and(M, P)), (t.logical_not(), tg.logical_not(M)),
        (t.expand_as(np.zeros((2, 3, 4))), t.broadcast_to((2, 3, 4))),
        (t.reshape_as(np.zeros((4, 3))), t.reshape(4, 3)), (t.view_as(P), t),
        (t.add(P, alpha=2.0), t + 2.0 * P), (t.sub(P), t - P), (t.mul(P), t * P),
        (t.true_divide(P), t / P), (t.pow(2), t ** 2), (t.neg(), -t), (t.absolute(), abs(t)),
    ]
    for index, (got, expected) in enumerate(pairs):
        np.testing.assert_array_equal(got.data, expected.data, err_msg=f"pair {index}")
    assert [u.shape for u in t.unbind(1)] == [(3,)] * 4
    values, counts = Tensor(np.array([2, 2, 5])).unique(return_counts=True)
    assert values.tolist() == [2, 5] and counts.tolist() == [2, 1]


def test_division_by_rounding_and_the_operators():
    a, b = np.array([5.0, -5.0, 7.5]), np.array([3.0, 3.0, -2.0])
    t = Tensor(a, requires_grad=True)
    np.testing.assert_array_equal(t.div(b, rounding_mode="floor").data, np.floor(a / b))
    np.testing.assert_array_equal(t.div(b, rounding_mode="trunc").data, np.trunc(a / b))
    np.testing.assert_array_equal((t // b).data, np.floor(a / b))
    np.testing.assert_array_equal((7.0 // Tensor(b)).data, np.floor(7.0 / b))
    np.testing.assert_array_equal((t % b).data, np.remainder(a, b))
    np.testing.assert_array_equal((7.0 % Tensor(b)).data, np.remainder(7.0, b))
    (t % 2.0).sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="rounding_mode must be"):
        t.div(b, rounding_mode="ceil")


def test_shape_and_dtype_methods():
    t = Tensor(M, requires_grad=True)
    np.testing.assert_array_equal(t.t().data, M.T)
    assert Tensor(M[0]).t().shape == (4,)
    with pytest.raises(ValueError, match="t\\(\\): expects at most 2 axes"):
        Tensor(np.zeros((2, 2, 2))).t()
    assert t.float().dtype == np.float32 and t.half().dtype == np.float16
    assert Tensor(P.astype(np.float32)).double().dtype == np.float64
    assert t.to("cpu") is t and t.to(np.float64) is t and t.to(np.float32).dtype == np.float32
    assert t.type_as(Tensor(np.zeros(1, np.float32))).dtype == np.float32
    t.float().sum().backward()
    assert t.grad.dtype == np.float64  # the gradient back in the tensor's own dtype
    assert t.contiguous() is t
    transposed = Tensor(M).T
    assert not transposed.data.flags.c_contiguous
    assert transposed.contiguous().data.flags.c_contiguous


def test_pytorchs_dtype_and_device_methods():
    t = Tensor(np.array([[1.5, -2.0], [0.0, 3.0]]))
    assert t.long().dtype == np.int64 and t.long().tolist() == [[1, -2], [0, 3]]
    assert t.int().dtype == np.int32 and t.bool().tolist() == [[True, True], [False, True]]
    assert t.type() == "float64" and t.type(np.float32).dtype == np.float32
    assert t.element_size() == 8 and t.nelement() == 4 and t.ndimension() == 2
    assert t.device == "cpu" and t.cpu() is t
    batch = Tensor(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(batch.mT.data, batch.data.swapaxes(-1, -2))
    with pytest.raises(tg.OpError, match="mT: needs at least 2 axes"):
        _ = Tensor(np.ones(3)).mT


def test_new_tensors_take_this_ones_dtype():
    t = Tensor(np.ones(2, np.float64))
    zeros = t.new_zeros(2, 3)
    assert zeros.shape == (2, 3) and zeros.dtype == np.float64 and not zeros.requires_grad
    assert np.all(zeros.data == 0)
    assert t.new_ones((3,)).tolist() == [1.0, 1.0, 1.0]
    full = t.new_full((2,), 7, dtype=np.int64)
    assert full.dtype == np.int64 and full.tolist() == [7, 7]
    assert t.new_empty(4).shape == (4,)
    made = t.new_tensor([1, 2], requires_grad=True)
    assert made.dtype == np.float64 and made.requires_grad
    source = Tensor(np.array([1.0, 2.0]))
    copied = t.new_tensor(source)
    copied.data[0] = 9.0
    assert source.data[0] == 1.0  # a copy, as PyTorch's new_tensor
    with pytest.raises(tg.OpError, match="new_full"):
        t.new_zeros(-1)


def test_more_of_pytorchs_methods_onto_the_functions():
    np.testing.assert_array_equal(Tensor(M).tril(0).data, np.tril(M))
    np.testing.assert_array_equal(Tensor(M).triu(1).data, np.triu(M, 1))
    v = np.array([1.0, 2.0])
    np.testing.assert_array_equal(Tensor(v).ger(Tensor(v)).data, np.outer(v, v))
    bias = Tensor(np.ones(4))
    np.testing.assert_allclose(bias.addmm(Tensor(M.T), Tensor(M), beta=2.0, alpha=0.5).data,
                               2.0 + 0.5 * (M.T @ M))
    np.testing.assert_array_equal(Tensor(np.array([-1.0, 0.2, 0.7])).hardshrink(0.5).data,
                                  [-1.0, 0.0, 0.7])
    t = Tensor(M, requires_grad=True)
    summed = t.sum_to_size(1, 4)
    np.testing.assert_allclose(summed.data, M.sum(axis=0, keepdims=True))
    summed.sum().backward()
    np.testing.assert_array_equal(t.grad, np.ones_like(M))
    assert t.sum_to_size(4).shape == (4,)
    with pytest.raises(tg.OpError, match="sum_to_size: shape \\(3, 4\\) cannot be summed to "
                                         "\\(3,\\)"):
        t.sum_to_size(3)


def test_layout_and_kind_queries():
    t = Tensor(np.zeros((3, 4), np.float32))
    assert t.is_floating_point() and not t.long().is_floating_point()
    assert t.is_contiguous() and not t.T.is_contiguous()
    assert t.stride() == (4, 1) and t.T.stride() == (1, 4) and t.stride(0) == 4
    assert t.byte().dtype == np.uint8 and t.char().dtype == np.int8
