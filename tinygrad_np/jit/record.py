"""Recording: run the function once with `Traced` stand-ins, writing down a `Program`.

The engine has one hook: `grad_mode.config.recorder`, per thread. While it is set,
`Function.apply` hands each op to `Recorder.apply`, which binds the leaf tensors the op
reads (their `.data` and `.grad` become stand-ins, read afresh on every replay and guarded:
shape, dtype, `requires_grad`). Everything else follows from the stand-ins: numpy calls on
them are written down as instructions.

An optimizer's `step()` and `zero_grad()`, and a learning-rate scheduler's `step()`, are not
traced: they are run as written, on real arrays, at their place in the replay (a
`Callback`), so hyperparameters, step counts and state made on a first step are those of
the day.
"""
from __future__ import annotations

import gc
import hashlib
import itertools
import operator
import random
import threading
import weakref
from typing import Any

import numpy as np

from ..grad_mode import config, enable_grad
from ..tensor import Tensor
from .draw import DrawWatch, state_of
from .errors import JitError
from .ir import Call, Callback, Guard, Program, Read, Store, Var, operands, substitute
from .reach import (follow, held_values, paths, plain_values, python_values, reachable,
                    same_value)
from .traced import Traced, unwrap

SHAPE_ONLY = (np.ones_like, np.zeros_like, np.empty_like)  # results fixed by shape and dtype
OPERATOR_UFUNCS = {operator.add: np.add, operator.sub: np.subtract,
                   operator.mul: np.multiply, operator.truediv: np.true_divide,
                   operator.neg: np.negative, operator.matmul: np.matmul,
                   operator.lt: np.less, operator.le: np.less_equal, operator.eq: np.equal,
                   operator.ne: np.not_equal, operator.gt: np.greater,
                   operator.ge: np.greater_equal}
INPLACE_METHODS = frozenset(("fill", "sort", "partition", "put", "resize", "itemset",
                             "setfield"))
OUT_METHODS = frozenset(("sum", "max", "min", "mean", "prod", "any", "all", "cumsum"))
# new arrays that a replay takes from a buffer instead: "zeros" fills it with zeros, "empty"
# leaves whatever it holds
NEW_ARRAYS = {np.zeros_like: "zeros", np.empty_like: "empty"}


def fingerprint(array: Any) -> bytes | None:
    """A digest of a numpy array's bytes (None for anything else): whether plain numpy
    wrote into a tensor's arrays while the function ran, which the recording does not see.
    SHA-1 for its speed (half a millisecond a megabyte here), on each recording only; the
    collisions that matter are accidental ones."""
    if type(array) is not np.ndarray:
        return None
    return hashlib.sha1(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data).digest()


def _snapshot(tensor: Tensor) -> tuple:
    """A leaf as the function finds it: (tensor, data, grad, and their fingerprints)."""
    data, grad = tensor.data, tensor.grad
    return tensor, data, grad, fingerprint(data), fingerprint(grad)


class _Binding:
    """A bound tensor: its stand-ins, and what its slots held before recording."""
    __slots__ = ("data", "grad", "original_data", "original_grad", "tensor")

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor
        self.original_data, self.original_grad = tensor.data, tensor.grad
        self.data: Any = None
        self.grad: Any = None


class _Shadow:
    """Stands in for an optimizer's `step`/`zero_grad` (a scheduler's `step`) on the
    instance while any thread records: the calling thread's recorder, if it records, runs
    it as a callback; any other call is the method itself. Shared by concurrent recordings
    (`users`)."""

    def __init__(self, obj: Any, name: str) -> None:
        self.obj, self.name, self.users = obj, name, 0
        self.method = getattr(type(obj), name).__get__(obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        rec = config.recorder
        if rec is None or not rec.active or rec.thread != threading.get_ident() or \
                rec.inside_op:
            return self.method(*args, **kwargs)  # not recording here: untouched
        return rec.callback(self, args, kwargs)


_SHADOWS_LOCK = threading.Lock()  # installing and removing shadows, across recording threads
_SCAN_LOCK = threading.Lock()  # a scan of every object, and the check that nothing was kept


class Recorder:
    """Runs the function once, writing down each numpy call on a stand-in."""

    def __init__(self) -> None:
        self.program = Program()
        self.counter = itertools.count()
        self.active = True
        self.thread = threading.get_ident()
        self.inside_op = 0  # >0 while an op's own forward/backward runs (no re-binding)
        self.bindings: dict[int, _Binding] = {}
        self.created: list[weakref.ref] = []  # tensors the ops made
        self.traced: list[weakref.ref] = []  # every stand-in made
        self.unreplayable: str | None = None  # why the replay cannot be trusted
        self.late = False  # something happened that running as written would do twice
        self.read_vars: set[Var] = set()
        self.arrays: dict[int, Traced] = {}  # id -> the stand-in of an array read as it is
        self.array_vars: set[Var] = set()  # their Vars
        self.grad_vars: set[Var] = set()
        self.shadows: list[_Shadow] = []
        self.draws = DrawWatch(self)
        # id -> (leaf tensor, its data, its grad, their contents' fingerprint) at start
        self.before: dict[int, tuple] = {}
        # id -> (tensor, its requires_grad) as the function found it: a change the function
        # makes (freezing a layer on alternate calls) is Python a replay would not run
        self.flags: dict[int, tuple[Tensor, bool]] = {}
        self.python_before: list[tuple] = []  # (root, steps, value) of Python values at start
        # every plain value inside what the function can reach, and how to look again
        self.plain_before: dict[tuple, Any] = {}
        self.reach_from: tuple[Any, Any] = (None, ())
        self.opaque: tuple[type, ...] = ()
        self.modules: list[tuple] = []  # (module, root, steps) of each module it can reach

    # -- values ---------------------------------------------------------------------------
    def new(self, value: Any, computed: bool = True) -> Traced:
        traced = Traced(value, Var(next(self.counter), value), self)
        if computed:  # a stand-in for an input is its array anyway, if it is kept
            self.traced.append(weakref.ref(traced))
        return traced

    def emit(self, instr: Any) -> None:
        if isinstance(instr, Store) and not (instr.slot == "grad" and instr.value is None):
            self.late = True  # resetting a .grad to None can be done again; the rest not
        if self.late and self.program.late_from is None:
            self.program.late_from = instr
        self.program.instrs.append(instr)

    def read(self, value: Any, source: str, index: int = 0, tensor: Any = None) -> Traced:
        traced = self.new(value, computed=False)
        var = traced._var
        var.roots = frozenset((var,))  # memory from outside: writes into it are side effects
        self.read_vars.add(var)
        if source == "grad":
            self.grad_vars.add(var)
        self.emit(Read(var, source, index, tensor))
        if source != "arg":  # arguments are keyed by shape, dtype and strides
            self.guard(Guard(var, "array", (value.shape, value.dtype, value.strides)))
        return traced

    def guard(self, guard: Guard) -> None:
        if self.late and guard.kind in ("bool", "equal"):
            self.give_up("it branches on an array value, or reads it as a Python number "
                         "(.item(), float()), after it wrote into a tensor's data or stepped "
                         "an optimizer, so a different value could not fall back to running "
                         "it as written (return the tensor, and read .item() outside)")
        self.emit(guard)

    def give_up(self, why: str) -> None:
        if self.unreplayable is None:
            self.unreplayable = why

    # -- numpy calls ------------------------------------------------------------------------
    def call(self, fn: Any, args: tuple, kwargs: dict, kind: str,
             writes_first: bool = False) -> Any:
        out = kwargs.get("out")
        outs = (out if isinstance(out, tuple) else (out,)) if out is not None else ()
        written = list(outs)
        if writes_first or kind in ("setitem", "inplace") or (
                kind == "method" and fn in INPLACE_METHODS):
            written.append(args[0])
        for target in written:
            if not isinstance(target, Traced):
                raise JitError(f"jit: {_name(fn)} writes into an array the recording did not "
                               f"make (an optimizer's state, say, or one an op made with "
                               f"np.zeros(shape) rather than np.zeros_like(x)); write into it "
                               f"outside the jitted function, or from an optimizer's step(), "
                               f"or make it from an array the step computes")
        values, kw = unwrap(args), unwrap(kwargs)
        if kind == "call":
            result = fn(*values, **kw)
        elif kind in ("operator", "inplace"):
            result = fn(*values)
        elif kind == "method":
            result = getattr(values[0], fn)(*values[1:], **kw)
        elif kind == "attr":
            result = getattr(values[0], fn)
        elif kind == "getitem":
            result = values[0][values[1]]
        elif kind == "setitem":
            values[0][values[1]] = values[2]
            result = None
        else:  # "draw"
            result = getattr(self.draws.real_generator, fn)(*values, **kw)
        written_vars = tuple([t._var for t in written])
        self._invalidate(written_vars)
        op_args, op_kwargs = _operands(args), _operands(kwargs)
        if kind == "setitem" or outs or writes_first or (
                kind == "method" and fn in INPLACE_METHODS):
            self.emit(Call(None, fn, op_args, op_kwargs, kind, written_vars))
            return None if kind == "setitem" else (outs[0] if len(outs) == 1 else out)
        if kind == "inplace" and result is values[0]:
            self.emit(Call(None, fn, op_args, op_kwargs, kind, written_vars))
            return args[0]
        for a in args:  # the call handed back one of its arguments
            if isinstance(a, Traced) and result is a.value:
                return a
        if kind == "method" and not isinstance(result, (np.ndarray, np.generic)):
            self.give_up(f"it uses the Python value of ndarray.{fn}() (read once, when "
                         f"recorded)")
            return result
        traced = self.new(result)
        var = traced._var
        in_vars = operands((op_args, op_kwargs))
        if type(result) is np.ndarray and result.base is None:
            var.fresh, var.roots = True, frozenset((var,))
        elif not isinstance(result, np.generic):  # a view: it may share its inputs' memory
            var.roots = frozenset().union(*(v.roots for v in in_vars))
        if kind != "draw":
            rest = in_vars[1:] if kind == "call" and fn in SHAPE_ONLY else in_vars
            var.known = all(v.known for v in rest)
        into: Any = None
        elementwise = False
        if var.fresh and result.ndim and "where" not in kwargs:  # where=: unwritten stays
            if kind == "call" and isinstance(fn, np.ufunc):
                into, elementwise = fn, fn.signature is None
            elif kind == "operator" and fn in OPERATOR_UFUNCS:
                into = OPERATOR_UFUNCS[fn]
                elementwise = into.signature is None
            elif kind == "method" and fn in OUT_METHODS:
                into = "method"
            elif kind == "method" and fn == "copy" and not args[1:] and not kwargs:
                into = "copy"
            elif kind == "call" and fn in NEW_ARRAYS and result.flags.c_contiguous:
                into = NEW_ARRAYS[fn]  # a buffer of its own, zeroed or as it is
        self.emit(Call(var, fn, op_args, op_kwargs, kind, (), into, elementwise))
        return traced

    def _invalidate(self, written: tuple[Var, ...]) -> None:
        """What is written into, and whatever may view it, now holds values made from data;
        a write into memory from outside (a tensor's data, an argument) cannot be undone."""
        if not written:
            return
        hit = frozenset(written).union(*(w.roots for w in written))
        for instr in self.program.instrs:
            var = getattr(instr, "out", None)
            if isinstance(var, Var) and var.known and (var in hit or hit & var.roots):
                var.known = False
        outside = hit & self.read_vars
        if outside and not self.late and outside <= self.array_vars:
            # memory of an array an op took as it is: the replay keeps its contents first
            # and puts them back if it falls back, so the write can be done again
            self.program.rewound |= outside
        elif outside:
            self.late = True

    # -- branches on values -----------------------------------------------------------------
    def branch(self, traced: Traced) -> bool:
        taken = bool(traced.value)
        self.guard(Guard(traced._var, "bool", taken))
        return taken

    def branch_on_value(self, traced: Traced) -> None:
        self.guard(Guard(traced._var, "equal", np.array(traced.value, copy=True)))

    # -- the engine's hook ------------------------------------------------------------------
    def apply(self, cls: Any, inputs: tuple, params: dict) -> Tensor:
        for t in inputs:
            if isinstance(t, Tensor) and t.grad_fn is None:
                self.bind(t)
        # Arrays given to the op as keywords (batch norm's running statistics, a loss's class
        # weights) are read on every call, as a tensor's data is: what the op computes from
        # them follows their values of the day, and its writes into them are replayed.
        if params:
            params = {name: self.read_array(value) if type(value) is np.ndarray else value
                      for name, value in params.items()}
        # Other arrays given as they are are read-only while it runs: a write into one would
        # not be recorded, so it is refused before it changes anything.
        frozen = [a for a in inputs if type(a) is np.ndarray and a.flags.writeable]
        for array in frozen:
            array.flags.writeable = False
        self.inside_op += 1
        try:
            result = cls.apply(*inputs, **params)
        except ValueError as error:
            if frozen and "read-only" in str(error):
                raise JitError(f"jit: {cls.__name__} writes into an array passed to it as a "
                               f"positional input as it is, which a replay could not follow; "
                               f"pass it as a keyword argument of apply (then it is read and "
                               f"written on every replay), or call the op outside the jitted "
                               f"function") from None
            raise
        finally:
            self.inside_op -= 1
            for array in frozen:
                array.flags.writeable = True
        data = result.data
        if isinstance(data, Traced) and isinstance(data.value, np.generic):
            result.data = self.call(np.asarray, (data,), {}, "call")  # as Function.apply does
        self.created.append(weakref.ref(result))
        return result

    def read_array(self, array: np.ndarray) -> Traced:
        """The stand-in of an array an op takes as it is, read afresh on every call from that
        array (where the function finds it is checked, as a tensor's: `locate`)."""
        traced = self.arrays.get(id(array))
        if traced is None:
            traced = self.arrays[id(array)] = self.read(array, "array", tensor=array)
            self.array_vars.add(traced._var)
        return traced

    def bind(self, tensor: Tensor) -> None:
        """A leaf's data and grad become stand-ins, read from the tensor on every call."""
        if id(tensor) in self.bindings or isinstance(tensor.data, Traced) or \
                type(tensor.data) is not np.ndarray:
            return
        binding = self.bindings[id(tensor)] = _Binding(tensor)
        self.flags.setdefault(id(tensor), (tensor, tensor.requires_grad))
        seen = self.before.pop(id(tensor), None)
        if seen is not None:
            _, data, grad, data_print, grad_print = seen
            if tensor.data is not data:
                # an array the function made with plain numpy (`w.data = w.data * 2`, or a
                # fresh `np.ones(...)` that the optimizer then updates): a replay cannot
                # make it again
                self.give_up("it assigns a new array to .data of a tensor before any op "
                             "reads it")
            elif fingerprint(data) != data_print or (
                    tensor.grad is grad and fingerprint(grad) != grad_print):
                # written into with plain numpy (`w.data[0] += 1`, `w.grad[...] = 0`): a
                # replay would not write it again
                self.give_up("it writes into .data or .grad of a tensor before any op "
                             "reads it")
            if tensor.grad is not grad:  # `w.grad = None` at the top: replayed
                self.emit(Store(tensor, "grad", tensor.grad))
        self.emit(Guard(None, "requires_grad", tensor.requires_grad, tensor))
        binding.data = tensor.data = self.read(tensor.data, "data", tensor=tensor)
        self._bind_grad(binding)

    def _bind_grad(self, binding: _Binding) -> None:
        tensor = binding.tensor
        grad = tensor.grad
        if grad is None or type(grad) is not np.ndarray:
            traced = self.new(grad)
            self.emit(Read(traced._var, "grad", tensor=tensor))
            if grad is None:
                self.emit(Guard(traced._var, "none"))
                binding.grad = None
                return
            raise JitError(f"jit: a tensor's .grad is a {type(grad).__name__}, not an array")
        binding.grad = tensor.grad = self.read(grad, "grad", tensor=tensor)

    # -- what the function may touch without an op: found once, by the garbage collector ---
    def scan(self, fn: Any, arguments: Any = (), opaque: tuple[type, ...] = ()) -> None:
        """Shadow every optimizer's `step` and `zero_grad`; snapshot the slots of every leaf
        tensor the function can reach (an assignment before any op reads the tensor is
        replayed) with their arrays' fingerprints and `requires_grad`, every numpy bit
        generator's and `random.Random`'s state (a draw the replay would freeze is caught),
        where the modules are kept and the Python values it may read (checked by `locate`
        and by every replay), and every plain value, object and array inside what it can
        reach (`check_plain`: what its own Python changes there, a replay would not)."""
        from ..nn import Module
        from ..optim import Optimizer
        from ..optim.lr_scheduler import LRScheduler

        found = reachable(fn, arguments)
        self.opaque = (_Shadow, Recorder, type(config), *opaque)  # the jit's own state
        # the modules and the Python values it may read, as they are before it runs: the
        # values compared afterwards (the function's own assignments a replay would not
        # redo), both checked by the replay
        self.modules = list(paths(fn, arguments, [], Module).values())
        self.python_before = python_values(fn, arguments, self.modules) + held_values(
            fn, arguments, (Optimizer, LRScheduler, *self.opaque), Module)
        kinds = _scanned_kinds((Optimizer, LRScheduler))
        wanted = frozenset(kinds).__contains__
        # No thread checks for kept objects while these lists hold them: `picked` holds
        # every tensor of the process, other threads' recordings' ones too, which would then
        # look kept after their function returned (a recording given up for nothing)
        with _SCAN_LOCK:
            # Every object, held for as short a time as can be: filtered at once, in C. The
            # list holds each tuple that another thread is still building (`tuple(gen)`), and
            # CPython's tuple resize then fails with SystemError (python/cpython#39117).
            # By type(obj), not isinstance: isinstance also reads obj.__class__, which some
            # libraries' lazy objects answer with a deprecation warning (torch's reduce_op).
            objects = gc.get_objects()
            picked = list(itertools.compress(objects, map(wanted, map(type, objects))))
            del objects
            obj = None
            for obj in picked:
                kind = kinds[type(obj)]
                if kind == _TENSOR:
                    if obj.grad_fn is None and (found is None or id(obj) in found):
                        self.before[id(obj)] = _snapshot(obj)
                        self.flags[id(obj)] = (obj, obj.requires_grad)
                elif kind == _OPTIMIZER:
                    if hasattr(obj, "__dict__"):
                        self._shadow(obj)
                else:
                    self.draws.states[obj] = state_of(obj)
            del picked, obj
        self.reach_from = (fn, arguments)
        self.plain_before = self.plain_now()

    def plain_now(self) -> dict[tuple, Any]:
        """The plain values inside what the function can reach (not inside the jit's own
        objects: its shadows' and jitted functions' counters are not the function's)."""
        return plain_values(*self.reach_from, opaque=self.opaque, fingerprint=fingerprint)

    def check_plain(self) -> None:
        """Give up if a plain value inside what the function can reach changed since the
        snapshot (outside an optimizer's or scheduler's call, whose effects are replayed)."""
        now = self.plain_now()
        before = self.plain_before
        replayed = {id(var.value) for var in self.program.rewound}  # ops' writes: recorded
        if now.keys() != before.keys() or any(
                not same_value(now[k], v) and not (type(v) is tuple and v[0] == "array"
                                                   and v[1] in replayed)
                for k, v in before.items()):
            self.give_up("it assigns to a Python value held in an object it can reach (an "
                         "attribute, a dict or list item: a counter, a learning rate set by "
                         "hand, a layer made anew), or writes into an array there with plain "
                         "numpy, which a replay would not do again")

    def _shadow(self, obj: Any) -> None:
        with _SHADOWS_LOCK:
            for name in ("step", "zero_grad"):
                if getattr(type(obj), name, None) is None:  # a scheduler has no zero_grad
                    continue
                shadow = obj.__dict__.get(name)
                if shadow is None:
                    shadow = obj.__dict__[name] = _Shadow(obj, name)
                if isinstance(shadow, _Shadow):  # not a user's own attribute
                    shadow.users += 1
                    self.shadows.append(shadow)

    def unshadow(self) -> None:
        with _SHADOWS_LOCK:
            for shadow in self.shadows:
                shadow.users -= 1
                if not shadow.users and shadow.obj.__dict__.get(shadow.name) is shadow:
                    del shadow.obj.__dict__[shadow.name]
        self.shadows = []

    def callback(self, shadow: _Shadow, args: tuple, kwargs: dict) -> Any:
        if any(isinstance(a, (Traced, Tensor)) for a in (*args, *kwargs.values())):
            self.give_up(f"{type(shadow.obj).__name__}.{shadow.name}() was given an array")
        closure = kwargs.get("closure", args[0] if len(args) == 1 else None)
        if shadow.name == "step" and callable(closure) and len(args) + len(kwargs) == 1:
            # An optimizer's step(closure) is the closure (its forward and backward,
            # recorded as the function's own ops, with gradients on as step() has them),
            # then the plain step, replayed as a call.
            with enable_grad():
                loss = closure()
            self.callback(shadow, (), {})
            return loss
        if any(callable(a) for a in (*args, *kwargs.values())):
            self.give_up(f"{type(shadow.obj).__name__}.{shadow.name}() was given a function, "
                         f"which it would run where the recording does not look")
        if shadow.name != "zero_grad" or self._grads_used():
            self.late = True  # running it as written after a replay failed would do it twice
        self.materialize()
        self.check_unread("before any op reads it")  # the function's doing, not this call's
        self.check_plain()
        self.emit(Callback(shadow.obj, shadow.name, args, kwargs))
        self.inside_op += 1
        try:
            result = shadow.method(*args, **kwargs)
        finally:
            self.inside_op -= 1
            self.rebind()
            # what it did to tensors no op has read is its own doing, on every replay too
            self.before = {k: _snapshot(seen[0]) for k, seen in self.before.items()}
            self.plain_before = self.plain_now()  # the call's own changes: replayed
        if result is not None:
            self.give_up(f"it uses the result of {type(shadow.obj).__name__}.{shadow.name}()")
        return result

    def _grads_used(self) -> bool:
        """Whether a call so far read a gradient (then resetting them cannot be redone)."""
        return any(isinstance(i, Call) and not self.grad_vars.isdisjoint(
            frozenset().union(*(v.roots for v in operands((i.args, i.kwargs)))))
            for i in self.program.instrs)

    def materialize(self) -> None:
        """Real arrays into every bound tensor's slots, and the stores a replay makes for
        what the function assigned to them."""
        for binding in self.bindings.values():
            tensor = binding.tensor
            for slot in ("data", "grad"):
                now, bound = getattr(tensor, slot), getattr(binding, slot)
                if now is bound:
                    if isinstance(now, Traced):
                        setattr(tensor, slot, now.value)
                    continue
                if isinstance(now, Traced):
                    value = now.value
                    if isinstance(value, np.generic) and slot == "grad":
                        value = np.array(value)  # a .grad is always an array
                    self.emit(Store(tensor, slot, now._var))
                    setattr(tensor, slot, value)
                else:  # None, or an array from outside the recording: a constant
                    self.emit(Store(tensor, slot, now))
                    if isinstance(now, np.ndarray):  # the replays read it: the caller's copy
                        setattr(tensor, slot, now.copy())

    def rebind(self) -> None:
        """After a callback: read every bound tensor afresh (late guards: a mismatch now
        raises, since the callback's effects cannot be undone)."""
        tensors = [b.tensor for b in self.bindings.values()]
        self.bindings = {}
        for tensor in tensors:
            self.bind(tensor)

    # -- random draws -----------------------------------------------------------------------
    # -- the end ----------------------------------------------------------------------------
    def finish(self) -> None:
        """Real arrays back into every tensor, the final stores, and the checks that nothing
        made while recording outlives it."""
        self.materialize()
        self.bindings = {}
        self.check_unread("no op of it reads")
        self.before = {}
        if any(tensor.requires_grad != flag for tensor, flag in self.flags.values()):
            self.give_up("it changes requires_grad of a tensor (requires_grad_()), which a "
                         "replay would not do again")
        self.flags = {}

    def check_unread(self, where: str) -> None:
        """Give up if a tensor no op has read yet was assigned to or written into since its
        snapshot: by the function's plain Python (which a replay would not redo), or by
        another thread meanwhile (which it must not redo)."""
        for tensor, data, grad, data_print, grad_print in self.before.values():
            if tensor.data is not data or tensor.grad is not grad or \
                    fingerprint(data) != data_print or fingerprint(grad) != grad_print:
                self.give_up(f"it assigns to or writes into .data or .grad of a tensor {where}")
                return

    def locate(self, fn: Any, arguments: Any) -> None:
        """Where each bound tensor, each optimizer stepped and each module is kept, for the
        replay to check it is still there (and each module's train or eval mode): a replay
        reads the tensors and steps the optimizers it recorded and follows the mode's branches
        taken then, where the function as written would use whatever `net.w` is by then.
        The modules are those `scan` found. So is each numpy array from outside that a call
        took as a constant (`x * scale` with a global array `scale`): rebound to another
        array, the replay would still read the recorded one."""
        if self.reach_from[0] is not None:  # after check_escapes: its reason comes first
            self.check_plain()
        bound: dict[int, Any] = {}
        for instr in self.program.instrs:
            kept = instr.obj if isinstance(instr, Callback) else getattr(instr, "tensor", None)
            if type(kept) is Tensor or isinstance(instr, Callback) or (
                    isinstance(instr, Read) and instr.source == "array"):
                bound.setdefault(id(kept), kept)
            elif isinstance(instr, Call):
                for constant in operands((instr.args, instr.kwargs), np.ndarray):
                    bound.setdefault(id(constant), constant)
        found = paths(fn, arguments, list(bound.values()))
        self.program.places = list(found.values()) + self.modules
        if any(id(v.value) not in found for v in self.program.rewound):
            self.give_up("an op writes into an array that the function made itself or keeps "
                         "where a replay cannot find it (not in a module, a global or a "
                         "closure variable); a replay would write into the recording's array "
                         "again")
        for root, steps, value in self.python_before:
            try:
                now = follow(root, steps, arguments)
            except (LookupError, AttributeError):
                now = _GONE
            if not same_value(now, value):
                where = root[2] if root[0] == "global" else "a closure variable or attribute"
                self.give_up(f"it assigns to {where} (a Python value), which a replay "
                             f"would not do again")
                return
        self.program.values = self.python_before

    def check_escapes(self) -> None:
        with _SCAN_LOCK:  # another thread's scan holds every object for a moment
            kept = [t for t in (ref() for ref in self.created) if t is not None]
            arrays = any(ref() is not None for ref in self.traced)
        for tensor in kept:
            for slot in ("data", "grad"):
                value = getattr(tensor, slot)
                if isinstance(value, Traced):
                    setattr(tensor, slot, value.value)
        if kept:
            self.give_up("a tensor made inside the function is kept after it returns (in a "
                         "list, on an object, with retain_grad()); a replay would not update it")
        if arrays:
            self.give_up("an array made inside the function is kept after it returns (in a "
                         "list, on an object); a replay would not update it")


_TENSOR, _OPTIMIZER, _BIT_GENERATOR = 1, 2, 3  # what the scan looks for
_GONE = object()  # a Python value no longer where it was


def _scanned_kinds(stepped: tuple[type, ...]) -> dict[type, int]:
    """Each class the scan looks for (Tensor; the optimizers and learning-rate schedulers,
    whose `step()` a replay runs as written; numpy's bit generators and Python's
    `random.Random`; and their subclasses defined so far), and which of its kinds it is.
    (`random.SystemRandom` has no state to compare: its draws are not caught.)"""
    kinds: dict[type, int] = {}
    for root, kind in ((np.random.BitGenerator, _BIT_GENERATOR),
                       (random.Random, _BIT_GENERATOR), *((c, _OPTIMIZER) for c in stepped),
                       (Tensor, _TENSOR)):
        classes = [root]
        while classes:
            cls = classes.pop()
            if cls is not random.SystemRandom:
                kinds[cls] = kind
            classes += type.__subclasses__(cls)
    return kinds


def _operands(obj: Any) -> Any:
    """Arguments as operands: each stand-in as its Var, the rest as they are."""
    return substitute(obj, (Traced, Tensor), _operand)


def _operand(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        raise JitError("jit: a Tensor was passed to a numpy function while recording; pass "
                       "its .data, or use the Tensor's own operations")
    return obj._var


def _name(fn: Any) -> str:
    return fn if isinstance(fn, str) else getattr(fn, "__name__", repr(fn))

