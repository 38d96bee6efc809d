"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_hyper

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD with PyTorch's semantics (no dampening):

        g = grad + weight_decay * p
        b = g on the first step, then b = momentum * b + g
        g = g + momentum * b   if nesterov   else   b        (when momentum > 0)
        p -= lr * g

    `lr`, `momentum` and `weight_decay` may be changed between steps (a schedule).

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> w.grad = np.array([0.5, -1.0], dtype=np.float32)
    >>> SGD([w], lr=0.1).step()
    >>> w.data
    array([0.95, 2.1 ], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params)
        self.lr = check_hyper("SGD", "lr", lr)
        self.momentum = check_hyper("SGD", "momentum", momentum)
        self.weight_decay = check_hyper("SGD", "weight_decay", weight_decay)
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.nesterov = bool(nesterov)
        # One momentum buffer per parameter, in the parameter's dtype, made on its first step.
        self.momentum_buffers: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        """Update each parameter that has a gradient, in place."""
        # Python floats, read once per step: float32 * float stays float32, whereas a
        # np.float64 learning rate would make float64 temporaries under numpy 2.
        lr, mu, wd = float(self.lr), float(self.momentum), float(self.weight_decay)
        if not mu and not wd:  # plain SGD, the hot path: one temporary per parameter
            for p in self.params:
                g = p.grad
                if g is not None:
                    p.data -= lr * g
            return
        buffers, nesterov = self.momentum_buffers, self.nesterov
        for index, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if wd:
                decayed = p.data * wd  # a new array: p.grad may be shared, never write to it
                decayed += g
                g = decayed
            if mu:
                buf = buffers[index]
                if buf is None:  # a copy: the buffer is updated in place on later steps
                    buf = buffers[index] = np.array(g, dtype=p.data.dtype)
                else:
                    buf *= mu
                    buf += g
                g = g + mu * buf if nesterov else buf
            p.data -= lr * g
