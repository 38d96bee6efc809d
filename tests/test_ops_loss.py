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
    np.testing.assert_allclose(tg.nll_loss(Tensor(x).log_softmax(axis=1), labels, "none").data,
                               each.data, rtol=1e-14)


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
                               tg.cross_entropy(Tensor(Z), LABELS, 0.1, "sum").item())
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
    with pytest.raises(OpError, match="log_probs must be 2-D"):
        tg.nll_loss(Tensor(np.zeros(3)), [0])


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
