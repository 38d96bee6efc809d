"""ops/loss.py and nn/loss.py: the op-table rows, PyTorch's numbers, reductions, stability,
and the refusals (shape mismatches that would broadcast, bad labels, bad reductions)."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn

SPECS = specs("loss")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


# -- PyTorch's numbers --------------------------------------------------------------------------
# Computed once with torch 2.13.0+cpu in float64 (tests never import torch):
#   for red in ("mean", "sum", "none"):
#       y = F.<loss>(*inputs, reduction=red, ...)
#       grads = torch.autograd.grad((y * torch.arange(1, y.numel() + 1).reshape(y.shape)).sum(),
#                                   inputs)
# on the inputs below (X, T for mse/l1; LOGITS, BCE_TARGET and pos_weight=POS_WEIGHT for
# bce; log_softmax(Z) and LABELS for nll; Z, LABELS / PROB_ROWS for cross_entropy with
# label_smoothing as named). "value" is y, "grads" the gradient of each input that required it.
X = np.array([[0.5, -1.25, 2.0], [3.0, 0.0, -0.75]])
T = np.array([[1.0, -1.25, 0.5], [2.0, 1.0, 0.25]])      # one tie (x == t): l1's gradient is 0
LOGITS = np.array([[1e4, -1e4, 0.5], [-30.0, 40.0, -2.0]])
BCE_TARGET = np.array([[1.0, 0.0, 0.3], [1.0, 0.0, 1.0]])
POS_WEIGHT = np.array([2.0, 0.5, 3.0])
Z = np.array([[0.2, -1.0, 3.0, 0.5], [1.5, 1.5, -2.0, 0.0], [0.0, 2.0, 1.0, -3.0]])
LABELS = np.array([2, 0, 3])
PROB_ROWS = np.array([[0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.5]])
HUGE = np.array([[1e4, -1e4, 0.0]])


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


CASES: dict[str, tuple[Callable[..., Tensor], tuple[np.ndarray, ...]]] = {
    "mse": (lambda a, b, r: tg.mse_loss(a, b, reduction=r), (X, T)),
    "l1": (lambda a, b, r: tg.l1_loss(a, b, reduction=r), (X, T)),
    "bce": (lambda a, b, r: tg.binary_cross_entropy_with_logits(a, b, reduction=r),
            (LOGITS, BCE_TARGET)),
    "bce_pw": (lambda a, b, r: tg.binary_cross_entropy_with_logits(a, b, pos_weight=POS_WEIGHT,
                                                                   reduction=r),
               (LOGITS, BCE_TARGET)),
    "nll": (lambda a, r: tg.nll_loss(a, LABELS, reduction=r), (_log_softmax(Z),)),
    "ce": (lambda a, r: tg.cross_entropy(a, LABELS, reduction=r), (Z,)),
    "ce_ls": (lambda a, r: tg.cross_entropy(a, LABELS, reduction=r, label_smoothing=0.1), (Z,)),
    "ce_rows_ls": (lambda a, r: tg.cross_entropy(a, PROB_ROWS, reduction=r,
                                                 label_smoothing=0.25), (Z,)),
    "ce_huge_ls": (lambda a, r: tg.cross_entropy(a, np.array([1]), reduction=r,
                                                 label_smoothing=0.3), (HUGE,)),
}

TORCH: dict[str, dict[str, Any]] = {
    'mse/mean': {'value': 0.9166666666666666,
     'grads': [[[-0.16666666666666666, 0.0, 0.5],
                [0.3333333333333333, -0.3333333333333333, -0.3333333333333333]],
               [[0.16666666666666666, 0.0, -0.5],
                [-0.3333333333333333, 0.3333333333333333, 0.3333333333333333]]]},
    'mse/sum': {'value': 5.5,
     'grads': [[[-1.0, 0.0, 3.0], [2.0, -2.0, -2.0]], [[1.0, 0.0, -3.0], [-2.0, 2.0, 2.0]]]},
    'mse/none': {'value': [[0.25, 0.0, 2.25], [1.0, 1.0, 1.0]],
     'grads': [[[-1.0, 0.0, 9.0], [8.0, -10.0, -12.0]],
               [[1.0, 0.0, -9.0], [-8.0, 10.0, 12.0]]]},
    'l1/mean': {'value': 0.8333333333333334,
     'grads': [[[-0.16666666666666666, 0.0, 0.16666666666666666],
                [0.16666666666666666, -0.16666666666666666, -0.16666666666666666]],
               [[0.16666666666666666, -0.0, -0.16666666666666666],
                [-0.16666666666666666, 0.16666666666666666, 0.16666666666666666]]]},
    'l1/sum': {'value': 5.0,
     'grads': [[[-1.0, 0.0, 1.0], [1.0, -1.0, -1.0]], [[1.0, -0.0, -1.0], [-1.0, 1.0, 1.0]]]},
    'l1/none': {'value': [[0.5, 0.0, 1.5], [1.0, 1.0, 1.0]],
     'grads': [[[-1.0, 0.0, 3.0], [4.0, -5.0, -6.0]], [[1.0, -0.0, -3.0], [-4.0, 5.0, 6.0]]]},
    'bce/mean': {'value': 12.158500832537195,
     'grads': [[[0.0, 0.0, 0.05374322186697577],
                [-0.16666666666665106, 0.16666666666666666, -0.14679951299631375]],
               [[-1666.6666666666667, 1666.6666666666667, -0.08333333333333333],
                [5.0, -6.666666666666667, 0.3333333333333333]]]},
    'bce/sum': {'value': 72.95100499522317,
     'grads': [[[0.0, 0.0, 0.3224593312018546],
                [-0.9999999999999064, 1.0, -0.8807970779778824]],
               [[-10000.0, 10000.0, -0.5], [30.0, -40.0, 2.0]]]},
    'bce/none': {'value': [[0.0, 0.0, 0.8240769841801067],
               [30.000000000000092, 40.0, 2.1269280110429727]],
     'grads': [[[0.0, 0.0, 0.9673779936055638],
                [-3.9999999999996256, 5.0, -5.284782467867295]],
               [[-10000.0, 20000.0, -1.5], [120.0, -200.0, 12.0]]]},
    'bce_pw/mean': {'value': 17.91488453463621,
     'grads': [[[0.0, 0.0, 0.01598915498716123],
                [-0.3333333333333021, 0.16666666666666666, -0.44039853898894127]],
               [[-1666.6666666666667, 833.3333333333334, 0.07469232806003556],
                [10.000000000000016, -6.666666666666667, 1.0423093370143244]]]},
    'bce_pw/sum': {'value': 107.48930720781728,
     'grads': [[[0.0, 0.0, 0.09593492992296737],
                [-1.9999999999998128, 1.0, -2.6423912339336475]],
               [[-10000.0, 5000.0, 0.4481539683602134],
                [60.00000000000009, -40.0, 6.253856022085946]]]},
    'bce_pw/none': {'value': [[0.0, 0.0, 1.1085231746881707],
               [60.000000000000185, 40.0, 6.3807840331289185]],
     'grads': [[[0.0, 0.0, 0.2878047897689021],
                [-7.999999999999251, 5.0, -15.854347403601885]],
               [[-10000.0, 10000.0, 1.3444619050806401],
                [240.00000000000037, -200.0, 37.523136132515674]]]},
    'nll/mean': {'value': 2.1246498355696706,
     'grads': [[[0.0, 0.0, -0.3333333333333333, 0.0], [-0.3333333333333333, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -0.3333333333333333]]]},
    'nll/sum': {'value': 6.373949506709011,
     'grads': [[[0.0, 0.0, -1.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -1.0]]]},
    'nll/none': {'value': [0.14946316785017705, 0.8124080319621966, 5.412078306896637],
     'grads': [[[0.0, 0.0, -1.0, 0.0], [-2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -3.0]]]},
    'ce/mean': {'value': 2.1246498355696706,
     'grads': [[[0.01745593704283498, 0.005257627200805697, -0.046276614605403665,
                 0.023563050361763004],
                [-0.1854039591576133, 0.14792937417572002, 0.004467080031407836,
                 0.03300750495048541],
                [0.029876274888027306, 0.2207574711747068, 0.08121213513017192,
                 -0.331845881192906]]]},
    'ce/sum': {'value': 6.373949506709011,
     'grads': [[[0.05236781112850494, 0.01577288160241709, -0.138829843816211,
                 0.07068915108528902],
                [-0.55621187747284, 0.4437881225271601, 0.013401240094223511,
                 0.09902251485145624],
                [0.08962882466408192, 0.6622724135241204, 0.24363640539051576,
                 -0.9955376435787181]]]},
    'ce/none': {'value': [0.14946316785017705, 0.8124080319621966, 5.412078306896637],
     'grads': [[[0.05236781112850494, 0.01577288160241709, -0.138829843816211,
                 0.07068915108528902],
                [-1.11242375494568, 0.8875762450543202, 0.026802480188447022,
                 0.1980450297029125],
                [0.26888647399224574, 1.986817240572361, 0.7309092161715472,
                 -2.986612930736154]]]},
    'ce_ls/mean': {'value': 2.143816502236337,
     'grads': [[[0.00912260370950165, -0.0030757061325276357, -0.021276614605403647,
                 0.015229717028429676],
                [-0.16040395915761327, 0.13959604084238675, -0.003866253301925495,
                 0.02467417161715209],
                [0.021542941554693978, 0.21242413784137348, 0.0728788017968386,
                 -0.306845881192906]]]},
    'ce_ls/sum': {'value': 6.431449506709011,
     'grads': [[[0.02736781112850494, -0.00922711839758291, -0.06382984381621104,
                 0.045689151085289016],
                [-0.48121187747283994, 0.4187881225271601, -0.01159875990577649,
                 0.07402251485145625],
                [0.06462882466408193, 0.6372724135241203, 0.21863640539051576,
                 -0.9205376435787181]]]},
    'ce_ls/none': {'value': [0.3819631678501771, 0.9374080319621966, 5.112078306896637],
     'grads': [[[0.02736781112850494, -0.00922711839758291, -0.06382984381621104,
                 0.045689151085289016],
                [-0.9624237549456799, 0.8375762450543202, -0.02319751981155298,
                 0.1480450297029125],
                [0.1938864739922458, 1.9118172405723615, 0.6559092161715474,
                 -2.7616129307361543]]]},
    'ce_rows_ls/mean': {'value': 2.317566502236337,
     'grads': [[[-0.028377396290498354, -0.06557570613252764, 0.19122338539459638,
                 -0.09727028297157034],
                [0.12709604084238668, -0.12290395915761332, -0.016366253301925496,
                 0.012174171617152075],
                [-0.115957058445306, 0.19992413784137344, 0.060378801796838584,
                 -0.144345881192906]]]},
    'ce_rows_ls/sum': {'value': 6.952699506709012,
     'grads': [[[-0.08513218887149507, -0.19672711839758295, 0.573670156183789,
                 -0.29181084891471104],
                [0.3812881225271601, -0.3687118774728399, -0.04909875990577649,
                 0.036522514851456245],
                [-0.34787117533591805, 0.5997724135241204, 0.18113640539051576,
                 -0.43303764357871805]]]},
    'ce_rows_ls/none': {'value': [2.290713167850177, 1.1249080319621965, 3.537078306896637],
     'grads': [[[-0.08513218887149507, -0.19672711839758295, 0.573670156183789,
                 -0.29181084891471104],
                [0.7625762450543202, -0.7374237549456798, -0.09819751981155297,
                 0.07304502970291249],
                [-1.0436135260077541, 1.799317240572361, 0.5434092161715472,
                 -1.2991129307361542]]]},
    'ce_huge_ls/mean': {'value': 17000.0,
     'grads': [[[0.8999999999999999, -0.7999999999999999, -0.09999999999999999]]]},
    'ce_huge_ls/sum': {'value': 17000.0,
     'grads': [[[0.8999999999999999, -0.7999999999999999, -0.09999999999999999]]]},
    'ce_huge_ls/none': {'value': [17000.0],
     'grads': [[[0.8999999999999999, -0.7999999999999999, -0.09999999999999999]]]},
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_pytorch(name: str, reduction: str) -> None:
    fn, inputs = CASES[name]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no overflow for logits of 1e4
        loss = fn(*tensors, reduction)
        expected = TORCH[f"{name}/{reduction}"]
        np.testing.assert_allclose(loss.data, expected["value"], rtol=1e-12, atol=1e-14)
        weights = np.arange(1, loss.size + 1, dtype=np.float64).reshape(loss.shape)
        (loss * weights).sum().backward()
    for tensor, grad in zip(tensors, expected["grads"], strict=True):
        np.testing.assert_allclose(tensor.grad, grad, rtol=1e-12, atol=1e-14)


# -- mse: the broadcasting refusal ----------------------------------------------------------------
def test_mse_refuses_n_by_1_against_n_and_says_why() -> None:
    pred = Tensor(np.zeros((4, 1)), requires_grad=True)
    with pytest.raises(OpError, match=r"mse_loss: pred \(4, 1\) and target \(4,\) would "
                                      r"broadcast to \(4, 4\).*wrong loss"):
        tg.mse_loss(pred, np.zeros(4))
    with pytest.raises(OpError, match=r"pred \(4,\) and target \(4, 1\) would broadcast to "
                                      r"\(4, 4\)"):
        nn.MSELoss()(np.zeros(4), np.zeros((4, 1)))
    # PyTorch would broadcast this (with a warning) to a mean over 16 pairs: 4.0 here.
    with pytest.raises(OpError, match="would broadcast"):
        tg.mse_loss(Tensor(np.arange(4.0).reshape(4, 1)), Tensor(np.arange(4.0)))


@pytest.mark.parametrize("loss", [tg.mse_loss, tg.l1_loss, tg.binary_cross_entropy_with_logits])
def test_elementwise_losses_refuse_any_broadcasting_shape(loss) -> None:
    with pytest.raises(OpError, match=r"\(2, 3\) and target \(3,\) must have the same shape"):
        loss(Tensor(np.zeros((2, 3))), np.zeros(3))
    with pytest.raises(OpError, match=r"\(2, 1\) and target \(1, 3\) must have the same shape"):
        loss(Tensor(np.zeros((2, 1))), np.zeros((1, 3)))


def test_a_scalar_target_is_compared_with_every_element() -> None:
    pred = Tensor([1.0, 3.0], requires_grad=True)
    loss = tg.mse_loss(pred, 2.0)
    assert loss.item() == 1.0
    loss.backward()
    np.testing.assert_array_equal(pred.grad, [-1.0, 1.0])
    target = Tensor(np.array(2.0), requires_grad=True)
    tg.l1_loss(Tensor([1.0, 3.0, 5.0]), target, reduction="sum").backward()
    assert target.grad.shape == () and target.grad == -1.0   # -(-1 + 1 + 1)


# -- reductions, dtypes, modules ------------------------------------------------------------------
def test_reductions_relate_as_sum_mean_and_none() -> None:
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((5, 3)), rng.random((5, 3))
    for fn in (tg.mse_loss, tg.l1_loss, tg.binary_cross_entropy_with_logits):
        each = fn(Tensor(x), t, reduction="none")
        assert each.shape == (5, 3)
        np.testing.assert_allclose(fn(Tensor(x), t, reduction="sum").item(), each.data.sum())
        np.testing.assert_allclose(fn(Tensor(x), t).item(), each.data.mean())
    labels = np.array([0, 2, 1, 1, 0])
    each = tg.cross_entropy(Tensor(x), labels, reduction="none")
    assert each.shape == (5,)
    np.testing.assert_allclose(tg.cross_entropy(Tensor(x), labels, reduction="sum").item(),
                               each.data.sum(), rtol=1e-14)
    # the default is the fused softmax_cross_entropy, bit for bit
    assert tg.cross_entropy(Tensor(x), labels).item() == \
        tg.softmax_cross_entropy(Tensor(x), labels).item()
    nll = tg.nll_loss(Tensor(x).log_softmax(axis=1), labels, reduction="none")
    np.testing.assert_allclose(nll.data, each.data, rtol=1e-14)


@pytest.mark.parametrize("call", [
    lambda r: tg.mse_loss(Tensor([1.0]), [1.0], reduction=r),
    lambda r: tg.l1_loss(Tensor([1.0]), [1.0], reduction=r),
    lambda r: tg.binary_cross_entropy_with_logits(Tensor([1.0]), [1.0], reduction=r),
    lambda r: tg.nll_loss(Tensor([[0.0]]), [0], reduction=r),
    lambda r: tg.cross_entropy(Tensor([[0.0]]), [0], reduction=r),
])
def test_bad_reduction_is_refused(call) -> None:
    with pytest.raises(OpError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        call("avg")


def test_module_reduction_and_smoothing_are_checked_when_built() -> None:
    with pytest.raises(ValueError, match="MSELoss: reduction must be"):
        nn.MSELoss(reduction="elementwise_mean")
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(OpError, match=r"label_smoothing must be in \[0, 1\], got -0.1"):
        tg.cross_entropy(Tensor([[0.0, 1.0]]), [0], label_smoothing=-0.1)


@pytest.mark.parametrize("module, function", [
    (nn.MSELoss(reduction="sum"), lambda a, b: tg.mse_loss(a, b, reduction="sum")),
    (nn.L1Loss(), tg.l1_loss),
    (nn.BCEWithLogitsLoss(pos_weight=np.array([1.0, 2.0, 3.0])),
     lambda a, b: tg.binary_cross_entropy_with_logits(a, b, pos_weight=np.array([1.0, 2.0, 3.0]))),
])
def test_loss_modules_equal_the_functions(module, function) -> None:
    x, t = np.array([[0.5, -2.0, 1.0]]), np.array([[1.0, 0.0, 0.5]])
    assert module(Tensor(x), t).item() == function(Tensor(x), t).item()
    assert module.parameters() == []


def test_class_loss_modules_and_reprs() -> None:
    loss = nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.1)
    assert repr(loss) == "CrossEntropyLoss(reduction='sum', label_smoothing=0.1)"
    assert repr(nn.NLLLoss()) == "NLLLoss(reduction='mean')"
    np.testing.assert_allclose(loss(Tensor(Z), LABELS).item(),
                               tg.cross_entropy(Tensor(Z), LABELS, 0.1, reduction="sum").item())
    assert nn.NLLLoss(reduction="none")(Tensor(Z), LABELS).shape == (3,)
    # pos_weight is a buffer, saved with a model, as in PyTorch
    assert list(nn.BCEWithLogitsLoss(pos_weight=np.ones(3)).state_dict()) == ["pos_weight"]
    assert nn.BCEWithLogitsLoss().state_dict() == {}


@pytest.mark.parametrize("call", [
    lambda x: tg.mse_loss(x, np.zeros(3)),
    lambda x: tg.l1_loss(x, np.zeros(3), reduction="none"),
    lambda x: tg.binary_cross_entropy_with_logits(x, np.array([0, 1, 1]), pos_weight=[2.0] * 3),
])
def test_float32_stays_float32_with_float64_or_int_targets(call) -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0], dtype=np.float32), requires_grad=True)
    loss = call(x)
    assert loss.dtype == np.float32
    loss.sum().backward()
    assert x.grad.dtype == np.float32


# -- stability ------------------------------------------------------------------------------------
def test_bce_is_finite_and_exact_for_huge_logits() -> None:
    x = Tensor(np.array([1e4, -1e4, 1e4, -1e4, 800.0], dtype=np.float32), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = tg.binary_cross_entropy_with_logits(x, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [0.0, 0.0, 1e4, 1e4, 0.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0, -1.0, 0.0])


def test_cross_entropy_with_smoothing_is_stable_in_float32() -> None:
    x = Tensor(np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32),
               requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = tg.cross_entropy(x, [0, 1], label_smoothing=0.3, reduction="none")
        loss.sum().backward()
    assert loss.dtype == np.float32 and np.all(np.isfinite(loss.data))
    np.testing.assert_allclose(loss.data, [0.1 * 2e4 + 0.1 * 1e4, np.log(3)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.sum(axis=1), 0.0, atol=1e-6)   # each row sums to 0


# -- bad labels ---------------------------------------------------------------------------------
def test_nll_loss_refuses_bad_labels_and_shapes() -> None:
    lp = Tensor(np.zeros((2, 3)))
    with pytest.raises(OpError, match=r"nll_loss: log_probs \(2, 3\), labels \(2,\): class "
                                      r"indices must be in \[0, 3\), got values from 0 to 3"):
        tg.nll_loss(lp, [0, 3])
    with pytest.raises(OpError, match=r"nll_loss: .*labels \(2,\): class indices must be in "
                                      r"\[0, 3\), got values from -1 to 0"):
        tg.nll_loss(lp, np.array([-1, 0]))
    with pytest.raises(OpError, match=r"expected 2 integer class indices.*got float64"):
        tg.nll_loss(lp, np.array([0.0, 1.0]))
    # one unbatched row (C,) takes one label of shape (), as PyTorch's
    with pytest.raises(OpError, match=r"nll_loss: logits \(3,\), labels \(1,\): expected "
                                      r"integer class indices of shape \(\) or float target "
                                      r"rows of shape \(3,\)"):
        tg.nll_loss(Tensor(np.zeros(3)), [0])
    with pytest.raises(OpError, match=r"nll_loss: logits \(2, 3, 4\), labels \(2, 3\): "
                                      r"expected integer class indices of shape \(2, 4\)"):
        tg.nll_loss(Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), int))
    with pytest.raises(OpError, match="log_probs must be 2-D"):
        tg.nll_loss(Tensor(np.zeros(())), [0])


def test_cross_entropy_errors_name_cross_entropy() -> None:
    with pytest.raises(OpError, match=r"cross_entropy: logits \(2, 3\), labels \(2,\): class "
                                      r"indices must be in \[0, 3\)"):
        tg.cross_entropy(Tensor(np.zeros((2, 3))), [0, 5], label_smoothing=0.1)
    with pytest.raises(OpError, match="cross_entropy: .*expected 2 labels"):
        tg.cross_entropy(Tensor(np.zeros((2, 3))), [0], reduction="none")


def test_bce_pos_weight_must_broadcast_along_the_classes() -> None:
    with pytest.raises(OpError, match=r"pos_weight \(2,\) does not broadcast against logits "
                                      r"\(4, 3\)"):
        tg.binary_cross_entropy_with_logits(Tensor(np.zeros((4, 3))), np.zeros((4, 3)),
                                            pos_weight=np.ones(2))
    with pytest.raises(OpError, match=r"would broadcast the logits \(3,\) to \(2, 3\)"):
        tg.binary_cross_entropy_with_logits(Tensor(np.zeros(3)), np.zeros(3),
                                            pos_weight=np.ones((2, 3)))


def test_training_a_logistic_regression_with_bce_module_fits_separable_data() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2))
    y = (x[:, :1] + 2 * x[:, 1:] > 0).astype(np.float64)
    model = nn.Linear(2, 1, rng=0, dtype=np.float64)
    opt = tg.optim.SGD(model.parameters(), lr=1.0)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(200):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    accuracy = ((model(x).data > 0) == (y > 0.5)).mean()
    assert accuracy >= 0.98 and loss.item() < 0.15


# -- class weights, ignore_index, per-element weights ------------------------------------------
# torch 2.13.0+cpu, float64, the same loop as TORCH above, on:
#   F.nll_loss(log_softmax(Z), LABELS or IGNORED, weight=CLASS_WEIGHT), F.cross_entropy(Z, ...,
#   weight=CLASS_WEIGHT, label_smoothing=0.2), F.cross_entropy(Z, PROB_ROWS, weight=..., 0.2),
#   F.binary_cross_entropy_with_logits(LOGITS, BCE_TARGET, weight=BCE_WEIGHT or BCE_ROW_WEIGHT,
#   pos_weight=POS_WEIGHT)
# and, with every label ignored, "mean" is nan for nll_loss and cross_entropy (with and without
# smoothing), as torch gives.
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
IGNORED = np.array([2, -100, 3])
BCE_WEIGHT = np.array([[1.0, 0.5, 2.0], [3.0, 1.0, 0.25]])
BCE_ROW_WEIGHT = np.array([1.0, 0.5, 2.0])

WEIGHTED_CASES: dict[str, tuple[Callable[..., Tensor], tuple[np.ndarray, ...]]] = {
    "nll_w": (lambda a, r: tg.nll_loss(a, LABELS, weight=CLASS_WEIGHT, reduction=r),
              (_log_softmax(Z),)),
    "nll_ig": (lambda a, r: tg.nll_loss(a, IGNORED, reduction=r), (_log_softmax(Z),)),
    "nll_w_ig": (lambda a, r: nn.NLLLoss(CLASS_WEIGHT, reduction=r)(a, IGNORED),
                 (_log_softmax(Z),)),
    "ce_w": (lambda a, r: nn.CrossEntropyLoss(CLASS_WEIGHT, reduction=r)(a, LABELS), (Z,)),
    "ce_ig": (lambda a, r: tg.cross_entropy(a, IGNORED, reduction=r), (Z,)),
    "ce_ig_ls": (lambda a, r: tg.cross_entropy(a, IGNORED, 0.2, reduction=r), (Z,)),
    "ce_w_ig_ls": (lambda a, r: tg.cross_entropy(a, IGNORED, 0.2, reduction=r,
                                                 weight=CLASS_WEIGHT), (Z,)),
    "ce_rows_w_ls": (lambda a, r: nn.CrossEntropyLoss(CLASS_WEIGHT, reduction=r,
                                                      label_smoothing=0.2)(a, PROB_ROWS), (Z,)),
    "bce_w_pw": (lambda a, b, r: nn.BCEWithLogitsLoss(BCE_WEIGHT, reduction=r,
                                                      pos_weight=POS_WEIGHT)(a, b),
                 (LOGITS, BCE_TARGET)),
    "bce_w_row": (lambda a, b, r: tg.binary_cross_entropy_with_logits(
        a, b, weight=BCE_ROW_WEIGHT, reduction=r), (LOGITS, BCE_TARGET)),
}

TORCH_WEIGHTED: dict[str, dict[str, Any]] = {
    'nll_w/mean': {'value': 3.7315338010047077,
     'grads': [[[0.0, 0.0, -0.2222222222222222, 0.0],
                [-0.1111111111111111, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -0.6666666666666666]]]},
    'nll_w/sum': {'value': 16.791902104521185,
     'grads': [[[0.0, 0.0, -1.0, 0.0], [-0.5, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -3.0]]]},
    'nll_w/none': {'value': [0.14946316785017705, 0.4062040159810983, 16.23623492068991],
     'grads': [[[0.0, 0.0, -1.0, 0.0], [-1.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -9.0]]]},
    'nll_ig/mean': {'value': 2.780770737373407,
     'grads': [[[0.0, 0.0, -0.5, 0.0], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -0.5]]]},
    'nll_ig/sum': {'value': 5.561541474746814,
     'grads': [[[0.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -1.0]]]},
    'nll_ig/none': {'value': [0.14946316785017705, 0.0, 5.412078306896637],
     'grads': [[[0.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -3.0]]]},
    'nll_w_ig/mean': {'value': 4.096424522135021,
     'grads': [[[0.0, 0.0, -0.25, 0.0], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -0.75]]]},
    'nll_w_ig/sum': {'value': 16.385698088540085,
     'grads': [[[0.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -3.0]]]},
    'nll_w_ig/none': {'value': [0.14946316785017705, 0.0, 16.23623492068991],
     'grads': [[[0.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, -9.0]]]},
    'ce_w/mean': {'value': 3.7315338010047077,
     'grads': [[[0.011637291361889986, 0.0035050848005371313, -0.03085107640360244,
                 0.015708700241175336],
                [-0.06180131971920443, 0.04930979139190667, 0.0014890266771359457,
                 0.011002501650161804],
                [0.05975254977605461, 0.4415149423494136, 0.16242427026034384,
                 -0.663691762385812]]]},
    'ce_w/sum': {'value': 16.791902104521185,
     'grads': [[[0.05236781112850494, 0.01577288160241709, -0.138829843816211,
                 0.07068915108528902],
                [-0.27810593873642, 0.22189406126358005, 0.0067006200471117555,
                 0.04951125742572812],
                [0.26888647399224574, 1.986817240572361, 0.7309092161715472,
                 -2.986612930736154]]]},
    'ce_w/none': {'value': [0.14946316785017705, 0.4062040159810983, 16.23623492068991],
     'grads': [[[0.05236781112850494, 0.01577288160241709, -0.138829843816211,
                 0.07068915108528902],
                [-0.55621187747284, 0.4437881225271601, 0.013401240094223511,
                 0.09902251485145624],
                [0.8066594219767373, 5.960451721717083, 2.1927276485146416,
                 -8.959838792208462]]]},
    'ce_ig/mean': {'value': 2.780770737373407,
     'grads': [[[0.02618390556425247, 0.007886440801208545, -0.0694149219081055,
                 0.03534457554264451],
                [0.0, 0.0, 0.0, 0.0],
                [0.04481441233204096, 0.3311362067620602, 0.12181820269525788,
                 -0.49776882178935905]]]},
    'ce_ig/sum': {'value': 5.561541474746814,
     'grads': [[[0.05236781112850494, 0.01577288160241709, -0.138829843816211,
                 0.07068915108528902],
                [0.0, 0.0, 0.0, 0.0],
                [0.08962882466408192, 0.6622724135241204, 0.24363640539051576,
                 -0.9955376435787181]]]},
    'ce_ig/none': {'value': [0.14946316785017705, 0.0, 5.412078306896637],
     'grads': [[[0.05236781112850494, 0.01577288160241709, -0.138829843816211,
                 0.07068915108528902],
                [0.0, 0.0, 0.0, 0.0],
                [0.26888647399224574, 1.986817240572361, 0.7309092161715472,
                 -2.986612930736154]]]},
    'ce_ig_ls/mean': {'value': 2.7132707373734073,
     'grads': [[[0.0011839055642524701, -0.017113559198791456, 0.005585078091894458,
                 0.010344575542644507],
                [0.0, 0.0, 0.0, 0.0],
                [0.01981441233204096, 0.30613620676206016, 0.09681820269525787,
                 -0.4227688217893591]]]},
    'ce_ig_ls/sum': {'value': 5.426541474746815,
     'grads': [[[0.0023678111285049402, -0.03422711839758291, 0.011170156183788915,
                 0.020689151085289015],
                [0.0, 0.0, 0.0, 0.0],
                [0.03962882466408192, 0.6122724135241203, 0.19363640539051574,
                 -0.8455376435787182]]]},
    'ce_ig_ls/none': {'value': [0.6144631678501771, 0.0, 4.8120783068966375],
     'grads': [[[0.0023678111285049402, -0.03422711839758291, 0.011170156183788915,
                 0.020689151085289015],
                [0.0, 0.0, 0.0, 0.0],
                [0.11888647399224579, 1.8368172405723613, 0.5809092161715473,
                 -2.5366129307361542]]]},
    'ce_w_ig_ls/mean': {'value': 3.746514862531196,
     'grads': [[[0.008478446879892014, -0.020563877049320195, 0.029704106426690635,
                 -0.017618676257262468],
                [0.0, 0.0, 0.0, 0.0],
                [0.05480963680240581, 0.42617308171330703, 0.15347730117228886,
                 -0.6344600196880017]]]},
    'ce_w_ig_ls/sum': {'value': 14.986059450124785,
     'grads': [[[0.033913787519568056, -0.08225550819728078, 0.11881642570676254,
                 -0.07047470502904987],
                [0.0, 0.0, 0.0, 0.0],
                [0.21923854720962324, 1.7046923268532281, 0.6139092046891554,
                 -2.537840078752007]]]},
    'ce_w_ig_ls/none': {'value': [1.0131460638314493, 0.0, 13.972913386293337],
     'grads': [[[0.033913787519568056, -0.08225550819728078, 0.11881642570676254,
                 -0.07047470502904987],
                [0.0, 0.0, 0.0, 0.0],
                [0.6577156416288698, 5.114076980559684, 1.8417276140674665,
                 -7.613520236256021]]]},
    'ce_rows_w_ls/mean': {'value': 4.9478195374405045,
     'grads': [[[0.011237774659077276, -0.13008937272648127, 0.44443524813548085,
                 -0.32558365006807677],
                [0.27643071195492774, -0.28190262137840555, -0.00806753760620658,
                 0.013539447029684426],
                [-0.023463425818152896, 0.34747330444303587, 0.12342426643287989,
                 -0.4474341450577629]]]},
    'ce_rows_w_ls/sum': {'value': 14.843458612321513,
     'grads': [[[0.03371332397723183, -0.39026811817944385, 1.3333057444064425,
                 -0.9767509502042303],
                [0.8292921358647833, -0.8457078641352168, -0.02420261281861974,
                 0.040618341089053274],
                [-0.07039027745445868, 1.0424199133291077, 0.3702727992986397,
                 -1.3423024351732888]]]},
    'ce_rows_w_ls/none': {'value': [4.918738071397584, 1.9638854615272288, 7.960835079396698],
     'grads': [[[0.03371332397723183, -0.39026811817944385, 1.3333057444064425,
                 -0.9767509502042303],
                [1.6585842717295667, -1.6914157282704336, -0.04840522563723948,
                 0.08123668217810655],
                [-0.2111708323633761, 3.1272597399873225, 1.110818397895919,
                 -4.026907305519866]]]},
    'bce_w_pw/mean': {'value': 37.30204039294319,
     'grads': [[[0.0, 0.0, 0.03197830997432246],
                [-0.9999999999999064, 0.16666666666666666, -0.11009963474723532]],
               [[-1666.6666666666667, 416.6666666666667, 0.14938465612007112],
                [30.000000000000046, -6.666666666666667, 0.2605773342535811]]]},
    'bce_w_pw/sum': {'value': 223.81224235765913,
     'grads': [[[0.0, 0.0, 0.19186985984593474],
                [-5.999999999999439, 1.0, -0.6605978084834119]],
               [[-10000.0, 2500.0, 0.8963079367204267],
                [180.00000000000028, -40.0, 1.5634640055214866]]]},
    'bce_w_pw/none': {'value': [[0.0, 0.0, 2.2170463493763415],
               [180.00000000000057, 40.0, 1.5951960082822296]],
     'grads': [[[0.0, 0.0, 0.5756095795378042],
                [-23.999999999997755, 5.0, -3.9635868509004712]],
               [[-10000.0, 5000.0, 2.6889238101612802],
                [720.0000000000011, -200.0, 9.380784033128919]]]},
    'bce_w_row/mean': {'value': 9.317001665074374,
     'grads': [[[0.0, 0.0, 0.10748644373395154],
                [-0.16666666666665106, 0.08333333333333333, -0.2935990259926275]],
               [[-1666.6666666666667, 833.3333333333334, -0.16666666666666666],
                [5.0, -3.3333333333333335, 0.6666666666666666]]]},
    'bce_w_row/sum': {'value': 55.902009990446246,
     'grads': [[[0.0, 0.0, 0.6449186624037092],
                [-0.9999999999999064, 0.5, -1.7615941559557649]],
               [[-10000.0, 5000.0, -1.0], [30.0, -20.0, 4.0]]]},
    'bce_w_row/none': {'value': [[0.0, 0.0, 1.6481539683602133],
               [30.000000000000092, 20.0, 4.253856022085945]],
     'grads': [[[0.0, 0.0, 1.9347559872111275],
                [-3.9999999999996256, 2.5, -10.56956493573459]],
               [[-10000.0, 10000.0, -3.0], [120.0, -100.0, 24.0]]]},
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(WEIGHTED_CASES))
def test_weights_and_ignored_labels_match_pytorch(name: str, reduction: str) -> None:
    fn, inputs = WEIGHTED_CASES[name]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = fn(*tensors, reduction)
        expected = TORCH_WEIGHTED[f"{name}/{reduction}"]
        np.testing.assert_allclose(loss.data, expected["value"], rtol=1e-12, atol=1e-14)
        weights = np.arange(1, loss.size + 1, dtype=np.float64).reshape(loss.shape)
        (loss * weights).sum().backward()
    for tensor, grad in zip(tensors, expected["grads"], strict=True):
        np.testing.assert_allclose(tensor.grad, grad, rtol=1e-12, atol=1e-14)


def test_every_label_ignored_gives_nan_mean_and_zero_sum() -> None:
    ignored = np.array([-100, -100, -100], dtype=np.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(tg.cross_entropy(Tensor(Z), ignored).item())
        assert np.isnan(tg.cross_entropy(Tensor(Z), ignored, label_smoothing=0.1).item())
        assert np.isnan(tg.nll_loss(Tensor(Z), ignored).item())
        assert tg.cross_entropy(Tensor(Z), ignored, reduction="sum").item() == 0.0
    # unsigned labels with a custom ignore_index; the default path stays the fused op
    labels = np.array([2, 255, 3], dtype=np.uint8)
    loss = tg.cross_entropy(Tensor(Z), labels, ignore_index=255)
    np.testing.assert_allclose(loss.item(), TORCH["ce/none"]["value"][0] / 2
                               + TORCH["ce/none"]["value"][2] / 2, rtol=1e-14)
    fused = tg.cross_entropy(Tensor(Z, requires_grad=True), LABELS).grad_fn
    assert type(fused).__name__ == "SoftmaxCrossEntropy"


# -- PyTorch's other layouts: (N, C, d1, ...) and one unbatched (C,) -----------------------------
K_LOGITS = (np.arange(24.0).reshape(2, 3, 2, 2) % 5 - 2) * 0.5
K_LABELS = np.array([[[0, 2], [1, 1]], [[2, 0], [1, 2]]])


def _per_position(logits, labels):
    """-log_softmax(logits)[label] over the class axis 1, position by position."""
    losses = np.zeros(labels.shape)
    for index in np.ndindex(*labels.shape):
        row = logits[(index[0], slice(None)) + index[1:]]
        losses[index] = np.log(np.exp(row).sum()) - row[labels[index]]
    return losses


def test_cross_entropy_over_positions_matches_pytorch() -> None:
    """A class per position (a segmentation's pixels): logits (N, C, H, W), labels (N, H, W).
    torch 2.13, float64: F.cross_entropy(x, y) and x.grad[0, :, 0, 0] after backward."""
    x = Tensor(K_LOGITS, requires_grad=True)
    loss = tg.cross_entropy(x, K_LABELS)
    np.testing.assert_allclose(loss.item(), 1.2272022380902252, rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad[0, :, 0, 0], [-0.11528805260642867, 0.07176212412096182,
                                                    0.04352592848546685], rtol=1e-13)
    each = tg.cross_entropy(K_LOGITS, K_LABELS, reduction="none")
    assert each.shape == (2, 2, 2)
    np.testing.assert_allclose(each.data, _per_position(K_LOGITS, K_LABELS), rtol=1e-14)
    np.testing.assert_allclose(each.data[0, 0], [2.554956919641991, 0.3063557122291465],
                               rtol=1e-14)
    weighted = tg.cross_entropy(K_LOGITS, K_LABELS, ignore_index=1,
                                weight=np.array([1.0, 2.0, 0.5]))
    np.testing.assert_allclose(weighted.item(), 1.3588622118686173, rtol=1e-14)
    module = nn.CrossEntropyLoss(reduction="sum")(Tensor(K_LOGITS), K_LABELS)
    np.testing.assert_allclose(module.item(), _per_position(K_LOGITS, K_LABELS).sum(),
                               rtol=1e-14)


def test_probability_targets_and_nll_over_positions() -> None:
    rows = np.exp(K_LOGITS[::-1]) / np.exp(K_LOGITS[::-1]).sum(axis=1, keepdims=True)
    moved = np.moveaxis(K_LOGITS, 1, -1).reshape(-1, 3)  # the same rows, classes last
    flat = tg.cross_entropy(moved, np.moveaxis(rows, 1, -1).reshape(-1, 3), reduction="none")
    each = tg.cross_entropy(K_LOGITS, rows, reduction="none", label_smoothing=0.0)
    np.testing.assert_allclose(each.data.reshape(-1), flat.data, rtol=1e-15)
    log_probs = Tensor(K_LOGITS - np.log(np.exp(K_LOGITS).sum(axis=1, keepdims=True)),
                       requires_grad=True)
    loss = tg.nll_loss(log_probs, K_LABELS, reduction="sum")
    np.testing.assert_allclose(loss.item(), _per_position(K_LOGITS, K_LABELS).sum(), rtol=1e-14)
    loss.backward()
    expected = np.zeros((2, 3, 2, 2))
    for n, h, w in np.ndindex(2, 2, 2):
        expected[n, K_LABELS[n, h, w], h, w] = -1.0
    np.testing.assert_array_equal(log_probs.grad, expected)


def test_one_unbatched_row_takes_a_label_of_shape_nothing() -> None:
    """torch 2.13: F.cross_entropy(tensor([0.5, -1.0, 2.0]), tensor(2)) and its gradient."""
    x = Tensor([0.5, -1.0, 2.0], dtype=np.float64, requires_grad=True)
    loss = tg.cross_entropy(x, np.array(2))
    np.testing.assert_allclose(loss.item(), 0.24131129665715703, rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad, [0.1752903921400367, 0.03911257327068745,
                                        -0.21440296541072412], rtol=1e-13)
    assert tg.cross_entropy(x, 2, reduction="none").shape == ()
    with pytest.raises(OpError, match=r"cross_entropy: logits \(3,\), labels \(2,\)"):
        tg.cross_entropy(x, [0, 1])


def test_probability_targets_that_require_grad_get_pytorchs_gradient() -> None:
    """torch 2.13, float64: F.cross_entropy(z, F.softmax(b, 1), weight=CLASS_WEIGHT,
    label_smoothing=0.2) with z = Z, b = Z[::-1], then backward: b gets its gradient through
    the target (d loss / d target = -(1 - 0.2) * weight * log_softmax(z) / N)."""
    z = Tensor(Z, requires_grad=True)
    b = Tensor(Z[::-1].copy(), requires_grad=True)
    loss = tg.cross_entropy(z, tg.softmax(b, axis=1), weight=CLASS_WEIGHT, label_smoothing=0.2)
    np.testing.assert_allclose(loss.item(), 3.4568337412987247, rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(z.grad, [
        [0.00810136366137217, -0.37799582717561936, 0.3851483270450605, -0.015253863530813297],
        [0.14861252447893888, -0.05390272453192515, -0.013714144434327937,
         -0.08099565551268582],
        [0.021425352622644316, 0.2297362223321198, -0.14643948379115163,
         -0.10472209116361247]], rtol=1e-13)
    np.testing.assert_allclose(b.grad, [
        [-0.10099328315350796, 0.45894854612803304, -0.36063050854461937,
         0.002675245570094127],
        [-0.14673073956675303, -0.002515925474557715, 0.009528576364177817,
         0.13971808867713295],
        [-0.01723086942553644, -0.006796074959589002, -0.23603962260715886,
         0.26006656699228425]], rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight, smoothing", [(None, 0.0), (CLASS_WEIGHT, 0.0),
                                               (None, 0.3), (CLASS_WEIGHT, 1.0)])
def test_a_learned_target_row_gets_minus_the_weighted_log_softmax(reduction, weight,
                                                                  smoothing) -> None:
    """For every reduction, weight and smoothing, the same values and logits' gradient as a
    constant target, and the target's gradient -(1 - e) * weight * log_softmax(z), reduced
    ("mean" divides by N, as PyTorch for probability rows); module and function alike."""
    upstream = np.array([1.0, -2.0, 0.5]) if reduction == "none" else np.array(1.5)
    scale = upstream[:, None] / (3 if reduction == "mean" else 1) if upstream.ndim \
        else upstream / (3 if reduction == "mean" else 1)
    expected_target_grad = -(1 - smoothing) * (1.0 if weight is None else weight) \
        * _log_softmax(Z) * scale
    options = {"weight": weight, "label_smoothing": smoothing, "reduction": reduction}
    constant_z = Tensor(Z, requires_grad=True)
    constant = tg.cross_entropy(constant_z, PROB_ROWS, **options)
    constant.backward(upstream)
    for loss_fn in (tg.cross_entropy, nn.CrossEntropyLoss(**options)):
        z, t = Tensor(Z, requires_grad=True), Tensor(PROB_ROWS, requires_grad=True)
        out = loss_fn(z, t, **options) if loss_fn is tg.cross_entropy else loss_fn(z, t)
        np.testing.assert_allclose(out.data, constant.data, rtol=1e-14)
        out.backward(upstream)
        np.testing.assert_allclose(z.grad, constant_z.grad, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(t.grad, expected_target_grad, rtol=1e-13, atol=1e-16)


def test_learned_targets_over_positions_and_unbatched_and_to_second_order() -> None:
    """torch 2.13, float64: F.cross_entropy(K, |K[::-1]| / 3, reduction="sum") with the
    target requiring grad: t.grad[0, :, 0, 0] and t.grad[1, :, 1, 0]; and one unbatched row,
    F.cross_entropy([0.5, -1, 2], [0.2, 0.3, 0.5], reduction="none", label_smoothing=0.1)."""
    t = Tensor(np.abs(K_LOGITS[::-1].copy()) / 3, requires_grad=True)
    loss = tg.cross_entropy(K_LOGITS, t, reduction="sum")
    np.testing.assert_allclose(loss.item(), 5.445526517690778, rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(t.grad[0, :, 0, 0], [2.554956919641991, 0.5549569196419907,
                                                    1.0549569196419908], rtol=1e-14)
    np.testing.assert_allclose(t.grad[1, :, 1, 0], [0.6802696706417346, 1.1802696706417346,
                                                    1.6802696706417346], rtol=1e-14)
    each = tg.cross_entropy(Tensor(K_LOGITS), t, reduction="none")
    assert each.shape == (2, 2, 2)
    row = Tensor(np.array([0.2, 0.3, 0.5]), requires_grad=True)
    one = tg.cross_entropy(np.array([0.5, -1.0, 2.0]), row, reduction="none",
                           label_smoothing=0.1)
    assert one.shape == ()
    np.testing.assert_allclose(one.item(), 1.471311296657157, rtol=1e-14)
    one.backward()
    np.testing.assert_allclose(row.grad, [1.5671801669914414, 2.9171801669914417,
                                          0.21718016699144133], rtol=1e-14)
    assert tg.gradgradcheck(
        lambda z, u: tg.cross_entropy(z, tg.softmax(u, axis=1), weight=CLASS_WEIGHT,
                                      label_smoothing=0.2, reduction="sum"),
        [Tensor(Z, requires_grad=True), Tensor(Z[::-1].copy(), requires_grad=True)])
    with pytest.raises(OpError, match=r"cross_entropy: label_smoothing must be in \[0, 1\]"):
        tg.cross_entropy(Z, Tensor(PROB_ROWS, requires_grad=True), label_smoothing=1.5)
    with pytest.raises(OpError, match=r"reduction must be 'mean', 'sum' or 'none'"):
        tg.cross_entropy(Z, Tensor(PROB_ROWS, requires_grad=True), reduction="avg")


def test_ignored_rows_pass_zero_even_where_the_scale_is_not_finite() -> None:
    """As PyTorch: every row ignored makes the mean 0 / 0 = NaN, yet each gradient 0; an
    ignored row's NaN upstream gradient (reduction="none") reaches nothing; a class weight of
    0 for every row gives NaN at each label (nll_loss) or each row (cross_entropy)."""
    x0 = np.array([[0.5, -1.0], [0.2, 0.1]])
    for loss, kwargs in ((tg.nll_loss, {}), (tg.cross_entropy, {}),
                         (tg.cross_entropy, {"label_smoothing": 0.1})):
        x = Tensor(x0, requires_grad=True)
        out = loss(x, np.array([1, 1]), ignore_index=1, **kwargs)
        assert np.isnan(out.item())
        out.backward()
        np.testing.assert_array_equal(x.grad, np.zeros((2, 2)))
        x = Tensor(x0, requires_grad=True)
        loss(x, np.array([1, 0]), ignore_index=1, reduction="none", **kwargs).backward(
            np.array([np.nan, 1.0]))
        assert np.array_equal(x.grad[0], [0.0, 0.0]) and np.isfinite(x.grad[1]).all()
    x = Tensor(x0, requires_grad=True)
    tg.nll_loss(x, np.array([1, 0]), weight=np.zeros(2)).backward()
    np.testing.assert_array_equal(x.grad, [[0.0, np.nan], [np.nan, 0.0]])
    x = Tensor(x0, requires_grad=True)
    tg.cross_entropy(x, np.array([1, 0]), weight=np.zeros(2)).backward()
    assert np.isnan(x.grad).all()


def test_bad_weights_are_refused() -> None:
    with pytest.raises(OpError, match=r"cross_entropy: weight must be one number per class, "
                                      r"shape \(4,\), got float64 of shape \(3,\)"):
        tg.cross_entropy(Tensor(Z), LABELS, weight=np.ones(3))
    with pytest.raises(OpError, match=r"nll_loss: weight must be one number per class"):
        tg.nll_loss(Tensor(Z), LABELS, weight=np.ones((4, 1)))
    with pytest.raises(OpError, match=r"weight \(3, 3\) must broadcast to the logits' shape "
                                      r"\(2, 3\)"):
        tg.binary_cross_entropy_with_logits(Tensor(LOGITS), BCE_TARGET, weight=np.ones((3, 3)))
    with pytest.raises(OpError, match=r"cross_entropy: .*class indices must be in \[0, 4\), got "
                                      r"values from -1 to 3"):
        tg.cross_entropy(Tensor(Z), np.array([-1, -100, 3]), reduction="none")
    with pytest.raises(OpError, match=r"nll_loss: .*class indices must be in \[0, 4\), got "
                                      r"values from -1 to 3 \(rows labelled ignore_index=-100 "
                                      r"are skipped\)"):
        tg.nll_loss(Tensor(Z), np.array([-1, -100, 3]))


# PyTorch 2.13.0+cpu: d = [-3, -1, -0.25, 0, 0.5, 1, 2.5] (pred - target, target 0)
#   F.smooth_l1_loss(d, 0 * d, reduction="none", beta=1.0)
#   F.huber_loss(d, 0 * d, reduction="none", delta=1.5), and the gradients of their sums
SMOOTH_D = np.array([-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.5])


@pytest.mark.parametrize("loss, expected, slope", [
    (lambda p: tg.smooth_l1_loss(p, np.zeros(7), "none", beta=1.0),
     [2.5, 0.5, 0.03125, 0.0, 0.125, 0.5, 2.0], [-1, -1, -0.25, 0, 0.5, 1, 1]),
    (lambda p: tg.huber_loss(p, np.zeros(7), "none", delta=1.5),
     [3.375, 0.5, 0.03125, 0.0, 0.125, 0.5, 2.625], [-1.5, -1, -0.25, 0, 0.5, 1, 1.5]),
    (lambda p: tg.nn.SmoothL1Loss("none", beta=0.0)(p, np.zeros(7)),  # beta 0: L1
     np.abs(SMOOTH_D), np.sign(SMOOTH_D)),
])
def test_smooth_l1_and_huber_match_pytorch(loss, expected, slope) -> None:
    pred = Tensor(SMOOTH_D, requires_grad=True)
    out = loss(pred)
    np.testing.assert_array_equal(out.data, expected)
    out.sum().backward()
    np.testing.assert_array_equal(pred.grad, slope)
    with pytest.raises(OpError, match=r"smooth_l1_loss: beta must be a number >= 0"):
        tg.smooth_l1_loss(Tensor(SMOOTH_D), np.zeros(7), beta=-1.0)
    with pytest.raises(OpError, match=r"huber_loss: delta must be a number > 0"):
        tg.huber_loss(Tensor(SMOOTH_D), np.zeros(7), delta=0.0)


# -- binary_cross_entropy on probabilities, kl_div -----------------------------------------------
def test_binary_cross_entropy_clamps_its_logs_and_its_gradients_are_pytorchs() -> None:
    """torch 2.13, float64: F.binary_cross_entropy(p, t, reduction="none"), then .sum()
    backward, for p = [0, 1e-300, 0.3, 1, 1], t = [0, 1, 0.5, 0, 1]."""
    p = Tensor([0.0, 1e-300, 0.3, 1.0, 1.0], dtype=np.float64, requires_grad=True)
    t = Tensor([0.0, 1.0, 0.5, 0.0, 1.0], dtype=np.float64, requires_grad=True)
    each = tg.binary_cross_entropy(p, t, reduction="none")
    np.testing.assert_allclose(each.data, [0.0, 100.0, 0.7803238741323342, 100.0, 0.0],
                               rtol=1e-15)
    each.sum().backward()
    np.testing.assert_allclose(p.grad, [0.0, -1000000003995.8029, -0.9523809523809524,
                                        1000000003995.8029, 0.0], rtol=1e-15)
    np.testing.assert_allclose(t.grad, [np.inf, 690.7755278982137, 0.8472978603872036,
                                        -np.inf, -np.inf], rtol=1e-15)
    weight = np.array([1.0, 0.5, 2.0, 1.0, 3.0])
    mean = tg.binary_cross_entropy(p, t, weight=weight)
    np.testing.assert_allclose(mean.item(), (each.data * weight).mean(), rtol=1e-15)
    module = nn.BCELoss(weight=weight, reduction="sum")
    np.testing.assert_allclose(module(p, t).item(), (each.data * weight).sum(), rtol=1e-15)
    assert "weight" in module.state_dict()
    with pytest.raises(OpError, match=r"binary_cross_entropy: input \(2,\): all elements of "
                                      r"input should be between 0 and 1"):
        tg.binary_cross_entropy(Tensor([0.5, 1.5]), Tensor([1.0, 0.0]))


def test_binary_cross_entropy_equals_the_logits_form_away_from_the_clamp() -> None:
    logits = np.linspace(-4, 4, 9)
    target = np.linspace(0, 1, 9)
    x = Tensor(logits, requires_grad=True)
    tg.binary_cross_entropy(tg.sigmoid(x), target).backward()
    y = Tensor(logits, requires_grad=True)
    tg.binary_cross_entropy_with_logits(y, target).backward()
    np.testing.assert_allclose(x.grad, y.grad, rtol=1e-12)


def test_kl_div_reductions_log_target_and_zero_targets() -> None:
    """torch 2.13 gives the same numbers (checked on 8 settings); here from the formula:
    target * (log target - input), 0 where the target is 0."""
    log_probs = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))
    target = np.array([[0.0, 0.5, 0.5], [0.25, 0.25, 0.5]])
    safe = np.where(target > 0, target, 1.0)
    each = target * (np.log(safe) - log_probs)
    x = Tensor(log_probs, requires_grad=True)
    out = tg.kl_div(x, target, reduction="batchmean")
    np.testing.assert_allclose(out.item(), each.sum() / 2, rtol=1e-15)
    out.backward()
    np.testing.assert_allclose(x.grad, -target / 2, rtol=1e-15)
    np.testing.assert_allclose(tg.kl_div(log_probs, target).item(), each.mean(), rtol=1e-15)
    np.testing.assert_allclose(tg.kl_div(log_probs, target, "none").data, each, rtol=1e-15)
    log_target = np.log(safe)
    np.testing.assert_allclose(
        tg.kl_div(log_probs, log_target, "sum", log_target=True).item(),
        (safe * (log_target - log_probs)).sum(), rtol=1e-15)
    assert repr(nn.KLDivLoss("batchmean")) == "KLDivLoss(reduction='batchmean', log_target=False)"
    with pytest.raises(OpError, match="kl_div: reduction must be"):
        tg.kl_div(log_probs, target, "average")


def test_linear_takes_pytorchs_weight_layout() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    weight = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)  # (out, in)
    out = tg.linear(x, weight, np.ones(4))
    np.testing.assert_array_equal(out.data, x.data @ weight.data.T + 1)
    out.sum().backward()
    np.testing.assert_array_equal(weight.grad, np.ones((4, 2)) @ x.data)


# -- gaussian_nll_loss ----------------------------------------------------------------------------
def test_gaussian_nll_loss_clamps_the_variance_but_passes_its_gradient() -> None:
    """torch 2.13 gives the same numbers and gradients (checked on 80 random settings: var
    per element, per sample, with a size-1 axis, a number, tiny variances clamped)."""
    mean = np.array([[0.5, -1.0], [2.0, 0.0]])
    target = np.array([[1.0, -1.0], [0.0, 0.5]])
    var = np.array([[0.5, 1e-9], [2.0, 1.0]])  # 1e-9 is clamped to eps = 1e-6
    clamped = np.maximum(var, 1e-6)
    each = 0.5 * (np.log(clamped) + (mean - target) ** 2 / clamped)
    v = Tensor(var, requires_grad=True)
    m = Tensor(mean, requires_grad=True)
    out = tg.gaussian_nll_loss(m, target, v, reduction="sum")
    np.testing.assert_allclose(out.item(), each.sum(), rtol=1e-15)
    out.backward()
    # as PyTorch's: the clamped entry's gradient is the formula's at eps, passed through
    np.testing.assert_allclose(v.grad, 0.5 / clamped - 0.5 * (mean - target) ** 2 / clamped ** 2,
                               rtol=1e-15)
    np.testing.assert_allclose(m.grad, (mean - target) / clamped, rtol=1e-15)
    full = tg.gaussian_nll_loss(mean, target, var, full=True, reduction="none").data
    np.testing.assert_allclose(full, each + 0.5 * np.log(2 * np.pi), rtol=1e-15)
    # one variance per sample, as (N,) or (N, 1); or one number
    per_sample = np.array([0.5, 2.0])
    for given in (per_sample, per_sample[:, None]):
        np.testing.assert_allclose(
            tg.gaussian_nll_loss(mean, target, given).item(),
            (0.5 * (np.log(per_sample[:, None]) + (mean - target) ** 2 / per_sample[:, None])
             ).mean(), rtol=1e-15)
    np.testing.assert_allclose(tg.gaussian_nll_loss(mean, target, 2.0).item(),
                               (0.5 * (np.log(2.0) + (mean - target) ** 2 / 2.0)).mean(),
                               rtol=1e-15)
    assert repr(nn.GaussianNLLLoss(full=True)) == "GaussianNLLLoss(reduction='mean')"
    np.testing.assert_allclose(nn.GaussianNLLLoss(eps=1e-3)(mean, target, var).item(),
                               tg.gaussian_nll_loss(mean, target, var, eps=1e-3).item(),
                               rtol=1e-15)


def test_gaussian_nll_loss_refuses_bad_variances() -> None:
    mean = np.zeros((2, 3))
    with pytest.raises(OpError, match="var has negative entries"):
        tg.gaussian_nll_loss(mean, mean, -np.ones((2, 3)))
    with pytest.raises(OpError, match="var must not be negative"):
        tg.gaussian_nll_loss(mean, mean, -1.0)
    with pytest.raises(OpError, match=r"var \(3,\) must have mean's shape \(2, 3\)"):
        tg.gaussian_nll_loss(mean, mean, np.ones(3))
    with pytest.raises(OpError, match=r"mean \(2, 3\) and target \(3,\) must have the same"):
        tg.gaussian_nll_loss(mean, np.zeros(3), np.ones((2, 3)))
    with pytest.raises(OpError, match="gaussian_nll_loss: reduction must be"):
        tg.gaussian_nll_loss(mean, mean, np.ones((2, 3)), reduction="avg")


def test_gaussian_nll_loss_gradcheck() -> None:
    rng = np.random.default_rng(4)
    mean, target = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    tg.gradcheck(lambda m, t, v: tg.gaussian_nll_loss(m, t, v, full=True),
                 Tensor(mean, requires_grad=True), Tensor(target, requires_grad=True),
                 Tensor(rng.random((3, 1)) + 0.5, requires_grad=True))
