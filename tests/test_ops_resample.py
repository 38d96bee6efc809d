"""ops/resample.py: interpolate. The op table's rows (against an element-by-element loop with
PyTorch's formulas), then PyTorch's numbers (embedded), the gradient's folding and errors."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn

SPECS = specs("resample")

test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


# PyTorch 2.13.0+cpu, x = torch.arange(5.).reshape(1, 1, 5):
#   F.interpolate(x, size=8, mode="linear")
#   F.interpolate(x, size=8, mode="linear", align_corners=True)
#   F.interpolate(x, scale_factor=1.7, mode="linear")   (the scale is 1 / 1.7, not 5 / 8)
#   F.interpolate(x, scale_factor=0.6)                   (nearest)
@pytest.mark.parametrize("kwargs, expected", [
    ({"size": 8, "mode": "linear"},
     [0.0, 0.4375, 1.0625, 1.6875, 2.3125, 2.9375, 3.5625, 4.0]),
    ({"size": 8, "mode": "linear", "align_corners": True},
     [0.0, 4 / 7, 8 / 7, 12 / 7, 16 / 7, 20 / 7, 24 / 7, 4.0]),
    ({"scale_factor": 1.7, "mode": "linear"},
     [0.0, 0.3824, 0.9706, 1.5588, 2.1471, 2.7353, 3.3235, 3.9118]),
    ({"scale_factor": 0.6}, [0.0, 1.0, 3.0]),
])
def test_interpolate_matches_pytorchs_numbers(kwargs, expected):
    out = tg.interpolate(Tensor(np.arange(5.0).reshape(1, 1, 5)), **kwargs)
    np.testing.assert_allclose(out.data[0, 0], expected, atol=5e-5)


def test_bilinear_upsampling_and_its_gradient():
    x = Tensor(np.array([[[[0.0, 2.0], [4.0, 6.0]]]]), requires_grad=True)
    out = tg.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    np.testing.assert_array_equal(out.data[0, 0, 0], [0.0, 0.5, 1.5, 2.0])
    np.testing.assert_array_equal(out.data[0, 0, :, 0], [0.0, 1.0, 3.0, 4.0])
    out.sum().backward()  # each input's weights over the 16 outputs add up to 4
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 2, 2), 4.0))
    nearest = Tensor(np.arange(3.0).reshape(1, 1, 3), requires_grad=True)
    (tg.interpolate(nearest, size=7) * Tensor(np.arange(7.0))).sum().backward()
    # outputs 0-2 take input 0, 3-4 input 1, 5-6 input 2 (floor(i * 3 / 7))
    np.testing.assert_array_equal(nearest.grad[0, 0], [0 + 1 + 2, 3 + 4, 5 + 6])


def test_upsample_layer_reads_like_pytorchs():
    up = nn.Upsample(scale_factor=2)
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    np.testing.assert_array_equal(up(x).data, x.repeat(2, axis=2).repeat(2, axis=3))
    assert repr(up) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(4, 4), mode="bilinear")) == \
        "Upsample(size=(4, 4), mode='bilinear')"


@pytest.mark.parametrize("call, message", [
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=8, mode="bilinear"),
     r"interpolate: mode 'bilinear' needs a 4-D \(N, C, H, W\) input, got shape \(1, 1, 4\)"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=8, scale_factor=2),
     r"interpolate: give exactly one of size and scale_factor"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=8, align_corners=True),
     r"interpolate: align_corners is only for the linear modes"),
    (lambda: tg.interpolate(np.ones((1, 1, 4, 4)), size=(2, 2, 2)),
     r"interpolate: size must be a number or 2 numbers"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), scale_factor=-1.0),
     r"interpolate: scale_factor must be positive"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=0), r"every size must be an int >= 1"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=2, mode="cubic"), r"mode must be"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=2, antialias=True), r"antialias"),
])
def test_bad_input(call, message):
    with pytest.raises(OpError, match=message):
        call()


def test_the_graph_names_the_mode_even_where_an_axis_keeps_its_size():
    x = Tensor(np.ones((1, 1, 4, 5)), requires_grad=True)
    # the columns keep their size (a copy, as PyTorch's kernel): still a bilinear node
    assert tg.interpolate(x, size=(8, 5), mode="bilinear").grad_fn.viz_detail() == \
        "bilinear to 8x5"
    assert tg.interpolate(x, scale_factor=2).grad_fn.viz_detail() == "nearest to 8x10"
