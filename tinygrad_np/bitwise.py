"""Bitwise and logical operators on bool and integer tensors: `&`, `|`, `^`, `~`, as PyTorch's
(`mask_a & mask_b`, `~mask`). On bool tensors they are the logical operations; on integer
tensors, bit by bit. No gradient flows through them (their results are bool or integer).

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> x = Tensor(np.array([-1.0, 0.5, 2.0]))
>>> ((x > 0) & (x < 1)).tolist(), (~(x > 0)).tolist()
([False, True, False], [True, False, False])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor"]


def _array(x: Any, op: str) -> Any:
    """`x`'s values, which must be bool or integers (numbers and arrays as they are)."""
    data = x.data if isinstance(x, Tensor) else x
    dtype = getattr(data, "dtype", None)
    if (dtype is not None and dtype.kind not in "biu") or isinstance(data, float):
        kind = dtype if dtype is not None else "float"
        raise TypeError(f"{op}: needs bool or integer tensors, got {kind} (compare first: "
                        f"(x > 0) {op} (y > 0))")
    return data


def _result(values: Any) -> Tensor:
    return Tensor(np.asarray(values))


def bitwise_and(a: Any, b: Any) -> Tensor:
    """`a & b`: logical and of bool tensors, bitwise and of integer ones."""
    return _result(np.bitwise_and(_array(a, "&"), _array(b, "&")))


def bitwise_or(a: Any, b: Any) -> Tensor:
    """`a | b`: logical or of bool tensors, bitwise or of integer ones."""
    return _result(np.bitwise_or(_array(a, "|"), _array(b, "|")))


def bitwise_xor(a: Any, b: Any) -> Tensor:
    """`a ^ b`: logical xor of bool tensors, bitwise xor of integer ones."""
    return _result(np.bitwise_xor(_array(a, "^"), _array(b, "^")))


def bitwise_not(x: Any) -> Tensor:
    """`~x`: logical not of a bool tensor, bitwise not of an integer one."""
    return _result(np.invert(_array(x, "~")))
