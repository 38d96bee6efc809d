"""Ops as plain functions, so a model reads as the maths: `relu(x @ W1 + b1) @ W2 + b2`.

Each accepts Tensors, arrays or numbers and is the same op as the Tensor method.
"""
from __future__ import annotations

from typing import Any

from .ops.elementwise import Exp, Log, Relu, Sigmoid, Sqrt, Tanh
from .ops.linalg import MatMul
from .ops.nn import L2, LogSoftmax, Softmax, SoftmaxCrossEntropy
from .tensor import Tensor


def relu(x: Any) -> Tensor:
    """max(x, 0), elementwise."""
    return Relu.apply(x)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return Sigmoid.apply(x)


def tanh(x: Any) -> Tensor:
    return Tanh.apply(x)


def exp(x: Any) -> Tensor:
    return Exp.apply(x)


def log(x: Any) -> Tensor:
    return Log.apply(x)


def sqrt(x: Any) -> Tensor:
    return Sqrt.apply(x)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b, as numpy's matmul (1-D, 2-D, batched)."""
    return MatMul.apply(a, b)


dot = matmul


def softmax(x: Any, axis: int = -1) -> Tensor:
    return Softmax.apply(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return LogSoftmax.apply(x, axis=axis)


def softmax_cross_entropy(logits: Any, labels: Any) -> Tensor:
    """Mean cross-entropy of softmax(logits) against class indices (N,) or target rows (N, C).

    >>> from tinygrad_np import Tensor, softmax_cross_entropy
    >>> round(softmax_cross_entropy(Tensor([[0.0, 0.0]]), [1]).item(), 4)
    0.6931
    """
    return SoftmaxCrossEntropy.apply(logits, labels=labels)


def l2(x: Any) -> Tensor:
    """0.5 * sum(x ** 2)."""
    return L2.apply(x)
