"""Gradient utilities: `clip_grad_norm_`, as in `torch.nn.utils`."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_"]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients so that their total norm is at most `max_norm`, as PyTorch does:
    the total norm is the `norm_type`-norm of the per-parameter gradient norms (the norm of
    all gradients as one vector), and every gradient is multiplied by
    `min(1, max_norm / (total + 1e-6))`. Returns the total norm before clipping, a 0-d
    Tensor. Parameters without a gradient are skipped (no gradients: the norm is 0).

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
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for index, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"clip_grad_norm_: parameter {index} is a {type(p).__name__}, not "
                            f"a Tensor")
    try:
        max_norm, norm_type = float(max_norm), float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(f"clip_grad_norm_: max_norm and norm_type must be numbers, got "
                        f"{max_norm!r} and {norm_type!r}") from None
    with_grad = [p for p in params if p.grad is not None]
    if not with_grad:
        return Tensor(np.zeros((), dtype=np.float32))
    grads = [p.grad for p in with_grad]
    dtype = np.result_type(*[g.dtype for g in grads])
    norms = [_norm(g, norm_type).astype(dtype) for g in grads]
    total = _norm(np.stack(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {float(total)}, so they cannot be clipped; "
                           f"error_if_nonfinite=False scales them anyway")
    coef = dtype.type(max_norm) / (total + dtype.type(1e-6))
    if not coef >= 1.0:  # below 1, or NaN (PyTorch multiplies by it too)
        with np.errstate(invalid="ignore"):  # an infinite gradient times 0 is NaN, as in torch
            for p in with_grad:
                p.grad = p.grad * coef.astype(p.grad.dtype)
    return Tensor(total)


def _norm(g: Any, norm_type: float) -> Any:
    """The `norm_type`-norm of `g` as one flat vector (a 0-d array in g's dtype)."""
    flat = g.reshape(-1)
    if norm_type == np.inf:
        return np.abs(flat).max(initial=0) if flat.size else flat.dtype.type(0)
    if norm_type == 2.0:
        return np.sqrt(flat.dot(flat))
    return np.linalg.norm(flat, ord=norm_type).astype(flat.dtype)
