"""The recording as data: values (`Var`) and a typed list of instructions.

An operand of an instruction is a `Var` (a value computed or read on every call), or any
other object, which the replay reads as it was when recorded (a constant); tuples, lists,
dicts and slices of those are looked into.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, overload


class Var:
    """One value of the recording. `value` is what it was while recording (its shape and
    dtype size the buffers); `fresh` means the call made a new array that shares memory with
    nothing; `roots` are the fresh arrays it may view; `known` means it is the same on every
    call (made from constants and shapes alone)."""

    __slots__ = ("fresh", "id", "known", "roots", "value")

    def __init__(self, id: int, value: Any) -> None:
        self.id, self.value = id, value
        self.fresh = False
        self.roots: frozenset[Var] = frozenset()
        self.known = False

    def __repr__(self) -> str:
        return f"v{self.id}"


@dataclass(eq=False)
class Read:
    """A value read afresh on every call: an argument, or a bound tensor's data or grad."""
    out: Var
    source: str  # "arg", "data", "grad" or "array"
    index: int = 0  # the argument's position, for "arg"
    tensor: Any = None  # for "data" and "grad"; for "array", the array itself


@dataclass(eq=False)
class Call:
    """A numpy call. `kind` says how it is spelled: "call" fn(*args, **kwargs); "operator"
    (fn is from `operator`); "method" args[0].fn(*args[1:]); "attr" args[0].fn;
    "getitem"/"setitem"; "draw" (a method of the framework's random generator, drawn afresh
    on every call). `writes` are the Vars it writes into (`out=`, in-place operators)."""
    out: Var | None
    fn: Any
    args: tuple
    kwargs: dict = field(default_factory=dict)
    kind: str = "call"
    writes: tuple = ()
    # how the result can be written into a buffer instead: a ufunc (fn(*args, out=buf)), or
    # "method" (args[0].fn(*args[1:], out=buf)); None when it cannot
    into: Any = None
    elementwise: bool = False


@dataclass(eq=False)
class Guard:
    """A fact checked on every call. kind: "bool" (bool(var) is expected), "equal" (the
    array equals expected), "array" (var is an ndarray of expected = (shape, dtype, strides)),
    "none" (var is None), "requires_grad" (tensor.requires_grad is expected)."""
    var: Var | None
    kind: str
    expected: Any = None
    tensor: Any = None


@dataclass(eq=False)
class Callback:
    """A method run as written, on real arrays, at this point of the replay (an optimizer's
    `step()` or `zero_grad()`, a learning-rate scheduler's `step()`): its Python reads the
    hyperparameters and state of the day."""
    obj: Any
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(eq=False)
class Store:
    """Assign `tensor.<slot>` (slot "data" or "grad"): a Var's value, None, or a constant."""
    tensor: Any
    slot: str
    value: Any


Instr = Read | Call | Guard | Callback | Store


@dataclass(eq=False)
class Program:
    """A recording: the instructions in order, the results, and what the passes decided."""
    instrs: list = field(default_factory=list)
    result: Any = None  # the function's result, Vars in place of arrays
    params: int = 0  # how many (flattened) arguments the replay takes
    folded: dict = field(default_factory=dict)  # Var -> value computed once
    hoisted: set = field(default_factory=set)  # the folded Vars that view a buffer
    buffers: dict = field(default_factory=dict)  # Var -> buffer slot number
    slots: list = field(default_factory=list)  # (shape, dtype, escapes) per buffer slot
    adopted: dict = field(default_factory=dict)  # local slot -> an optimizer's scratch array
    # (object, root, steps): where each tensor the recording binds and each optimizer it
    # steps is kept (reach.paths), so a replay checks first that it is still there
    places: list = field(default_factory=list)
    # (root, steps, value): the plain Python values the function may read (its globals,
    # closure variables, its modules' number attributes, and those held in the lists, dicts
    # and attributes below them: reach.held_values), checked unchanged on every replay
    values: list = field(default_factory=list)
    # the first instruction that running the function as written would do a second time (a
    # write into a tensor's data, an optimizer's step): from it on, a failure cannot fall
    # back to running the function as written
    late_from: Any = None
    # arrays an op took as they are ("array" reads: batch norm's running statistics) that
    # the replay writes into before late_from: kept and put back if it then falls back
    rewound: set = field(default_factory=set)


T = TypeVar("T")


@overload
def operands(obj: Any) -> list[Var]: ...


@overload
def operands(obj: Any, kind: type[T]) -> list[T]: ...


def operands(obj: Any, kind: type = Var) -> list[Any]:
    """The Vars (or other `kind`: a call's constant arrays) inside an operand, looking into
    tuples, lists, dicts and slices."""
    found: list[Any] = []
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, kind):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, slice):
            stack.extend((item.start, item.stop, item.step))
    return found


def substitute(obj: Any, kind: Any, value: Any) -> Any:
    """`obj` with each instance of `kind` inside (tuples, lists, dicts, slices) replaced by
    value(instance); everything else as it is."""
    if isinstance(obj, kind):
        return value(obj)
    if isinstance(obj, tuple):
        return tuple([substitute(o, kind, value) for o in obj])
    if isinstance(obj, list):
        return [substitute(o, kind, value) for o in obj]
    if isinstance(obj, dict):
        return {k: substitute(v, kind, value) for k, v in obj.items()}
    if isinstance(obj, slice):
        return slice(substitute(obj.start, kind, value), substitute(obj.stop, kind, value),
                     substitute(obj.step, kind, value))
    return obj


def reads(instr: Any) -> list[Var]:
    """The Vars an instruction reads."""
    if isinstance(instr, Call):
        return operands((instr.args, instr.kwargs))
    if isinstance(instr, Guard):
        return [instr.var] if instr.var is not None else []
    if isinstance(instr, Store):
        return operands(instr.value)
    return []
