"""ops/activation.py: erf, leaky_relu, elu, softplus, silu, gelu. The op table's rows, then
erf's accuracy against math.erf and gelu/softplus against PyTorch's numbers (embedded)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor
from tinygrad_np.ops.activation import erf as erf_array

SPECS = specs("activation")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def test_erf_is_within_a_few_ulp_of_math_erf_on_a_dense_grid():
    grid = np.linspace(-9.0, 9.0, 180_001)
    got = erf_array(grid)
    expected = np.array([math.erf(v) for v in grid])
    ulp = np.spacing(np.abs(expected))
    ulp[expected == 0] = np.spacing(0.0)
    assert np.max(np.abs(got - expected) / ulp) <= 4  # measured: 3 ulp at worst
    assert np.max(np.abs(got - expected)) <= 2.3e-16


def test_erf_small_arguments_and_tails_are_exact_in_relative_terms():
    tiny = np.array([1e-300, 1e-20, -1e-10, 1e-5, 0.3])
    expected = np.array([math.erf(v) for v in tiny])
    np.testing.assert_allclose(erf_array(tiny), expected, rtol=4e-16, atol=0)
    np.testing.assert_array_equal(erf_array(np.array([0.0, 7.0, -30.0, np.inf, -np.inf])),
                                  [0.0, 1.0, -1.0, 1.0, -1.0])
    assert np.isnan(erf_array(np.array([np.nan])))[0]
    x = np.linspace(0, 6, 601)
    np.testing.assert_array_equal(erf_array(-x), -erf_array(x))  # odd, exactly


def test_erf_in_float32_stays_float32_and_is_accurate():
    x = np.linspace(-4, 4, 801).astype(np.float32)
    out = tg.erf(Tensor(x))
    assert out.dtype == np.float32
    expected = np.array([math.erf(v) for v in x.astype(np.float64)])
    np.testing.assert_allclose(out.data, expected, rtol=0, atol=3e-7)


# PyTorch 2.13.0+cpu, float64:
#   x = torch.tensor(GELU_X, dtype=torch.float64, requires_grad=True)
#   y = torch.nn.functional.gelu(x, approximate=a); y.sum().backward(); y, x.grad
GELU_X = [-6.0, -3.5, -2.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.25, 0.7071, 1.0, 2.5, 4.0, 9.0]
TORCH_GELU = {
    "none": (
        [-5.9195258694799691e-09, -8.1420177662439031e-04, -4.5500263896358417e-02,
         -1.5865525393145702e-01, -1.5426876936299344e-01, -4.9960105778608897e-04,
         0.0, 5.0039894221391105e-04, 1.4967658142073093e-01, 5.3757124201436746e-01,
         8.4134474606854304e-01, 2.4844758366855597e+00, 3.9998733150326675e+00, 9.0],
        [-3.5468709454026390e-08, -2.8217603536246205e-03, -8.5231801078196917e-02,
         -8.3315470587686347e-02, 1.3250487534383712e-01, 4.9920211570515860e-01,
         0.5, 5.0079788429484140e-01, 6.9537335488363605e-01, 9.7994242328570169e-01,
         1.0833154705876864e+00, 1.0376110859081451e+00, 1.0005036496612265e+00, 1.0]),
    "tanh": (
        [-8.4396489796745300e-11, -6.1619765537374027e-04, -4.5402305912224938e-02,
         -1.5880800939172324e-01, -1.5428599017485606e-01, -4.9960105778641803e-04,
         0.0, 5.0039894221358199e-04, 1.4967535070168500e-01, 5.3751409332364597e-01,
         8.4119199060827676e-01, 2.4849157339100012e+00, 3.9999297540518075e+00, 9.0],
        [-7.7099760128363292e-10, -2.4226437601167334e-03, -8.6099256623618295e-02,
         -8.2964083845782521e-02, 1.3263009646535764e-01, 4.9920211570647499e-01,
         0.5, 5.0079788429352501e-01, 6.9535409515106039e-01, 9.7968101774318339e-01,
         1.0829640838457826e+00, 1.0379515762126661e+00, 1.0003351231971220e+00, 1.0]),
}


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_pytorch_to_1e_6_in_float64(approximate):
    x = Tensor(np.array(GELU_X), requires_grad=True)
    out = tg.gelu(x, approximate=approximate)
    out.sum().backward()
    expected_out, expected_grad = TORCH_GELU[approximate]
    np.testing.assert_allclose(out.data, expected_out, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(x.grad, expected_grad, rtol=1e-6, atol=1e-12)
    # and in fact to rounding
    np.testing.assert_allclose(out.data, expected_out, rtol=1e-13, atol=1e-15)


def test_gelu_float32_and_bad_approximate():
    x = Tensor(np.linspace(-3, 3, 7, dtype=np.float32), requires_grad=True)
    out = tg.gelu(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    with pytest.raises(OpError, match="gelu.*approximate"):
        tg.gelu(x, approximate="fast")


def test_softplus_threshold_follows_pytorch():
    # torch.nn.functional.softplus(torch.tensor(X, dtype=torch.float64)), PyTorch 2.13.0+cpu
    x = np.array([-30.0, -1.0, 0.0, 19.9, 20.0, 20.1, 50.0])
    expected = [9.3576229688397368e-14, 3.1326168751822286e-01, 6.9314718055994529e-01,
                1.9900000002277924e+01, 2.0000000002061153e+01, 2.0100000000000001e+01, 50.0]
    t = Tensor(x, requires_grad=True)
    out = tg.softplus(t)
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    assert out.data[-1] == 50.0 and out.data[-2] == 20.1  # linear above the threshold
    out.sum().backward()
    assert t.grad[-1] == 1.0 and t.grad[-2] == 1.0
    with np.errstate(over="raise"):  # no overflow for huge inputs
        assert tg.softplus(Tensor([1e4]), beta=3.0).item() == 1e4
    with pytest.raises(OpError, match="softplus"):
        tg.softplus(t, beta=0.0)


def test_activations_at_their_kinks_and_extremes():
    x = Tensor(np.array([-1e4, -2.0, 0.0, 2.0, 1e4]), requires_grad=True)
    np.testing.assert_array_equal(tg.leaky_relu(x, 0.1).data, [-1e3, -0.2, 0.0, 2.0, 1e4])
    np.testing.assert_allclose(tg.elu(x, 2.0).data, [-2.0, 2 * np.expm1(-2.0), 0, 2, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        out = tg.silu(x)
    np.testing.assert_allclose(out.data, [-0.0, -2 / (1 + np.exp(2)), 0, 2 / (1 + np.exp(-2)),
                                          1e4])
    out.sum().backward()
    assert np.all(np.isfinite(x.grad))
