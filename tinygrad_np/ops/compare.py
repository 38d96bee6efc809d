"""Elementwise comparisons (`== != < <= > >=`): bool tensors that need no gradient.

They broadcast like numpy and take tensors, arrays or numbers on either side, so
`(logits.data.argmax(1) == labels).mean()` style code reads the same on tensors:

>>> from tinygrad_np import Tensor
>>> pred = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> hit = pred == Tensor([1.0, 0.0, 3.0])
>>> hit
Tensor([ True, False,  True], dtype=bool)
>>> hit.requires_grad, float(hit.data.mean())
(False, 0.6666666666666666)
"""
from __future__ import annotations

from typing import Any

from ..function import Function
from ..tensor import Tensor


def comparable(other: Any) -> bool:
    """What a comparison takes: tensors, numbers, (nested) lists of numbers and arrays of any
    array library (anything with a dtype). Anything else (None, a string) gets NotImplemented
    from Tensor's operators, so `t == None` is False, by identity, as in PyTorch."""
    return isinstance(other, (Tensor, int, float, list, tuple)) or hasattr(other, "dtype")


class GraphConstant(Function):
    """An op whose result is a constant of the graph (a comparison, an argmax: a step
    function's derivative is 0 wherever it exists), so it never records a node, even when an
    input requires grad."""
    promotes = True

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        # Through Function.apply like every op (so jit records it), then cut from the graph.
        out = super().apply(*inputs, **params)
        out.requires_grad = False
        out.grad_fn = None
        return out

    def backward(ctx, grad):  # never reached: the result has no grad_fn
        return (None,) * len(ctx.needs_input_grad)


class Equal(GraphConstant):
    def forward(ctx, a, b):
        return a == b


class NotEqual(GraphConstant):
    def forward(ctx, a, b):
        return a != b


class Less(GraphConstant):
    def forward(ctx, a, b):
        return a < b


class LessEqual(GraphConstant):
    def forward(ctx, a, b):
        return a <= b


class Greater(GraphConstant):
    def forward(ctx, a, b):
        return a > b


class GreaterEqual(GraphConstant):
    def forward(ctx, a, b):
        return a >= b
