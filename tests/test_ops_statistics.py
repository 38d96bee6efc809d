"""ops/statistics.py: var, std, prod, logsumexp, norm, cumsum; and argmax/argmin. The op
table's rows, then exact values: prod's gradient with zeros, stability, no-gradient argmax."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor

SPECS = specs("statistics")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


@pytest.mark.parametrize("values, expected", [
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),  # no zero: product of the others
    ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),  # one zero: only it gets a gradient
    ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0]),  # two zeros: none does
    ([0.0], [1.0]),
])
def test_prod_gradient_is_exact_with_zeros(values, expected):
    t = Tensor(np.array(values), requires_grad=True)
    tg.prod(t).backward()
    np.testing.assert_array_equal(t.grad, expected)
    assert np.all(np.isfinite(t.grad))


def test_prod_gradient_over_axes_with_zeros():
    x = np.array([[[1.0, 0.0], [3.0, 4.0]], [[0.0, 0.0], [2.0, -1.0]]])  # (2, 2, 2)
    t = Tensor(x, requires_grad=True)
    out = t.prod(axis=(0, 2), keepdims=True)
    np.testing.assert_array_equal(out.data, x.prod(axis=(0, 2), keepdims=True))
    out.sum().backward()
    # group [:, 0, :] = {1, 0, 0, 0} has three zeros: no gradient at all;
    # group [:, 1, :] = {3, 4, 2, -1}: each gets the product of the other three
    expected = np.zeros_like(x)
    expected[0, 1] = [4.0 * 2 * -1, 3.0 * 2 * -1]
    expected[1, 1] = [3.0 * 4 * -1, 3.0 * 4 * 2]
    np.testing.assert_array_equal(t.grad, expected)


def test_logsumexp_is_stable_and_its_gradient_is_the_softmax():
    x = np.array([[1e4, 1e4 - 1.0, -1e4], [-np.inf, 0.0, -np.inf]])
    t = Tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = t.logsumexp(axis=1)
        out.sum().backward()
    np.testing.assert_allclose(out.data, [1e4 + np.log1p(np.exp(-1.0)), 0.0], rtol=1e-15)
    e = np.exp([0.0, -1.0])
    np.testing.assert_allclose(t.grad[0], [e[0] / e.sum(), e[1] / e.sum(), 0.0], rtol=1e-14)
    np.testing.assert_array_equal(t.grad[1], [0.0, 1.0, 0.0])
    assert tg.logsumexp(Tensor([-np.inf, -np.inf])).item() == -np.inf


def test_var_and_std_ddof_and_float32(rng):
    x = rng.standard_normal((4, 5))
    for ddof in (0, 1):
        np.testing.assert_allclose(tg.var(x, axis=0, ddof=ddof).data, x.var(axis=0, ddof=ddof),
                                   rtol=1e-14)
        np.testing.assert_allclose(Tensor(x).std(ddof=ddof).data, x.std(ddof=ddof), rtol=1e-14)
    t = Tensor(x.astype(np.float32), requires_grad=True)
    out = t.std(axis=1) + t.var(axis=(0, 1), keepdims=True)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32


def test_norm_of_zero_has_zero_gradient():
    t = Tensor(np.zeros((2, 3)), requires_grad=True)
    out = t.norm(axis=1)
    np.testing.assert_array_equal(out.data, [0.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.zeros((2, 3)))
    assert tg.norm(Tensor([3.0, 4.0])).item() == 5.0


def test_cumsum_gradient_is_a_reversed_running_sum():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = t.cumsum(axis=1)
    np.testing.assert_array_equal(out.data, [[0, 1, 3], [3, 7, 12]])
    (out * np.array([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(t.grad, [[111, 110, 100], [111, 110, 100]])
    t.zero_grad()
    flat = t.cumsum()  # axis None: flattened, as numpy
    assert flat.shape == (6,)
    flat.sum().backward()
    np.testing.assert_array_equal(t.grad, [[6, 5, 4], [3, 2, 1]])


def test_argmax_and_argmin_give_indices_and_no_gradient():
    x = Tensor(np.array([[1.0, 5.0, 5.0], [7.0, -1.0, 0.0]]), requires_grad=True)
    am = x.argmax(axis=1)
    assert am.tolist() == [1, 0] and am.dtype == np.int64  # the first of ties, as numpy
    assert not am.requires_grad and am.grad_fn is None
    assert tg.argmax(x).item() == 3 and tg.argmin(x).item() == 4
    assert x.argmin(axis=0, keepdims=True).tolist() == [[0, 1, 1]]
    assert tg.argmax(np.array([3, 9, 2])).item() == 1


def test_bad_axes_are_refused_naming_the_op():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(OpError, match="cumsum.*axis 2"):
        t.cumsum(axis=2)
    with pytest.raises(OpError, match="var.*axis"):
        t.var(axis=(0, 0))
    with pytest.raises(OpError, match="std.*axis 5"):
        t.std(axis=5)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("kwargs", [{"dim": 1}, {"dim": 1, "correction": 0},
                                    {"axis": 1, "keepdims": True}, {}])
def test_std_of_a_constant_line_has_zero_gradient_as_pytorchs(kwargs, create_graph):
    t = Tensor(np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]]), requires_grad=True)
    out = t.std(**kwargs) if kwargs else t[:1].std()  # {}: a constant tensor, over all
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 / 0 on the way
        out.sum().backward(create_graph=create_graph)
    grad = np.asarray(t.grad)
    np.testing.assert_array_equal(grad[0], [0.0, 0.0, 0.0])  # torch 2.13: 0, not nan
    if kwargs:  # the other line: (x - mean) / ((n - ddof) std), std = sqrt(2 / (n - ddof))
        divisor = 3 - kwargs.get("correction", 1 if "dim" in kwargs else 0)
        np.testing.assert_allclose(grad[1], np.array([-1.0, 0.0, 1.0])
                                   / (divisor * np.sqrt(2.0 / divisor)), rtol=1e-15)


@pytest.mark.parametrize("create_graph", [False, True])
def test_var_and_std_without_degrees_of_freedom_give_pytorchs_nan_gradients(create_graph):
    # torch 2.13, var/std(correction=1) of one element: nan, its gradient nan (not an error)
    for op in ("var", "std"):
        for kwargs in ({}, {"dim": 0}):
            t = Tensor(np.array([2.0]), requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the forward's 0 / 0 warns, as numpy's var
                out = getattr(t, op)(correction=1, **kwargs)
            assert np.isnan(out.item())
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # the backward does not
                out.backward(create_graph=create_graph)
            np.testing.assert_array_equal(np.asarray(t.grad), [np.nan])
    # two elements, correction 2: torch's var gives inf over all (its rule: nan only where x
    # is its mean) and 2/0 * (x - mean) over a dim; std gives nan either way
    for op, kwargs, expected in (("var", {}, [np.inf, np.inf]),
                                 ("var", {"dim": 0}, [-np.inf, np.inf]),
                                 ("std", {}, [np.nan, np.nan]),
                                 ("std", {"dim": 0}, [np.nan, np.nan])):
        t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(t, op)(correction=2, **kwargs)
        assert out.item() == np.inf
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out.backward(create_graph=create_graph)
        np.testing.assert_array_equal(np.asarray(t.grad), expected)


def test_cumsum_of_a_0d_tensor_stays_0d_as_pytorchs():
    for axis in (0, -1):
        t = Tensor(np.array(2.0), requires_grad=True)
        out = t.cumsum(axis)
        assert out.shape == () and out.item() == 2.0  # torch 2.13: shape (), numpy's is (1,)
        out.backward()
        assert t.grad.shape == () and t.grad == 1.0
    assert tg.cumsum(np.array(2.0)).shape == (1,)  # no axis: flattened, as numpy's
    with pytest.raises(OpError, match="cumsum: axis 1 is out of range"):
        Tensor(np.array(2.0)).cumsum(1)


def test_logsumexp_of_nothing_is_minus_infinity_as_pytorchs():
    t = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = t.logsumexp(dim=0)  # torch 2.13: [-inf, -inf, -inf]
    np.testing.assert_array_equal(out.data, [-np.inf, -np.inf, -np.inf])
    out.sum().backward()
    assert t.grad.shape == (0, 3)
    assert tg.logsumexp(np.zeros((0, 3))).item() == -np.inf
    assert tg.logsumexp(np.zeros((0, 3)), axis=1).shape == (0,)
