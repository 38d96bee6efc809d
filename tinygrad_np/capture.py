"""`jit`: record a step's array calls once, then replay them as one straight-line function.

An eager step pays Python bookkeeping for every op: building nodes, walking the graph,
checking each gradient. For a step that repeats with the same shapes, `jit` records the
numpy calls the step makes (the ops' forward and backward bodies, the walk's sums) and
turns them into one generated Python function, which later calls run instead:

>>> import numpy as np
>>> from tinygrad_np import Tensor, jit
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> @jit
... def loss_and_grad(x):
...     loss = (Tensor(x) * w).sum()
...     loss.backward()
...     return loss
>>> for _ in range(3):  # the first call runs as written, the second records, then replays
...     w.grad = None
...     loss = loss_and_grad(np.array([3.0, 4.0], dtype=np.float32))
>>> float(loss.item()), w.grad
(11.0, array([3., 4.], dtype=float32))

What replays and what does not (see docs/jit.md):
- Replayed: every numpy call on the arguments' arrays and on the data of the tensors the
  ops read (read afresh from each tensor on every call), and the gradients added into
  `.grad` (as `backward()` adds them, after a `zero_grad()` inside the function if it had one).
- Not replayed: the function's Python. Python numbers and arrays made from them are frozen
  at recording time; pass values that change as arguments.
- Checked on every call: the arguments' shapes and dtypes (new ones are recorded anew), the
  shapes of the tensors read, grad mode, and every array value the Python branched on (the
  label range check, an `if` on a value): a different value runs the function as written.
- Refused while recording, with a `JitError`: writing into an array the recording did not
  make (an optimizer's state), `np.asarray` on a recorded array, `retain_grad()`.
"""
from __future__ import annotations

import functools
import itertools
import operator
import warnings
from typing import Any, Callable

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import autograd, function
from .grad_mode import config
from .tensor import Tensor


class JitError(RuntimeError):
    """The function does something that replaying its array calls could not reproduce."""


class _GuardFailed(Exception):
    """A value the function branched on differs from its value when recorded."""


class Traced(NDArrayOperatorsMixin):
    """An array during recording: the real `value`, and the `name` of its variable in the
    generated code. numpy calls on it are computed and written down (`__array_ufunc__`,
    `__array_function__`, the methods below); metadata is read from the value."""

    __slots__ = ("value", "name")

    def __init__(self, value: Any, name: str) -> None:
        self.value, self.name = value, name

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    base = property(lambda self: getattr(self.value, "base", None))

    def __len__(self) -> int:
        return len(self.value)

    def __repr__(self) -> str:
        return f"Traced({self.name}, {self.value!r})"

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise JitError("jit: np.asarray/np.array was called on an array being recorded; "
                       "what is computed from the result would not be recorded")

    def __bool__(self) -> bool:
        return _recording().branch(self)

    def item(self) -> Any:
        _recording().branch_on_value(self)
        return self.value.item()

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _recording().call(ufunc if method == "__call__" else getattr(ufunc, method),
                                 inputs, kwargs, writes_first=method == "at")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _recording().call(func, args, kwargs)

    # ndarray's `**` takes shortcuts numpy's power ufunc does not (x ** 0.5 is sqrt in some
    # numpy versions), so the recording calls the operator itself: the same bits as eager.
    def __pow__(self, exponent: Any) -> Any:
        return _recording().call(operator.pow, (self, exponent), {})

    def __rpow__(self, base: Any) -> Any:
        return _recording().call(operator.pow, (base, self), {})

    def __getitem__(self, index: Any) -> Any:
        return _recording().getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _recording().setitem(self, index, value)

    @property
    def T(self) -> Any:  # noqa: N802 - numpy's name
        return _recording().method(self, "T", None)

    def _record_method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _recording().method(self, name, args, kwargs)


for _name in ("reshape", "sum", "max", "min", "mean", "prod", "argmax", "argmin", "astype",
              "view", "copy", "dot", "transpose", "swapaxes", "ravel", "flatten", "clip",
              "squeeze", "cumsum", "any", "all"):
    setattr(Traced, _name, functools.partialmethod(Traced._record_method, _name))


def _reads(*objects: Any) -> tuple[str, ...]:
    """The names of the recorded arrays inside arguments (in tuples, lists, dicts and
    tensors too)."""
    found: list[str] = []
    stack = list(objects)
    while stack:
        obj = stack.pop()
        if isinstance(obj, Traced):
            found.append(obj.name)
        elif isinstance(obj, (tuple, list)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, Tensor):
            stack.append(obj.data)
    return tuple(found)


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, Traced):
        return obj.value
    if isinstance(obj, (tuple, list)):
        return type(obj)(_unwrap(o) for o in obj)
    return obj


_active: Recorder | None = None
_GRAD_SLOT = Tensor.__dict__["grad"]  # the slot itself, under the property jit lays over it


def _recording() -> Recorder:
    if _active is None:
        raise JitError("jit: an array from a recording was used after the recording ended "
                       "(a tensor made inside the jitted function was kept)")
    return _active


class Recorder:
    """Runs the function once, writing each numpy call on a `Traced` array as a line."""

    def __init__(self) -> None:
        self.counter = itertools.count()
        # one entry per line: (names it reads, source, None or (name of an argument whose
        # buffer the call may write into when nothing reads it later, that source))
        self.entries: list[tuple[tuple[str, ...], str, Any]] = []
        self.consts: dict[str, Any] = {}
        self.const_names: dict[int, str] = {}
        self.owned: set[str] = set()  # fresh arrays the step makes: reusable once dead
        self.roots: dict[str, frozenset[str]] = {}  # the owned arrays a name may view
        self.bound: list[tuple[Tensor, str, Any]] = []  # tensor, its name, its data
        self.bound_names: set[str] = set()
        # what the function did to .grad, in order: (tensor, None) for a reset to None
        # (zero_grad), (tensor, array) for a gradient backward() added
        self.grad_events: list[tuple[Tensor, Any]] = []
        self.wrote_tensor_data = False
        self.unreplayable: str | None = None

    # -- naming values ------------------------------------------------------------------
    def new(self, value: Any) -> Traced:
        return Traced(value, f"v{next(self.counter)}")

    def const(self, value: Any) -> str:
        """A value the generated code reads as it was when recorded."""
        name = self.const_names.get(id(value))
        if name is None:
            name = self.const_names[id(value)] = f"c{len(self.consts)}"
            self.consts[name] = value  # kept alive, so its id stays unique
        return name

    def render(self, obj: Any) -> str:
        if isinstance(obj, Traced):
            return obj.name
        if isinstance(obj, tuple):
            return "(" + "".join(self.render(o) + ", " for o in obj) + ")"
        if isinstance(obj, list):
            return "[" + ", ".join(self.render(o) for o in obj) + "]"
        if obj is None or obj is Ellipsis or isinstance(obj, (bool, int, str)):
            return repr(obj)
        if isinstance(obj, slice):
            return f"slice({self.render(obj.start)}, {self.render(obj.stop)}, " \
                   f"{self.render(obj.step)})"
        return self.const(obj)

    def arguments(self, args: Any, kwargs: dict[str, Any]) -> str:
        return "".join(self.render(a) + ", " for a in args) + \
            "".join(f"{k}={self.render(v)}, " for k, v in kwargs.items())

    # -- recording calls ----------------------------------------------------------------
    def call(self, func: Any, args: Any, kwargs: dict[str, Any],
             writes_first: bool = False) -> Any:
        out = kwargs.get("out")
        written = _reads(out) + (_reads(args[0]) if writes_first else ())
        outs = (out if isinstance(out, tuple) else (out,)) if out is not None else ()
        if any(not isinstance(o, Traced) for o in outs) or (
                writes_first and not isinstance(args[0], Traced)):
            raise JitError(f"jit: {getattr(func, '__name__', func)} writes into an array the "
                           f"recording did not make (an optimizer's state, say); call it "
                           f"outside the jitted function")
        result = func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
        head = f"{self.const(func)}({self.arguments(args, kwargs)}"
        reads = _reads(args, kwargs)
        if out is not None or writes_first:
            self.add(reads, head + ")", written=written)
            return outs[0] if len(outs) == 1 else out
        for a in args:  # the function handed back one of its arguments
            if isinstance(a, Traced) and result is a.value:
                return a
        reuse = None
        if isinstance(func, np.ufunc) and func.signature is None and type(result) is np.ndarray:
            for a in args:  # elementwise: it may write into a dead argument of its shape
                if isinstance(a, Traced) and a.name in self.owned and \
                        a.value.shape == result.shape and a.value.dtype == result.dtype:
                    reuse = (a.name, f"{head}out=({a.name},), )")
                    break
        return self.result(head + ")", result, reads, reuse)

    def method(self, target: Traced, name: str, args: Any, kwargs: Any = None) -> Any:
        if args is None:  # a property, such as .T
            return self.result(f"{target.name}.{name}", getattr(target.value, name),
                               (target.name,))
        kwargs = kwargs or {}
        result = getattr(target.value, name)(*_unwrap(args),
                                              **{k: _unwrap(v) for k, v in kwargs.items()})
        if result is target.value:  # astype(copy=False) and the like: the same array
            return target
        return self.result(f"{target.name}.{name}({self.arguments(args, kwargs)})", result,
                           (target.name,) + _reads(args, kwargs))

    def getitem(self, target: Traced, index: Any) -> Any:
        return self.result(f"{target.name}[{self.render(index)}]",
                           target.value[_unwrap(index)], (target.name,) + _reads(index))

    def setitem(self, target: Traced, index: Any, value: Any) -> None:
        target.value[_unwrap(index)] = _unwrap(value)
        self.add((target.name,) + _reads(index, value),
                 f"{target.name}[{self.render(index)}] = {self.render(value)}",
                 written=(target.name,))

    def result(self, source: str, value: Any, reads: tuple[str, ...], reuse: Any = None) -> Any:
        traced = self.new(value)
        name = traced.name
        if type(value) is np.ndarray and value.base is None:
            self.owned.add(name)
            self.roots[name] = frozenset((name,))
        else:  # a view, or a scalar: it may share memory with whatever its inputs share
            self.roots[name] = frozenset().union(*(self.roots.get(r, ()) for r in reads))
        self.add(reads, f"{name} = {source}",
                 None if reuse is None else (reuse[0], f"{name} = {reuse[1]}"))
        return traced

    def add(self, reads: tuple[str, ...], source: str, reuse: Any = None,
            written: tuple[str, ...] = ()) -> None:
        if any(w in self.bound_names for w in written):
            self.wrote_tensor_data = True
        self.entries.append((reads, source, reuse))

    # -- branches on values -------------------------------------------------------------
    def branch(self, traced: Traced) -> bool:
        taken = bool(traced.value)
        self.check(traced, f"if bool({traced.name}) is not {taken}: raise GuardFailed")
        return taken

    def branch_on_value(self, traced: Traced) -> None:
        seen = self.const(np.array(traced.value, copy=True))
        self.check(traced, f"if not ({traced.name} == {seen}).all(): raise GuardFailed")

    def check(self, traced: Traced, source: str) -> None:
        if self.wrote_tensor_data:
            self.unreplayable = ("it branches on an array value after writing into a "
                                 "tensor's data, so a different value could not fall back "
                                 "to running it as written")
        self.add((traced.name,), source)

    # -- hooks called by the engine while recording -------------------------------------
    def bind(self, tensor: Tensor) -> None:
        """A leaf tensor's data: the generated code reads `tensor.data` on every call."""
        traced = self.new(tensor.data)
        self.bound.append((tensor, traced.name, tensor.data))
        self.bound_names.add(traced.name)
        tensor.data = traced

    def apply(self, cls: Any, inputs: tuple, params: dict) -> Tensor:
        tensors = function._as_tensors(inputs)
        for t in tensors:
            if t.grad_fn is None and not isinstance(t.data, Traced):
                self.bind(t)
        function._recorder = None  # the op itself runs the usual way
        try:
            return cls.apply(*tensors, **params)
        finally:
            function._recorder = self.apply

    def accumulate(self, tensor: Tensor, grad: Any) -> None:
        if tensor.grad_fn is not None:
            raise JitError("jit: retain_grad() on an intermediate tensor cannot be replayed "
                           "(the tensor is not made again)")
        self.grad_events.append((tensor, grad))

    def grad_property(self) -> property:
        """`Tensor.grad` while recording: resets are written down, reads and other writes
        refused (what the function computed from a gradient would not be recorded)."""
        slot = _GRAD_SLOT

        def read(tensor: Tensor) -> Any:
            raise JitError("jit: the function reads .grad; gradients are added after it "
                           "returns: read them (and step the optimizer) outside it")

        def write(tensor: Tensor, value: Any) -> None:
            if value is not None:
                raise JitError("jit: the function sets .grad to an array; only resetting it "
                               "to None (zero_grad()) can be replayed")
            try:
                slot.__get__(tensor, Tensor)
            except AttributeError:  # a tensor being made: nothing to reset
                pass
            else:
                self.grad_events.append((tensor, None))
            slot.__set__(tensor, None)

        return property(read, write)


class jit:  # noqa: N801 - used as a decorator, named like a function
    """Record `fn`'s array calls for each new set of argument shapes, then replay them.

    `fn` takes arrays, tensors or Python values (a new Python value is recorded anew) and
    returns a Tensor, an array, None, or a tuple of those (returned tensors carry no graph
    on later calls: call `backward()` inside `fn`). See the module docstring.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.replays: dict[Any, Any] = {}  # key -> None (seen once), replay, or False
        self.failures: dict[Any, int] = {}

    def __call__(self, *args: Any) -> Any:
        for a in args:
            if isinstance(a, Tensor) and (a.requires_grad or a.grad_fn is not None):
                raise JitError("jit: arguments are data; a tensor that requires grad (a "
                               "parameter) must be reached from inside the function, not "
                               "passed to it")
        arrays = [a.data if type(a) is Tensor else a for a in args]
        key = (config.grad_enabled,) + tuple(
            (a.shape, a.dtype) if type(a) is np.ndarray else a for a in arrays)
        try:
            replay = self.replays.get(key, ...)
        except TypeError:  # an unhashable Python argument: nothing to key a recording on
            return self.fn(*args)
        if replay is ...:  # the first call runs as written: it creates any lazy state
            if any(isinstance(a, np.ndarray) and type(a) is not np.ndarray for a in arrays):
                self.replays[key] = False  # an array subclass: not recorded
            else:
                self.replays[key] = None
            return self.fn(*args)
        if replay is None:
            result, self.replays[key] = self.record(key, args, arrays)
            return result
        if replay is False:
            return self.fn(*args)
        try:
            result = replay(*[a for a in arrays if type(a) is np.ndarray])
        except _GuardFailed:
            failures = self.failures[key] = self.failures.get(key, 0) + 1
            if failures >= 3:  # a value that changes on every call: stop checking it
                self._give_up(key, "a value it branches on changed three calls in a row")
            return self.fn(*args)
        self.failures.pop(key, None)
        return result

    def _give_up(self, key: Any, why: str) -> None:
        self.replays[key] = False
        warnings.warn(f"jit: {getattr(self.fn, '__name__', 'the function')} runs as written "
                      f"from now on: {why}", RuntimeWarning, stacklevel=3)

    def record(self, key: Any, args: tuple, arrays: list) -> tuple[Any, Any]:
        global _active
        recorder = Recorder()
        traced = [recorder.new(a) if type(a) is np.ndarray else a for a in arrays]
        call_args = [Tensor(t) if type(a) is Tensor else t for a, t in zip(args, traced)]
        _active, function._recorder, autograd._recorder = recorder, recorder.apply, recorder
        Tensor.grad = recorder.grad_property()  # type: ignore[assignment]
        try:
            result = self.fn(*call_args)
        finally:
            Tensor.grad = _GRAD_SLOT  # type: ignore[assignment]
            _active = function._recorder = autograd._recorder = None
            for tensor, _, data in recorder.bound:
                tensor.data = data
        # this call's gradients first: a result jit cannot replay must not lose them
        _apply_grad_events([t for t, _ in recorder.grad_events],
                           [_unwrap(g) for _, g in recorder.grad_events])
        replay = _compile(recorder, [t for t in traced if isinstance(t, Traced)], result)
        if recorder.unreplayable:
            self._give_up(key, recorder.unreplayable)
            replay = False
        return _unwrap_result(result), replay


def _apply_grad_events(tensors: list[Tensor], grads: Any) -> None:
    """Do to `.grad` what the function did, in order: reset it (None), or add as backward()."""
    handed: set[int] = set()
    accumulate = autograd._accumulate
    for tensor, grad in zip(tensors, grads):
        if grad is None:
            tensor.grad = None
        else:
            accumulate(tensor, grad, False, handed)


def _compile(recorder: Recorder, arguments: list[Traced], result: Any) -> Callable[..., Any]:
    """The recorded lines as one Python function: bound tensors read at the top, gradients
    and the result returned."""
    lines = [f"def replay({', '.join(t.name for t in arguments)}):"]
    for tensor, name, data in recorder.bound:
        lines.append(f"    {name} = {recorder.const(tensor)}.data")
        lines.append(f"    if {name}.shape != {data.shape!r} or {name}.dtype != "
                     f"{recorder.const(data.dtype)}: raise GuardFailed")
    lines += ["    " + line for line in _plan(recorder, result)]
    grads = ", ".join(recorder.render(g) for _, g in recorder.grad_events)
    lines.append(f"    return ({grads}{',' if grads else ''}), {_render_result(recorder, result)}")
    namespace = dict(recorder.consts, GuardFailed=_GuardFailed)
    exec("\n".join(lines), namespace)  # noqa: S102 - code generated from our own recording
    generated = namespace["replay"]
    targets = [t for t, _ in recorder.grad_events]
    wrap = Tensor if isinstance(result, Tensor) else functools.partial(_wrap_result,
                                                                        recorded=result)

    def replay(*arrays: Any) -> Any:
        grads, value = generated(*arrays)
        _apply_grad_events(targets, grads)
        return wrap(value)

    replay.source = "\n".join(lines)  # type: ignore[attr-defined]
    return replay


def _plan(recorder: Recorder, result: Any) -> list[str]:
    """The recorded lines, an elementwise call writing into an argument's buffer when no
    later line reads that argument or any view of it: fewer fresh arrays per step."""
    end = len(recorder.entries)
    last: dict[str, int] = {}
    for index, (reads, _, _) in enumerate(recorder.entries):
        for name in reads:
            for root in recorder.roots.get(name, ()):
                last[root] = index
    kept = _reads([g for _, g in recorder.grad_events], result)
    for name in kept:
        for root in recorder.roots.get(name, ()):
            last[root] = end
    return [reuse[1] if reuse is not None and last.get(reuse[0]) == index else source
            for index, (_, source, reuse) in enumerate(recorder.entries)]


def _render_result(recorder: Recorder, result: Any) -> str:
    if isinstance(result, tuple):
        return "(" + "".join(_render_result(recorder, r) + ", " for r in result) + ")"
    value = result.data if isinstance(result, Tensor) else result
    if value is None or isinstance(value, Traced):
        return recorder.render(value)
    raise JitError(f"jit: the function must return tensors or arrays computed from its "
                   f"inputs (or None, or a tuple of those), not {type(result).__name__}")


def _wrap_result(value: Any, recorded: Any) -> Any:
    if isinstance(recorded, tuple):
        return tuple(_wrap_result(v, r) for v, r in zip(value, recorded))
    return Tensor(value) if isinstance(recorded, Tensor) else value


def _unwrap_result(result: Any) -> Any:
    if isinstance(result, tuple):
        return tuple(_unwrap_result(r) for r in result)
    if isinstance(result, Tensor):
        return Tensor(_unwrap(result.data))
    return _unwrap(result)
