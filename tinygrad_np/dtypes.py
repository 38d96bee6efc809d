"""PyTorch's dtype names as numpy dtypes, for `x.to(tg.float64)`, `tg.zeros(3, dtype=tg.long)`:

>>> import tinygrad_np as tg
>>> tg.zeros(2, dtype=tg.long).dtype, tg.float is tg.float32, tg.double
(dtype('int64'), True, <class 'numpy.float64'>)

`float`, `int` and `bool` are PyTorch's float32, int32 and bool (not Python's); like the
other names that shadow builtins, they are attributes of the package but not part of
`from tinygrad_np import *`. numpy has no bfloat16: `tg.bfloat16` is float32, the nearest
dtype it has that keeps bfloat16's range.
"""
from __future__ import annotations

import numpy as np

__all__ = ["bfloat16", "double", "float16", "float32", "float64", "half", "int8", "int16",
           "int32", "int64", "long", "short", "uint8"]
BUILTIN_NAMES = ["bool", "float", "int"]  # exported as attributes only

float16 = half = np.float16
float32 = float = np.float32  # noqa: A001 - PyTorch's name
float64 = double = np.float64
bfloat16 = np.float32
uint8 = np.uint8
int8 = np.int8
int16 = short = np.int16
int32 = int = np.int32  # noqa: A001
int64 = long = np.int64
bool = np.bool_  # noqa: A001
