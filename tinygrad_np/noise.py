"""PyTorch's other random layers, made of other ops: `alpha_dropout`,
`feature_alpha_dropout`, `rrelu` and `gumbel_softmax`. Their random numbers come from the
framework generator (`tinygrad_np.manual_seed` makes them repeat; under `jit` every replay
draws afresh); the same seed gives other numbers than PyTorch's, with the same distributions.

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> alpha_dropout(Tensor(np.ones(3)), 0.5, training=False).tolist()
[1.0, 1.0, 1.0]
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .function import OpError
from .functional import softmax
from .random import get_generator
from .selection import one_hot
from .tensor import Tensor
from .tensor_ops import _tensor, where
from .torch_keywords import torch_keywords

__all__ = ["alpha_dropout", "feature_alpha_dropout", "gumbel_softmax", "rrelu"]

# SELU's scale * alpha: a dropped unit is set to SELU's lowest value, -ALPHA
ALPHA = 1.7580993408473766


def _probability(op: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise OpError(f"{op}: p must be a probability in [0, 1], got {p!r}")
    return float(p)


def _alpha_dropout(op: str, x: Any, p: Any, training: bool, features: bool) -> Tensor:
    p = _probability(op, p)
    x = _tensor(x)
    if features and x.ndim < 2:
        raise OpError(f"{op}: input of shape {x.shape} must be (N, C, ...), at least 2-D")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if features else x.shape
    keep = (get_generator().random(shape) >= p).astype(x.dtype)
    # PyTorch's affine correction: the output keeps a SELU net's zero mean and unit variance
    a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
    shift = (keep - 1) * (ALPHA * a) + ALPHA * a * p
    return x * (keep * a) + shift


def alpha_dropout(x: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks, as PyTorch's F.alpha_dropout (whose `training` also
    defaults to False): each element is set, with probability p, to SELU's lowest value
    -1.758..., then every element is scaled and shifted so that inputs of zero mean and unit
    variance keep them."""
    return _alpha_dropout("alpha_dropout", x, p, training, False)


def feature_alpha_dropout(x: Any, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """`alpha_dropout` of whole channels of x (N, C, ...): all of a channel's elements are
    dropped together, as PyTorch's F.feature_alpha_dropout."""
    return _alpha_dropout("feature_alpha_dropout", x, p, training, True)


def rrelu(x: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """The randomised leaky ReLU, as PyTorch's F.rrelu: while training, each element at or
    below 0 is multiplied by its own slope drawn uniformly from [lower, upper] (the gradient
    too); otherwise a leaky ReLU with slope (lower + upper) / 2.

    >>> rrelu(Tensor([-4.0, 2.0]), 0.25, 0.75).tolist()
    [-2.0, 2.0]
    """
    x = _tensor(x)
    if not lower <= upper:
        raise OpError(f"rrelu: lower {lower!r} must be at most upper {upper!r}")
    if not training:
        return where(x.data > 0, x, x * ((lower + upper) / 2))
    slopes = get_generator().uniform(lower, upper, x.shape).astype(x.dtype)
    return where(x.data <= 0, x * slopes, x)


@torch_keywords
def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   axis: int = -1) -> Tensor:
    """A differentiable sample of a categorical distribution, as PyTorch's
    F.gumbel_softmax: softmax((logits + g) / tau) along `axis` with Gumbel(0, 1) noise g;
    with `hard`, the one-hot of that sample's largest entry in the forward pass, with the
    soft sample's gradient (straight through). `eps` is unused, as in PyTorch.

    >>> import numpy as np
    >>> sample = gumbel_softmax(Tensor(np.zeros((2, 3))), hard=True)
    >>> sample.data.sum(axis=-1).tolist()
    [1.0, 1.0]
    """
    logits = _tensor(logits)
    if not tau > 0:
        raise OpError(f"gumbel_softmax: tau must be positive, got {tau!r}")
    gumbels = -np.log(get_generator().exponential(1.0, logits.shape)).astype(logits.dtype)
    soft = softmax((logits + gumbels) / tau, axis)
    if not hard:
        return soft
    last = np.moveaxis(soft.data, axis, -1)
    chosen = one_hot(last.argmax(axis=-1), last.shape[-1]).data
    picked = np.moveaxis(chosen, -1, axis).astype(logits.dtype)
    return soft - soft.detach() + Tensor(picked)
