"""`Traced`: an array while a step is recorded, standing in for the real one.

It holds the real `value` and the recording's `Var` for it. numpy calls on it (ufuncs,
array functions, operators, any ndarray method or attribute) are computed on the value and
written down by the recorder that made it. Used in another thread, or after its recording
ended, a `Traced` is simply its value: the calls are computed and nothing is written down.
"""
from __future__ import annotations

import operator
import threading
from typing import Any

import numpy as np

from .ir import Var, substitute

# Binary and unary operators are recorded as the operators themselves and replayed as
# `a + b`: on numpy scalars (a loss, a norm) that takes numpy's scalar fast path, as the eager
# step does; and ndarray's `**` takes shortcuts the power ufunc does not.
BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
          "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
          "pow": operator.pow, "matmul": operator.matmul, "and": operator.and_,
          "or": operator.or_, "xor": operator.xor}
COMPARE = {"lt": operator.lt, "le": operator.le, "eq": operator.eq, "ne": operator.ne,
           "gt": operator.gt, "ge": operator.ge}
UNARY = {"neg": operator.neg, "pos": operator.pos, "invert": operator.invert,
         "abs": operator.abs}
INPLACE = {"iadd": operator.iadd, "isub": operator.isub, "imul": operator.imul,
           "itruediv": operator.itruediv, "ifloordiv": operator.ifloordiv,
           "imod": operator.imod, "ipow": operator.ipow, "imatmul": operator.imatmul,
           "iand": operator.iand, "ior": operator.ior, "ixor": operator.ixor}


# Array functions that write into their first argument: recorded as writes (the memory
# plan, constant folding and the guards must know that array changes), and refused into an
# array the recording did not make.
WRITES_FIRST = frozenset((np.copyto, np.putmask, np.place, np.put, np.put_along_axis,
                          np.fill_diagonal))


def unwrap(obj: Any) -> Any:
    """`obj` with every Traced replaced by its value (in tuples, lists, dicts and slices too)."""
    return substitute(obj, Traced, _value_of)


def _value_of(traced: Traced) -> Any:
    return traced.value


def owner(objects: Any) -> Any:
    """The recorder that records calls on these operands in this thread, or None."""
    stack = [objects]
    while stack:
        item = stack.pop()
        if isinstance(item, Traced):
            rec = item.recorder
            if rec.active and rec.thread == threading.get_ident():
                return rec
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, slice):
            stack.extend((item.start, item.stop, item.step))
    return None


class Traced:
    """An array during recording: the real `value` and its `var`."""

    __slots__ = ("__weakref__", "_var", "recorder", "value")
    __hash__ = None  # type: ignore[assignment] # == is elementwise, as on arrays

    def __init__(self, value: Any, var: Var, recorder: Any) -> None:
        self.value, self._var, self.recorder = value, var, recorder

    def _rec(self) -> Any:
        rec = self.recorder
        return rec if rec.active and rec.thread == threading.get_ident() else None

    # metadata: fixed by the guards on shapes and dtypes
    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    base = property(lambda self: getattr(self.value, "base", None))

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self.value)))

    def __repr__(self) -> str:
        return f"Traced({self._var!r}, {self.value!r})"

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        """numpy needs the numbers themselves (`np.asarray(x)`, `real[i] = x`): they are
        checked on every replay, as a value branched on; a view is read-only, since a write
        through it would not be recorded."""
        rec = self._rec()
        value = np.asarray(self.value, dtype=dtype)
        if rec is None:
            return value
        rec.branch_on_value(self)
        if copy:
            return np.array(value, copy=True)
        view = value.view()
        view.flags.writeable = False
        return view

    # -- values Python needs now: checked on every replay ------------------------------
    def __bool__(self) -> bool:
        rec = self._rec()
        return bool(self.value) if rec is None else rec.branch(self)

    def _concrete(self, convert: Any) -> Any:
        rec = self._rec()
        if rec is not None:
            rec.branch_on_value(self)
        return convert(self.value)

    def item(self, *args: Any) -> Any:
        return self._concrete(lambda v: v.item(*args))

    def tolist(self) -> Any:
        return self._concrete(lambda v: v.tolist())

    def __float__(self) -> float:
        return self._concrete(float)

    def __int__(self) -> int:
        return self._concrete(int)

    def __index__(self) -> int:
        return self._concrete(operator.index)

    def __complex__(self) -> complex:
        return self._concrete(complex)

    # -- numpy's protocols ----------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        rec = owner((inputs, kwargs))
        if rec is None:
            return _eager(fn, inputs, kwargs)
        return rec.call(fn, inputs, kwargs, "call", writes_first=method == "at")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        rec = owner((args, kwargs))
        if rec is None:
            return _eager(func, args, kwargs)
        return rec.call(func, args, kwargs, "call", writes_first=func in WRITES_FIRST)

    def __getitem__(self, index: Any) -> Any:
        rec = owner((self, index))
        if rec is None:
            return self.value[unwrap(index)]
        return rec.call("getitem", (self, index), {}, "getitem")

    def __setitem__(self, index: Any, value: Any) -> None:
        rec = owner((self, index, value))
        if rec is None:
            self.value[unwrap(index)] = unwrap(value)
        else:
            rec.call("setitem", (self, index, value), {}, "setitem")

    @property
    def T(self) -> Any:  # noqa: N802 - numpy's name
        rec = self._rec()
        return self.value.T if rec is None else rec.call("T", (self,), {}, "attr")

    def __getattr__(self, name: str) -> Any:
        """Any other ndarray attribute: a method is recorded when called, an array-valued
        attribute (.real, .flat) is recorded, metadata (.strides, .itemsize) is read."""
        if name.startswith("__"):  # numpy's protocol probes: never hand out the raw value
            raise AttributeError(name)
        attribute = getattr(self.value, name)
        rec = self._rec()
        if rec is None:
            return attribute
        if callable(attribute):
            return lambda *args, **kwargs: rec.call(name, (self, *args), kwargs, "method")
        if isinstance(attribute, (np.ndarray, np.generic)):
            return rec.call(name, (self,), {}, "attr")
        return attribute


def _eager(fn: Any, args: Any, kwargs: Any) -> Any:
    """A call computed on the values, with nothing written down; `out=` gives back the
    stand-ins it was given (as numpy gives back `out`)."""
    result = fn(*unwrap(args), **unwrap(kwargs))
    out = kwargs.get("out")
    if out is not None:
        return out[0] if isinstance(out, tuple) and len(out) == 1 else out
    return result


def _binary(func: Any, reflected: bool) -> Any:
    def method(self: Traced, other: Any) -> Any:
        if getattr(type(other), "__array_ufunc__", False) is None:
            return NotImplemented  # a Tensor: `ndarray @ Tensor` must reach Tensor.__rmatmul__
        args = (other, self) if reflected else (self, other)
        rec = owner(args)
        if rec is None:
            return func(*unwrap(args))
        return rec.call(func, args, {}, "operator")
    return method


def _unary(func: Any) -> Any:
    def method(self: Traced) -> Any:
        rec = self._rec()
        return func(self.value) if rec is None else rec.call(func, (self,), {}, "operator")
    return method


def _inplace(func: Any) -> Any:
    def method(self: Traced, other: Any) -> Any:
        if getattr(type(other), "__array_ufunc__", False) is None:
            return NotImplemented
        rec = owner((self, other))
        if rec is None:
            result = func(self.value, unwrap(other))
            if result is self.value:
                return self
            return result
        return rec.call(func, (self, other), {}, "inplace")
    return method


for _name, _func in BINARY.items():
    setattr(Traced, f"__{_name}__", _binary(_func, False))
    setattr(Traced, f"__r{_name}__", _binary(_func, True))
for _name, _func in COMPARE.items():  # these reflect as each other
    setattr(Traced, f"__{_name}__", _binary(_func, False))
for _name, _unary_func in UNARY.items():
    setattr(Traced, f"__{_name}__", _unary(_unary_func))
for _name, _func in INPLACE.items():
    setattr(Traced, f"__{_name}__", _inplace(_func))
Traced.__hash__ = None  # type: ignore[assignment]
