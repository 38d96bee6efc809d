"""`nn.TransformerEncoderLayer`, `nn.TransformerEncoder`, their decoder counterparts and
`nn.Transformer`, as PyTorch's: self-attention (and, in a decoder, attention over the
encoder's output) and a feed-forward block, each with dropout and a residual connection,
and layer norm after them (or before, `norm_first`). Submodule and parameter names and
layouts are PyTorch's (`self_attn`, `multihead_attn`, `linear1`, `linear2`, `norm1`...; a
stack's `layers.0...`), so its state dicts load as they are; a stack deep-copies its layer,
as PyTorch's does.

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
from ..tensor_ops import _tensor, gelu
from .containers import ModuleList
from .init import RngLike, as_rng
from .module import Module
from .multihead_attention import MultiheadAttention, OutInLinear
from .normalization import Dropout, LayerNorm

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]

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
        activation = _activation("TransformerEncoderLayer", activation)
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
        x = _tensor(src)
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


def _activation(owner: str, activation: Any) -> Callable[[Any], Tensor]:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"{owner}: activation must be 'relu', 'gelu' or a function, got "
                             f"{activation!r}")
        return _ACTIVATIONS[activation]
    return activation


class TransformerDecoderLayer(Module):
    """PyTorch's `nn.TransformerDecoderLayer` (the encoder layer's arguments): self-attention
    on `tgt`, attention over `memory` (the encoder's output), a feed-forward block;
    `layer(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)`."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 rng: RngLike = None, dtype: Any = np.float32) -> None:
        generator = as_rng(rng)
        self.activation = _activation("TransformerDecoderLayer", activation)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, rng=generator, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, rng=generator,
                                                 dtype=dtype)
        self.linear1 = OutInLinear(d_model, dim_feedforward, bias, generator, dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = OutInLinear(dim_feedforward, d_model, bias, generator, dtype)
        self.norm_first = bool(norm_first)
        self.norm1, self.norm2, self.norm3 = (LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                        dtype=dtype) for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = (Dropout(dropout) for _ in range(3))

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x = _tensor(tgt)
        mem = _tensor(memory)

        def attend(h: Tensor) -> Tensor:
            out = self.self_attn(h, h, h, key_padding_mask=tgt_key_padding_mask,
                                 need_weights=False, attn_mask=tgt_mask,
                                 is_causal=tgt_is_causal)[0]
            return self.dropout1(out)

        def recall(h: Tensor) -> Tensor:
            out = self.multihead_attn(h, mem, mem, key_padding_mask=memory_key_padding_mask,
                                      need_weights=False, attn_mask=memory_mask,
                                      is_causal=memory_is_causal)[0]
            return self.dropout2(out)

        def feed(h: Tensor) -> Tensor:
            return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(h)))))
        if self.norm_first:
            x = x + attend(self.norm1(x))
            x = x + recall(self.norm2(x))
            return x + feed(self.norm3(x))
        x = self.norm1(x + attend(x))
        x = self.norm2(x + recall(x))
        return self.norm3(x + feed(x))


class TransformerDecoder(Module):
    """`num_layers` deep copies of `decoder_layer`, then `norm` if given;
    `decoder(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)`."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        self.layers = ModuleList(_copies("TransformerDecoder", decoder_layer, num_layers))
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x = _tensor(tgt)
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                      memory_key_padding_mask, tgt_is_causal, memory_is_causal)
        return x if self.norm is None else self.norm(x)


def _copies(owner: str, layer: Module, count: int) -> list[Module]:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"{owner}: num_layers must be a positive int, got {count!r}")
    return [copy.deepcopy(layer) for _ in range(count)]


class Transformer(Module):
    """PyTorch's `nn.Transformer(d_model=512, nhead=8, num_encoder_layers=6,
    num_decoder_layers=6, dim_feedforward=2048, dropout=0.1, activation="relu",
    layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)`: an encoder and
    a decoder, each ending in a layer norm; `model(src, tgt, src_mask=None, tgt_mask=None,
    memory_mask=None, src_key_padding_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None)`."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 rng: RngLike = None, dtype: Any = np.float32) -> None:
        generator = as_rng(rng)
        settings = dict(dim_feedforward=dim_feedforward, dropout=dropout,
                        activation=activation, layer_norm_eps=layer_norm_eps,
                        batch_first=batch_first, norm_first=norm_first, bias=bias,
                        rng=generator, dtype=dtype)
        self.encoder = TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **settings), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self.decoder = TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **settings), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():  # PyTorch's _reset_parameters: xavier_uniform_ on matrices
            if p.ndim > 1:
                fan_out, fan_in = p.shape[0], p.shape[1]
                bound = float(np.sqrt(6.0 / (fan_in + fan_out)))
                p.data[...] = generator.uniform(-bound, bound, p.shape)

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None,
                memory_key_padding_mask: Any = None) -> Tensor:
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask)
        return self.decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                            memory_key_padding_mask)

    @staticmethod
    def generate_square_subsequent_mask(size: int, dtype: Any = np.float32) -> np.ndarray:
        """PyTorch's causal mask: 0 on and below the diagonal, -inf above.

        >>> Transformer.generate_square_subsequent_mask(2).tolist()
        [[0.0, -inf], [0.0, 0.0]]
        """
        return np.triu(np.full((size, size), -np.inf, dtype=dtype), 1)


class TransformerEncoder(Module):
    """`num_layers` copies of `encoder_layer` (deep copies: each starts with the layer's
    weights, as PyTorch's), then `norm` if given; `encoder(src, mask=None,
    src_key_padding_mask=None, is_causal=False)`."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        self.layers = ModuleList(_copies("TransformerEncoder", encoder_layer, num_layers))
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = _tensor(src)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal)
        return x if self.norm is None else self.norm(x)
