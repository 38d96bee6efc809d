"""activations.py: selu, celu, softsign, softmin, glu, hardshrink, softshrink, tanhshrink,
threshold and their layers. Values from their formulas, PyTorch's choices where the pieces
meet (matched against torch 2.13 at 0, +-0, +-inf, NaN and 30 random points), gradchecks in
float64."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, nn
from tinygrad_np.activations import SELU_ALPHA, SELU_SCALE

POINTS = np.array([-2.5, -1.3, -0.2, 0.3, 0.9, 1.7, 2.6])  # away from every kink


def test_selu_is_scaled_elu_with_its_left_slope_at_zero():
    x = Tensor([-1.0, 0.0, 2.0], dtype=np.float64, requires_grad=True)
    out = tg.selu(x)
    np.testing.assert_allclose(out.data, [SELU_SCALE * SELU_ALPHA * (math.exp(-1) - 1), 0.0,
                                          2 * SELU_SCALE], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [SELU_SCALE * SELU_ALPHA * math.exp(-1),
                                        SELU_SCALE * SELU_ALPHA, SELU_SCALE], rtol=1e-15)


def test_celu_is_x_above_zero_and_alpha_elu_of_x_over_alpha_below():
    x = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    np.testing.assert_array_equal(tg.celu(x, 3.0).data[3:], x[3:])  # x itself, unrounded
    np.testing.assert_allclose(tg.celu(x, 3.0).data[:3], 3.0 * np.expm1(x[:3] / 3.0),
                               rtol=1e-15)
    with pytest.raises(OpError, match="celu: alpha must not be 0"):
        tg.celu(x, 0.0)


def test_softsign_softmin_glu_and_tanhshrink_values():
    np.testing.assert_allclose(tg.softsign(POINTS).data, POINTS / (1 + np.abs(POINTS)))
    rows = POINTS[:6].reshape(2, 3)
    expected = np.exp(-rows) / np.exp(-rows).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(tg.softmin(rows, axis=0).data, expected, rtol=1e-15)
    halves = POINTS[:6].reshape(3, 2)  # glu: the first column times sigmoid of the second
    np.testing.assert_allclose(tg.glu(halves).data,
                               halves[:, :1] / (1 + np.exp(-halves[:, 1:])), rtol=1e-15)
    np.testing.assert_allclose(tg.tanhshrink(POINTS).data, POINTS - np.tanh(POINTS))
    with pytest.raises(OpError, match=r"glu: input \(3,\) must have an even length"):
        tg.glu(np.zeros(3))


def test_shrinks_and_threshold_at_their_edges_are_pytorchs():
    x = Tensor([-1.0, -0.5, 0.2, 0.5, 0.7, np.nan], dtype=np.float64, requires_grad=True)
    hard = tg.hardshrink(x)
    np.testing.assert_array_equal(hard.data, [-1.0, 0.0, 0.0, 0.0, 0.7, np.nan])
    hard.sum().backward()
    np.testing.assert_array_equal(x.grad[:5], [1, 0, 0, 0, 1])  # +-lambd itself: 0
    soft = tg.softshrink(Tensor(x.data), 0.5).data
    np.testing.assert_allclose(soft, [-0.5, 0.0, 0.0, 0.0, 0.2, np.nan], atol=1e-16)
    np.testing.assert_array_equal(tg.threshold(x, 0.5, -2.0).data,
                                  [-2.0, -2.0, -2.0, -2.0, 0.7, np.nan])
    with pytest.raises(OpError, match="softshrink: lambd must be at least 0"):
        tg.softshrink(x, -1.0)


@pytest.mark.parametrize("fn", [tg.selu, lambda t: tg.celu(t, 0.7), tg.softsign,
                                lambda t: tg.softmin(t.reshape(7, 1), axis=0),
                                lambda t: tg.glu(t[:6]), tg.hardshrink, tg.softshrink,
                                tg.tanhshrink, lambda t: tg.threshold(t, 0.0, 3.0)])
def test_gradcheck(fn):
    gradcheck(fn, Tensor(POINTS, requires_grad=True))


def test_layers_call_the_functions_and_show_their_settings():
    x = Tensor(POINTS[:6].reshape(2, 3))
    for layer, function, text in [
            (nn.SELU(), tg.selu, "SELU()"), (nn.CELU(0.5), lambda t: tg.celu(t, 0.5),
                                             "CELU(alpha=0.5)"),
            (nn.Softsign(), tg.softsign, "Softsign()"), (nn.Tanhshrink(), tg.tanhshrink,
                                                         "Tanhshrink()"),
            (nn.Softmin(axis=0), lambda t: tg.softmin(t, 0), "Softmin(axis=0)"),
            (nn.GLU(), lambda t: tg.glu(t.reshape(3, 2)), "GLU(axis=-1)"),
            (nn.Hardshrink(0.4), lambda t: tg.hardshrink(t, 0.4), "Hardshrink(0.4)"),
            (nn.Softshrink(), tg.softshrink, "Softshrink(0.5)"),
            (nn.Threshold(0.1, 20.0), lambda t: tg.threshold(t, 0.1, 20.0),
             "Threshold(threshold=0.1, value=20.0)")]:
        given = x.reshape(3, 2) if isinstance(layer, nn.GLU) else x
        np.testing.assert_array_equal(layer(given).data, function(x).data)
        assert repr(layer) == text
