"""Neural-net ops: softmax, log-softmax, fused softmax cross-entropy, L2 penalty."""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError
from ..tensor import Tensor


_ROWS: dict[int, np.ndarray] = {}


def _rows(n):
    """np.arange(n), shared and read-only (made once per batch size, at most 64 kept)."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) >= 64:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _max(x, axis):
    """x.max(axis, keepdims=True). numpy reduces along the last axis one row at a time, about
    50 ns a row; for rows of few columns (a classifier's logits) the max down the columns of
    the transposed copy is one vectorised pass: 7.2 -> 1.7 us for 128 rows of 10, 53 -> 5 us
    for 1024."""
    if _few_columns(x, axis):
        return x.T.copy().max(axis=0)[:, None]
    return x.max(axis=axis, keepdims=True)


def _sum(x, axis):
    """x.sum(axis, keepdims=True), for rows of few columns as `_max` (2.6 -> 1.5 us for 128
    rows of 10, 16 -> 4.5 us for 1024; the columns are added in order, left to right)."""
    if _few_columns(x, axis):
        return x.T.copy().sum(axis=0)[:, None]
    return x.sum(axis=axis, keepdims=True)


def _few_columns(x, axis):
    """A 2-D array reduced along its last axis, of 1 to 32 columns and at least as many rows:
    there the transposed copy costs less than numpy's reduction row by row."""
    return x.ndim == 2 and axis in (1, -1) and 0 < x.shape[1] <= min(32, x.shape[0])


def _log_softmax(x, axis):
    """Stable log-softmax: shift by the max so exp never overflows."""
    shifted = x - _max(x, axis)
    return shifted - np.log(_sum(np.exp(shifted), axis))


class Softmax(Function):
    __slots__ = ("axis",)

    def forward(ctx, x, axis=-1):
        e = np.exp(x - _max(x, axis))
        out = e / _sum(e, axis)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))

    def backward_graph(ctx, grad, out):
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

    def backward_graph(ctx, grad, out):
        return grad - out.exp() * grad.sum(axis=ctx.axis, keepdims=True)


class SoftmaxCrossEntropy(Function):
    """Mean over the batch of -log softmax(logits)[label], fused: the gradient is simply
    (softmax - target) / N, and logits of any size stay finite.

    `labels` are integer class indices of shape (N,) or target rows of shape (N, C)
    (one-hot or probabilities).
    """

    __slots__ = ("target", "rows")

    def forward(ctx, logits, labels):
        labels = _check_labels(logits, labels.data if isinstance(labels, Tensor) else labels)
        n = logits.shape[0]
        ctx.target = labels
        if labels.ndim == 1 and _few_columns(logits, 1):
            # A classifier's logits, rows of few columns: all of it on one transposed copy,
            # where the max, the shift and the sum each are one vectorised pass (see _max);
            # the softmax kept for backward is its transpose, a view. The same numbers as
            # below, bit for bit, with one copy and one array less (1% of the MNIST step).
            columns = logits.T.copy()
            columns -= columns.max(axis=0)
            ctx.rows = rows = _rows(n)
            picked = columns[labels, rows]
            np.exp(columns, out=columns)
            total = columns.sum(axis=0)
            loss = (np.log(total) - picked).sum() / n
            columns /= total
            ctx.save_for_backward(columns.T)
            return loss
        # One (N, C) buffer serves as shifted logits, then exp, then the softmax kept for backward.
        shifted = logits - _max(logits, 1)
        if labels.ndim == 1:
            ctx.rows = rows = _rows(n)
            picked = shifted[rows, labels]
        else:
            picked = (labels * shifted).sum(axis=1)
        exp = np.exp(shifted, out=shifted)
        total = _sum(exp, 1)
        log_total = np.log(total[:, 0])
        if labels.ndim == 1:
            loss = (log_total - picked).sum() / n
        else:  # -sum(t * (shifted - log total)) per row, for rows of t that need not sum to 1
            loss = (log_total * labels.sum(axis=1) - picked).sum() / n
        exp /= total
        ctx.save_for_backward(exp)
        return loss

    def backward(ctx, grad):
        probs, = ctx.saved_tensors
        labels = ctx.target
        scale = grad / probs.shape[0]
        if labels.ndim == 1:
            out = np.multiply(probs, scale, order="C")  # probs may be a transpose (forward)
            out[ctx.rows, labels] -= scale
            return out
        # d/dlogits of -sum(t * log_softmax) is softmax * sum(t) - t (rows of t need not sum to 1)
        return (probs * labels.sum(axis=1, keepdims=True) - labels) * scale

    def backward_graph(ctx, grad, out):
        # The saved softmax is an array made from the logits: taken as it is, it would be a
        # constant. Recomputed from the logits Tensor, it carries their graph.
        logits, = ctx.parents
        probs = logits.softmax(axis=1)
        labels = ctx.target
        scale = grad / logits.shape[0]
        if labels.ndim == 1:
            one_hot = np.zeros(logits.shape, dtype=logits.dtype)
            one_hot[ctx.rows, labels] = 1
            return (probs - one_hot) * scale
        return (probs * labels.sum(axis=1, keepdims=True) - labels) * scale


def _check_labels(logits, labels, op="softmax_cross_entropy"):
    """Labels as an array, or an OpError that names the op and both shapes."""
    if not hasattr(labels, "dtype"):
        labels = np.asarray(labels)
    if logits.ndim != 2:
        _fail(op, logits, labels, "logits must be 2-D (batch, classes)")
    n, classes = logits.shape
    if labels.ndim == 1:
        kind = labels.dtype.kind
        if kind not in "iu":
            _fail(op, logits, labels, f"labels of shape (N,) must be integer class indices, got "
                                      f"{labels.dtype} (give probability rows as shape "
                                      f"({n}, {classes}))")
        if labels.shape[0] != n:
            _fail(op, logits, labels, f"expected {n} labels, one per row of logits")
        # Seen as unsigned 64-bit, a negative index is huge: one reduction checks both ends
        # (for numpy's int64, the usual labels, as one ufunc call on a view: 6 -> 3 us).
        if labels.__class__ is np.ndarray and labels.dtype == np.int64:
            largest = np.maximum.reduce(labels.view(np.uint64)) if n else 0
        else:
            wide = labels if kind == "u" else labels.astype(np.int64, copy=False).view(np.uint64)
            largest = wide.max() if n else 0
        if largest >= classes:
            _fail(op, logits, labels, f"class indices must be in [0, {classes}), got values from "
                                      f"{labels.min()} to {labels.max()}")
        return labels
    if labels.ndim == 2 and labels.shape == logits.shape and labels.dtype.kind == "f":
        return labels.astype(logits.dtype, copy=False)  # float32 logits give a float32 loss
    _fail(op, logits, labels, f"expected integer class indices of shape ({n},) or float target "
                              f"rows of shape ({n}, {classes})")


def _fail(op, logits, labels, problem):
    raise OpError(f"{op}: logits {logits.shape}, labels {labels.shape}: {problem}")


class L2(Function):
    """0.5 * sum(x**2): the weight-decay penalty, whose gradient is x itself."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        flat = x.reshape(-1)
        return 0.5 * flat.dot(flat)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x

    def backward_graph(ctx, grad, out):
        return grad * ctx.parents[0]
