"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import recycle
from ..grad_mode import config
from ..memory import empty_aligned_like
from .optimizer import Optimizer, check_flag, check_hyper

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD with PyTorch's semantics and defaults:

        g = grad + weight_decay * p                 (-grad with maximize=True)
        b = g on the first step, then b = momentum * b + (1 - dampening) * g
        g = g + momentum * b   if nesterov   else   b        (when momentum > 0)
        p -= lr * g

    The hyperparameters live in `opt.param_groups` and are read at every step, so a
    schedule may change them. State: `opt.state[p]["momentum_buffer"]` (with momentum).

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> w.grad = np.array([0.5, -1.0], dtype=np.float32)
    >>> SGD([w], lr=0.1).step()
    >>> w.data
    array([0.95, 2.1 ], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        group["lr"] = check_hyper("SGD", "lr", group["lr"])
        group["momentum"] = check_hyper("SGD", "momentum", group["momentum"])
        group["dampening"] = check_hyper("SGD", "dampening", group["dampening"], -np.inf)
        group["weight_decay"] = check_hyper("SGD", "weight_decay", group["weight_decay"])
        group["nesterov"] = check_flag("SGD", "nesterov", group["nesterov"])
        group["maximize"] = check_flag("SGD", "maximize", group["maximize"])
        if group["nesterov"] and (group["momentum"] == 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov=True needs a momentum > 0" if group["momentum"] == 0
                             else "SGD: nesterov=True needs dampening=0")
        return group

    def step(self) -> None:
        """Update each parameter that has a gradient, in place (no new arrays: scratch
        arrays are made on a parameter's first step and reused)."""
        index = 0
        for group in self.param_groups:
            # Python floats, read at every step: float32 * float stays float32, whereas a
            # np.float64 learning rate would make float64 arithmetic under numpy 2.
            lr, mu = float(group["lr"]), float(group["momentum"])
            wd, maximize = float(group["weight_decay"]), group["maximize"]
            if not mu and not wd and not maximize:  # plain SGD, the hot path: p -= lr * g
                index = self._plain_step(group["params"], lr, index)
                continue
            dampening, nesterov = float(group["dampening"]), group["nesterov"]
            for p in group["params"]:
                g = self._grad(p, index)
                index += 1
                if g is None:
                    continue
                d = self._grad_with_decay(p, g, wd, maximize)
                scratch = d is not g  # ours to overwrite (p.grad may be shared: never)
                if mu:
                    buf = self._momentum_buffer(p, d, mu, dampening)
                    if nesterov:  # d + mu * b, into a scratch array other than d's own
                        look_ahead = self._buffer(p, "update")
                        np.multiply(buf, mu, out=look_ahead)
                        look_ahead += d
                        d, scratch = look_ahead, True
                    else:
                        d, scratch = buf, False
                # p -= lr * d, with lr * d written over d when d is a scratch array.
                update = d if scratch else self._buffer(p, "update")
                np.multiply(d, lr, out=update)
                p.data -= update

    def _plain_step(self, params: list[Any], lr: float, index: int) -> int:
        """p -= lr * g for each parameter with a gradient: the same arithmetic as the general
        loop, with fewer Python calls per parameter. In eager mode a small parameter's lr * g
        is a temporary, which malloc hands back still in cache (no scratch array to look up:
        1.2 us less for the MNIST net's four parameters); a big one's goes into a recycled
        array, most often the one its gradient's matmul wrote, which the walk has just added
        up and so is still in cache (a scratch array of its own would have been last touched a
        whole step ago: 3% of the MNIST step at batch 128). Under jit every one goes into its
        scratch array, around which the replay plans its buffers (`scratch_arrays`)."""
        recycled = config.recorder is None and not config.replaying
        for p in params:
            g = p.grad
            if g is not None:
                data = p.data
                if g.shape != data.shape:
                    self._grad(p, index)  # the shape check's error
                if recycled and data.__class__ is np.ndarray and g.dtype is data.dtype:
                    if data.nbytes < recycle.MIN_BYTES:
                        data -= lr * g  # small: malloc reuses the temporary, still in cache
                    else:  # (recycle.out is None when recycling is off: a new array)
                        data -= np.multiply(g, lr, out=recycle.out(data))
                else:  # (a gradient of another dtype: lr * g rounded to the parameter's)
                    update = self._buffer(p, "update")
                    np.multiply(g, lr, out=update)
                    data -= update
            index += 1
        return index

    def _momentum_buffer(self, p: Any, d: Any, mu: float, dampening: float) -> Any:
        """b = d on the first step (a copy), then b = mu * b + (1 - dampening) * d."""
        state = self.state[p]
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = empty_aligned_like(p.data)
            np.copyto(buf, d)
            return buf
        buf *= mu
        if dampening:
            scaled = self._buffer(p, "update")
            np.multiply(d, 1.0 - dampening, out=scaled)
            buf += scaled
        else:
            buf += d
        return buf
