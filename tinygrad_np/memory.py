"""Arrays the framework allocates for itself start on a 64-byte boundary.

numpy's allocator (malloc) guarantees 16 bytes. A parameter whose data is not aligned to a
cache line makes every vector load and store of the update and of the matmuls reading it
split across two lines; measured here on the 784x100 weight of the MNIST step at batch 128,
that is +20% on the whole step, in hand-written numpy and in ours alike
(`benchmarks/alignment.py`). PyTorch and JAX align their buffers to 64 bytes too.

These helpers are for numpy arrays; another array library's arrays (CuPy's are aligned by
its own allocator) get that library's `empty_like`.

>>> a = empty_aligned((3, 5), np.float32)
>>> a.ctypes.data % ALIGNMENT, a.shape, a.dtype, a.flags.c_contiguous
(0, (3, 5), dtype('float32'), True)
>>> b = aligned(np.arange(4.0))
>>> b.ctypes.data % ALIGNMENT, b.tolist()
(0, [0.0, 1.0, 2.0, 3.0])
"""
from __future__ import annotations

from typing import Any

import numpy as np

ALIGNMENT = 64  # bytes: one cache line, and one AVX-512 vector

__all__ = ["ALIGNMENT", "aligned", "empty_aligned", "empty_aligned_like", "full_aligned_like",
           "is_aligned"]


def empty_aligned(shape: Any, dtype: Any = np.float32) -> np.ndarray:
    """`np.empty(shape, dtype)`, C-contiguous, its first element (if any) on a 64-byte
    boundary."""
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(n < 0 for n in shape):  # np.empty's own rule; the byte count would hide it
        raise ValueError(f"empty_aligned: negative dimensions are not allowed, got shape "
                         f"{shape}")
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def empty_aligned_like(array: Any) -> Any:
    """An uninitialised array of `array`'s shape and dtype, aligned when it is numpy's."""
    if type(array) is not np.ndarray:
        return np.empty_like(array)
    return empty_aligned(array.shape, array.dtype)


def full_aligned_like(array: Any, value: Any = 0) -> Any:
    """An array of `array`'s shape and dtype filled with `value` (zeros by default), aligned
    when it is numpy's: an optimizer's state, which it updates in place on every step."""
    out = empty_aligned_like(array)
    out[...] = value
    return out


def is_aligned(array: Any) -> bool:
    """Whether a numpy array's first element is on a 64-byte boundary."""
    return bool(array.ctypes.data % ALIGNMENT == 0)


def aligned(array: Any) -> Any:
    """`array` itself when it is a C-contiguous, aligned numpy array, else an aligned copy."""
    if type(array) is not np.ndarray:
        return array
    if array.flags.c_contiguous and is_aligned(array):
        return array
    out = empty_aligned(array.shape, array.dtype)
    np.copyto(out, array)
    return out
