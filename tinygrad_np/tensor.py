"""`Tensor`: an array plus the graph that made it, so `backward()` can fill `.grad`."""
from __future__ import annotations

import math
import sys
import types
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .tensor_inplace import InPlaceMethods
from .tensor_methods import TorchMethods
from .torch_keywords import torch_keywords

if TYPE_CHECKING:
    from .hooks import RemovableHandle
    from .selection import ValuesIndices

Axis = int | tuple[int, ...] | None


class ScalarConversionError(RuntimeError, ValueError, TypeError):
    """`bool()`, `float()`, `int()` or a format spec on a Tensor that has not exactly one
    element. A RuntimeError as in PyTorch, and the ValueError / TypeError numpy raises."""


class ElementCount(int):
    """`t.size`: numpy's element count, an int, which called is PyTorch's `t.size()`, the
    shape, and `t.size(d)`, the length of axis d.

    >>> t = Tensor(np.zeros((2, 3)))
    >>> t.size, t.size(), t.size(1)
    (6, (2, 3), 3)
    """

    shape: tuple[int, ...]

    def __new__(cls, count: int, shape: tuple[int, ...]) -> ElementCount:
        number = super().__new__(cls, count)
        number.shape = shape
        return number

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size({dim}): no axis {dim} in shape {self.shape}")
        return self.shape[dim]


class Tensor(TorchMethods, InPlaceMethods):
    """An n-dimensional array that records the operations applied to it.

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    >>> loss = (w * w).sum()
    >>> loss.backward()
    >>> w.grad
    array([[2., 4.],
           [6., 8.]], dtype=float32)

    Float arrays keep their dtype; Python numbers and lists become float32; other arrays
    (integer labels, say) are kept as they are. `data` is the wrapped array itself, not a copy.
    """

    # `_nn_parameter` (nn modules): set on tensors made by `nn.Parameter` or frozen with
    # `requires_grad_(False)`, so a module keeps them as parameters. Never set by __init__
    # (ops make tensors on the hot path); read it with getattr(t, "_nn_parameter", False).
    # `_hooks` (register_hook) and `_retains_grad` (retain_grad) likewise: set only on the
    # few tensors that ask, read only where the walk finds a gradient complete.
    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "name", "_nn_parameter",
                 "_hooks", "_retains_grad", "__weakref__")

    # `ndarray * Tensor` must reach Tensor.__rmul__, not numpy's elementwise loop.
    __array_ufunc__ = None

    data: Any
    _hooks: dict[int, Any] | None
    _retains_grad: bool

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        if type(data) is np.ndarray and dtype is None:
            pass  # the common case: wrap as is
        elif isinstance(data, Tensor):
            data = data.data if dtype is None else np.asarray(data.data, dtype=dtype)
        elif dtype is not None:
            data = np.asarray(data, dtype=dtype)
        elif isinstance(data, np.generic):  # before `float`: np.float64 subclasses float
            data = np.asarray(data)
        elif isinstance(data, (int, float, list, tuple)):
            data = np.asarray(data, dtype=np.float32)
        elif not hasattr(data, "dtype"):
            raise TypeError(f"Tensor: cannot wrap {type(data).__name__}; "
                            "expected an array, a number or a (nested) list of numbers")
        self.data = data
        self.grad: Any = None
        self.grad_fn: Any = None
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    # -- the array it wraps -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> ElementCount:
        """numpy's element count, an int; called, PyTorch's `size()`: `t.size()` is the shape
        and `t.size(0)` the first axis's length."""
        return ElementCount(self.data.size, self.data.shape)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op."""
        return self.grad_fn is None

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def numpy(self) -> Any:
        """The wrapped array (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.data, dtype=dtype)

    def __repr__(self) -> str:
        body = np.array2string(np.asarray(self.data), prefix="Tensor(", separator=", ")
        extra = [f"dtype={self.data.dtype}"]
        if self.grad_fn is not None:
            extra.append(f"grad_fn={type(self.grad_fn).__name__}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        if self.name is not None:
            extra.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extra)})"

    # -- autograd -------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None, *,
                 gradient: Any = None) -> None:
        """Fill `.grad` of every tensor this one depends on that requires grad (with
        `inputs`, a Tensor or a sequence of them, of those only, as PyTorch's: leaves or
        intermediates).

        `grad` (or PyTorch's name, `gradient`) is d(something)/d(self); it may be left out
        for a one-element tensor (a loss).
        The graph's saved arrays are freed afterwards unless `retain_graph=True` (the
        default when `create_graph=True`). With `create_graph=True` the gradients are
        computed differentiably, but `.grad` still receives arrays; for gradients you can
        differentiate again, use `tinygrad_np.grad(..., create_graph=True)`.
        """
        if gradient is not None:
            if grad is not None:
                raise TypeError("backward() got both 'grad' and 'gradient' (PyTorch's name "
                                "for it): pass one")
            grad = gradient
        if inputs is not None:
            _backward_into(self, grad, retain_graph, create_graph, inputs)
            return
        if create_graph:  # higher-order walk (higher_order.py); the first-order one is below
            _backward_create_graph(self, grad, retain_graph)
            return
        run_backward(self, grad, bool(retain_graph))

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place; returns self."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients; "
                            f"this one is {self.data.dtype}")
        if not requires_grad and self.grad_fn is not None:
            # backward() goes through every node of the graph; use detach() to cut one off.
            raise RuntimeError("requires_grad_(False) is only for leaf tensors; this one was "
                               "computed by an op: use t.detach() for a copy cut from the graph")
        if self.requires_grad and not requires_grad and \
                not getattr(self, "_nn_parameter", False):
            self._nn_parameter = True  # frozen, not demoted (a mark it has stays: init's)
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> Tensor:
        """Keep `.grad` on this intermediate (non-leaf) tensor during `backward()`."""
        if self.grad_fn is not None:
            self._retains_grad = True
            self.grad_fn.output_ref = weakref.ref(self)
        return self

    @property
    def retains_grad(self) -> bool:
        """True for an intermediate that asked with `retain_grad()` to keep its `.grad`."""
        return self.grad_fn is not None and getattr(self, "_retains_grad", False)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph."""
        return Tensor(self.data, name=self.name)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (the next backward starts from zero)."""
        self.grad = None

    # -- gradient hooks (anomaly branch, issue 16) ------------------------------------------------
    def register_hook(self, hook: Callable[[Tensor], Any]) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is complete in `backward()`.

        `grad` is a Tensor (as in PyTorch); the hook may return a replacement (a Tensor or
        array of this tensor's shape) or None. On a leaf it runs before the gradient is added
        into `.grad`; on an intermediate, before the gradient flows on. Hooks run in
        registration order. Returns a handle: `handle.remove()` unregisters it.

        >>> w = Tensor([1.0, -3.0], requires_grad=True)
        >>> h = w.register_hook(lambda g: g.clip(-1.0, 1.0))   # clip this gradient
        >>> (w * 5.0).sum().backward()
        >>> w.grad
        array([1., 1.], dtype=float32)
        """
        return _hooks.register_tensor_hook(self, hook)

    # -- pictures: shortcuts to tinygrad_np.viz ---------------------------------------------
    def to_dot(self, **options: Any) -> Any:
        """The graph that computed this tensor as a `graphviz.Digraph`; same as
        `tinygrad_np.viz.to_dot(self, **options)`."""
        from . import viz

        return viz.to_dot(self, **options)

    def draw(self, path: Any, **options: Any) -> Any:
        """Render the graph to `path` (.svg, .png, .pdf or .dot); same as
        `tinygrad_np.viz.draw(self, path, **options)`."""
        from . import viz

        return viz.draw(self, path, **options)

    # -- arithmetic, broadcasting like numpy ------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return Div.apply(other, self)

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __pow__(self, exponent: Any) -> Tensor:
        return Pow.apply(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return Pow.apply(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return MatMul.apply(other, self)

    def matmul(self, other: Any) -> Tensor:
        """Matrix product, as numpy's `@` (1-D, 2-D and batched)."""
        return MatMul.apply(self, other)

    def dot(self, other: Any) -> Tensor:
        """Same as `self @ other`."""
        return MatMul.apply(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return GetItem.apply(self, index=index)

    # -- comparisons and Python numbers (core, issue 12) -------------------------------------
    # `==` is elementwise, as in numpy and PyTorch, so a Tensor hashes by identity: graph
    # walks, optimizers and dicts key tensors by object, never by value.
    __hash__ = object.__hash__

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not _comparable(other):
            return NotImplemented  # `t == None`, `t == "x"`: False, by identity, as in PyTorch
        return Equal.apply(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not _comparable(other):
            return NotImplemented
        return NotEqual.apply(self, other)

    # `ndarray < Tensor` and `2 < t` reach these reflected (as `t > array`), so no __r*__.
    def __lt__(self, other: Any) -> Tensor:
        return Less.apply(self, other) if _comparable(other) else NotImplemented

    def __le__(self, other: Any) -> Tensor:
        return LessEqual.apply(self, other) if _comparable(other) else NotImplemented

    def __gt__(self, other: Any) -> Tensor:
        return Greater.apply(self, other) if _comparable(other) else NotImplemented

    def __ge__(self, other: Any) -> Tensor:
        return GreaterEqual.apply(self, other) if _comparable(other) else NotImplemented

    def eq(self, other: Any) -> Tensor:
        """Elementwise `self == other`: a bool tensor that needs no grad."""
        return Equal.apply(self, other)

    def ne(self, other: Any) -> Tensor:
        return NotEqual.apply(self, other)

    def lt(self, other: Any) -> Tensor:
        return Less.apply(self, other)

    def le(self, other: Any) -> Tensor:
        return LessEqual.apply(self, other)

    def gt(self, other: Any) -> Tensor:
        return Greater.apply(self, other)

    def ge(self, other: Any) -> Tensor:
        return GreaterEqual.apply(self, other)

    def __abs__(self) -> Tensor:
        return Abs.apply(self)

    def __bool__(self) -> bool:
        """The truth of a one-element tensor (`if (x > 0):`); ambiguous for more elements."""
        if self.data.size != 1:
            what = "no values" if not self.data.size else "more than one value"
            raise ScalarConversionError(
                f"bool(): the truth value of a Tensor with {what} (shape {self.data.shape}) "
                f"is ambiguous; use t.data.any() or t.data.all()")
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self._one_value("float()"))

    def __int__(self) -> int:
        return int(self._one_value("int()"))

    def __index__(self) -> int:
        """A one-element integer tensor as an index, as PyTorch's: `classes[pred[i]]`."""
        if self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of one element can be used as an index; "
                            f"this one is {self.data.dtype} of shape {self.data.shape}")
        return int(self._one_value("an index"))

    def __format__(self, spec: str) -> str:
        """`f"{loss:.3f}"` formats a one-element tensor's value; `f"{t}"` is `str(t)`."""
        if not spec:
            return str(self)
        return format(self._one_value(f"format spec {spec!r}"), spec)

    def _one_value(self, what: str) -> Any:
        if self.data.size != 1:
            raise ScalarConversionError(
                f"{what}: only a one-element Tensor converts to a Python number; this one "
                f"has {self.data.size} elements (shape {self.data.shape})")
        return self.data.item()

    # -- elementwise functions ----------------------------------------------------------------
    def exp(self) -> Tensor:
        return Exp.apply(self)

    def log(self) -> Tensor:
        return Log.apply(self)

    def sqrt(self) -> Tensor:
        return Sqrt.apply(self)

    def abs(self) -> Tensor:
        return Abs.apply(self)

    def relu(self) -> Tensor:
        return Relu.apply(self)

    def sigmoid(self) -> Tensor:
        return Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return Tanh.apply(self)

    # -- reductions and shape ---------------------------------------------------------------
    @torch_keywords
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    @torch_keywords
    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    @overload
    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor: ...
    @overload
    def max(self, axis: None = None, keepdims: bool = False, *, dim: int,
            keepdim: bool = False) -> ValuesIndices: ...

    @torch_keywords  # only for several axes as a list: both spellings are parameters here
    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: int | None = None,
            keepdim: bool | None = None) -> Any:
        """Largest value over `axis`; ties share the gradient equally (`torch.amax`). In
        PyTorch's words, `max(dim=d, keepdim=False)` is PyTorch's: (values, indices) of each
        first largest element, its gradient to that element. `max(other)` with a Tensor is
        PyTorch's elementwise `maximum`."""
        if isinstance(axis, Tensor):
            return _ops.maximum(self, axis)
        if dim is not None:
            return _selection.extreme_along(self, "max", axis, dim, bool(keepdim))
        return Max.apply(self, axis=axis, keepdims=keepdims if keepdim is None else keepdim)

    @overload
    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor: ...
    @overload
    def min(self, axis: None = None, keepdims: bool = False, *, dim: int,
            keepdim: bool = False) -> ValuesIndices: ...

    @torch_keywords  # only for several axes as a list: both spellings are parameters here
    def min(self, axis: Axis = None, keepdims: bool = False, *, dim: int | None = None,
            keepdim: bool | None = None) -> Any:
        """Smallest value over `axis`; ties share the gradient equally. `min(dim=d)` is
        PyTorch's (values, indices), as `max`; `min(other)` with a Tensor is `minimum`."""
        if isinstance(axis, Tensor):
            return _ops.minimum(self, axis)
        if dim is not None:
            return _selection.extreme_along(self, "min", axis, dim, bool(keepdim))
        return Min.apply(self, axis=axis, keepdims=keepdims if keepdim is None else keepdim)

    def reshape(self, *shape: Any) -> Tensor:
        """`t.reshape(2, 3)` or `t.reshape((2, 3))`; one axis may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Reshape.apply(self, shape=shape)

    @torch_keywords
    def flatten(self, start_axis: int | None = None, end_axis: int = -1) -> Tensor:
        """Axes `start_axis` to `end_axis` (both included) in one, as PyTorch's
        `flatten(start_dim, end_dim)`; with no arguments, all axes after the first:
        (N, ...) -> (N, -1). (PyTorch's `flatten()` flattens everything: `flatten(0)`.)"""
        shape = self.data.shape
        if start_axis is None:
            return Reshape.apply(self, shape=(shape[0], -1) if shape else (1,))
        start = _ops._axis(start_axis, max(len(shape), 1), "flatten", shape)
        end = _ops._axis(end_axis, max(len(shape), 1), "flatten", shape)
        if start > end:
            raise _ops.OpError(f"flatten: start_axis {start_axis} comes after end_axis "
                               f"{end_axis} for shape {shape}")
        if not shape:  # a 0-d tensor flattens to one element, as PyTorch's
            return Reshape.apply(self, shape=(1,))
        merged = math.prod(shape[start:end + 1])
        return Reshape.apply(self, shape=shape[:start] + (merged,) + shape[end + 1:])

    def transpose(self, *axes: Any, dim0: int | None = None, dim1: int | None = None) -> Tensor:
        """Reverse the axes, or permute them as given (numpy's `transpose`, the permutation as
        one sequence or as arguments). Two axes as arguments are swapped, as PyTorch's
        `transpose(dim0, dim1)`: on a tensor of other than two axes numpy's reading would be
        an error, and on a matrix the two readings differ only where numpy's is the identity
        (`transpose(0, 1)`, `transpose(-2, -1)`), which no one asks for by name. PyTorch's
        keywords `dim0=`/`dim1=` name the pair too."""
        if dim0 is not None or dim1 is not None:
            if axes or dim0 is None or dim1 is None:
                raise TypeError("transpose(): give the two axes to swap either as arguments "
                                "or as dim0= and dim1=, not both or one of them")
            axes = (dim0, dim1)
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])  # one sequence: always numpy's permutation
        elif len(axes) == 2:
            ndim = self.data.ndim
            first, second = (_ops._axis(a, ndim, "transpose", self.data.shape) for a in axes)
            order = list(range(ndim))  # PyTorch's pair to swap: as the permutation that swaps it
            order[first], order[second] = second, first
            axes = tuple(order)
        return Transpose.apply(self, axes=axes or None)

    # PyTorch's spellings of the same ops, for code coming from it
    def permute(self, *axes: Any, dims: Any = None) -> Tensor:
        """PyTorch's `t.permute(2, 0, 1)` (or `dims=(2, 0, 1)`): numpy's `transpose` with
        every axis given."""
        if dims is not None:
            if axes:
                raise TypeError("permute(): give the axes as arguments or as dims=, not both")
            axes = (dims,)
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return Transpose.apply(self, axes=axes)

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's `t.view(...)`: `reshape` (numpy views where it can, else copies)."""
        return self.reshape(*shape)

    def dim(self) -> int:
        """PyTorch's `t.dim()`: `ndim`."""
        return self.data.ndim

    def numel(self) -> int:
        """PyTorch's `t.numel()`: the number of elements (`size`)."""
        return int(self.data.size)

    def astype(self, dtype: Any) -> Tensor:
        """A copy in `dtype`, differentiable: the gradient goes back in this tensor's dtype.

        >>> Tensor([1.5, 2.5]).astype(np.float64).dtype
        dtype('float64')
        """
        return Cast.apply(self, dtype=np.dtype(dtype))

    def clone(self) -> Tensor:
        """A copy of the data that keeps the graph (PyTorch's `clone`; `detach` drops it)."""
        return Cast.apply(self, dtype=self.data.dtype)

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        return Transpose.apply(self, axes=None)

    # -- neural-net ops ------------------------------------------------------------------------
    @torch_keywords
    def softmax(self, axis: int = -1) -> Tensor:
        return Softmax.apply(self, axis=axis)

    @torch_keywords
    def log_softmax(self, axis: int = -1) -> Tensor:
        return LogSoftmax.apply(self, axis=axis)

    def softmax_cross_entropy(self, labels: Any) -> Tensor:
        """Mean cross-entropy of softmax(self) against `labels`: integer class indices (N,)
        or probability / one-hot rows (N, C). Fused and stable for any logits."""
        return SoftmaxCrossEntropy.apply(self, labels=labels)

    def l2(self) -> Tensor:
        """0.5 * sum of squares, so the gradient is the tensor itself."""
        return L2.apply(self)


    # -- tensor ops (issue 14, the `ops` branch): one-liners onto tinygrad_np.tensor_ops -------
    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def log1p(self) -> Tensor:
        return _ops.log1p(self)

    def expm1(self) -> Tensor:
        return _ops.expm1(self)

    def square(self) -> Tensor:
        return _ops.square(self)

    def erf(self) -> Tensor:
        return _ops.erf(self)

    def maximum(self, other: Any) -> Tensor:
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ops.minimum(self, other)

    def where(self, cond: Any, other: Any) -> Tensor:
        """PyTorch's `x.where(cond, other)`: self where cond is true, other elsewhere."""
        return _ops.where(cond, self, other)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return _ops.clip(self, min, max)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return _ops.clip(self, min, max)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
            dim: Axis = None, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None) -> Tensor:
        """Variance with numpy's default ddof=0; in PyTorch's words (`dim=`, `correction=`,
        ...) PyTorch's default, n - 1 (`tinygrad_np.var`)."""
        return _ops.var(self, axis, keepdims, ddof, dim=dim, keepdim=keepdim,
                        correction=correction, unbiased=unbiased)

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
            dim: Axis = None, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None) -> Tensor:
        """Standard deviation, with `var`'s arguments and defaults."""
        return _ops.std(self, axis, keepdims, ddof, dim=dim, keepdim=keepdim,
                        correction=correction, unbiased=unbiased)

    @torch_keywords
    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _ops.prod(self, axis, keepdims)

    @torch_keywords
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _ops.logsumexp(self, axis, keepdims)

    @torch_keywords
    def norm(self, axis: Axis = None, keepdims: bool = False, *, p: Any = 2) -> Tensor:
        """The 2-norm over `axis` (all axes by default); PyTorch's `p=` another vector norm
        (`tinygrad_np.linalg.vector_norm`; "fro" is the 2-norm)."""
        if p == 2 or p == "fro":
            return _ops.norm(self, axis, keepdims)
        from .linalg import vector_norm
        return vector_norm(self, p, axis, keepdims)

    @torch_keywords
    def cumsum(self, axis: int | None = None) -> Tensor:
        return _ops.cumsum(self, axis)

    @torch_keywords
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _ops.argmax(self, axis, keepdims)

    @torch_keywords
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return _ops.argmin(self, axis, keepdims)

    def repeat(self, *reps: int) -> Tensor:
        """PyTorch's `x.repeat(*sizes)`: numpy's `tile` (see `tinygrad_np.tile`)."""
        return _composite.tile(self, reps[0] if len(reps) == 1 and not isinstance(
            reps[0], int) else reps)

    def tile(self, reps: Any) -> Tensor:
        return _composite.tile(self, reps)

    @torch_keywords
    def gather(self, axis: int, index: Any) -> Tensor:
        """PyTorch's `x.gather(dim, index)` (see `tinygrad_np.gather`)."""
        return _selection.gather(self, axis, index)

    @torch_keywords
    def sort(self, axis: int = -1, descending: bool = False, *,
             stable: bool = False) -> ValuesIndices:
        """(values, indices) along `axis` (see `tinygrad_np.sort`); always a stable sort, so
        PyTorch's `stable=True` is what it does anyway."""
        return _selection.sort(self, axis, descending)

    @torch_keywords
    def topk(self, k: int, axis: int = -1, largest: bool = True,
             sorted: bool = True) -> ValuesIndices:  # noqa: A002 - PyTorch's name
        """The k largest values along `axis` and their indices (see `tinygrad_np.topk`)."""
        return _selection.topk(self, k, axis, largest, sorted)

    def split(self, sections_or_indices: Any = None, axis: int | None = None, *,
              dim: int | None = None, split_size: Any = None,
              split_size_or_sections: Any = None) -> list[Tensor]:
        """numpy's split (an int is the number of equal parts); with `dim=`, or the sizes as
        PyTorch's `split_size=` (`split_size_or_sections=`), PyTorch's (an int is the size of
        each part). See `tinygrad_np.split`."""
        sizes = split_size if split_size is not None else split_size_or_sections
        if sizes is not None:
            if sections_or_indices is not None:
                raise TypeError("split(): give the sizes once (positionally or as split_size=)")
            along = dim if dim is not None else axis if axis is not None else 0
            return _ops.split(self, sizes, dim=along)
        if sections_or_indices is None:
            raise TypeError("split(): missing the number of parts, or their sizes")
        return _ops.split(self, sections_or_indices, axis, dim=dim)

    @torch_keywords
    def chunk(self, chunks: int, axis: int = 0) -> list[Tensor]:
        return _ops.chunk(self, chunks, axis)

    @torch_keywords
    def squeeze(self, axis: Axis = None) -> Tensor:
        return _ops.squeeze(self, axis)

    @torch_keywords
    def unsqueeze(self, axis: int | tuple[int, ...]) -> Tensor:
        return _ops.unsqueeze(self, axis)

    def broadcast_to(self, shape: Any) -> Tensor:
        return _ops.broadcast_to(self, shape)

    def expand(self, *shape: Any) -> Tensor:
        """`t.expand(3, -1)` or `t.expand((3, -1))`: broadcast_to, -1 keeping an axis."""
        return _ops.expand(self, *shape)

    def flip(self, *axes: Any, dims: Axis = None, axis: Axis = None) -> Tensor:
        """Reverse the order along the axes given (all of them when none are), as arguments
        (`t.flip(0, 1)`, `t.flip((0, 1))`, PyTorch's) or as `dims=`/`axis=`."""
        given = [a for a in (dims, axis) if a is not None]
        if len(given) + bool(axes) > 1:
            raise TypeError("flip(): give the axes once (as arguments, dims= or axis=)")
        if axes:
            chosen: Axis = axes[0] if len(axes) == 1 else tuple(axes)
        else:
            chosen = given[0] if given else None
        if isinstance(chosen, list):
            chosen = tuple(chosen)
        return _ops.flip(self, chosen)

# The ops import Tensor from this module, so they come in after the class exists.
from . import composite as _composite, hooks as _hooks, selection as _selection  # noqa: E402
from . import tensor_ops as _ops  # noqa: E402
from .autograd import run_backward  # noqa: E402
from .higher_order import backward_create_graph as _backward_create_graph  # noqa: E402
from .higher_order import backward_into as _backward_into  # noqa: E402
from .ops.compare import (Equal, Greater, GreaterEqual, Less, LessEqual,  # noqa: E402
                          NotEqual, comparable as _comparable)
from .ops.elementwise import (Abs, Add, Div, Exp, Log, Mul, Neg, Pow, Relu,  # noqa: E402
                              Sigmoid, Sqrt, Sub, Tanh)
from .ops.linalg import MatMul  # noqa: E402
from .ops.nn import L2, LogSoftmax, Softmax, SoftmaxCrossEntropy  # noqa: E402
from .ops.reduce import Max, Mean, Min, Sum  # noqa: E402
from .ops.adjoint import Cast  # noqa: E402
from .ops.shape import GetItem, Reshape, Transpose  # noqa: E402


class _CallableModule(types.ModuleType):
    """This module, also callable as PyTorch's `torch.tensor(data, dtype=None, device=None,
    requires_grad=False)` (`tinygrad_np.creation.tensor`): `tinygrad_np.tensor` names both
    this module (imports, `tinygrad_np.tensor.Tensor`) and the constructor PyTorch users
    reach for first."""

    def __call__(self, data: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        from .creation import tensor  # creation imports this module
        return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


sys.modules[__name__].__class__ = _CallableModule
