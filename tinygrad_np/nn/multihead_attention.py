"""`nn.MultiheadAttention`, as PyTorch's, made of the engine's ops: the three input
projections in one (3 * embed_dim, embed_dim) `in_proj_weight`, heads of embed_dim //
num_heads, scaled dot-product attention with PyTorch's masks (`key_padding_mask` and a bool
`attn_mask` mark what may *not* be attended; float masks are added), dropout on the
attention weights in training, and `out_proj`. Parameter names and layouts are PyTorch's
(`in_proj_weight`, `in_proj_bias`, `out_proj.weight` as (out, in), `out_proj.bias`), so its
state dicts load as they are. The (out, in) weights carry `init.mark_out_in`'s mark, so
`init.kaiming_*` reads PyTorch's fans from them.

>>> import numpy as np
>>> mha = MultiheadAttention(8, 2, rng=0)
>>> out, weights = mha(*(np.zeros((5, 3, 8), dtype=np.float32),) * 3)
>>> out.shape, weights.shape
((5, 3, 8), (3, 5, 5))
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..composite import linear
from ..function import OpError
from ..functional import softmax
from ..memory import aligned
from ..tensor import Tensor
from ..tensor_ops import _tensor, dropout, where
from .init import RngLike, as_rng, mark_out_in
from .module import Module, Parameter

__all__ = ["MultiheadAttention", "OutInLinear"]


class OutInLinear(Module):
    """A linear layer laid out as PyTorch's: x @ weight.T + bias with weight (out, in), for
    the layers whose PyTorch state dicts should load as they are (out_proj, a transformer's
    linear1 / linear2). Starts as PyTorch's Linear: weight and bias uniform in
    +-1 / sqrt(in_features). The weight is marked (out, in) (`init.mark_out_in`), so the
    `init.kaiming_*` fans are PyTorch's."""

    def __init__(self, in_features: int, out_features: int, bias: bool,
                 rng: np.random.Generator, dtype: Any, zero_bias: bool = False) -> None:
        bound = 1.0 / math.sqrt(in_features)  # kaiming-uniform(a=sqrt(5)), PyTorch's
        self.in_features, self.out_features = in_features, out_features
        self.weight = mark_out_in(Parameter(aligned(rng.uniform(
            -bound, bound, (out_features, in_features)).astype(dtype))))
        self.bias = None
        if bias:
            start = np.zeros(out_features) if zero_bias else rng.uniform(-bound, bound,
                                                                         out_features)
            self.bias = Parameter(start.astype(dtype))

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:  # PyTorch's Linear's
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class MultiheadAttention(Module):
    """PyTorch's `nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True,
    batch_first=False)`; `mha(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)` returns (output, weights),
    weights averaged over the heads unless `average_attn_weights=False`, None without
    `need_weights`. Inputs (L, N, E) ((N, L, E) with batch_first) or unbatched (L, E).
    With `kdim`/`vdim` other than embed_dim (keys and values of other sizes), the three
    projections are separate, as PyTorch's: `q_proj_weight` (E, E), `k_proj_weight`
    (E, kdim), `v_proj_weight` (E, vdim), and `in_proj_weight` is None. `add_bias_kv` and
    `add_zero_attn` are refused."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: Any = None,
                 vdim: Any = None, batch_first: bool = False, rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        if embed_dim < 1 or num_heads < 1 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                             "supported")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim, self.num_heads, self.dropout = int(embed_dim), int(num_heads), dropout
        self.head_dim = self.embed_dim // self.num_heads
        self.batch_first = bool(batch_first)
        self.kdim = self.embed_dim if kdim is None else int(kdim)
        self.vdim = self.embed_dim if vdim is None else int(vdim)
        generator = as_rng(rng)

        def xavier(rows: int, cols: int) -> Tensor:  # PyTorch's xavier_uniform_, (out, in)
            bound = math.sqrt(6.0 / (rows + cols))
            return mark_out_in(Parameter(aligned(
                generator.uniform(-bound, bound, (rows, cols)).astype(dtype))))

        if self.kdim == self.embed_dim and self.vdim == self.embed_dim:
            self.in_proj_weight: Tensor | None = xavier(3 * self.embed_dim, self.embed_dim)
        else:
            self.in_proj_weight = None
            self.q_proj_weight = xavier(self.embed_dim, self.embed_dim)
            self.k_proj_weight = xavier(self.embed_dim, self.kdim)
            self.v_proj_weight = xavier(self.embed_dim, self.vdim)
        self.in_proj_bias = Parameter(np.zeros(3 * self.embed_dim, dtype=dtype)) if bias else None
        self.out_proj = OutInLinear(self.embed_dim, self.embed_dim, bias, generator, dtype,
                                    zero_bias=True)  # (PyTorch zeroes out_proj's bias)

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        q, k, v = (_tensor(x) for x in (query, key, value))
        if q.ndim not in (2, 3) or q.shape[-1] != self.embed_dim or \
                k.shape[:-1] != v.shape[:-1] or k.ndim != q.ndim or \
                k.shape[-1] != self.kdim or v.shape[-1] != self.vdim:
            raise OpError(f"MultiheadAttention: query {q.shape}, key {k.shape}, value "
                          f"{v.shape}: expected (L, N, {self.embed_dim}), (S, N, {self.kdim}) "
                          f"and (S, N, {self.vdim}) (batch_first: N first; unbatched: no N)")
        unbatched = q.ndim == 2
        if unbatched:
            q, k, v = (x.reshape((x.shape[0], 1, x.shape[1])) for x in (q, k, v))
        elif self.batch_first:
            q, k, v = (x.transpose(1, 0, 2) for x in (q, k, v))
        length, batch, source = q.shape[0], q.shape[1], k.shape[0]
        if self.in_proj_weight is not None:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3, axis=0)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = self.in_proj_bias.chunk(3, axis=0)
        heads = [self._heads(x, w, b, n) for x, w, b, n in
                 ((q, w_q, b_q, length), (k, w_k, b_k, source), (v, w_v, b_v, source))]
        qh, kh, vh = heads  # (N, heads, L or S, head_dim)
        scores = (qh * (1.0 / math.sqrt(self.head_dim))) @ kh.transpose(0, 1, 3, 2)
        if is_causal and attn_mask is None:
            attn_mask = ~np.tril(np.ones((length, source), dtype=bool))
        scores = self._masked(scores, attn_mask, key_padding_mask, batch, length, source)
        weights = softmax(scores, -1)
        if self.dropout and self.training:
            weights = dropout(weights, self.dropout, training=True)
        out = (weights @ vh).transpose(2, 0, 1, 3).reshape((length, batch, self.embed_dim))
        out = self.out_proj(out)
        if unbatched:
            out = out.reshape((length, self.embed_dim))
        elif self.batch_first:
            out = out.transpose(1, 0, 2)
        if not need_weights:
            return out, None
        shown = weights.mean(axis=1) if average_attn_weights else weights
        return out, (shown.reshape(shown.shape[1:]) if unbatched else shown)

    def _heads(self, x: Tensor, weight: Tensor, bias: Tensor | None, steps: int) -> Tensor:
        """x (steps, N, E) projected and split into heads: (N, heads, steps, head_dim)."""
        split = linear(x, weight, bias).reshape((steps, x.shape[1], self.num_heads, self.head_dim))
        return split.transpose(1, 2, 0, 3)

    def _masked(self, scores: Tensor, attn_mask: Any, key_padding_mask: Any, batch: int,
                length: int, source: int) -> Tensor:
        """PyTorch's masks on the scores (N, heads, L, S): True (or -inf) where not allowed."""
        for mask, shapes, what in ((attn_mask, ((length, source),
                                                (batch * self.num_heads, length, source)),
                                    "attn_mask"),
                                   (key_padding_mask, ((batch, source),), "key_padding_mask")):
            if mask is None:
                continue
            # an array as it is (a jit's stand-in too: a replay reads the masks of the day)
            data = mask.data if isinstance(mask, Tensor) else (
                mask if hasattr(mask, "dtype") else np.asarray(mask))
            if data.shape not in shapes and not (what == "key_padding_mask" and
                                                 data.shape == (source,) and batch == 1):
                raise OpError(f"MultiheadAttention: {what} of shape {data.shape}: expected "
                              f"{' or '.join(str(s) for s in shapes)}")
            if what == "key_padding_mask":
                data = data.reshape((batch, 1, 1, source))
            elif data.ndim == 3:
                data = data.reshape((batch, self.num_heads, length, source))
            if data.dtype.kind == "b":
                scores = where(data, -np.inf, scores)
            else:
                scores = scores + data.astype(scores.dtype, copy=False)
        return scores

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
