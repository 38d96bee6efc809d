"""RMSprop (Hinton), with PyTorch's options: momentum, centering, weight decay."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..memory import full_aligned_like
from .optimizer import Optimizer, check_settings, decay_square, lerp_toward

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop with PyTorch's semantics and defaults:

        g = grad + weight_decay * p                   (-grad with maximize=True)
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v) + eps, or with centered=True:
            m = m + (1 - alpha) * (g - m);  avg = sqrt(v - m * m) + eps
        b = momentum * b + g / avg;  p -= lr * b      (momentum > 0)
        p -= lr * g / avg                              (otherwise)

    State: `opt.state[p]` holds "step", "square_avg" (and "momentum_buffer", "grad_avg").

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> w.grad = np.array([2.0], dtype=np.float32)
    >>> RMSprop([w], lr=0.01, alpha=0.75, eps=0.0).step()  # v = 0.25 * 4: p -= 0.01 * 2 / 1
    >>> w.data
    array([0.98], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered, "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        check_settings("RMSprop", group, ("lr", "alpha", "eps", "weight_decay", "momentum"),
                       ("centered", "maximize"))
        return group

    def step(self) -> None:
        """Update each parameter that has a gradient, in place (no new arrays after a
        parameter's first step)."""
        for group, pairs in self._grads_by_group():
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            wd, mu = float(group["weight_decay"]), float(group["momentum"])
            centered, maximize = group["centered"], group["maximize"]
            for p, g in pairs:
                state = self._counted_state(p, ("square_avg",))
                g = self._grad_with_decay(p, g, wd, maximize)
                v = state["square_avg"]
                work = self._buffer(p, "update")
                decay_square(v, g, alpha, work)
                if centered:
                    m = state.get("grad_avg")
                    if m is None:
                        m = state["grad_avg"] = full_aligned_like(p.data)
                    lerp_toward(m, g, 1.0 - alpha, work)
                    np.multiply(m, m, out=work)
                    np.subtract(v, work, out=work)
                    np.sqrt(work, out=work)
                else:
                    np.sqrt(v, out=work)
                work += eps
                np.divide(g, work, out=work)             # g / avg
                if mu > 0:
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = full_aligned_like(p.data)
                    buf *= mu
                    buf += work
                    np.multiply(buf, lr, out=work)
                else:
                    work *= lr
                p.data -= work
