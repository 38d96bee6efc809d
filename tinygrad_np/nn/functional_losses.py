"""The losses of `tinygrad_np.nn.functional` with PyTorch's signatures: the same parameter
names (`input`, `target`, ...), positions and defaults as `torch.nn.functional`'s, the legacy
`size_average` / `reduce` included, each a thin wrapper that calls the package's own loss
(`tinygrad_np.cross_entropy`, ...) by keyword. So PyTorch's positional calls mean what they
mean in PyTorch:

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> x, w = Tensor([[2.0, 0.0]]), np.array([0.5, 2.0])
>>> round(cross_entropy(x, [1], w).item(), 4)  # the third is PyTorch's `weight`
2.1269
>>> round(binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([1.0]), [3.0]).item(), 4)
2.0794

The legacy arguments become `reduction` by PyTorch's rule (either one given: "mean" unless
one of them is False, "sum" if only size_average is, "none" if reduce is), with its warning:

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     mse_loss(Tensor([1.0, 3.0]), Tensor([0.0, 0.0]), size_average=False).item()
10.0
>>> str(caught[0].message)
"size_average and reduce args will be deprecated, please use reduction='sum' instead."
"""
from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec

import numpy as np

from ..function import OpError
from ..tensor import Tensor
from ..tensor_ops import _tensor, _tensor_like
from . import loss as _loss
from . import margin_losses as _margin

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
           "cross_entropy", "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss", "kl_div",
           "l1_loss", "margin_ranking_loss", "mse_loss", "multi_margin_loss",
           "multilabel_margin_loss", "multilabel_soft_margin_loss", "nll_loss",
           "poisson_nll_loss", "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss"]

P = ParamSpec("P")


def torch_signature(ours: Callable[..., Tensor], **renames: str
                    ) -> Callable[[Callable[P, dict[str, Any]]], Callable[P, Tensor]]:
    """Make the decorated stub, a def with PyTorch's parameters whose body is
    `return locals()`, a loss: Python binds each call against the stub (PyTorch's names,
    positions, defaults and TypeErrors), the legacy `size_average` / `reduce` become
    `reduction`, and `ours` is called by keyword, PyTorch's names renamed by `renames`
    (`input="logits"`, ...).

    >>> @torch_signature(_loss.l1_loss, input="pred")
    ... def l1(input: Any, target: Any, reduction: str = "mean") -> dict[str, Any]:
    ...     return locals()
    >>> l1(Tensor([1.0]), Tensor([3.0]), "sum").item()
    2.0
    """
    def bind(stub: Callable[P, dict[str, Any]]) -> Callable[P, Tensor]:
        @functools.wraps(stub)
        def loss(*args: P.args, **kwargs: P.kwargs) -> Tensor:
            given = stub(*args, **kwargs)
            legacy = _legacy_reduction(given)
            out = ours(**{renames.get(name, name): value for name, value in given.items()})
            if legacy == "batchmean":  # kl_div's: PyTorch divides the legacy one by the batch
                first = given["input"]
                shape = first.shape if hasattr(first, "shape") else np.shape(first)
                out = out / shape[0] if shape else out
            return out

        signature = inspect.signature(stub)
        loss.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation="Tensor")
        names = "".join(f", {theirs} for its {mine}" for theirs, mine in renames.items())
        loss.__doc__ = (f"PyTorch's F.{stub.__name__}({_plain(signature)}): `tinygrad_np."
                        f"{ours.__name__}` (see there) with PyTorch's parameters{names}.")
        return loss
    return bind


def _plain(signature: inspect.Signature) -> str:
    """The parameters of `signature` as a call would spell them: names and defaults.

    >>> _plain(inspect.signature(lambda input, target, reduction="mean": None))
    "input, target, reduction='mean'"
    """
    return ", ".join(name if p.default is p.empty else f"{name}={p.default!r}"
                     for name, p in signature.parameters.items())


def _legacy_reduction(given: dict[str, Any]) -> str | None:
    """Replace `size_average` and `reduce` in `given` by the `reduction` PyTorch's
    `_Reduction.legacy_get_string` makes of them, with its warning, where either is given;
    return the `reduction` so overridden ("batchmean" tells kl_div to divide), or None."""
    if "reduce" not in given:
        return None
    size_average, reduce = given.pop("size_average"), given.pop("reduce")
    if size_average is None and reduce is None:
        return None
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    overridden, given["reduction"] = given["reduction"], reduction
    return overridden


def _weighted(ours: Callable[..., Tensor], by_weight: bool) -> Callable[..., Tensor]:
    """`ours` taking PyTorch 2.13's elementwise `weight` too, of the input's shape (a
    constant or a Tensor, which then gets its gradient): each loss times its weight, then
    reduced, "mean" as PyTorch: sum(w * loss) / sum(w) (`by_weight`, mse and l1) or the
    mean of w * loss (huber)."""
    def weighted(pred: Any, target: Any, reduction: str = "mean", weight: Any = None,
                 **options: Any) -> Tensor:
        if weight is None:
            return ours(pred, target, reduction=reduction, **options)
        op = ours.__name__
        x = _tensor(pred)
        w = _tensor_like(weight, x)
        if w.shape != x.shape:
            raise OpError(f"{op}: weight {w.shape} must have the input's shape {x.shape}")
        if reduction not in ("mean", "sum", "none"):
            raise OpError(f"{op}: reduction must be 'mean', 'sum' or 'none', got "
                          f"{reduction!r}")
        each = ours(x, target, reduction="none", **options) * w
        if reduction == "none":
            return each
        if reduction == "sum":
            return each.sum()
        return each.sum() / w.sum() if by_weight else each.mean()

    weighted.__name__ = ours.__name__
    return weighted


# -- PyTorch 2.13's signatures (inspect.signature(torch.nn.functional.<name>)) ----------------
@torch_signature(_loss.cross_entropy, input="logits", target="labels")
def cross_entropy(input: Any, target: Any, weight: Any = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> dict[str, Any]:
    return locals()


@torch_signature(_loss.nll_loss, input="log_probs", target="labels")
def nll_loss(input: Any, target: Any, weight: Any = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None,
             reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_loss.binary_cross_entropy, input="probs")
def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_loss.binary_cross_entropy_with_logits, input="logits")
def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> dict[str, Any]:
    return locals()


@torch_signature(_weighted(_loss.mse_loss, by_weight=True), input="pred")
def mse_loss(input: Any, target: Any, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Any = None) -> dict[str, Any]:
    return locals()


@torch_signature(_weighted(_loss.l1_loss, by_weight=True), input="pred")
def l1_loss(input: Any, target: Any, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Any = None) -> dict[str, Any]:
    return locals()


@torch_signature(_loss.smooth_l1_loss, input="pred")
def smooth_l1_loss(input: Any, target: Any, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> dict[str, Any]:
    return locals()


@torch_signature(_weighted(_loss.huber_loss, by_weight=False), input="pred")
def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> dict[str, Any]:
    return locals()


@torch_signature(_loss.kl_div, input="log_probs")
def kl_div(input: Any, target: Any, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> dict[str, Any]:
    return locals()


@torch_signature(_loss.gaussian_nll_loss, input="mean")
def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-06,
                      reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.margin_ranking_loss, input1="x1", input2="x2")
def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.hinge_embedding_loss, input="x")
def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.multi_margin_loss, input="x")
def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Any = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.multilabel_margin_loss, input="x")
def multilabel_margin_loss(input: Any, target: Any, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean"
                           ) -> dict[str, Any]:
    return locals()


@torch_signature(_margin.soft_margin_loss, input="x")
def soft_margin_loss(input: Any, target: Any, size_average: bool | None = None,
                     reduce: bool | None = None, reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.multilabel_soft_margin_loss, input="x")
def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.cosine_embedding_loss, input1="x1", input2="x2")
def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.triplet_margin_loss)
def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-06, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> dict[str, Any]:
    return locals()


@torch_signature(_margin.poisson_nll_loss, input="x")
def poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-08,
                     reduce: bool | None = None, reduction: str = "mean") -> dict[str, Any]:
    return locals()
