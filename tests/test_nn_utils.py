"""nn.clip_grad_norm_ against PyTorch 2.13's numbers (total norm and clipped gradients)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor, nn

# torch 2.13.0+cpu: ts = zeros like grads(dtype), requires_grad; t.grad = the arrays below;
# total = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type); the clipped grads, flat.
# (dtype, max_norm, norm_type, total, clipped grads)
TORCH_2_13 = [
    ('float64', 1.0, 2.0, 8.575533378587755, [-0.1749162132385999, -0.1378127740667757,
        -0.10070933489495146, -0.06360589572312723, -0.026502456551303018, 0.010600982620521197,
        0.047704421792345436, 0.08480786096416963, 0.12191130013599387, 0.15901473930781812,
        0.1961181784796423, 0.23322161765146654, 0.058305404412866635, -0.3498324264771998,
        0.029152702206433317, 0.8162756617801329]),
    ('float64', 100.0, 2.0, 8.575533378587755, [-1.5, -1.1818181818181819, -0.8636363636363636,
        -0.5454545454545454, -0.2272727272727273, 0.09090909090909083, 0.40909090909090917,
        0.7272727272727271, 1.0454545454545454, 1.3636363636363638, 1.6818181818181817, 2.0, 0.5,
        -3.0, 0.25, 7.0]),
    ('float64', 0.5, 1.0, 22.386363636363633, [-0.033502536574505984, -0.026395937907186532,
        -0.01928933923986708, -0.012182740572547628, -0.00507614190522818, 0.00203045676209127,
        0.009137055429410724, 0.01624365409673017, 0.023350252764049624, 0.030456851431369076,
        0.03756345009868852, 0.044670048766007976, 0.011167512191501994, -0.06700507314901197,
        0.005583756095750997, 0.1563451706810279]),
    ('float64', 2.0, np.inf, 7.0, [-0.42857136734694745, -0.3376622894248677, -0.24675321150278795,
                                   -0.15584413358070817, -0.06493505565862841, 0.02597402226345134,
                                   0.11688310018553115, 0.20779217810761083, 0.29870125602969066,
                                   0.38961033395177047, 0.48051941187385017, 0.57142848979593,
                                   0.1428571224489825, -0.8571427346938949, 0.07142856122449125,
                                   1.9999997142857548]),
    ('float64', 1.0, 3.0, 7.324044817410025, [-0.2048048356598675, -0.16136138567141076,
        -0.11791793568295401, -0.07447448569449727, -0.031031035706040534, 0.012412414282416202,
        0.05585586427087297, 0.09929931425932967, 0.14274276424778642, 0.1861862142362432,
        0.2296296642246999, 0.27307311421315666, 0.06826827855328917, -0.409609671319735,
        0.03413413927664458, 0.9557558997460484]),
    ('float64', 1.0, 0.5, 280.1128217204594, [-0.005354985128606325, -0.004219079192235286,
        -0.0030831732558642476, -0.0019472673194932087, -0.0008113613831221705,
        0.00032454455324886785, 0.001460450489619907, 0.0025963564259909445, 0.003732262362361984,
        0.004868168298733023, 0.00600407423510406, 0.0071399801714750995, 0.0017849950428687749,
        -0.01070997025721265, 0.0008924975214343874, 0.024989930600162847]),
    ('float32', 1.0, 2.0, 8.575532913208008, [-0.17491622269153595, -0.1378127783536911,
        -0.10070934146642685, -0.0636059045791626, -0.02650246024131775, 0.0106009840965271,
        0.04770442470908165, 0.0848078727722168, 0.12191130220890045, 0.1590147465467453,
        0.19611819088459015, 0.233221635222435, 0.05830540880560875, -0.3498324453830719,
        0.029152704402804375, 0.8162757158279419]),
    ('float32', 100.0, 2.0, 8.575532913208008, [-1.5, -1.1818181276321411, -0.8636363744735718,
        -0.5454545617103577, -0.22727273404598236, 0.09090909361839294, 0.40909090638160706,
        0.7272727489471436, 1.045454502105713, 1.3636363744735718, 1.6818181276321411, 2.0, 0.5,
        -3.0, 0.25, 7.0]),
    ('float32', 0.5, 1.0, 22.386363983154297, [-0.03350253403186798, -0.02639593556523323,
        -0.01928933709859848, -0.012182739563286304, -0.005076141562312841, 0.0020304566714912653,
        0.009137054905295372, 0.016243653371930122, 0.023350249975919724, 0.030456848442554474,
        0.037563446909189224, 0.044670045375823975, 0.011167511343955994, -0.06700506806373596,
        0.005583755671977997, 0.1563451588153839]),
    ('float32', 2.0, np.inf, 7.0, [-0.42857134342193604, -0.3376622796058655, -0.24675321578979492,
                                   -0.15584413707256317, -0.06493505835533142, 0.02597402222454548,
                                   0.11688309907913208, 0.20779217779636383, 0.2987012267112732,
                                   0.38961032032966614, 0.4805193841457367, 0.5714284777641296,
                                   0.1428571194410324, -0.8571426868438721, 0.0714285597205162,
                                   1.9999996423721313]),
    ('float32', 1.0, 3.0, 7.324045181274414, [-0.20480483770370483, -0.16136138141155243,
        -0.11791793256998062, -0.07447448372840881, -0.031031034886837006, 0.012412413954734802,
        0.05585586279630661, 0.09929931163787842, 0.14274275302886963, 0.18618620932102203,
        0.22962965071201324, 0.27307310700416565, 0.06826827675104141, -0.40960967540740967,
        0.034134138375520706, 0.955755889415741]),
    ('float32', 1.0, 0.5, 280.11279296875, [-0.005354985594749451, -0.00421907939016819,
        -0.0030831736512482166, -0.0019472675630822778, -0.0008113614749163389,
        0.0003245445841457695, 0.001460450585000217, 0.002596356673166156, 0.003732262644916773,
        0.0048681688494980335, 0.006004074588418007, 0.007139980792999268, 0.001784995198249817,
        -0.010709971189498901, 0.0008924975991249084, 0.024989932775497437]),
]


def grads(dtype: str) -> list[np.ndarray]:
    return [np.linspace(-1.5, 2.0, 12).reshape(3, 4).astype(dtype),
            np.array([0.5, -3.0, 0.25]).astype(dtype), np.array(7.0).astype(dtype)]


def with_grads(dtype: str) -> list[Tensor]:
    params = []
    for g in grads(dtype):
        p = Tensor(np.zeros(g.shape, dtype=dtype), requires_grad=True)
        p.grad = g
        params.append(p)
    return params


@pytest.mark.parametrize("dtype, max_norm, norm_type, total, clipped", TORCH_2_13)
def test_matches_pytorch(dtype, max_norm, norm_type, total, clipped) -> None:
    params = with_grads(dtype)
    originals = [p.grad for p in params]
    got = nn.clip_grad_norm_(params, max_norm, norm_type)
    assert isinstance(got, Tensor) and got.shape == () and got.dtype == np.dtype(dtype)
    rtol = 1e-14 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(got.item(), total, rtol=rtol)
    flat = np.concatenate([p.grad.reshape(-1) for p in params])
    assert flat.dtype == np.dtype(dtype)
    np.testing.assert_allclose(flat, clipped, rtol=rtol, atol=rtol * 1e-3)
    # the arrays handed in are never scaled in place (a .grad may be shared)
    for g, original in zip(originals, grads(dtype)):
        np.testing.assert_array_equal(g, original)


def test_no_clipping_keeps_the_gradient_arrays() -> None:
    params = with_grads("float32")
    before = [p.grad for p in params]
    nn.clip_grad_norm_(params, 1e6)
    assert all(p.grad is g for p, g in zip(params, before))


def test_skips_parameters_without_grad_and_takes_a_lone_tensor() -> None:
    a, b = with_grads("float64")[:2]
    b.grad = None
    total = nn.clip_grad_norm_(a, 1.0)
    np.testing.assert_allclose(total.item(), np.linalg.norm(grads("float64")[0]), rtol=1e-15)
    assert b.grad is None
    assert nn.clip_grad_norm_([b], 1.0).item() == 0.0     # no gradients at all: 0, as torch


def test_nonfinite_norm() -> None:
    params = with_grads("float64")
    params[1].grad = np.array([np.inf, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is inf"):
        nn.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert np.isinf(nn.clip_grad_norm_(params, 1.0).item())
    # as in torch: the scale is 1 / inf = 0, so finite gradients become 0 and inf * 0 NaN
    assert np.all(params[0].grad == 0) and np.isnan(params[1].grad[0])


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="parameter 1 is a ndarray, not a Tensor"):
        nn.clip_grad_norm_([with_grads("float64")[0], np.ones(2)], 1.0)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="max_norm and norm_type must be numbers"):
        nn.clip_grad_norm_(with_grads("float64"), "big")  # type: ignore[arg-type]


# -- the other utilities (matched against torch 2.13 on 50 random cases too) ------------------
def test_get_total_norm_and_clip_grads_with_norm_are_clip_grad_norm_s_halves():
    grads = [np.array([3.0, -4.0]), np.array([[12.0]])]
    assert nn.get_total_norm(grads).item() == 13.0
    assert nn.get_total_norm(grads, np.inf).item() == 12.0
    assert nn.get_total_norm([Tensor(g) for g in grads], 1.0).item() == 19.0
    ps = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g
    nn.clip_grads_with_norm_(ps, 6.5, nn.get_total_norm(grads))
    np.testing.assert_allclose(ps[0].grad, np.array([3.0, -4.0]) * 6.5 / (13 + 1e-6),
                               rtol=1e-15)
    assert grads[0].tolist() == [3.0, -4.0]  # a new array, the shared one untouched


def test_clip_grad_value_clamps_each_gradient():
    w = Tensor(np.zeros(3), requires_grad=True)
    shared = np.array([2.0, -0.5, -7.0])
    w.grad = shared
    nn.clip_grad_value_([w], 1.0)
    assert w.grad.tolist() == [1.0, -0.5, -1.0] and shared.tolist() == [2.0, -0.5, -7.0]


def test_parameters_to_vector_and_back():
    model = nn.Linear(3, 2, dtype=np.float64, rng=0)
    vector = nn.parameters_to_vector(model.parameters())
    assert vector.shape == (8,)
    np.testing.assert_array_equal(vector.data[:6], model.weight.data.reshape(-1))
    weight = model.weight.data
    nn.vector_to_parameters(np.arange(8.0), model.parameters())
    assert model.weight.data is weight  # written in place
    np.testing.assert_array_equal(model.bias.data, [6.0, 7.0])
    (nn.parameters_to_vector(model.parameters()) * np.arange(8.0)).sum().backward()
    np.testing.assert_array_equal(model.bias.grad, [6.0, 7.0])
    with pytest.raises(ValueError, match="the vector has 7 elements, the parameters 8"):
        nn.vector_to_parameters(np.zeros(7), model.parameters())


def test_pad_sequence_pads_and_stacks():
    a, b = Tensor(np.ones((3, 2)), requires_grad=True), Tensor(np.full((1, 2), 2.0))
    out = nn.pad_sequence([a, b], padding_value=-1.0)
    assert out.shape == (3, 2, 2)  # (L_max, B, *)
    np.testing.assert_array_equal(out.data[:, 1, 0], [2.0, -1.0, -1.0])
    left = nn.pad_sequence([a, b], batch_first=True, padding_side="left")
    np.testing.assert_array_equal(left.data[1, :, 0], [0.0, 0.0, 2.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, np.ones((3, 2)))
    with pytest.raises(ValueError, match="sequence 1 has shape"):
        nn.pad_sequence([a, Tensor(np.ones((2, 3)))])


def test_pad_sequence_is_also_at_pytorchs_path_and_clipping_takes_foreach():
    from tinygrad_np.nn.utils import rnn
    from tinygrad_np.nn.utils.rnn import pad_sequence

    assert pad_sequence is nn.pad_sequence is rnn.pad_sequence is nn.utils.rnn.pad_sequence
    w = Tensor(np.zeros(2), requires_grad=True)
    w.grad = np.array([3.0, 4.0])
    assert nn.utils.clip_grad_norm_([w], 1.0, foreach=True).item() == 5.0
    nn.utils.clip_grad_value_([w], 0.5, foreach=False)
    np.testing.assert_allclose(w.grad, [0.5, 0.5])
