"""User mistakes get errors that say what went wrong: ValueError (OpError) naming the op and both
shapes for shape mismatches, RuntimeError for backward() misuse."""
from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_np import OpError, Tensor, matmul, softmax_cross_entropy


def _raises_op_error(fn, op, *shapes):
    """fn() raises an OpError (a ValueError) whose message names `op` and every shape."""
    with pytest.raises(ValueError) as info:
        fn()
    err = info.value
    assert isinstance(err, OpError), type(err)
    message = str(err)
    assert op in message, message
    for shape in shapes:
        assert str(tuple(shape)) in message, (shape, message)
    # not just numpy's own message passed through
    assert not message.startswith("operands could not be broadcast"), message
    assert not message.startswith("matmul: Input operand"), message
    return message


def test_op_error_is_a_value_error():
    assert issubclass(OpError, ValueError)


# -- matmul ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("sa, sb", [
    ((2, 3), (4, 5)),
    ((3,), (4,)),
    ((2, 3), (4,)),
    ((4,), (3, 2)),
    ((2, 3, 4), (5, 6)),
    ((2, 3, 4), (3, 4, 5)),  # inner dims agree, batch dims do not broadcast
])
def test_matmul_shape_mismatch(sa, sb):
    a, b = Tensor(np.ones(sa), requires_grad=True), Tensor(np.ones(sb))
    _raises_op_error(lambda: a @ b, "MatMul", sa, sb)
    _raises_op_error(lambda: matmul(a, b), "MatMul", sa, sb)
    _raises_op_error(lambda: a.dot(b), "MatMul", sa, sb)


def test_matmul_of_a_0d_operand():
    _raises_op_error(lambda: Tensor(np.array(2.0)) @ Tensor(np.ones(3)), "MatMul", (), (3,))


# -- broadcasting ops ------------------------------------------------------------------------------
@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "Add"), (lambda a, b: a - b, "Sub"), (lambda a, b: a * b, "Mul"),
    (lambda a, b: a / b, "Div"), (lambda a, b: a ** b, "Pow"),
])
@pytest.mark.parametrize("sa, sb", [((2, 3), (4,)), ((3, 2, 4), (5, 1)), ((2, 3), (3, 2))])
def test_broadcasting_mismatch(op, name, sa, sb):
    a = Tensor(np.ones(sa), requires_grad=True)
    b = Tensor(np.ones(sb))
    _raises_op_error(lambda: op(a, b), name, sa, sb)
    _raises_op_error(lambda: op(b, a), name, sb, sa)
    _raises_op_error(lambda: op(a, np.ones(sb)), name, sa, sb)  # a plain array operand


# -- softmax_cross_entropy -------------------------------------------------------------------------
LOGITS = Tensor(np.zeros((4, 3)), requires_grad=True)


ROWS = r"expected integer class indices of shape \(4,\) or float target rows of shape \(4, 3\)"


@pytest.mark.parametrize("labels, own_message", [
    (np.array([0, 1, 2]), r"expected 4 labels, one per row of logits"),
    (np.array([0, 1, 2, 0, 1]), r"expected 4 labels, one per row of logits"),
    (np.array([0, 1, 3, 0]), r"class indices must be in \[0, 3\), got values from 0 to 3"),
    (np.array([0, -1, 2, 0]), r"class indices must be in \[0, 3\), got values from -1 to 2"),
    (np.array([0.0, 1.0, 2.0, 0.0]),
     r"labels of shape \(N,\) must be integer class indices, got float64"),
    (np.array([True, False, True, False]),
     r"labels of shape \(N,\) must be integer class indices, got bool"),
    (np.zeros((4, 4)), ROWS),  # rows of the wrong width
    (np.zeros((3, 3)), ROWS),  # the wrong number of rows
    (np.zeros((4, 3, 1)), ROWS),  # 3-D
    (np.array(1), ROWS),  # 0-d
])
def test_softmax_cross_entropy_bad_labels(labels, own_message):
    """Each kind of bad labels gets its own explanation, after the op and both shapes."""
    prefix = rf"^softmax_cross_entropy: logits \(4, 3\), labels {re.escape(str(labels.shape))}: "
    for call in (lambda: LOGITS.softmax_cross_entropy(labels),
                 lambda: softmax_cross_entropy(LOGITS, labels)):
        message = _raises_op_error(call, "softmax_cross_entropy", (4, 3), labels.shape)
        assert re.search(prefix + own_message, message), message


def test_softmax_cross_entropy_out_of_range_message_gives_the_range():
    message = _raises_op_error(lambda: LOGITS.softmax_cross_entropy(np.array([0, 1, 7, 0])),
                               "softmax_cross_entropy", (4, 3), (4,))
    assert "7" in message and "3" in message
    message = _raises_op_error(lambda: LOGITS.softmax_cross_entropy(np.array([0, -2, 1, 0])),
                               "softmax_cross_entropy", (4, 3), (4,))
    assert "-2" in message


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_softmax_cross_entropy_negative_label_of_any_integer_width(dtype):
    """-1 is out of range whatever the label dtype and however many classes there are (an
    int8 -1 must not pass as 255 < 300 and silently pick the last class)."""
    logits = Tensor(np.zeros((2, 300)), requires_grad=True)
    labels = np.array([-1, 0], dtype=dtype)
    message = _raises_op_error(lambda: logits.softmax_cross_entropy(labels),
                               "softmax_cross_entropy", (2, 300), (2,))
    assert "-1" in message


def test_softmax_cross_entropy_needs_2d_logits():
    _raises_op_error(lambda: Tensor(np.zeros(3)).softmax_cross_entropy(np.array([0])),
                     "softmax_cross_entropy", (3,), (1,))


def test_a_failed_op_leaves_no_partial_state():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError):
        a @ Tensor(np.ones((4, 2)))
    (a * 2).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 2.0))


# -- backward misuse -------------------------------------------------------------------------------
def test_backward_on_a_non_scalar_without_a_gradient():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(RuntimeError) as info:
        y.backward()
    message = str(info.value)
    assert "(2, 3)" in message and "grad" in message


def test_backward_with_a_gradient_of_the_wrong_shape():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    for bad, shape in ((np.ones((3, 2)), (3, 2)), (Tensor(np.ones(6)), (6,)), ([1.0, 2.0], (2,))):
        with pytest.raises(ValueError) as info:
            y.backward(bad)
        message = str(info.value)
        assert "(2, 3)" in message and str(shape) in message, message


def test_backward_on_a_tensor_that_does_not_require_grad():
    for t in (Tensor(np.ones(1)), Tensor(np.ones(3)).sum()):
        with pytest.raises(RuntimeError, match="require"):
            t.backward()


def test_backward_of_a_one_element_non_0d_tensor_needs_no_gradient():
    x = Tensor(np.array([[3.0]]), requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, [[6.0]])
