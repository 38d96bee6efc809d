"""Gradient and parameter utilities, as in `torch.nn.utils`: `clip_grad_norm_` (and its two
halves, `get_total_norm` and `clip_grads_with_norm_`), `clip_grad_value_`,
`parameters_to_vector`, `vector_to_parameters`; and `rnn.pad_sequence` (torch.nn.utils.rnn's,
also here by its short name)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ...tensor import Tensor
from ...tensor_ops import _tensor, cat
from . import rnn
from .rnn import pad_sequence

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "pad_sequence", "parameters_to_vector", "rnn", "vector_to_parameters"]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their total norm is at most `max_norm`, as PyTorch does:
    the total norm is the `norm_type`-norm of the per-parameter gradient norms (the norm of
    all gradients as one vector), and every gradient is multiplied by
    `min(1, max_norm / (total + 1e-6))`. Returns the total norm before clipping, a 0-d
    Tensor. Parameters without a gradient are skipped (no gradients: the norm is 0).
    (`foreach`, PyTorch's choice of kernels, changes nothing here.)

    A `.grad` may be shared with other tensors, so it is never scaled in place: a clipped
    gradient is a new array.

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0], dtype=np.float32)
    >>> clip_grad_norm_([w], max_norm=1.0).item()
    5.0
    >>> w.grad.round(4)
    array([0.6, 0.8], dtype=float32)
    """
    params = _tensors("clip_grad_norm_", parameters)
    try:
        max_norm, norm_type = float(max_norm), float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(f"clip_grad_norm_: max_norm and norm_type must be numbers, got "
                        f"{max_norm!r} and {norm_type!r}") from None
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def _tensors(owner: str, parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for index, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: parameter {index} is a {type(p).__name__}, not a Tensor")
    return params


def get_total_norm(tensors: Any, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False) -> Tensor:
    """The `norm_type`-norm of all of `tensors` (arrays or Tensors: gradients, usually)
    taken as one vector, a 0-d Tensor in their dtype (0 for none).

    >>> get_total_norm([np.array([3.0]), np.array([4.0])]).item()
    5.0
    """
    arrays = [t.data if isinstance(t, Tensor) else t for t in
              ([tensors] if isinstance(tensors, (Tensor, np.ndarray)) else list(tensors))]
    if not arrays:
        return Tensor(np.zeros((), dtype=np.float32))
    norm_type = float(norm_type)
    dtype = np.result_type(*[a.dtype for a in arrays])
    total = _norm(np.stack([_norm(a, norm_type).astype(dtype) for a in arrays]), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {float(total)}, so they cannot be clipped; "
                           f"error_if_nonfinite=False scales them anyway")
    return Tensor(total)


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Any) -> None:
    """Scale every gradient by max_norm / (total_norm + 1e-6) when that is below 1 (or NaN),
    as PyTorch's; each clipped gradient is a new array (a `.grad` may be shared)."""
    params = _tensors("clip_grads_with_norm_", parameters)
    with_grad = [p for p in params if p.grad is not None]
    if not with_grad:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    dtype = total.dtype if total.dtype.kind == "f" else np.dtype(np.float64)
    coef = dtype.type(float(max_norm)) / (total.astype(dtype) + dtype.type(1e-6))
    if not coef >= 1.0:  # below 1, or NaN (PyTorch multiplies by it too)
        with np.errstate(invalid="ignore"):  # an infinite gradient times 0 is NaN, as in torch
            for p in with_grad:
                p.grad = p.grad * coef.astype(p.grad.dtype)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient to [-clip_value, clip_value] (each a new array; `foreach`, as
    in `clip_grad_norm_`, changes nothing).

    >>> w = Tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, -0.5])
    >>> clip_grad_value_(w, 1.0); w.grad.tolist()
    [1.0, -0.5]
    """
    limit = float(clip_value)
    for p in _tensors("clip_grad_value_", parameters):
        if p.grad is not None:
            p.grad = np.clip(p.grad, -limit, limit)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Every parameter flattened and joined into one vector (differentiable).

    >>> parameters_to_vector([Tensor(np.ones((2, 2))), Tensor(np.zeros(1))]).shape
    (5,)
    """
    params = _tensors("parameters_to_vector", parameters)
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Any, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of `vec` into the parameters' arrays, in place, in order
    (the inverse of `parameters_to_vector`); the lengths must add up."""
    data = _tensor(vec).data
    params = _tensors("vector_to_parameters", parameters)
    if data.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a vector, got shape {data.shape}")
    total = sum(p.data.size for p in params)
    if data.size != total:
        raise ValueError(f"vector_to_parameters: the vector has {data.size} elements, the "
                         f"parameters {total}")
    start = 0
    for p in params:
        p.data[...] = data[start:start + p.data.size].reshape(p.data.shape)
        start += p.data.size


def _norm(g: Any, norm_type: float) -> Any:
    """The `norm_type`-norm of `g` as one flat vector (a 0-d array in g's dtype)."""
    flat = g.reshape(-1)
    if norm_type == np.inf:
        return np.abs(flat).max(initial=0) if flat.size else flat.dtype.type(0)
    if norm_type == 2.0:
        return np.sqrt(flat.dot(flat))
    return np.linalg.norm(flat, ord=norm_type).astype(flat.dtype)
