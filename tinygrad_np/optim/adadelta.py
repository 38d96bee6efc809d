"""Adadelta (Zeiler): a per-coordinate step from running averages of squared gradients and
squared updates."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_hyper, check_settings, decay_square

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta with PyTorch's semantics and defaults (lr 1.0 scales the update):

        g = grad + weight_decay * p                 (-grad with maximize=True)
        s = rho * s + (1 - rho) * g * g
        d = sqrt(a + eps) / sqrt(s + eps) * g
        a = rho * a + (1 - rho) * d * d
        p -= lr * d

    State: `opt.state[p]` holds "step", "square_avg" and "acc_delta".

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> w.grad = np.array([2.0], dtype=np.float32)
    >>> Adadelta([w]).step()
    >>> w.data.round(6)
    array([0.996838], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0, *,
                 maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        name = type(self).__name__
        group["lr"] = check_hyper(name, "lr", group["lr"])
        group["rho"] = check_hyper(name, "rho", group["rho"], 0.0, 1.0 + 1e-12)
        check_settings(name, group, ("eps", "weight_decay"), ("maximize",))
        return group

    def step(self) -> None:
        """Update each parameter that has a gradient, in place."""
        for group, pairs in self._grads_by_group():
            lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
            wd = float(group["weight_decay"])
            for p, g in pairs:
                state = self._counted_state(p, ("square_avg", "acc_delta"))
                g = self._grad_with_decay(p, g, wd, group["maximize"])
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                work, delta = self._buffer(p, "update"), self._buffer(p, "delta")
                decay_square(square_avg, g, rho, work)
                np.add(square_avg, eps, out=work)
                np.sqrt(work, out=work)  # std
                np.add(acc_delta, eps, out=delta)
                np.sqrt(delta, out=delta)
                delta /= work
                delta *= g
                decay_square(acc_delta, delta, rho, work)
                np.multiply(delta, -lr, out=delta)  # add_(delta, alpha=-lr)
                p.data += delta
