"""Weight initialisers: plain functions `f(shape, rng, dtype) -> ndarray`.

Weights are laid out (fan_in, fan_out) = (in_features, out_features), so a layer computes
`x @ W + b`, as in the tutorials. The layers that keep PyTorch's (out_features, in_features)
layout (the recurrent layers, MultiheadAttention's projections, OutInLinear) mark their
weights with `mark_out_in`, so `kaiming_*` and `_calculate_fan_in_and_fan_out` read their
fans as PyTorch does.

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
from ..tensor import Tensor

RngLike = np.random.Generator | int | None
Initializer = Callable[..., np.ndarray]

__all__ = [
    "INITIALIZERS",
    "as_rng",
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "fans",
    "get_initializer",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "kaiming_normal_",
    "kaiming_uniform_",
    "is_out_in",
    "mark_out_in",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros",
    "zeros_",
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


# -- PyTorch's in-place initialisers: torch.nn.init's names and formulas ---------------------
# Each fills a Tensor's array (or an ndarray) where it lies, from the framework generator, and
# returns it, so `model.apply(...)` recipes written for PyTorch read the same here.
_GAINS = {"linear": 1.0, "identity": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
          "conv_transpose1d": 1.0, "conv_transpose2d": 1.0, "conv_transpose3d": 1.0,
          "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": float(np.sqrt(2.0)), "selu": 3.0 / 4}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for a nonlinearity: 1 for linear, convs and sigmoid, 5/3
    for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope `param`,
    0.01 by default), 3/4 for selu.

    >>> round(calculate_gain("leaky_relu", 0.2), 6)
    1.38675
    """
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative slope {param!r} is not a number")
        return float(np.sqrt(2.0 / (1 + slope ** 2)))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; "
                         f"expected one of {sorted(_GAINS) + ['leaky_relu']}")
    return _GAINS[nonlinearity]


def _array(tensor: Any, name: str) -> np.ndarray:
    """The array a Tensor holds, or an ndarray itself (whose own `.data` is a buffer)."""
    data = tensor if isinstance(tensor, np.ndarray) else getattr(tensor, "data", None)
    if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point Tensor or ndarray, got "
                        f"{type(tensor).__name__}")
    return data


def _fill(tensor: Any, name: str, values: Callable[[tuple[int, ...]], Any]) -> Any:
    """Write values(shape) into the tensor's array where it lies; return the tensor."""
    array = _array(tensor, name)
    array[...] = values(array.shape)
    return tensor


# A 2-D weight is (in, out) here unless the layer that made it says otherwise. The mark is
# the value OUT_IN in the tensor's `_nn_parameter` slot: truthy, so the tensor stays a
# parameter (freezing keeps it), and copied by copy.deepcopy, as the Transformer's layer
# clones are.
OUT_IN = "out_in"


def mark_out_in(tensor: Tensor) -> Tensor:
    """Mark a 2-D weight as laid out (out_features, in_features), PyTorch's way (`x @ W.T`),
    so its fan_in is its second axis; returns it. The layers that keep that layout mark
    their weights themselves; mark your own if you write `x @ W.T`.

    >>> w = mark_out_in(Tensor(np.zeros((50, 100)), requires_grad=True))
    >>> is_out_in(w), _calculate_fan_in_and_fan_out(w)
    (True, (100, 50))
    """
    if not isinstance(tensor, Tensor) or tensor.ndim != 2:
        raise TypeError(f"mark_out_in: expected a 2-D Tensor, got "
                        f"{getattr(tensor, 'shape', type(tensor).__name__)}")
    tensor._nn_parameter = OUT_IN  # type: ignore[assignment]  # Tensor declares it a bool
    return tensor


def is_out_in(tensor: Any) -> bool:
    """True for a weight marked by `mark_out_in` ((out, in), PyTorch's layout); False for
    every other Tensor and every ndarray (a 2-D one is (in, out), as `nn.Linear`'s)."""
    return isinstance(tensor, Tensor) and getattr(tensor, "_nn_parameter", None) == OUT_IN


def fans(shape: tuple[int, ...], out_in: bool = False) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: a 2-D one is laid out (in, out) here (`x @ W`), so
    fan_in is its first axis, or its second with `out_in=True` (PyTorch's (out, in)); a conv
    weight (out, in // groups, *kernel) has fan_in in // groups * kernel and fan_out
    out * kernel, as PyTorch computes them.

    >>> fans((784, 100)), fans((100, 784), out_in=True), fans((16, 6, 5, 5))
    ((784, 100), (784, 100), (150, 400))
    """
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out cannot be computed for a weight of shape "
                         f"{tuple(shape)} (fewer than 2 axes)")
    if len(shape) == 2:
        return (int(shape[1]), int(shape[0])) if out_in else (int(shape[0]), int(shape[1]))
    field = int(np.prod(shape[2:]))
    return int(shape[1]) * field, int(shape[0]) * field


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """PyTorch's helper of the same name (recipes call it to start a bias): (fan_in,
    fan_out) of a Tensor or ndarray, reading a 2-D Tensor's layout (`is_out_in`).

    >>> from tinygrad_np.nn import LSTM, Linear
    >>> _calculate_fan_in_and_fan_out(Linear(100, 50).weight)  # (in, out): x @ W
    (100, 50)
    >>> _calculate_fan_in_and_fan_out(LSTM(100, 50).weight_ih_l0)  # (4 * 50, 100), PyTorch's
    (100, 200)
    """
    return fans(_array(tensor, "_calculate_fan_in_and_fan_out").shape, is_out_in(tensor))


def _fan(tensor: Any, mode: str, name: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(_array(tensor, name).shape, is_out_in(tensor))
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0) -> Any:
    """Fill with U(a, b).

    >>> bool((uniform_(np.zeros(100), -1.0, 1.0) != 0).all())
    True
    """
    return _fill(tensor, "uniform_", lambda shape: get_generator().uniform(a, b, shape))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0) -> Any:
    """Fill with N(mean, std)."""
    return _fill(tensor, "normal_",
                 lambda shape: get_generator().standard_normal(shape) * std + mean)


def trunc_normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Any:
    """Fill with N(mean, std) truncated to [a, b] (by inverting the normal CDF on the
    truncated range, as PyTorch does)."""
    from ..ops.activation import erf

    low, high = (np.array(v, np.float64) for v in ((a - mean) / std, (b - mean) / std))
    cdf_low, cdf_high = (0.5 * (1 + erf(v / np.sqrt(2))) for v in (low, high))

    def draw(shape: tuple[int, ...]) -> Any:
        u = get_generator().uniform(2 * cdf_low - 1, 2 * cdf_high - 1, shape)
        # erfinv by Newton steps on erf (no scipy): erf' = 2 / sqrt(pi) exp(-x**2)
        x = np.clip(u, -0.999999, 0.999999)
        for _ in range(60):
            x = x - (erf(x) - u) / (2 / np.sqrt(np.pi) * np.exp(-x * x))
        return np.clip(x * std * np.sqrt(2) + mean, a, b)

    return _fill(tensor, "trunc_normal_", draw)


def constant_(tensor: Any, val: float) -> Any:
    """Fill with `val` (`zeros_` and `ones_` fill with 0 and 1).

    >>> constant_(np.empty(3), 0.5).tolist()
    [0.5, 0.5, 0.5]
    """
    return _fill(tensor, "constant_", lambda shape: val)


def zeros_(tensor: Any) -> Any:
    """Fill with zeros."""
    return _fill(tensor, "zeros_", lambda shape: 0.0)


def ones_(tensor: Any) -> Any:
    """Fill with ones."""
    return _fill(tensor, "ones_", lambda shape: 1.0)


def xavier_uniform_(tensor: Any, gain: float = 1.0) -> Any:
    """Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).

    >>> bool(np.abs(xavier_uniform_(np.zeros((30, 20)))).max() <= np.sqrt(6 / 50))
    True
    """
    fan_in, fan_out = fans(_array(tensor, "xavier_uniform_").shape, is_out_in(tensor))
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Any, gain: float = 1.0) -> Any:
    """Glorot normal: N(0, std), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(_array(tensor, "xavier_normal_").shape, is_out_in(tensor))
    return normal_(tensor, 0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Any, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Any:
    """He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan), the gain of
    `nonlinearity` (with negative slope `a` for leaky_relu), fan the fan_in or fan_out.
    PyTorch's conv and linear layers start from this with a = sqrt(5).

    >>> w = kaiming_uniform_(np.zeros((16, 6, 5, 5)), a=np.sqrt(5))
    >>> bool(np.abs(w).max() <= 1 / np.sqrt(150))
    True
    """
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * np.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Any, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Any:
    """He normal: N(0, std), std = gain / sqrt(fan).

    >>> from tinygrad_np import Tensor
    >>> w = Tensor(np.zeros((64, 3, 3, 3)), requires_grad=True)
    >>> std = kaiming_normal_(w, mode="fan_out", nonlinearity="relu").data.std()
    >>> bool(abs(std - np.sqrt(2 / (64 * 9))) < 0.01)
    True
    """
    fan = _fan(tensor, mode, "kaiming_normal_")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / np.sqrt(fan))


def eye_(tensor: Any) -> Any:
    """A matrix filled with the identity (ones on the diagonal, zeros elsewhere), so a
    linear layer starts by passing its input through.

    >>> eye_(np.empty((2, 3))).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    array = _array(tensor, "eye_")
    if array.ndim != 2:
        raise ValueError(f"eye_: expected a matrix, got shape {array.shape}")
    return _fill(tensor, "eye_", lambda shape: np.eye(shape[0], shape[1]))


def dirac_(tensor: Any, groups: int = 1) -> Any:
    """A conv weight (out, in, *kernel) that passes its input through: 1 at the kernel's
    centre from input channel d to output channel d (within each of `groups`), 0 elsewhere,
    as PyTorch's dirac_ (out channels beyond in channels stay 0).

    >>> dirac_(np.empty((2, 2, 3))).tolist()[1]
    [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    array = _array(tensor, "dirac_")
    if array.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: expected a 3, 4 or 5-D conv weight, got shape {array.shape}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or \
            array.shape[0] % groups:
        raise ValueError(f"dirac_: groups {groups!r} must divide the {array.shape[0]} output "
                         f"channels")
    per_group = array.shape[0] // groups
    centre = tuple(k // 2 for k in array.shape[2:])
    array[...] = 0
    for group in range(groups):
        for channel in range(min(per_group, array.shape[1])):
            array[(group * per_group + channel, channel) + centre] = 1
    return tensor


def orthogonal_(tensor: Any, gain: float = 1.0) -> Any:
    """A (semi-)orthogonal matrix times `gain`, from the QR decomposition of a normal one
    with the signs of R's diagonal, as PyTorch's orthogonal_ (Saxe et al.); a weight of more
    axes is made one flattened to (shape[0], the rest).

    >>> w = orthogonal_(np.empty((3, 5)))
    >>> bool(np.allclose(w @ w.T, np.eye(3)))
    True
    """
    array = _array(tensor, "orthogonal_")
    if array.ndim < 2:
        raise ValueError(f"orthogonal_: expected at least 2 axes, got shape {array.shape}")
    rows = array.shape[0]
    cols = array.size // rows
    flat = get_generator().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    array[...] = (q * gain).reshape(array.shape)
    return tensor


def sparse_(tensor: Any, sparsity: float, std: float = 0.01) -> Any:
    """A matrix of N(0, std) with `sparsity` of each column's entries (rounded up) zero, at
    random rows, as PyTorch's sparse_ (Martens).

    >>> w = sparse_(np.empty((10, 4)), sparsity=0.3)
    >>> (w == 0).sum(axis=0).tolist()
    [3, 3, 3, 3]
    """
    array = _array(tensor, "sparse_")
    if array.ndim != 2:
        raise ValueError(f"sparse_: expected a matrix, got shape {array.shape}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1], got {sparsity!r}")
    rows, cols = array.shape
    zeros_per_column = int(np.ceil(sparsity * rows))
    generator = get_generator()
    array[...] = generator.standard_normal((rows, cols)) * std
    for column in range(cols):
        array[generator.permutation(rows)[:zeros_per_column], column] = 0
    return tensor
