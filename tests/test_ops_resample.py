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


# PyTorch 2.13.0+cpu, float64, x = torch.arange(9.).reshape(1, 1, 3, 3) ** 1.5:
#   F.interpolate(x, size=(4, 5), mode="bicubic"), then with align_corners=True, then
#   F.interpolate(x, scale_factor=1.5, mode="bicubic"); the gradient of the first with
#   grad_output arange(20.).reshape(1, 1, 4, 5)
BICUBIC = {
    (False, None): [[-0.4565363814, -0.1598625791, 0.4975585938, 1.6198473014, 2.3951624915],
                    [2.0839079906, 2.8855741923, 4.3217488697, 6.0546681984, 7.1618714857],
                    [8.8671801487, 10.2342414334, 12.5600348012, 15.0442926912,
                     16.5745137431],
                    [15.0048160454, 16.590214881, 19.2753754368, 22.1102167321,
                     23.8497312922]],
    (True, None): [[0.0, 0.3285849571, 1.0, 2.0079635624, 2.8284271247],
                   [2.5046837673, 3.3174288807, 4.6273786099, 6.152260227, 7.279136561],
                   [8.7644908878, 10.0875077646, 12.0897112225, 14.2126148452, 15.7120396552],
                   [14.6969384567, 16.2235527714, 18.5202591775, 20.9322744053,
                    22.627416998]],
    (False, 1.5): [[-0.524268093, -0.1897600421, 0.7111450525, 1.8725065903],
                   [1.5505764632, 2.3839115184, 4.0174819636, 5.6156250345],
                   [6.7410633448, 8.2424895134, 10.8795438804, 13.1097661377],
                   [13.1017075537, 14.9029966038, 18.027569584, 20.6201970703]],
}


@pytest.mark.parametrize("align_corners, factor", list(BICUBIC))
def test_bicubic_matches_pytorchs_numbers(align_corners, factor):
    """Cubic convolution with a = -0.75 (negative weights: it overshoots below the smallest
    input), taps past the border clamped to it, the source index unclamped."""
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3) ** 1.5, requires_grad=True)
    size = None if factor else (4, 5)
    out = tg.interpolate(x, size=size, scale_factor=factor, mode="bicubic",
                         align_corners=align_corners)
    np.testing.assert_allclose(out.data[0, 0], BICUBIC[align_corners, factor], atol=1e-9)
    if factor is None and not align_corners:
        out.backward(np.arange(20.0).reshape(1, 1, 4, 5))
        np.testing.assert_allclose(x.grad[0, 0], [[1.6739296875, 5.78475, 9.2796015625],
                                                  [17.1683671875, 22.251375, 24.9650234375],
                                                  [31.821703125, 37.627875, 39.427375]],
                                   atol=1e-9)


# PyTorch 2.13.0+cpu, float64, x = torch.arange(64.).reshape(1, 1, 8, 8) ** 1.2 % 11, to size
# (3, 5) with antialias=True: bilinear, bicubic, bilinear with align_corners=True
ANTIALIASED = {
    ("bilinear", False): [[2.6284598251, 4.8283411907, 5.7286435937, 6.891508577, 6.5564916511],
                          [4.9846210564, 4.7727369854, 6.2550378999, 6.3447771707, 5.4181852198],
                          [6.2427328775, 6.3525862229, 3.9788321448, 7.5871352211,
                           4.9762994239]],
    ("bicubic", False): [[2.3745267971, 4.9251329702, 5.6069594979, 6.9385970137, 6.8066499941],
                         [5.0843869562, 4.5334699717, 6.5999914748, 6.2998463111, 5.2523972816],
                         [6.4365142111, 6.5420679406, 3.3334452175, 8.2620513455,
                          4.8935064561]],
    ("bilinear", True): [[3.2844040938, 5.0631751632, 6.3542041062, 6.2156975683, 6.7902401324],
                         [5.7738236263, 4.9757972267, 5.8529458769, 6.799213937, 4.4345049485],
                         [6.0587059463, 6.77010407, 4.1539481902, 7.4823070384, 3.2408334534]],
}


@pytest.mark.parametrize("mode, align_corners", list(ANTIALIASED))
def test_antialiased_shrinking_matches_pytorchs_numbers(mode, align_corners):
    """Each output averages the inputs under the filter stretched by the scale (triangle, or
    Keys' cubic with a = -0.5), normalised: PyTorch's (and PIL's) antialiasing."""
    x = Tensor(np.arange(64.0).reshape(1, 1, 8, 8) ** 1.2 % 11, requires_grad=True)
    out = tg.interpolate(x, size=(3, 5), mode=mode, align_corners=align_corners,
                         antialias=True)
    np.testing.assert_allclose(out.data[0, 0], ANTIALIASED[mode, align_corners], atol=1e-9)
    if mode == "bicubic":
        out.backward(np.arange(15.0).reshape(1, 1, 3, 5))
        np.testing.assert_allclose(
            x.grad[0, 0, :2],
            [[-0.0889324536, -0.0268727773, 0.110561998, 0.2324185571, 0.3437943369,
              0.4491565134, 0.6550753239, 0.6141244317],
             [0.0208150742, 0.1357205748, 0.3084183314, 0.4828272872, 0.6380794759,
              0.7804019143, 1.0863216433, 1.0008407171]], atol=1e-9)


def test_antialiasing_keeps_each_column_to_itself():
    """Resizing an image one column wide gives its column as inside a wider image (PyTorch
    2.13's antialiased kernel does not: for a (14, 2) image to (9, 1) with align_corners,
    its result is 1.28 off its own two one-axis resizes done the other way round)."""
    x = np.random.default_rng(1).standard_normal((1, 1, 14, 2))
    wide = tg.interpolate(Tensor(x), size=(9, 2), mode="bilinear", align_corners=True,
                          antialias=True).data
    alone = tg.interpolate(Tensor(x[..., :1]), size=(9, 1), mode="bilinear",
                           align_corners=True, antialias=True).data
    np.testing.assert_allclose(alone, wide[..., :1], rtol=1e-13, atol=1e-13)


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
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=2, mode="bicubic"),
     r"mode 'bicubic' needs a 4-D \(N, C, H, W\) input"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=2, antialias=True),
     r"antialias=True is for the bilinear and bicubic modes on a 4-D"),
    (lambda: tg.interpolate(np.ones((1, 1, 4, 4)), size=2, antialias=True),
     r"got mode 'nearest'"),
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


# -- 5-D input: trilinear and nearest; mode "area"; the deprecated upsample functions ----------
# torch 2.13, float64, x = arange(12.).reshape(1, 1, 2, 3, 2) ** 1.5:
#   F.interpolate(x, size=(3, 4, 3), mode="trilinear", align_corners=ac), and x.grad after
#   (out * arange(36.).reshape(out.shape)).sum().backward()
TRILINEAR = {
    False: ([0.0, 0.49999999999999994, 1.0, 1.7677669529663689, 2.695181108579007,
             3.622595264191645, 4.767766952966369, 6.103994837485059, 7.440222722003751, 8.0,
             9.590169943749473, 11.180339887498949, 7.348469228349534, 8.554299408537798,
             9.760129588726064, 10.710627248979733, 12.215986738423915, 13.721346227868095,
             15.38422190116437, 17.191185946137125, 18.998149991109887, 19.811388300841895,
             21.821497295773028, 23.831606290704173, 14.696938456699069, 16.6085988170756,
             18.520259177452132, 19.6534875449931, 21.736792368268826, 23.820097191544548,
             26.000676849362375, 28.278377054789196, 30.556077260216025, 31.622776601683793,
             34.05282464779659, 36.4828726939094],
            [15.9375, 20.0625, 24.84375, 28.59375, 38.71875, 42.84374999999999, 65.4375,
             69.5625, 69.84375, 73.59374999999999, 88.21875, 92.34374999999997]),
    True: ([0.0, 0.5, 1.0, 1.8856180831641267, 2.841526515817607, 3.797434948471088,
            4.552284749830793, 5.8715831637340985, 7.190881577637404, 8.0, 9.590169943749475,
            11.180339887498949, 7.3484692283495345, 8.554299408537801, 9.760129588726066,
            10.934771117021748, 12.46009922708299, 13.985427337144234, 15.089077474519202,
            16.88249852282807, 18.675919571136934, 19.811388300841898, 21.821497295773035,
            23.831606290704173, 14.696938456699069, 16.608598817075602, 18.520259177452132,
            19.98392415087937, 22.078671938348375, 24.17341972581738, 25.62587019920761,
            27.893413881922037, 30.160957564636465, 31.622776601683793, 34.0528246477966,
            36.4828726939094],
           [15.250000000000002, 19.25, 26.500000000000004, 30.500000000000004, 37.75, 41.75,
            63.25, 67.25, 74.5, 78.5, 85.75, 89.75]),
}


@pytest.mark.parametrize("align_corners", [False, True])
def test_trilinear_matches_pytorchs_numbers(align_corners):
    x = Tensor(np.arange(12.0).reshape(1, 1, 2, 3, 2) ** 1.5, requires_grad=True)
    out = tg.interpolate(x, size=(3, 4, 3), mode="trilinear", align_corners=align_corners)
    expected, grad = TRILINEAR[align_corners]
    np.testing.assert_allclose(out.data.ravel(), expected, rtol=1e-13, atol=1e-14)
    (out * Tensor(np.arange(36.0).reshape(out.shape))).sum().backward()
    np.testing.assert_allclose(x.grad.ravel(), grad, rtol=1e-13)
    # torch: scale_factor=(1.5, 0.7, 2.5) gives (1, 1, 3, 2, 5), its scale 1 / factor
    by_factor = tg.interpolate(x, scale_factor=(1.5, 0.7, 2.5), mode="trilinear")
    assert by_factor.shape == (1, 1, 3, 2, 5)
    np.testing.assert_allclose(by_factor.data.ravel()[:6], [
        0.6060915267313265, 0.735399925973336, 1.2526335229413739, 1.769867119909412,
        1.899175519151421, 6.153009687409353], rtol=1e-13)
    assert tg.gradcheck(lambda t: tg.interpolate(t, size=(3, 2, 5), mode="trilinear"),
                        (Tensor(x.data, requires_grad=True),))


# torch 2.13, x = arange(24.).reshape(1, 1, 2, 3, 4): the indices each output takes along
# (depth, rows, columns), read off F.interpolate(x, **kwargs); its 3-D nearest kernel, as
# its 1-D one, takes no integer shortcut for twice the size (only the 2-D one does)
@pytest.mark.parametrize("kwargs, depth, rows, cols", [
    ({"size": (3, 5, 8)}, [0, 0, 1], [0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2, 3, 3]),
    ({"size": (3, 5, 8), "mode": "nearest-exact"}, [0, 1, 1], [0, 0, 1, 2, 2],
     [0, 0, 1, 1, 2, 2, 3, 3]),
    ({"scale_factor": (1.5, 2.3, 0.6)}, [0, 0, 1], [0, 0, 0, 1, 1, 2], [0, 1]),
])
def test_nearest_on_volumes_matches_pytorchs_numbers(kwargs, depth, rows, cols):
    x = np.arange(24.0).reshape(1, 1, 2, 3, 4)
    out = tg.interpolate(Tensor(x), **kwargs)
    np.testing.assert_array_equal(out.data, x[:, :, depth][:, :, :, rows][..., cols])


# torch 2.13, float64, x = arange(n).reshape(shape) ** 1.25: F.interpolate(x, mode="area",
# ...), and x.grad after (out * arange(out.numel()).reshape(out.shape)).sum().backward()
@pytest.mark.parametrize("shape, kwargs, expected, grad", [
    ((1, 1, 7), {"size": 3}, [1.1261380766684808, 3.9944968394517666, 7.508035212012736],
     [0.0, 0.0, 1 / 3, 1 / 3, 1.0, 2 / 3, 2 / 3]),
    ((1, 1, 5, 7), {"size": (2, 3)},
     [14.7119783363109, 18.77583864168677, 23.179441721536687, 48.16519947021636,
      53.60596470467496, 59.166879620882874], None),
    ((1, 1, 5, 7), {"scale_factor": 0.45},  # floor(5 * .45), floor(7 * .45): the same
     [14.7119783363109, 18.77583864168677, 23.179441721536687, 48.16519947021636,
      53.60596470467496, 59.166879620882874], None),
    ((1, 1, 3, 4, 5), {"size": (2, 3, 2)},
     [28.55719762422511, 33.06674764532675, 40.33583262463561, 45.42383687388738,
      53.351910657318086, 58.810801875560394, 81.81065239598581, 87.81586734731037,
      96.993468050717, 103.21902158785933, 112.7090921243156, 119.13235861239455],
     [0.0, 0.0, 1 / 12, 1 / 12, 1 / 12, 1 / 6, 1 / 6, 0.5, 1 / 3, 1 / 3]),
])
def test_area_is_pytorchs_adaptive_average(shape, kwargs, expected, grad):
    x = Tensor(np.arange(float(np.prod(shape))).reshape(shape) ** 1.25, requires_grad=True)
    out = tg.interpolate(x, mode="area", **kwargs)
    np.testing.assert_allclose(out.data.ravel(), expected, rtol=1e-13)
    if grad is not None:
        (out * Tensor(np.arange(float(out.data.size)).reshape(out.shape))).sum().backward()
        np.testing.assert_allclose(x.grad.ravel()[:len(grad)], grad, rtol=1e-13, atol=1e-15)
    assert tg.interpolate(x, mode="area", recompute_scale_factor=True, **kwargs).shape == \
        out.shape


@pytest.mark.parametrize("call, message", [
    (lambda: tg.interpolate(np.ones((1, 1, 4)), size=2, mode="trilinear"),
     r"interpolate: mode 'trilinear' needs a 5-D \(N, C, D, H, W\) input, got shape \(1, 1, 4\)"),
    (lambda: tg.interpolate(np.ones((1, 1, 4, 4, 4, 4)), size=2),
     r"interpolate: mode 'nearest' needs a 3-D \(N, C, L\), 4-D \(N, C, H, W\) or 5-D"),
    (lambda: tg.interpolate(np.ones((1, 1, 4, 4, 4)), size=2, mode="area", align_corners=True),
     r"interpolate: align_corners is only for the linear modes, not 'area'"),
    (lambda: tg.interpolate(np.ones((1, 1, 4, 4)), size=2, mode="area", antialias=True),
     r"interpolate: antialias=True is for the bilinear and bicubic modes"),
    (lambda: tg.interpolate(np.ones((4, 4)), size=2, mode="area"),
     r"interpolate: mode 'area' needs a 3-D \(N, C, L\), 4-D \(N, C, H, W\) or 5-D"),
    (lambda: tg.interpolate(np.ones((1, 1, 4)), scale_factor=0.2, mode="area"),
     r"interpolate: input \(1, 1, 4\) to size \(0,\): every size must be an int >= 1"),
    (lambda: tg.interpolate(np.ones((1, 1, 2, 4, 4)), size=(2, 2), mode="trilinear"),
     r"interpolate: size must be a number or 3 numbers for input \(1, 1, 2, 4, 4\)"),
])
def test_bad_5d_and_area_input(call, message):
    with pytest.raises(OpError, match=message):
        call()


def test_the_deprecated_upsample_functions_are_interpolate_with_pytorchs_warning():
    import tinygrad_np.nn.functional as F

    x = Tensor(np.arange(6.0).reshape(1, 1, 2, 3))
    with pytest.warns(UserWarning, match=r"nn.functional.upsample` is deprecated"):
        out = F.upsample(x, scale_factor=2, mode="bilinear")
    np.testing.assert_array_equal(out.data, tg.interpolate(x, scale_factor=2,
                                                           mode="bilinear").data)
    with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
        out = F.upsample_nearest(input=x, size=(4, 5))
    np.testing.assert_array_equal(out.data, tg.interpolate(x, size=(4, 5)).data)
    with pytest.warns(UserWarning, match="upsample_bilinear` is deprecated"):
        out = F.upsample_bilinear(x, scale_factor=2)  # align_corners=True, as PyTorch's
    np.testing.assert_array_equal(out.data, tg.interpolate(x, scale_factor=2, mode="bilinear",
                                                           align_corners=True).data)


def test_the_upsample_layer_takes_the_new_modes():
    x = np.arange(16.0).reshape(1, 1, 2, 2, 4)
    np.testing.assert_array_equal(nn.Upsample(scale_factor=2, mode="trilinear")(x).data,
                                  tg.interpolate(Tensor(x), scale_factor=2,
                                                 mode="trilinear").data)
    np.testing.assert_array_equal(nn.Upsample(size=(1, 1, 2), mode="area")(x).data.ravel(),
                                  [x[..., :2].mean(), x[..., 2:].mean()])
