"""function.py: the public Function API a user defines a new op with, the same one every
built-in op goes through; and unbroadcast."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_np as tg
from tinygrad_np import Function, Tensor, gradcheck, no_grad, relu, unbroadcast


class Softplus(Function):
    """log(1 + e^x), defined as one unit with @staticmethod."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 + np.exp(-x))


class SoftplusPlain(Function):
    """The same op written without @staticmethod."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 + np.exp(-x))


X = np.array([[-3.0, -0.5, 0.0], [0.7, 2.0, 10.0]])


@pytest.mark.parametrize("op", [Softplus, SoftplusPlain], ids=lambda c: c.__name__)
def test_user_defined_op_forward_backward_and_graph(op):
    t = Tensor(X.copy(), requires_grad=True)
    out = op.apply(t)
    assert type(out) is Tensor
    np.testing.assert_array_equal(out.data, np.logaddexp(0.0, X))
    assert type(out.grad_fn) is op and isinstance(out.grad_fn, Function)
    assert out.grad_fn.parents == (t,) and out.grad_fn.parents[0] is t
    assert out.grad_fn.saved_tensors[0] is t.data  # saved as given, not copied
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, 1 / (1 + np.exp(-X)))
    assert out.grad_fn.saved_tensors is None


@pytest.mark.parametrize("op", [Softplus, SoftplusPlain], ids=lambda c: c.__name__)
def test_user_defined_op_composes_and_gradchecks(op, rng):
    x = Tensor(rng.standard_normal((4, 3)))
    w = Tensor(rng.standard_normal((3, 2)))
    b = Tensor(rng.standard_normal(2))
    assert gradcheck(lambda x, w, b: (op.apply(x @ w + b) * relu(w).sum()).mean()
                     + op.apply(b).l2(), x, w, b, atol=1e-5, rtol=1e-3)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                  elements=st.floats(-5, 5)))
def test_user_defined_op_gradchecks_on_any_shape(x):
    assert gradcheck(lambda t: Softplus.apply(t), Tensor(x))


SEEN_NEEDS: list[tuple[bool, ...]] = []


class MulAdd(Function):
    """a * b + c: several inputs, a tuple of gradients, None where none is needed."""

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b)
        return a * b + c

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        SEEN_NEEDS.append(ctx.needs_input_grad)
        need_a, need_b, need_c = ctx.needs_input_grad
        return (grad * b if need_a else None, grad * a if need_b else None,
                grad if need_c else None)


def test_several_inputs_needs_input_grad_and_none_gradients():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]))
    c = Tensor(np.array([5.0, 6.0]), requires_grad=True)
    SEEN_NEEDS.clear()
    out = MulAdd.apply(a, b, c)
    assert out.grad_fn.needs_input_grad == (True, False, True)
    np.testing.assert_array_equal(out.data, [8.0, 14.0])
    out.sum().backward()
    assert SEEN_NEEDS == [(True, False, True)]
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    assert b.grad is None
    np.testing.assert_array_equal(c.grad, [1.0, 1.0])
    assert gradcheck(lambda a, b, c: MulAdd.apply(a, b, c), Tensor(a.data), Tensor(b.data),
                     Tensor(c.data))


def test_numbers_and_arrays_are_accepted_as_inputs():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = MulAdd.apply(a, 2.0, np.array([0.5, 0.5]))
    np.testing.assert_array_equal(out.data, [2.5, 4.5])
    assert out.grad_fn.needs_input_grad == (True, False, False)
    assert all(isinstance(p, Tensor) for p in out.grad_fn.parents)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])


class Scale(Function):
    """Keyword arguments of apply go to forward as they are; ctx can hold anything."""

    @staticmethod
    def forward(ctx, x, factor=1.0, *, shift=0.0):
        ctx.factor = factor
        return x * factor + shift

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor


def test_keyword_params_are_passed_to_forward():
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = Scale.apply(t, factor=3.0, shift=1.0)
    np.testing.assert_array_equal(out.data, [4.0, 7.0])
    assert len(out.grad_fn.parents) == 1  # keywords are not inputs
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [3.0, 3.0])
    np.testing.assert_array_equal(Scale.apply(t).data, t.data)


def test_forward_returning_a_numpy_scalar_gives_a_0d_array():
    class Total(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.shape = x.shape
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return np.full(ctx.shape, grad)

    t = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    out = Total.apply(t)
    assert type(out.data) is np.ndarray and out.shape == () and out.item() == 6.0
    out.backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0, 1.0])


def test_backward_of_a_lower_precision_is_cast_to_the_input_dtype():
    class Sloppy(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2).astype(np.float32)

    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    Sloppy.apply(t).sum().backward()
    assert t.grad.dtype == np.float64
    np.testing.assert_array_equal(t.grad, [2.0, 2.0])


def test_user_op_under_no_grad_records_nothing():
    t = Tensor(np.array([1.0]), requires_grad=True)
    with no_grad():
        out = Softplus.apply(t)
    assert out.grad_fn is None and not out.requires_grad


# -- mistakes in a user's backward are reported with the op's name -----------------------------
class WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad.sum(axis=0)


class WrongCount(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad


class NotAnArray(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return [1.0, 2.0]


def test_backward_returning_the_wrong_shape_is_a_clear_error():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        WrongShape.apply(t).sum().backward()
    message = str(info.value)
    assert "WrongShape" in message and "(3,)" in message and "(2, 3)" in message


def test_backward_returning_the_wrong_number_of_gradients_is_a_clear_error():
    a = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="WrongCount.*1.*2"):
        WrongCount.apply(a, Tensor(np.ones(2), requires_grad=True)).sum().backward()


def test_backward_returning_a_list_is_a_clear_error():
    t = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="NotAnArray"):
        NotAnArray.apply(t).sum().backward()


def test_function_without_forward_or_backward_says_so():
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError, match="Empty"):
        Empty.apply(Tensor(np.ones(2)))


# -- unbroadcast --------------------------------------------------------------------------------
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_unbroadcast_is_the_adjoint_of_broadcasting(shapes):
    """<broadcast(x), g> == <x, unbroadcast(g)> for all x, g: the defining property."""
    (small, _), big = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 5, size=small).astype(np.float64)
    g = rng.integers(-5, 5, size=big).astype(np.float64)
    reduced = unbroadcast(g, small)
    assert np.shape(reduced) == small
    assert np.sum(np.broadcast_to(x, big) * g) == np.sum(x * reduced)


def test_unbroadcast_examples():
    np.testing.assert_array_equal(unbroadcast(np.ones((2, 3)), (3,)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(unbroadcast(np.ones((2, 3)), (2, 1)), [[3.0], [3.0]])
    np.testing.assert_array_equal(unbroadcast(np.arange(24.0).reshape(2, 3, 4), (3, 1)),
                                  np.arange(24.0).reshape(2, 3, 4).sum(axis=(0, 2))[:, None])
    g = np.ones((2, 2))
    assert unbroadcast(g, (2, 2)) is g


def test_unbroadcast_of_a_bias_row_sums_every_column_in_its_dtype(rng):
    """The bias case (a row of ones times the gradient): float32 stays float32, sums agree
    with float64 ones, inf and NaN propagate as in a sum, and no rows give zeros."""
    g = rng.standard_normal((1000, 7)).astype(np.float32)
    reduced = unbroadcast(g, (7,))
    assert reduced.dtype == np.float32 and reduced.shape == (7,)
    np.testing.assert_allclose(reduced, g.astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-4)
    g[3, 1], g[5, 2], g[6, 2], g[9, 4] = np.inf, np.inf, -np.inf, np.nan
    with np.errstate(invalid="ignore"):  # inf - inf, as numpy's sum would warn too
        reduced = unbroadcast(g, (7,))
    assert reduced[1] == np.inf and np.isnan(reduced[2]) and np.isnan(reduced[4])
    assert np.isfinite(reduced[[0, 3, 5, 6]]).all()
    np.testing.assert_array_equal(unbroadcast(np.ones((0, 3)), (3,)), [0.0, 0.0, 0.0])


def test_unbroadcast_of_a_bias_row_hands_out_its_own_array_each_time(rng):
    """The row of ones is made once per batch size and kept read-only; what unbroadcast
    returns is a new array the caller may write, and the rows kept stay bounded."""
    from tinygrad_np import function

    g = rng.standard_normal((9, 4)).astype(np.float32)
    first = unbroadcast(g, (4,))
    second = unbroadcast(2 * g, (4,))
    np.testing.assert_allclose(second, 2 * first, rtol=1e-6)
    first[...] = 0.0
    np.testing.assert_allclose(unbroadcast(g, (4,)), g.sum(axis=0), rtol=1e-5, atol=1e-6)
    assert first.flags.writeable and not np.shares_memory(first, unbroadcast(g, (4,)))
    for rows in range(1, 200):
        assert unbroadcast(np.ones((rows, 2)), (2,)).tolist() == [rows, rows]
    assert len(function._ONES) <= 64
    assert not any(ones.flags.writeable for ones in function._ONES.values())


# -- what Function.apply does with a forward's errors and results (issue 12) -------------------
class Inverse(Function):
    def forward(ctx, a):
        return np.linalg.inv(a)


class Checked(Function):
    def forward(ctx, x):
        if (x < 0).any():
            raise ValueError("Checked: needs x >= 0")
        return x


def test_a_value_error_that_is_not_about_shapes_goes_on_unchanged():
    from tinygrad_np import OpError
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix") as info:
        Inverse.apply(Tensor(np.ones((2, 2))))
    assert not isinstance(info.value, OpError)
    with pytest.raises(ValueError, match=r"^Checked: needs x >= 0$") as info:
        Checked.apply(Tensor([-1.0]))
    assert not isinstance(info.value, OpError)
    # the user's own frame is in the traceback
    frames = []
    tb = info.tb
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert frames[-1] == "forward"


def test_a_shape_error_becomes_an_op_error_chained_to_numpys():
    from tinygrad_np import OpError
    with pytest.raises(OpError, match=r"Add: cannot apply to input shapes \(2,\) and \(3,\)") \
            as info:
        Tensor([1.0, 2.0]) + Tensor([1.0, 2.0, 3.0])
    cause = info.value.__cause__
    assert isinstance(cause, ValueError) and "broadcast" in str(cause)


@pytest.mark.parametrize("result", [3.0, [1.0, 2.0], None, "x"])
def test_forward_returning_something_other_than_an_array_names_the_op(result):
    from tinygrad_np import OpError

    class Broken(Function):
        def forward(ctx, x):
            return result

    with pytest.raises(OpError, match=rf"Broken.forward returned a {type(result).__name__}"):
        Broken.apply(Tensor([1.0]))


def test_forward_returning_a_tensor_is_an_op_error_saying_forward_works_on_arrays():
    from tinygrad_np import OpError

    class OnTensors(Function):
        def forward(ctx, x):
            return Tensor(x) * 2

    with pytest.raises(OpError, match=r"OnTensors.forward returned a Tensor; forward works on "
                                      r"arrays"):
        OnTensors.apply(Tensor([1.0]))


class Stack(Function):
    def forward(ctx, a, b):
        return np.stack([a, b])


class Concatenate(Function):
    def forward(ctx, a, b):
        return np.concatenate([a, b])


class Dot(Function):
    def forward(ctx, a, b):
        return a.dot(b)


class Squeeze0(Function):
    def forward(ctx, x):
        return x.squeeze(0)


@pytest.mark.parametrize("call, shapes", [
    (lambda: Tensor(np.ones(3)).reshape(2, 2), r"\(3,\)"),
    (lambda: Tensor(np.ones((2, 3))).transpose((0, 0)), r"\(2, 3\)"),
    (lambda: Tensor(np.ones(3)).sum(axis=1), r"\(3,\)"),
    (lambda: Tensor(np.ones(3)).sum(axis=(0, 0)), r"\(3,\)"),
    (lambda: Stack.apply(Tensor(np.ones(2)), Tensor(np.ones(3))), r"\(2,\) and \(3,\)"),
    (lambda: Concatenate.apply(Tensor(np.ones((2, 2))), Tensor(np.ones(3))),
     r"\(2, 2\) and \(3,\)"),
    (lambda: Squeeze0.apply(Tensor(np.ones((2, 3)))), r"\(2, 3\)"),
    (lambda: Dot.apply(Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3)))),
     r"\(2, 3\) and \(2, 3\)"),
])
def test_numpys_shape_errors_of_every_kind_become_op_errors(call, shapes):
    from tinygrad_np import OpError
    with pytest.raises(OpError, match=rf"cannot apply to input shapes {shapes}") as info:
        call()
    assert isinstance(info.value.__cause__, ValueError)


def test_a_python_number_beside_a_float_array_takes_its_dtype():
    """With no Tensor among the inputs, a number takes the first float array's dtype (it was
    float32 always: maximum(a64, 0.7) compared with float32's 0.7, silently off numpy)."""
    a64 = np.random.default_rng(0).standard_normal(5)
    np.testing.assert_array_equal(tg.maximum(a64, 0.7).data, np.maximum(a64, 0.7))
    np.testing.assert_array_equal(tg.where(a64 > 0, a64, 0.1).data, np.where(a64 > 0, a64, 0.1))
    assert tg.maximum(a64.astype(np.float32), 0.7).dtype == np.float32
    assert tg.maximum(np.arange(3), 0.5).dtype == np.maximum(np.arange(3), np.float32(0.5)).dtype


def test_python_ints_with_integer_tensors_keep_the_integer_dtype():
    # as numpy and PyTorch: int64 tensor with a Python int stays int64 (it became float64)
    i = Tensor(np.array([-5, 5, 7]))
    for result, expected in ((i + 1, [-4, 6, 8]), (3 - i, [8, -2, -4]), (i * 2, [-10, 10, 14]),
                             (i // 3, [-2, 1, 2]), (7 // i, [-2, 1, 1]), (i % 3, [1, 2, 1]),
                             (i ** 2, [25, 25, 49])):
        assert result.dtype == np.int64 and result.tolist() == expected
    assert (i * 0.5).dtype.kind == "f" and (i / 2).tolist() == [-2.5, 2.5, 3.5]
    x = Tensor(np.array([5.0, -5.0], np.float32))
    assert (x // 2).dtype == np.float32 and (x // 2).tolist() == [2.0, -3.0]


def test_a_users_function_gets_objects_no_array_holds_as_they_are():
    # PyTorch's: non-tensor arguments (a mode, None, a function) reach forward unchanged,
    # and backward returns None for them
    seen = []

    class Scaled(Function):
        @staticmethod
        def forward(ctx, x, mode, extra, post):
            seen.append((mode, extra, post))
            return post(x * (2.0 if mode == "double" else 1.0))

        @staticmethod
        def backward(ctx, grad):
            return -2.0 * grad, None, None, None

    x = Tensor(np.array([1.0, 3.0]), requires_grad=True)
    y = Scaled.apply(x, "double", None, np.negative)
    assert y.tolist() == [-2.0, -6.0] and seen == [("double", None, np.negative)]
    y.sum().backward()
    assert x.grad.tolist() == [-2.0, -2.0]
    with pytest.raises(TypeError, match="cannot wrap NoneType"):
        x + None  # the built-in ops still refuse them


def test_backward_may_return_extra_nones_and_gradients_that_sum_down():
    class Biased(Function):
        @staticmethod
        def forward(ctx, x, b, scale=1.0):
            return x + b * scale

        @staticmethod
        def backward(ctx, grad):
            # b's gradient at the output's shape (PyTorch sums it down to b's), and a None
            # for the keyword argument
            return grad, grad, None

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    Biased.apply(x, b, scale=2.0).sum().backward()
    assert b.grad.tolist() == [2.0, 2.0, 2.0] and x.grad.shape == (2, 3)

    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="returned 2 gradients for 1 inputs"):
        TooMany.apply(x).sum().backward()


def test_mark_non_differentiable_and_pytorchs_other_ctx_calls():
    class ArgMax(Function):
        @staticmethod
        def forward(ctx, x):
            out = x.argmax(axis=-1)
            ctx.mark_non_differentiable(out)
            ctx.set_materialize_grads(False)
            return out

        @staticmethod
        @tg.once_differentiable
        def backward(ctx, grad):
            raise AssertionError("never called for a non-differentiable output")

    x = Tensor(np.array([[1.0, 3.0], [4.0, 2.0]]), requires_grad=True)
    index = ArgMax.apply(x)
    assert index.tolist() == [1, 0] and not index.requires_grad and index.grad_fn is None


def test_a_float_tensor_with_an_integer_one_keeps_its_float_dtype_as_pytorchs():
    x = tg.ones(3)  # float32
    i = tg.arange(3)  # int64
    for result in (x + i, i * x, x - i, i / x, x ** tg.tensor([1, 2, 3]), tg.maximum(x, i)):
        assert result.dtype == np.float32  # numpy's rule would give float64
    assert (x > i).dtype == np.bool_ and (i + i).dtype == np.int64
    assert (x + Tensor(np.ones(3))).dtype == np.float64  # two floats: the wider, as PyTorch
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    (w * i).sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.tolist() == [0.0, 1.0, 2.0]


def test_grad_fn_next_functions_and_name_as_pytorchs():
    from tinygrad_np.function import AccumulateGrad

    w = Tensor(np.ones(2), requires_grad=True)
    c = Tensor(np.ones(2))
    loss = (w * c).sum() * 2
    assert loss.grad_fn.name() == "Mul"
    (summed, _), (constant, _) = loss.grad_fn.next_functions
    assert summed.name() == "Sum" and constant is None
    (product, _), = summed.next_functions
    (leaf, _), (other, _) = product.next_functions
    assert isinstance(leaf, AccumulateGrad) and leaf.variable is w and other is None
