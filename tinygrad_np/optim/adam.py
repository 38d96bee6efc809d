"""Adam (Kingma & Ba), with bias correction and optional L2 weight decay."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam with PyTorch's semantics (weight decay added to the gradient, as L2; not AdamW):

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    where t counts the steps this parameter has taken (params without a gradient skip a step).

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, -1.0], requires_grad=True)
    >>> w.grad = np.array([3.0, -0.5], dtype=np.float32)
    >>> Adam([w], lr=0.1).step()   # the first step moves each weight by about lr
    >>> w.data.round(6)
    array([ 0.9, -0.9], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = check_hyper("Adam", "lr", lr)
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (check_hyper("Adam", "beta1", betas[0], 0.0, 1.0),
                      check_hyper("Adam", "beta2", betas[1], 0.0, 1.0))
        self.eps = check_hyper("Adam", "eps", eps)
        self.weight_decay = check_hyper("Adam", "weight_decay", weight_decay)
        count = len(self.params)
        # Per-parameter state, in the parameter's dtype, made on its first step.
        self.steps = [0] * count
        self.exp_avg: list[np.ndarray | None] = [None] * count
        self.exp_avg_sq: list[np.ndarray | None] = [None] * count

    def step(self) -> None:
        """Update each parameter that has a gradient, in place."""
        lr, eps, wd = float(self.lr), float(self.eps), float(self.weight_decay)
        beta1, beta2 = float(self.betas[0]), float(self.betas[1])
        for index, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            data = p.data
            if wd:
                decayed = data * wd  # a new array: p.grad may be shared, never write to it
                decayed += g
                g = decayed
            m, v = self.exp_avg[index], self.exp_avg_sq[index]
            if m is None or v is None:
                m = self.exp_avg[index] = np.zeros_like(data)
                v = self.exp_avg_sq[index] = np.zeros_like(data)
            t = self.steps[index] = self.steps[index] + 1
            m *= beta1
            m += (1.0 - beta1) * g
            # `out=`: an array even for a 0-d parameter (where g * g would be a numpy scalar).
            square = np.multiply(g, g, out=np.empty_like(data))
            square *= 1.0 - beta2
            v *= beta2
            v += square
            # PyTorch's arrangement: the bias corrections fold into two scalars, and one
            # scratch array becomes the update (no per-element bias-corrected copies of m, v).
            update = np.sqrt(v, out=square)
            update /= math.sqrt(1.0 - beta2 ** t)
            update += eps
            np.divide(m, update, out=update)
            update *= lr / (1.0 - beta1 ** t)
            data -= update
