"""ops/combine.py (cat, stack, broadcast_to/expand, flip, pad) and the slices and reshapes
split, chunk, squeeze, unsqueeze: the op table's rows, exact gradients and the errors."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor

SPECS = specs("combine")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def test_cat_and_stack_route_each_gradient_to_its_input():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((1, 3)), requires_grad=True)
    out = tg.cat([a, b], axis=0)
    (out * np.arange(9.0).reshape(3, 3)).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(b.grad, [[6, 7, 8]])
    c = Tensor(np.zeros(3), requires_grad=True)
    d = Tensor(np.zeros(3), requires_grad=True)
    (tg.stack([c, d], axis=1) * np.array([[1.0, 2.0]])).sum().backward()
    np.testing.assert_array_equal(c.grad, [1, 1, 1])
    np.testing.assert_array_equal(d.grad, [2, 2, 2])


def test_split_and_chunk_pieces_share_one_gradient():
    x = Tensor(np.arange(10.0), requires_grad=True)
    parts = x.split([2, 5])
    assert [p.tolist() for p in parts] == [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]
    (parts[0].sum() + 2 * parts[2].sum()).backward()
    np.testing.assert_array_equal(x.grad, [1, 1, 0, 0, 0, 2, 2, 2, 2, 2])
    assert [p.shape for p in tg.chunk(x, 3)] == [(4,), (4,), (2,)]
    assert [p.shape for p in x.chunk(4)] == [(3,), (3,), (3,), (1,)]
    assert [p.shape for p in tg.split(np.zeros((2, 6)), 3, axis=1)] == [(2, 2)] * 3


def test_squeeze_unsqueeze_expand_flip_pad():
    x = Tensor(np.arange(6.0).reshape(1, 2, 1, 3), requires_grad=True)
    assert x.squeeze().shape == (2, 3)
    assert x.squeeze(axis=(0, 2)).shape == (2, 3) and x.squeeze(-2).shape == (1, 2, 3)
    assert x.unsqueeze(0).shape == (1, 1, 2, 1, 3) and tg.unsqueeze(x, (1, -1)).shape == (
        1, 1, 2, 1, 3, 1)
    row = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    big = row.expand(4, -1)
    assert big.shape == (4, 2)
    big.sum().backward()
    np.testing.assert_array_equal(row.grad, [[4, 4]])
    assert tg.broadcast_to(row, (3, 1, 2)).shape == (3, 1, 2)
    f = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_array_equal(f.flip(1).data, [[2, 1, 0], [5, 4, 3]])
    np.testing.assert_array_equal(tg.flip(f).data, [[5, 4, 3], [2, 1, 0]])
    (f.flip(0) * np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])).sum().backward()
    np.testing.assert_array_equal(f.grad, [[0, 0, 0], [1, 2, 3]])
    p = tg.pad(Tensor(np.ones((1, 2)), requires_grad=True), 1, value=-1.0)
    np.testing.assert_array_equal(p.data, [[-1, -1, -1, -1], [-1, 1, 1, -1], [-1, -1, -1, -1]])


def test_shape_ops_keep_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = (tg.cat([x, x], 1).sum() + tg.stack([x, x]).sum() + x.flip().sum()
           + tg.pad(x, 1).sum() + x.unsqueeze(0).squeeze(0).sum() + x.expand(2, 2, 3).sum()
           + x.split(3, axis=1)[0].sum())
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("call, message", [
    (lambda: tg.cat([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))]),
     r"cat: inputs of shapes \(2, 3\), \(2, 4\) differ"),
    (lambda: tg.cat([Tensor(np.ones((2, 3))), Tensor(np.ones(3))]),
     r"cat: .*same number of dimensions"),
    (lambda: tg.cat([Tensor(np.ones(3))], axis=1), r"cat: axis 1 is out of range"),
    (lambda: tg.cat(Tensor(np.ones(3))), r"cat: expected a list"),
    (lambda: tg.cat([]), r"cat: expected at least one"),
    (lambda: tg.stack([Tensor(np.ones(2)), Tensor(np.ones(3))]),
     r"stack: inputs of shapes \(2,\), \(3,\)"),
    (lambda: tg.split(Tensor(np.ones(5)), 2), r"split: .*size 5.* 2 equal parts"),
    (lambda: Tensor(np.ones((2, 3))).squeeze(1), r"squeeze: input of shape \(2, 3\): axis 1"),
    (lambda: Tensor(np.ones(3)).unsqueeze(3), r"unsqueeze: axis 3 is out of range"),
    (lambda: Tensor(np.ones((2, 3))).broadcast_to((3, 3)),
     r"broadcast_to: input of shape \(2, 3\) cannot be broadcast to \(3, 3\)"),
    (lambda: Tensor(np.ones(3)).flip(1), r"flip: axis 1"),
    (lambda: tg.pad(Tensor(np.ones(3)), -1), r"pad: .*negative"),
    (lambda: tg.pad(Tensor(np.ones((2, 2))), ((1, 1), (1, 1), (1, 1))), r"pad: .*pad_width"),
    (lambda: tg.chunk(Tensor(np.ones(3)), 0), r"chunk: chunks must be a positive int"),
    (lambda: tg.pad(Tensor(np.ones((2, 3))), 2, mode="reflect"),
     r"pad: input of shape \(2, 3\): mode 'reflect' pads axis 0 by \(2, 2\), which must be "
     r"less than its size 2"),
    (lambda: tg.pad(Tensor(np.ones(3)), 4, mode="circular"), r"must be at most its size 3"),
    (lambda: tg.pad(Tensor(np.ones(3)), 1, mode="mirror"), r"pad: mode must be 'constant'"),
    (lambda: tg.pad(Tensor(np.ones(3)), 1, value=1.0, mode="replicate"),
     r"pad: a value \(1.0\) is only for mode 'constant'"),
])
def test_bad_input_is_refused_naming_the_op_and_shapes(call, message):
    with pytest.raises(OpError, match=message):
        call()


@pytest.mark.parametrize("mode, padded, grad", [
    # [1, 2, 3] padded by (2, 1); the gradient of the sum counts each element's copies
    ("reflect", [3, 2, 1, 2, 3, 2], [1, 3, 2]),
    ("replicate", [1, 1, 1, 2, 3, 3], [3, 1, 2]),
    ("circular", [2, 3, 1, 2, 3, 1], [2, 2, 2]),
    ("edge", [1, 1, 1, 2, 3, 3], [3, 1, 2]),  # numpy's names work too
    ("wrap", [2, 3, 1, 2, 3, 1], [2, 2, 2]),
])
def test_pad_modes_copy_the_input_and_send_each_copys_gradient_back(mode, padded, grad):
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    out = tg.pad(x, (2, 1), mode=mode)
    np.testing.assert_array_equal(out.data, padded)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, grad)


def test_pad_modes_on_two_axes_fold_the_corners_back():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = tg.pad(x, ((1, 1), (1, 1)), mode="replicate")
    np.testing.assert_array_equal(out.data, np.pad(np.arange(6.0).reshape(2, 3), 1, "edge"))
    out.sum().backward()  # a corner element is copied into 3 more places, an edge one into 1
    np.testing.assert_array_equal(x.grad, [[4, 2, 4], [4, 2, 4]])
