"""Layer ops: dropout, batch norm, layer norm, group norm, embedding lookup."""
from __future__ import annotations

import numpy as np

from ..function import Function, OpError
from ..random import get_generator
from ..tensor import Tensor
from .adjoint import scatter_add


class Dropout(Function):
    """Inverted dropout: zero each element with probability p and scale the rest by
    1 / (1 - p), so the expected value is unchanged. With `channels`, whole channels (axis 1
    of (N, C, ...)) are zeroed together, as PyTorch's dropout1d / dropout2d do. The mask comes
    from the framework generator (`tinygrad_np.manual_seed` makes it repeat)."""

    def forward(ctx, x, p=0.5, channels=False):
        shape = x.shape[:2] + (1,) * (x.ndim - 2) if channels else x.shape
        keep = get_generator().random(shape) >= p
        mask = keep.astype(x.dtype)
        if p < 1:
            mask *= 1 / (1 - p)
        ctx.save_for_backward(mask)
        return x * mask

    def backward(ctx, grad):
        mask, = ctx.saved_tensors
        return grad * mask

    def backward_graph(ctx, grad, out):  # the mask is a constant: it never depends on x
        mask, = ctx.saved_tensors
        return grad * mask


def _standardize(x, axes, eps):
    """x's mean and (biased) variance over `axes`, and x standardised by them:
    (xhat, inv_std, mean, var), for arrays (the forwards) and Tensors (the differentiable
    backwards, which recompute them from x) alike."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    inv_std = 1 / ((var + eps).sqrt() if isinstance(var, Tensor) else np.sqrt(var + eps))
    return centred * inv_std, inv_std, mean, var


def _normalized_backward(grad_xhat, xhat, inv_std, axes):
    """d loss / d x of xhat = (x - mean) * inv_std, with mean and the (biased) variance taken
    over `axes` of x itself: the standard three-term formula."""
    mean_g = grad_xhat.mean(axis=axes, keepdims=True)
    mean_gx = (grad_xhat * xhat).mean(axis=axes, keepdims=True)
    return inv_std * (grad_xhat - mean_g - xhat * mean_gx)


def _blend(running, batch, momentum, count=None):
    """running = (1 - momentum) * running + momentum * batch in place (momentum * count /
    (count - 1) for an unbiased variance). A momentum that is an array (1 / the batch count,
    read from an array as a replay does) is rounded to the statistics' dtype as a Python
    number would be, so that both give the same bits."""
    keep = 1 - momentum
    take = momentum if count is None else momentum * count / (count - 1)
    if type(momentum) not in (int, float):  # (np.float64 too: numpy's scalars are strong)
        keep, take = keep.astype(running.dtype), take.astype(running.dtype)
    running *= keep
    running += take * batch


class BatchNorm(Function):
    """Normalise each channel (axis 1) over the batch and every other axis, then scale and
    shift by `weight` and `bias` (optional inputs after x). In training the batch's
    statistics are used and the running ones updated in place; otherwise the running ones
    are used."""

    __slots__ = ("xhat", "inv_std", "axes", "channel_shape", "has_weight", "has_bias",
                 "training", "eps", "shift")

    def forward(ctx, x, *affine, running_mean=None, running_var=None, training=False,
                momentum=0.1, eps=1e-5, has_weight=False, has_bias=False,
                num_batches_tracked=None):
        weight = affine[0] if has_weight else None
        bias = affine[-1] if has_bias else None
        if x.ndim < 2:
            raise OpError(f"batch_norm: input of shape {x.shape}: expected (N, C) or "
                          f"(N, C, ...)")
        channels = x.shape[1]
        for what, array in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                            ("running_var", running_var)):
            if array is not None and array.shape != (channels,):
                raise OpError(f"batch_norm: input of shape {x.shape} has {channels} channels "
                              f"(axis 1), but {what} has shape {array.shape}, expected "
                              f"({channels},)")
        axes = (0,) + tuple(range(2, x.ndim))
        channel_shape = (1, channels) + (1,) * (x.ndim - 2)
        if training:
            count = x.size // max(channels, 1)
            if count <= 1:
                raise OpError(f"batch_norm: input of shape {x.shape}: training needs more "
                              f"than one value per channel")
            xhat, inv_std, mean, var = _standardize(x, axes, eps)
            if num_batches_tracked is not None:  # (a module's count, as PyTorch's)
                num_batches_tracked += 1
            if momentum is None:  # a cumulative average: batch k weighs 1 / k
                momentum = 0.0 if num_batches_tracked is None else 1.0 / num_batches_tracked
            if running_mean is not None:
                _blend(running_mean, mean.reshape(channels), momentum)
            if running_var is not None:  # PyTorch keeps the unbiased variance
                _blend(running_var, var.reshape(channels), momentum, count)
        else:
            if running_mean is None or running_var is None:
                raise OpError(f"batch_norm: input of shape {x.shape}: running_mean and "
                              f"running_var are needed when not training")
            inv_std = (1 / np.sqrt(running_var + eps)).astype(x.dtype, copy=False)
            inv_std = inv_std.reshape(channel_shape)
            shift = running_mean.reshape(channel_shape).astype(x.dtype)  # a copy: kept
            xhat = (x - shift) * inv_std
            ctx.shift = shift
        ctx.xhat, ctx.inv_std, ctx.axes, ctx.training = xhat, inv_std, axes, training
        ctx.eps = eps
        ctx.channel_shape, ctx.has_weight, ctx.has_bias = channel_shape, has_weight, has_bias
        ctx.save_for_backward(weight)
        out = xhat if weight is None else xhat * weight.reshape(channel_shape)
        return out if bias is None else out + bias.reshape(channel_shape)

    def backward(ctx, grad):
        weight, = ctx.saved_tensors
        return _batch_norm_grads(ctx, grad, ctx.xhat, ctx.inv_std, weight)

    def backward_graph(ctx, grad, out):
        # xhat and inv_std are arrays made from x: recomputed here from the Tensor x, so
        # that they carry its graph (in eval mode only xhat depends on x).
        x = ctx.parents[0]
        weight = ctx.parents[1] if ctx.has_weight else None
        if ctx.training:
            xhat, inv_std, _, _ = _standardize(x, ctx.axes, ctx.eps)
        else:
            inv_std = ctx.inv_std
            xhat = (x - ctx.shift) * inv_std
        return _batch_norm_grads(ctx, grad, xhat, inv_std, weight)


def _batch_norm_grads(ctx, grad, xhat, inv_std, weight):
    """BatchNorm's gradients, on arrays or on Tensors alike; in eval mode the statistics
    are constants."""
    grad_x = None
    if ctx.needs_input_grad[0]:
        grad_xhat = grad if weight is None else grad * weight.reshape(ctx.channel_shape)
        grad_x = (_normalized_backward(grad_xhat, xhat, inv_std, ctx.axes) if ctx.training
                  else grad_xhat * inv_std)
    return _with_affine_grads(ctx, grad_x, grad, xhat, ctx.axes)


def _with_affine_grads(ctx, grad_x, grad, xhat, axes):
    """(grad_x, the weight's gradient, the bias's) for the ones the op has, each summed over
    `axes`, the axes a weight is shared over; grad_x alone when it has neither."""
    needs = ctx.needs_input_grad
    grads = [grad_x]
    if ctx.has_weight:
        grads.append((grad * xhat).sum(axis=axes) if needs[1] else None)
    if ctx.has_bias:
        grads.append(grad.sum(axis=axes) if needs[-1] else None)
    return tuple(grads) if len(grads) > 1 else grads[0]


class LayerNorm(Function):
    """Normalise over the last len(normalized_shape) axes of each sample, then scale and
    shift by `weight` and `bias` (optional inputs of shape normalized_shape)."""

    __slots__ = ("xhat", "inv_std", "axes", "has_weight", "has_bias", "eps")

    def forward(ctx, x, *affine, normalized_shape=(), eps=1e-5, has_weight=False,
                has_bias=False):
        weight = affine[0] if has_weight else None
        bias = affine[-1] if has_bias else None
        k = len(normalized_shape)
        if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != normalized_shape:
            raise OpError(f"layer_norm: input of shape {x.shape}: its last axes must be "
                          f"normalized_shape {normalized_shape}")
        for what, array in (("weight", weight), ("bias", bias)):
            if array is not None and array.shape != normalized_shape:
                raise OpError(f"layer_norm: {what} has shape {array.shape}, expected "
                              f"normalized_shape {normalized_shape}")
        axes = tuple(range(x.ndim - k, x.ndim))
        xhat, inv_std, _, _ = _standardize(x, axes, eps)
        ctx.xhat, ctx.inv_std, ctx.axes = xhat, inv_std, axes
        ctx.has_weight, ctx.has_bias, ctx.eps = has_weight, has_bias, eps
        ctx.save_for_backward(weight)
        out = xhat if weight is None else xhat * weight
        return out if bias is None else out + bias

    def backward(ctx, grad):
        weight, = ctx.saved_tensors
        return _layer_norm_grads(ctx, grad, ctx.xhat, ctx.inv_std, weight)

    def backward_graph(ctx, grad, out):  # backward's formulas, xhat recomputed from x
        x = ctx.parents[0]
        weight = ctx.parents[1] if ctx.has_weight else None
        xhat, inv_std, _, _ = _standardize(x, ctx.axes, ctx.eps)
        return _layer_norm_grads(ctx, grad, xhat, inv_std, weight)


def _layer_norm_grads(ctx, grad, xhat, inv_std, weight):
    """LayerNorm's gradients, on arrays or on Tensors alike."""
    grad_x = None if not ctx.needs_input_grad[0] else _normalized_backward(
        grad if weight is None else grad * weight, xhat, inv_std, ctx.axes)
    lead = tuple(range(xhat.ndim - len(ctx.axes)))  # the sample axes weight is shared over
    return _with_affine_grads(ctx, grad_x, grad, xhat, lead)


class GroupNorm(Function):
    """Normalise x (N, C, ...) over each group of C // num_groups channels and all their
    positions, then scale and shift each channel by `weight` and `bias` (optional inputs
    of shape (C,)), as PyTorch's group_norm: layer norm's formulas on the (N, groups, rest)
    view."""

    __slots__ = ("xhat", "inv_std", "groups", "has_weight", "has_bias", "eps")

    def forward(ctx, x, *affine, num_groups=1, eps=1e-5, has_weight=False, has_bias=False,
                running_mean=None, running_var=None, momentum=0.1):
        groups = num_groups
        if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
            raise OpError(f"group_norm: num_groups must be an int >= 1, got {num_groups!r}")
        if x.ndim < 2 or x.shape[1] % groups:
            raise OpError(f"group_norm: input of shape {x.shape} must be (N, C, ...) with C "
                          f"divisible by num_groups={groups}")
        weight = affine[0] if has_weight else None
        bias = affine[-1] if has_bias else None
        c = x.shape[1]
        for what, array in (("weight", weight), ("bias", bias)):
            if array is not None and array.shape != (c,):
                raise OpError(f"group_norm: {what} must have shape ({c},), one per channel "
                              f"of input {x.shape}, got {array.shape}")
        if running_mean is not None and momentum:  # instance norm's, as PyTorch keeps them
            positions = tuple(range(2, x.ndim))
            running_mean[...] = ((1 - momentum) * running_mean
                                 + momentum * x.mean(axis=positions).mean(axis=0))
            running_var[...] = ((1 - momentum) * running_var
                                + momentum * x.var(axis=positions, ddof=1).mean(axis=0))
        xhat, inv_std, _, _ = _standardize(x.reshape(x.shape[0], int(groups), -1), (2,), eps)
        xhat = xhat.reshape(x.shape)
        ctx.xhat, ctx.inv_std, ctx.groups = xhat, inv_std, int(groups)
        ctx.has_weight, ctx.has_bias, ctx.eps = has_weight, has_bias, eps
        ctx.save_for_backward(weight)
        out = xhat if weight is None else xhat * _per_channel(weight, x.ndim)
        return out if bias is None else out + _per_channel(bias, x.ndim)

    def backward(ctx, grad):
        weight, = ctx.saved_tensors
        return _group_norm_grads(ctx, grad, ctx.xhat, ctx.inv_std, weight)

    def backward_graph(ctx, grad, out):  # backward's formulas, xhat recomputed from x
        x = ctx.parents[0]
        weight = ctx.parents[1] if ctx.has_weight else None
        xhat, inv_std, _, _ = _standardize(x.reshape(x.shape[0], ctx.groups, -1), (2,),
                                           ctx.eps)
        return _group_norm_grads(ctx, grad, xhat.reshape(x.shape), inv_std, weight)


def _per_channel(array, ndim):
    """A (C,) array (or Tensor) shaped to meet (N, C, ...)."""
    return array.reshape((-1,) + (1,) * (ndim - 2))


def _group_norm_grads(ctx, grad, xhat, inv_std, weight):
    """GroupNorm's gradients, on arrays or on Tensors alike."""
    needs = ctx.needs_input_grad
    shape = xhat.shape
    others = (0,) + tuple(range(2, len(shape)))  # the axes a channel's weight is shared over
    grad_x = None
    if needs[0]:
        scaled = grad if weight is None else grad * _per_channel(weight, len(shape))
        grouped = _normalized_backward(scaled.reshape(shape[0], ctx.groups, -1),
                                       xhat.reshape(shape[0], ctx.groups, -1), inv_std, (2,))
        grad_x = grouped.reshape(shape)
    return _with_affine_grads(ctx, grad_x, grad, xhat, others)


class Embedding(Function):
    """Rows of `weight` picked by integer `indices`: out[..., :] = weight[indices[...], :].
    The backward adds the gradients of repeated indices into their row (divided by how
    often the index occurs, with `scale_grad_by_freq`, as PyTorch's); the row `padding_idx`
    (if given) gets no gradient."""

    __slots__ = ("indices", "rows", "padding_idx", "scale")

    def forward(ctx, weight, indices, padding_idx=None, scale_grad_by_freq=False):
        if weight.ndim != 2:
            raise OpError(f"embedding: weight of shape {weight.shape}: expected 2-D "
                          f"(num_embeddings, embedding_dim)")
        if not hasattr(indices, "dtype") or indices.dtype.kind not in "iu":
            kind = getattr(indices, "dtype", type(indices).__name__)
            raise OpError(f"embedding: weight {weight.shape}, indices of {kind}: indices must "
                          f"be integers (Tensor([1, 2]) is float32; give an integer array such "
                          f"as np.array([1, 2]) or tg.arange(n))")
        rows = weight.shape[0]
        if indices.size and (indices.min() < 0 or indices.max() >= rows):
            raise OpError(f"embedding: weight {weight.shape}, indices {indices.shape}: indices "
                          f"must be in [0, {rows}), got values from {indices.min()} to "
                          f"{indices.max()}")
        ctx.indices, ctx.rows, ctx.padding_idx = indices, weight.shape, padding_idx
        ctx.scale = None
        if scale_grad_by_freq:  # 1 / count per row of the table, 0 where none occurs
            counts = np.bincount(indices.reshape(-1), minlength=rows)
            ctx.scale = (1.0 / np.maximum(counts, 1)).astype(weight.dtype)[:, None]
        return weight[indices]

    def backward(ctx, grad):
        full = np.zeros_like(grad, shape=ctx.rows)
        np.add.at(full, ctx.indices, grad)  # a repeated index adds, never overwrites
        if ctx.scale is not None:
            full *= ctx.scale
        if ctx.padding_idx is not None:
            full[ctx.padding_idx] = 0
        return full

    def backward_graph(ctx, grad, out):
        full = scatter_add(grad, ctx.indices, ctx.rows)
        keep = ctx.scale
        if ctx.padding_idx is not None:
            keep = np.ones((ctx.rows[0], 1), dtype=grad.data.dtype) if keep is None \
                else keep.copy()
            keep[ctx.padding_idx] = 0
        return full if keep is None else full * keep
