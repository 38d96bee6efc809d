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
  label range check, an `if` on a value): a different value runs the function as written,
  and so does a call that raises in a replay (to raise the op's own error).
- Computed once, at recording: values made only from constants and shapes (backward's
  seed, the penalty's scale), unless later written into or handed out as a gradient.
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

    def __getitem__(self, index: Any) -> Any:
        return _recording().getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _recording().setitem(self, index, value)

    @property
    def T(self) -> Any:  # noqa: N802 - numpy's name
        return _recording().method(self, "T", None)

    def _record_method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _recording().method(self, name, args, kwargs)


# Binary and unary operators are recorded as the operators themselves, and replayed as
# `a + b`: on numpy scalars (a loss, a norm) that takes numpy's scalar fast path, as the
# eager step does, several times cheaper than a ufunc call; and ndarray's `**` takes
# shortcuts the power ufunc does not (x ** 0.5 is sqrt in some numpy versions).
_OPERATORS: dict[Any, str] = {
    operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
    operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.matmul: "@",
    operator.and_: "&", operator.or_: "|", operator.xor: "^", operator.lt: "<",
    operator.le: "<=", operator.eq: "==", operator.ne: "!=", operator.gt: ">",
    operator.ge: ">=", operator.neg: "-", operator.pos: "+", operator.invert: "~"}
# The ufunc behind each operator, where writing into a dead argument (`out=`) gives the
# same bits (not `**`, whose shortcuts the ufunc lacks).
_OPERATOR_UFUNCS = {operator.add: np.add, operator.sub: np.subtract,
                    operator.mul: np.multiply, operator.truediv: np.true_divide,
                    operator.neg: np.negative}


def _binary(func: Any) -> tuple[Any, Any]:
    def forward(self: Traced, other: Any) -> Any:
        return _recording().call(func, (self, other), {})

    def reflected(self: Traced, other: Any) -> Any:
        return _recording().call(func, (other, self), {})
    return forward, reflected


for _func in _OPERATORS:
    _name = _func.__name__.strip("_")
    if _func in (operator.neg, operator.pos, operator.invert):
        setattr(Traced, f"__{_name}__", functools.partialmethod(
            lambda self, func: _recording().call(func, (self,), {}), _func))
    else:
        _forward, _reflected = _binary(_func)
        setattr(Traced, f"__{_name}__", _forward)
        if _name not in ("lt", "le", "eq", "ne", "gt", "ge"):  # these reflect as each other
            setattr(Traced, f"__r{_name}__", _reflected)
Traced.__hash__ = None  # type: ignore[assignment] # == is elementwise, as on arrays

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


_SHAPE_ONLY = (np.ones_like, np.zeros_like)
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
        # buffer the call may write into when nothing reads it later, that source), the
        # name it assigns or None)
        self.entries: list[tuple[tuple[str, ...], str, Any, str | None]] = []
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
        # Names whose values are the same on every call: computed from constants and from
        # shapes alone (the seed of backward(), the scalar penalty's gradient). They are
        # computed once, here, unless written into later.
        self.known: set[str] = set()
        self.known_values: dict[str, Any] = {}

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
        symbol = _OPERATORS.get(func)
        if symbol is None:
            head = f"{self.const(func)}({self.arguments(args, kwargs)}"
            source = head + ")"
        else:
            source = (f"{symbol}{self.render(args[0])}" if len(args) == 1 else
                      f"{self.render(args[0])} {symbol} {self.render(args[1])}")
            func = _OPERATOR_UFUNCS.get(func)  # for writing into a dead argument, below
            head = func and f"{self.const(func)}({self.arguments(args, {})}"
        reads = _reads(args, kwargs)
        if out is not None or writes_first:
            self.add(reads, source, written=written)
            return outs[0] if len(outs) == 1 else out
        for a in args:  # the function handed back one of its arguments
            if isinstance(a, Traced) and result is a.value:
                return a
        # ones_like(x) and zeros_like(x) depend on x's shape and dtype alone, which are fixed
        known = (func in _SHAPE_ONLY and self.known.issuperset(_reads(args[1:], kwargs))) \
            or self.known.issuperset(reads)
        reuse = None
        if isinstance(func, np.ufunc) and func.signature is None and type(result) is np.ndarray:
            for a in args:  # elementwise: it may write into a dead argument of its shape
                if isinstance(a, Traced) and a.name in self.owned and \
                        a.value.shape == result.shape and a.value.dtype == result.dtype:
                    reuse = (a.name, f"{head}out=({a.name},), )")
                    break
        return self.result(source, result, reads, reuse, known)

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

    def result(self, source: str, value: Any, reads: tuple[str, ...], reuse: Any = None,
               known: bool | None = None) -> Any:
        traced = self.new(value)
        name = traced.name
        if type(value) is np.ndarray and value.base is None:
            self.owned.add(name)
            self.roots[name] = frozenset((name,))
        elif isinstance(value, np.generic):  # immutable: shares memory with nothing
            self.roots[name] = frozenset()
        else:  # a view: it may share memory with whatever its inputs share
            self.roots[name] = frozenset().union(*(self.roots.get(r, ()) for r in reads))
        if known if known is not None else self.known.issuperset(reads):
            self.known.add(name)
            self.known_values[name] = value
        self.add(reads, f"{name} = {source}",
                 None if reuse is None else (reuse[0], f"{name} = {reuse[1]}"), defines=name)
        return traced

    def add(self, reads: tuple[str, ...], source: str, reuse: Any = None,
            written: tuple[str, ...] = (), defines: str | None = None) -> None:
        if written:
            if any(w in self.bound_names for w in written):
                self.wrote_tensor_data = True
            # what is written into, and whatever may view it, now holds data-made values
            hit = frozenset(written).union(*(self.roots.get(w, ()) for w in written))
            self.known = {k for k in self.known
                          if k not in hit and not hit.intersection(self.roots.get(k, ()))}
        self.entries.append((reads, source, reuse, defines))

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
        for given, t in zip(inputs, tensors):
            # a tensor made here from a number (`1e-4 * x`) is a constant, read as recorded
            if given is t and t.grad_fn is None and not isinstance(t.data, Traced):
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
        # key -> _SEEN (called once), False (runs as written), or the replay
        self.replays: dict[Any, Any] = {}
        self.failures: dict[Any, int] = {}

    def __call__(self, *args: Any) -> Any:
        try:
            key = (config.grad_enabled, *[(a.shape, a.dtype) if a.__class__ is np.ndarray
                                          else _key_of(a) for a in args])
            replay = self.replays.get(key)
        except TypeError:  # an unhashable Python argument: nothing to key a recording on
            return self.fn(*args)
        if replay is None:  # the first call runs as written: it creates any lazy state
            self.replays[key] = _SEEN
            return self.fn(*args)
        if replay is _SEEN:
            result, self.replays[key] = self.record(key, args)
            return result
        if replay is False:
            return self.fn(*args)
        try:
            result = replay(*args)
        except _GuardFailed:
            return self._run_instead(key, "a value it branches on changed")(*args)
        except _ReplayRaised:
            # a call failed (bad labels, say): as written, the op raises its own clear error
            result = self.fn(*args)
            self._run_instead(key, "its replay raised where running it as written did not")
            return result
        if self.failures:
            self.failures.pop(key, None)
        return result

    def _run_instead(self, key: Any, why: str) -> Callable[..., Any]:
        """Count a replay that could not be used; after three in a row, stop trying."""
        failures = self.failures[key] = self.failures.get(key, 0) + 1
        if failures >= 3:  # a value that changes on every call: stop checking it
            self._give_up(key, f"{why} three calls in a row")
        return self.fn

    def _give_up(self, key: Any, why: str) -> None:
        self.replays[key] = False
        warnings.warn(f"jit: {getattr(self.fn, '__name__', 'the function')} runs as written "
                      f"from now on: {why}", RuntimeWarning, stacklevel=3)

    def record(self, key: Any, args: tuple) -> tuple[Any, Any]:
        global _active
        recorder = Recorder()
        # the generated function's parameters: an array argument is its recorded name
        traced: list[Any] = []
        params: list[str] = []
        for index, a in enumerate(args):
            data = a.data if type(a) is Tensor else a
            t = recorder.new(data) if type(data) is np.ndarray else data
            traced.append(Tensor(t) if type(a) is Tensor else t)
            params.append(t.name if t is not data and type(a) is not Tensor else f"a{index}")
            if type(a) is Tensor and t is not data:
                recorder.add((), f"{t.name} = a{index}.data", defines=t.name)
        _active, function._recorder, autograd._recorder = recorder, recorder.apply, recorder
        Tensor.grad = recorder.grad_property()  # type: ignore[assignment]
        try:
            result = self.fn(*traced)
        finally:
            Tensor.grad = _GRAD_SLOT  # type: ignore[assignment]
            _active = function._recorder = autograd._recorder = None
            for tensor, _, data in recorder.bound:
                tensor.data = data
        # this call's gradients first: a result jit cannot replay must not lose them
        handed: set[int] = set()
        for tensor, grad in recorder.grad_events:
            if grad is None:
                tensor.grad = None
            elif isinstance(grad, Traced):
                autograd._accumulate(tensor, grad.value, False, handed)
            else:  # a constant the replays will read: the caller gets a copy
                autograd._accumulate(tensor, grad.copy(), True, handed)
        replay = _compile(recorder, params, result)
        if recorder.unreplayable:
            self._give_up(key, recorder.unreplayable)
            replay = False
        return _unwrap_result(result), replay


_SEEN = object()  # a key called once, as written: the next call records


def _key_of(arg: Any) -> Any:
    """An argument that is not a plain array, as part of the key (TypeError: no key)."""
    if isinstance(arg, Tensor):
        if arg.requires_grad or arg.grad_fn is not None:
            raise JitError("jit: arguments are data; a tensor that requires grad (a "
                           "parameter) must be reached from inside the function, not "
                           "passed to it")
        if type(arg.data) is not np.ndarray:
            raise TypeError("an array subclass: not recorded")
        return Tensor, arg.data.shape, arg.data.dtype
    if isinstance(arg, np.ndarray):
        raise TypeError("an array subclass: not recorded")
    return arg


class _ReplayRaised(Exception):
    """A replayed call raised: the function runs as written instead, to raise its own error."""


def _compile(recorder: Recorder, params: list[str], result: Any) -> Callable[..., Any]:
    """The recorded lines as one Python function: bound tensors read at the top, gradients
    added to `.grad` at the end, the result returned."""
    lines, folded = _plan(recorder, result)
    body = []
    for tensor, name, data in recorder.bound:
        body.append(f"{name} = {recorder.const(tensor)}.data")
        # `is not`: numpy's builtin dtypes are singletons; any other fails safe, as written
        body.append(f"if {name}.shape != {data.shape!r} or {name}.dtype is not "
                    f"{recorder.const(data.dtype)}: raise GuardFailed")
    body += lines
    head = [f"def replay({', '.join(params)}):"]
    if recorder.wrote_tensor_data:  # running it again as written would write twice
        head += ["    " + line for line in body]
    else:
        head += ["    try:"] + ["        " + line for line in body] + [
            "    except GuardFailed:", "        raise",
            "    except Exception as error:", "        raise ReplayRaised from error"]
    head += ["    " + line for line in _hand_grads(recorder, result)]
    head.append(f"    return wrap({_render_result(recorder, result)})")
    source = "\n".join(head)
    wrap = Tensor if isinstance(result, Tensor) else functools.partial(_wrap_result,
                                                                        recorded=result)
    namespace = dict(recorder.consts, **folded, GuardFailed=_GuardFailed,
                     ReplayRaised=_ReplayRaised, accumulate=autograd._accumulate, wrap=wrap)
    exec(source, namespace)  # noqa: S102 - code generated from our own recording
    replay = namespace["replay"]
    replay.source = source
    return replay


def _hand_grads(recorder: Recorder, result: Any) -> list[str]:
    """Lines doing to `.grad` what the function did, in order, as backward() does: reset it
    (zero_grad), or add a gradient. A fresh array that nothing else holds is handed over
    as it is (or added); anything else goes through backward()'s own `_accumulate`."""
    events = recorder.grad_events
    names = [g.name for _, g in events if isinstance(g, Traced)]
    lines: list[str] = []
    uses_handed = False  # backward()'s record of arrays already given to some .grad
    for tensor, grad in events:
        target = recorder.const(tensor)
        if grad is None:
            lines.append(f"{target}.grad = None")
            continue
        if isinstance(grad, Traced):
            others = _reads([g for _, g in events if g is not grad], result)
            shared = frozenset().union(*(recorder.roots.get(n, ()) for n in others))
            if grad.name in recorder.owned and names.count(grad.name) == 1 and \
                    grad.value.ndim and grad.name not in shared:
                lines.append(f"previous = {target}.grad")
                lines.append(f"{target}.grad = {grad.name} if previous is None "
                             f"else previous + {grad.name}")
                continue
            value = grad.name
        else:  # a constant: each call hands out a copy of its own
            value = f"{recorder.const(grad)}.copy()"
        uses_handed = True
        lines.append(f"accumulate({target}, {value}, False, handed)")
    return ["handed = set()"] + lines if uses_handed else lines


def _plan(recorder: Recorder, result: Any) -> tuple[list[str], dict[str, Any]]:
    """The recorded lines to run on every call, and the values computed once (`known`
    names nothing writes into or hands out). An elementwise call writes into an argument's
    buffer when no later line reads that argument or any view of it: fewer fresh arrays."""
    end = len(recorder.entries)
    last: dict[str, int] = {}
    for index, (reads, _, _, _) in enumerate(recorder.entries):
        for name in reads:
            for root in recorder.roots.get(name, ()):
                last[root] = index
    kept = _reads([g for _, g in recorder.grad_events], result)
    kept_roots = set(kept).union(*(recorder.roots.get(name, ()) for name in kept))
    for root in kept_roots:
        last[root] = end
    folded = recorder.known.difference(kept_roots)
    lines = []
    for index, (reads, source, reuse, defines) in enumerate(recorder.entries):
        if defines in folded:
            continue
        if defines is None and reads and folded.issuperset(reads):
            continue  # a check on values computed once: it holds on every call
        if reuse is not None and last.get(reuse[0]) == index and reuse[0] not in folded:
            source = reuse[1]
        lines.append(source)
    return lines, {name: recorder.known_values[name] for name in folded}


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
