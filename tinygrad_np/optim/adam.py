"""Adam (Kingma & Ba), with bias correction, optional L2 weight decay and AMSGrad."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..memory import full_aligned_like
from .optimizer import (Optimizer, check_betas, check_hyper, check_settings, decay_square,
                        lerp_toward)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam with PyTorch's semantics and defaults (weight decay added to the gradient, as
    L2; `AdamW` decouples it):

        g = grad + weight_decay * p                 (-grad with maximize=True)
        m = m + (1 - beta1) * (g - m)               (PyTorch's lerp)
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                       (amsgrad=True: v_max replaces v below)
        p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    With decoupled_weight_decay=True (`AdamW`) the decay is not added to g; instead
    p *= 1 - lr * weight_decay comes first.

    where t counts the steps this parameter has taken (params without a gradient skip a
    step). State: `opt.state[p]` holds "step", "exp_avg", "exp_avg_sq" (and
    "max_exp_avg_sq").

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, -1.0], requires_grad=True)
    >>> w.grad = np.array([3.0, -0.5], dtype=np.float32)
    >>> Adam([w], lr=0.1).step()   # the first step moves each weight by about lr
    >>> w.data.round(6)
    array([ 0.9, -0.9], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        name = type(self).__name__
        group["lr"] = check_hyper(name, "lr", group["lr"])
        group["betas"] = check_betas(name, group["betas"])
        check_settings(name, group, ("eps", "weight_decay"),
                       ("amsgrad", "maximize", "decoupled_weight_decay"))
        return group

    def step(self) -> None:
        """Update each parameter that has a gradient, in place (no new arrays after a
        parameter's first step)."""
        for group, pairs in self._grads_by_group():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            amsgrad, maximize = group["amsgrad"], group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            moments = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
            for p, g in pairs:
                data = p.data
                state = self._counted_state(p, moments)  # moments start at zero
                t = state["step"]
                g = self._decayed_grad(p, g, lr, wd, maximize, decoupled)  # AdamW's decoupled
                m, v = state["exp_avg"], state["exp_avg_sq"]
                work = self._buffer(p, "update")
                lerp_toward(m, g, 1.0 - beta1, work)
                decay_square(v, g, beta2, work)
                if amsgrad:
                    if "max_exp_avg_sq" not in state:   # amsgrad switched on mid-run
                        state["max_exp_avg_sq"] = full_aligned_like(data)
                    v = state["max_exp_avg_sq"]
                    np.maximum(v, state["exp_avg_sq"], out=v)
                # PyTorch's arrangement: the bias corrections fold into two scalars, and one
                # scratch array becomes the update (no bias-corrected copies of m, v).
                step_size = lr / (1.0 - beta1 ** t)
                bias_correction2_sqrt = (1.0 - beta2 ** t) ** 0.5
                np.sqrt(v, out=work)
                work /= bias_correction2_sqrt
                work += eps
                np.divide(m, work, out=work)
                work *= step_size
                data -= work
