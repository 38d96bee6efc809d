"""ops/shape.py: reshape, transpose / .T (with axes), indexing and slicing."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

from tinygrad_np import Tensor

SPECS = specs("shape")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def _backward_with(out, g):
    (out * g).sum().backward()


def test_reshape_gradient_is_the_upstream_gradient_reshaped(rng):
    t = Tensor(rng.standard_normal((2, 6)), requires_grad=True)
    out = t.reshape(3, -1)
    assert out.shape == (3, 4)
    g = rng.standard_normal((3, 4))
    _backward_with(out, g)
    np.testing.assert_array_equal(t.grad, g.reshape(2, 6))
    assert t.reshape((12,)).shape == (12,) and t.reshape([4, 3]).shape == (4, 3)


@pytest.mark.parametrize("axes", [(0, 2, 1), (2, 0, 1), (1, 2, 0)], ids=str)
def test_transpose_gradient_is_the_inverse_permutation(axes, rng):
    t = Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    out = t.transpose(axes)
    g = rng.standard_normal(out.shape)
    _backward_with(out, g)
    np.testing.assert_array_equal(t.grad, g.transpose(np.argsort(axes)))


@pytest.mark.parametrize("axes", [(0, -1, 1), (-1, 0, 1), (-2, -1, -3)], ids=str)
def test_transpose_with_negative_axes(axes, rng):
    """numpy accepts negative axes in a permutation; backward must invert the permutation of
    the normalised axes (argsort of (0, -1, 1) is not the inverse of (0, 2, 1))."""
    x = rng.standard_normal((2, 3, 4))
    t = Tensor(x, requires_grad=True)
    out = t.transpose(*axes)
    np.testing.assert_array_equal(out.data, x.transpose(axes))
    g = rng.standard_normal(out.shape)
    _backward_with(out, g)
    positive = tuple(a % 3 for a in axes)
    np.testing.assert_array_equal(t.grad, g.transpose(np.argsort(positive)))


def test_T_reverses_axes(rng):  # noqa: N802 - named after Tensor.T
    x = rng.standard_normal((2, 3, 4))
    t = Tensor(x, requires_grad=True)
    assert t.T.shape == (4, 3, 2)
    g = rng.standard_normal((4, 3, 2))
    _backward_with(t.T, g)
    np.testing.assert_array_equal(t.grad, g.T)


def test_basic_slicing_and_negative_indices():
    x = np.arange(12.0).reshape(3, 4)
    t = Tensor(x, requires_grad=True)
    out = t[-1, 1:] + t[::2, -1].sum() + t[..., 0][None]  # (3,) + () + (1, 3) -> (1, 3)
    np.testing.assert_array_equal(out.data, x[-1, 1:] + x[::2, -1].sum() + x[..., 0][None])
    out.sum().backward()
    expected = np.zeros((3, 4))
    expected[-1, 1:] += 1  # one output each
    expected[::2, -1] += 3  # the sum feeds all three outputs
    expected[:, 0] += 1
    np.testing.assert_array_equal(t.grad, expected)
    assert t.grad[2, 3] == 4.0  # picked by two of the slices: the contributions add


def test_integer_array_index_with_repeats_adds_the_gradients():
    t = Tensor(np.array([10.0, 20.0, 30.0, 40.0]), requires_grad=True)
    out = t[np.array([0, 2, 0, 0, -1])]
    np.testing.assert_array_equal(out.data, [10.0, 30.0, 10.0, 10.0, 40.0])
    (out * np.array([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0 + 3.0 + 4.0, 0.0, 2.0, 5.0])


def test_integer_arrays_on_two_axes_and_a_list_index():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = t[np.array([1, 1, 0]), np.array([2, 2, 0])]  # (1,2) twice and (0,0)
    np.testing.assert_array_equal(out.data, [5.0, 5.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [[1, 0, 0], [0, 0, 2]])
    t.zero_grad()
    t[[1, 1, 1]].sum().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0, 0], [3, 3, 3]])


def test_index_given_as_a_tensor():
    t = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    t[Tensor(np.array([2, 2]))].sum().backward()
    np.testing.assert_array_equal(t.grad, [0, 0, 2])


@pytest.mark.parametrize("index, message", [
    (5, r"tensor of shape \(2, 3\)\[5\]: index 5 is out of bounds for axis 0 with size 2"),
    ((slice(None), 9), r"tensor of shape \(2, 3\)\[:, 9\]: index 9 is out of bounds for axis 1"),
    ((Ellipsis, slice(1, None, 2), 0, 0), r"\[\.\.\., 1::2, 0, 0\]: too many indices"),
    (np.array([0, 4]), r"\[<int64 array \(2,\)>\]: index 4 is out of bounds"),
])
def test_a_bad_index_is_an_index_error_that_names_the_shape_and_the_index(index, message):
    with pytest.raises(IndexError, match=message):
        Tensor(np.ones((2, 3)), requires_grad=True)[index]
    assert [t.item() for t in Tensor([1.0, 2.0])] == [1.0, 2.0]  # iteration ends on IndexError


def test_boolean_mask():
    x = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    t = Tensor(x, requires_grad=True)
    mask = x > 0
    out = t[mask]
    np.testing.assert_array_equal(out.data, [1.0, 3.0, 5.0])
    (out * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(t.grad, [[1, 0, 2], [0, 3, 0]])
    t.zero_grad()
    t[np.array([False, True])].sum().backward()  # a mask over the rows
    np.testing.assert_array_equal(t.grad, [[0, 0, 0], [1, 1, 1]])


def test_shape_ops_keep_float32():
    t = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = t.reshape(3, 2).T.transpose()[0, ::2].sum() + t[[0, 0]].sum() + t[t.data > 0].sum()
    assert out.dtype == np.float32
    out.backward()
    assert t.grad.dtype == np.float32
