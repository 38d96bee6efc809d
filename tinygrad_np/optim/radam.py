"""RAdam (Liu et al.): Adam with its early steps' variance rectified."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import (Optimizer, check_betas, check_hyper, check_settings, decay_square,
                        lerp_toward)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam with PyTorch's semantics and defaults:

        g = grad + weight_decay * p      (decoupled_weight_decay: p *= 1 - lr * wd instead)
        m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        while rho_t <= 5:  p -= lr * m / (1 - beta1**t)            (plain momentum)
        then:  p -= lr * m / (1 - beta1**t) * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))

    State: `opt.state[p]` holds "step", "exp_avg" and "exp_avg_sq".

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, -1.0], requires_grad=True)
    >>> w.grad = np.array([3.0, -0.5], dtype=np.float32)
    >>> RAdam([w], lr=0.1).step()   # the first steps are momentum SGD: lr * g
    >>> w.data.round(6)
    array([ 0.7 , -0.95], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        name = type(self).__name__
        group["lr"] = check_hyper(name, "lr", group["lr"])
        group["betas"] = check_betas(name, group["betas"])
        check_settings(name, group, ("eps", "weight_decay"), ("decoupled_weight_decay", "maximize"))
        return group

    def step(self) -> None:
        """Update each parameter that has a gradient, in place."""
        for group, pairs in self._grads_by_group():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            for p, g in pairs:
                data = p.data
                state = self._counted_state(p, ("exp_avg", "exp_avg_sq"))
                t = state["step"]
                g = self._decayed_grad(p, g, lr, wd, group["maximize"],
                                       group["decoupled_weight_decay"])
                m, v = state["exp_avg"], state["exp_avg_sq"]
                work, corrected = self._buffer(p, "update"), self._buffer(p, "corrected")
                lerp_toward(m, g, 1.0 - beta1, work)
                decay_square(v, g, beta2, work)
                bias_correction1, bias_correction2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
                np.divide(m, bias_correction1, out=corrected)
                corrected *= lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
                if rho_t > 5.0:  # PyTorch's order: m_hat * lr * adaptive_lr * rect
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    np.sqrt(v, out=work)
                    work += eps
                    np.divide(bias_correction2 ** 0.5, work, out=work)
                    corrected *= work
                    corrected *= rect
                data -= corrected
