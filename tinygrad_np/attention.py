"""`scaled_dot_product_attention`, PyTorch's F.scaled_dot_product_attention, made of other ops:
softmax(q k^T * scale + mask) v over the last two axes, any batch axes before them
broadcast. Its gradients, double backward and jit come from the ops.

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> q = Tensor(np.eye(2))
>>> scaled_dot_product_attention(q, q, Tensor([[1.0], [3.0]]), is_causal=True).shape
(2, 1)
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .function import OpError
from .functional import softmax
from .ops.linalg import _swap_last
from .tensor import Tensor
from .tensor_ops import _tensor, dropout, where

__all__ = ["scaled_dot_product_attention"]


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None) -> Tensor:
    """Attention of `query` (..., L, E) over `key` (..., S, E) and `value` (..., S, Ev), as
    PyTorch's: `attn_mask` is a bool mask (True: may attend) or a float one added to the
    scores, broadcast to (..., L, S); `is_causal` masks the upper triangle (then no
    attn_mask); `scale` defaults to 1 / sqrt(E); `dropout_p` drops attention weights (always,
    as PyTorch's function does: pass 0.0 in evaluation). A row that may attend to nothing
    gives NaN, as PyTorch's does."""
    q, k, v = _tensor(query), _tensor(key), _tensor(value)
    op = "scaled_dot_product_attention"
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or \
            k.shape[-2] != v.shape[-2]:
        raise OpError(f"{op}: query {q.shape}, key {k.shape}, value {v.shape}: expected "
                      f"(..., L, E), (..., S, E) and (..., S, Ev)")
    factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = (q @ _swap_last(k)) * factor
    length, source = q.shape[-2], k.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise OpError(f"{op}: give attn_mask or is_causal, not both")
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask
        if not hasattr(mask, "dtype"):
            mask = np.asarray(mask)
        if mask.dtype.kind == "b":
            scores = where(mask, scores, -np.inf)
        else:
            scores = scores + (attn_mask if isinstance(attn_mask, Tensor) else
                               mask.astype(scores.dtype, copy=False))
    weights = softmax(scores, -1)
    if dropout_p:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ v
