"""nn/functional.py: `import tinygrad_np.nn.functional as F` gives the package's functions
under PyTorch's names, and PyTorch's own arguments for `pad` and the losses
(nn/functional_losses.py)."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tinygrad_np as tg
import tinygrad_np.nn.functional as F
from tinygrad_np import OpError, Tensor, nn


# torch 2.13: each inspect.signature(torch.nn.functional.<name>), names and defaults
TORCH_LOSS_SIGNATURES = {
    "binary_cross_entropy": "input, target, weight=None, size_average=None, reduce=None, "
                            "reduction='mean'",
    "binary_cross_entropy_with_logits": "input, target, weight=None, size_average=None, "
                                        "reduce=None, reduction='mean', pos_weight=None",
    "cosine_embedding_loss": "input1, input2, target, margin=0, size_average=None, reduce=None, "
                             "reduction='mean'",
    "cross_entropy": "input, target, weight=None, size_average=None, ignore_index=-100, "
                     "reduce=None, reduction='mean', label_smoothing=0.0",
    "gaussian_nll_loss": "input, target, var, full=False, eps=1e-06, reduction='mean'",
    "hinge_embedding_loss": "input, target, margin=1.0, size_average=None, reduce=None, "
                            "reduction='mean'",
    "huber_loss": "input, target, reduction='mean', delta=1.0, weight=None",
    "kl_div": "input, target, size_average=None, reduce=None, reduction='mean', "
              "log_target=False",
    "l1_loss": "input, target, size_average=None, reduce=None, reduction='mean', weight=None",
    "margin_ranking_loss": "input1, input2, target, margin=0, size_average=None, reduce=None, "
                           "reduction='mean'",
    "mse_loss": "input, target, size_average=None, reduce=None, reduction='mean', weight=None",
    "multi_margin_loss": "input, target, p=1, margin=1.0, weight=None, size_average=None, "
                         "reduce=None, reduction='mean'",
    "multilabel_margin_loss": "input, target, size_average=None, reduce=None, "
                              "reduction='mean'",
    "multilabel_soft_margin_loss": "input, target, weight=None, size_average=None, "
                                   "reduce=None, reduction='mean'",
    "nll_loss": "input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, "
                "reduction='mean'",
    "poisson_nll_loss": "input, target, log_input=True, full=False, size_average=None, "
                        "eps=1e-08, reduce=None, reduction='mean'",
    "smooth_l1_loss": "input, target, size_average=None, reduce=None, reduction='mean', "
                      "beta=1.0",
    "soft_margin_loss": "input, target, size_average=None, reduce=None, reduction='mean'",
    "triplet_margin_loss": "anchor, positive, negative, margin=1.0, p=2, eps=1e-06, "
                           "swap=False, size_average=None, reduce=None, reduction='mean'",
}


def _plain_signature(fn):
    params = inspect.signature(fn).parameters.values()
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params), fn
    return ", ".join(p.name if p.default is p.empty else f"{p.name}={p.default!r}"
                     for p in params)


def test_every_name_is_the_packages_own_function_but_pad_and_the_losses():
    assert nn.functional is F
    for name in F.__all__:
        assert callable(getattr(F, name)), name
        if name != "pad" and name not in TORCH_LOSS_SIGNATURES:
            assert getattr(F, name) is getattr(tg, name), name
    assert len(F.__all__) >= 95


@pytest.mark.parametrize("name", sorted(TORCH_LOSS_SIGNATURES))
def test_each_loss_takes_pytorchs_exact_signature(name):
    assert name in F.__all__
    assert _plain_signature(getattr(F, name)) == TORCH_LOSS_SIGNATURES[name]
    assert getattr(F, name) is not getattr(tg, name)  # the package's own keeps its own


def test_the_third_argument_means_what_it_means_in_pytorch():
    """torch 2.13, float64: F.cross_entropy(x, y, w) and x.grad; then
    F.binary_cross_entropy_with_logits(l, t, bw), (l, t, pos_weight=bw[0]) and with both."""
    x = Tensor(np.array([[2.0, 0.0, -1.0], [0.5, 1.0, 0.0]]), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 2]), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(loss.item(), 1.3026637578703724, rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad, [[-0.039051316379665135, 0.02854879984614862,
                                         0.010502516533516512],
                                        [0.23039691428887377, 0.37986029329174054,
                                         -0.6102572075806143]], rtol=1e-13)
    logits = np.array([[0.0, 1.0], [-2.0, 0.5]])
    target = np.array([[1.0, 0.0], [1.0, 1.0]])
    weight = np.array([[2.0, 0.5], [1.0, 3.0]])
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(logits, target, weight).item(),
                               1.3980210421155739, rtol=1e-14)
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(logits, target, pos_weight=weight[0]).item(),
        1.797612640703528, rtol=1e-14)
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(input=Tensor(logits), target=target, weight=weight,
                                           pos_weight=weight[0]).item(),
        2.0985477660887497, rtol=1e-14)


def test_losses_take_pytorchs_keywords_and_refuse_the_packages_own():
    x, y = np.array([[0.5, -1.0]]), np.array([1])
    expected = tg.cross_entropy(x, y, label_smoothing=0.1).item()
    assert F.cross_entropy(input=x, target=y, label_smoothing=0.1).item() == expected
    assert F.nll_loss(x, y, None, None, 1, None, "sum").item() == 0.0  # ignore_index 5th
    assert F.nll_loss(x, y, None, None, 0, None, "sum").item() == 1.0
    with pytest.raises(TypeError, match="unexpected keyword argument 'logits'"):
        F.cross_entropy(logits=x, target=y)
    with pytest.raises(TypeError, match="unexpected keyword argument 'size_average'"):
        F.huber_loss(x, x, size_average=True)  # PyTorch's huber_loss has no legacy ones
    with pytest.raises(TypeError, match="multiple values for argument 'weight'"):
        F.nll_loss(x, y, None, weight=None)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'var'"):
        F.gaussian_nll_loss(x, x)


@pytest.mark.parametrize("size_average, reduce, reduction", [
    (None, None, "mean"), (True, None, "mean"), (False, None, "sum"), (None, True, "mean"),
    (None, False, "none"), (True, True, "mean"), (False, True, "sum"), (True, False, "none"),
    (False, False, "none"),
])
def test_legacy_size_average_and_reduce_become_pytorchs_reduction(size_average, reduce,
                                                                  reduction):
    """PyTorch's _Reduction.legacy_get_string: either given overrides `reduction`, with its
    warning (torch 2.13's text); neither given leaves `reduction` alone, silently."""
    x = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, 0.5]])
    t = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 2.0]])
    labels = np.array([2, 0])
    given = size_average is not None or reduce is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = {
            "mse": F.mse_loss(x, t, size_average, reduce, "sum"),
            "cross_entropy": F.cross_entropy(x, labels, None, size_average, -100, reduce,
                                             "sum"),
            "kl_div": F.kl_div(x, t, size_average=size_average, reduce=reduce,
                               reduction="sum"),
            "poisson": F.poisson_nll_loss(x, t, True, False, size_average, 1e-8, reduce, "sum"),
        }
    reduction = reduction if given else "sum"
    expected = {"mse": tg.mse_loss(x, t, reduction),
                "cross_entropy": tg.cross_entropy(x, labels, reduction=reduction),
                "kl_div": tg.kl_div(x, t, reduction),
                "poisson": tg.poisson_nll_loss(x, t, reduction=reduction)}
    for name, value in out.items():
        np.testing.assert_array_equal(value.data, expected[name].data, err_msg=name)
    messages = [str(w.message) for w in caught]
    assert messages == [f"size_average and reduce args will be deprecated, please use "
                        f"reduction='{reduction}' instead."] * 4 * given
    assert all(w.category is UserWarning and w.filename == __file__ for w in caught)


def test_kl_div_batchmean_divides_a_legacy_reduction_by_the_batch_too():
    """As torch 2.13's F.kl_div: the legacy arguments pick the reduction, and
    reduction="batchmean" still divides it by the batch size."""
    log_probs = np.log(np.array([[0.25, 0.75], [0.5, 0.5], [0.1, 0.9]]))
    target = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    each = tg.kl_div(log_probs, target, reduction="none").data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summed = F.kl_div(log_probs, target, size_average=False, reduction="batchmean")
        none = F.kl_div(log_probs, target, reduce=False, reduction="batchmean")
    assert summed.item() == each.sum() / 3
    np.testing.assert_array_equal(none.data, each / 3)


@pytest.mark.parametrize("loss, expected, x_grad, w_grad", [
    # torch 2.13, float64: F.<loss>(x, 0, reduction=r, weight=w), the sum of it backward
    ("mse_loss", {"mean": 6.25, "sum": 25.0, "none": [[1.0, 8.0], [0.0, 16.0]]},
     {"mean": [[0.5, 2.0], [0.0, 2.0]], "sum": [[2.0, 8.0], [0.0, 8.0]]},
     {"mean": [[-1.3125, -0.5625], [0.6875, 2.4375]], "sum": [[1.0, 4.0], [9.0, 16.0]]}),
    ("l1_loss", {"mean": 2.25, "sum": 9.0, "none": [[1.0, 4.0], [0.0, 4.0]]},
     {"mean": [[0.25, 0.5], [0.0, 0.25]], "sum": [[1.0, 2.0], [0.0, 1.0]]},
     {"mean": [[-0.3125, -0.0625], [0.1875, 0.4375]], "sum": [[1.0, 2.0], [3.0, 4.0]]}),
    ("huber_loss", {"mean": 1.75, "sum": 7.0, "none": [[0.5, 3.0], [0.0, 3.5]]},
     {"mean": [[0.25, 0.5], [0.0, 0.25]], "sum": [[1.0, 2.0], [0.0, 1.0]]},
     {"mean": [[0.125, 0.375], [0.625, 0.875]], "sum": [[0.5, 1.5], [2.5, 3.5]]}),
])
def test_mse_l1_and_huber_take_pytorchs_elementwise_weight(loss, expected, x_grad, w_grad):
    """mse and l1 divide by the summed weights for "mean", huber by the count (PyTorch)."""
    for reduction in ("mean", "sum", "none"):
        x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
        w = Tensor(np.array([[1.0, 2.0], [0.0, 1.0]]), requires_grad=True)
        out = getattr(F, loss)(x, np.zeros((2, 2)), reduction=reduction, weight=w)
        np.testing.assert_allclose(out.data, expected[reduction], rtol=1e-15)
        out.sum().backward()
        key = "sum" if reduction == "none" else reduction
        np.testing.assert_allclose(x.grad, x_grad[key], rtol=1e-15)
        np.testing.assert_allclose(w.grad, w_grad[key], rtol=1e-15)
    unweighted = getattr(F, loss)(np.array([1.0, 3.0]), np.zeros(2), weight=None)
    assert unweighted.item() == getattr(tg, loss)(np.array([1.0, 3.0]), np.zeros(2)).item()
    with pytest.raises(OpError, match=rf"{loss}: weight \(2,\) must have the input's shape"):
        getattr(F, loss)(np.ones((2, 2)), np.zeros((2, 2)), weight=np.ones(2))


def test_a_pytorch_style_forward_runs():
    tg.manual_seed(0)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 1, 8, 8)))
    conv = nn.Conv2d(1, 4, 3, padding=1).double()
    h = F.max_pool2d(F.relu(conv(x)), 2)
    logits = F.linear(h.flatten(1), Tensor(np.ones((3, 64))))
    loss = F.cross_entropy(logits, np.array([0, 2]))
    loss.backward()
    assert logits.shape == (2, 3) and conv.weight.grad.shape == (4, 1, 3, 3)


@pytest.mark.parametrize("padding, mode, expected_shape", [
    ((1, 2), "constant", (1, 2, 3, 7)),
    ((1, 0, 2, 1), "constant", (1, 2, 6, 5)),
    ((1, 1, 1, 1, 1, 0), "constant", (1, 3, 5, 6)),
    ((2, 1), "reflect", (1, 2, 3, 7)),
    ((1, 1, 2, 2), "replicate", (1, 2, 7, 6)),
    ((1, 2, 0, 1), "circular", (1, 2, 4, 7)),
])
def test_pad_takes_pytorchs_order_last_axis_first(padding, mode, expected_shape):
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    out = F.pad(Tensor(x), padding, mode=mode)
    assert out.shape == expected_shape
    pairs = [tuple(padding[i:i + 2]) for i in range(0, len(padding), 2)][::-1]
    width = [(0, 0)] * (4 - len(pairs)) + pairs
    numpy_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                  "circular": "wrap"}[mode]
    np.testing.assert_array_equal(out.data, np.pad(x, width, mode=numpy_mode))


def test_pad_value_and_bad_padding():
    out = F.pad(Tensor(np.ones((1, 2))), (0, 1), value=-3.0)
    assert out.tolist() == [[1.0, 1.0, -3.0]]
    with pytest.raises(OpError, match="pad: padding \\(1,\\) must be \\(before, after\\) pairs"):
        F.pad(Tensor(np.ones((1, 2))), (1,))
    with pytest.raises(OpError, match="at most the 2 axes"):
        F.pad(Tensor(np.ones((1, 2))), (1, 1, 1, 1, 1, 1))
    with pytest.raises(OpError, match=">= 0"):
        F.pad(Tensor(np.ones((1, 2))), (-1, 0))
