"""nn/conv.py: Conv2d, Conv1d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d."""
from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn


@pytest.mark.parametrize("make, shape, fan_in", [
    (lambda rng: nn.Conv2d(6, 16, 5, rng=rng), (16, 6, 5, 5), 150),
    (lambda rng: nn.Conv2d(8, 12, (3, 2), groups=4, rng=rng), (12, 2, 3, 2), 12),
    (lambda rng: nn.Conv1d(4, 10, 7, rng=rng), (10, 4, 7), 28),
    # PyTorch's fan_in for a transposed conv is weight.size(1) * kh * kw: out_channels // groups
    (lambda rng: nn.ConvTranspose2d(16, 6, 4, groups=2, rng=rng), (16, 3, 4, 4), 48),
])
def test_default_init_is_pytorchs_uniform_of_one_over_sqrt_fan_in(make, shape, fan_in):
    """kaiming_uniform_(a=sqrt(5)) is U(-b, b) with b = sqrt(6 / ((1 + 5) * fan_in)) =
    1 / sqrt(fan_in); the bias is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too."""
    bound = 1 / np.sqrt(fan_in)
    weights = np.concatenate([make(seed).weight.data.ravel() for seed in range(40)])
    biases = np.concatenate([make(seed).bias.data.ravel() for seed in range(40)])
    layer = make(0)
    assert layer.weight.shape == shape and layer.weight.dtype == np.float32
    for values in (weights, biases):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.97 * bound  # the whole range is used
        np.testing.assert_allclose(values.var(), bound ** 2 / 3, rtol=0.15)
        assert abs(values.mean()) < 0.1 * bound


def test_the_same_seed_gives_the_same_layer_and_float64_matches_float32():
    a, b = nn.Conv2d(3, 4, 3, rng=7), nn.Conv2d(3, 4, 3, rng=7)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    c = nn.Conv2d(3, 4, 3, rng=7, dtype=np.float64)
    assert c.weight.dtype == np.float64
    np.testing.assert_allclose(c.weight.data, a.weight.data, rtol=1e-6)
    generator = np.random.default_rng(1)
    assert not np.array_equal(nn.Conv2d(3, 4, 3, rng=generator).weight.data,
                              nn.Conv2d(3, 4, 3, rng=generator).weight.data)


def test_layers_compute_the_functional_ops_with_their_settings(rng):
    x = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=(1, 2), groups=2, rng=0)
    np.testing.assert_array_equal(conv(x).data, tg.conv2d(
        x, conv.weight, conv.bias, stride=2, padding=1, dilation=(1, 2), groups=2).data)
    up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, rng=0)
    assert up(x).shape == (2, 2, 18, 18)
    np.testing.assert_array_equal(up(x).data, tg.conv_transpose2d(
        x, up.weight, up.bias, stride=2, padding=1, output_padding=1).data)
    seq = rng.standard_normal((2, 4, 9)).astype(np.float32)
    c1 = nn.Conv1d(4, 3, 3, stride=2, padding=1, bias=False, rng=0)
    assert c1.bias is None
    np.testing.assert_array_equal(c1(seq).data, tg.conv1d(seq, c1.weight, stride=2,
                                                          padding=1).data)
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, 1)(x).data, tg.max_pool2d(x, 3, 2, 1).data)
    np.testing.assert_array_equal(nn.AvgPool2d(3, 2, 1)(x).data, tg.avg_pool2d(x, 3, 2, 1).data)
    np.testing.assert_array_equal(nn.AdaptiveAvgPool2d((3, 1))(x).data,
                                  tg.adaptive_avg_pool2d(x, (3, 1)).data)


def test_a_lenet_from_modules_has_pytorchs_parameter_names_and_trains(rng):
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5, rng=1), nn.ReLU(), nn.MaxPool2d(2),
                          lambda h: h.reshape(h.shape[0], -1), nn.Linear(400, 10, rng=2))
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["layers.0.weight", "layers.0.bias", "layers.3.weight",
                         "layers.3.bias"]
    x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    opt = tg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(15):
        loss = model(x).softmax_cross_entropy(y)
        model.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]  # it learns to fit 16 noise images


def test_state_dict_round_trip(tmp_path):
    a = nn.Sequential(nn.Conv2d(2, 3, 3, rng=0), nn.ConvTranspose2d(3, 2, 2, rng=1))
    a.save(tmp_path / "w.npz")
    b = nn.Sequential(nn.Conv2d(2, 3, 3, rng=5), nn.ConvTranspose2d(3, 2, 2, rng=6))
    b.load(tmp_path / "w.npz")
    x = np.ones((1, 2, 5, 5), dtype=np.float32)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_repr_reads_like_pytorchs():
    assert repr(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)) == \
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"
    assert repr(nn.ConvTranspose2d(4, 2, 3, stride=2)) == \
        "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2))"
    assert repr(nn.MaxPool2d(2)) == \
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(3, 2, 1, ceil_mode=True)) == \
        "AvgPool2d(kernel_size=3, stride=2, padding=1)"


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Conv2d(0, 4, 3), r"Conv2d: in_channels must be a positive int, got 0"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4),
     r"Conv2d: groups=4 must divide in_channels \(4\) and out_channels \(6\)"),
    (lambda: nn.Conv2d(4, 6, (3, 3, 3)), r"Conv2d: kernel_size must be an int or 2 ints"),
    (lambda: nn.Conv1d(4, 6, 0), r"Conv1d: kernel_size must be positive"),
    # string padding is checked when the layer is made, as PyTorch does (it was at the first call)
    (lambda: nn.Conv2d(3, 4, 3, padding="full"),
     r"Conv2d: padding must be an int, 2 ints, 'valid' or 'same', got 'full'"),
    (lambda: nn.Conv1d(3, 4, 3, stride=2, padding="same"),
     r"Conv1d: padding='same' needs stride 1, got stride \(2,\)"),
])
def test_bad_layer_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_channel_mismatch_at_call_time_names_the_op(rng):
    with pytest.raises(tg.OpError, match=r"conv2d: input \(1, 2, 8, 8\) has 2 channels"):
        nn.Conv2d(3, 4, 3, rng=0)(np.zeros((1, 2, 8, 8), dtype=np.float32))


@pytest.mark.parametrize("module", ["tinygrad_np.nn.conv", "tinygrad_np.ops.conv",
                                    "tinygrad_np.ops.pool", "tinygrad_np.functional"])
def test_docstring_examples(module):
    assert doctest.testmod(importlib.import_module(module)).failed == 0


def test_the_layers_accept_tensors_and_keep_the_graph(rng):
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    out = nn.AvgPool2d(2)(nn.Conv2d(3, 2, 3, padding=1, rng=0)(x))
    out.sum().backward()
    assert x.grad.shape == x.shape and x.grad.dtype == np.float32


def test_a_small_cnn_gradchecks_end_to_end_in_float64(rng):
    """conv (padding 1) -> relu -> max-pool -> conv (stride 2) -> relu -> avg-pool ->
    flatten -> linear -> cross-entropy: backward() against central differences for every
    parameter (float64, random values, so no ties)."""
    x = rng.standard_normal((2, 1, 8, 8))
    y = np.array([0, 2])
    shapes = [(3, 1, 3, 3), (3,), (4, 3, 3, 3), (4,), (4, 3), (3,)]
    params = [Tensor(rng.standard_normal(s) * 0.5) for s in shapes]

    def loss(w1, b1, w2, b2, w3, b3):
        h = tg.max_pool2d(tg.relu(tg.conv2d(x, w1, b1, padding=1)), 2)
        h = tg.avg_pool2d(tg.relu(tg.conv2d(h, w2, b2, stride=2, padding=1)), 2)
        return (h.reshape(2, -1) @ w3 + b3).softmax_cross_entropy(y)

    assert tg.gradcheck(loss, *params, atol=1e-6, rtol=1e-4) is True


def test_rng_none_draws_from_the_framework_generator():
    tg.manual_seed(3)
    a = nn.Conv2d(2, 3, 3)
    tg.manual_seed(3)
    b = nn.Conv2d(2, 3, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(nn.Conv2d(2, 3, 3).weight.data, b.weight.data)


def test_the_1d_pool_layers_are_the_functions_and_read_like_pytorchs():
    x = np.arange(30.0).reshape(2, 3, 5)
    np.testing.assert_array_equal(nn.MaxPool1d(2, ceil_mode=True)(x).data,
                                  tg.max_pool1d(x, 2, ceil_mode=True).data)
    np.testing.assert_array_equal(nn.AvgPool1d(3, 2, 1, count_include_pad=False)(x).data,
                                  tg.avg_pool1d(x, 3, 2, 1, count_include_pad=False).data)
    np.testing.assert_array_equal(nn.AdaptiveAvgPool1d(2)(x).data[0, 0], [1.0, 3.0])
    assert repr(nn.MaxPool1d(3, 2, 1)) == \
        "MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool1d(3, 2, 1)) == "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))"
    assert repr(nn.AdaptiveAvgPool1d(3)) == "AdaptiveAvgPool1d(output_size=3)"


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_mode_pads_the_input_that_way_before_the_conv(mode, rng):
    conv = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode, rng=0, dtype=np.float64)
    x = rng.standard_normal((2, 2, 5, 6))
    numpy_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    expected = tg.conv2d(np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), numpy_mode), conv.weight,
                         conv.bias)
    np.testing.assert_allclose(conv(x).data, expected.data, rtol=1e-13)
    same = nn.Conv1d(2, 3, 4, padding="same", padding_mode=mode, rng=0, dtype=np.float64)
    seq = rng.standard_normal((1, 2, 7))
    np.testing.assert_allclose(  # kernel 4: 1 before, 2 after, as PyTorch splits it
        same(seq).data, tg.conv1d(np.pad(seq, ((0, 0), (0, 0), (1, 2)), numpy_mode),
                                  same.weight, same.bias).data, rtol=1e-13)
    assert repr(conv) == (f"Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 2), "
                          f"padding_mode={mode})")


def test_conv_layer_reprs_show_the_stride_and_order_settings_as_pytorch():
    assert repr(nn.Conv2d(3, 8, 3)) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1, dilation=2)) == (
        "ConvTranspose2d(3, 4, kernel_size=(3, 3), stride=(2, 2), dilation=(2, 2), "
        "output_padding=(1, 1))")
    with pytest.raises(ValueError, match="padding_mode must be 'zeros', 'reflect'"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="ConvTranspose2d: padding_mode must be 'zeros'"):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")


def test_adaptive_max_pool_layers():
    x = np.arange(70.0).reshape(2, 1, 5, 7)
    np.testing.assert_array_equal(nn.AdaptiveMaxPool2d((2, 3))(x).data,
                                  tg.adaptive_max_pool2d(x, (2, 3)).data)
    np.testing.assert_array_equal(nn.AdaptiveMaxPool1d(3)(x[:, :, 0]).data[0, 0], [2, 4, 6])
    assert repr(nn.AdaptiveMaxPool2d((2, 3))) == "AdaptiveMaxPool2d(output_size=(2, 3))"
    out, indices = nn.AdaptiveMaxPool2d((2, 3), return_indices=True)(x)
    np.testing.assert_array_equal(out.data, tg.adaptive_max_pool2d(x, (2, 3)).data)
    # each maximum sits at its index in its 5x7 image
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 1, 35),
                                                     indices.data.reshape(2, 1, 6), 2),
                                  out.data.reshape(2, 1, 6))


def test_conv_transpose1d_is_the_adjoint_of_conv1d(rng):
    """<conv1d(y, w), x> = <y, conv_transpose1d(x, w)> for every stride, padding, dilation
    and groups (output_padding fills the last positions no window of y reaches)."""
    for stride, padding, dilation, groups in [(1, 0, 1, 1), (2, 1, 1, 1), (3, 2, 2, 2)]:
        w = rng.standard_normal((4, 6 // groups, 3))  # conv1d's (out, in/groups, k): 6 -> 4
        y = rng.standard_normal((2, 6, 11))
        x = rng.standard_normal(tg.conv1d(y, w, stride=stride, padding=padding,
                                          dilation=dilation, groups=groups).shape)
        back = tg.conv_transpose1d(x, w, stride=stride, padding=padding, dilation=dilation,
                                   groups=groups)
        full = np.zeros(y.shape)
        full[:, :, :back.shape[2]] = back.data
        forward = tg.conv1d(y, w, stride=stride, padding=padding, dilation=dilation,
                            groups=groups).data
        np.testing.assert_allclose((forward * x).sum(), (y * full).sum(), rtol=1e-12)


def test_conv_transpose_layers_take_an_output_size_and_read_like_pytorchs():
    layer = nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1, output_padding=1, rng=0)
    assert repr(layer) == ("ConvTranspose1d(2, 3, kernel_size=(3,), stride=(2,), "
                           "padding=(1,), output_padding=(1,))")
    assert layer.weight.shape == (2, 3, 3)
    assert layer(np.ones((1, 2, 5), np.float32)).shape == (1, 3, 10)
    plain = nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1, rng=0)
    assert plain(np.ones((1, 2, 5), np.float32), output_size=[10]).shape == (1, 3, 10)
    up = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, rng=0)
    assert up(np.ones((1, 2, 4, 4), np.float32)).shape == (1, 3, 7, 7)
    assert up(np.ones((1, 2, 4, 4), np.float32), output_size=[8, 8]).shape == (1, 3, 8, 8)
    assert up(np.ones((1, 2, 4, 4), np.float32), output_size=(1, 3, 8, 7)).shape == (1, 3, 8, 7)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of "
                                         r"\[10, 10\], but valid sizes range from \[7, 7\] to "
                                         r"\[8, 8\] \(for an input of \(4, 4\)\)"):
        up(np.ones((1, 2, 4, 4), np.float32), output_size=[10, 10])
    with pytest.raises(OpError, match="conv_transpose1d: input must be 3-D"):
        tg.conv_transpose1d(np.ones((1, 2, 2, 2)), np.ones((2, 1, 2)))


def test_upsampling_nearest2d_and_bilinear2d_are_upsample_as_pytorch_sets_them():
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    np.testing.assert_array_equal(nn.UpsamplingNearest2d(scale_factor=2)(x).data,
                                  tg.interpolate(x, scale_factor=2).data)
    # bilinear with align_corners=True: the corners stay, the middle is their mean
    out = nn.UpsamplingBilinear2d(size=(3, 3))(x).data[0, 0]
    np.testing.assert_allclose(out, [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]], rtol=1e-15)
