"""gradcheck.py: numgrad (central differences) and gradcheck, which must catch a wrong
backward and say where."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_np import Function, GradcheckError, Tensor, gradcheck, gradgradcheck, numgrad
from tinygrad_np.gradcheck import ELEMENTWISE_LIMIT


# -- numgrad ------------------------------------------------------------------------------------
def test_numgrad_of_a_quadratic_and_a_cubic(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(numgrad(lambda a: (a ** 2).sum(), x), 2 * x, rtol=0, atol=1e-8)
    # central differences of x^3 are 3x^2 + eps^2: accurate to ~1e-9 here
    np.testing.assert_allclose(numgrad(lambda a: (a ** 3).sum(), x), 3 * x ** 2, rtol=0,
                               atol=1e-8)


def test_numgrad_returns_one_array_or_a_tuple():
    a, b = np.array([1.0, 2.0]), np.array([[3.0], [4.0], [5.0]])
    g = numgrad(lambda a: (a * a).sum(), a)
    assert isinstance(g, np.ndarray) and g.shape == (2,) and g.dtype == np.float64
    ga, gb = numgrad(lambda a, b: (a[None, :] * b).sum(), a, b)
    assert ga.shape == (2,) and gb.shape == (3, 1)
    np.testing.assert_allclose(ga, [12.0, 12.0], atol=1e-8)
    np.testing.assert_allclose(gb, [[3.0], [3.0], [3.0]], atol=1e-8)


@pytest.mark.parametrize("shape", [(), (1,), (2, 3, 4)], ids=str)
def test_numgrad_any_shape(shape, rng):
    x = rng.standard_normal(shape)
    g = numgrad(lambda a: np.sum(np.sin(a)), x)
    assert g.shape == shape
    np.testing.assert_allclose(g, np.cos(x), atol=1e-8)


def test_numgrad_accepts_tensors_and_closures():
    w = Tensor(np.array([1.0, -2.0]))
    g = numgrad(lambda t: (t * t * t).sum(), w)
    np.testing.assert_allclose(g, 3 * w.data ** 2, atol=1e-8)
    weights = np.array([0.5, 1.5])
    g = numgrad(lambda *_: float(np.sum(weights ** 2)), weights)  # reads the array itself
    np.testing.assert_allclose(g, 2 * weights, atol=1e-8)


# Values whose +eps/-eps perturbation does not round-trip, so a restore by arithmetic
# (x + eps - eps) would change them; -0.0 and a subnormal too.
AWKWARD = np.array([0.1, 1e-20, -0.0, 1e10 + 0.3, np.pi, 5e-324, -7.3])


def test_numgrad_restores_every_element_bit_for_bit():
    x = AWKWARD.copy()
    y = np.linspace(-1, 1, 6).reshape(2, 3) / 3
    before_x, before_y = x.tobytes(), y.tobytes()
    seen = []

    def f(a, b):
        seen.append(a.copy())
        return float(np.sum(a) * np.sum(b))

    numgrad(f, x, y)
    assert x.tobytes() == before_x and y.tobytes() == before_y
    assert any(not np.array_equal(s, AWKWARD) for s in seen)  # it did perturb


@pytest.mark.parametrize("fail_on_call", [1, 2, 3, 6])
def test_numgrad_restores_the_arrays_when_f_raises(fail_on_call):
    x = AWKWARD.copy()
    y = np.array([[0.3, 0.7]])
    before_x, before_y = x.tobytes(), y.tobytes()
    calls = []

    def f(a, b):
        calls.append(1)
        if len(calls) == fail_on_call:
            raise FloatingPointError("boom")
        return float(np.sum(a) + np.sum(b))

    with pytest.raises(FloatingPointError):
        numgrad(f, y, x)
    assert x.tobytes() == before_x and y.tobytes() == before_y


def test_numgrad_rejects_bad_inputs_and_warns_on_float32():
    with pytest.raises(TypeError):
        numgrad(lambda a: a.sum(), np.array([1, 2]))
    with pytest.raises(ValueError, match="scalar"):
        numgrad(lambda a: a * 2, np.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        numgrad(lambda: 0.0)
    with pytest.warns(UserWarning, match="float32"):
        numgrad(lambda a: float(a.sum()), np.array([1.0], dtype=np.float32))


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
                  elements=st.floats(-2, 2)))
def test_numgrad_of_a_linear_function_is_its_coefficients(x):
    coef = np.arange(x.size, dtype=np.float64).reshape(x.shape) - 1.5
    before = x.tobytes()
    g = numgrad(lambda a: float(np.sum(coef * a)), x)
    # exact up to the rounding of f (|f| < 1.5e3) divided by 2 * eps
    np.testing.assert_allclose(g, coef, rtol=1e-6, atol=1e-6)
    assert x.tobytes() == before


# -- gradcheck: right answers pass ---------------------------------------------------------------
def test_gradcheck_passes_a_correct_backward_and_returns_true(rng):
    a = Tensor(rng.standard_normal((3, 4)))
    b = Tensor(rng.standard_normal(4))
    assert gradcheck(lambda a, b: (a * b).tanh().sum(), a, b) is True
    assert gradcheck(lambda a, b: (a @ b).exp(), a, b) is True  # non-scalar output
    assert a.grad is None and b.grad is None  # it works on copies


def test_gradcheck_takes_the_inputs_as_one_tuple_too_as_pytorchs_does(rng):
    a, b = Tensor(rng.standard_normal((3, 4))), Tensor(rng.standard_normal(4))
    assert gradcheck(lambda a, b: (a * b).tanh().sum(), (a, b)) is True
    op = scaled_square(1.01)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: a.sum() + op.apply(b).sum(), (a, b))


def test_gradcheck_checks_float64_copies_and_warns_on_float32(rng):
    x32 = rng.standard_normal(5).astype(np.float32)
    t = Tensor(x32)
    with pytest.warns(UserWarning, match="float32"):
        assert gradcheck(lambda t: (t * t).sum(), t)
    assert t.data is x32 and t.dtype == np.float32  # input left alone


def test_gradcheck_passes_non_float_inputs_through():
    logits = Tensor(np.array([[0.1, 0.5, -0.3], [1.0, -1.0, 0.0]]))
    labels = Tensor(np.array([2, 0]))
    assert gradcheck(lambda z, y: z.softmax_cross_entropy(y), logits, labels)
    with pytest.raises(ValueError, match="no floating-point"):
        gradcheck(lambda y: y, labels)


def test_gradcheck_requires_a_tensor_result():
    with pytest.raises(TypeError, match="Tensor"):
        gradcheck(lambda t: 1.0, Tensor(np.ones(2)))


# -- gradcheck: wrong backwards are caught, and located --------------------------------------------
def scaled_square(factor):
    class ScaledSquare(Function):
        """x^2 with a backward off by `factor`."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return 2 * x * grad * factor

    return ScaledSquare


def sign_flipped_exp(index):
    class SignFlippedExp(Function):
        """exp with the sign of one element's gradient wrong."""

        @staticmethod
        def forward(ctx, x):
            out = np.exp(x)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            out, = ctx.saved_tensors
            g = grad * out
            g[index] = -g[index]
            return g

    return SignFlippedExp


def _numbers(message):
    """The analytic and numeric values the message reports."""
    number = r"(-?\d+(?:\.\d*)?(?:e[-+]?\d+)?)"
    plain = re.sub(r"np\.float\d+\(", "(", message)  # numpy 2 reprs: np.float64(1.5)
    m = re.search(rf"analytic\D*?{number}.*?numeric\D*?{number}", plain)
    assert m, message
    return float(m.group(1)), float(m.group(2))


def test_gradcheck_catches_a_backward_off_by_one_percent():
    x = np.array([[0.5, -1.0, 2.0], [1.5, -0.25, 3.0]])
    op = scaled_square(1.01)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: op.apply(t).sum(), Tensor(x))
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert "input 0" in message
    # the worst element is the one with the largest |gradient|: x = 3.0 at (1, 2)
    assert "(1, 2)" in message
    analytic, numeric = _numbers(message)
    assert analytic == pytest.approx(2 * 3.0 * 1.01, rel=1e-9)
    assert numeric == pytest.approx(6.0, rel=1e-6)
    assert "1e-05" in message and "0.001" in message and "tolerance" in message
    # the correct op passes
    assert gradcheck(lambda t: scaled_square(1.0).apply(t).sum(), Tensor(x))


def test_gradcheck_catches_one_element_with_the_wrong_sign_and_names_it():
    a = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2]])
    b = np.full((3, 4), 0.3)
    op = sign_flipped_exp((1, 2))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: (a * op.apply(b)).sum(), Tensor(a), Tensor(b))
    message = str(info.value)
    assert "input 1" in message  # b, the second input; a's gradient is right
    assert "(1, 2)" in message
    analytic, numeric = _numbers(message)
    assert analytic == pytest.approx(-0.7 * np.exp(0.3), rel=1e-9)
    assert numeric == pytest.approx(0.7 * np.exp(0.3), rel=1e-6)
    assert "1 of 12" in message


def test_gradcheck_catches_a_missing_gradient():
    class ForgetsB(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            b, = ctx.saved_tensors
            return grad * b, None  # right for a, nothing for b

    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: ForgetsB.apply(a, b).sum(), Tensor(np.ones(3)),
                  Tensor(np.array([1.0, 2.0, 3.0])))


def test_gradcheck_tolerances_are_the_stated_ones():
    """|analytic - numeric| <= atol + rtol * |numeric|: a 0.05% error passes rtol=1e-3 and
    fails rtol=1e-4."""
    x = Tensor(np.array([1.0, 2.0]))
    op = scaled_square(1.0005)
    assert gradcheck(lambda t: op.apply(t).sum(), x, rtol=1e-3)
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: op.apply(t).sum(), x, rtol=1e-4)


# -- the large-input path ------------------------------------------------------------------------
N_LARGE = ELEMENTWISE_LIMIT + 500  # past the element-by-element limit


def _large(rng):
    return rng.uniform(0.5, 1.5, size=(N_LARGE // 50, 50))


def test_large_input_uses_few_evaluations_and_passes_a_correct_backward(rng):
    x = _large(rng)
    assert x.size > 2000
    calls = []

    def f(t):
        calls.append(1)
        return (scaled_square(1.0).apply(t) * 0.01).sum()

    assert gradcheck(f, Tensor(x)) is True
    assert len(calls) <= 20  # random directions, not 2 * 2500 evaluations


def test_large_input_catches_a_backward_off_by_one_percent(rng):
    op = scaled_square(1.01)
    with pytest.raises(GradcheckError, match="input 0.*random direction"):
        gradcheck(lambda t: (op.apply(t) * 0.01).sum(), Tensor(_large(rng)))


def test_large_input_catches_one_element_with_the_wrong_sign(rng):
    x = _large(rng) * 0.1
    weight = np.ones(x.shape)
    weight[7, 13] = 100.0  # that element matters, as a wrong sign in a big gradient does
    op = sign_flipped_exp((7, 13))
    with pytest.raises(GradcheckError, match="random direction"):
        gradcheck(lambda t: (op.apply(t) * weight).sum() * 1e-3, Tensor(x))


def test_gradcheck_does_not_change_its_inputs(rng):
    x = rng.standard_normal((2, 3))
    t = Tensor(x)
    before = x.tobytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(lambda t: (t.sigmoid() * t).sum(), t)
    assert t.data is x and x.tobytes() == before and t.grad is None


def test_only_the_inputs_that_require_grad_are_checked_where_some_do():
    # PyTorch's rule: y's wrong gradient does not matter when y does not require grad
    class WrongForY(Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return grad * y, grad * 0.0  # y's is wrong

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 4.0]))
    assert gradcheck(lambda a, b: WrongForY.apply(a, b), x, y)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: WrongForY.apply(a, b), Tensor(x.data), y)  # none do: all checked
    assert gradcheck(lambda a, b: WrongForY.apply(a, b), [Tensor(x.data), y],
                     raise_exception=False) is False
    assert gradcheck(lambda a, b: WrongForY.apply(a, b), (x, y), fast_mode=True)
    assert gradgradcheck(lambda a: (a ** 3).sum(), [x], raise_exception=False)
