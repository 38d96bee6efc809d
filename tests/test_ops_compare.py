"""ops/compare.py: `== != < <= > >=` elementwise, broadcasting, bool results with no graph."""
from __future__ import annotations

import operator

import numpy as np
import pytest

from tinygrad_np import Tensor, jit, no_grad

OPERATORS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]
METHODS = {operator.eq: "eq", operator.ne: "ne", operator.lt: "lt", operator.le: "le",
           operator.gt: "gt", operator.ge: "ge"}

A = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
B = np.array([2.0, 2.0, 2.0])


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("left, right", [
    ("tensor", "tensor"), ("tensor", "array"), ("array", "tensor"),
    ("tensor", "number"), ("number", "tensor"), ("tensor", "list"), ("tensor", "npscalar"),
    ("npscalar", "tensor")])
def test_comparisons_are_elementwise_and_broadcast_with_anything_on_either_side(op, left,
                                                                                 right):
    def make(kind, value):
        return {"tensor": lambda: Tensor(value, requires_grad=True), "array": lambda: value,
                "number": lambda: 2.0, "list": lambda: value.tolist(),
                "npscalar": lambda: np.float64(2.0)}[kind]()

    def plain(kind, value):  # the same operand as numpy sees it
        return 2.0 if kind in ("number", "npscalar") else value

    a, b = make(left, A), make(right, B)
    expected = op(plain(left, A), plain(right, B))
    out = op(a, b)
    assert isinstance(out, Tensor), type(out)
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out.data, expected)
    assert out.requires_grad is False and out.grad_fn is None


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
def test_methods_match_operators(op):
    a, b = Tensor(A), Tensor(B)
    np.testing.assert_array_equal(getattr(a, METHODS[op])(b).data, op(A, B))


def test_accuracy_from_comparison_is_the_fraction_of_hits():
    """The bug: `(pred == y).mean()` compared identity and was silently a bool."""
    pred = Tensor(np.array([0, 1, 2, 2]))
    labels = np.array([0, 1, 1, 2])
    hits = pred == labels
    assert hits.mean().item() == 0.75
    assert (labels == pred).mean().item() == 0.75  # ndarray on the left reaches the Tensor
    assert (pred != Tensor(labels)).sum().item() == 1


def test_integer_tensor_against_a_number():
    labels = Tensor(np.array([3, 1, 3], dtype=np.int64))
    np.testing.assert_array_equal((labels == 3).data, [True, False, True])
    np.testing.assert_array_equal((labels >= 2).data, [True, False, True])


def test_a_comparison_is_not_part_of_the_graph():
    w = Tensor(np.array([1.0, -1.0, 2.0]), requires_grad=True)
    mask = w > 0
    assert mask.grad_fn is None and not mask.requires_grad
    loss = (w * mask).sum()  # a mask from the weights themselves: only w's path has gradient
    loss.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 0.0, 1.0])
    with no_grad():
        assert (w == w).grad_fn is None


def test_none_and_strings_compare_by_identity_and_orderings_refuse_them():
    t = Tensor([1.0, 2.0])
    assert (t == None) is False  # noqa: E711 - what is tested is exactly this
    assert (t != "t") is True
    with pytest.raises(TypeError):
        _ = t < None


def test_broadcasting_mismatch_is_an_op_error_naming_the_op():
    from tinygrad_np import OpError
    with pytest.raises(OpError, match=r"Less.*\(2, 3\).*\(2,\)"):
        _ = Tensor(A) < Tensor([1.0, 2.0])


def test_tensors_stay_hashable_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert hash(a) == object.__hash__(a)
    table = {a: "a", b: "b"}  # equal values, two keys
    assert table[a] == "a" and table[b] == "b" and len({a, b, a}) == 2


def test_comparisons_replay_under_jit():
    w = Tensor(np.array([1.0, -1.0, 2.0]), requires_grad=True)

    @jit
    def step(x):
        w.grad = None
        loss = (w * (Tensor(x) > 0)).sum()
        loss.backward()
        return loss

    for x in ([1.0, 1.0, -1.0], [1.0, 1.0, -1.0], [-1.0, 1.0, 1.0], [-1.0, 1.0, 1.0]):
        x = np.array(x)
        loss = step(x)
        assert loss.item() == (w.data * (x > 0)).sum()
        np.testing.assert_array_equal(w.grad, (x > 0).astype(float))
