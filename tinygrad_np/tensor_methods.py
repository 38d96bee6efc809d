"""PyTorch's other Tensor methods, each a one-liner onto a function of
`tinygrad_np.math_functions` or `tinygrad_np.array_functions` (which import `Tensor`, and so
are reached on first use). `Tensor` inherits them; the core methods stay in tensor.py.

>>> from tinygrad_np import Tensor
>>> Tensor([[1.0, 2.0], [3.0, 4.0]]).t().trace().item()
5.0
"""
from __future__ import annotations

import builtins
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from .torch_keywords import torch_keywords

if TYPE_CHECKING:
    from .selection import ValuesIndices
    from .tensor import Tensor

__all__ = ["TorchMethods"]


def _sibling(name: str) -> Callable[[], ModuleType]:
    """A loader of the package's module `name`, imported on first use (those modules import
    `Tensor`, which imports this one)."""
    return lambda: importlib.import_module(f"{__package__}.{name}")


_math = _sibling("math_functions")
_array = _sibling("array_functions")
_composite = _sibling("composite")
_selection = _sibling("selection")
_activations = _sibling("activations")
_creation = _sibling("creation")
_linalg = _sibling("linalg")
_bitwise = _sibling("bitwise")
_devices = _sibling("devices")


def _floor_divide(a: Any, b: Any) -> Tensor:
    """`a // b`: floor(a / b), with gradient 0; of integers (tensors, arrays or Python ints),
    numpy's exact integer floor division, as PyTorch's keeps int64."""
    values = [x.data if hasattr(x, "grad_fn") else x for x in (a, b)]
    if all(type(v) is int or getattr(getattr(v, "dtype", None), "kind", "f") in "iu"
           for v in values):
        from .tensor import Tensor
        return Tensor(np.asarray(np.floor_divide(*values)))
    return _math().floor(a / b)


class TorchMethods:
    """The methods; see the functions of the same names for what each does."""

    __slots__ = ()

    # -- arithmetic, by name ------------------------------------------------------------------
    def add(self: Any, other: Any, alpha: float = 1.0) -> Tensor:
        return self + (other if alpha == 1 else other * alpha)

    def sub(self: Any, other: Any, alpha: float = 1.0) -> Tensor:
        return self - (other if alpha == 1 else other * alpha)

    def mul(self: Any, other: Any) -> Tensor:
        return self * other

    def div(self: Any, other: Any, rounding_mode: str | None = None) -> Tensor:
        """self / other; rounding_mode "floor" or "trunc" rounds the quotient (gradient 0)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return _math().floor(self / other)
        if rounding_mode == "trunc":
            return _math().trunc(self / other)
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got "
                         f"{rounding_mode!r}")

    def true_divide(self: Any, other: Any) -> Tensor:
        return self / other

    def floor_divide(self: Any, other: Any) -> Tensor:
        return self.div(other, rounding_mode="floor")

    def pow(self: Any, exponent: Any) -> Tensor:
        return self ** exponent

    def neg(self: Any) -> Tensor:
        return -self

    negative = neg

    def absolute(self: Any) -> Tensor:
        return abs(self)

    def reciprocal(self: Any) -> Tensor:
        return _math().reciprocal(self)

    def rsqrt(self: Any) -> Tensor:
        return _math().rsqrt(self)

    def remainder(self: Any, other: Any) -> Tensor:
        return _math().remainder(self, other)

    def __mod__(self: Any, other: Any) -> Tensor:  # Python's %, as PyTorch's
        return _math().remainder(self, other)

    def __rmod__(self: Any, other: Any) -> Tensor:
        return _math().remainder(other, self)

    def __floordiv__(self: Any, other: Any) -> Tensor:  # floor(a / b), gradient 0
        return _floor_divide(self, other)

    def __rfloordiv__(self: Any, other: Any) -> Tensor:
        return _floor_divide(other, self)

    def fmod(self: Any, other: Any) -> Tensor:
        return _math().fmod(self, other)

    def lerp(self: Any, end: Any, weight: Any) -> Tensor:
        return _math().lerp(self, end, weight)

    def clamp_min(self: Any, min: Any) -> Tensor:  # noqa: A002 - PyTorch's name
        return self.clamp(min=min)

    def clamp_max(self: Any, max: Any) -> Tensor:  # noqa: A002
        return self.clamp(max=max)

    # -- elementwise functions ----------------------------------------------------------------
    def tan(self: Any) -> Tensor:
        return _math().tan(self)

    def asin(self: Any) -> Tensor:
        return _math().asin(self)

    def acos(self: Any) -> Tensor:
        return _math().acos(self)

    def atan(self: Any) -> Tensor:
        return _math().atan(self)

    def sinh(self: Any) -> Tensor:
        return _math().sinh(self)

    def cosh(self: Any) -> Tensor:
        return _math().cosh(self)

    def asinh(self: Any) -> Tensor:
        return _math().asinh(self)

    def acosh(self: Any) -> Tensor:
        return _math().acosh(self)

    def atanh(self: Any) -> Tensor:
        return _math().atanh(self)

    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

    def atan2(self: Any, other: Any) -> Tensor:
        return _math().atan2(self, other)

    arctan2 = atan2

    def hypot(self: Any, other: Any) -> Tensor:
        return _math().hypot(self, other)

    def log2(self: Any) -> Tensor:
        return _math().log2(self)

    def log10(self: Any) -> Tensor:
        return _math().log10(self)

    def exp2(self: Any) -> Tensor:
        return _math().exp2(self)

    def logaddexp(self: Any, other: Any) -> Tensor:
        return _math().logaddexp(self, other)

    def xlogy(self: Any, other: Any) -> Tensor:
        return _math().xlogy(self, other)

    def logit(self: Any, eps: float | None = None) -> Tensor:
        return _math().logit(self, eps)

    def floor(self: Any) -> Tensor:
        return _math().floor(self)

    def ceil(self: Any) -> Tensor:
        return _math().ceil(self)

    def round(self: Any, decimals: int = 0) -> Tensor:
        return _math().round(self, decimals)

    def trunc(self: Any) -> Tensor:
        return _math().trunc(self)

    fix = trunc

    def frac(self: Any) -> Tensor:
        return _math().frac(self)

    def sign(self: Any) -> Tensor:
        return _math().sign(self)

    def nan_to_num(self: Any, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        return _math().nan_to_num(self, nan, posinf, neginf)

    # -- tests and reductions -----------------------------------------------------------------
    def isnan(self: Any) -> Tensor:
        return _math().isnan(self)

    def isinf(self: Any) -> Tensor:
        return _math().isinf(self)

    def isfinite(self: Any) -> Tensor:
        return _math().isfinite(self)

    # -- &, |, ^, ~ on bool and integer tensors (see tinygrad_np.bitwise) -----------------
    def __and__(self: Any, other: Any) -> Tensor:
        return _bitwise().bitwise_and(self, other)

    def __rand__(self: Any, other: Any) -> Tensor:
        return _bitwise().bitwise_and(other, self)

    def __or__(self: Any, other: Any) -> Tensor:
        return _bitwise().bitwise_or(self, other)

    def __ror__(self: Any, other: Any) -> Tensor:
        return _bitwise().bitwise_or(other, self)

    def __xor__(self: Any, other: Any) -> Tensor:
        return _bitwise().bitwise_xor(self, other)

    def __rxor__(self: Any, other: Any) -> Tensor:
        return _bitwise().bitwise_xor(other, self)

    def __invert__(self: Any) -> Tensor:
        return _bitwise().bitwise_not(self)

    bitwise_and, bitwise_or, bitwise_xor, bitwise_not = __and__, __or__, __xor__, __invert__

    def logical_and(self: Any, other: Any) -> Tensor:
        return _math().logical_and(self, other)

    def logical_or(self: Any, other: Any) -> Tensor:
        return _math().logical_or(self, other)

    def logical_xor(self: Any, other: Any) -> Tensor:
        return _math().logical_xor(self, other)

    def logical_not(self: Any) -> Tensor:
        return _math().logical_not(self)

    @torch_keywords
    def all(self: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math().all(self, axis, keepdims)

    @torch_keywords
    def any(self: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math().any(self, axis, keepdims)

    @torch_keywords
    def count_nonzero(self: Any, axis: Any = None) -> Tensor:
        return _math().count_nonzero(self, axis)

    @torch_keywords
    def amax(self: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        """`max` (ties share the gradient equally, as PyTorch's amax)."""
        return self.max(axis, keepdims)

    @torch_keywords
    def amin(self: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        return self.min(axis, keepdims)

    @torch_keywords
    def nansum(self: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math().nansum(self, axis, keepdims)

    @torch_keywords
    def nanmean(self: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _math().nanmean(self, axis, keepdims)

    @torch_keywords
    def cumprod(self: Any, axis: int | None = None) -> Tensor:
        return _math().cumprod(self, axis)

    @torch_keywords
    def logcumsumexp(self: Any, axis: int | None = None) -> Tensor:
        return _math().logcumsumexp(self, axis)

    @torch_keywords
    def cummax(self: Any, dim: int) -> ValuesIndices:
        return _array().cummax(self, dim)

    @torch_keywords
    def cummin(self: Any, dim: int) -> ValuesIndices:
        return _array().cummin(self, dim)

    @torch_keywords
    def median(self: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        return _array().median(self, dim, keepdim)

    @torch_keywords
    def quantile(self: Any, q: Any, dim: int | None = None, keepdim: bool = False
                 ) -> Tensor:
        return _array().quantile(self, q, dim, keepdim)

    @torch_keywords
    def argsort(self: Any, dim: int = -1, descending: bool = False) -> Tensor:
        return _array().argsort(self, dim, descending)

    def nonzero(self: Any) -> Tensor:
        return _array().nonzero(self)

    @torch_keywords
    def unique(self: Any, return_inverse: bool = False, return_counts: bool = False,
               dim: int | None = None) -> Any:
        return _array().unique(self, return_inverse, return_counts, dim)

    # -- shapes and picking -------------------------------------------------------------------
    def t(self: Any) -> Tensor:
        """A matrix transposed (a vector or a number as it is), PyTorch's `t()`."""
        if self.ndim > 2:
            raise ValueError(f"t(): expects at most 2 axes, got shape {self.shape} (use "
                             f"swapaxes or permute)")
        return self.T if self.ndim == 2 else self

    def roll(self: Any, shifts: Any, dims: Any = None) -> Tensor:
        return _array().roll(self, shifts, dims)

    @torch_keywords
    def diff(self: Any, n: int = 1, axis: int = -1, prepend: Any = None,
             append: Any = None) -> Tensor:
        return _array().diff(self, n, axis, prepend, append)

    def rot90(self: Any, k: int = 1, dims: Any = (0, 1)) -> Tensor:
        return _array().rot90(self, k, dims)

    def fliplr(self: Any) -> Tensor:
        return _array().fliplr(self)

    def flipud(self: Any) -> Tensor:
        return _array().flipud(self)

    @torch_keywords
    def narrow(self: Any, dim: int, start: int, length: int) -> Tensor:
        return _array().narrow(self, dim, start, length)

    @torch_keywords
    def select(self: Any, dim: int, index: int) -> Tensor:
        return _array().select(self, dim, index)

    @torch_keywords
    def unbind(self: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _array().unbind(self, dim)

    def movedim(self: Any, source: Any, destination: Any) -> Tensor:
        return _array().movedim(self, source, destination)

    moveaxis = movedim

    @torch_keywords
    def swapaxes(self: Any, axis0: int, axis1: int) -> Tensor:
        return _array().swapaxes(self, axis0, axis1)

    swapdims = swapaxes

    def diagonal(self: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return _array().diagonal(self, offset, dim1, dim2)

    def trace(self: Any) -> Tensor:
        return _array().trace(self)

    def diag(self: Any, diagonal: int = 0) -> Tensor:
        return _array().diag(self, diagonal)

    def tril(self: Any, diagonal: int = 0) -> Tensor:
        return _composite().tril(self, diagonal)

    def triu(self: Any, diagonal: int = 0) -> Tensor:
        return _composite().triu(self, diagonal)

    def ravel(self: Any) -> Tensor:
        return _array().ravel(self)

    @torch_keywords
    def unflatten(self: Any, axis: int, sizes: Any) -> Tensor:
        return _array().unflatten(self, axis, sizes)

    @torch_keywords
    def index_add(self: Any, dim: int, index: Any, source: Any, *,
                  alpha: float = 1.0) -> Tensor:
        return _array().index_add(self, dim, index, source, alpha)

    @torch_keywords
    def index_copy(self: Any, dim: int, index: Any, source: Any) -> Tensor:
        return _array().index_copy(self, dim, index, source)

    @torch_keywords
    def index_fill(self: Any, dim: int, index: Any, value: Any) -> Tensor:
        return _array().index_fill(self, dim, index, value)

    def bernoulli(self: Any) -> Tensor:
        return _creation().bernoulli(self)

    def multinomial(self: Any, num_samples: int, replacement: Any = False) -> Tensor:
        return _creation().multinomial(self, num_samples, replacement)

    def argwhere(self: Any) -> Tensor:
        return _array().argwhere(self)

    def msort(self: Any) -> Tensor:
        return _selection().msort(self)

    @torch_keywords
    def kthvalue(self: Any, k: int, axis: int = -1, keepdims: bool = False) -> ValuesIndices:
        return _selection().kthvalue(self, k, axis, keepdims)

    def sum_to_size(self: Any, *size: Any) -> Tensor:
        """Summed over the broadcast axes down to `size` (PyTorch's sum_to_size)."""
        from .function import OpError
        from .ops.adjoint import sum_to
        shape = _creation()._shape(size, "sum_to_size")
        try:
            fits = np.broadcast_shapes(shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise OpError(f"sum_to_size: shape {self.shape} cannot be summed to {shape} (it "
                          f"must be a shape that broadcasts to {self.shape})")
        return sum_to(self, shape)

    def hardshrink(self: Any, lambd: float = 0.5) -> Tensor:
        return _activations().hardshrink(self, lambd)

    # -- comparisons without gradients --------------------------------------------------------
    def isclose(self: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        return _math().isclose(self, other, rtol, atol, equal_nan)

    def allclose(self: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> builtins.bool:
        return _math().allclose(self, other, rtol, atol, equal_nan)

    def equal(self: Any, other: Any) -> builtins.bool:
        return _math().equal(self, other)

    @torch_keywords
    def repeat_interleave(self: Any, repeats: Any, dim: int | None = None) -> Tensor:
        return _array().repeat_interleave(self, repeats, dim)

    def unfold(self: Any, dimension: int, size: int, step: int) -> Tensor:
        """PyTorch's `Tensor.unfold`: sliding windows (see `sliding_windows`); not F.unfold."""
        return _array().sliding_windows(self, dimension, size, step)

    @torch_keywords
    def index_select(self: Any, dim: int, index: Any) -> Tensor:
        return _array().index_select(self, dim, index)

    def take(self: Any, index: Any) -> Tensor:
        return _array().take(self, index)

    def masked_fill(self: Any, mask: Any, value: Any) -> Tensor:
        return _array().masked_fill(self, mask, value)

    def masked_select(self: Any, mask: Any) -> Tensor:
        return _array().masked_select(self, mask)

    @torch_keywords
    def scatter(self: Any, dim: int, index: Any, src: Any) -> Tensor:
        return _array().scatter(self, dim, index, src)

    @torch_keywords
    def scatter_add(self: Any, dim: int, index: Any, src: Any) -> Tensor:
        return _array().scatter_add(self, dim, index, src)

    def expand_as(self: Any, other: Any) -> Tensor:
        return self.broadcast_to(other.shape)

    def reshape_as(self: Any, other: Any) -> Tensor:
        return self.reshape(other.shape)

    view_as = reshape_as

    # -- products -----------------------------------------------------------------------------
    def outer(self: Any, other: Any) -> Tensor:
        return _array().outer(self, other)

    def inner(self: Any, other: Any) -> Tensor:
        return _array().inner(self, other)

    def kron(self: Any, other: Any) -> Tensor:
        return _array().kron(self, other)

    @torch_keywords
    def cross(self: Any, other: Any, dim: int = -1) -> Tensor:
        return _array().cross(self, other, dim)

    def mm(self: Any, other: Any) -> Tensor:
        return _array().mm(self, other)

    def mv(self: Any, other: Any) -> Tensor:
        return _array().mv(self, other)

    def bmm(self: Any, other: Any) -> Tensor:
        return _array().bmm(self, other)

    def addmm(self: Any, mat1: Any, mat2: Any, *, beta: float = 1.0,
              alpha: float = 1.0) -> Tensor:
        return _array().addmm(self, mat1, mat2, beta, alpha)

    def baddbmm(self: Any, batch1: Any, batch2: Any, *, beta: float = 1.0,
                alpha: float = 1.0) -> Tensor:
        return _array().baddbmm(self, batch1, batch2, beta, alpha)

    def addcmul(self: Any, tensor1: Any, tensor2: Any, *, value: float = 1.0) -> Tensor:
        return _math().addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self: Any, tensor1: Any, tensor2: Any, *, value: float = 1.0) -> Tensor:
        return _math().addcdiv(self, tensor1, tensor2, value=value)

    def inverse(self: Any) -> Tensor:
        return _linalg().inv(self)

    def det(self: Any) -> Tensor:
        return _linalg().det(self)

    def ger(self: Any, vec2: Any) -> Tensor:
        """PyTorch's old name of `outer`."""
        return _array().outer(self, vec2)

    # -- dtypes and storage -------------------------------------------------------------------
    def float(self: Any) -> Tensor:
        return self.astype(np.float32)

    def double(self: Any) -> Tensor:
        return self.astype(np.float64)

    def half(self: Any) -> Tensor:
        return self.astype(np.float16)

    def element_size(self: Any) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    def nelement(self: Any) -> int:
        return self.numel()

    def ndimension(self: Any) -> int:
        return self.dim()

    @property
    def device(self: Any) -> Any:
        """Where the data is: `device("cpu")` (numpy arrays), which is also the string
        "cpu"."""
        return _devices().device("cpu")

    def cpu(self: Any) -> Tensor:
        return self

    @property
    def is_cuda(self: Any) -> bool:
        """False: numpy arrays live on the CPU."""
        return False

    def cuda(self: Any, *args: Any, **kwargs: Any) -> Tensor:
        raise RuntimeError("cuda(): tinygrad_np runs on numpy, on the CPU; there is no GPU "
                           "device (keep the tensor as it is, or .to('cpu'))")

    @property
    def mT(self: Any) -> Tensor:  # noqa: N802 - PyTorch's name
        """The last two axes swapped (a batch of matrices, each transposed)."""
        if self.ndim < 2:
            from .function import OpError
            raise OpError(f"mT: needs at least 2 axes, got shape {self.shape}")
        return self.swapaxes(-2, -1)

    # `new_*`: a tensor of this one's dtype (unless told), not requiring grad, as PyTorch's
    def new_zeros(self: Any, *size: Any, dtype: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return self.new_full(size, 0, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self: Any, *size: Any, dtype: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return self.new_full(size, 1, dtype=dtype, requires_grad=requires_grad)

    def new_empty(self: Any, *size: Any, dtype: Any = None,
                  requires_grad: bool = False) -> Tensor:
        """Zeros: numpy's uninitialised memory would show old values."""
        return self.new_full(size, 0, dtype=dtype, requires_grad=requires_grad)

    def new_full(self: Any, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: bool = False) -> Tensor:
        shape = _creation()._shape(size if isinstance(size, tuple) else (size,), "new_full")
        return _creation().full(shape, fill_value, dtype=self.dtype if dtype is None else dtype,
                                requires_grad=requires_grad)

    def new_tensor(self: Any, data: Any, dtype: Any = None,
                   requires_grad: bool = False) -> Tensor:
        """A copy of `data` in this tensor's dtype (unless told)."""
        array = np.array(data.data if hasattr(data, "grad_fn") else data,  # a Tensor's array
                         dtype=self.dtype if dtype is None else dtype)
        return type(self)(array, requires_grad=requires_grad)

    def to(self: Any, dtype: Any = None) -> Tensor:
        """`astype(dtype)`; "cpu" (or a dtype of its own) leaves the tensor as it is."""
        if dtype is None or isinstance(dtype, str) and dtype == "cpu":
            return self
        return self if np.dtype(dtype) == self.dtype else self.astype(dtype)

    def type_as(self: Any, other: Any) -> Tensor:
        return self.to(other.dtype)

    def is_floating_point(self: Any) -> builtins.bool:
        return self.dtype.kind == "f"

    def is_contiguous(self: Any) -> builtins.bool:
        return bool(self.data.flags.c_contiguous)

    def stride(self: Any, dim: Any = None) -> Any:
        """Steps between elements along each axis, in elements (numpy's strides are bytes)."""
        steps = tuple(step // self.dtype.itemsize for step in self.data.strides)
        return steps if dim is None else steps[dim]

    def contiguous(self: Any) -> Tensor:
        """Itself when its array is C-contiguous, else a contiguous copy (differentiable)."""
        if self.data.flags.c_contiguous:
            return self
        return self.reshape(-1).reshape(self.shape)  # flattening copies in C order

    # Last in the class: below these, `int`, `bool` and `type` in annotations would name them.
    def long(self: Any) -> Tensor:
        return self.astype(np.int64)

    def int(self: Any) -> Tensor:
        return self.astype(np.int32)

    def bool(self: Any) -> Tensor:
        return self.astype(np.bool_)

    def byte(self: Any) -> Tensor:
        return self.astype(np.uint8)

    def char(self: Any) -> Tensor:
        return self.astype(np.int8)

    def type(self: Any, dtype: Any = None) -> Any:
        """PyTorch's `t.type(dtype)`: `astype(dtype)`; with no dtype, the dtype's name."""
        return self.dtype.name if dtype is None else self.to(dtype)
