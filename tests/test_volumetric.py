"""volumetric.py and nn/volumetric.py: conv3d, conv_transpose3d, max_pool3d, avg_pool3d and
adaptive_avg_pool3d against naive loops over every output element (and matched against
torch 2.13 on 150 random configurations, 2,142 comparisons with gradients: strides,
padding, dilation, groups, ceil_mode, count_include_pad, ties), gradchecks, the layers."""
from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, nn
# (from their modules: the package and nn do not export these yet)
from tinygrad_np.nn.volumetric import AdaptiveMaxPool3d, LPPool3d
from tinygrad_np.volumetric import adaptive_max_pool3d, lp_pool3d

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


# -- max_pool3d's gradient and indices: PyTorch's, for -inf windows in the padding and NaN -----
# torch 2.13, float64: x = full((1, 1, 3, 3, 3), -inf), x[0, 0, 2, 2, 2] = 1;
# F.max_pool3d(x, 3, 1, 1, return_indices=True), then out.sum().backward()
MINUS_INF_OUT = [-np.inf] * 13 + [1, 1, -np.inf, 1, 1] + [-np.inf] * 4 + [1, 1, -np.inf, 1, 1]
MINUS_INF_INDEX = [0, 0, 1, 0, 0, 1, 3, 3, 4, 0, 0, 1, 0, 26, 26, 3, 26, 26, 9, 9, 10, 9, 26,
                   26, 12, 26, 26]
MINUS_INF_GRAD = [7, 3, 0, 3, 1, 0, 0, 0, 0, 3, 1, 0, 1] + [0] * 13 + [8]
# x = arange(27).reshape(1, 1, 3, 3, 3) % 5 with NaN at (0, 1, 1), (1, 1, 1), (2, 0, 0);
# F.max_pool3d(x, 2, 1, return_indices=True): every output NaN, each at its window's last NaN
NAN_INDEX = [13, 13, 13, 13, 18, 13, 13, 13]


@pytest.mark.parametrize("create_graph", [False, True], ids=["backward", "backward_graph"])
def test_max_pool3d_sends_the_gradient_where_pytorchs_index_points(create_graph):
    x = np.full((1, 1, 3, 3, 3), -np.inf)
    x[0, 0, 2, 2, 2] = 1.0
    nan = np.arange(27.0).reshape(1, 1, 3, 3, 3) % 5
    nan[0, 0, 0, 1, 1] = nan[0, 0, 1, 1, 1] = nan[0, 0, 2, 0, 0] = np.nan
    for data, settings, out, index, grad in [
            (x, (3, 1, 1), MINUS_INF_OUT, MINUS_INF_INDEX, MINUS_INF_GRAD),
            (nan, (2, 1), [np.nan] * 8, NAN_INDEX, np.bincount(NAN_INDEX, minlength=27))]:
        t = Tensor(data, requires_grad=True)
        pooled, where = tg.max_pool3d(t, *settings, return_indices=True)
        np.testing.assert_array_equal(pooled.data.ravel(), out)
        assert where.data.ravel().tolist() == index
        got = tg.grad(pooled.sum(), t, create_graph=True)[0].data if create_graph else None
        if not create_graph:
            pooled.sum().backward()
            got = t.grad
        np.testing.assert_array_equal(got.ravel(), grad)


def test_max_pool3d_indices_pick_the_maxima_and_unbatch():
    x = RNG.integers(-2, 3, (2, 3, 5, 4, 6)).astype(np.float64)  # many ties
    out, index = tg.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), (2, 1, 1), True, True)
    picked = np.take_along_axis(x.reshape(2, 3, -1), index.data.reshape(2, 3, -1), 2)
    np.testing.assert_array_equal(picked.reshape(out.shape), out.data)
    alone, alone_index = tg.max_pool3d(x[0], 2, return_indices=True)
    np.testing.assert_array_equal(alone_index.data, tg.max_pool3d(x, 2, return_indices=True)[1]
                                  .data[0])
    assert alone.shape == (3, 2, 2, 3)
    out, index = nn.MaxPool3d(2, return_indices=True)(x)
    assert index.dtype == np.int64 and out.shape == index.shape == (2, 3, 2, 2, 3)


# -- adaptive_max_pool3d and lp_pool3d --------------------------------------------------------
# torch 2.13, float64: x = (arange(120).reshape(1, 2, 5, 4, 3) * 7) % 11,
# F.adaptive_max_pool3d(x, (3, 2, 2), return_indices=True)
ADAPTIVE_MAX_OUT = [10, 10, 9, 8, 10, 10, 8, 10, 10, 9, 10, 10, 9, 9, 10, 10, 9, 8, 10, 10, 8,
                    10, 10, 9]
ADAPTIVE_MAX_INDEX = [3, 14, 6, 20, 25, 14, 31, 47, 36, 50, 58, 47, 1, 1, 9, 20, 12, 26, 31, 20,
                      37, 53, 42, 56]


def test_adaptive_max_pool3d_is_pytorchs():
    """The windows overlap along every axis; the gradient of each output goes to its index
    (PyTorch's), summed where windows share one."""
    x = Tensor((np.arange(120.0).reshape(1, 2, 5, 4, 3) * 7) % 11, requires_grad=True)
    out, index = adaptive_max_pool3d(x, (3, 2, 2), return_indices=True)
    np.testing.assert_array_equal(out.data.ravel(), ADAPTIVE_MAX_OUT)
    assert index.data.ravel().tolist() == ADAPTIVE_MAX_INDEX
    weights = np.arange(24.0).reshape(out.shape)
    (out * Tensor(weights)).sum().backward()
    expected = np.zeros((2, 60))
    np.add.at(expected, (np.arange(2)[:, None], index.data.reshape(2, 12)), weights.reshape(2, 12))
    np.testing.assert_array_equal(x.grad.reshape(2, 60), expected)
    np.testing.assert_array_equal(adaptive_max_pool3d(x, (None, 1, 2)).data,
                                  adaptive_max_pool3d(x, (5, 1, 2)).data)
    assert adaptive_max_pool3d(x.data[0], 2).shape == (2, 2, 2, 2)
    layer = AdaptiveMaxPool3d((3, 2, 2), return_indices=True)
    assert repr(layer) == "AdaptiveMaxPool3d(output_size=(3, 2, 2))"
    np.testing.assert_array_equal(layer(x)[1].data, index.data)
    unique = Tensor(RNG.permutation(2 * 3 * 4 * 5).reshape(1, 2, 3, 4, 5) / 9.0,
                    requires_grad=True)
    assert gradcheck(lambda t: adaptive_max_pool3d(t, (2, 3, 2)), unique)


def test_lp_pool3d_is_pytorchs():
    """torch 2.13, float64: x = arange(96).reshape(1, 2, 3, 4, 4) % 7 - 2.5;
    F.lp_pool3d(x, 2, (2, 2, 3), (1, 2, 1)) (first values), F.lp_pool3d(x, inf, 2) and
    (x, -inf, 2) with the gradients of (out * arange(8)).sum() (their nonzero entries)."""
    x = Tensor(np.arange(96.0).reshape(1, 2, 3, 4, 4) % 7 - 2.5, requires_grad=True)
    out = lp_pool3d(x, 2, (2, 2, 3), (1, 2, 1))
    assert out.shape == (1, 2, 2, 2, 2)
    np.testing.assert_allclose(out.data.ravel()[:9], [
        7.280109889280518, 6.708203932499369, 6.708203932499369, 6.855654600401044,
        6.855654600401044, 6.708203932499369, 6.708203932499369, 7.280109889280518,
        7.54983443527075], rtol=1e-14)
    for p, value, grad in [(np.inf, 3.5, {6: 1, 13: 2, 27: 3, 48: 4, 55: 5, 62: 7, 76: 6}),
                           (-np.inf, 0.5, {2: -1, 9: -2, 10: 3, 51: -5, 52: 4, 58: -7, 72: -6})]:
        x.grad = None
        pooled = lp_pool3d(x, p, 2)
        np.testing.assert_array_equal(pooled.data.ravel(), [value] * 8)
        (pooled * Tensor(np.arange(8.0).reshape(pooled.shape))).sum().backward()
        expected = np.zeros(96)
        expected[list(grad)] = list(grad.values())
        np.testing.assert_array_equal(x.grad.ravel(), expected)
    positive = Tensor(np.abs(X[:1, :2]) + 0.5, requires_grad=True)
    assert gradcheck(lambda t: lp_pool3d(t, 3, (2, 3, 2), 1, True), positive)
    layer = LPPool3d(2, 2)
    assert repr(layer) == "LPPool3d(norm_type=2, kernel_size=2, stride=None, ceil_mode=False)"
    np.testing.assert_array_equal(layer(X).data, lp_pool3d(X, 2, 2).data)


# -- bad input, in the 3-D function's words and the user's shapes -------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: tg.conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((1, 1, 2, 5, 5))),
     r"^conv3d: kernel \(2, 5, 5\) .* input \(1, 1, 3, 3, 3\) with padding \(0, 0, 0\) is "
     r"3 x 3 x 3 per channel"),
    (lambda: tg.conv3d(np.ones((1, 4, 3, 3, 3)), np.ones((3, 2, 1, 1, 1)), groups=2),
     r"^conv3d: groups=2 must divide both the input channels \(4\) and the output channels"),
    (lambda: tg.conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((0, 1, 1, 1, 1))),
     r"^conv3d: weight \(0, 1, 1, 1, 1\) has an empty axis"),
    (lambda: tg.conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((2, 1, 1, 1, 1)), np.ones(3)),
     r"^conv3d: bias must have shape \(2,\)"),
    (lambda: tg.conv3d(np.ones((3, 2, 2, 2)), np.ones((2, 2, 1, 1, 1))),
     r"^conv3d: input \(3, 2, 2, 2\) has 3 channels"),
    (lambda: tg.conv_transpose3d(np.ones((1, 2, 2, 2, 2)), np.ones((2, 1, 1, 1, 1)),
                                 output_padding=(0, 1, 0)),
     r"^conv_transpose3d: output_padding \(0, 1, 0\) must be smaller than the stride"),
    (lambda: tg.conv_transpose3d(np.ones((1, 2, 2, 2, 2)), np.ones((2, 1, 1, 1, 1)), groups=0),
     r"^conv_transpose3d: groups must be an int >= 1"),
    (lambda: tg.conv_transpose3d(np.ones((1, 2, 1, 1, 1)), np.ones((2, 1, 1, 1, 1)),
                                 padding=(0, 1, 0)),
     r"^conv_transpose3d: input \(1, 2, 1, 1, 1\), .* give an empty output \(1, -1, 1\)"),
    (lambda: tg.max_pool3d(np.ones((1, 1, 3, 3, 3)), (1, 5, 5)),
     r"^max_pool3d: kernel \(1, 5, 5\) .* input \(1, 1, 3, 3, 3\)"),
    (lambda: tg.max_pool3d(np.ones((1, 1, 3, 3, 3)), 2, ceil_mode=3),
     r"^max_pool3d: ceil_mode must be True or False"),
    (lambda: tg.max_pool3d(np.ones((1, 1, 3, 3, 3)), 2, return_indices=1),
     r"^max_pool3d: return_indices must be True or False"),
    (lambda: tg.avg_pool3d(np.ones((1, 1, 3, 3, 3)), (1, 5, 5), padding=(0, 2, 2)),
     r"^avg_pool3d: input \(1, 1, 3, 3, 3\) is smaller than the kernel \(1, 5, 5\)"),
    (lambda: tg.avg_pool3d(np.ones((1, 3, 3, 3)), 2, count_include_pad=None),
     r"^avg_pool3d: count_include_pad must be True or False"),
    (lambda: lp_pool3d(np.ones((1, 1, 3, 3, 3)), 2, (1, 4, 1)),
     r"^lp_pool3d: kernel \(1, 4, 1\) .* input \(1, 1, 3, 3, 3\)"),
    (lambda: lp_pool3d(np.ones((1, 1, 3, 3, 3)), 2, (2,)),
     r"^lp_pool3d: kernel_size must be an int >= 1 or 3 of them"),
    (lambda: lp_pool3d(np.ones((1, 1, 4, 3, 3)), 2, (1, 4, 3), (1, 2, 2), True),
     r"^lp_pool3d: input \(1, 1, 4, 3, 3\) is smaller than the kernel"),
    (lambda: tg.adaptive_avg_pool3d(np.ones((1, 1, 0, 2, 2)), 2),
     r"^adaptive_avg_pool3d: input \(1, 1, 0, 2, 2\) has an empty spatial axis"),
    (lambda: adaptive_max_pool3d(np.ones((1, 2, 2, 0)), 2),
     r"^adaptive_max_pool3d: input \(1, 2, 2, 0\) has an empty spatial axis"),
    (lambda: adaptive_max_pool3d(np.ones((1, 1, 2, 2, 2)), (1, 2)),
     r"^adaptive_max_pool3d: output_size must be an int or 3 of them"),
])
def test_bad_input_names_the_3d_function_and_the_users_shapes(call, message):
    """Not conv2d, max_pool2d or avg_pool2d with the depth folded into the batch, and no
    NaN (with numpy's warnings) for an empty adaptive window."""
    with pytest.raises(OpError, match=message):
        call()


@pytest.mark.parametrize("fn, args", [
    (tg.conv3d, (np.ones((3, 2, 3, 3, 3)),)), (tg.conv_transpose3d, (np.ones((2, 3, 3, 3, 3)),)),
    (tg.max_pool3d, (2,)), (tg.avg_pool3d, (2,)), (lp_pool3d, (2, 2)),
    (tg.adaptive_avg_pool3d, (2,)), (adaptive_max_pool3d, (2,)),
])
def test_the_3d_functions_take_pytorchs_input_keyword(fn, args):
    x = np.abs(X[:, :2]) + 0.1
    keywords = dict(zip(list(inspect.signature(fn).parameters)[1:], args))
    np.testing.assert_array_equal(fn(input=x, **keywords).data, fn(x, *args).data)


def test_one_element_tuples_stand_for_every_axis_as_in_pytorch():
    """torch 2.13: F.conv3d(x, w, padding=(1,), stride=(2,)) is padding 1 and stride 2 on
    every axis, and so for conv_transpose3d and the 3-D pools' kernel, stride and padding."""
    w = RNG.standard_normal((3, 4, 3, 3, 3))
    np.testing.assert_array_equal(tg.conv3d(X, w, padding=(1,), stride=(2,)).data,
                                  tg.conv3d(X, w, padding=1, stride=2).data)
    np.testing.assert_array_equal(
        tg.conv_transpose3d(X, w.transpose(1, 0, 2, 3, 4)[:, :3], stride=(2,),
                            output_padding=(1,)).data,
        tg.conv_transpose3d(X, w.transpose(1, 0, 2, 3, 4)[:, :3], stride=2,
                            output_padding=1).data)
    np.testing.assert_array_equal(tg.max_pool3d(X, (2,), padding=(1,)).data,
                                  tg.max_pool3d(X, 2, padding=1).data)
    np.testing.assert_array_equal(tg.avg_pool3d(X, (3,), (2,), (1,)).data,
                                  tg.avg_pool3d(X, 3, 2, 1).data)
    assert nn.Conv3d(4, 2, 3, padding=(1,), rng=0)(X).shape == (2, 2, 5, 6, 4)
