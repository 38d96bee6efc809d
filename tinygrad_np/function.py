"""`Function`: the one mechanism every differentiable op, built-in or user-defined, goes through.

An op subclasses `Function` and writes `forward(ctx, *arrays)` and `backward(ctx, grad)` on
ndarrays, side by side. `Op.apply(*tensors)` runs forward and, when a gradient is needed,
records the node (the `ctx`) that `backward()` later visits.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from .grad_mode import config
from .tensor import Tensor


class OpError(ValueError):
    """Bad input to an op: the message names the op, the shapes and what was expected."""


class Function:
    """Base class of differentiable operations.

    Subclass it, write `forward` and `backward` on arrays, and call `apply` on tensors:

    >>> import numpy as np
    >>> from tinygrad_np import Function, Tensor
    >>> class Square(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         x, = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> t = Tensor([3.0], requires_grad=True)
    >>> Square.apply(t).sum().backward()
    >>> t.grad
    array([6.], dtype=float32)

    `backward` returns one gradient per input of `forward` (a tuple when there are several),
    each the shape of its input, or `None` for an input that needs none
    (`ctx.needs_input_grad[i]` is False). Keyword arguments of `apply` go to `forward` as they
    are (axes, flags); positional ones are inputs and become tensors (but in a user's
    Function, objects no array holds, None, strings, functions, reach `forward` as they are).
    """

    # The node's graph bookkeeping; built-in ops add their own slots, user subclasses
    # (without __slots__) get a __dict__ for whatever they store on ctx. `_anomaly` is only
    # ever set in anomaly mode (where the op was called, fingerprints of what it saved).
    __slots__ = ("parents", "needs_input_grad", "saved_tensors", "output_ref", "_anomaly",
                 "_non_differentiable")

    parents: tuple[Tensor, ...]
    needs_input_grad: tuple[bool, ...]
    saved_tensors: tuple[Any, ...] | None
    output_ref: Any

    # Arithmetic and comparisons set this: a float tensor with an integer one keeps its float
    # dtype, as PyTorch promotes (ops taking index tensors, max_unpool's, must not).
    promotes = False

    # Whether positional arguments that no array can hold (None, strings, functions) reach
    # `forward` as they are, as PyTorch's: yes for users' Functions; the built-in ops refuse
    # them (`x + None` is an error, not a numpy traceback from inside Add).
    _keeps_objects = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith(f"{__package__}."):
            cls._keeps_objects = False
        elif "apply" not in cls.__dict__:
            # a user's Function may mark its output non-differentiable: checked here, after
            # the shared apply, so the built-in ops' hot path never looks
            cls.apply = classmethod(_apply_then_unmark)  # type: ignore[method-assign,assignment]
        # forward/backward may be written as @staticmethod (as in PyTorch) or as plain
        # methods; stored plain, `ctx.backward(grad)` calls either the same cheap way.
        for name in ("forward", "backward"):
            method = cls.__dict__.get(name)
            if isinstance(method, staticmethod):
                setattr(cls, name, method.__func__)

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for `backward` (read them back as `ctx.saved_tensors`)."""
        self.saved_tensors = arrays

    # PyTorch's other ctx calls, for Functions written for it (a forward here returns one
    # array, so these are about that one output)
    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """PyTorch's view of the graph from this node: per input, (the node that made it, 0),
        an `AccumulateGrad` for a leaf that requires grad, (None, 0) for a constant."""
        return tuple([(p.grad_fn, 0) if p.grad_fn is not None else
                      (AccumulateGrad(p) if p.requires_grad else None, 0)
                      for p in getattr(self, "parents", ())])

    def name(self) -> str:
        """The op's name, as PyTorch's `grad_fn.name()`."""
        return type(self).__name__

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """In `forward`: the output carries no gradient (an index, a count), so the result
        does not require grad and `backward` is never called for it."""
        self._non_differentiable = True

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted: `backward` here is only called with a gradient array, never None."""

    def mark_dirty(self, *arrays: Any) -> None:
        """Accepted: an input changed in place in `forward` is the forward's own business
        (PyTorch bumps version counters; here `detect_anomaly()` sees such changes)."""

    def forward(ctx, *arrays: Any, **params: Any) -> Any:  # noqa: N805 - ctx, as in PyTorch
        raise NotImplementedError(f"{type(ctx).__name__} must define forward(ctx, *arrays)")

    def backward(ctx, grad: Any) -> Any:  # noqa: N805
        raise NotImplementedError(f"{type(ctx).__name__} must define backward(ctx, grad)")

    # An op whose backward can write its result into `grad` sets this and defines
    # `backward_in_place`. The first-order walk calls that instead of `backward` when it holds
    # the only reference to `grad` (a fresh array no one else has, not a view): one array of
    # the gradient's size less to allocate, as hand-written numpy's `dh *= mask`.
    in_place_backward = False

    def backward_in_place(ctx, grad: Any) -> Any:  # noqa: N805
        """`backward`, free to overwrite `grad`, which nothing else holds."""
        return ctx.backward(grad)

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the op on `inputs` (tensors, arrays or numbers) and return a new Tensor."""
        # This runs for every op of every step: the one- and two-input cases are spelled out,
        # since the generic loop costs more Python work than many of the ops themselves.
        recorder = config.recorder
        if recorder is not None and not recorder.inside_op:  # jit is recording this thread
            return recorder.apply(cls, inputs, params)
        ctx = cls()
        ctx.saved_tensors = ()
        needs: tuple[bool, ...]
        try:
            if len(inputs) == 2:
                a, b = inputs
                if a.__class__ is not Tensor or b.__class__ is not Tensor:
                    if cls._keeps_objects:
                        a, b = _kept_objects(inputs)
                    inputs = a, b = _as_pair(a, b)
                elif a.data.dtype is not b.data.dtype and cls.promotes:
                    inputs = a, b = _promoted(a, b)
                ctx.needs_input_grad = needs = (a.requires_grad, b.requires_grad)
                if params:
                    out = cls.forward(ctx, a.data, b.data, **params)
                else:
                    out = cls.forward(ctx, a.data, b.data)
            elif len(inputs) == 1:
                a, = inputs
                if a.__class__ is not Tensor:
                    inputs = a, = _as_tensors(_kept_objects(inputs) if cls._keeps_objects
                                              else inputs)
                ctx.needs_input_grad = needs = (a.requires_grad,)
                if params:
                    out = cls.forward(ctx, a.data, **params)
                else:
                    out = cls.forward(ctx, a.data)
            else:
                inputs = _as_tensors(_kept_objects(inputs) if cls._keeps_objects else inputs)
                ctx.needs_input_grad = needs = tuple([t.requires_grad for t in inputs])
                out = cls.forward(ctx, *[t.data for t in inputs], **params)
        except OpError:
            raise
        except ValueError as err:
            # numpy's broadcasting and shape errors, told in our terms; any other ValueError
            # (a singular matrix, the user's own check) goes on as it is, traceback intact.
            if not _SHAPE_ERROR.search(str(err)):
                raise
            shapes = " and ".join(str(t.data.shape) for t in _as_tensors(inputs))
            raise OpError(f"{cls.__name__}: cannot apply to input shapes {shapes}: {err}") \
                from err
        if out.__class__ is not np.ndarray:  # a reduction's numpy scalar, or off the hot path
            out = np.asarray(out) if isinstance(out, np.generic) else _as_output(cls, out)
        result = _new_tensor(Tensor)
        result.data = out
        result.grad = result.name = None
        if True in needs and config.grad_enabled:
            ctx.parents = inputs
            ctx.output_ref = None
            result.requires_grad = True
            result.grad_fn = ctx
        else:
            result.requires_grad = False
            result.grad_fn = None
        return result


# What numpy says when shapes do not fit: broadcasting, matmul's and dot's inner sizes,
# too few dimensions, reshape and transpose sizes, an axis past the last or given twice,
# concatenate/stack/split/squeeze sizes.
_SHAPE_ERROR = re.compile(
    r"broadcast|core dimension|not aligned|enough dimensions|cannot reshape|unknown dimension"
    r"|axes don't match|repeated axis|duplicate value in 'axis'"
    r"|out of bounds for array of dimension|input array dimensions|same number of dimensions"
    r"|must have the same shape|equal division|axis to squeeze out")


class AccumulateGrad:
    """What `next_functions` shows for a leaf: the place its gradient is added into
    (`.variable`, the leaf), as PyTorch's."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad of a tensor of shape {self.variable.shape}>"


def _apply_then_unmark(cls: Any, *inputs: Any, **params: Any) -> Tensor:
    """A user's Function's `apply`: the shared one, then the output cut from the graph if
    `forward` called `ctx.mark_non_differentiable`."""
    result = Function.apply.__func__(cls, *inputs, **params)  # type: ignore[attr-defined]
    node = result.grad_fn
    if node is not None and getattr(node, "_non_differentiable", False):
        result.requires_grad = False
        result.grad_fn = None
    return result


def once_differentiable(backward: Any) -> Any:
    """PyTorch's decorator for a `backward` that is not itself differentiable: here every
    `backward` works on arrays (double backward goes through `backward_graph`), so it is
    `backward` as it is."""
    return backward


def _as_output(cls: type, out: Any) -> Any:
    """A forward's result that is not an ndarray: a numpy scalar becomes a 0-d array (numpy
    reductions return scalars); another array type (CuPy, jit's recording) is kept; anything
    else is the op's bug, told as such rather than failing later far from it."""
    if isinstance(out, np.generic):
        return np.asarray(out)
    if isinstance(out, Tensor):
        raise OpError(f"{cls.__name__}.forward returned a Tensor; forward works on arrays "
                      f"(the inputs' .data) and returns an array: return out.data, or do the "
                      f"computation with numpy")
    if hasattr(out, "shape") and hasattr(out, "dtype"):
        return out
    raise OpError(f"{cls.__name__}.forward returned a {type(out).__name__}; it must return "
                  f"an array (wrap a Python number with np.asarray)")


_new_tensor = object.__new__  # a Tensor without __init__'s argument handling


_NUMBERS = (float, int)


def _as_pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """`_as_tensors` for two inputs, with a short path for `x * 0.5` and `0.5 * x`."""
    if a.__class__ is Tensor:
        if b.__class__ in _NUMBERS and a.data.dtype.kind == "f":
            return a, _constant(b, a.data.dtype)
    elif b.__class__ is Tensor and a.__class__ in _NUMBERS and b.data.dtype.kind == "f":
        return _constant(a, b.data.dtype), b
    return _as_tensors((a, b))  # type: ignore[return-value]


def _promoted(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Two tensors of different dtypes, as PyTorch promotes them: a float tensor with an
    integer or bool one keeps its float dtype (float32 + int64 is float32, where numpy's
    rule would give float64); any other pair numpy promotes as PyTorch does."""
    kind_a, kind_b = a.data.dtype.kind, b.data.dtype.kind
    if kind_a == "f" and kind_b in "biu":  # an integer tensor never requires grad
        return a, _object(b.data.astype(a.data.dtype))
    if kind_b == "f" and kind_a in "biu":
        return _object(a.data.astype(b.data.dtype)), b
    return a, b


def _kept_objects(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """A user's Function's arguments with the objects no array holds (None, strings, bytes,
    functions) wrapped as constants whose `.data` is the object itself, so that `forward`
    gets it as it is and `backward` returns None for it."""
    return tuple([_object(t) if t is None or isinstance(t, (str, bytes)) or
                  (callable(t) and not isinstance(t, Tensor)) else t for t in inputs])


def _object(value: Any) -> Tensor:
    """A constant input holding `value` (an array, or an object no array holds) as `.data`,
    made without Tensor's argument handling."""
    kept = _new_tensor(Tensor)
    kept.data = value
    kept.grad = kept.grad_fn = kept.name = None
    kept.requires_grad = False
    return kept


def _as_tensors(inputs: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """Wrap non-tensor inputs as constants; Python numbers take the first tensor's float dtype
    (so `x64 * 0.1` is exactly numpy's `a * 0.1`, and float32 stays float32), or with no
    float tensor the first float array's (`maximum(a64, 0.7)` is numpy's too), else float32;
    but a Python int with integer tensors and no float takes their dtype (`i // 3` stays
    int64, as in numpy and PyTorch)."""
    like: Any = None
    for t in inputs:
        if isinstance(t, Tensor) and t.data.dtype.kind == "f":
            like = t.data.dtype
            break
    if like is None:
        like = next((t.dtype for t in inputs if isinstance(t, np.ndarray)
                     and t.dtype.kind == "f"), None)
    if like is None:
        integer = next((t.data.dtype for t in inputs if isinstance(t, Tensor)
                        and t.data.dtype.kind in "iu"), None)
        return tuple([t if isinstance(t, Tensor) else
                      _constant(t, integer if integer is not None and type(t) is int
                                else np.float32) for t in inputs])
    return tuple([t if isinstance(t, Tensor) else _constant(t, like) for t in inputs])


def _constant(value: Any, like: Any) -> Tensor:
    """A non-tensor input as a constant tensor; numbers and lists take the dtype `like`."""
    if value.__class__ in _NUMBERS:  # `x * 0.5`: the common case, kept cheap (no call)
        constant = _new_tensor(Tensor)
        constant.data = np.array(value, dtype=like)
        constant.grad = constant.grad_fn = constant.name = None
        constant.requires_grad = False
        return constant
    return _object(Tensor(value, dtype=like if isinstance(value, (int, float, list, tuple))
                          else None).data)


_ONES: dict[tuple[int, Any], Any] = {}  # (length, dtype) -> a read-only row of ones


def _ones(like: Any, length: int) -> Any:
    """A row of `length` ones of `like`'s dtype: shared and read-only for numpy arrays (made
    once per batch size), a fresh one for other array types."""
    if like.__class__ is not np.ndarray:
        return np.ones_like(like, shape=(length,))
    key = (length, like.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) >= 64:  # bounded: a loop over many batch sizes must not grow it forever
            _ONES.clear()
        ones = _ONES[key] = np.ones(length, like.dtype)
        ones.flags.writeable = False
    return ones


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum `grad` back to `shape`, undoing numpy broadcasting (the leading axes it added and
    the size-1 axes it stretched). Every broadcasting op's backward goes through here.

    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    """
    grad_shape = grad.shape
    if grad_shape == shape:
        return grad
    extra = len(grad_shape) - len(shape)
    if extra == 1 and grad_shape[1:] == shape:  # a bias row added to every row: the usual case
        if len(grad_shape) == 2 and grad.dtype.kind == "f":
            # a row of ones times grad: BLAS sums the columns three to seven times faster
            # than numpy's reduction (batch 128 x 100: 3.5 -> 1.1 us; 1024 x 100: 22 -> 5 us)
            return _ones(grad, grad_shape[0]) @ grad
        return grad.sum(axis=0)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple([i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1])
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
