"""Code generation: a planned `Program` as one straight-line Python function."""
from __future__ import annotations

import operator
from collections.abc import Callable
from sys import getrefcount
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..memory import empty_aligned
from ..tensor import Tensor
from .errors import GuardFailed, JitError, ReplayRaised
from .ir import Call, Callback, Guard, Program, Read, Store, Var, substitute
from .reach import same_value
from .traced import BINARY, COMPARE, UNARY

_SYMBOLS = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
            operator.floordiv: "//", operator.mod: "%", operator.pow: "**",
            operator.matmul: "@", operator.and_: "&", operator.or_: "|", operator.xor: "^",
            operator.lt: "<", operator.le: "<=", operator.eq: "==", operator.ne: "!=",
            operator.gt: ">", operator.ge: ">=", operator.neg: "-", operator.pos: "+",
            operator.invert: "~"}
assert set(_SYMBOLS) >= set(BINARY.values()) | set(COMPARE.values()) | (
    set(UNARY.values()) - {operator.abs})


class LateGuardFailed(JitError):
    """A fact checked after the replay stepped an optimizer or wrote into a tensor's data."""


def _late(what: str) -> None:
    raise LateGuardFailed(f"jit: {what} changed between calls, after the replay had already "
                          f"stepped an optimizer or written into a tensor's data; it cannot "
                          f"run the function as written instead")


class _Writer:
    """Names for Vars and constants, and the lines of the function."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.namespace: dict[str, Any] = {}
        self.names: dict[int, str] = {}
        self.checked: set[int] = set()  # escaping buffers already checked in this replay

    def const(self, value: Any) -> str:
        name = self.names.get(id(value))
        if name is None:
            name = self.names[id(value)] = f"c{len(self.names)}"
            self.namespace[name] = value
        return name

    def render(self, obj: Any) -> str:
        if isinstance(obj, Var):
            if obj in self.program.folded:
                return self.const(self.program.folded[obj])
            return f"v{obj.id}"
        if isinstance(obj, tuple):
            return "(" + "".join(self.render(o) + ", " for o in obj) + ")"
        if isinstance(obj, list):
            return "[" + ", ".join(self.render(o) for o in obj) + "]"
        if isinstance(obj, dict):
            return "{" + ", ".join(f"{k!r}: {self.render(v)}" for k, v in obj.items()) + "}"
        if isinstance(obj, slice):
            return f"slice({self.render(obj.start)}, {self.render(obj.stop)}, " \
                   f"{self.render(obj.step)})"
        if obj is None or obj is Ellipsis or type(obj) in (bool, int, str):
            return repr(obj)
        return self.const(obj)

    def arguments(self, args: tuple, kwargs: dict, extra: str = "") -> str:
        parts = [self.render(a) for a in args]
        parts += [f"{k}={self.render(v)}" for k, v in kwargs.items()]
        if extra:
            parts.append(extra)
        return ", ".join(parts)


def _buffer(writer: _Writer, var: Var, lines: list[str]) -> str | None:
    """The expression for the buffer `var` is written into (None: a new array)."""
    slot = writer.program.buffers.get(var)
    if slot is None:
        return None
    shape, dtype, escapes = writer.program.slots[slot]
    if escapes and slot not in writer.checked:
        # handed out last time: reuse it only if nothing outside still holds it (checked at
        # its first write in the replay; a later write in the same replay is into our own)
        writer.checked.add(slot)
        lines.append(f"if getrefcount(B[{slot}]) > 2: B[{slot}] = empty({shape!r}, "
                     f"{writer.const(dtype)})")
    return f"B[{slot}]" if escapes else f"b{slot}"


def _call(writer: _Writer, instr: Call, lines: list[str]) -> None:
    r = writer.render
    fn, args, kwargs, kind = instr.fn, instr.args, instr.kwargs, instr.kind
    target = f"v{instr.out.id} = " if instr.out is not None else ""
    buffer = _buffer(writer, instr.out, lines) if instr.out is not None else None
    if buffer is not None and instr.into == "method":
        arguments = writer.arguments(args[1:], kwargs, "out=" + buffer)
        lines.append(f"{target}{r(args[0])}.{fn}({arguments})")
        return
    if buffer is not None and instr.into in ("zeros", "empty"):
        if instr.into == "zeros":
            lines.append(f"copyto({buffer}, 0)")
        lines.append(f"{target}{buffer}")
        return
    if buffer is not None and instr.into == "copy":
        lines.append(f"copyto({buffer}, {r(args[0])})")
        lines.append(f"{target}{buffer}")
        return
    if buffer is not None:  # a ufunc (or an operator's ufunc) writing into the buffer
        lines.append(f"{target}{writer.const(instr.into)}("
                     f"{writer.arguments(args, kwargs, 'out=' + buffer)})")
        return
    if kind == "call":
        source = f"{writer.const(fn)}({writer.arguments(args, kwargs)})"
    elif kind == "operator":
        symbol = _SYMBOLS.get(fn)
        if symbol is None:
            source = f"{writer.const(fn)}({writer.arguments(args, {})})"
        elif len(args) == 1:
            source = f"{symbol}{r(args[0])}"
        else:
            source = f"{r(args[0])} {symbol} {r(args[1])}"
    elif kind == "inplace":
        source = f"{writer.const(fn)}({writer.arguments(args, {})})"
    elif kind == "method":
        source = f"{r(args[0])}.{fn}({writer.arguments(args[1:], kwargs)})"
    elif kind == "attr":
        source = f"{r(args[0])}.{fn}"
    elif kind == "getitem":
        source = f"{r(args[0])}[{r(args[1])}]"
    elif kind == "setitem":
        lines.append(f"{r(args[0])}[{r(args[1])}] = {r(args[2])}")
        return
    else:  # "draw": afresh from the framework's generator of the day
        source = f"get_generator().{fn}({writer.arguments(args, kwargs)})"
    lines.append(target + source)


def _rewound_by(program: Program, call: Call) -> list[Var]:
    """The rewound arrays (`Program.rewound`) that `call` writes into, itself or by a view."""
    if not call.writes or not program.rewound:
        return []
    return [var for var in program.rewound
            if any(w is var or var in w.roots for w in call.writes)]


def _guard(writer: _Writer, guard: Guard, late: bool) -> list[str]:
    what = {"array": "the shape, dtype or layout of a tensor's data or grad",
            "none": "whether a tensor's .grad is None",
            "requires_grad": "a tensor's requires_grad",
            "bool": "a value the function branches on",
            "equal": "a value the function reads"}[guard.kind]
    fail = f"late({what!r})" if late else f"raise GuardFailed({what!r})"
    name = writer.render(guard.var) if guard.var is not None else None
    if guard.kind == "array":
        shape, dtype, strides = guard.expected
        test = (f"{name}.__class__ is not ndarray or {name}.shape != {shape!r} or "
                f"{name}.dtype is not {writer.const(dtype)} or {name}.strides != {strides!r}")
    elif guard.kind == "none":
        test = f"{name} is not None"
    elif guard.kind == "requires_grad":
        test = f"{writer.const(guard.tensor)}.requires_grad is not {guard.expected!r}"
    elif guard.kind == "bool":
        test = f"bool({name}) is not {guard.expected!r}"
    else:
        test = f"not ({name} == {writer.const(guard.expected)}).all()"
    return [f"if {test}: {fail}"]


def _places(writer: _Writer, program: Program) -> list[str]:
    """Lines that check each bound tensor, optimizer and module is still where it was kept
    when recorded (the attribute, item or variable the function finds it through), each
    module's mode, and each Python value the function may read; a lookup that fails or finds
    another object or value runs the call as written, and the next call records anew."""
    tests = []
    for kept, root, steps in program.places:
        tests.append(f"{_where(writer, root, steps)} is not {writer.const(kept)}")
        training = getattr(kept, "training", None) if not isinstance(kept, Tensor) else None
        if type(training) is bool:  # a module: its mode picked the branches recorded
            tests.append(f"{writer.const(kept)}.training is not {training!r}")
    for root, steps, value in program.values:
        tests.append(f"not same_value({_where(writer, root, steps)}, {writer.const(value)})")
    if not tests:
        return []
    return ["try:", f"    moved = {' or '.join(tests)}", "except Exception:", "    moved = True",
            "if moved: raise GuardFailed('where a tensor, module or Python value it reads "
            "is kept, or what it holds')"]


def _where(writer: _Writer, root: tuple, steps: tuple) -> str:
    """The expression that finds the object at `root` and `steps` (reach.follow's lookups)."""
    kind = root[0]
    if kind == "arg":
        where = f"a{root[1]}"
    elif kind == "cell":
        where = f"{writer.const(root[1])}.cell_contents"
    elif kind in ("global", "item"):
        where = f"{writer.const(root[1])}[{root[2]!r}]"
    else:  # "object"
        where = writer.const(root[1])
    for step, key in steps:
        where += {"attr": f".__dict__[{key!r}]", "slot": f".{key}", "item": f"[{key!r}]",
                  "closure": f".__closure__[{key}].cell_contents",
                  "global": f".__globals__[{key!r}]"}[step]
    return where


def generate(program: Program, wrap: Callable[[Any], Any]) -> Callable[..., Any]:
    """The replay: the program's lines, then its result through `wrap`."""
    writer = _Writer(program)
    early: list[str] = []  # lines before anything that running as written would redo
    late_lines: list[str] = []
    lines = early
    slots = program.slots
    local = [f"b{i}" for i, (_, _, escapes) in enumerate(slots) if not escapes]
    if local:
        early.append(f"{', '.join(local)}, = L")
    early += _places(writer, program)
    buffers = [program.adopted[slot] if slot in program.adopted else empty_aligned(shape, dtype)
               for slot, (shape, dtype, _) in enumerate(slots)]
    drawn = False  # whether the lines before any late effect draw random numbers
    kept: list[Var] = []  # the rewound arrays whose contents the replay keeps
    for instr in program.instrs:
        if instr is program.late_from:
            lines = late_lines
        if isinstance(instr, Call) and _hoisted(program, instr, buffers):
            continue
        if isinstance(instr, Read):
            if instr.source == "arg":
                lines.append(f"v{instr.out.id} = a{instr.index}" + (
                    ".data" if instr.tensor else ""))
            elif instr.source == "array":
                lines.append(f"v{instr.out.id} = {writer.const(instr.tensor)}")
            else:
                lines.append(f"v{instr.out.id} = {writer.const(instr.tensor)}.{instr.source}")
        elif isinstance(instr, Guard):
            lines += _guard(writer, instr, lines is late_lines)
        elif isinstance(instr, Call):
            if lines is early:
                for var in _rewound_by(program, instr):
                    if var not in kept:  # its contents before the replay's first write
                        kept.append(var)
                        lines.append(f"kept{var.id} = v{var.id}.copy()")
            if instr.kind == "draw" and lines is early and not drawn:
                # a guard that fails, or a call that raises, after this draw runs the call
                # as written: the generator must then be where this replay found it, so
                # that the function's own draws are the numbers eager would have drawn
                drawn = True
                lines.append("drawn = get_generator().bit_generator.state")
            _call(writer, instr, lines)
        elif isinstance(instr, Callback):
            lines.append(f"{writer.const(instr.obj)}.{instr.name}("
                         f"{writer.arguments(instr.args, instr.kwargs)})")
        elif isinstance(instr, Store):
            value = instr.value
            if isinstance(value, Var):
                source = writer.render(value)
                if value in program.folded:
                    source += ".copy()"  # a value computed once: each call hands out its own
                elif isinstance(value.value, np.generic) and instr.slot == "grad":
                    source = f"array({source})"
            else:  # an array made while recording, not from the inputs: each call its own
                source = writer.render(value) + (".copy()" if isinstance(value, np.ndarray)
                                                 else "")
            lines.append(f"{writer.const(instr.tensor)}.{instr.slot} = {source}")
    result = writer.render(program.result)
    params = ", ".join(f"a{i}" for i in range(program.params))
    body = [f"def replay({params}):"]
    if early:
        # before the call runs as written: the generator and the arrays written into back
        # where this replay found them
        rewind = [f"        if kept{v.id} is not None: copyto(v{v.id}, kept{v.id})"
                  for v in kept]
        if drawn:
            rewind += ["        if drawn is not None: "
                       "get_generator().bit_generator.state = drawn"]
        body += [f"    kept{v.id} = None" for v in kept] + (
            ["    drawn = None"] if drawn else []) + ["    try:"] + [
            "        " + line for line in early] + [
            "    except GuardFailed:", *rewind, "        raise",
            "    except Exception as error:", *rewind, "        raise ReplayRaised from error"]
    body += ["    " + line for line in late_lines]
    body.append(f"    return wrap({result})")
    source = "\n".join(body)
    namespace = dict(writer.namespace, GuardFailed=GuardFailed, ReplayRaised=ReplayRaised,
                     late=_late, ndarray=np.ndarray, empty=empty_aligned, array=np.array,
                     copyto=np.copyto, getrefcount=getrefcount, wrap=wrap,
                     get_generator=_get_generator, B=buffers, same_value=same_value,
                     L=tuple([b for b, (_, _, e) in zip(buffers, slots) if not e]))
    exec(source, namespace)  # noqa: S102 - code generated from our own recording
    replay = namespace["replay"]
    replay.source = source
    replay.buffers = buffers
    return replay


_VIEW_METHODS = frozenset(("reshape", "transpose", "swapaxes", "view", "squeeze"))
_VIEW_FUNCTIONS = (sliding_window_view, np.moveaxis, np.swapaxes, np.transpose,
                   np.broadcast_to, np.expand_dims, np.squeeze)


def _hoisted(program: Program, instr: Call, buffers: list[Any]) -> bool:
    """A view of memory the step owns (a local buffer, or a view of one), with constant
    arguments, is the same array on every call: made once, here, and read as a constant by
    the replay (a view costs microseconds of Python, sliding_window_view tens). True when
    `instr` was so made; a call that turns out to copy (a reshape can) stays in the replay."""
    kind, fn = instr.kind, instr.fn
    if instr.out is None or instr.writes or not (
            (kind == "method" and fn in _VIEW_METHODS) or (kind == "attr" and fn == "T")
            or kind == "getitem" or (kind == "call" and fn in _VIEW_FUNCTIONS)):
        return False

    def owned(var: Var) -> Any:  # the array behind a Var that is the same on every call
        if var in program.folded:
            return program.folded[var]
        slot = program.buffers.get(var)
        if slot is None or program.slots[slot][2]:  # none, or handed out (may be replaced)
            raise KeyError(var)
        return buffers[slot]

    def constant(var: Var) -> Any:  # a value that is the same on every call
        if var not in program.folded or var in program.hoisted:  # a hoisted view is the
            raise KeyError(var)  # same memory on every call, not the same values
        return program.folded[var]

    # Only the array viewed may be a buffer: the same memory on every call, whatever it
    # holds. Every other operand (an index, a shape) must be a constant: a buffer's contents
    # change from call to call (an index array computed in the step is no view at all).
    try:
        base = instr.args[0]
        base = owned(base) if isinstance(base, Var) else base
        args = (base,) + substitute(instr.args[1:], Var, constant)
        kwargs = substitute(instr.kwargs, Var, constant)
    except KeyError:
        return False
    if type(base) is not np.ndarray:
        return False
    if kind == "method":
        view = getattr(base, fn)(*args[1:], **kwargs)
    elif kind == "attr":
        view = base.T
    elif kind == "getitem":
        view = base[args[1]]
    else:
        view = fn(*args, **kwargs)
    if type(view) is not np.ndarray or view.base is None or \
            not np.may_share_memory(view, base):
        return False
    program.folded[instr.out] = view
    program.hoisted.add(instr.out)
    return True


def _get_generator() -> Any:
    from .. import random

    return random.get_generator()


def wrap_result(recorded: Any) -> Callable[[Any], Any]:
    """How a replay hands back the function's result, shaped as `recorded` (the recording's
    own): tensors as tensors (with no graph), at any depth of tuples, lists and dicts."""
    if isinstance(recorded, Tensor):
        return Tensor
    if isinstance(recorded, (tuple, list)):
        parts = [wrap_result(r) for r in recorded]
        if isinstance(recorded, list):
            return lambda values: [part(v) for part, v in zip(parts, values)]
        if hasattr(recorded, "_fields"):  # a named tuple
            kind = type(recorded)
            return lambda values: kind(*[part(v) for part, v in zip(parts, values)])
        return lambda values: tuple([part(v) for part, v in zip(parts, values)])
    if type(recorded) is dict:
        parts_of = {key: wrap_result(item) for key, item in recorded.items()}
        return lambda values: {key: part(values[key]) for key, part in parts_of.items()}
    return _as_it_is


def _as_it_is(value: Any) -> Any:
    return value
