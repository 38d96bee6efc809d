"""Tensor constructors: zeros, ones, full, arange, eye, rand, randn, zeros_like, ones_like,
from_numpy, and the draws bernoulli and multinomial.

Shapes are given as PyTorch and numpy both allow: `zeros(2, 3)` or `zeros((2, 3))`. Floats
are float32 unless `dtype` says otherwise. `rand` and `randn` draw from the framework
generator, so `tinygrad_np.manual_seed` makes them repeat.

>>> import tinygrad_np as tg
>>> tg.zeros(2, 3).shape, tg.ones((2,)).dtype
((2, 3), dtype('float32'))
>>> tg.arange(3).tolist(), tg.arange(0.0, 1.0, 0.5).tolist()
([0, 1, 2], [0.0, 0.5])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .function import OpError
from .memory import aligned
from .random import get_generator
from .tensor import Tensor

__all__ = ["arange", "as_tensor", "bernoulli", "empty", "empty_like", "eye", "from_numpy", "full",
           "full_like", "linspace", "logspace", "multinomial", "ones", "ones_like", "rand",
           "rand_like", "randint", "randn", "randn_like", "tensor", "zeros", "zeros_like"]


def _shape(args: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """`(2, 3)` given as `f(2, 3)` or `f((2, 3))`, checked."""
    shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise OpError(f"{op}: shape {shape!r} must be non-negative ints")
    return tuple([int(n) for n in shape])


def from_numpy(array: Any) -> Tensor:
    """PyTorch's `torch.from_numpy`: a Tensor sharing the array's memory (no copy), its dtype
    kept; as `Tensor(array)`, but refusing anything that is not an ndarray.

    >>> a = np.zeros(2); t = from_numpy(a); a[0] = 5.0; t.tolist()
    [5.0, 0.0]
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def on_cpu(device: Any, op: str) -> None:
    """Accept PyTorch's `device=` where it names the CPU (None, "cpu", "cpu:0", a tensor's
    `.device`), the only place numpy arrays live; refuse anything else clearly."""
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise ValueError(f"{op}: device {device!r}: tinygrad_np runs on numpy, on the CPU "
                         f"(device='cpu')")


def _made(data: np.ndarray, requires_grad: bool, device: Any = None, op: str = "") -> Tensor:
    on_cpu(device, op)
    return Tensor(aligned(data), requires_grad=requires_grad)


def zeros(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """A tensor of zeros.

    >>> zeros(2).tolist()
    [0.0, 0.0]
    """
    return _made(np.zeros(_shape(shape, "zeros"), dtype=dtype), requires_grad, device, "zeros")


def ones(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """A tensor of ones.

    >>> ones(1, 2).tolist()
    [[1.0, 1.0]]
    """
    return _made(np.ones(_shape(shape, "ones"), dtype=dtype), requires_grad, device, "ones")


def full(shape: Any, value: Any, dtype: Any = np.float32, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """A tensor of `shape` filled with `value`.

    >>> full((2,), 7).tolist()
    [7.0, 7.0]
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    data = np.full(_shape((shape,), "full"), value, dtype=dtype)
    return _made(data, requires_grad, device, "full")


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False,
           device: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop), as numpy's `arange` (`arange(n)` is 0..n-1).
    With dtype None the result is int64 when start, stop and step are all ints (indices, as
    in PyTorch and numpy) and float32 otherwise.

    >>> arange(1, 7, 2).tolist()
    [1, 3, 5]
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise OpError("arange: step must not be 0")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = np.int64 if ints else np.float32
    return _made(np.arange(start, stop, step, dtype=dtype), requires_grad, device, "arange")


def eye(n: int, m: int | None = None, dtype: Any = np.float32,
        requires_grad: bool = False,
        device: Any = None) -> Tensor:
    """The identity matrix, n x n (or n x m).

    >>> eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    _shape((n,) if m is None else (n, m), "eye")
    return _made(np.eye(n, m, dtype=dtype), requires_grad, device, "eye")


def _float(dtype: Any, op: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise OpError(f"{op}: dtype must be floating point, got {dtype}")
    return dtype


# The random constructors sample in float64 and cast, so one seed gives the same values
# (up to rounding) in every dtype, as nn.init does.

def rand(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """Uniform samples in [0, 1), from the framework generator.

    >>> import tinygrad_np as tg
    >>> tg.manual_seed(0)
    >>> a = rand(2, 3)
    >>> tg.manual_seed(0)
    >>> bool((rand((2, 3)).data == a.data).all()), a.dtype
    (True, dtype('float32'))
    """
    dtype = _float(dtype, "rand")
    data = get_generator().random(_shape(shape, "rand")).astype(dtype, copy=False)
    return _made(data, requires_grad, device, "rand")


def randn(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Standard normal samples, from the framework generator.

    >>> randn(4, dtype="float64").dtype
    dtype('float64')
    """
    dtype = _float(dtype, "randn")
    data = get_generator().standard_normal(_shape(shape, "randn")).astype(dtype, copy=False)
    return _made(data, requires_grad, device, "randn")


def _probabilities(op: str, p: Any) -> np.ndarray:
    data = (p.data if isinstance(p, Tensor) else np.asarray(p))
    if data.dtype.kind != "f":
        raise OpError(f"{op}: probabilities must be floating point, got {data.dtype}")
    if data.size and (np.isnan(data).any() or data.min() < 0 or (op == "bernoulli"
                                                                  and data.max() > 1)):
        bounds = "in [0, 1]" if op == "bernoulli" else ">= 0"
        raise OpError(f"{op}: probabilities of shape {data.shape} must be {bounds}, without "
                      f"NaN")
    return data


def bernoulli(p: Any) -> Tensor:
    """PyTorch's torch.bernoulli: each element 1 with probability p, else 0, in p's dtype,
    drawn from the framework generator; no gradient.

    >>> bernoulli(Tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    data = _probabilities("bernoulli", p)
    return Tensor((get_generator().random(data.shape) < data).astype(data.dtype))


def multinomial(p: Any, num_samples: int, replacement: bool = False) -> Tensor:
    """PyTorch's torch.multinomial: `num_samples` class indices per row of the (unnormalised)
    weights `p` ((C,) or (N, C)), with or without replacement, drawn from the framework
    generator; int64, no gradient.

    >>> multinomial(Tensor([0.0, 0.0, 5.0]), 2, replacement=True).tolist()
    [2, 2]
    """
    weights = _probabilities("multinomial", p)
    if weights.ndim not in (1, 2):
        raise OpError(f"multinomial: weights must be 1-D or 2-D, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1]).astype(np.float64)
    totals = rows.sum(axis=1)
    nonzero = (rows > 0).sum(axis=1)
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples < 1 or (totals <= 0).any() \
            or (not replacement and num_samples > nonzero.min()):
        raise OpError(f"multinomial: need num_samples >= 1, rows with a positive sum and, "
                      f"without replacement, at most as many samples as non-zero weights "
                      f"({int(nonzero.min())}); got {num_samples!r}")
    generator = get_generator()
    picks = [generator.choice(rows.shape[1], size=int(num_samples), replace=replacement,
                              p=row / total) for row, total in zip(rows, totals)]
    out = np.asarray(picks, dtype=np.int64)
    return Tensor(out[0] if weights.ndim == 1 else out)


def _like(x: Any) -> Any:
    """The array whose shape (and dtype) a `*_like` constructor copies."""
    return x.data if isinstance(x, Tensor) else x if hasattr(x, "dtype") else Tensor(x).data


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of `x`.

    >>> zeros_like(Tensor([[1.0, 2.0]])).tolist()
    [[0.0, 0.0]]
    """
    return _made(np.zeros_like(_like(x), dtype=dtype), requires_grad, device, "zeros_like")


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of `x`.

    >>> ones_like(Tensor([1.0, 2.0]), dtype="float64").dtype
    dtype('float64')
    """
    return _made(np.ones_like(_like(x), dtype=dtype), requires_grad, device, "ones_like")


def full_like(x: Any, value: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """`value` everywhere, with the shape (and, unless given, the dtype) of `x`.

    >>> full_like(Tensor([1.0, 2.0]), 7).tolist()
    [7.0, 7.0]
    """
    return _made(np.full_like(_like(x), value, dtype=dtype), requires_grad, device, "full_like")


def empty(*shape: Any, dtype: Any = np.float32, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """PyTorch's `torch.empty`: a tensor to be written over; here its elements are zeros,
    so nothing of an earlier array shows through."""
    return _made(np.zeros(_shape(shape, "empty"), dtype=dtype), requires_grad, device, "empty")


def empty_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """`empty` with the shape (and, unless given, the dtype) of `x`: zeros."""
    return _made(np.zeros_like(_like(x), dtype=dtype), requires_grad, device, "empty_like")


def rand_like(x: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """`rand` with the shape (and, unless given, the float dtype) of `x`."""
    data = _like(x)
    return rand(data.shape, dtype=data.dtype if dtype is None else dtype,
                requires_grad=requires_grad, device=device)


def randn_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """`randn` with the shape (and, unless given, the float dtype) of `x`."""
    data = _like(x)
    return randn(data.shape, dtype=data.dtype if dtype is None else dtype,
                 requires_grad=requires_grad, device=device)


def randint(low: int, high: Any = None, size: Any = None, *, dtype: Any = np.int64,
            requires_grad: bool = False, device: Any = None) -> Tensor:
    """PyTorch's `torch.randint(low=0, high, size)`: integers in [low, high) from the
    framework generator; `randint(high, size)` starts at 0.

    >>> import tinygrad_np as tg
    >>> tg.manual_seed(0)
    >>> x = randint(3, 7, (1000,))
    >>> int(x.data.min()), int(x.data.max()), x.dtype
    (3, 6, dtype('int64'))
    """
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None or high is None:
        raise TypeError("randint: give (high, size) or (low, high, size), as PyTorch's")
    if not high > low:
        raise OpError(f"randint: high ({high}) must be greater than low ({low})")
    data = get_generator().integers(low, high, _shape((size,), "randint"))
    data = data.astype(dtype, copy=False)
    return _made(data, requires_grad, device, "randint")


def linspace(start: float, end: float, steps: int, dtype: Any = np.float32,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included (PyTorch's and
    numpy's `linspace`).

    >>> linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    _shape((steps,), "linspace")
    data = np.linspace(start, end, steps).astype(dtype, copy=False)
    return _made(data, requires_grad, device, "linspace")


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = np.float32,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """`base ** linspace(start, end, steps)`.

    >>> logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    _shape((steps,), "logspace")
    data = np.logspace(start, end, steps, base=base).astype(dtype, copy=False)
    return _made(data, requires_grad, device, "logspace")


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """PyTorch's `torch.as_tensor`: a Tensor as it is, an ndarray wrapped without a copy
    (with `dtype`, converted), anything else as `Tensor(data)` makes it.

    >>> a = np.zeros(2); as_tensor(a).data is a
    True
    """
    on_cpu(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or data.data.dtype == np.dtype(dtype) \
            else data.astype(dtype)
    return Tensor(data, dtype=dtype)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """PyTorch's `torch.tensor(data)`: a new Tensor holding a copy of `data`, its dtype
    PyTorch's: Python floats float32, ints int64, bools bool; an array keeps its own (a
    Tensor's too). (`Tensor(data)` makes every number float32 and wraps arrays without a
    copy.) `tinygrad_np.tensor(...)` calls it: the module `tinygrad_np.tensor` (where
    `Tensor` lives) is callable, so the module stays what it is for imports.

    >>> tensor([1, 2]).dtype, tensor([1.5]).dtype, tensor(np.zeros(2)).dtype
    (dtype('int64'), dtype('float32'), dtype('float64'))
    """
    on_cpu(device, "tensor")
    values = data.data if isinstance(data, Tensor) else data
    array = np.array(values, dtype=dtype)  # a copy, always
    from_python = not isinstance(values, np.ndarray | np.generic)
    if dtype is None and array.dtype == np.float64 and from_python:
        array = array.astype(np.float32)  # Python floats: PyTorch's default dtype
    return Tensor(array, requires_grad=requires_grad)
