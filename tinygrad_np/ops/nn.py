"""Neural-net ops: softmax, log-softmax, fused softmax cross-entropy, L2 penalty."""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError
from ..tensor import Tensor


def _log_softmax(x, axis):
    """Stable log-softmax: shift by the max so exp never overflows."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Softmax(Function):
    __slots__ = ("axis",)

    def forward(ctx, x, axis=-1):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    __slots__ = ("axis",)

    def forward(ctx, x, axis=-1):
        out = _log_softmax(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


class SoftmaxCrossEntropy(Function):
    """Mean over the batch of -log softmax(logits)[label], fused: the gradient is simply
    (softmax - target) / N, and logits of any size stay finite.

    `labels` are integer class indices of shape (N,) or target rows of shape (N, C)
    (one-hot or probabilities).
    """

    __slots__ = ("target",)

    def forward(ctx, logits, labels):
        labels = _check_labels(logits, labels.data if isinstance(labels, Tensor) else labels)
        n = logits.shape[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        if labels.ndim == 1:
            picked = shifted[np.arange(n), labels]
            loss = (np.log(total[:, 0]) - picked).sum() / n
        else:
            log_probs = shifted - np.log(total)
            loss = -(labels * log_probs).sum() / n
        ctx.target = labels
        ctx.save_for_backward(exp / total)
        return loss

    def backward(ctx, grad):
        probs, = ctx.saved_tensors
        labels = ctx.target
        n = probs.shape[0]
        scale = grad / n
        if labels.ndim == 1:
            out = probs * scale
            out[np.arange(n), labels] -= scale
            return out
        # d/dlogits of -sum(t * log_softmax) is softmax * sum(t) - t (rows of t need not sum to 1)
        return (probs * labels.sum(axis=1, keepdims=True) - labels) * scale


def _check_labels(logits, labels):
    """Labels as an array, or a ValueError that names the op and both shapes."""
    if not hasattr(labels, "dtype"):
        labels = np.asarray(labels)
    where = f"softmax_cross_entropy: logits {logits.shape}, labels {labels.shape}"
    if logits.ndim != 2:
        raise OpError(f"{where}: logits must be 2-D (batch, classes)")
    n, classes = logits.shape
    if labels.ndim == 1:
        if labels.dtype.kind not in "iu":
            raise OpError(f"{where}: labels of shape (N,) must be integer class indices, got "
                          f"{labels.dtype} (give probability rows as shape ({n}, {classes}))")
        if labels.shape[0] != n:
            raise OpError(f"{where}: expected {n} labels, one per row of logits")
        if n and (labels.min() < 0 or labels.max() >= classes):
            raise OpError(f"{where}: class indices must be in [0, {classes}), got values from "
                          f"{labels.min()} to {labels.max()}")
        return labels
    if labels.ndim == 2 and labels.shape == logits.shape and labels.dtype.kind == "f":
        return labels
    raise OpError(f"{where}: expected integer class indices of shape ({n},) or float "
                  f"target rows of shape ({n}, {classes})")


class L2(Function):
    """0.5 * sum(x**2): the weight-decay penalty, whose gradient is x itself."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        flat = x.reshape(-1)
        return 0.5 * flat.dot(flat)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x
