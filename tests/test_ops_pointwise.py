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


def test_maximum_and_minimum_send_the_whole_gradient_to_both_sides_of_a_nan():
    # torch 2.13: a gets the gradient where not a < b (maximum), b where not a > b, ties
    # halved; no comparison with NaN holds, so both sides get all of it there
    a_values = np.array([np.nan, 1.0, 2.0, 2.0, np.nan, 3.0])
    b_values = np.array([1.0, np.nan, 2.0, 3.0, np.nan, 1.0])
    torch_grads = {"maximum": ([1, 1, 0.5, 0, 1, 1], [1, 1, 0.5, 1, 1, 0]),
                   "minimum": ([1, 1, 0.5, 1, 1, 0], [1, 1, 0.5, 0, 1, 1])}
    for name, (grad_a, grad_b) in torch_grads.items():
        for create_graph in (False, True):  # the array backward and the Tensor one
            a = Tensor(a_values, requires_grad=True)
            b = Tensor(b_values, requires_grad=True)
            out = getattr(tg, name)(a, b)
            np.testing.assert_array_equal(out.data, getattr(np, name)(a_values, b_values))
            out.sum().backward(create_graph=create_graph)
            np.testing.assert_array_equal(np.asarray(a.grad), grad_a)
            np.testing.assert_array_equal(np.asarray(b.grad), grad_b)


# torch 2.13's x.clamp(lo, hi), x.clamp(min=lo), x.clamp(max=hi) on these: inside, below,
# above, x on a bound (x gets it), lo == hi, a NaN in x, lo or hi, and lo > hi (hi wins)
CLAMP_X = [0.0, 2.0, 0.5, 1.0, 0.3, 0.9, np.nan, 0.5, 0.5, 0.7]
CLAMP_LO = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, np.nan, 0.5, 0.8]
CLAMP_HI = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.8, 0.8, np.nan, 0.6]
CLAMP_TORCH = {  # (out, x.grad, lo.grad, hi.grad)
    "both": ([0.5, 1.0, 0.5, 1.0, 0.5, 0.5, np.nan, np.nan, np.nan, 0.6],
             [0, 0, 1, 1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
             [0, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
    "min": ([0.5, 2.0, 0.5, 1.0, 0.5, 0.9, np.nan, np.nan, 0.5, 0.8],
            [0, 1, 1, 1, 0, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 0, 0, 0, 0, 1], None),
    "max": ([0.0, 1.0, 0.5, 1.0, 0.3, 0.5, np.nan, 0.5, np.nan, 0.6],
            [1, 0, 1, 1, 1, 0, 0, 1, 0, 0], None, [0, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("which", ["both", "min", "max"])
def test_clamp_gives_tensor_bounds_pytorchs_gradients(which, create_graph):
    x, lo, hi = (Tensor(np.array(v), requires_grad=True) for v in (CLAMP_X, CLAMP_LO, CLAMP_HI))
    out = {"both": lambda: x.clamp(lo, hi), "min": lambda: tg.clip(x, min=lo),
           "max": lambda: tg.clamp(x, max=hi)}[which]()
    values, grad_x, grad_lo, grad_hi = CLAMP_TORCH[which]
    np.testing.assert_array_equal(out.data, values)
    out.sum().backward(create_graph=create_graph)
    np.testing.assert_array_equal(np.asarray(x.grad), grad_x)
    for bound, expected in ((lo, grad_lo), (hi, grad_hi)):
        if expected is None:
            assert bound.grad is None
        else:
            np.testing.assert_array_equal(np.asarray(bound.grad), expected)


def test_clamp_tensor_bounds_broadcast_and_their_gradients_sum_back():
    x = Tensor(np.array([[0.0, 2.0], [0.7, 0.7]]), requires_grad=True)
    lo = Tensor(np.array([0.5]), requires_grad=True)
    hi = Tensor(np.array([[1.0], [0.6]]), requires_grad=True)
    out = x.clamp(lo, hi)
    np.testing.assert_array_equal(out.data, [[0.5, 1.0], [0.6, 0.6]])
    out.sum().backward()  # torch 2.13's gradients
    np.testing.assert_array_equal(x.grad, [[0, 0], [0, 0]])
    np.testing.assert_array_equal(lo.grad, [1])
    np.testing.assert_array_equal(hi.grad, [[1], [2]])
    small = Tensor(np.array([0.3]), requires_grad=True)  # x itself broadcast by its bound
    low = Tensor(np.array([0.5, 0.1]), requires_grad=True)
    small.clamp(min=low).sum().backward()
    np.testing.assert_array_equal(small.grad, [1])
    np.testing.assert_array_equal(low.grad, [1, 0])


def test_clamp_with_tensor_bounds_passes_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, (3, 4))
    lo = np.array([-1.0, -0.25, 0.5, -3.0])  # every element well away from its bounds
    hi = np.array([[1.5], [0.125], [2.5]])
    x = np.where(np.abs(x - lo) < 0.05, x + 0.1, x)
    x = np.where(np.abs(x - hi) < 0.05, x + 0.1, x)
    tensors = [Tensor(a, requires_grad=True) for a in (x, lo, hi)]
    assert tg.gradcheck(lambda a, b, c: a.clamp(b, c) ** 2, *tensors)
    assert tg.gradgradcheck(lambda a, b, c: a.clamp(b, c) ** 2, tensors)
    assert tg.gradcheck(lambda a, b: tg.clamp(a, max=b) ** 2, tensors[0], tensors[2])


def test_clamp_keeps_number_and_constant_bounds_on_the_fast_op():
    x = Tensor(np.array([-2.0, 0.5, 3.0]), requires_grad=True)
    assert type(x.clamp(-1.0, 1.0).grad_fn).__name__ == "Clip"
    assert type(x.clamp(Tensor(np.array([-1.0])), 1.0).grad_fn).__name__ == "Clip"
    bound = Tensor(np.array(1.0), requires_grad=True)
    out = x.clamp(-1.0, bound)  # a number with a Tensor: the number is a constant bound
    assert type(out.grad_fn).__name__ == "ClipTensors"
    np.testing.assert_array_equal(out.data, [-1.0, 0.5, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 1, 0])
    assert bound.grad == 1.0
