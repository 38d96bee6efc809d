"""ops/conv.py and ops/pool.py: conv2d, conv1d, conv_transpose2d, max_pool2d, avg_pool2d,
adaptive_avg_pool2d. The op table checks each against a naive loop (tests/op_table.py) and
gradchecks it; here: shapes, PyTorch's numbers, ties, dtypes and bad input."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from op_table import max_pool2d_ref, specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn
from tinygrad_np.ops.conv import Conv2d

SPECS = specs("conv")

test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def _grads(out, weights, *tensors):
    (out * Tensor(weights)).sum().backward()
    return [t.grad for t in tensors]


# -- PyTorch's numbers, computed once with torch 2.13 (CPU, float64) and embedded -----------------
def test_conv2d_with_stride_padding_dilation_groups_matches_pytorch():
    """x = arange(240).reshape(2, 4, 5, 6) % 7 - 3, w = arange(72).reshape(6, 2, 2, 3) % 5 - 2,
    b = [1, -2, 3, 0, 0.5, -1]; torch: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2),
    dilation=(1, 2), groups=2), then backward of (out * sin(arange(out.numel()))).sum()."""
    x = Tensor(np.arange(240.0).reshape(2, 4, 5, 6) % 7 - 3, requires_grad=True)
    w = Tensor(np.arange(72.0).reshape(6, 2, 2, 3) % 5 - 2, requires_grad=True)
    b = Tensor(np.array([1, -2, 3, 0, 0.5, -1]), requires_grad=True)
    out = tg.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    assert out.shape == (2, 6, 3, 6)
    assert out.data.sum() == 22.0 and (out.data ** 2).sum() == 24789.0
    np.testing.assert_array_equal(out.data[1, 4], [[-7.5, -3.5, -1.5, 1.5, 4.5, 4.5],
                                                   [-9.5, 19.5, 13.5, -11.5, -7.5, -11.5],
                                                   [-4.5, 3.5, -6.5, 24.5, 14.5, -10.5]])
    gx, gw, gb = _grads(out, np.sin(np.arange(out.size)).reshape(out.shape), x, w, b)
    np.testing.assert_allclose([gx.sum(), (gx ** 2).sum()], [-22.547030177575564,
                                                             606.9773740829662], rtol=1e-12)
    np.testing.assert_allclose(gw[3], [[[13.3560962885, -1.2759164572, -12.4355275065],
                                        [11.379097047, -2.9590103695, -5.8978643004]],
                                       [[0.0462900757, -19.6160182677, 6.0373994406],
                                        [-1.546642462, -12.4101372563, 2.9354892694]]],
                               atol=1e-9)
    np.testing.assert_allclose(gb, [0.4645076766, 1.3190341853, 1.277452946, 0.3680128632,
                                    -0.7914428612, -1.4132187529], atol=1e-9)


def test_conv_transpose2d_matches_pytorch():
    """x = arange(36).reshape(1, 4, 3, 3) % 5 - 2, w = arange(108).reshape(4, 3, 3, 3) % 3 - 1;
    torch: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2), then
    backward of out.pow(2).sum()."""
    x = Tensor(np.arange(36.0).reshape(1, 4, 3, 3) % 5 - 2, requires_grad=True)
    w = Tensor(np.arange(108.0).reshape(4, 3, 3, 3) % 3 - 1, requires_grad=True)
    out = tg.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2)
    assert out.shape == (1, 6, 6, 6)
    np.testing.assert_array_equal(out.data[0, 2], [[0, 3, 0, -2, 0, -1], [0, 1, 0, 1, 0, -1],
                                                   [0, -2, 0, 3, 0, 0], [0, -4, 0, 1, 0, 1],
                                                   [0, -2, 0, -2, 0, 1], [0, -2, 0, -2, 0, 1]])
    (out * out).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 1], [[24, -30, -6], [-30, 60, -30], [-48, 30, 36]])
    assert w.grad.sum() == 336.0


def test_conv1d_matches_pytorch():
    """torch: F.conv1d(arange(28).reshape(2, 2, 7) % 4 - 1.5, arange(18).reshape(3, 2, 3) % 3 - 1,
    stride=2, padding=1, dilation=2)."""
    x = np.arange(28.0).reshape(2, 2, 7) % 4 - 1.5
    w = np.arange(18.0).reshape(3, 2, 3) % 3 - 1
    out = tg.conv1d(Tensor(x), Tensor(w), stride=2, padding=1, dilation=2)
    np.testing.assert_array_equal(out.data, [[[2, 0, -2]] * 3, [[-2, 0, 2]] * 3])


def test_max_pool_ties_send_the_gradient_to_the_first_maximum_in_row_major_order():
    """As PyTorch (torch 2.13, F.max_pool2d(x, 2) and backward of [[1, 2], [3, 4]]): the
    all-zero window's gradient goes to its top-left element, the window [[5, 5], [1, 3]]'s to
    the 5 on the left, [[2, 5], [5, 1]]'s to the 5 in the top row."""
    x = Tensor(np.array([[[[0.0, 0, 1, 1], [0, 0, 1, 1], [2, 5, 5, 3], [5, 1, 3, 3]]]]),
               requires_grad=True)
    out = tg.max_pool2d(x, 2)
    np.testing.assert_array_equal(out.data, [[[[0, 1], [5, 5]]]])
    out.backward(np.array([[[[1.0, 2], [3, 4]]]]))
    np.testing.assert_array_equal(x.grad, [[[[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 4, 0],
                                             [0, 0, 0, 0]]]])


def test_max_pool_of_infinities_raises_no_floating_point_error():
    """Windows of inf and of -inf (a -inf window's maximum is -inf, and sums of both would be
    invalid) pool and route their gradient as PyTorch does, even under errstate raise."""
    x = Tensor(np.array([[[[np.inf, 1, -np.inf, -np.inf], [2, 3, -np.inf, -np.inf]]]],
                        dtype=np.float32), requires_grad=True)
    with np.errstate(all="raise"):
        out = tg.max_pool2d(x, 2)
        out.backward(np.array([[[[1.0, 2.0]]]], dtype=np.float32))
    np.testing.assert_array_equal(out.data, [[[[np.inf, -np.inf]]]])
    np.testing.assert_array_equal(x.grad, [[[[1, 0, 2, 0], [0, 0, 0, 0]]]])


def test_max_pool_ties_in_overlapping_padded_windows_add_up_as_in_pytorch():
    """torch: F.max_pool2d(ones(1, 1, 3, 3), 2, 1, 1).sum().backward(): each of the 16
    windows sends its 1 to its first real element (padding is -inf, never the maximum)."""
    x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    out = tg.max_pool2d(x, 2, 1, 1)
    np.testing.assert_array_equal(out.data, np.ones((1, 1, 4, 4)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[4, 2, 2], [2, 1, 1], [2, 1, 1]]]])


def test_max_pool_padding_is_minus_infinity():
    x = Tensor(-np.arange(1.0, 5.0).reshape(1, 1, 2, 2))  # all negative: a 0 pad would win
    np.testing.assert_array_equal(tg.max_pool2d(x, 2, 1, 1).data,
                                  [[[[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]]]])


def test_avg_pool_counts_the_padding_as_pytorch_does_by_default():
    """torch: F.avg_pool2d(arange(12.).reshape(1, 1, 3, 4), 3, 2, 1), count_include_pad=True."""
    x = Tensor(np.arange(12.0).reshape(1, 1, 3, 4), requires_grad=True)
    out = tg.avg_pool2d(x, 3, 2, 1)
    np.testing.assert_allclose(out.data, [[[[10 / 9, 24 / 9], [26 / 9, 48 / 9]]]], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, np.array([[[[1, 2, 1, 1], [2, 4, 2, 2],
                                                   [1, 2, 1, 1]]]]) / 9, rtol=1e-15)


def test_ceil_mode_keeps_the_windows_that_run_off_the_end():
    x = Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    np.testing.assert_array_equal(tg.max_pool2d(x, 2, ceil_mode=True).data[0, 0],
                                  [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    out = tg.avg_pool2d(x, 2, ceil_mode=True)  # a window divides by what lies in the input
    np.testing.assert_array_equal(out.data[0, 0], [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0, 4], [0.5, 0.5, 0.5, 0.5, 1])
    # the last window must start inside the input or its left padding (PyTorch's rule): 5
    # rows padded by 1 take 3 windows of 2 at stride 2, not 4 (a 4th would start at row 6)
    assert tg.max_pool2d(np.zeros((1, 1, 5, 5)), 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    assert tg.max_pool2d(np.zeros((1, 1, 6, 6)), 3, 2, 1, ceil_mode=True).shape == (1, 1, 4, 4)



def test_ceil_mode_takes_a_kernel_wider_than_the_input_as_pytorch():
    """With ceil_mode PyTorch keeps one window even where the kernel outgrows the input (and
    clips it there); torch 2.13's numbers on arange(8).reshape(1, 1, 2, 4)."""
    x = Tensor(np.arange(8.0).reshape(1, 1, 2, 4), requires_grad=True)
    out = tg.max_pool2d(x, 5, ceil_mode=True)
    np.testing.assert_array_equal(out.data, [[[[7.0]]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 0, 0, 0], [0, 0, 0, 1]])
    x.grad = None
    out = tg.avg_pool2d(x, 5, ceil_mode=True)  # divides by the 8 elements it covers
    np.testing.assert_array_equal(out.data, [[[[3.5]]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 2, 4), 1 / 8))
    np.testing.assert_array_equal(tg.max_pool2d(x, 3, ceil_mode=True).data, [[[[6.0, 7.0]]]])
    np.testing.assert_array_equal(tg.avg_pool2d(x, 3, ceil_mode=True).data, [[[[3.0, 5.0]]]])
    index = tg.max_pool2d(x, 5, ceil_mode=True, return_indices=True)[1]
    np.testing.assert_array_equal(index.data, [[[[7]]]])
    line = np.arange(4.0).reshape(1, 1, 4)
    np.testing.assert_array_equal(tg.max_pool1d(line, 3, 2, 0, 2, ceil_mode=True).data,
                                  [[[2.0]]])
    np.testing.assert_array_equal(tg.avg_pool1d(line, 5, 5, ceil_mode=True).data, [[[1.5]]])
    # where even ceil_mode leaves no window, the error is the one without it, as in PyTorch
    with pytest.raises(OpError, match=r"max_pool2d: kernel \(3, 3\) \(dilation \(2, 2\), "
                                      r"spanning 5\) is larger than the padded input"):
        tg.max_pool2d(x, 3, 2, dilation=2, ceil_mode=True)
    with pytest.raises(OpError, match="max_pool1d: kernel"):
        tg.max_pool1d(line, 5, ceil_mode=False)
    with pytest.raises(OpError, match="avg_pool1d: kernel"):
        tg.avg_pool1d(np.zeros((1, 1, 2)), 4, 1, ceil_mode=True)

def test_count_include_pad_false_and_divisor_override_divide_as_pytorch():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    corner = tg.avg_pool2d(x, 3, 2, 1, count_include_pad=False).data[0, 0, 0, 0]
    assert corner == (0 + 1 + 5 + 6) / 4  # only the four input elements count
    assert tg.avg_pool2d(x, 3, 2, 1).data[0, 0, 0, 0] == 12 / 9  # the default counts padding
    np.testing.assert_array_equal(tg.avg_pool2d(x, 2, divisor_override=2).data[0, 0],
                                  [[6, 10], [26, 30]])


def test_dilated_max_pool_takes_every_other_element():
    x = Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    out = tg.max_pool2d(x, 2, stride=1, dilation=2)  # window (y, x): rows y, y + 2; cols x, x + 2
    np.testing.assert_array_equal(out.data[0, 0], np.arange(25.0).reshape(5, 5)[2:, 2:])
    out.sum().backward()
    expected = np.zeros((5, 5))
    expected[2:, 2:] = 1
    np.testing.assert_array_equal(x.grad[0, 0], expected)
    assert tg.max_pool2d(x, 2, stride=1, dilation=2).grad_fn.viz_detail() == \
        "kernel 2x2, stride 1, padding 0, dilation 2"


@pytest.mark.parametrize("call, message", [
    (lambda: tg.max_pool2d(_x(1, 1, 4, 4), 2, ceil_mode="yes"),
     r"max_pool2d: ceil_mode must be True or False, got 'yes'"),
    (lambda: tg.avg_pool2d(_x(1, 1, 4, 4), 2, divisor_override=0),
     r"avg_pool2d: divisor_override must be None or an int >= 1, got 0"),
    (lambda: tg.avg_pool2d(_x(1, 1, 4, 4), 2, count_include_pad=None),
     r"avg_pool2d: count_include_pad must be True or False"),
    (lambda: tg.max_pool2d(_x(1, 1, 4, 4), 2, dilation=4),
     r"max_pool2d: kernel \(2, 2\) \(dilation \(4, 4\), spanning 5\) is larger"),
    # the 1-D pools speak of the 1-D input and settings, not of the (N, C, 1, L) view
    (lambda: tg.max_pool1d(_x(1, 1, 4, 4), 2), r"max_pool1d: input must be 3-D \(N, C, L\)"),
    (lambda: tg.avg_pool1d(_x(1, 1, 4), 2, padding=2),
     r"avg_pool1d: padding 2 must be at most half the kernel size 2 \(input \(1, 1, 4\)\)"),
    (lambda: tg.max_pool1d(_x(1, 1, 4), (2, 2)), r"max_pool1d: kernel_size must be an int"),
    (lambda: tg.adaptive_avg_pool1d(_x(1, 1, 4), 0),
     r"adaptive_avg_pool1d: output_size must be an int >= 1, got 0"),
])
def test_bad_pooling_settings(call, message):
    with pytest.raises(OpError, match=message):
        call()


def test_pool_layers_take_pytorchs_settings():
    from tinygrad_np import nn
    x = np.arange(50.0).reshape(2, 1, 5, 5)
    np.testing.assert_array_equal(nn.MaxPool2d(2, ceil_mode=True, dilation=1)(x).data,
                                  tg.max_pool2d(x, 2, ceil_mode=True).data)
    np.testing.assert_array_equal(
        nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)(x).data,
        tg.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False).data)
    out, indices = nn.MaxPool2d(2, return_indices=True)(x)  # (tests/test_ops_unpool.py)
    np.testing.assert_array_equal(out.data, tg.max_pool2d(x, 2).data)
    assert indices.shape == out.shape and indices.dtype == np.int64


def test_adaptive_avg_pool_is_the_mean_over_equal_windows(rng):
    x = rng.standard_normal((2, 3, 6, 8))
    np.testing.assert_allclose(tg.adaptive_avg_pool2d(Tensor(x), 1).data,
                               x.mean(axis=(2, 3), keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tg.adaptive_avg_pool2d(Tensor(x), (3, 2)).data,
                               x.reshape(2, 3, 3, 2, 2, 4).mean(axis=(3, 5)), rtol=1e-14)
    np.testing.assert_allclose(tg.adaptive_avg_pool2d(Tensor(x), (None, 4)).data,
                               x.reshape(2, 3, 6, 4, 2).mean(axis=4), rtol=1e-14)


# -- shapes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("size, kernel, options, expected", [
    ((28, 28), 5, {"padding": 2}, (28, 28)),
    ((14, 14), 5, {}, (10, 10)),
    ((7, 9), 3, {"stride": 2}, (3, 4)),
    ((7, 9), (3, 1), {"stride": (2, 3), "padding": (1, 0)}, (4, 3)),
    ((10, 10), 3, {"dilation": 2}, (6, 6)),
    ((10, 11), 3, {"dilation": (1, 3), "padding": (0, 3)}, (8, 11)),
    ((5, 5), 5, {}, (1, 1)),
    ((1, 1), 3, {"padding": 1}, (1, 1)),
])
def test_conv2d_output_shapes(size, kernel, options, expected):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = Tensor(np.zeros((3, 4, *size), dtype=np.float32))
    out = tg.conv2d(x, Tensor(np.zeros((5, 4, kh, kw), dtype=np.float32)), **options)
    assert out.shape == (3, 5, *expected)


@pytest.mark.parametrize("fn, options, expected", [
    (tg.max_pool2d, {"kernel_size": 2}, (3, 4)),  # floor: the last row is dropped
    (tg.max_pool2d, {"kernel_size": 3, "stride": 1, "padding": 1}, (7, 9)),
    (tg.avg_pool2d, {"kernel_size": (2, 3), "stride": (1, 3)}, (6, 3)),
    (tg.avg_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1}, (4, 5)),
    (tg.adaptive_avg_pool2d, {"output_size": (7, 3)}, (7, 3)),
])
def test_pool_output_shapes(fn, options, expected):
    assert fn(Tensor(np.zeros((2, 3, 7, 9))), **options).shape == (2, 3, *expected)


@pytest.mark.parametrize("stride, padding, output_padding, dilation, expected", [
    (1, 0, 0, 1, (6, 7)),
    (2, 0, 0, 1, (9, 11)),
    (2, 1, 1, 1, (8, 10)),
    ((3, 2), (0, 1), (2, 1), 1, (14, 10)),
    (1, 0, 0, 2, (8, 9)),
])
def test_conv_transpose2d_output_shapes(stride, padding, output_padding, dilation, expected):
    x = Tensor(np.zeros((1, 2, 4, 5)))
    out = tg.conv_transpose2d(x, Tensor(np.zeros((2, 3, 3, 3))), stride=stride,
                              padding=padding, output_padding=output_padding,
                              dilation=dilation)
    assert out.shape == (1, 3, *expected)


@pytest.mark.parametrize("stride, padding, dilation, groups", [
    (1, 0, 1, 1), (2, 1, 1, 1), ((2, 3), (1, 2), (2, 1), 1), (2, 1, 1, 2), (1, 2, 2, 2)])
def test_conv_transpose2d_is_the_adjoint_of_conv2d(stride, padding, dilation, groups, rng):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for the same weight and settings."""
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    y_shape = tg.conv2d(Tensor(x), Tensor(w), stride=stride, padding=padding,
                        dilation=dilation, groups=groups).shape
    y = rng.standard_normal(y_shape)
    # the output_padding that brings conv_transpose2d back to x's size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    back = tg.conv_transpose2d(Tensor(y), Tensor(w), stride=stride, padding=padding,
                               dilation=dilation, groups=groups)
    extra = (9 - back.shape[2], 8 - back.shape[3])
    assert all(0 <= e < s for e, s in zip(extra, (sh, sw))) or extra == (0, 0)
    back = tg.conv_transpose2d(Tensor(y), Tensor(w), stride=stride, padding=padding,
                               output_padding=extra, dilation=dilation, groups=groups)
    forward = tg.conv2d(Tensor(x), Tensor(w), stride=stride, padding=padding,
                        dilation=dilation, groups=groups)
    np.testing.assert_allclose((forward.data * y).sum(), (x * back.data).sum(), rtol=1e-12)


# -- dtypes, inputs, graph ------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x, w, b: tg.conv2d(x, w, b, stride=2, padding=1, groups=2),
    lambda x, w, b: tg.conv_transpose2d(x, w, b, stride=2, groups=2),
    lambda x, w, b: tg.conv1d(x[:, :, 0], w[:, :, 0], b, groups=2),
    lambda x, w, b: tg.max_pool2d(x, 3, 2, 1) * w.sum() + b.sum(),
    lambda x, w, b: tg.avg_pool2d(x, 2, 1, 1) * w.sum() + b.sum(),
    lambda x, w, b: tg.adaptive_avg_pool2d(x, 2) * w.sum() + b.sum(),
], ids=["conv2d", "conv_transpose2d", "conv1d", "max_pool2d", "avg_pool2d", "adaptive"])
def test_float32_stays_float32_forward_and_backward(call, rng):
    arrays = [rng.standard_normal((2, 4, 6, 6)).astype(np.float32),
              rng.standard_normal((4, 2, 3, 3)).astype(np.float32),
              rng.standard_normal(4).astype(np.float32)]
    before = [a.copy() for a in arrays]
    x, w, b = (Tensor(a, requires_grad=True) for a in arrays)
    out = call(x, w, b)
    assert out.dtype == np.float32
    out.sum().backward()
    for t in (x, w, b):
        assert t.grad is not None and t.grad.dtype == np.float32 and t.grad.shape == t.shape
    for a, a0 in zip(arrays, before):  # inputs are never written into
        np.testing.assert_array_equal(a, a0)


def test_only_the_gradients_asked_for_are_computed(rng):
    x = Tensor(rng.standard_normal((2, 3, 5, 5)))  # data: no gradient
    w = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    tg.conv2d(x, w, padding=1).sum().backward()
    assert x.grad is None
    # d(sum of outputs)/dw[o, c, i, j] is the sum of the padded input under offset (i, j)
    padded = np.pad(x.data, ((0, 0), (0, 0), (1, 1), (1, 1)))
    under = np.lib.stride_tricks.sliding_window_view(padded, (5, 5), axis=(2, 3))
    np.testing.assert_allclose(w.grad, np.broadcast_to(under.sum(axis=(0, 4, 5)), (4, 3, 3, 3)),
                               rtol=1e-12)


def test_a_jitted_cnn_step_replays_exactly_what_eager_computes(rng):
    w = Tensor(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    v = Tensor(rng.standard_normal((16, 3)).astype(np.float32), requires_grad=True)

    def step(x, y):
        h = tg.max_pool2d(tg.relu(tg.conv2d(Tensor(x), w, b, padding=1)), 2)
        loss = (h.reshape(x.shape[0], -1) @ v).softmax_cross_entropy(y)
        loss.backward()
        return loss

    jitted = tg.jit(step)
    for _ in range(4):  # eager, recording, replays
        x = rng.standard_normal((5, 1, 4, 4)).astype(np.float32)
        y = rng.integers(0, 3, 5)
        for t in (w, b, v):
            t.grad = None
        got = jitted(x, y).item(), [t.grad.copy() for t in (w, b, v)]
        for t in (w, b, v):
            t.grad = None
        assert got[0] == step(x, y).item()
        for g, t in zip(got[1], (w, b, v)):
            np.testing.assert_array_equal(g, t.grad)


# -- bad input ------------------------------------------------------------------------------------
def _x(*shape):
    return Tensor(np.zeros(shape, dtype=np.float32))


@pytest.mark.parametrize("call, message", [
    (lambda: tg.conv2d(_x(5, 5), _x(2, 3, 3, 3)),  # (3, 5, 5): one unbatched image
     r"conv2d: input must be 4-D \(N, C, H, W\), got shape \(5, 5\)"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 3, 3)), r"conv2d: weight must be 4-D"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 4, 3, 3)),
     r"conv2d: input \(1, 3, 5, 5\) has 3 channels, but weight \(2, 4, 3, 3\) expects 4"),
    (lambda: tg.conv2d(_x(1, 4, 5, 5), _x(3, 2, 3, 3), groups=2),
     r"conv2d: groups=2 must divide .* output channels \(3\)"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(4, 1, 3, 3), groups=2),
     r"conv2d: groups=2 must divide both the input channels \(3\)"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 3, 7, 3)),
     r"conv2d: kernel \(7, 3\) .* larger than the padded input: input \(1, 3, 5, 5\)"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 3, 3, 3), dilation=3),
     r"conv2d: kernel \(3, 3\) \(dilation \(3, 3\), spanning 7\) is larger"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 3, 3, 3), _x(3)),
     r"conv2d: bias must have shape \(2,\)"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 3, 3, 3), stride=0),
     r"conv2d: stride must be ints >= 1, got 0"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 3, 3, 3), padding=(1, 2, 3)),
     r"conv2d: padding must be an int or a pair of ints"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(2, 3, 3, 3), padding=-1),
     r"conv2d: padding must be ints >= 0"),
    (lambda: tg.conv1d(_x(1, 3, 5, 5), _x(2, 3, 3)), r"conv1d: input must be 3-D \(N, C, L\)"),
    (lambda: tg.conv1d(_x(1, 3, 2), _x(2, 3, 3)), r"conv1d: kernel \(3,\) .* larger"),
    (lambda: tg.conv1d(_x(1, 2, 9), _x(2, 3, 3)), r"conv1d: input \(1, 2, 9\) has 2 channels"),
    (lambda: tg.conv_transpose2d(_x(1, 3, 4, 4), _x(2, 3, 3, 3)),
     r"conv_transpose2d: input \(1, 3, 4, 4\) has 3 channels; weight \(2, 3, 3, 3\) expects 2"),
    (lambda: tg.conv_transpose2d(_x(1, 3, 4, 4), _x(3, 2, 3, 3), groups=2),
     r"conv_transpose2d: groups=2 must divide the input channels \(3\)"),
    (lambda: tg.conv_transpose2d(_x(1, 2, 4, 4), _x(2, 3, 3, 3), stride=2, output_padding=2),
     r"conv_transpose2d: output_padding \(2, 2\) must be smaller than the stride"),
    (lambda: tg.max_pool2d(_x(1, 1, 4, 4), 2, padding=2),
     r"max_pool2d: padding \(2, 2\) must be at most half the kernel size \(2, 2\)"),
    (lambda: tg.max_pool2d(_x(1, 1, 2, 2), 3), r"max_pool2d: kernel \(3, 3\) .* larger"),
    (lambda: tg.avg_pool2d(_x(4, 4), 2), r"avg_pool2d: input must be 4-D"),
    (lambda: tg.conv2d(_x(1, 3, 5, 5), _x(0, 3, 3, 3)),
     r"conv2d: weight \(0, 3, 3, 3\) has an empty axis"),
    (lambda: tg.conv1d(_x(1, 3, 5), _x(2, 3, 0)), r"conv1d: weight \(2, 3, 0\) has an empty axis"),
    (lambda: tg.conv_transpose2d(_x(1, 2, 4, 4), _x(2, 0, 3, 3)),
     r"conv_transpose2d: weight \(2, 0, 3, 3\) has an empty axis"),
])
def test_bad_input_raises_an_op_error_naming_the_op_and_shapes(call, message):
    with pytest.raises(OpError, match=message):
        call()


@pytest.mark.parametrize("kernel, dilation, padding", [((3, 5), 1, (1, 2)), (3, (2, 1), (2, 1)),
                                                       (1, 1, (0, 0))])
def test_padding_same_keeps_the_size_and_valid_is_none(kernel, dilation, padding, rng):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = Tensor(rng.standard_normal((2, 3, 7, 8)))
    w = Tensor(rng.standard_normal((4, 3, kh, kw)))
    same = tg.conv2d(x, w, padding="same", dilation=dilation)
    assert same.shape == (2, 4, 7, 8)
    np.testing.assert_array_equal(same.data, tg.conv2d(x, w, padding=padding,
                                                       dilation=dilation).data)
    np.testing.assert_array_equal(tg.conv2d(x, w, padding="valid", dilation=dilation).data,
                                  tg.conv2d(x, w, dilation=dilation).data)
    seq = Tensor(rng.standard_normal((2, 3, 9)))
    assert tg.conv1d(seq, Tensor(rng.standard_normal((4, 3, kh))), padding="same").shape == \
        (2, 4, 9)
    assert nn_same_shape(kh) == (1, 2, 6, 6)


def nn_same_shape(k):
    from tinygrad_np import nn
    return nn.Conv2d(1, 2, k, padding="same", rng=0)(np.zeros((1, 1, 6, 6))).shape


@pytest.mark.parametrize("call, message", [
    (lambda: tg.conv2d(_x(1, 1, 6, 6), _x(1, 1, 3, 3), padding="same", stride=2),
     r"conv2d: padding='same' needs stride 1, got stride \(2, 2\)"),
    (lambda: tg.conv2d(_x(1, 1, 6, 6), _x(1, 1, 3, 3), padding="full"),
     r"conv2d: padding must be an int, a pair of ints, 'valid' or 'same', got 'full'"),
])
def test_bad_string_padding(call, message):
    with pytest.raises(OpError, match=message):
        call()


def test_padding_same_for_an_even_kernel_puts_the_extra_below_and_right_as_pytorch(rng):
    # kernel (2, 3): one row of padding in all, below (PyTorch's side); columns one each side
    x = Tensor(rng.standard_normal((2, 3, 6, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 2, 3)), requires_grad=True)
    same = tg.conv2d(x, w, padding="same")
    padded = np.pad(x.data, ((0, 0), (0, 0), (0, 1), (1, 1)))
    np.testing.assert_array_equal(same.data, tg.conv2d(padded, w.data).data)
    assert same.shape == (2, 4, 6, 5)
    same.sum().backward()
    assert x.grad.shape == x.shape
    # x[:, :, 0, 0] meets kernel row 0, columns 0 and 1 (column 2 would need an output at -1)
    np.testing.assert_allclose(x.grad[:, :, 0, 0],
                               np.broadcast_to(w.data[:, :, 0, :2].sum(axis=(0, 2)), (2, 3)))
    # dilation 3 on a kernel of 4: 9 in all, 4 above and 5 below
    seq = rng.standard_normal((1, 2, 11))
    w1 = rng.standard_normal((3, 2, 4))
    np.testing.assert_array_equal(tg.conv1d(seq, w1, padding="same", dilation=3).data,
                                  tg.conv1d(np.pad(seq, ((0, 0), (0, 0), (4, 5))), w1,
                                            dilation=3).data)
    assert nn_same_shape((2, 4)) == (1, 2, 6, 6)
    # the op itself, without the functional's pad, says what it cannot do
    with pytest.raises(OpError, match=r"conv2d: padding='same' for kernel \(2, 3\) .* not"):
        Conv2d.apply(x, w, padding="same")


def test_adaptive_max_pool_takes_pytorchs_windows_and_the_first_maximum():
    # 5 columns to 2: windows 0-2 and 2-4 share column 2
    x = Tensor(np.array([[[[1.0, 7.0, 9.0, 2.0, 9.0], [9.0, 0.0, 0.0, 0.0, 0.0]]]]),
               requires_grad=True)
    out = tg.adaptive_max_pool2d(x, (1, 2))
    np.testing.assert_array_equal(out.data[0, 0], [[9.0, 9.0]])
    out.sum().backward()  # both windows' first maximum in row-major order is (0, 2)
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 0, 2, 0, 0], [0, 0, 0, 0, 0]])
    # the window holding NaN sends its gradient to the NaN (its last), as PyTorch 2.13's
    # (F.adaptive_max_pool1d(x, 2): indices [0, 3], x.grad [1, 0, 0, 1, 0])
    seq = Tensor(np.array([[[3.0, 1.0, 3.0, np.nan, 2.0]]]), requires_grad=True)
    pooled = tg.adaptive_max_pool1d(seq, 2)
    np.testing.assert_array_equal(pooled.data[0, 0], [3.0, np.nan])
    pooled.sum().backward()
    np.testing.assert_array_equal(seq.grad[0, 0], [1, 0, 0, 1, 0])
    with pytest.raises(OpError, match=r"adaptive_max_pool2d: input must be 4-D"):
        tg.adaptive_max_pool2d(np.ones((3, 4)), 2)
    with pytest.raises(OpError, match=r"adaptive_max_pool2d: input \(1, 1, 0, 3\) has an empty"):
        tg.adaptive_max_pool2d(np.ones((1, 1, 0, 3)), 2)


def test_adaptive_pool_to_sizes_that_do_not_divide_uses_pytorchs_windows():
    x = Tensor(np.arange(7.0).reshape(1, 1, 1, 7), requires_grad=True)
    out = tg.adaptive_avg_pool2d(x, (1, 3))  # windows 0-2, 2-4, 4-6: they overlap
    np.testing.assert_array_equal(out.data[0, 0, 0], [1.0, 3.0, 5.0])
    out.sum().backward()
    third = 1 / 3
    np.testing.assert_array_equal(x.grad[0, 0, 0], [third, third, third + third, third,
                                                    third + third, third, third])
    grown = tg.adaptive_avg_pool2d(np.arange(4.0).reshape(1, 1, 2, 2), 3)  # 2 -> 3: repeats
    np.testing.assert_array_equal(grown.data[0, 0], [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]])


def test_integer_images_pool_with_their_lowest_value_as_padding():
    x = np.array([[[[0, 3], [2, 1]]]], dtype=np.uint8)
    out = tg.max_pool2d(Tensor(x), 2, 1, 1)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.data, [[[[0, 3, 3], [2, 3, 3], [2, 2, 1]]]])


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, bool])
def test_integer_images_average_to_floats_as_numpys_mean(dtype):
    x = Tensor((np.arange(16) % 5).reshape(1, 1, 4, 4).astype(dtype))
    out = tg.avg_pool2d(x, 2, padding=1)
    assert out.dtype == np.float64
    expected = (np.pad(x.data.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
                .reshape(1, 1, 3, 2, 3, 2).mean(axis=(3, 5)))
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(tg.adaptive_avg_pool2d(x, 1).data,
                                  [[[[x.data.astype(np.float64).mean()]]]])


@pytest.mark.parametrize("stride, padding, dilation, groups", [
    (1, 0, 1, 1), (1, 2, 1, 1), (1, (1, 2), (2, 1), 2), (1, 1, 2, 1), (2, 1, 1, 1),
    ((2, 1), (0, 2), 2, 2)])
@pytest.mark.parametrize("two_per_chunk", [False, True], ids=["one-chunk", "chunks-of-two"])
def test_input_gradient_is_the_naive_transposed_conv_of_the_output_gradient(
        stride, padding, dilation, groups, two_per_chunk, rng, monkeypatch):
    """d<conv2d(x, w), g>/dx is conv_transpose2d(g, w), here the naive scatter loop of the op
    table: for the stride-1 path (one flat add per kernel offset, batch innermost) and the
    strided one; in one batch chunk, and in chunks of two images (the last one smaller)."""
    from op_table import conv_transpose2d_ref

    from tinygrad_np.ops import conv
    if two_per_chunk:
        monkeypatch.setattr(conv, "batch_chunks", lambda n, per_image, budget=None: [
            slice(start, min(start + 2, n)) for start in range(0, n, 2)])
    x = Tensor(rng.standard_normal((5, 4, 7, 9)), requires_grad=True)
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    out = tg.conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    (sh, sw), (ph, pw), (dh, dw) = (_pair(v) for v in (stride, padding, dilation))
    # the transposed conv's size without output_padding; the rows and columns beyond it that a
    # window still reached come back through output_padding, the rest get no gradient
    base = [(o - 1) * s - 2 * p + d * (k - 1) + 1 for o, s, p, d, k in
            zip(out.shape[2:], (sh, sw), (ph, pw), (dh, dw), w.shape[2:])]
    extra = tuple(min(size - b, max(s, d) - 1) for size, b, s, d in
                  zip(x.shape[2:], base, (sh, sw), (dh, dw)))
    expected = conv_transpose2d_ref(g, w, stride=stride, padding=padding, dilation=dilation,
                                    groups=groups, output_padding=extra)
    full = np.zeros(x.shape)
    full[:, :, :expected.shape[2], :expected.shape[3]] = expected
    np.testing.assert_allclose(x.grad, full, rtol=1e-12, atol=1e-12)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@pytest.mark.parametrize("one_matmul_pixels", [0, 10 ** 9], ids=["per-image", "one-matmul"])
@pytest.mark.parametrize("weight_grad, bias_grad", [(True, False), (False, True)],
                         ids=["weight-only", "bias-only"])
def test_a_frozen_weight_or_bias_still_gets_exactly_its_own_gradient(
        one_matmul_pixels, weight_grad, bias_grad, rng, monkeypatch):
    """The bias gradient comes out of the weight gradient's matmul (a row of ones) when both
    are wanted; with only one of them wanted, each is still the naive sum."""
    from tinygrad_np.ops import conv
    monkeypatch.setattr(conv, "ONE_MATMUL_PIXELS", one_matmul_pixels)
    monkeypatch.setattr(conv, "CHUNK_BYTES", 3000)
    x = rng.standard_normal((5, 4, 7, 9))
    w = Tensor(rng.standard_normal((6, 2, 3, 2)), requires_grad=weight_grad)
    b = Tensor(rng.standard_normal(6), requires_grad=bias_grad)
    out = tg.conv2d(x, w, b, padding=1, groups=2)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    if bias_grad:
        assert w.grad is None
        np.testing.assert_allclose(b.grad, g.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)
    else:
        assert b.grad is None
        full = Tensor(w.data, requires_grad=True)
        tg.conv2d(x, full, padding=1, groups=2).backward(g)  # no bias at all
        np.testing.assert_array_equal(w.grad, full.grad)


def _max_pool_backward_ref(x, grad, kernel, stride, padding):
    """PyTorch's CPU kernel, window by window: the window's first element inside the input
    starts it, a later one takes over when larger or NaN, and the window's gradient goes
    there (so ties to the first maximum in row-major order, NaN to the last NaN, a window
    of -inf and padding to its first element inside); added up where windows overlap."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    target = np.zeros(x.shape)
    for n, c, y, xx in np.ndindex(grad.shape):
        best, at = -np.inf, None
        for i, j in np.ndindex(kh, kw):
            r, q = y * sh - ph + i, xx * sw - pw + j
            if 0 <= r < x.shape[2] and 0 <= q < x.shape[3]:
                value = x[n, c, r, q]
                if at is None or value > best or np.isnan(value):
                    best, at = value, (r, q)
        target[n, c, at[0], at[1]] += grad[n, c, y, xx]
    return target


@pytest.mark.parametrize("kernel, stride, padding", [
    ((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((2, 3), (1, 2), (1, 0)),
    ((1, 2), (1, 2), (0, 1)), ((3, 1), (3, 1), (0, 0)), ((1, 1), (2, 1), (0, 0))])
def test_max_pool_with_many_ties_and_nan_matches_a_naive_loop_over_several_chunks(
        kernel, stride, padding, rng, monkeypatch):
    """Small integers (so most windows tie), an -inf corner (with padding: windows of -inf
    and padding only), with and without a NaN (the backward's two ways), in float32 and
    float64, with a chunk budget small enough that the backward runs over several batch
    chunks."""
    from tinygrad_np.ops import pool
    monkeypatch.setattr(pool, "CHUNK_BYTES", 2000)
    for dtype, nan in ((np.float32, True), (np.float64, True), (np.float32, False),
                       (np.float64, False)):
        x = rng.integers(-2, 3, (5, 3, 7, 8)).astype(dtype)
        x[4, 0, :2, :2] = -np.inf
        if nan:
            x[1, 2, 3, 4] = x[1, 2, 3, 5] = np.nan
        t = Tensor(x, requires_grad=True)
        out = tg.max_pool2d(t, kernel, stride, padding)
        np.testing.assert_array_equal(out.data, max_pool2d_ref(x, kernel, stride, padding))
        assert out.data.dtype == dtype and out.data.flags.c_contiguous
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(g)
        np.testing.assert_allclose(t.grad, _max_pool_backward_ref(x, g, kernel, stride,
                                                                  padding), rtol=1e-6,
                                   atol=1e-6 if dtype == np.float32 else 0)  # sums' order


@pytest.mark.parametrize("one_matmul_pixels", [0, 10 ** 9], ids=["per-image", "one-matmul"])
@pytest.mark.parametrize("stride, padding, dilation, groups", [
    (1, 0, 1, 1), (1, (1, 2), (2, 1), 2), (2, 1, 1, 1), ((2, 1), (0, 2), 2, 2)])
def test_weight_and_bias_gradients_are_the_naive_sums_in_both_layouts(
        one_matmul_pixels, stride, padding, dilation, groups, rng, monkeypatch):
    """dL/dw[o, c, i, j] = sum over n, y, x of g[n, o, y, x] * x_padded[n, c, s*y + d*i, ...],
    by either matmul layout (for stride 1 with few pixels, "one-matmul" is the batch-innermost
    one), over batch chunks (a small chunk budget: several chunks)."""
    from tinygrad_np.ops import conv
    monkeypatch.setattr(conv, "ONE_MATMUL_PIXELS", one_matmul_pixels)
    monkeypatch.setattr(conv, "CHUNK_BYTES", 3000)
    x = rng.standard_normal((5, 4, 7, 9))
    w = Tensor(rng.standard_normal((6, 4 // groups, 3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(6), requires_grad=True)
    out = tg.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    (sh, sw), (ph, pw), (dh, dw) = (_pair(v) for v in (stride, padding, dilation))
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = out.shape[2:]
    cg, og = 4 // groups, 6 // groups
    expected = np.zeros(w.shape)
    for o in range(6):
        first = o // og * cg  # the first input channel of o's group
        for c in range(cg):
            for i in range(3):
                for j in range(2):
                    patch = xp[:, first + c, i * dh:i * dh + (ho - 1) * sh + 1:sh,
                               j * dw:j * dw + (wo - 1) * sw + 1:sw]
                    expected[o, c, i, j] = (g[:, o] * patch).sum()
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad, g.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call, in_shape, w_shape, out_shape", [
    # stride 1 on small images (batch-innermost gradients), on large ones (per-image
    # matmuls), stride 2 (channel-major columns), grouped
    (lambda x, w, b: tg.conv2d(x, w, b), (0, 6, 14, 14), (16, 6, 5, 5), (0, 16, 10, 10)),
    (lambda x, w, b: tg.conv2d(x, w, b, padding=2), (0, 1, 28, 28), (6, 1, 5, 5),
     (0, 6, 28, 28)),
    (lambda x, w, b: tg.conv2d(x, w, b, stride=2, groups=2), (0, 4, 9, 9), (6, 2, 3, 3),
     (0, 6, 4, 4)),
    (lambda x, w, b: tg.conv1d(x, w, b, padding=1), (0, 2, 7), (3, 2, 3), (0, 3, 7)),
    (lambda x, w, b: tg.conv_transpose2d(x, w, b, stride=2), (0, 3, 4, 4), (3, 5, 3, 3),
     (0, 5, 9, 9)),
])
def test_an_empty_batch_gives_an_empty_output_and_zero_parameter_gradients(
        call, in_shape, w_shape, out_shape, rng):
    """As PyTorch: a batch of no images is valid input (a data set's empty last batch)."""
    x = Tensor(np.zeros(in_shape, np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal(w_shape).astype(np.float32), requires_grad=True)
    b = Tensor(np.ones(out_shape[1], np.float32), requires_grad=True)
    out = call(x, w, b)
    assert out.shape == out_shape and out.dtype == np.float32
    out.sum().backward()
    assert x.grad.shape == in_shape and x.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad, np.zeros(w_shape, np.float32))
    np.testing.assert_array_equal(b.grad, np.zeros(out_shape[1], np.float32))


@pytest.mark.parametrize("pool", [lambda x: tg.max_pool2d(x, 2), lambda x: tg.avg_pool2d(x, 2),
                                  lambda x: tg.adaptive_avg_pool2d(x, 4)])
def test_pools_of_an_empty_batch_are_empty(pool):
    x = Tensor(np.zeros((0, 3, 8, 8), np.float32), requires_grad=True)
    out = pool(x)
    assert out.shape == (0, 3, 4, 4)
    out.sum().backward()
    assert x.grad.shape == (0, 3, 8, 8)


def test_arguments_checked_once_are_checked_again_when_they_only_look_alike(rng):
    """Checked geometry is kept for the same shapes and plain-int arguments: True, 1.0 or a
    list in place of an int is still refused, after the int was accepted, and a wrong shape
    still raises."""
    x = Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    for _ in range(2):  # the second call takes the kept geometry
        assert tg.conv2d(x, w, stride=1, padding=1).shape == (2, 4, 8, 8)
        assert tg.max_pool2d(x, 2, stride=2).shape == (2, 3, 4, 4)
    for bad in (True, 1.0):
        with pytest.raises(OpError, match="stride"):
            tg.conv2d(x, w, stride=bad, padding=1)
        with pytest.raises(OpError, match="kernel_size"):
            tg.max_pool2d(x, bad, stride=2)
    assert tg.conv2d(x, w, stride=[1, 1], padding=[1, 1]).shape == (2, 4, 8, 8)
    with pytest.raises(OpError, match="channels"):
        tg.conv2d(Tensor(np.zeros((2, 5, 8, 8), np.float32)), w, stride=1, padding=1)


@pytest.mark.parametrize("call, shape", [
    (lambda x: tg.conv2d(x, np.arange(54.0).reshape(3, 2, 3, 3) % 5 - 2, np.ones(3),
                         padding="same"), (2, 5, 6)),
    (lambda x: tg.conv1d(x, np.arange(18.0).reshape(3, 2, 3) % 4 - 1, stride=2), (2, 9)),
    (lambda x: tg.conv_transpose2d(x, np.ones((2, 3, 2, 2)), stride=2), (2, 3, 4)),
    (lambda x: tg.conv_transpose1d(x, np.ones((2, 3, 3)), stride=2), (2, 5)),
    (lambda x: tg.max_pool2d(x, 2, ceil_mode=True), (3, 5, 5)),
    (lambda x: tg.max_pool2d(x, 2, return_indices=True), (3, 4, 6)),
    (lambda x: tg.avg_pool2d(x, 3, 2, 1), (3, 5, 5)),
    (lambda x: tg.adaptive_avg_pool2d(x, (2, 3)), (3, 5, 7)),
    (lambda x: tg.adaptive_max_pool2d(x, 2, return_indices=True), (3, 5, 7)),
    (lambda x: tg.lp_pool2d(x, 2, 2), (3, 4, 4)),
    (lambda x: tg.max_pool1d(x, 3, 2), (3, 9)), (lambda x: tg.avg_pool1d(x, 2), (3, 8)),
    (lambda x: tg.adaptive_avg_pool1d(x, 3), (3, 7)), (lambda x: tg.lp_pool1d(x, 1, 2), (3, 6)),
    (lambda x: tg.adaptive_max_pool1d(x, 3), (3, 7)),
])
def test_one_unbatched_input_is_a_batch_of_one_without_its_batch_axis(call, shape):
    """As PyTorch's functions and layers: (C, H, W) or (C, L) in, the same out as for a batch
    of that one input, the batch axis left out; gradients too."""
    x = np.random.default_rng(0).standard_normal(shape)
    alone, batched = Tensor(x, requires_grad=True), Tensor(x[None], requires_grad=True)
    out, out_batched = call(alone), call(batched)
    if isinstance(out, tuple):
        np.testing.assert_array_equal(out[1].data, out_batched[1].data[0])
        out, out_batched = out[0], out_batched[0]
    assert out.shape == out_batched.shape[1:]
    np.testing.assert_array_equal(out.data, out_batched.data[0])
    weights = np.cos(np.arange(out.data.size)).reshape(out.shape)
    (out * Tensor(weights)).sum().backward()
    (out_batched * Tensor(weights[None])).sum().backward()
    np.testing.assert_array_equal(alone.grad, batched.grad[0])


def test_layers_and_unpooling_take_one_unbatched_input():
    x = np.random.default_rng(1).standard_normal((2, 6, 6)).astype(np.float32)
    for layer in (nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", rng=0),
                  nn.ConvTranspose2d(2, 3, 3, stride=2, rng=0), nn.MaxPool2d(2),
                  nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(3)):
        np.testing.assert_array_equal(layer(x).data, layer(x[None]).data[0])
    out, index = tg.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(tg.max_unpool2d(out, index, 2).data,
                                  tg.max_unpool2d(out.data[None], index.data[None], 2).data[0])
    assert nn.ConvTranspose2d(2, 3, 3, stride=2, rng=0)(x, output_size=(14, 14)).shape == \
        (3, 14, 14)
    with pytest.raises(OpError, match=r"conv2d: input must be 4-D \(N, C, H, W\)"):
        tg.conv2d(np.zeros((6, 6)), np.zeros((1, 1, 3, 3)))


# -- where a max pool's gradient goes: PyTorch's index, also for -inf windows and NaN ----------
# torch 2.13, float64, x.grad after max_poolNd(x, ...).sum().backward() (and the indices):
#   max_pool1d([[[-inf, 5]]], 2, 1, 1): out [-inf, 5, 5], indices [0, 1, 1], grad [1, 2]
#   max_pool2d(x, 2, 1, 1), x = [[-inf, -inf], [-inf, 0]]: indices [0, 0, 1, 0, 3, 3, 2, 3, 3],
#   grad [3, 1, 1, 4]
#   max_pool1d([[[nan, 1, 2, nan, .5]]], 2, 1): indices [0, 2, 3, 3], grad [1, 0, 1, 2, 0]
#   max_pool2d(x, 2, 1), x = [[nan, 1, nan], [2, nan, .5], [1, 2, 3]]: every window's last
#   NaN is x[1, 1] (index 4), grad 4 there
MINUS_INF_AND_NAN = [
    (lambda t: tg.max_pool1d(t, 2, 1, 1, return_indices=True), [[[-np.inf, 5.0]]],
     [0, 1, 1], [1, 2]),
    (lambda t: tg.max_pool2d(t, 2, 1, 1, return_indices=True),
     [[[[-np.inf, -np.inf], [-np.inf, 0.0]]]], [0, 0, 1, 0, 3, 3, 2, 3, 3], [3, 1, 1, 4]),
    (lambda t: tg.max_pool1d(t, 2, 1, return_indices=True), [[[np.nan, 1.0, 2.0, np.nan, 0.5]]],
     [0, 2, 3, 3], [1, 0, 1, 2, 0]),
    (lambda t: tg.max_pool2d(t, 2, 1, return_indices=True),
     [[[[np.nan, 1.0, np.nan], [2.0, np.nan, 0.5], [1.0, 2.0, 3.0]]]], [4, 4, 4, 4],
     [0, 0, 0, 0, 4, 0, 0, 0, 0]),
]


@pytest.mark.parametrize("pool, x, indices, grad", MINUS_INF_AND_NAN)
@pytest.mark.parametrize("create_graph", [False, True], ids=["backward", "backward_graph"])
def test_max_pool_gradient_follows_pytorchs_index_for_minus_inf_and_nan_windows(
        pool, x, indices, grad, create_graph):
    """A window of -inf that starts in the padding sends its gradient to its first element
    inside the input, a window holding NaN to its last NaN: where the index points."""
    for dtype in (np.float64, np.float32):
        t = Tensor(np.array(x, dtype=dtype), requires_grad=True)
        out, index = pool(t)
        assert index.data.ravel().tolist() == indices
        if create_graph:
            got, = tg.grad(out.sum(), t, create_graph=True)
            got = got.data
        else:
            out.sum().backward()
            got = t.grad
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.ravel(), grad)


def test_max_pool_gradient_is_pytorchs_where_padding_windows_of_minus_inf_overlap(rng):
    """Random -inf, NaN and ties with padding, strides, dilation and ceil_mode: each
    window's gradient lands on its returned index (PyTorch's rule, from the indices that
    match torch's), summed where windows share it; the double backward agrees."""
    x = rng.integers(-1, 2, (2, 3, 6, 7)).astype(np.float64)
    x[rng.random(x.shape) < 0.3] = -np.inf
    for nan in (False, True):
        if nan:
            x[0, 1, 2, 3] = x[1, 0, 0, 0] = np.nan
        for kernel, stride, padding, dilation, ceil in [
                (3, 2, 1, 1, False), ((2, 3), 1, (1, 1), (2, 1), True), (2, 2, 1, 1, True)]:
            t = Tensor(x, requires_grad=True)
            out, index = tg.max_pool2d(t, kernel, stride, padding, dilation, ceil, True)
            g = rng.standard_normal(out.shape)
            out.backward(g)
            expected = np.zeros((2 * 3, 6 * 7))
            for image in range(6):
                np.add.at(expected[image], index.data.reshape(6, -1)[image],
                          g.reshape(6, -1)[image])
            np.testing.assert_allclose(t.grad, expected.reshape(x.shape), rtol=1e-13)
            t2 = Tensor(x, requires_grad=True)
            d, = tg.grad(tg.max_pool2d(t2, kernel, stride, padding, dilation, ceil), t2, g,
                         create_graph=True)
            np.testing.assert_allclose(d.data, expected.reshape(x.shape), rtol=1e-13)


# -- bad input names the function called and the shapes it was given ---------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: tg.conv_transpose1d(np.ones((1, 2, 5)), np.ones((3, 1, 3))),
     r"^conv_transpose1d: input \(1, 2, 5\) has 2 channels; weight \(3, 1, 3\) expects 3"),
    (lambda: tg.conv_transpose1d(np.ones((1, 2, 5)), np.ones((2, 1, 3)), output_padding=2),
     r"^conv_transpose1d: output_padding \(2,\) must be smaller than the stride \(1,\)"),
    (lambda: tg.conv_transpose1d(np.ones((1, 2, 5)), np.ones((2, 1, 3)), np.ones(3)),
     r"^conv_transpose1d: bias must have shape \(1,\)"),
    (lambda: tg.conv_transpose1d(np.ones((3, 2)), np.ones((2, 1, 3))),
     r"^conv_transpose1d: input \(3, 2\) has 3 channels; weight \(2, 1, 3\) expects 2"),
    (lambda: tg.conv2d(np.ones((3, 5, 5)), np.ones((2, 2, 3, 3))),
     r"^conv2d: input \(3, 5, 5\) has 3 channels, but weight \(2, 2, 3, 3\) expects 2"),
    (lambda: tg.conv2d(np.ones((3, 2, 2)), np.ones((2, 3, 3, 3))),
     r"^conv2d: kernel \(3, 3\) .* input \(3, 2, 2\) with padding \(0, 0\) is 2 x 2 per channel"),
    (lambda: tg.conv1d(np.ones((3, 5)), np.ones((2, 2, 3))),
     r"^conv1d: input \(3, 5\) has 3 channels, but weight \(2, 2, 3\)"),
    (lambda: tg.conv_transpose2d(np.ones((3, 2, 2)), np.ones((2, 1, 3, 3))),
     r"^conv_transpose2d: input \(3, 2, 2\) has 3 channels"),
    (lambda: tg.max_pool2d(np.ones((3, 2, 2)), 3),
     r"^max_pool2d: kernel \(3, 3\) .* input \(3, 2, 2\) with padding \(0, 0\) is 2 x 2"),
    (lambda: tg.avg_pool1d(np.ones((3, 2)), 3),
     r"^avg_pool1d: kernel \(3,\) .* input \(3, 2\) with padding \(0,\) is 2 per channel"),
    (lambda: tg.lp_pool2d(np.ones((1, 1, 3, 3)), 2, 5),
     r"^lp_pool2d: kernel \(5, 5\) .* input \(1, 1, 3, 3\)"),
    (lambda: tg.lp_pool2d(np.ones((1, 3, 3)), 2, 2, 0), r"^lp_pool2d: stride must be ints >= 1"),
    (lambda: tg.lp_pool1d(np.ones((1, 1, 3)), 2, 5), r"^lp_pool1d: kernel \(5,\) .* \(1, 1, 3\)"),
    (lambda: tg.lp_pool1d(np.ones((2, 3)), 2, 2, ceil_mode=1),
     r"^lp_pool1d: ceil_mode must be True or False"),
    (lambda: tg.max_unpool1d(np.ones((1, 1, 2)), np.array([[[0, 7]]]), 2),
     r"^max_unpool1d: found an invalid max index 7 \(the output rows are 4 long\)"),
    (lambda: tg.max_unpool1d(np.ones((1, 1, 2)), np.array([[[0, 1, 2]]]), 2),
     r"^max_unpool1d: indices \(1, 1, 3\) must have the input's shape \(1, 1, 2\)"),
    (lambda: tg.max_unpool1d(np.ones((1, 1, 2)), np.array([[[0.0, 1.0]]]), 2),
     r"^max_unpool1d: indices must be integers"),
    (lambda: tg.max_unpool2d(np.ones((1, 1, 2)), np.array([[[0, 9]]]), 2),
     r"^max_unpool2d: found an invalid max index 9 \(the output images are 2x4\)$"),
    (lambda: tg.max_unpool2d(np.ones((1, 2, 2)), np.array([[[0, 1]]]), 2),
     r"^max_unpool2d: indices \(1, 1, 2\) must have the input's shape \(1, 2, 2\)$"),
    (lambda: tg.adaptive_avg_pool1d(np.ones((1, 1, 0)), 2),
     r"^adaptive_avg_pool1d: input \(1, 1, 0\) has an empty spatial axis"),
    (lambda: tg.adaptive_avg_pool2d(np.ones((1, 1, 0, 4)), (1, 2)),
     r"^adaptive_avg_pool2d: input \(1, 1, 0, 4\) has an empty spatial axis"),
    (lambda: tg.adaptive_avg_pool2d(np.ones((1, 1, 0, 3)), 2),
     r"^adaptive_avg_pool2d: input \(1, 1, 0, 3\) has an empty spatial axis"),
    (lambda: tg.adaptive_max_pool1d(np.ones((1, 1, 0)), 2),
     r"^adaptive_max_pool1d: input \(1, 1, 0\) has an empty spatial axis"),
    (lambda: tg.adaptive_max_pool2d(np.ones((3, 0, 2)), 2),
     r"^adaptive_max_pool2d: input \(3, 0, 2\) has an empty spatial axis"),
])
def test_bad_input_names_the_function_called_and_the_users_shapes(call, message):
    """Not the op a function is made of (conv_transpose2d for conv_transpose1d, avg_pool for
    lp_pool, max_unpool2d for max_unpool1d), nor the batch of one an unbatched input runs
    as; no IndexError or NaN for an empty adaptive window."""
    with pytest.raises(OpError, match=message):
        call()


def test_an_unbatched_error_whose_weight_looks_batched_keeps_both_shapes():
    """x (1, 3, 3) runs as (1, 1, 3, 3), the weight's own shape: which is which cannot be
    told from the message, so it says what the input was instead of rewriting it."""
    with pytest.raises(OpError, match=r"groups=2 .* \(for the unbatched input \(1, 3, 3\), "
                                      r"taken as a batch of one\)$"):
        tg.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), groups=2)


# -- PyTorch's input= keyword, and one-element tuples for every axis ----------------------------
X1, X2 = np.arange(12.0).reshape(1, 2, 6) % 5, np.arange(72.0).reshape(1, 2, 6, 6) % 7
W1, W2 = np.arange(18.0).reshape(3, 2, 3) % 4 - 1, np.arange(54.0).reshape(3, 2, 3, 3) % 5 - 2


@pytest.mark.parametrize("name, args, kwargs", [
    ("conv1d", (X1, W1), {"padding": 1}), ("conv2d", (X2, W2), {"stride": 2}),
    ("conv_transpose1d", (X1, W1.transpose(1, 0, 2)), {}),
    ("conv_transpose2d", (X2, W2.transpose(1, 0, 2, 3)), {"stride": 2}),
    ("max_pool1d", (X1, 2), {}), ("max_pool2d", (X2, 3), {"return_indices": True}),
    ("avg_pool1d", (X1, 2), {}), ("avg_pool2d", (X2, 2), {"padding": 1}),
    ("lp_pool1d", (X1, 2, 2), {}), ("lp_pool2d", (X2, 3, 2), {}),
    ("adaptive_avg_pool1d", (X1, 4), {}), ("adaptive_avg_pool2d", (X2, 4), {}),
    ("adaptive_max_pool1d", (X1, 4), {}), ("adaptive_max_pool2d", (X2, 4), {}),
    ("max_unpool1d", (X1[:, :, :3], np.array([[[0, 3, 5], [1, 2, 4]]]), 2), {}),
    ("max_unpool2d", (X2[:, :, :1, :1], np.array([[[[3]], [[0]]]]), 2), {}),
    ("unfold", (X2, 2), {"stride": 2}), ("fold", (np.ones((1, 8, 9)), 4, 2), {}),
    ("interpolate", (X2,), {"scale_factor": 2, "mode": "bilinear"}),
    ("interpolate", (X2[0],), {"size": 3, "mode": "linear"}),
    ("grid_sample", (X2, np.zeros((1, 2, 2, 2))), {"align_corners": True}),
])
def test_every_conv_pool_and_resampling_function_takes_pytorchs_input_keyword(name, args,
                                                                               kwargs):
    fn = getattr(tg, name)
    x, *rest = args
    names = list(inspect.signature(fn).parameters)[1:]  # the parameters after the input
    expected, got = fn(*args, **kwargs), fn(input=x, **dict(zip(names, rest)), **kwargs)
    expected, got = (expected, got) if isinstance(expected, tuple) else ((expected,), (got,))
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(TypeError, match="multiple values for argument 'input'"):
        fn(x, input=x, **dict(zip(names, rest)))
    with pytest.raises(TypeError, match="missing its first argument"):
        fn(**dict(zip(names, rest)))


# torch 2.13: F.conv2d(x, w, padding=(1,)) etc. expand a one-element tuple to every axis
# (output shapes (1, 3, 6, 6), (1, 3, 3, 3), (1, 3, 11, 11) and (1, 2, 7, 7)); its pools
# too, but not its adaptive pools, unfold or fold
@pytest.mark.parametrize("call, same_as", [
    (lambda: tg.conv2d(X2, W2, padding=(1,)), lambda: tg.conv2d(X2, W2, padding=1)),
    (lambda: tg.conv2d(X2, W2, stride=(2,), dilation=[1]), lambda: tg.conv2d(X2, W2, stride=2)),
    (lambda: tg.conv_transpose2d(X2, W2.transpose(1, 0, 2, 3), stride=(2,), padding=(1,),
                                 output_padding=(1,)),
     lambda: tg.conv_transpose2d(X2, W2.transpose(1, 0, 2, 3), stride=2, padding=1,
                                 output_padding=1)),
    (lambda: tg.max_pool2d(X2, (2,), stride=(1,), padding=(1,)),
     lambda: tg.max_pool2d(X2, 2, 1, 1)),
    (lambda: tg.avg_pool2d(X2, (3,), padding=[1]), lambda: tg.avg_pool2d(X2, 3, padding=1)),
    (lambda: nn.Conv2d(2, 3, 3, padding=(1,), stride=(2,), rng=0)(X2),
     lambda: nn.Conv2d(2, 3, 3, padding=1, stride=2, rng=0)(X2)),
])
def test_a_one_element_tuple_stands_for_every_axis_as_in_pytorch(call, same_as):
    np.testing.assert_array_equal(call().data, same_as().data)


def test_adaptive_pools_and_unfold_refuse_one_element_tuples_as_pytorch():
    with pytest.raises(OpError, match="output_size must be an int or a pair"):
        tg.adaptive_avg_pool2d(X2, (2,))
    with pytest.raises(OpError, match="kernel_size must be an int or a pair"):
        tg.unfold(X2, (2,))
