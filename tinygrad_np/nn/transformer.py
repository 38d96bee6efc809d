"""`nn.TransformerEncoderLayer` and `nn.TransformerEncoder`, as PyTorch's: self-attention
and a feed-forward block, each with dropout and a residual connection, and layer norm after
them (or before, `norm_first`). Submodule and parameter names and layouts are PyTorch's
(`self_attn`, `linear1`, `linear2`, `norm1`, `norm2`; an encoder's `layers.0...`), so its
state dicts load as they are; the encoder deep-copies its layer, as PyTorch's does.

>>> import numpy as np
>>> layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True, rng=0)
>>> TransformerEncoder(layer, num_layers=2)(np.zeros((3, 5, 8), dtype=np.float32)).shape
(3, 5, 8)
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ..functional import relu
from ..tensor import Tensor
from ..tensor_ops import gelu
from .containers import ModuleList
from .init import RngLike, as_rng
from .module import Module
from .multihead_attention import MultiheadAttention, OutInLinear
from .normalization import Dropout, LayerNorm

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]

_ACTIVATIONS: dict[str, Callable[[Any], Tensor]] = {"relu": relu, "gelu": gelu}


class TransformerEncoderLayer(Module):
    """PyTorch's `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048,
    dropout=0.1, activation="relu", layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True)`; `layer(src, src_mask=None, src_key_padding_mask=None,
    is_causal=False)`. `activation` is "relu", "gelu" or a function of a Tensor."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 rng: RngLike = None, dtype: Any = np.float32) -> None:
        generator = as_rng(rng)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' "
                                 f"or a function, got {activation!r}")
            activation = _ACTIVATIONS[activation]
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, rng=generator, dtype=dtype)
        self.linear1 = OutInLinear(d_model, dim_feedforward, bias, generator, dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = OutInLinear(dim_feedforward, d_model, bias, generator, dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = activation

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src if isinstance(src, Tensor) else Tensor(src)
        if self.norm_first:
            x = x + self._attend(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attend(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _attend(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        out, _ = self.self_attn(x, x, x, key_padding_mask=padding, need_weights=False,
                                attn_mask=mask, is_causal=is_causal)
        return self.dropout1(out)

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """`num_layers` copies of `encoder_layer` (deep copies: each starts with the layer's
    weights, as PyTorch's), then `norm` if given; `encoder(src, mask=None,
    src_key_padding_mask=None, is_causal=False)`."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be a positive int, got "
                             f"{num_layers!r}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src if isinstance(src, Tensor) else Tensor(src)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal)
        return x if self.norm is None else self.norm(x)
