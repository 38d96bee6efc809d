"""Adagrad (Duchi et al.): per-element learning rates from the sum of squared gradients."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..memory import full_aligned_like
from ..tensor import Tensor
from .optimizer import Optimizer, check_flag, check_hyper

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad with PyTorch's semantics and defaults:

        g = grad + weight_decay * p                   (-grad with maximize=True)
        s = s + g * g                                  (s starts at initial_accumulator_value)
        p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    with t this parameter's step count. As in PyTorch the state ("step", "sum") is made
    when the optimizer is, so `state_dict()` lists every parameter from the start.

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> w.grad = np.array([3.0], dtype=np.float32)
    >>> Adagrad([w], lr=0.5, eps=0.0).step()          # s = 9: p -= 0.5 * 3 / 3
    >>> w.data
    array([0.5], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "maximize": maximize})
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        for key in ("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value"):
            group[key] = check_hyper("Adagrad", key, group[key])
        group["maximize"] = check_flag("Adagrad", "maximize", group["maximize"])
        return group

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["sum"] = full_aligned_like(p.data, group["initial_accumulator_value"])
        return state

    def step(self) -> None:
        """Update each parameter that has a gradient, in place (no new arrays)."""
        for group, pairs in self._grads_by_group():
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            wd, maximize = float(group["weight_decay"]), group["maximize"]
            for p, g in pairs:
                state = self._init_state(p, group)   # a group added after construction
                t = state["step"] = state["step"] + 1
                g = self._grad_with_decay(p, g, wd, maximize)
                clr = lr / (1 + (t - 1) * lr_decay)
                s = state["sum"]
                work = self._buffer(p, "update")
                np.multiply(g, g, out=work)
                s += work
                np.sqrt(s, out=work)
                work += eps
                np.divide(g, work, out=work)
                work *= clr
                p.data -= work
