"""PyTorch's other normalisations, made of other ops: `rms_norm`, `local_response_norm`, and
`instance_norm` as a function (on the op `nn.InstanceNorm1d/2d/3d` use). Each follows
PyTorch's formula term for term, so values and gradients match it; the gradients, double
backward and jit come from the ops.

>>> from tinygrad_np import Tensor
>>> [round(v, 4) for v in rms_norm(Tensor([[3.0, 4.0]]), 2, eps=0.0).tolist()[0]]
[0.8485, 1.1314]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .function import OpError
from .tensor import Tensor
from .tensor_ops import _tensor, _tensor_like, batch_norm, pad, tracked_group_norm

__all__ = ["instance_norm", "local_response_norm", "rms_norm"]


def _shape(normalized_shape: Any) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def rms_norm(x: Any, normalized_shape: Any, weight: Any = None, eps: float | None = None
             ) -> Tensor:
    """x divided by the root mean square over its last axes (`normalized_shape`, an int or
    a tuple), x * rsqrt(mean(x ** 2) + eps), then scaled by `weight` (of shape
    normalized_shape), as PyTorch's F.rms_norm; eps None is the dtype's machine epsilon.

    >>> [round(v, 4) for v in rms_norm(Tensor([[1.0, 7.0]]), 2, eps=0.0).tolist()[0]]
    [0.2, 1.4]
    """
    x = _tensor(x)
    shape = _shape(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise OpError(f"rms_norm: input of shape {x.shape}: its last axes must be "
                      f"normalized_shape {shape}")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps) if x.dtype.kind == "f" else float(
            np.finfo(np.float32).eps)
    axes = tuple(range(x.ndim - k, x.ndim))
    out = x * (1.0 / ((x * x).mean(axis=axes, keepdims=True) + eps).sqrt())
    if weight is None:
        return out
    w = _tensor_like(weight, x)
    if w.shape != shape:
        raise OpError(f"rms_norm: weight has shape {w.shape}, expected normalized_shape "
                      f"{shape}")
    return out * w


def local_response_norm(x: Any, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Each element divided by (k + alpha * the mean of the squares of the `size` channels
    around it) ** beta, across axis 1 of x (N, C, ...), as PyTorch's F.local_response_norm
    (AlexNet's): the window runs from size // 2 channels before to (size - 1) // 2 after,
    zeros beyond the ends, always divided by `size`.

    >>> round(local_response_norm(Tensor([[[1.0], [2.0]]]), 2, alpha=1.0).tolist()[0][1][0], 4)
    0.7816
    """
    x = _tensor(x)
    if x.ndim < 3:
        raise OpError(f"local_response_norm: input of shape {x.shape} must be (N, C, ...) with "
                      f"at least one axis after the channels")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise OpError(f"local_response_norm: size must be an int >= 1, got {size!r}")
    if x.size == 0:
        return x
    c = x.shape[1]
    squares = pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    total = squares[:, 0:c]
    for start in range(1, size):  # the window's channels in order, as PyTorch's pool sums
        total = total + squares[:, start:start + c]
    return x / ((total / size) * alpha + k) ** beta


def instance_norm(x: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,
                  bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """PyTorch's F.instance_norm: each channel of each sample of x (N, C, ...) normalised
    over its positions, then scaled by `weight` and shifted by `bias` (C,). With
    `use_input_stats` (the default) `running_mean` and `running_var`, when given, are
    blended in place with momentum towards each channel's mean and unbiased variance,
    averaged over the batch; without it, x is normalised by them.

    >>> [round(v, 4) for v in instance_norm(Tensor([[[1.0, 3.0]]])).tolist()[0][0]]
    [-1.0, 1.0]
    """
    x = _tensor(x)
    if x.ndim < 3:
        raise OpError(f"instance_norm: input of shape {x.shape} must be (N, C, ...) with at "
                      f"least one axis after the channels")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise OpError("instance_norm: use_input_stats=False needs running_mean and "
                          "running_var")
        return batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)
    if int(np.prod(x.shape[2:])) <= 1:
        raise OpError(f"instance_norm: input of shape {x.shape}: one position per channel has "
                      f"no variance")
    return tracked_group_norm(x, x.shape[1], weight, bias, eps, running_mean, running_var,
                              momentum)
