"""Layers with a training mode or a lookup, and the normalisations: `Dropout`, `BatchNorm1d`,
`BatchNorm2d`, `LayerNorm`, `GroupNorm`, `InstanceNorm1d`, `RMSNorm`, `LocalResponseNorm`,
`Embedding`, ..., over the functions in `tinygrad_np.tensor_ops` and `tinygrad_np.norms`.

Dropout and BatchNorm follow `Module.training` (`model.train()` / `model.eval()`); BatchNorm
keeps its running statistics as buffers, so `state_dict()` and checkpoints carry them (with
PyTorch's names: running_mean, running_var, num_batches_tracked).

>>> import numpy as np
>>> from tinygrad_np import nn
>>> model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2))
>>> model(np.ones((5, 4), dtype=np.float32)).shape
(5, 8)
>>> sorted(k for k in model.state_dict() if "running" in k)
['layers.1.running_mean', 'layers.1.running_var']
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import on_cpu
from ..function import OpError
from ..memory import aligned
from ..noise import alpha_dropout, feature_alpha_dropout
from ..norms import local_response_norm, rms_norm
from ..ops.normalization import Embedding as EmbeddingOp
from ..tensor import Tensor
from ..tensor_ops import (batch_norm, counted_batch_norm, dropout, dropout1d, dropout2d,
                          dropout3d, group_norm, layer_norm, tracked_group_norm, _tensor)
from .init import RngLike, as_rng, mark_out_in
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Dropout", "Dropout1d", "Dropout2d",
           "Embedding", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
           "LayerNorm", "LocalResponseNorm", "RMSNorm", "AlphaDropout", "Dropout3d",
           "FeatureAlphaDropout"]


def _positive_int(value: Any, what: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {what} must be a positive int, got {value!r}")
    return int(value)


class Dropout(Module):
    """Inverted dropout while training (zero with probability p, scale the rest by
    1 / (1 - p)); the identity in eval mode. Masks come from the framework generator, so
    `tinygrad_np.manual_seed` makes them repeat.

    >>> drop = Dropout(0.5)
    >>> drop.eval()(np.ones(3, dtype=np.float32)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        # accepted for PyTorch code: the same result, out of place (see nn/activation.py)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, training=self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """`torch.nn.Dropout1d`: while training, zero whole channels of (N, C, L), each with
    probability p, and scale the rest by 1 / (1 - p).

    >>> Dropout1d(0.5).eval()(np.ones((1, 2, 3), dtype=np.float32)).shape
    (1, 2, 3)
    """

    def forward(self, x: Any) -> Tensor:
        return dropout1d(x, self.p, training=self.training)


class Dropout2d(Dropout):
    """`torch.nn.Dropout2d`: while training, zero whole feature maps of (N, C, H, W), each
    with probability p, and scale the rest by 1 / (1 - p).

    >>> Dropout2d(0.5).eval()(np.ones((1, 2, 3, 3), dtype=np.float32)).shape
    (1, 2, 3, 3)
    """

    def forward(self, x: Any) -> Tensor:
        return dropout2d(x, self.p, training=self.training)


class Dropout3d(Dropout):
    """`torch.nn.Dropout3d`: while training, zero whole channels of (N, C, D, H, W), each
    with probability p, and scale the rest by 1 / (1 - p)."""

    def forward(self, x: Any) -> Tensor:
        return dropout3d(x, self.p, training=self.training)


class AlphaDropout(Dropout):
    """`torch.nn.AlphaDropout`: `alpha_dropout` while training (for SELU networks), the
    identity in eval mode."""

    def forward(self, x: Any) -> Tensor:
        return alpha_dropout(x, self.p, training=self.training)


class FeatureAlphaDropout(Dropout):
    """`torch.nn.FeatureAlphaDropout`: `feature_alpha_dropout` (whole channels) while
    training, the identity in eval mode."""

    def forward(self, x: Any) -> Tensor:
        return feature_alpha_dropout(x, self.p, training=self.training)


def _scale_and_shift(shape: Any, weight: bool, bias: bool, dtype: Any
                     ) -> tuple[Tensor | None, Tensor | None]:
    """A normalisation layer's learned scale (ones) and shift (zeros), each only if asked."""
    return (Tensor(aligned(np.ones(shape, dtype=dtype)), requires_grad=True, name="weight")
            if weight else None,
            Tensor(aligned(np.zeros(shape, dtype=dtype)), requires_grad=True, name="bias")
            if bias else None)


def _momentum(momentum: float | None, owner: str) -> float | None:
    if momentum is not None and not 0 <= momentum <= 1:
        raise ValueError(f"{owner}: momentum must be in [0, 1] or None, got {momentum!r}")
    return momentum


class _RunningStatistics(Module):
    """What batch and instance norm share: the per-channel running statistics they may keep."""

    num_features: int
    track_running_stats: bool
    running_mean: Any
    running_var: Any
    num_batches_tracked: Any

    def _keep_running_statistics(self, track: bool, dtype: Any) -> None:
        """The running mean (zeros), variance (ones) and count, as buffers, when tracked;
        else None for each."""
        self.track_running_stats = bool(track)
        if track:
            n = self.num_features
            self.register_buffer("running_mean", np.zeros(n, dtype=dtype))
            self.register_buffer("running_var", np.ones(n, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None


class _BatchNorm(_RunningStatistics):
    """BatchNorm over axis 1 (the features / channels); subclasses say which input ranks."""

    ranks: tuple[int, ...] = ()
    expected = ""

    def __init__(self, num_features: int, *, momentum: float | None = 0.1, eps: float = 1e-5,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float32) -> None:
        # keyword-only after num_features: PyTorch's order is (eps, momentum), the issue's
        # (momentum, eps); a positional number would silently mean one or the other
        owner = type(self).__name__
        self.num_features = _positive_int(num_features, "num_features", owner)
        self.momentum, self.eps = _momentum(momentum, owner), float(eps)
        self.affine = bool(affine)
        n = self.num_features
        self.weight, self.bias = _scale_and_shift(n, affine, affine, dtype)
        self._keep_running_statistics(track_running_stats, dtype)

    def forward(self, x: Any) -> Tensor:
        ndim = np.ndim(x.data if isinstance(x, Tensor) else x)
        if ndim not in self.ranks:
            shape = np.shape(x.data if isinstance(x, Tensor) else x)
            raise OpError(f"{type(self).__name__}: input of shape {shape}: expected "
                          f"{self.expected}")
        use_batch_stats = self.training or self.running_mean is None
        # the count and momentum=None's cumulative average are the op's: a jit replays them
        return counted_batch_norm(x, self.running_mean, self.running_var, self.weight,
                                  self.bias, use_batch_stats, self.momentum, self.eps,
                                  self.num_batches_tracked if self.training else None)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input, per feature C, as PyTorch's:
    batch statistics while training (updating the running ones,
    r = (1 - momentum) r + momentum * batch, the variance unbiased), the running ones in
    eval mode. `momentum=None` keeps a cumulative average instead.

    >>> bn = BatchNorm1d(3)
    >>> out = bn(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    >>> [round(m, 6) for m in bn.running_mean.tolist()], bn.num_batches_tracked.item()
    ([0.15, 0.25, 0.35], 1)
    """

    ranks = (2, 3)
    expected = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, per channel C (see `BatchNorm1d`)."""

    ranks = (4,)
    expected = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) input, per channel C (see `BatchNorm1d`)."""

    ranks = (5,)
    expected = "(N, C, D, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its last axes (`normalized_shape`), then scale by `weight`
    (ones) and shift by `bias` (zeros), both of shape normalized_shape.

    >>> LayerNorm(4)(np.arange(8.0, dtype=np.float32).reshape(2, 4)).shape
    (2, 4)
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        self.normalized_shape = _normalized_shape(normalized_shape, "LayerNorm")
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight, self.bias = _scale_and_shift(self.normalized_shape, elementwise_affine,
                                                  elementwise_affine and bias, dtype)

    def forward(self, x: Any) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


def _normalized_shape(value: Any, owner: str) -> tuple[int, ...]:
    shape = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    checked = tuple([_positive_int(n, "normalized_shape", owner) for n in shape])
    if not checked:
        raise ValueError(f"{owner}: normalized_shape must name at least one axis")
    return checked


class RMSNorm(Module):
    """`torch.nn.RMSNorm`: divide each sample by its root mean square over its last axes
    (`normalized_shape`), then scale by `weight` (ones, with `elementwise_affine`); eps None
    is the input dtype's machine epsilon.

    >>> RMSNorm(4)(np.arange(8.0, dtype=np.float32).reshape(2, 4)).shape
    (2, 4)
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float | None = None,
                 elementwise_affine: bool = True, dtype: Any = np.float32) -> None:
        self.normalized_shape = _normalized_shape(normalized_shape, "RMSNorm")
        self.eps = None if eps is None else float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight, _ = _scale_and_shift(self.normalized_shape, self.elementwise_affine, False,
                                          dtype)

    def forward(self, x: Any) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:  # PyTorch's
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """`torch.nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0)`: see
    `local_response_norm`; no parameters."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
                 ) -> None:
        self.size = _positive_int(size, "size", "LocalResponseNorm")
        self.alpha, self.beta, self.k = float(alpha), float(beta), float(k)

    def forward(self, x: Any) -> Tensor:
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:  # PyTorch's
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class GroupNorm(Module):
    """`torch.nn.GroupNorm`: normalise (N, C, ...) over groups of C // num_groups channels,
    then scale and shift each channel by `weight` (ones) and `bias` (zeros).

    >>> GroupNorm(2, 4)(np.arange(16.0, dtype=np.float32).reshape(2, 4, 2)).shape
    (2, 4, 2)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, bias: bool = True, dtype: Any = np.float32) -> None:
        self.num_groups = _positive_int(num_groups, "num_groups", "GroupNorm")
        self.num_channels = _positive_int(num_channels, "num_channels", "GroupNorm")
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps, self.affine, self.has_bias = float(eps), bool(affine), bool(bias)
        self.weight, self.bias = _scale_and_shift(self.num_channels, affine, affine and bias,
                                                  dtype)

    def forward(self, x: Any) -> Tensor:
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:  # PyTorch's
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.has_bias}")


class _InstanceNorm(_RunningStatistics):
    """Normalise each channel of each sample over its positions (a GroupNorm with one
    channel per group), then, with `affine`, scale and shift each channel; PyTorch's
    defaults (affine=False, no running statistics). With `track_running_stats`, training
    also keeps running statistics, as PyTorch's: r = (1 - momentum) r + momentum * (each
    sample's channel mean, and unbiased variance, averaged over the batch), unchanged for
    momentum=None; eval mode then normalises by them."""

    ndim = 0
    layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 dtype: Any = np.float32) -> None:
        name = type(self).__name__
        self.num_features = _positive_int(num_features, "num_features", name)
        self.eps, self.momentum, self.affine = float(eps), _momentum(momentum, name), bool(affine)
        self.weight, self.bias = _scale_and_shift(self.num_features, affine, affine, dtype)
        self._keep_running_statistics(track_running_stats, dtype)

    def forward(self, x: Any) -> Tensor:
        x = _tensor(x)
        if x.ndim == self.ndim - 1 and x.shape[0] == self.num_features:  # one unbatched
            # input, (C, L) or (C, H, W), as PyTorch takes it
            out = self.forward(x.reshape((1, *x.shape)))
            return out.reshape(out.shape[1:])
        data = x.data
        shape: tuple[int, ...] = tuple(data.shape)
        name = type(self).__name__
        if len(shape) != self.ndim or shape[1] != self.num_features:
            raise OpError(f"{name}: input of shape {tuple(shape)} must be {self.layout} with "
                          f"C = {self.num_features}")
        if not self.training and self.running_mean is not None:
            return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              training=False, eps=self.eps)
        if int(np.prod(shape[2:])) <= 1:  # PyTorch's check: one position has no variance
            raise ValueError(f"{name}: expected more than 1 spatial element when training, "
                             f"got input of shape {shape}")
        # the running statistics are the op's to update: a jit replays that
        return tracked_group_norm(x, self.num_features, self.weight, self.bias, self.eps,
                                  self.running_mean, self.running_var, self.momentum)

    def extra_repr(self) -> str:  # PyTorch's
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """`torch.nn.InstanceNorm1d` over (N, C, L).

    >>> InstanceNorm1d(2)(np.arange(8.0, dtype=np.float32).reshape(1, 2, 4)).shape
    (1, 2, 4)
    """

    ndim, layout = 3, "(N, C, L) (or one (C, L))"


class InstanceNorm2d(_InstanceNorm):
    """`torch.nn.InstanceNorm2d` over (N, C, H, W).

    >>> InstanceNorm2d(3)(np.ones((2, 3, 4, 4), dtype=np.float32)).shape
    (2, 3, 4, 4)
    """

    ndim, layout = 4, "(N, C, H, W) (or one (C, H, W))"


class InstanceNorm3d(_InstanceNorm):
    """`torch.nn.InstanceNorm3d` over (N, C, D, H, W)."""

    ndim, layout = 5, "(N, C, D, H, W) (or one (C, D, H, W))"


class Embedding(Module):
    """A table of `num_embeddings` vectors of size `embedding_dim`, looked up by integer
    indices of any shape, with PyTorch's arguments. The weight starts N(0, 1), as in
    PyTorch, drawn from `rng` (a Generator, an int seed, or None: the framework generator),
    or is `_weight` as given. With `padding_idx`, that row starts at zero and gets no
    gradient; with `max_norm`, each row looked up whose `norm_type`-norm is larger is scaled
    down to it in place first (PyTorch's renorm); `scale_grad_by_freq` divides each row's
    gradient by how often the batch uses it. `sparse` is accepted, with no effect: the
    gradient is a dense array, which the optimizers take.

    >>> emb = Embedding(10, 3, rng=0)
    >>> emb(np.array([[1, 2], [3, 1]])).shape
    (2, 2, 3)
    >>> Embedding.from_pretrained(Tensor([[1.0, 2.0], [3.0, 4.0]]))(np.array([1])).tolist()
    [[3.0, 4.0]]
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False,
                 device: Any = None, dtype: Any = np.float32, *,
                 rng: RngLike = None) -> None:
        on_cpu(device, "Embedding")
        self.num_embeddings = _positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = _positive_int(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{self.num_embeddings} embeddings")
            padding_idx = int(padding_idx) % self.num_embeddings
        if max_norm is not None and not max_norm > 0:
            raise ValueError(f"Embedding: max_norm must be > 0, got {max_norm!r}")
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, float(norm_type)
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), bool(sparse)
        if _weight is None:
            table = as_rng(rng).standard_normal((self.num_embeddings, self.embedding_dim))
            if padding_idx is not None:
                table[padding_idx] = 0
            data = aligned(table.astype(dtype))
        else:  # the given array itself, as PyTorch keeps the given tensor
            data = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if data.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: _weight of shape {data.shape} does not match "
                                 f"({self.num_embeddings}, {self.embedding_dim})")
        # a parameter even frozen (from_pretrained), fan_in its second axis, as PyTorch's
        self.weight = mark_out_in(Parameter(data, requires_grad=not _freeze, name="weight"))

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose table is `embeddings` (rows, dim), frozen unless `freeze` is
        False, as PyTorch's."""
        data = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D (rows, dim), "
                             f"got shape {data.shape}")
        return cls(data.shape[0], data.shape[1], padding_idx, max_norm, norm_type,
                   scale_grad_by_freq, sparse, _weight=data, _freeze=freeze)

    def forward(self, indices: Any) -> Tensor:
        picked = _embedding_indices(indices)
        if self.max_norm is not None:
            _renorm_rows(self.weight.data, picked, self.max_norm, self.norm_type)
        return EmbeddingOp.apply(self.weight, indices=picked, padding_idx=self.padding_idx,
                                 scale_grad_by_freq=self.scale_grad_by_freq)

    def extra_repr(self) -> str:
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            extra += f", max_norm={self.max_norm}"
        if self.scale_grad_by_freq:
            extra += ", scale_grad_by_freq=True"
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"


def _embedding_indices(indices: Any) -> Any:
    if isinstance(indices, Tensor):
        return indices.data
    return np.asarray(indices) if isinstance(indices, (list, tuple, int, np.integer)) \
        else indices


def _renorm_rows(table: Any, indices: Any, max_norm: float, norm_type: float) -> None:
    """Scale each row of `table` that `indices` uses, and whose norm is above `max_norm`,
    down to `max_norm` in place (PyTorch's embedding_renorm_: by max_norm / (norm + 1e-7))."""
    if not hasattr(indices, "dtype") or indices.dtype.kind not in "iu" or not indices.size:
        return  # the op's own check names the problem
    rows = np.unique(indices)
    rows = rows[(rows >= 0) & (rows < table.shape[0])]
    norms = np.linalg.norm(table[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        table[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(table.dtype)
