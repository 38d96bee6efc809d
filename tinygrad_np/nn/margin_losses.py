"""PyTorch's margin, ranking and embedding losses, made of other ops: `pairwise_distance`, `pdist`,
`margin_ranking_loss`, `hinge_embedding_loss`, `soft_margin_loss`, `cosine_embedding_loss`,
`triplet_margin_loss`, `triplet_margin_with_distance_loss`, `multi_margin_loss`,
`multilabel_margin_loss`, `multilabel_soft_margin_loss`, `poisson_nll_loss`, and their modules.
Each follows PyTorch's formula term for term (the same epsilons, the same clamps), so values
and gradients match it; the gradients, double backward and jit come from the ops.

>>> from tinygrad_np import Tensor
>>> margin_ranking_loss(Tensor([1.0, 0.2]), Tensor([0.5, 0.4]), Tensor([1.0, -1.0])).item()
0.0
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..composite import cosine_similarity
from ..function import OpError
from ..tensor import Tensor
from ..selection import _integers, gather, one_hot
from ..tensor_ops import _tensor, _tensor_like, clamp, logsigmoid, minimum, where
from ..torch_keywords import torch_keywords
from .loss import _Loss
from .module import Module

__all__ = ["CosineEmbeddingLoss", "CosineSimilarity", "HingeEmbeddingLoss", "MarginRankingLoss",
           "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
           "PairwiseDistance", "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss", "cosine_embedding_loss", "hinge_embedding_loss",
           "margin_ranking_loss", "multi_margin_loss", "multilabel_margin_loss",
           "multilabel_soft_margin_loss", "pairwise_distance", "pdist", "poisson_nll_loss",
           "soft_margin_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss"]

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


def pdist(x: Any, p: float = 2.0) -> Tensor:
    """The p-norm distances between the rows of x (N, M), for each pair i < j in row-major
    order, (N * (N - 1) / 2,), as PyTorch's F.pdist (no eps; p = 0 counts the differing
    entries). Where two rows are equal the gradient is 0, as PyTorch's.

    >>> pdist(Tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])).tolist()
    [5.0, 1.0, 4.242640495300293]
    """
    x = _tensor(x)
    if x.ndim != 2:
        raise OpError(f"pdist: input of shape {x.shape} must be 2-D (N, M)")
    if not p >= 0:
        raise OpError(f"pdist: p must be at least 0, got {p!r}")
    first, second = np.triu_indices(x.shape[0], 1)
    diff = abs(x[first] - x[second])
    if p == 0:
        return Tensor((diff.data != 0).sum(axis=1).astype(x.dtype))
    if p == 1:
        return diff.sum(axis=1)
    if p == math.inf:
        return diff.max(axis=1)
    if p == 2:
        powered = diff * diff
    else:  # d|d| ** p is infinite at 0 for p < 1: 0 there, as PyTorch's
        same = diff.data == 0
        powered = where(same, 0.0, where(same, 1.0, diff) ** p)
    total = powered.sum(axis=1)
    equal = total.data == 0  # there d(total ** (1 / p)) is infinite: 0 instead, as PyTorch's
    return where(equal, 0.0, where(equal, 1.0, total) ** (1.0 / p))


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


def triplet_margin_with_distance_loss(anchor: Any, positive: Any, negative: Any, *,
                                      distance_function: Callable[[Any, Any], Any] | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """`triplet_margin_loss` with any distance: max(0, margin + d(a, p) - d(a, n)), d a
    function of two tensors (default `pairwise_distance`); `margin` must be positive."""
    op = "triplet_margin_with_distance_loss"
    if not margin > 0:
        raise OpError(f"{op}: margin must be greater than 0, got {margin!r}")
    a = _tensor(anchor)
    pos, neg = _tensor_like(positive, a), _tensor_like(negative, a)
    if not a.ndim == pos.ndim == neg.ndim:
        raise OpError(f"{op}: anchor {a.shape}, positive {pos.shape} and negative "
                      f"{neg.shape} must have the same number of axes")
    distance = pairwise_distance if distance_function is None else distance_function
    near, far = _tensor(distance(a, pos)), _tensor(distance(a, neg))
    if swap:
        far = minimum(far, _tensor(distance(pos, neg)))
    return _reduced(op, clamp(near - far + margin, 0.0, None), reduction)


def _score_rows(op: str, x: Any) -> tuple[Tensor, Tensor]:
    """(the scores, as (N, C) rows) of (N, C) scores or one (C,) row."""
    scores = _tensor(x)
    if scores.ndim not in (1, 2) or scores.size == 0:
        raise OpError(f"{op}: input {scores.shape} must be (N, C) scores or one (C,) row")
    return scores, scores.reshape(1, -1) if scores.ndim == 1 else scores


def _strict_hinge(z: Tensor) -> Tensor:
    """max(0, z) with no gradient where z == 0: PyTorch's multi-class hinges count a term
    only where it is > 0 (its clamp, in the other losses, passes the gradient at 0)."""
    return where(z.data > 0, z, 0.0)


def multi_margin_loss(x: Any, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                      reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss of scores x (N, C) (or one (C,) row) and class indices
    `target` (N,): for each sample, the sum over the other classes i of
    max(0, margin - x[y] + x[i]) ** p, times weight[y] (one weight per class, a constant),
    divided by C; p is 1 or 2, as in PyTorch. As PyTorch's, a term counts (and passes a
    gradient) only where margin - x[y] + x[i] > 0: none exactly at the hinge.

    >>> round(multi_margin_loss(Tensor([[0.1, 0.2, 0.4, 0.8]]), [3]).item(), 4)
    0.325
    """
    op = "multi_margin_loss"
    if p not in (1, 2) or isinstance(p, bool):
        raise OpError(f"{op}: p must be 1 or 2, got {p!r}")
    scores, rows = _score_rows(op, x)
    n, c = rows.shape
    labels = _integers(target)
    if labels.dtype.kind not in "iu" or labels.size != n or labels.ndim > 1:
        raise OpError(f"{op}: target of shape {labels.shape} and dtype {labels.dtype} must be "
                      f"{n} integer class indices for input {scores.shape}")
    labels = labels.reshape(n)
    picked = gather(rows, 1, labels.reshape(n, 1))  # x[y], checked to lie in [0, C)
    hinge = _strict_hinge(margin - picked + rows)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        weights = _tensor_like(weight, rows).detach()
        if weights.shape != (c,):
            raise OpError(f"{op}: weight of shape {weights.shape} must be ({c},), one per class")
        hinge = hinge * gather(weights, 0, labels).reshape(n, 1)
    each = where(one_hot(labels, c).data == 1, 0.0, hinge).sum(axis=1) / c
    return _reduced(op, each.reshape(()) if scores.ndim == 1 else each, reduction)


def multilabel_margin_loss(x: Any, target: Any, reduction: str = "mean") -> Tensor:
    """The multi-label hinge loss of scores x (N, C) (or one (C,) row): `target`, of x's
    shape, lists each sample's classes up to its first -1; for each sample, the sum over its
    listed classes j and its other classes i of max(0, 1 - (x[j] - x[i])), divided by C. A
    class listed twice counts twice, and a term exactly at the hinge passes no gradient, as
    in PyTorch's loop (strictly > 0).

    >>> round(multilabel_margin_loss(Tensor([[0.1, 0.2, 0.4, 0.8]]), [[3, 0, -1, 1]]).item(), 4)
    0.85
    """
    op = "multilabel_margin_loss"
    scores, rows = _score_rows(op, x)
    n, c = rows.shape
    labels = _integers(target)
    if labels.dtype.kind not in "iu" or labels.shape != scores.shape:
        raise OpError(f"{op}: target of shape {labels.shape} and dtype {labels.dtype} must be "
                      f"integer class lists of the input's shape {scores.shape}")
    labels = labels.reshape(n, c)
    listed = np.cumprod(labels != -1, axis=1) == 1  # before the first -1
    if ((labels < 0) | (labels >= c))[listed].any():
        raise OpError(f"{op}: the listed classes (up to each row's first -1) must be in "
                      f"[0, {c}), got {labels[listed].min()} to {labels[listed].max()}")
    # how often each sample lists each class: (N, C)
    counts = (one_hot(np.where(listed, labels, 0), c).data * listed[..., None]).sum(axis=1)
    pairs = counts[:, :, None] * (counts == 0)[:, None, :]  # (N, j listed, i not listed)
    hinge = _strict_hinge(1.0 - rows.reshape(n, c, 1) + rows.reshape(n, 1, c))
    each = where(pairs > 0, hinge * pairs.astype(rows.dtype), 0.0).sum(axis=(1, 2)) / c
    return _reduced(op, each.reshape(()) if scores.ndim == 1 else each, reduction)


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


class TripletMarginWithDistanceLoss(_Loss):
    """`triplet_margin_with_distance_loss` as a module."""

    def __init__(self, *, distance_function: Callable[[Any, Any], Any] | None = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not margin > 0:
            raise OpError(f"TripletMarginWithDistanceLoss: margin must be greater than 0, got "
                          f"{margin!r}")
        self.distance_function, self.margin, self.swap = distance_function, float(margin), swap

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """`multi_margin_loss` as a module; `weight` is a buffer."""

    weight: Any

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        if p not in (1, 2) or isinstance(p, bool):
            raise OpError(f"MultiMarginLoss: p must be 1 or 2, got {p!r}")
        self.p, self.margin = int(p), float(margin)
        self.register_buffer("weight", weight)

    def forward(self, x: Any, target: Any) -> Tensor:
        return multi_margin_loss(x, target, self.p, self.margin, self.weight, self.reduction)


class MultiLabelMarginLoss(_Loss):
    """`multilabel_margin_loss` as a module."""

    def forward(self, x: Any, target: Any) -> Tensor:
        return multilabel_margin_loss(x, target, self.reduction)


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

    @torch_keywords
    def __init__(self, axis: int = 1, eps: float = 1e-8) -> None:
        self.axis, self.eps = int(axis), float(eps)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return cosine_similarity(x1, x2, self.axis, self.eps)
