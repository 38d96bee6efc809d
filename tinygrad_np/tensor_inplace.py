"""In-place changes of tensors, as PyTorch's: `add_`, `sub_`, `mul_`, `div_`, `clamp_`,
`neg_`, `fill_`, `zero_`, `fill_diagonal_`, `copy_`, `masked_fill_`, `uniform_`, `normal_`,
`scatter_`, `scatter_add_`, `index_add_`, `index_copy_`, `index_fill_`, the operators
`+=`, `-=`, `*=`, `/=`, and item assignment `t[index] = value`. (No `detach_`: graphs here
hold the tensors themselves, so cutting one in place would also cut every graph built
through it before; use `t = t.detach()`.)

The array is changed in place where no gradient can depend on it: on a tensor that does not
require grad, or under `no_grad()`. That is how a hand-written update reads in PyTorch:

>>> import numpy as np
>>> from tinygrad_np import Tensor, no_grad
>>> w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
>>> (w * w).sum().backward()
>>> with no_grad():
...     w -= 0.25 * w.grad
>>> w.data, w.requires_grad
(array([0.5, 1. ]), True)

With grad mode on, a leaf that requires grad is refused (as PyTorch refuses it: its
gradient would be of a value that no longer exists). Where the graph must record the
change (a result of an op that requires grad, or an operand that requires grad), `y += x`
gives a new tensor `y + x` and rebinds the name `y` to it, while `y.add_(x)`, whose result
may be dropped, is refused.

As with writing `.data`, a graph built earlier that saved this array (an op's input) sees
the change; PyTorch refuses such a backward, and here `detect_anomaly()` catches it.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .grad_mode import is_grad_enabled, no_grad

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["InPlaceMethods"]


def _generator() -> Any:
    from .random import get_generator  # the framework generator of this thread
    return get_generator()


def _operand(other: Any) -> Any:
    """The array (or number) to combine: a Tensor's array, anything else as it is (an
    ndarray's own `.data` is a buffer, hence the test for a Tensor's `grad_fn`)."""
    return other.data if hasattr(other, "grad_fn") else other


def _refuse_if_tracked(tensor: Any, op: str, other: Any = None) -> None:
    """Refuse an in-place change that autograd would need to see (see the module's text)."""
    if not is_grad_enabled():
        return
    symbol = _SYMBOLS.get(op)
    instead = f", or write t = t {symbol} other out of place" if symbol else ""
    label = _label(op)
    if tensor.requires_grad:
        what = ("a leaf" if tensor.grad_fn is None
                else f"the result of {type(tensor.grad_fn).__name__}")
        raise RuntimeError(f"{label}: the tensor requires grad ({what}), and an in-place "
                           f"change would invalidate its gradient: change it under "
                           f"no_grad() (an update of weights), or change t.data{instead}")
    if getattr(other, "requires_grad", False):
        raise RuntimeError(f"{label}: the other operand requires grad, and written into "
                           f"this tensor in place its gradient would be lost{instead}")


def _label(op: str) -> str:
    """How an error names the change: `add_()`, `'+='`, `'t[index] = value'`."""
    return f"{op}()" if op.endswith("_") else f"'{op}'"


def _recorded(tensor: Any, other: Any) -> bool:
    """Whether `t += other` must be the op `t + other`: with grad mode on, t the result of an
    op that requires grad, or t not requiring grad and other requiring it."""
    if not is_grad_enabled():
        return False
    if tensor.requires_grad:
        return tensor.grad_fn is not None
    return bool(getattr(other, "requires_grad", False))


_SYMBOLS = {"add_": "+", "sub_": "-", "mul_": "*", "div_": "/",
            "+=": "+", "-=": "-", "*=": "*", "/=": "/"}


def _write(tensor: Any, op: str, update: Callable[[Any], Any], other: Any = None) -> Any:
    """Run `update(array)`, which changes the array in place, with errors in our terms."""
    _refuse_if_tracked(tensor, op, other)
    data = tensor.data
    try:
        update(data)
    except TypeError as err:  # numpy's casting rule: a float result into an int tensor
        raise TypeError(f"{_label(op)}: cannot write the result into this {data.dtype} "
                        f"tensor of shape {data.shape} in place: {err}") from err
    except ValueError as err:  # a shape that does not broadcast to the tensor's, read-only
        raise ValueError(f"{_label(op)}: cannot change this {data.dtype} tensor of shape "
                         f"{data.shape} in place: {err}") from err
    return tensor


def _combined(tensor: Any, op: str, other: Any, in_place: Callable[[Any, Any], Any],
              alpha: float = 1.0) -> Any:
    """`tensor` combined in place with `other` (times `alpha`) by `in_place` (operator.iadd,
    ...), which ndarrays and jit's stand-ins both implement."""
    value = _operand(other)
    if alpha != 1:
        value = value * alpha
    return _write(tensor, op, lambda data: in_place(data, value), other)


def _assigned(tensor: Any, op: str, value: Any, source: Any = None) -> Any:
    """Every element of `tensor` set from `value()` (broadcast, cast), called only once the
    change is allowed: a refused `uniform_` draws nothing."""
    def update(data: Any) -> None:
        data[...] = _operand(value())
    return _write(tensor, op, update, source)


def _augmented(tensor: Any, other: Any, symbol: str, out_of_place: Callable[[Any, Any], Any],
               in_place: Callable[[Any], Any]) -> Any:
    """`t += x` and its kin: in place where the method would be; out of place (rebinding the
    name) where autograd must see it, so `h += b` in a forward pass records the op."""
    if _recorded(tensor, other):
        return out_of_place(tensor, other)
    _refuse_if_tracked(tensor, symbol)
    return in_place(other)


def _written_from(tensor: Any, op: str, other: Any, function: str, *args: Any) -> Any:
    """`tensor` overwritten in place by `array_functions.<function>(tensor, *args)`, computed
    (with that function's checks) only once the change is allowed."""
    from . import array_functions
    _refuse_if_tracked(tensor, op, other)
    with no_grad():
        result = getattr(array_functions, function)(tensor, *args)
    return _assigned(tensor, op, lambda: result)


class InPlaceMethods:
    """The in-place methods and operators; see the module's docstring for when each runs."""

    __slots__ = ()

    def add_(self: Any, other: Any, alpha: float = 1.0) -> Tensor:
        return _combined(self, "add_", other, operator.iadd, alpha)

    def sub_(self: Any, other: Any, alpha: float = 1.0) -> Tensor:
        return _combined(self, "sub_", other, operator.isub, alpha)

    def mul_(self: Any, other: Any) -> Tensor:
        return _combined(self, "mul_", other, operator.imul)

    def div_(self: Any, other: Any) -> Tensor:
        return _combined(self, "div_", other, operator.itruediv)

    def clamp_(self: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        if min is None and max is None:
            raise ValueError("clamp_(): give min, max or both")
        low, high = _operand(min), _operand(max)

        def update(data: Any) -> None:
            data.clip(low, high, out=data)
        return _write(self, "clamp_", update, min if max is None else max)

    clip_ = clamp_

    def neg_(self: Any) -> Tensor:
        return _combined(self, "neg_", -1, operator.imul)

    def fill_(self: Any, value: Any) -> Tensor:
        """Every element set to `value`, in place."""
        return _assigned(self, "fill_", lambda: value, value)

    def zero_(self: Any) -> Tensor:
        return self.fill_(0)

    def __setitem__(self: Any, index: Any, value: Any) -> None:
        """`t[index] = value`: numpy's indexing (slices, integer and bool arrays or Tensors),
        written in place by the rules above (in grad mode, refused where autograd would
        need to see it: use `tinygrad_np.where` or `index_put`-like ops out of place)."""
        where = tuple(_operand(i) for i in index) if type(index) is tuple else _operand(index)
        number = _operand(value)

        def update(data: Any) -> None:
            data[where] = number
        _write(self, "t[index] = value", update, value)

    def masked_fill_(self: Any, mask: Any, value: Any) -> Tensor:
        """`value` written where the bool `mask` (broadcast to this tensor) is true."""
        where = _operand(mask)
        if getattr(where, "dtype", None) is None or where.dtype.kind != "b":
            raise TypeError(f"masked_fill_(): mask must be a bool array or Tensor, got "
                            f"{getattr(where, 'dtype', type(where).__name__)}")
        number = _operand(value)

        def update(data: Any) -> None:
            data[np.broadcast_to(where, data.shape)] = number
        return _write(self, "masked_fill_", update, value)

    def uniform_(self: Any, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Filled with draws from U(a, b), from the framework generator (`manual_seed`)."""
        return _assigned(self, "uniform_", lambda: _generator().uniform(a, b, size=self.shape))

    def normal_(self: Any, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Filled with draws from N(mean, std**2), from the framework generator."""
        return _assigned(self, "normal_",
                         lambda: _generator().normal(mean, std, size=self.shape))

    # PyTorch's in-place scatters and index writes: the out-of-place function's checks and
    # result, written into this tensor under the rules above
    def scatter_(self: Any, dim: int, index: Any, src: Any = None, *,
                 value: Any = None) -> Tensor:
        """`src` (or PyTorch's `value=`, a number) written where `index` points along `dim`;
        a 0-d index into a vector is one place, as PyTorch takes it (a one-hot target:
        `zeros(10).scatter_(0, tensor(label), value=1)`)."""
        if (src is None) == (value is None):
            raise TypeError("scatter_(): give either src or value=")
        source = src if value is None else value
        where = _operand(index)
        if getattr(where, "ndim", None) == 0 and self.data.ndim == 1:
            where = where.reshape(1)
        return _written_from(self, "scatter_", source, "scatter", dim, where, source)

    def scatter_add_(self: Any, dim: int, index: Any, src: Any) -> Tensor:
        return _written_from(self, "scatter_add_", src, "scatter_add", dim, index, src)

    def index_add_(self: Any, dim: int, index: Any, source: Any, *,
                   alpha: float = 1.0) -> Tensor:
        return _written_from(self, "index_add_", source, "index_add", dim, index, source,
                             alpha)

    def index_copy_(self: Any, dim: int, index: Any, source: Any) -> Tensor:
        return _written_from(self, "index_copy_", source, "index_copy", dim, index, source)

    def index_fill_(self: Any, dim: int, index: Any, value: Any) -> Tensor:
        return _written_from(self, "index_fill_", value, "index_fill", dim, index, value)

    def fill_diagonal_(self: Any, fill_value: Any, wrap: bool = False) -> Tensor:
        """The main diagonal (of a matrix, or of a cube's equal axes) set to `fill_value`."""
        value = _operand(fill_value)

        def update(data: Any) -> None:
            np.fill_diagonal(data, value, wrap=wrap)
        return _write(self, "fill_diagonal_", update, fill_value)

    def copy_(self: Any, src: Any) -> Tensor:
        """This tensor's elements set to `src`'s (broadcast to its shape, cast to its dtype)."""
        return _assigned(self, "copy_", lambda: src, src)

    def __iadd__(self: Any, other: Any) -> Tensor:
        return _augmented(self, other, "+=", operator.add, self.add_)

    def __isub__(self: Any, other: Any) -> Tensor:
        return _augmented(self, other, "-=", operator.sub, self.sub_)

    def __imul__(self: Any, other: Any) -> Tensor:
        return _augmented(self, other, "*=", operator.mul, self.mul_)

    def __itruediv__(self: Any, other: Any) -> Tensor:
        return _augmented(self, other, "/=", operator.truediv, self.div_)
