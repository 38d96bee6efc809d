"""Weight initialisers: plain functions `f(shape, rng, dtype) -> ndarray`.

Weights are laid out (fan_in, fan_out) = (in_features, out_features), so a layer computes
`x @ W + b`, as in the tutorials.

>>> import numpy as np
>>> from tinygrad_np.nn import init
>>> w = init.glorot_uniform((784, 128), rng=0)
>>> w.shape, w.dtype, bool(np.abs(w).max() <= np.sqrt(6 / (784 + 128)))
((784, 128), dtype('float32'), True)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..memory import aligned
from ..random import get_generator

RngLike = np.random.Generator | int | None
Initializer = Callable[..., np.ndarray]

__all__ = [
    "INITIALIZERS",
    "as_rng",
    "get_initializer",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "zeros",
]


def as_rng(rng: RngLike) -> np.random.Generator:
    """A `np.random.Generator` from a Generator (used as is), an int seed (a fresh generator
    seeded with it), or None: the framework's generator, `tinygrad_np.random.get_generator()`,
    which `tinygrad_np.manual_seed` seeds (so `rng=None` layers repeat under one seed)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return get_generator()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a np.random.Generator, an int seed or None, "
                    f"got {type(rng).__name__}")


def _fans(shape: tuple[int, ...], name: str) -> tuple[int, int]:
    shape = tuple(shape)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{name}: expected a 2-D weight shape (fan_in, fan_out) with both "
                         f"sizes >= 1, got {shape}")
    return shape[0], shape[1]


def _float_dtype(dtype: Any, name: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"{name}: weights must have a floating-point dtype, got {dtype}")
    return dtype


# Each initialiser samples in float64 and then casts, so one seed gives the same weights
# (up to rounding) whatever the dtype: a float64 debugging run matches the float32 one. The
# weights start on a 64-byte boundary (see tinygrad_np/memory.py: a misaligned weight makes
# a training step up to a quarter slower).

def glorot_uniform(shape: tuple[int, ...], rng: RngLike = None,
                   dtype: Any = np.float32) -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).

    Keeps the activation variance roughly constant through tanh/sigmoid layers.

    >>> glorot_uniform((3, 2), rng=0).shape
    (3, 2)
    """
    fan_in, fan_out = _fans(shape, "glorot_uniform")
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    dtype = _float_dtype(dtype, "glorot_uniform")
    return aligned(as_rng(rng).uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype))


def he_normal(shape: tuple[int, ...], rng: RngLike = None,
              dtype: Any = np.float32) -> np.ndarray:
    """He/Kaiming normal: N(0, std) with std = sqrt(2 / fan_in), the usual choice before ReLU.

    >>> he_normal((3, 2), rng=0).dtype
    dtype('float32')
    """
    fan_in, fan_out = _fans(shape, "he_normal")
    std = np.sqrt(2.0 / fan_in)
    dtype = _float_dtype(dtype, "he_normal")
    return aligned((as_rng(rng).standard_normal((fan_in, fan_out)) * std).astype(dtype))


def he_uniform(shape: tuple[int, ...], rng: RngLike = None,
               dtype: Any = np.float32) -> np.ndarray:
    """He/Kaiming uniform: U(-a, a) with a = sqrt(6 / fan_in) (same variance as `he_normal`).

    >>> float(np.abs(he_uniform((6, 4), rng=0)).max()) <= 1.0
    True
    """
    fan_in, fan_out = _fans(shape, "he_uniform")
    bound = np.sqrt(6.0 / fan_in)
    dtype = _float_dtype(dtype, "he_uniform")
    return aligned(as_rng(rng).uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype))


def zeros(shape: tuple[int, ...], rng: RngLike = None, dtype: Any = np.float32) -> np.ndarray:
    """All zeros (biases). `rng` is accepted and ignored, so it fits the initialiser signature.

    >>> zeros((2,))
    array([0., 0.], dtype=float32)
    """
    return aligned(np.zeros(shape, dtype=dtype))


INITIALIZERS: dict[str, Initializer] = {
    "glorot": glorot_uniform,
    "glorot_uniform": glorot_uniform,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "zeros": zeros,
}


def get_initializer(init: str | Initializer) -> Initializer:
    """The initialiser named `init` (see `INITIALIZERS`), or `init` itself if callable."""
    if callable(init):
        return init
    if isinstance(init, str):
        try:
            return INITIALIZERS[init]
        except KeyError:
            raise ValueError(f"unknown init {init!r}; expected one of "
                             f"{sorted(INITIALIZERS)} or a callable (shape, rng, dtype)") from None
    raise TypeError(f"init must be a name or a callable (shape, rng, dtype), "
                    f"got {type(init).__name__}")
