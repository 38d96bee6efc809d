"""Losses, as functions (`tinygrad_np.mse_loss`, ...) and as modules (`nn.MSELoss()`, ...).

Every loss takes `reduction="mean"` (the default), `"sum"` or `"none"` (the unreduced losses:
one per element for mse/l1/bce, one per row for nll/cross-entropy). The prediction and the
target must have the same shape: a (N, 1) prediction against a (N,) target is refused rather
than broadcast to (N, N).

>>> import numpy as np
>>> from tinygrad_np import Tensor, nn
>>> pred = Tensor([[0.5], [2.0]], requires_grad=True)
>>> round(nn.MSELoss()(pred, np.array([[1.0], [2.0]])).item(), 4)
0.125
>>> nn.CrossEntropyLoss(reduction="none")(Tensor([[0.0, 0.0], [0.0, 0.0]]), [0, 1]).shape
(2,)
"""
from __future__ import annotations

from typing import Any

import math

import numpy as np

from ..function import OpError
from ..functional import log_softmax
from ..ops import loss as ops
from ..ops.nn import SoftmaxCrossEntropy
from ..tensor import Tensor
from ..tensor_ops import _tensor, _tensor_like, where
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "GaussianNLLLoss", "HuberLoss",
           "KLDivLoss", "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "gaussian_nll_loss",
           "huber_loss", "kl_div", "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss"]


# -- functions ----------------------------------------------------------------------------------
def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or each) of (pred - target) ** 2. Shapes must be equal.

    >>> mse_loss(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()
    2.0
    """
    return ops.MSELoss.apply(pred, target, reduction=reduction)


def l1_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or each) of |pred - target|; the gradient at pred == target is 0.

    >>> l1_loss(Tensor([1.0, 2.0]), Tensor([0.0, 4.0]), reduction="sum").item()
    3.0
    """
    return ops.L1Loss.apply(pred, target, reduction=reduction)


def smooth_l1_loss(pred: Any, target: Any, reduction: str = "mean", beta: float = 1.0
                   ) -> Tensor:
    """PyTorch's smooth L1: 0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta, for
    d = pred - target (beta 0: the L1 loss). Shapes must be equal.

    >>> smooth_l1_loss(Tensor([0.5, 3.0]), Tensor([0.0, 0.0]), reduction="none").tolist()
    [0.125, 2.5]
    """
    return ops.SmoothL1Loss.apply(pred, target, reduction=reduction, width=beta,
                                  kind="smooth_l1")


def huber_loss(pred: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """PyTorch's Huber loss: 0.5 * d**2 where |d| < delta, else delta * (|d| - 0.5 * delta).

    >>> huber_loss(Tensor([0.5, 3.0]), Tensor([0.0, 0.0]), reduction="none", delta=2.0).tolist()
    [0.125, 4.0]
    """
    return ops.SmoothL1Loss.apply(pred, target, reduction=reduction, width=delta, kind="huber")


def binary_cross_entropy_with_logits(logits: Any, target: Any, pos_weight: Any = None,
                                     reduction: str = "mean", weight: Any = None) -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against `target` (0/1 or probabilities), in a
    form that stays finite for any logits (1e4 too). `pos_weight` multiplies the loss of the
    positive class, broadcast over the last axis (one weight per class); `weight` (a
    constant that broadcasts to the logits' shape) rescales each element's loss.

    >>> round(binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([1.0])).item(), 4)
    0.6931
    >>> binary_cross_entropy_with_logits(Tensor([1e4, -1e4]), Tensor([1.0, 0.0])).item()
    0.0
    """
    if pos_weight is None:
        return ops.BCEWithLogits.apply(logits, target, reduction=reduction, weight=weight)
    return ops.BCEWithLogits.apply(logits, target, pos_weight, reduction=reduction, weight=weight)


def binary_cross_entropy(probs: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities in [0, 1] (a sigmoid's output) against `target`,
    as PyTorch's F.binary_cross_entropy: each log clamped at -100, so p = 0 or 1 costs 100;
    `weight` rescales each element. For logits, `binary_cross_entropy_with_logits` is exact
    where this one clamps.

    >>> round(binary_cross_entropy(Tensor([0.5]), Tensor([1.0])).item(), 4)
    0.6931
    """
    return ops.BinaryCrossEntropy.apply(probs, target, reduction=reduction, weight=weight)


def kl_div(log_probs: Any, target: Any, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """PyTorch's F.kl_div: target * (log(target) - log_probs) for each element (0 where the
    target is 0), or with `log_target` exp(target) * (target - log_probs); `log_probs` are
    log-probabilities (`log_softmax`). Reductions: "mean" over every element (as PyTorch;
    the KL divergence itself is "batchmean", the sum over the batch size), "sum", "none".

    >>> from tinygrad_np import log_softmax
    >>> kl_div(log_softmax(Tensor([[0.0, 0.0]]), 1), Tensor([[0.5, 0.5]]), "batchmean").item()
    0.0
    """
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise OpError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "
                      f"{reduction!r}")
    x = _tensor(log_probs)
    t = _tensor_like(target, x)
    if t.shape != x.shape:
        raise OpError(f"kl_div: log_probs {x.shape} and target {t.shape} must have the same "
                      f"shape")
    if log_target:
        each = t.exp() * (t - x)
    else:  # x log x is 0 at 0: its log is taken of 1 there (a negative target stays NaN)
        each = t * (where(t.data != 0, t, 1.0).log() - x)
    if reduction == "none":
        return each
    if reduction == "batchmean":
        return each.sum() / (x.shape[0] if x.ndim else 1)
    return each.sum() if reduction == "sum" else each.mean()


def gaussian_nll_loss(mean: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of `target` under a Gaussian with `mean` and variance
    `var`, as PyTorch's F.gaussian_nll_loss: 0.5 * (log(v) + (mean - target) ** 2 / v), plus
    0.5 * log(2 pi) with `full`, where v is var clamped to at least `eps`. As in PyTorch the
    clamp passes var's gradient through unchanged, and var may be one per element (mean's
    shape), one per sample (mean's shape without its last axis, or with one axis of size 1)
    or a number; a negative variance is an error.

    >>> round(gaussian_nll_loss(Tensor([0.0, 1.0]), Tensor([1.0, 1.0]), 1.0).item(), 4)
    0.25
    """
    op = "gaussian_nll_loss"
    ops._check_reduction(op, reduction)
    x = _tensor(mean)
    t = _tensor_like(target, x)
    ops._check_same_shape(op, x, t, "mean")
    if isinstance(var, (int, float, np.floating, np.integer)) and not isinstance(var, bool):
        if var < 0:
            raise OpError(f"{op}: var must not be negative, got {var!r}")
        v = Tensor(np.full(x.shape, var, dtype=x.dtype))
    else:
        v = _tensor_like(var, x)
        if (v.data < 0).any():
            raise OpError(f"{op}: var has negative entries (a variance is at least 0)")
    if v.shape != x.shape:
        if v.shape == x.shape[:-1]:  # one variance per sample
            v = v.reshape((*v.shape, 1))
        elif not (v.ndim == x.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1):
            raise OpError(f"{op}: var {v.shape} must have mean's shape {x.shape}, that shape "
                          f"without its last axis, or one axis of size 1")
    # clamped to eps, with var's gradient passed through as it is (PyTorch clamps in place
    # under no_grad): v - v is exactly 0, so the value is exactly eps
    v = where(v.data < eps, v - v.detach() + eps, v)
    each = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        each = each + 0.5 * math.log(2 * math.pi)
    return ops._reduce(each, reduction)


def nll_loss(log_probs: Any, labels: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -log_probs[i, labels[i]], for (N, C) log-probabilities (from
    `log_softmax`) and N integer class indices, as PyTorch's: `weight` (C,) scales each
    class's loss, rows labelled `ignore_index` count 0, and "mean" divides by the summed
    weights (or the number) of the rows that count.

    >>> from tinygrad_np import log_softmax
    >>> round(nll_loss(log_softmax(Tensor([[0.0, 0.0]])), [1]).item(), 4)
    0.6931
    """
    log_probs, labels, each_shape = _classes_last("nll_loss", log_probs, labels)
    loss = ops.NLLLoss.apply(log_probs, labels=labels, weight=weight, ignore_index=ignore_index,
                             reduction=reduction)
    return loss if each_shape is None or reduction != "none" else loss.reshape(each_shape)


def cross_entropy(logits: Any, labels: Any, label_smoothing: float = 0.0,
                  reduction: str = "mean", weight: Any = None,
                  ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy of (N, C) logits against N integer class indices or (N, C)
    probability rows, fused and stable for any logits, as PyTorch's: `label_smoothing` e
    mixes each target row with the uniform one, (1 - e) * target + e / C; `weight` (C,)
    scales each class; rows labelled `ignore_index` count 0; "mean" divides by N, or for
    integer labels with weights or ignored rows by the summed weights (or the number) of the
    rows that count.

    Probability rows that require grad get PyTorch's gradient, -(1 - label_smoothing) *
    weight * log_softmax(logits), reduced (made of ops there, to any order). The default
    (mean, no smoothing, weights or ignored rows, a constant target) is exactly
    `softmax_cross_entropy`.

    >>> round(cross_entropy(Tensor([[2.0, 0.0]]), [0], label_smoothing=0.2).item(), 4)
    0.3269
    """
    logits, labels, each_shape = _classes_last("cross_entropy", logits, labels)
    if reduction == "mean" and label_smoothing == 0.0 and weight is None and not _not_plain(
            labels, ignore_index):
        return SoftmaxCrossEntropy.apply(logits, labels=labels)
    if isinstance(labels, Tensor) and labels.requires_grad:
        loss = _learned_targets(logits, labels, float(label_smoothing), reduction, weight)
    else:
        loss = ops.CrossEntropy.apply(logits, labels=labels, reduction=reduction,
                                      label_smoothing=float(label_smoothing), weight=weight,
                                      ignore_index=ignore_index)
    return loss if each_shape is None or reduction != "none" else loss.reshape(each_shape)


def _learned_targets(logits: Any, target: Tensor, label_smoothing: float, reduction: str,
                     weight: Any) -> Tensor:
    """`cross_entropy` of (N, C) logits against probability rows that require grad, made of
    ops (the fused ones take the target as a constant): -sum(t * log_softmax(logits)) per
    row, t the rows smoothed and weighted, so the target's gradient is PyTorch's,
    -(1 - label_smoothing) * weight * log_softmax(logits), reduced; "mean" divides by N."""
    op = "cross_entropy"
    ops._check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise OpError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x = _tensor(logits)
    if x.ndim != 2 or target.shape != x.shape or target.dtype.kind != "f":
        raise OpError(f"{op}: logits {x.shape}, labels {target.shape}: expected float target "
                      f"rows of shape {x.shape}")
    t = target if target.dtype == x.dtype else target.astype(x.dtype)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / x.shape[1]
    w = ops._class_weight(op, weight, x.shape[1], x.dtype)
    if w is not None:
        t = t * w
    return ops._reduce(-(t * log_softmax(x, axis=1)).sum(axis=1), reduction)


def _classes_last(op: str, logits: Any, labels: Any) -> tuple[Any, Any, Any]:
    """PyTorch's other layouts of a classification loss, as the (N, C) rows the ops take:
    logits (N, C, d1, ...) with labels (N, d1, ...) or target rows (N, C, d1, ...), a class
    per position (a segmentation's pixels), become (N * d1 * ..., C) rows; one unbatched (C,)
    with a label () or a target row (C,) becomes one row. Also returns the shape of a
    reduction="none" result: (N, d1, ...), (), or None for logits already (N, C).

    >>> rows, labels, each = _classes_last("cross_entropy", Tensor(np.zeros((2, 3, 4))),
    ...                                    np.zeros((2, 4), int))
    >>> rows.shape, labels.shape, each
    ((8, 3), (8,), (2, 4))
    """
    shape = getattr(logits, "shape", None)
    if shape is None or len(shape) == 2 or len(shape) == 0:
        return logits, labels, None  # (N, C), or what the op itself explains
    target = labels if isinstance(labels, Tensor) or hasattr(labels, "dtype") \
        else np.asarray(labels)
    rows = shape if len(shape) == 1 else shape[:1] + shape[2:]
    each: tuple[int, ...] = () if len(shape) == 1 else rows
    if target.dtype.kind in "iub" and target.shape == each:
        labels_flat = target.reshape(-1)
    elif target.dtype.kind == "f" and target.shape == shape:
        labels_flat = _rows_of_classes(target)
    else:
        raise OpError(f"{op}: logits {shape}, labels {target.shape}: expected integer class "
                      f"indices of shape {each} or float target rows of shape {shape}")
    return _rows_of_classes(_tensor(logits)), labels_flat, each


def _rows_of_classes(x: Any) -> Any:
    """(N, C, d1, ...) as (N * d1 * ..., C), the class axis last; (C,) as (1, C)."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    axes = (0, *range(2, x.ndim), 1)
    return x.transpose(axes).reshape(-1, x.shape[1])


def _not_plain(labels: Any, ignore_index: int) -> bool:
    """Whether `labels` need more than the fused mean: integer labels holding `ignore_index`,
    or target rows that require grad (one test of the type, so the hot path pays nothing)."""
    if isinstance(labels, Tensor):
        if labels.requires_grad:
            return True
        array = labels.data
    else:
        array = labels
    if not hasattr(array, "dtype"):
        array = np.asarray(array)
    return array.ndim == 1 and array.dtype.kind in "iu" and bool((array == ignore_index).any())


# -- modules ------------------------------------------------------------------------------------
class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """`mse_loss` as a module: `nn.MSELoss()(pred, target)`."""

    def forward(self, pred: Any, target: Any) -> Tensor:
        return mse_loss(pred, target, reduction=self.reduction)


class L1Loss(_Loss):
    """`l1_loss` as a module."""

    def forward(self, pred: Any, target: Any) -> Tensor:
        return l1_loss(pred, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """`smooth_l1_loss` as a module."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, pred: Any, target: Any) -> Tensor:
        return smooth_l1_loss(pred, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """`huber_loss` as a module."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, pred: Any, target: Any) -> Tensor:
        return huber_loss(pred, target, reduction=self.reduction, delta=self.delta)


class BCEWithLogitsLoss(_Loss):
    """`binary_cross_entropy_with_logits` as a module; `weight` and `pos_weight` are buffers
    (in `state_dict`, as PyTorch's)."""

    weight: Any
    pos_weight: Any

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, logits: Any, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(logits, target, pos_weight=self.pos_weight,
                                                reduction=self.reduction, weight=self.weight)


class BCELoss(_Loss):
    """`binary_cross_entropy` as a module; `weight` is a buffer (in `state_dict`)."""

    weight: Any

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, probs: Any, target: Any) -> Tensor:
        return binary_cross_entropy(probs, target, weight=self.weight, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """`gaussian_nll_loss` as a module: `nn.GaussianNLLLoss()(mean, target, var)`."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
                 ) -> None:
        super().__init__(reduction)
        self.full, self.eps = bool(full), float(eps)

    def forward(self, mean: Any, target: Any, var: Any) -> Tensor:
        return gaussian_nll_loss(mean, target, var, self.full, self.eps, self.reduction)


class KLDivLoss(Module):
    """`kl_div` as a module: `nn.KLDivLoss(reduction="batchmean")(log_probs, target)`."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction, self.log_target = reduction, bool(log_target)

    def forward(self, log_probs: Any, target: Any) -> Tensor:
        return kl_div(log_probs, target, reduction=self.reduction, log_target=self.log_target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, log_target={self.log_target}"


class NLLLoss(_Loss):
    """`nll_loss` as a module: `nn.NLLLoss()(log_probs, labels)`; `weight` is a buffer."""

    weight: Any

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = int(ignore_index)

    def forward(self, log_probs: Any, labels: Any) -> Tensor:
        return nll_loss(log_probs, labels, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """`cross_entropy` as a module: `nn.CrossEntropyLoss(label_smoothing=0.1)(logits, y)`;
    `weight` is a buffer.

    >>> CrossEntropyLoss(reduction="sum", label_smoothing=0.1)
    CrossEntropyLoss(reduction='sum', label_smoothing=0.1)
    """

    weight: Any

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], "
                             f"got {label_smoothing}")
        self.register_buffer("weight", weight)
        self.ignore_index = int(ignore_index)
        self.label_smoothing = float(label_smoothing)

    def forward(self, logits: Any, labels: Any) -> Tensor:
        return cross_entropy(logits, labels, label_smoothing=self.label_smoothing,
                             reduction=self.reduction, weight=self.weight,
                             ignore_index=self.ignore_index)

    def extra_repr(self) -> str:
        text = f"reduction={self.reduction!r}, label_smoothing={self.label_smoothing}"
        return text + ("" if self.ignore_index == -100 else f", ignore_index={self.ignore_index}")
