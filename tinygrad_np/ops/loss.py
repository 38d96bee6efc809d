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
from .activation import sigmoid_of as _sigmoid, softplus_neg as _softplus_neg
from .adjoint import cast_like, sum_to
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


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _weighted_scale(ctx, grad, size):
    """`_grad_scale` times the op's element weight (`ctx.weight`), if it has one."""
    scale = _grad_scale(grad, size, ctx.reduction)
    return scale if ctx.weight is None else scale * ctx.weight


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

    def _graph_grads(ctx, local):
        """`_grads` on Tensors."""
        needs_pred, needs_target = ctx.needs_input_grad
        return (local if needs_pred else None,
                -sum_to(local, ctx.target_shape) if needs_target else None)


class MSELoss(_Elementwise):
    __slots__ = ()

    def forward(ctx, pred, target, reduction="mean"):
        diff = ctx._prepare("mse_loss", pred, target, reduction)
        ctx.save_for_backward(diff)
        return _reduce(diff * diff, reduction)

    def backward(ctx, grad):
        diff, = ctx.saved_tensors
        return ctx._grads(diff * (2 * _grad_scale(grad, diff.size, ctx.reduction)))

    def backward_graph(ctx, grad, out):
        pred, target = ctx.parents
        diff = pred - cast_like(target, pred.dtype)
        return ctx._graph_grads(diff * (2 * _grad_scale(grad, diff.size, ctx.reduction)))


class L1Loss(_Elementwise):
    __slots__ = ()

    def forward(ctx, pred, target, reduction="mean"):
        diff = ctx._prepare("l1_loss", pred, target, reduction)
        ctx.save_for_backward(np.sign(diff))  # d|d|/dd, 0 at 0 (as PyTorch)
        return _reduce(np.abs(diff), reduction)

    def backward(ctx, grad):
        sign, = ctx.saved_tensors
        return ctx._grads(sign * _grad_scale(grad, sign.size, ctx.reduction))

    def backward_graph(ctx, grad, out):  # the sign is constant where the derivative exists
        sign, = ctx.saved_tensors
        return ctx._graph_grads(_grad_scale(grad, sign.size, ctx.reduction) * sign)


class SmoothL1Loss(_Elementwise):
    """PyTorch's smooth_l1_loss (`kind` "smooth_l1", width `beta`: 0.5 * d**2 / beta inside,
    |d| - 0.5 * beta outside) and huber_loss (`kind` "huber", width delta: 0.5 * d**2
    inside, delta * (|d| - 0.5 * delta) outside), with |d| < width inside."""

    __slots__ = ("width", "kind")

    def forward(ctx, pred, target, reduction="mean", width=1.0, kind="smooth_l1"):
        op = f"{kind}_loss"
        name = "beta" if kind == "smooth_l1" else "delta"
        if isinstance(width, bool) or not isinstance(width, (int, float)) or \
                not (width >= 0 if kind == "smooth_l1" else width > 0):
            raise OpError(f"{op}: {name} must be a number "
                          f"{'>= 0' if kind == 'smooth_l1' else '> 0'}, got {width!r}")
        diff = ctx._prepare(op, pred, target, reduction)
        ctx.width, ctx.kind = float(width), kind
        ctx.save_for_backward(diff)
        size = np.abs(diff)
        inside = size < width
        if kind == "smooth_l1":
            loss = size if not width else np.where(inside, 0.5 * diff * diff / width,
                                                   size - 0.5 * width)
        else:
            loss = np.where(inside, 0.5 * diff * diff, width * (size - 0.5 * width))
        return _reduce(loss, reduction)

    def _slopes(ctx, diff):
        """d(loss)/d(diff) = diff * inner + outer: inner the slope's factor inside the width,
        outer its constant outside (both constants where the derivative exists)."""
        inside = np.abs(diff) < ctx.width
        outer = np.sign(diff) * ~inside * (1.0 if ctx.kind == "smooth_l1" else ctx.width)
        inner = inside * (1.0 / ctx.width if ctx.kind == "smooth_l1" and ctx.width else 1.0)
        return inner.astype(diff.dtype), outer.astype(diff.dtype)

    def backward(ctx, grad):
        diff, = ctx.saved_tensors
        inner, outer = ctx._slopes(diff)
        return ctx._grads((diff * inner + outer) * _grad_scale(grad, diff.size, ctx.reduction))

    def backward_graph(ctx, grad, out):
        pred, target = ctx.parents
        diff = pred - cast_like(target, pred.dtype)
        inner, outer = ctx._slopes(diff.data)
        return ctx._graph_grads((diff * inner + outer)
                                * _grad_scale(grad, diff.size, ctx.reduction))


class SoftplusNeg(Function):
    """log(1 + exp(-x)) as an op, for BCEWithLogits' differentiable backward."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _softplus_neg(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * _sigmoid(-x)

    def backward_graph(ctx, grad, out):
        return -grad * (-ctx.parents[0]).sigmoid()


class BinaryCrossEntropy(Function):
    """-w [t log p + (1 - t) log(1 - p)] for probabilities p in [0, 1], as PyTorch's
    F.binary_cross_entropy: each log clamped at -100 (p = 0 or 1 costs 100, not inf). The
    gradient with respect to p is w (p - t) / max(p (1 - p), 1e-12), with PyTorch's epsilon (a
    float32 1e-12), and with respect to t it is w (log(1 - p) - log p), unclamped."""

    __slots__ = ("reduction", "weight", "target_shape")

    def forward(ctx, probs, target, reduction="mean", weight=None):
        op = "binary_cross_entropy"
        _check_reduction(op, reduction)
        _check_same_shape(op, probs, target, pred_name="input")
        if probs.dtype.kind != "f":
            raise OpError(f"{op}: input must be floating-point probabilities, got {probs.dtype}")
        if ((probs < 0) | (probs > 1)).any():
            raise OpError(f"{op}: input {probs.shape}: all elements of input should be between "
                          f"0 and 1 (probabilities; for logits use "
                          f"binary_cross_entropy_with_logits)")
        target = target.astype(probs.dtype, copy=False)
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped right after
            log_p = np.maximum(np.log(probs), -100)
            log_q = np.maximum(np.log1p(-probs), -100)
        losses = (target - 1) * log_q - target * log_p
        weight = _element_weight(op, weight, probs, "the input's")
        if weight is not None:
            losses = losses * weight
        ctx.reduction, ctx.weight, ctx.target_shape = reduction, weight, target.shape
        ctx.save_for_backward(probs, target)
        return _reduce(losses, reduction)

    def backward(ctx, grad):
        probs, target = ctx.saved_tensors
        scale = _weighted_scale(ctx, grad, probs.size)
        needs = ctx.needs_input_grad
        d_probs = d_target = None
        if needs[0]:
            floor = np.asarray(_BCE_EPSILON, dtype=probs.dtype)
            d_probs = (probs - target) / np.maximum(probs * (1 - probs), floor) * scale
        if needs[1]:
            with np.errstate(divide="ignore"):
                d_target = unbroadcast((np.log1p(-probs) - np.log(probs)) * scale,
                                       ctx.target_shape)
        return d_probs, d_target

    def backward_graph(ctx, grad, out):  # backward's formulas on the input Tensors
        probs = ctx.parents[0]
        target = cast_like(ctx.parents[1], probs.dtype)
        scale = _weighted_scale(ctx, grad, probs.size)
        needs = ctx.needs_input_grad
        floor = np.asarray(_BCE_EPSILON, dtype=probs.dtype)
        return ((probs - target) / (probs * (1 - probs)).maximum(floor) * scale
                if needs[0] else None,
                sum_to(((-probs).log1p() - probs.log()) * scale, ctx.target_shape)
                if needs[1] else None)


def _element_weight(op, weight, pred, whose):
    """PyTorch's per-element rescaling `weight` (a constant) as an array of `pred`'s dtype that
    broadcasts to its shape, or None."""
    if weight is None:
        return None
    weight = weight.data if isinstance(weight, Tensor) else weight
    if not hasattr(weight, "dtype"):
        weight = np.asarray(weight)
    weight = weight.astype(pred.dtype, copy=False)
    if not _broadcasts_to(weight.shape, pred.shape):
        raise OpError(f"{op}: weight {weight.shape} must broadcast to {whose} shape "
                      f"{pred.shape}")
    return weight


_BCE_EPSILON = float(np.float32(1e-12))  # PyTorch's: a float constant, widened


class BCEWithLogits(Function):
    """-[w t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] with w = pos_weight (1 without),
    written as (1 - t) x + (1 + (w - 1) t) log(1 + exp(-x)) so no large |x| overflows.

    Inputs: logits, target, and optionally pos_weight (broadcast against the logits, one
    weight per class on the last axis). The gradient w.r.t. the logits is
    (1 + (w - 1) t) sigmoid(x) - w t, i.e. sigmoid(x) - t without pos_weight.
    """

    __slots__ = ("reduction", "shapes", "weight")

    def forward(ctx, logits, target, pos_weight=None, reduction="mean", weight=None):
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
        weight = _element_weight(op, weight, logits, "the logits'")
        if weight is not None:
            losses = losses * weight
        ctx.reduction, ctx.weight = reduction, weight
        ctx.save_for_backward(logits, target, pos_weight, softplus)
        return _reduce(losses, reduction)

    def backward(ctx, grad):
        logits, target, pos_weight, softplus = ctx.saved_tensors
        scale = _weighted_scale(ctx, grad, logits.size)
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

    def backward_graph(ctx, grad, out):  # backward's formulas on the input Tensors
        logits = ctx.parents[0]
        target = cast_like(ctx.parents[1], logits.dtype)
        scale = _weighted_scale(ctx, grad, logits.size)
        needs = ctx.needs_input_grad
        sig = logits.sigmoid()
        if len(ctx.parents) == 2:
            return ((sig - target) * scale if needs[0] else None,
                    sum_to(-logits * scale, ctx.shapes[0]) if needs[1] else None)
        pos_weight = cast_like(ctx.parents[2], logits.dtype)
        softplus = SoftplusNeg.apply(logits)
        return (((1 + (pos_weight - 1) * target) * sig - pos_weight * target) * scale
                if needs[0] else None,
                sum_to((-logits + (pos_weight - 1) * softplus) * scale, ctx.shapes[0])
                if needs[1] else None,
                sum_to(target * softplus * scale, ctx.shapes[1]) if needs[2] else None)


def _class_weight(op, weight, classes, dtype):
    """`weight` (C,) as an array of the logits' dtype, or None."""
    if weight is None:
        return None
    weight = weight.data if isinstance(weight, Tensor) else weight
    if not hasattr(weight, "dtype"):
        weight = np.asarray(weight)
    if weight.shape != (classes,) or weight.dtype.kind not in "iuf":
        raise OpError(f"{op}: weight must be one number per class, shape ({classes},), got "
                      f"{weight.dtype} of shape {weight.shape}")
    return weight.astype(dtype, copy=False)


def _kept(labels, ignore_index):
    """The mask of labels that count (not `ignore_index`), or None when every one does."""
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or not labels.size:
        return None
    keep = labels != ignore_index
    return None if keep.all() else keep


def _mean_divisor(labels, keep, weight):
    """What "mean" divides the summed losses by, as PyTorch: the number of labels that count,
    or with class weights the sum of their weights."""
    if weight is not None:
        picked = weight[labels] if keep is None else weight[labels[keep]]
        return picked.sum()
    return labels.shape[0] if keep is None else int(keep.sum())


def _check_class_indices(op, log_probs, labels, keep, ignore_index):
    """Integer labels (N,) in [0, C) for (N, C) log-probabilities (ignored ones aside), or an
    OpError."""
    if not hasattr(labels, "dtype"):
        labels = np.asarray(labels)
    where = f"{op}: log_probs {log_probs.shape}, labels {labels.shape}"
    if log_probs.ndim != 2:
        raise OpError(f"{where}: log_probs must be 2-D (batch, classes)")
    n, classes = log_probs.shape
    if labels.ndim != 1 or labels.shape[0] != n or labels.dtype.kind not in "iu":
        raise OpError(f"{where}: expected {n} integer class indices, shape ({n},), got "
                      f"{labels.dtype} of shape {labels.shape}")
    counted = labels if keep is None else labels[keep]
    if counted.size and (counted.min() < 0 or counted.max() >= classes):
        raise OpError(f"{where}: class indices must be in [0, {classes}), got values from "
                      f"{counted.min()} to {counted.max()} (rows labelled ignore_index="
                      f"{ignore_index} are skipped)")
    return labels


def _divide(total, divisor):
    """total / divisor; 0 / 0 (every label ignored) is NaN, as in PyTorch, without a warning."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / divisor


class NLLLoss(Function):
    """-weight[y] * log_probs[i, y] per row (y = labels[i]; rows labelled `ignore_index`
    count 0), reduced; "mean" divides by the summed weights of the rows that count. The
    gradient is -weight[y] (times the reduction's scale) at each row's label, 0 elsewhere."""

    __slots__ = ("divisor", "picked", "reduction", "labels", "keep")

    def forward(ctx, log_probs, labels, weight=None, ignore_index=-100, reduction="mean"):
        op = "nll_loss"
        _check_reduction(op, reduction)
        if isinstance(labels, Tensor):
            labels = labels.data
        if not hasattr(labels, "dtype"):
            labels = np.asarray(labels)
        keep = _kept(labels, ignore_index)
        labels = _check_class_indices(op, log_probs, labels, keep, ignore_index)
        n = log_probs.shape[0]
        weight = _class_weight(op, weight, log_probs.shape[1], log_probs.dtype)
        safe = labels if keep is None else np.where(keep, labels, 0)
        row_weights = None if weight is None else weight[safe]
        if keep is not None:
            row_weights = (keep if row_weights is None else row_weights * keep).astype(
                log_probs.dtype)
        # d(each row's loss)/d(log_probs): -weight at the label, 0 elsewhere. Made from the
        # labels and weights alone (constants), so backward is one product with the scale.
        picked = np.zeros_like(log_probs)  # (made from log_probs: a jit records the write)
        picked[np.arange(n), safe] = -1.0 if row_weights is None else -row_weights
        losses = -log_probs[np.arange(n), safe]
        if row_weights is not None:
            losses = losses * row_weights
        ctx.picked, ctx.reduction, ctx.labels, ctx.keep = picked, reduction, safe, keep
        if reduction == "mean":
            ctx.divisor = _mean_divisor(labels, keep, weight)
            return _divide(losses.sum(), ctx.divisor)
        return _reduce(losses, reduction)

    def backward(ctx, grad):
        if ctx.reduction == "mean":
            scale = _divide(grad, ctx.divisor)
        else:
            scale = grad[:, None] if ctx.reduction == "none" else grad
        if np.isfinite(scale).all():
            return ctx.picked * scale
        # 0 / 0 (every row ignored, or weighing 0) or an inf / NaN gradient: as PyTorch, only
        # each counted row's label gets -weight * scale (NaN for a weight of 0); the rest
        # stays 0, where the product with the whole of `picked` would be 0 * inf = NaN
        rows = np.arange(ctx.picked.shape[0])
        with np.errstate(invalid="ignore"):
            at_labels = ctx.picked[rows, ctx.labels] * (scale[:, 0] if scale.ndim else scale)
        if ctx.keep is not None:
            at_labels[~ctx.keep] = 0.0
        out = np.zeros_like(ctx.picked)
        out[rows, ctx.labels] = at_labels
        return out

    def backward_graph(ctx, grad, out):
        picked = Tensor(ctx.picked)  # made from the labels and weights: a constant
        if ctx.reduction == "mean":
            return picked * (grad / ctx.divisor)
        return picked * (grad.reshape(-1, 1) if ctx.reduction == "none" else grad)


class CrossEntropy(Function):
    """Softmax cross-entropy with any reduction, label smoothing, class weights and an
    ignored label, fused and stable (the plain mean is `SoftmaxCrossEntropy`, the training
    hot path), with PyTorch's definitions:

    each row has a target row t: its one-hot label (or its probability row), smoothed with e
    as (1 - e) * t + e / C, times the class weights; rows labelled `ignore_index` have t = 0.
    A row's loss is -sum(t * log_softmax(logits)) and its gradient softmax * sum(t) - t.
    "mean" divides by N, except for integer labels with weights or ignored rows: by the
    summed weight (or number) of the rows that count.
    """

    __slots__ = ("divisor", "labels", "reduction", "targets", "keep")

    def forward(ctx, logits, labels, reduction="mean", label_smoothing=0.0, weight=None,
                ignore_index=-100):
        op = "cross_entropy"
        _check_reduction(op, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise OpError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
        if isinstance(labels, Tensor):
            labels = labels.data
        if not hasattr(labels, "dtype"):
            labels = np.asarray(labels)
        keep = _kept(labels, ignore_index)
        labels = _check_labels(logits, labels if keep is None else np.where(keep, labels, 0),
                               op=op)
        n, classes = logits.shape
        weight = _class_weight(op, weight, classes, logits.dtype)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(n)
        targets = None
        if labels.ndim == 1 and not label_smoothing and weight is None and keep is None:
            losses = -log_probs[rows, labels]  # one-hot targets, kept as indices
        else:
            if labels.ndim == 1:
                targets = np.zeros_like(log_probs)
                targets[rows, labels] = 1.0
            else:
                targets = labels.copy()
            if label_smoothing:
                targets *= 1.0 - label_smoothing
                targets += label_smoothing / classes
            if weight is not None:
                targets *= weight
            if keep is not None:
                targets[~keep] = 0.0
            losses = -(targets * log_probs).sum(axis=1)
        ctx.labels, ctx.reduction, ctx.targets, ctx.keep = labels, reduction, targets, keep
        ctx.save_for_backward(np.exp(log_probs, out=log_probs))
        if reduction == "mean":
            ctx.divisor = (_mean_divisor(labels, keep, weight) if labels.ndim == 1 else n)
            return _divide(losses.sum(), ctx.divisor)
        return _reduce(losses, reduction)

    def backward(ctx, grad):
        probs, = ctx.saved_tensors
        n = probs.shape[0]
        if ctx.reduction == "mean":
            scale = _divide(grad, ctx.divisor)
        else:
            scale = grad[:, None] if ctx.reduction == "none" else grad
        targets = ctx.targets
        if targets is None:  # one-hot rows: softmax - onehot
            out = probs.copy()
            out[np.arange(n), ctx.labels] -= 1.0
        else:
            out = probs * targets.sum(axis=1, keepdims=True) - targets
        with np.errstate(invalid="ignore"):  # 0 * inf, where 0 / 0 made the scale (NaN)
            out *= scale
        if ctx.keep is not None:  # ignored rows pass 0, even times an inf or NaN scale
            out[~ctx.keep] = 0.0
        return out

    def backward_graph(ctx, grad, out):  # the saved softmax, recomputed from the logits
        logits, = ctx.parents
        probs = logits.softmax(axis=1)
        n = logits.shape[0]
        if ctx.reduction == "mean":
            scale = grad / ctx.divisor
        else:
            scale = grad.reshape(n, 1) if ctx.reduction == "none" else grad
        targets = ctx.targets
        if targets is None:
            one_hot = np.zeros(logits.shape, dtype=logits.dtype)
            one_hot[np.arange(n), ctx.labels] = 1
            return (probs - one_hot) * scale
        return (probs * targets.sum(axis=1, keepdims=True) - targets) * scale
