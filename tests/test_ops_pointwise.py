"""ops/pointwise.py: sin, cos, log1p, expm1, square, maximum, minimum, where, clip. The op
table's rows, then ties, conditions, clip's boundaries and dtypes."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor

SPECS = specs("pointwise")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def test_maximum_and_minimum_ties_share_the_gradient():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 2.0, 1.0]), requires_grad=True)
    tg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 0.5, 0.0])
    a.zero_grad()
    b.zero_grad()
    a.minimum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 0.5, 0.0])
    x = Tensor(np.array([[-1.0, 0.0, 2.0]]), requires_grad=True)
    tg.maximum(x, 0.0).sum().backward()  # relu written as maximum, the kink shared
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 1.0]])


def test_where_broadcasts_and_sends_no_gradient_through_the_condition():
    a = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)  # (1, 3)
    b = Tensor(np.array([[10.0], [20.0]]), requires_grad=True)  # (2, 1)
    cond = Tensor(np.array([True, False, True]))
    out = tg.where(cond, a, b)
    np.testing.assert_array_equal(out.data, [[1, 10, 3], [1, 20, 3]])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [[2, 0, 2]])
    np.testing.assert_array_equal(b.grad, [[1], [1]])
    # numbers on either side take the tensor's dtype; a number condition counts as numpy's
    x = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    assert tg.where(np.array([1, 0]), x, 0.0).tolist() == [1.0, 0.0]
    assert tg.where([True, False], 5.0, x).dtype == np.float32
    # a condition that requires grad is used as data
    c = Tensor(np.array([1.0, 0.0]), requires_grad=True)
    tg.where(c, x, -x).sum().backward()
    assert c.grad is None and x.grad.tolist() == [1.0, -1.0]


def test_clip_gradient_passes_on_the_boundaries_as_pytorch_clamp():
    x = Tensor(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), requires_grad=True)
    out = x.clamp(-1.0, 1.0)
    np.testing.assert_array_equal(out.data, [-1, -1, 0, 1, 1])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 1, 1, 1, 0])  # torch.clamp: 0, 1, 1, 1, 0
    x.zero_grad()
    tg.clip(x, min=0.5).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 0, 1, 1])
    assert tg.clip(x, max=Tensor(np.array(0.0))).tolist() == [-2, -1, 0, 0, 0]
    with pytest.raises(OpError, match="clip: input \\(5,\\): give at least one"):
        x.clip()


@pytest.mark.parametrize("name", ["sin", "cos", "log1p", "expm1", "square"])
def test_unary_ops_keep_float32(name):
    t = Tensor(np.array([0.5, 1.0], dtype=np.float32), requires_grad=True)
    out = getattr(t, name)()
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32
    np.testing.assert_array_equal(getattr(tg, name)(t).data, out.data)
