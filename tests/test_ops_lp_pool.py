"""ops/lp_pool.py: lp_pool2d / lp_pool1d and their layers, with PyTorch's numbers (torch
2.13, float64, embedded)."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Tensor, nn

X = np.arange(50.0).reshape(2, 1, 5, 5) % 7 - 2


def test_lp_pool2d_and_its_gradient_are_pytorchs():
    """x = arange(100).reshape(2, 2, 5, 5) % 7 - 2 (first image and channel here); p = 2,
    kernel 2: floor mode drops the last row and column."""
    x = Tensor(np.arange(100.0).reshape(2, 2, 5, 5) % 7 - 2, requires_grad=True)
    out = tg.lp_pool2d(x, 2, 2)
    np.testing.assert_allclose(out.data[0, 0], [[5.477225575051661, 2.449489742783178],
                                                [2.449489742783178, 5.477225575051661]],
                               rtol=1e-14)
    out.sum().backward()
    np.testing.assert_allclose(
        x.grad[0, 0],
        [[-0.3651483716701107, -0.18257418583505536, 0.0, 0.4082482904638631, 0.0],
         [0.5477225575051661, 0.7302967433402214, -0.8164965809277261, -0.4082482904638631, 0],
         [0.4082482904638631, 0.8164965809277261, 0.5477225575051661, 0.7302967433402214, 0],
         [-0.4082482904638631, 0.0, 0.18257418583505536, 0.3651483716701107, 0.0],
         [0.0, 0.0, 0.0, 0.0, 0.0]], rtol=1e-13, atol=1e-15)


def test_a_window_of_zeros_has_a_zero_gradient_and_an_odd_power_of_negatives_is_nan():
    """PyTorch: 0 and no gradient through an all-zero window (its root's slope is
    infinite), NaN where an odd power sums to a negative."""
    x = Tensor(np.array([[[[0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]), requires_grad=True)
    out = tg.lp_pool2d(x, 2, 2)
    assert out.tolist() == [[[[0.0, 3.0]]]]
    out.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]
    negative = tg.lp_pool2d(Tensor(np.array([[[[-1.0, -2.0], [-3.0, 1.0]]]])), 3, 2)
    assert np.isnan(negative.data).all()


def test_ceil_mode_strides_and_1d():
    x = Tensor(np.arange(100.0).reshape(2, 2, 5, 5) % 7 - 2)
    np.testing.assert_allclose(
        tg.lp_pool2d(x, 3, (2, 3), stride=1, ceil_mode=True).data[0, 0],
        [[4.198336453808407, 3.802952460761391, 0.0],
         [4.9186847344587274, 5.3601084109653625, 4.198336453808407],
         [3.3019272488946263, 4.762203155904598, 4.9186847344587274],
         [3.802952460761391, 0.0, 3.3019272488946263]], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(tg.lp_pool1d(Tensor([[[1.0, -2.0, 3.0, 4.0, 5.0]]]), 2, 2).data,
                               [[[2.2360680103302, 5.0]]], rtol=1e-6)


def test_gradcheck_and_the_layers():
    x = Tensor(np.abs(X) + 0.5, requires_grad=True)  # positive: the root is smooth
    assert tg.gradcheck(lambda t: tg.lp_pool2d(t, 3, 2, 1), (x,))
    assert tg.gradgradcheck(lambda t: tg.lp_pool2d(t, 2, 2), (x,))
    assert repr(nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, " \
        "ceil_mode=False)"
    assert repr(nn.LPPool1d(1.5, 2, stride=1)) == ("LPPool1d(norm_type=1.5, kernel_size=2, "
                                                    "stride=1, ceil_mode=False)")
    np.testing.assert_array_equal(nn.LPPool2d(2, 2)(x).data, tg.lp_pool2d(x, 2, 2).data)
    assert nn.LPPool1d(2, 3, stride=1)(np.ones((1, 2, 5))).shape == (1, 2, 3)


# torch 2.13, float64: F.lp_pool1d(x, p, 3, 2), x = [1, -3, 2, .5, -.25, 4], backward of
# (out * [1, 2]).sum(); F.lp_pool2d(x, p, 2, 1), x = [[1, -3, 2], [.5, -.25, 4],
# [-1.5, 2.5, .75]], backward of (out * [[1, 2], [3, 4]]).sum(). p = inf is the largest |x|
# of each window, p = -inf the smallest (a max pool of |x| or of -|x|), not 1.0
LP_INFINITE = [
    (1, np.inf, [3.0, 2.0], [0, -1, 2, 0, 0, 0]),
    (1, -np.inf, [1.0, 0.25], [1, 0, 0, 0, -2, 0]),
    (2, np.inf, [3.0, 4.0, 2.5, 4.0], [0, -1, 0, 0, 0, 6, 0, 3, 0]),
    (2, -np.inf, [0.25, 0.25, 0.25, 0.25], [0, 0, 0, 0, -10, 0, 0, 0, 0]),
]


@pytest.mark.parametrize("dims, p, out, grad", LP_INFINITE)
def test_infinite_norm_type_is_the_largest_or_smallest_magnitude_as_pytorch(dims, p, out, grad):
    if dims == 1:
        x = Tensor(np.array([[[1.0, -3.0, 2.0, 0.5, -0.25, 4.0]]]), requires_grad=True)
        pooled = tg.lp_pool1d(x, p, 3, 2)
    else:
        x = Tensor(np.array([[[[1.0, -3.0, 2.0], [0.5, -0.25, 4.0], [-1.5, 2.5, 0.75]]]]),
                   requires_grad=True)
        pooled = tg.lp_pool2d(x, p, 2, 1)
    np.testing.assert_array_equal(pooled.data.ravel(), out)
    (pooled * Tensor(np.arange(1.0, len(out) + 1).reshape(pooled.shape))).sum().backward()
    np.testing.assert_array_equal(x.grad.ravel(), grad)
    assert tg.lp_pool2d(Tensor(np.ones((1, 3, 3), np.float32)), p, 2).dtype == np.float32
    layer = (nn.LPPool1d if dims == 1 else nn.LPPool2d)(p, 2)
    np.testing.assert_array_equal(layer(x).data, (tg.lp_pool1d if dims == 1 else tg.lp_pool2d)(
        x, p, 2).data)


def test_infinite_norm_types_gradcheck_where_the_extremes_are_unique():
    x = Tensor(np.random.default_rng(3).permutation(50).reshape(2, 1, 5, 5) / 7 - 3.5 + 1e-3,
               requires_grad=True)
    assert tg.gradcheck(lambda t: tg.lp_pool2d(t, np.inf, 2, 1, ceil_mode=True), (x,))
    assert tg.gradcheck(lambda t: tg.lp_pool1d(t[:, :, 0], -np.inf, 3, 2), (x,))
