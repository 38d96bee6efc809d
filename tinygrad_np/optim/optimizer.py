"""`Optimizer`: the base class holding the parameter list that `step()` updates in place."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """Holds `params` (a list, in the order given) and updates them in `step()`.

    Updates are written into each `p.data` in place (the arrays are never replaced, so
    anything else holding them, a model or a checkpoint writer, sees the new values), and
    `p.grad` is only read. Parameters whose `grad` is None are skipped.

    >>> from tinygrad_np.optim import SGD
    >>> opt = SGD(model.parameters(), lr=0.1)  # doctest: +SKIP
    >>> opt.zero_grad(); loss.backward(); opt.step()  # doctest: +SKIP
    """

    def __init__(self, params: Iterable[Tensor]) -> None:
        name = type(self).__name__
        # A model (even an iterable one, like Sequential) or a lone Tensor (iterable by rows)
        # is a mistake that list() would not catch, or would catch with a confusing message.
        is_model = hasattr(params, "parameters")
        if is_model or isinstance(params, Tensor) or not hasattr(params, "__iter__"):
            hint = " (did you mean model.parameters()?)" if is_model else ""
            raise TypeError(f"{name}: params must be an iterable of Tensors, such as "
                            f"model.parameters() or [W1, b1], got {type(params).__name__}{hint}")
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        seen: set[int] = set()
        for index, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {index} is a {type(p).__name__}, "
                                f"not a Tensor")
            label = f"parameter {index}" + (f" ({p.name!r})" if p.name else "")
            if not p.requires_grad:
                raise ValueError(f"{name}: {label} has requires_grad=False, so it never gets "
                                 f"a gradient; create it with requires_grad=True")
            if p.grad_fn is not None:
                raise ValueError(f"{name}: {label} is the result of an operation, not a leaf "
                                 f"tensor; optimize the tensors it was computed from")
            if id(p) in seen:
                raise ValueError(f"{name}: {label} appears twice; it would be updated twice "
                                 f"per step")
            seen.add(id(p))

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to None, so the next backward starts from zero."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        raise NotImplementedError(f"{type(self).__name__} must define step()")


def check_hyper(owner: str, name: str, value: Any, low: float = 0.0,
                high: float | None = None) -> float:
    """`value` as a Python float (so float32 arithmetic stays float32), checked to lie in
    [low, high) (or [low, inf))."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}") from None
    if not (number >= low and (high is None or number < high)):
        where = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{owner}: {name} must be {where}, got {value!r}")
    return number
