"""PyTorch's margin, ranking and embedding losses, made of other ops: `pairwise_distance`,
`margin_ranking_loss`, `hinge_embedding_loss`, `soft_margin_loss`, `cosine_embedding_loss`,
`triplet_margin_loss`, `multilabel_soft_margin_loss`, `poisson_nll_loss`, and their modules.
Each follows PyTorch's formula term for term (the same epsilons, the same clamps), so values
and gradients match it; the gradients, double backward and jit come from the ops.

>>> from tinygrad_np import Tensor
>>> margin_ranking_loss(Tensor([1.0, 0.2]), Tensor([0.5, 0.4]), Tensor([1.0, -1.0])).item()
0.0
"""
from __future__ import annotations

import math
from typing import Any

from ..composite import cosine_similarity
from ..function import OpError
from ..tensor import Tensor
from ..tensor_ops import _tensor, _tensor_like, clamp, logsigmoid, minimum, where
from .loss import _Loss
from .module import Module

__all__ = ["CosineEmbeddingLoss", "CosineSimilarity", "HingeEmbeddingLoss", "MarginRankingLoss",
           "MultiLabelSoftMarginLoss", "PairwiseDistance", "PoissonNLLLoss", "SoftMarginLoss",
           "TripletMarginLoss", "cosine_embedding_loss", "hinge_embedding_loss",
           "margin_ranking_loss", "multilabel_soft_margin_loss", "pairwise_distance",
           "poisson_nll_loss", "soft_margin_loss", "triplet_margin_loss"]

REDUCTIONS = ("mean", "sum", "none")


def _reduced(op: str, each: Tensor, reduction: str) -> Tensor:
    if reduction not in REDUCTIONS:
        raise OpError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if reduction == "none":
        return each
    return each.sum() if reduction == "sum" else each.mean()


def _labels(op: str, y: Any, shape: tuple[int, ...], like: Tensor) -> Tensor:
    """Targets +1 / -1 (any numbers: only their equality to 1 and -1 is read), broadcast
    to `shape` as PyTorch broadcasts them; a constant."""
    labels = _tensor_like(y, like).detach()
    try:
        labels = labels.broadcast_to(shape) if labels.shape != shape else labels
    except OpError:
        raise OpError(f"{op}: target {labels.shape} does not broadcast to {shape}") from None
    return labels


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last axis, as PyTorch's F.pairwise_distance.

    >>> round(pairwise_distance(Tensor([[0.0, 0.0]]), Tensor([[3.0, 4.0]])).item(), 4)
    5.0
    """
    a = _tensor(x1)
    diff = a - _tensor_like(x2, a) + eps
    if p == 2:
        return diff.norm(axis=-1, keepdims=keepdim)
    if p == math.inf:
        return abs(diff).max(axis=-1, keepdims=keepdim)
    if not p > 0:
        raise OpError(f"pairwise_distance: p must be positive (or inf), got {p!r}")
    return (abs(diff) ** p).sum(axis=-1, keepdims=keepdim) ** (1.0 / p)


def margin_ranking_loss(x1: Any, x2: Any, target: Any, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin), y = +1 where x1 should rank higher, -1 where x2."""
    a = _tensor(x1)
    gap = a - _tensor_like(x2, a)
    y = _labels("margin_ranking_loss", target, gap.shape, gap)
    return _reduced("margin_ranking_loss", clamp(-y * gap + margin, 0.0, None), reduction)


def hinge_embedding_loss(x: Any, target: Any, margin: float = 1.0,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (PyTorch's: both terms where y is
    neither)."""
    x = _tensor(x)
    y = _labels("hinge_embedding_loss", target, x.shape, x).data
    each = where(y != 1, clamp(margin - x, 0.0, None), 0.0) + where(y != -1, x, 0.0)
    return _reduced("hinge_embedding_loss", each, reduction)


def soft_margin_loss(x: Any, target: Any, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)), for y = +1 / -1."""
    x = _tensor(x)
    y = _labels("soft_margin_loss", target, x.shape, x)
    return _reduced("soft_margin_loss", -logsigmoid(y * x), reduction)


def cosine_embedding_loss(x1: Any, x2: Any, target: Any, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, the cosine
    along axis 1 (the last of 2-D rows; of 1-D vectors, the only one), with PyTorch's
    1e-12 added to each squared norm."""
    a = _tensor(x1)
    b = _tensor_like(x2, a)
    axis = -1
    dot = (a * b).sum(axis=axis)
    cos = dot / (((a * a).sum(axis=axis) + 1e-12) * ((b * b).sum(axis=axis) + 1e-12)) ** 0.5
    y = _labels("cosine_embedding_loss", target, cos.shape, cos).data
    each = where(y == 1, 1.0 - cos, 0.0) + where(y == -1, clamp(cos - margin, 0.0, None), 0.0)
    return _reduced("cosine_embedding_loss", each, reduction)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with `pairwise_distance` d; with `swap`, d(a, n) is
    the smaller of it and d(p, n)."""
    a = _tensor(anchor)
    pos, neg = _tensor_like(positive, a), _tensor_like(negative, a)
    near = pairwise_distance(a, pos, p, eps)
    far = pairwise_distance(a, neg, p, eps)
    if swap:
        far = minimum(far, pairwise_distance(pos, neg, p, eps))
    return _reduced("triplet_margin_loss", clamp(near - far + margin, 0.0, None), reduction)


def multilabel_soft_margin_loss(x: Any, target: Any, weight: Any = None,
                                reduction: str = "mean") -> Tensor:
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times `weight` (one per class), averaged
    over the classes (the last axis) for each sample, then reduced over the samples."""
    x = _tensor(x)
    y = _tensor_like(target, x).detach()
    each = -(y * logsigmoid(x) + (1.0 - y) * logsigmoid(-x))
    if weight is not None:
        each = each * _tensor_like(weight, x).detach()
    return _reduced("multilabel_soft_margin_loss", each.mean(axis=-1), reduction)


def poisson_nll_loss(x: Any, target: Any, log_input: bool = True, full: bool = False,
                     eps: float = 1e-8, reduction: str = "mean") -> Tensor:
    """The Poisson negative log-likelihood of `target` under rate exp(x) (`log_input`) or x:
    exp(x) - t x, or x - t log(x + eps); with `full`, Stirling's t log t - t + log(2 pi t) / 2
    where t > 1, as PyTorch adds it."""
    x = _tensor(x)
    t = _tensor_like(target, x).detach()
    each = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        counted = t.data > 1  # Stirling's term where t > 1; t = 1 inside its logs elsewhere
        safe = where(counted, t, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (safe * 2 * math.pi).log()
        each = each + where(counted, stirling, 0.0)
    return _reduced("poisson_nll_loss", each, reduction)


# -- modules ------------------------------------------------------------------------------------
class MarginRankingLoss(_Loss):
    """`margin_ranking_loss` as a module."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = float(margin)

    def forward(self, x1: Any, x2: Any, target: Any) -> Tensor:
        return margin_ranking_loss(x1, x2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """`hinge_embedding_loss` as a module."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = float(margin)

    def forward(self, x: Any, target: Any) -> Tensor:
        return hinge_embedding_loss(x, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    """`soft_margin_loss` as a module."""

    def forward(self, x: Any, target: Any) -> Tensor:
        return soft_margin_loss(x, target, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """`cosine_embedding_loss` as a module."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = float(margin)

    def forward(self, x1: Any, x2: Any, target: Any) -> Tensor:
        return cosine_embedding_loss(x1, x2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """`triplet_margin_loss` as a module."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = float(margin), float(p), float(eps), swap

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """`multilabel_soft_margin_loss` as a module; `weight` is a buffer."""

    weight: Any

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, x: Any, target: Any) -> Tensor:
        return multilabel_soft_margin_loss(x, target, self.weight, self.reduction)


class PoissonNLLLoss(_Loss):
    """`poisson_nll_loss` as a module."""

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input, self.full, self.eps = bool(log_input), bool(full), float(eps)

    def forward(self, x: Any, target: Any) -> Tensor:
        return poisson_nll_loss(x, target, self.log_input, self.full, self.eps, self.reduction)


class PairwiseDistance(Module):
    """`pairwise_distance` as a module."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        self.norm, self.eps, self.keepdim = float(p), float(eps), bool(keepdim)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """`cosine_similarity` along `axis` (PyTorch's `dim`, 1 by default) as a module."""

    def __init__(self, axis: int = 1, eps: float = 1e-8) -> None:
        self.axis, self.eps = int(axis), float(eps)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return cosine_similarity(x1, x2, self.axis, self.eps)
