"""Big arrays recycled from one eager step to the next.

A training step makes the same big arrays every time: a conv's padded input and its output,
the ReLU after it, the pooling's, and their gradients. Each fresh one is memory that glibc's
malloc maps from the system, and often gives back when it is freed (its trim threshold).
The next step then page-faults it in again, one fault per 4 KiB page. At LeNet's batch 256 that
was about 4,000 faults a step, a sixth of the step's time.

So an op body asks here for such an array by shape and dtype. It gets one that an earlier
call made, once nothing else holds it. The recycler keeps a reference to every array it
made, and reuses one whose reference count says that its own is the only one left. Then no
tensor, no saved-for-backward, no view and no caller can see the array being overwritten
(a weak reference does not count: keep the array itself, or a view of it).
Arrays under `MIN_BYTES` (malloc recycles those by itself) and arrays of other libraries (a
jit's stand-ins, CuPy) are made as usual.

What goes through here: arrays the size of a layer's input or output (outputs, padded
inputs, gradient targets, masks), and a matmul's weight gradient, which plain SGD's update
takes back once the walk has added it up (still in cache then). Not the scratch of a
batch chunk, bounded by the chunk size: malloc hands that back still warm in cache for the
next chunk, where a pool keyed by shape gives memory last touched a whole step ago
(measured on LeNet at batch 64: 3% slower with the chunks' scratch here, none without).

>>> import numpy as np
>>> x = np.ones((256, 6, 28, 28), np.float32)   # 4.8 MB
>>> a = empty(x, x.shape)
>>> address = a.ctypes.data
>>> b = empty(x, x.shape)                        # `a` is still held: another array
>>> b.ctypes.data != address
True
>>> del a
>>> empty(x, x.shape).ctypes.data == address     # nothing holds it now: the same memory
True

The pools are per thread, each holds at most `MAX_BYTES`, and `clear()` lets go of the
calling thread's free arrays. Where reference counts are not exact (Python 3.14's borrowed
arguments, free-threaded builds), nothing is recycled.
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from math import prod
from sys import getrefcount
from typing import Any

import numpy as np

__all__ = ["MAX_BYTES", "MIN_BYTES", "clear", "copy", "empty", "full", "out", "stats", "zeros"]

MIN_BYTES = 128 << 10  # glibc's first mmap threshold: below it, malloc reuses freed blocks
MAX_BYTES = 256 << 20  # what one thread's pool may hold, arrays in use included
PER_SHAPE = 8  # arrays kept per shape and dtype: more in use at once are made as usual
ENABLED = sys.version_info < (3, 14) and getattr(sys, "_is_gil_enabled", lambda: True)()

# ids of every array some pool holds, in any thread: the graph walk adds a gradient into an
# array in place when only it holds the array, and a pool's reference does not count there.
# Only ever changed by one set operation at a time, which the GIL makes atomic.
HELD: set[int] = set()

# What getrefcount reads for an array nobody else holds, while `_take` looks at it: the
# pool's list, the loop's variable and getrefcount's own argument.
_FREE = 3


class _Arrays(OrderedDict):  # type: ignore[type-arg]
    """(shape, dtype) -> the arrays made for it, least recently used shape first. When its
    thread ends, its ids leave `HELD` before its arrays are freed (and their ids reused)."""

    def __del__(self) -> None:
        for arrays in self.values():
            for array in arrays:
                HELD.discard(id(array))


class _Pool(threading.local):
    """One thread's arrays."""

    def __init__(self) -> None:
        self.arrays: OrderedDict[tuple[Any, ...], list[np.ndarray]] = _Arrays()
        self.nbytes = 0
        self.made = 0  # arrays made fresh (and kept) by this pool
        self.reused = 0  # requests served by an array made earlier


_pool = _Pool()


def out(like: Any, shape: Any = None, dtype: Any = None) -> Any:
    """An array for a ufunc's `out=` (of `like`'s shape and dtype unless given), or None
    (the ufunc then makes its own) when `like` is small or not a numpy array."""
    if like.__class__ is not np.ndarray or not ENABLED:
        return None
    if shape is None:
        if dtype is None:
            if like.nbytes < MIN_BYTES:
                return None
            return _take(like.shape, like.dtype)
        dtype = np.dtype(dtype)
        if like.size * dtype.itemsize < MIN_BYTES:
            return None
        return _take(like.shape, dtype)
    dtype = like.dtype if dtype is None else np.dtype(dtype)
    shape = like.shape if shape is None else tuple(shape)
    if prod(shape) * dtype.itemsize < MIN_BYTES:
        return None
    return _take(shape, dtype)


def empty(like: Any, shape: Any, dtype: Any = None) -> Any:
    """`np.empty_like(like, shape=shape, dtype=dtype)`, recycled when big: what it holds is
    left from its last use."""
    array = out(like, shape, dtype)
    return np.empty_like(like, shape=shape, dtype=dtype) if array is None else array


def zeros(like: Any, shape: Any, dtype: Any = None) -> Any:
    """`np.zeros_like(like, shape=shape, dtype=dtype)`, recycled when big."""
    array = out(like, shape, dtype)
    if array is None:
        return np.zeros_like(like, shape=shape, dtype=dtype)
    array.fill(0)
    return array


def full(like: Any, shape: Any, value: Any) -> Any:
    """`np.full_like(like, value, shape=shape)`, recycled when big."""
    array = out(like, shape)
    if array is None:
        return np.full_like(like, value, shape=shape)
    array.fill(value)
    return array


def copy(array: Any) -> Any:
    """`array.copy()` (C order), recycled when big."""
    target = out(array)
    if target is None:
        return array.copy()
    np.copyto(target, array)
    return target


def clear() -> None:
    """Let go of the calling thread's arrays that nothing else holds (as PyTorch's
    `empty_cache`); those still in use stay until they are free and cleared again."""
    pool = _pool
    for key in list(pool.arrays):
        _drop_free(pool, key)


def stats() -> dict[str, int]:
    """The calling thread's pool: arrays `held` and their `bytes`, arrays `made` fresh and
    requests `reused` from earlier ones (since the thread started).

    >>> sorted(stats())
    ['bytes', 'held', 'made', 'reused']
    """
    pool = _pool
    return {"held": sum(len(arrays) for arrays in pool.arrays.values()),
            "bytes": pool.nbytes, "made": pool.made, "reused": pool.reused}


def _take(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    pool = _pool
    shapes = pool.arrays
    key = (shape, dtype)
    arrays = shapes.get(key)
    if arrays is not None:
        # the most recently used first: the one most likely still in cache
        array = arrays[-1]
        if getrefcount(array) == _FREE:  # the usual case, without the loop
            pool.reused += 1
            shapes.move_to_end(key)
            return array
        for index in range(len(arrays) - 2, -1, -1):
            array = arrays[index]
            if getrefcount(array) == _FREE:
                pool.reused += 1
                if index != len(arrays) - 1:
                    arrays.append(arrays.pop(index))
                shapes.move_to_end(key)
                return array
    array = np.empty(shape, dtype)
    if arrays is not None and len(arrays) >= PER_SHAPE:
        return array  # as many of this shape in use as we keep: this one is the caller's
    size = array.nbytes
    if pool.nbytes + size > MAX_BYTES:
        for other in list(pool.arrays):  # least recently used first
            _drop_free(pool, other)
            if pool.nbytes + size <= MAX_BYTES:
                break
        else:
            return array  # the pool is full of arrays in use
        arrays = pool.arrays.get(key)
    if arrays is None:
        arrays = pool.arrays[key] = []
    arrays.append(array)
    HELD.add(id(array))
    pool.nbytes += size
    pool.made += 1
    return array


def _drop_free(pool: _Pool, key: tuple[Any, ...]) -> None:
    """Forget the arrays of `key` that nothing else holds."""
    arrays = pool.arrays[key]
    kept = []
    for array in arrays:
        if getrefcount(array) == _FREE:  # the list, the loop's variable, the argument
            HELD.discard(id(array))
            pool.nbytes -= array.nbytes
        else:
            kept.append(array)
    if kept:
        arrays[:] = kept
    else:
        del pool.arrays[key]
