"""NAdam (Dozat): Adam with Nesterov momentum and a momentum schedule."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import (Optimizer, check_betas, check_hyper, check_settings, decay_square,
                        lerp_toward)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam with PyTorch's semantics and defaults:

        g = grad + weight_decay * p      (decoupled_weight_decay: p *= 1 - lr * wd instead)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)), and mu_{t+1} likewise
        m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p -= lr * (1 - mu_t) / (1 - prod mu_1..t) * g / d
        p -= lr * mu_{t+1} / (1 - prod mu_1..t+1) * m / d

    State: `opt.state[p]` holds "step", "mu_product", "exp_avg" and "exp_avg_sq".

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, -1.0], requires_grad=True)
    >>> w.grad = np.array([3.0, -0.5], dtype=np.float32)
    >>> NAdam([w], lr=0.1).step()   # about lr, and the look-ahead's share more
    >>> w.data.round(4)
    array([ 0.8944, -0.8944], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        name = type(self).__name__
        group["lr"] = check_hyper(name, "lr", group["lr"])
        group["betas"] = check_betas(name, group["betas"])
        check_settings(name, group, ("eps", "weight_decay", "momentum_decay"),
                       ("decoupled_weight_decay", "maximize"))
        return group

    def step(self) -> None:
        """Update each parameter that has a gradient, in place."""
        for group, pairs in self._grads_by_group():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            decay = float(group["momentum_decay"])
            for p, g in pairs:
                data = p.data
                state = self._counted_state(p, ("exp_avg", "exp_avg_sq"), mu_product=1.0)
                t = state["step"]
                g = self._decayed_grad(p, g, lr, wd, group["maximize"],
                                       group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
                mu_product = state["mu_product"] = float(state["mu_product"]) * mu
                m, v = state["exp_avg"], state["exp_avg_sq"]
                work, denom = self._buffer(p, "update"), self._buffer(p, "denom")
                lerp_toward(m, g, 1.0 - beta1, work)
                decay_square(v, g, beta2, work)
                np.divide(v, 1.0 - beta2 ** t, out=denom)
                np.sqrt(denom, out=denom)
                denom += eps
                np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=work)
                work /= denom
                data += work
                np.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=work)
                work /= denom
                data += work
