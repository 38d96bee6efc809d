"""Adamax (Kingma & Ba): Adam with the infinity norm in place of the second moment."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_betas, check_hyper, check_settings, lerp_toward

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax with PyTorch's semantics and defaults:

        g = grad + weight_decay * p                 (-grad with maximize=True)
        m = m + (1 - beta1) * (g - m)
        u = max(beta2 * u, |g| + eps)
        p -= lr / (1 - beta1**t) * m / u

    State: `opt.state[p]` holds "step", "exp_avg" and "exp_inf".

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, -1.0], requires_grad=True)
    >>> w.grad = np.array([3.0, -0.5], dtype=np.float32)
    >>> Adamax([w], lr=0.1).step()   # the first step moves each weight by about lr
    >>> w.data.round(6)
    array([ 0.9, -0.9], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        name = type(self).__name__
        group["lr"] = check_hyper(name, "lr", group["lr"])
        group["betas"] = check_betas(name, group["betas"])
        check_settings(name, group, ("eps", "weight_decay"), ("maximize",))
        return group

    def step(self) -> None:
        """Update each parameter that has a gradient, in place."""
        for group, pairs in self._grads_by_group():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            for p, g in pairs:
                state = self._counted_state(p, ("exp_avg", "exp_inf"))
                t = state["step"]
                g = self._grad_with_decay(p, g, wd, group["maximize"])
                m, u = state["exp_avg"], state["exp_inf"]
                work = self._buffer(p, "update")
                lerp_toward(m, g, 1.0 - beta1, work)
                np.abs(g, out=work)
                work += eps
                u *= beta2
                np.maximum(u, work, out=u)
                clr = lr / (1.0 - beta1 ** t)
                np.multiply(m, -clr, out=work)  # addcdiv: p + (value * m) / u
                work /= u
                p.data += work
