"""Loss ops: mean squared error, L1, binary cross-entropy on logits, negative log-likelihood,
and softmax cross-entropy with reductions and label smoothing.

Every op takes `reduction`: "mean" (a 0-d loss, the default), "sum" (0-d) or "none" (one loss
per element, or per row for the class losses). Targets are cast to the prediction's dtype,
so float32 stays float32. Predictions and targets must have the same shape: broadcasting
(N, 1) against (N,) would silently average an (N, N) matrix of wrong pairs.
"""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError, unbroadcast
from ..tensor import Tensor
from .nn import _check_labels

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(op, reduction):
    if reduction not in REDUCTIONS:
        raise OpError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_same_shape(op, pred, target, pred_name="pred"):
    """Refuse a target that would broadcast against the prediction (a 0-d target is fine:
    it compares every element with one value)."""
    if target.shape == pred.shape or target.ndim == 0:
        return
    if pred.ndim == target.ndim + 1 and pred.shape[-1] == 1 and pred.shape[:-1] == target.shape \
            or target.ndim == pred.ndim + 1 and target.shape[-1] == 1 \
            and target.shape[:-1] == pred.shape:
        broadcast = np.broadcast_shapes(pred.shape, target.shape)
        raise OpError(f"{op}: {pred_name} {pred.shape} and target {target.shape} would broadcast "
                      f"to {broadcast}, comparing every prediction with every target: the "
                      f"wrong loss. Make the shapes equal (pred.reshape(-1) or "
                      f"target.reshape(-1, 1))")
    raise OpError(f"{op}: {pred_name} {pred.shape} and target {target.shape} must have the "
                  f"same shape (broadcasting is refused: it would silently give another loss)")


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _grad_scale(grad, size, reduction):
    """d(reduced)/d(each loss) times the incoming grad: grad itself for "none" and "sum"
    (0-d: broadcasts), grad / size for "mean"."""
    return grad / size if reduction == "mean" else grad


class _Elementwise(Function):
    """Shared forward bookkeeping of the elementwise losses (pred, target) -> reduced."""

    __slots__ = ("reduction", "target_shape")

    def _prepare(ctx, op, pred, target, reduction):
        _check_reduction(op, reduction)
        _check_same_shape(op, pred, target)
        if pred.dtype.kind != "f":
            raise OpError(f"{op}: pred must be floating-point, got {pred.dtype}")
        ctx.reduction = reduction
        ctx.target_shape = target.shape
        return pred - target.astype(pred.dtype, copy=False)

    def _grads(ctx, local):
        """The gradients for (pred, target) from d(loss)/d(pred) elementwise (before the
        reduction): the target's is its negative, summed back to the target's shape."""
        needs_pred, needs_target = ctx.needs_input_grad
        return (local if needs_pred else None,
                -unbroadcast(local, ctx.target_shape) if needs_target else None)


class MSELoss(_Elementwise):
    __slots__ = ()

    def forward(ctx, pred, target, reduction="mean"):
        diff = ctx._prepare("mse_loss", pred, target, reduction)
        ctx.save_for_backward(diff)
        return _reduce(diff * diff, reduction)

    def backward(ctx, grad):
        diff, = ctx.saved_tensors
        return ctx._grads(diff * (2 * _grad_scale(grad, diff.size, ctx.reduction)))


class L1Loss(_Elementwise):
    __slots__ = ()

    def forward(ctx, pred, target, reduction="mean"):
        diff = ctx._prepare("l1_loss", pred, target, reduction)
        ctx.save_for_backward(np.sign(diff))  # d|d|/dd, 0 at 0 (as PyTorch)
        return _reduce(np.abs(diff), reduction)

    def backward(ctx, grad):
        sign, = ctx.saved_tensors
        return ctx._grads(sign * _grad_scale(grad, sign.size, ctx.reduction))


def _softplus_neg(x):
    """log(1 + exp(-x)), finite for every x: max(-x, 0) + log1p(exp(-|x|))."""
    return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp of a non-positive number only."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


class BCEWithLogits(Function):
    """-[w t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] with w = pos_weight (1 without),
    written as (1 - t) x + (1 + (w - 1) t) log(1 + exp(-x)) so no large |x| overflows.

    Inputs: logits, target, and optionally pos_weight (broadcast against the logits, one
    weight per class on the last axis). The gradient w.r.t. the logits is
    (1 + (w - 1) t) sigmoid(x) - w t, i.e. sigmoid(x) - t without pos_weight.
    """

    __slots__ = ("reduction", "shapes")

    def forward(ctx, logits, target, pos_weight=None, reduction="mean"):
        op = "binary_cross_entropy_with_logits"
        _check_reduction(op, reduction)
        _check_same_shape(op, logits, target, pred_name="logits")
        if logits.dtype.kind != "f":
            raise OpError(f"{op}: logits must be floating-point, got {logits.dtype}")
        target = target.astype(logits.dtype, copy=False)
        softplus = _softplus_neg(logits)
        if pos_weight is None:
            losses = (1 - target) * logits + softplus
            ctx.shapes = (target.shape,)
        else:
            pos_weight = pos_weight.astype(logits.dtype, copy=False)
            try:
                np.broadcast_shapes(pos_weight.shape, logits.shape)
            except ValueError:
                raise OpError(f"{op}: pos_weight {pos_weight.shape} does not broadcast against "
                              f"logits {logits.shape} (give one weight per class, shape "
                              f"({logits.shape[-1] if logits.ndim else 1},))") from None
            losses = (1 - target) * logits + (1 + (pos_weight - 1) * target) * softplus
            ctx.shapes = (target.shape, pos_weight.shape)
        if losses.shape != logits.shape:  # a pos_weight with more axes than the logits
            raise OpError(f"{op}: pos_weight {pos_weight.shape} would broadcast the logits "
                          f"{logits.shape} to {losses.shape}")
        ctx.reduction = reduction
        ctx.save_for_backward(logits, target, pos_weight, softplus)
        return _reduce(losses, reduction)

    def backward(ctx, grad):
        logits, target, pos_weight, softplus = ctx.saved_tensors
        scale = _grad_scale(grad, logits.size, ctx.reduction)
        needs = ctx.needs_input_grad
        if pos_weight is None:
            d_logits = (_sigmoid(logits) - target) * scale if needs[0] else None
            # dl/dt = -x
            d_target = unbroadcast(-logits * scale, ctx.shapes[0]) if needs[1] else None
            return d_logits, d_target
        d_logits = d_target = d_weight = None
        if needs[0]:
            d_logits = ((1 + (pos_weight - 1) * target) * _sigmoid(logits)
                        - pos_weight * target) * scale
        if needs[1]:  # dl/dt = -x + (w - 1) softplus(-x)
            d_target = unbroadcast((-logits + (pos_weight - 1) * softplus) * scale,
                                   ctx.shapes[0])
        if needs[2]:  # dl/dw = t softplus(-x)
            d_weight = unbroadcast(target * softplus * scale, ctx.shapes[1])
        return d_logits, d_target, d_weight


def _check_class_indices(op, log_probs, labels):
    """Integer labels (N,) in [0, C) for (N, C) log-probabilities, or an OpError."""
    if not hasattr(labels, "dtype"):
        labels = np.asarray(labels)
    where = f"{op}: log_probs {log_probs.shape}, labels {labels.shape}"
    if log_probs.ndim != 2:
        raise OpError(f"{where}: log_probs must be 2-D (batch, classes)")
    n, classes = log_probs.shape
    if labels.ndim != 1 or labels.shape[0] != n or labels.dtype.kind not in "iu":
        raise OpError(f"{where}: expected {n} integer class indices, shape ({n},), got "
                      f"{labels.dtype} of shape {labels.shape}")
    if n and (labels.min() < 0 or labels.max() >= classes):
        raise OpError(f"{where}: class indices must be in [0, {classes}), got values from "
                      f"{labels.min()} to {labels.max()}")
    return labels


class NLLLoss(Function):
    """-log_probs[i, labels[i]] per row, reduced. The gradient is -1 (times the reduction's
    scale) at each row's label and 0 elsewhere."""

    __slots__ = ("labels", "reduction", "shape")

    def forward(ctx, log_probs, labels, reduction="mean"):
        _check_reduction("nll_loss", reduction)
        if isinstance(labels, Tensor):
            labels = labels.data
        labels = _check_class_indices("nll_loss", log_probs, labels)
        ctx.labels, ctx.reduction, ctx.shape = labels, reduction, log_probs.shape
        return _reduce(-log_probs[np.arange(log_probs.shape[0]), labels], reduction)

    def backward(ctx, grad):
        n = ctx.shape[0]
        scale = _grad_scale(grad, n, ctx.reduction)
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        out[np.arange(n), ctx.labels] = -scale
        return out


class CrossEntropy(Function):
    """Softmax cross-entropy with any reduction and label smoothing, fused and stable (the
    plain mean with no smoothing is `SoftmaxCrossEntropy`, the training hot path).

    With smoothing e and C classes, the target of each row is (1 - e) * its one-hot (or
    probability) row + e / C; the loss of a row is -sum(target * log_softmax(logits)) and its
    gradient softmax * sum(target) - target.
    """

    __slots__ = ("labels", "reduction", "smoothing")

    def forward(ctx, logits, labels, reduction="mean", label_smoothing=0.0):
        op = "cross_entropy"
        _check_reduction(op, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise OpError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
        if isinstance(labels, Tensor):
            labels = labels.data
        labels = _check_labels(logits, labels, op=op)
        n, classes = logits.shape
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        keep = 1.0 - label_smoothing
        if labels.ndim == 1:
            losses = -log_probs[np.arange(n), labels]
            if label_smoothing:
                losses = keep * losses - (label_smoothing / classes) * log_probs.sum(axis=1)
        else:
            if label_smoothing:
                labels = keep * labels + label_smoothing / classes
            losses = -(labels * log_probs).sum(axis=1)
        ctx.labels, ctx.reduction, ctx.smoothing = labels, reduction, label_smoothing
        ctx.save_for_backward(np.exp(log_probs, out=log_probs))
        return _reduce(losses, reduction)

    def backward(ctx, grad):
        probs, = ctx.saved_tensors
        n, classes = probs.shape
        labels, e = ctx.labels, ctx.smoothing
        scale = _grad_scale(grad, n, ctx.reduction)
        if ctx.reduction == "none":
            scale = scale[:, None]
        if labels.ndim == 1:  # the target row sums to 1
            out = probs - e / classes if e else probs.copy()
            out[np.arange(n), labels] -= 1.0 - e
        else:
            out = probs * labels.sum(axis=1, keepdims=True) - labels
        out *= scale
        return out
