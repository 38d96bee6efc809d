"""AdamW (Loshchilov & Hutter): Adam with the weight decay decoupled from the gradient."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam whose weight decay shrinks the weights directly, as PyTorch's AdamW (whose
    default weight_decay is 1e-2):

        p *= 1 - lr * weight_decay
        then Adam's update with g = grad (no decay in the moments)

    >>> import numpy as np
    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, -1.0], requires_grad=True)
    >>> w.grad = np.array([0.0, 0.0], dtype=np.float32)
    >>> AdamW([w], lr=0.1, weight_decay=0.5).step()   # zero gradient: only the decay moves w
    >>> w.data
    array([ 0.95, -0.95], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        group = super()._check_group(group)
        group["decoupled_weight_decay"] = True  # loading an Adam state keeps AdamW's rule
        return group
