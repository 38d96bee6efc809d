"""What a function can reach: the objects behind its arguments, closure, defaults, bound
object and the globals it names. The recorder snapshots the tensors among them, so that an
assignment made by the function is told apart from another thread's training. It finds
where each tensor, optimizer and module a recording uses is kept (`paths`), so that a
replay can check that the same one is still there (`net.w = Tensor(...)` after recording
must not replay the old one), and which plain Python values the function may read
(`python_values`, `held_values`: `SCALE = 5.0` after recording must not replay the old
number). `plain_values` is what its own Python may change there, compared before and after
it runs."""
from __future__ import annotations

import functools
import gc
import types
from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor

REACH_LIMIT = 200_000  # objects looked at to find what a function can reach
PATH_LIMIT = 50_000  # objects looked at to find where the recorded tensors are kept

# A root: how a replay finds the object again. ("arg", index) an argument of the call,
# ("cell", cell) a closure variable, ("global", namespace, name) a global the code names,
# ("item", container, index) a default, ("object", obj) a bound object or callable itself.
Root = tuple
# A step from an object to one it holds: ("attr", name) in its __dict__, ("slot", name) a
# __slots__ member, ("item", index) of a list, tuple or dict; from a function, ("closure",
# index) a closure variable and ("global", name) a global its code names.
Step = tuple


def roots(fn: Any, arguments: Any = ()) -> list[tuple[Root, Any]]:
    """Where `fn` starts from, each with the object there now."""
    found: list[tuple[Root, Any]] = [(("arg", i), a) for i, a in enumerate(arguments)]
    stack = [fn]
    while stack:
        f = stack.pop()
        if isinstance(f, functools.partial):
            found += [(("item", f.args, i), a) for i, a in enumerate(f.args)]
            found += [(("item", f.keywords, k), v) for k, v in f.keywords.items()]
            stack.append(f.func)
            continue
        self_ = getattr(f, "__self__", None)
        if self_ is not None and not isinstance(self_, types.ModuleType):
            found.append((("object", self_), self_))
        f = getattr(f, "__func__", f)
        code = getattr(f, "__code__", None)
        if code is None:
            found.append((("object", f), f))  # a callable object: its attributes
            continue
        found += [(("cell", c), c.cell_contents) for c in (f.__closure__ or ())
                  if _has_contents(c)]
        defaults = f.__defaults__ or ()
        found += [(("item", defaults, i), d) for i, d in enumerate(defaults)]
        keywords = f.__kwdefaults__ or {}
        found += [(("item", keywords, k), v) for k, v in keywords.items()]
        namespace = f.__globals__
        found += [(("global", namespace, n), namespace[n]) for c in _codes(code)
                  for n in c.co_names if n in namespace]
    return [(root, obj) for root, obj in found if not isinstance(obj, (types.ModuleType, type))]


def reachable(fn: Any, arguments: Any = ()) -> set[int] | None:
    """The ids of the objects `fn` can reach through its arguments, closure, defaults, bound
    object and the globals it names (None when there are too many to look at: then every
    tensor counts).
    Another thread's model is not among them, so its training is not taken for this one's."""
    seen: set[int] = set()
    skip = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, np.ndarray)
    queue = [obj for _, obj in roots(fn, arguments)]
    while queue:
        obj = queue.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if len(seen) > REACH_LIMIT:
            return None
        if isinstance(obj, types.FunctionType):
            queue.append(obj.__closure__ or ())
            queue += [c.cell_contents for c in (obj.__closure__ or ()) if _has_contents(c)]
            continue
        if not isinstance(obj, skip):
            queue += gc.get_referents(obj)
    return seen


def _walk(fn: Any, arguments: Any, closed: tuple[type, ...] = ()
          ) -> Iterator[tuple[Any, Root, tuple, list[tuple[Step, Any]]]]:
    """Breadth first over the objects `fn` reaches by plain lookups (`_children`), at most
    PATH_LIMIT: yields (object, root, steps, children), by the fewest steps from a root of
    `fn`. The walk goes on below the children the caller leaves in the list (it may prune
    it). Tensors and `closed` objects come with no children: never walked into."""
    seen: set[int] = set()
    queue: deque[tuple[Any, Root, tuple]] = deque(
        (obj, root, ()) for root, obj in roots(fn, arguments))
    while queue and len(seen) < PATH_LIMIT:
        obj, root, steps = queue.popleft()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        # a tensor's arrays and graph: what a replay reads afresh anyway
        children = [] if isinstance(obj, (Tensor, *closed)) else _children(obj)
        yield obj, root, steps, children
        for step, child in children:
            if id(child) not in seen:
                queue.append((child, root, steps + (step,)))


def paths(fn: Any, arguments: Any, wanted: list[Any], kind: type | None = None
          ) -> dict[int, tuple[Any, Root, tuple]]:
    """{id: (object, root, steps)} for each wanted object found, and for every object of
    `kind` met on the way: the fewest steps from a root of `fn` through attributes, slots
    and items (breadth first, at most PATH_LIMIT objects; never into a tensor). An object
    kept only elsewhere (behind a property, a computed name) has none."""
    left = {id(obj) for obj in wanted}
    found: dict[int, tuple[Any, Root, tuple]] = {}
    if not left and kind is None:
        return found
    for obj, root, steps, _ in _walk(fn, arguments):
        if id(obj) in left or (kind is not None and isinstance(obj, kind)):
            left.discard(id(obj))
            found[id(obj)] = (obj, root, steps)
            if not left and kind is None:
                break
    return found


# Python values a function reads and a replay would freeze: numbers, strings, None
SCALARS = (int, float, bool, complex, str, bytes, type(None))


def python_values(fn: Any, arguments: Any, modules: list[tuple[Any, Root, tuple]]
                  ) -> list[tuple[Root, tuple, Any]]:
    """(root, steps, value) for each plain Python value the function may read and a replay
    would not: its globals, closure variables and defaults that are numbers, strings or
    tuples of them, and each such attribute of the modules it reaches (`modules`: their
    (object, root, steps))."""
    found = [(root, (), obj) for root, obj in roots(fn, arguments)
             if root[0] != "arg" and _plain(obj)]  # arguments are in the key
    for module, root, steps in modules:
        found += [(root, steps + (("attr", name),), value)
                  for name, value in list(vars(module).items())
                  if type(name) is str and _plain(value)]
    return found


def held_values(fn: Any, arguments: Any, skip: tuple[type, ...], own: type
                ) -> list[tuple[Root, tuple, Any]]:
    """(root, steps, value) for each plain value held below the function's roots: in the
    dict and list items and the attributes of the objects it reaches (`coef[0]`,
    `cfg["scale"]`, `opts.scale`), which a replay would otherwise keep as recorded. Not
    inside tensors and arrays, nor `skip` objects (optimizers and schedulers, whose calls
    run as written and read their values as they are; the jit's own); an `own` object's
    direct attributes are `python_values`' (a module's). An attribute counts where the
    function's code, or a method of a module it reaches, names it. Breadth first, at most
    PATH_LIMIT objects."""
    found: list[tuple[Root, tuple, Any]] = []
    named = _names_read(fn, [obj for _, obj in roots(fn, arguments)])
    classes: set[type] = set()
    for obj, root, steps, children in _walk(fn, arguments, skip):
        listed = isinstance(obj, own)
        if listed and type(obj) not in classes:  # a module: what its forward reads
            classes.add(type(obj))
            named |= _method_names(type(obj), own)
        below = []
        for step, child in children:
            if step[0] in ("attr", "slot") and step[1] not in named:
                continue  # an attribute no code of it names: not read (a loop's counter)
            if _plain(child):
                if not listed:
                    found.append((root, steps + (step,), child))
            elif type(child) is not np.ndarray:
                below.append((step, child))
        children[:] = below
    return found


def _method_names(cls: type, base: type) -> set[str]:
    """The names the methods of `cls` read, those `base` and object define aside."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is base or klass is object:
            break
        for member in list(vars(klass).values()):
            member = getattr(member, "__func__", member)
            if isinstance(member, types.FunctionType):
                names.update(n for code in _codes(member.__code__) for n in code.co_names)
    return names


def _names_read(fn: Any, objects: list[Any]) -> set[str]:
    """The attribute and global names the function's code may read: those of the function
    and of the functions among `objects` (the helpers it names). Not those of the methods
    of the objects it reaches: a trainer's fit() loop counts its steps in an attribute the
    step never reads, and guarding it would record every step anew."""
    codes: list[types.CodeType] = []
    for f in [fn, *objects]:
        f = getattr(f, "__func__", f)
        if isinstance(f, functools.partial):
            f = f.func
        code = getattr(f, "__code__", None)
        if isinstance(code, types.CodeType):
            codes += _codes(code)
    return {name for code in codes for name in code.co_names}


def plain_values(fn: Any, arguments: Any, opaque: tuple[type, ...] = (),
                 fingerprint: Any = None) -> dict[tuple[int, Step], Any]:
    """Every plain Python value (`_plain`) held inside the objects the function can reach
    by plain lookups (`_children`: attributes, slots, dict and list items), keyed by the id
    of the object holding it and the lookup: an optimizer's learning rate in its
    param_groups, a counter on an object; which object every other such place holds (a
    layer made anew); and ("array", id, `fingerprint(array)`) of every numpy array so
    held or named (a global running total), but not of the arguments, whose writes are
    recorded. Compared before and after the function runs, a difference is an assignment or
    write the function made, which a replay would not make again. Breadth first, at most
    PATH_LIMIT objects; never into tensors or `opaque` objects (the jit's own)."""
    values: dict[tuple[int, Step], Any] = {}
    if fingerprint is not None:
        for root, obj in roots(fn, arguments):
            if type(obj) is np.ndarray and root[0] != "arg":
                values[(id(obj), ("root", 0))] = ("array", id(obj), fingerprint(obj))
    for obj, _, _, children in _walk(fn, arguments, opaque):
        below = []
        for step, child in children:
            if _plain(child):
                values[(id(obj), step)] = child
            elif type(child) is np.ndarray:
                if fingerprint is not None:
                    values[(id(obj), step)] = ("array", id(child), fingerprint(child))
            elif not isinstance(child, opaque):
                # which object is there: a layer made anew, another function put in place
                values[(id(obj), step)] = ("object", id(child))
                below.append((step, child))
        children[:] = below
    return values


def _plain(value: Any) -> bool:
    """A number, string or None, or a tuple of them (a conv's stride)."""
    kind = type(value)
    return kind in SCALARS or (kind is tuple and all(type(v) in SCALARS for v in value))


def follow(root: Root, steps: tuple, arguments: Any) -> Any:
    """The object at `root` and `steps` now (LookupError or AttributeError if none)."""
    kind = root[0]
    if kind == "arg":
        obj = arguments[root[1]]
    elif kind == "cell":
        obj = root[1].cell_contents
    elif kind in ("global", "item"):
        obj = root[1][root[2]]
    else:
        obj = root[1]
    for step, key in steps:
        if step == "attr":
            obj = object.__getattribute__(obj, "__dict__")[key]
        elif step == "slot":
            obj = getattr(obj, key)
        elif step == "item":
            obj = obj[key]
        elif step == "closure":
            obj = obj.__closure__[key].cell_contents
        else:  # "global"
            obj = obj.__globals__[key]
    return obj


def same_value(a: Any, b: Any) -> bool:
    """The same Python value: the same type and equal (or the very object, for NaN)."""
    return a is b or (type(a) is type(b) and a == b)


def _children(obj: Any) -> list[tuple[Step, Any]]:
    """The objects `obj` holds where a plain lookup finds them again (no property, no
    __getattr__): dict and list items, instance __dict__ entries and __slots__ members."""
    # Each container is copied in one C call (list(...)) before it is looked at: under the
    # GIL no other thread changes it meanwhile, where a Python loop over it could fail with
    # "dictionary changed size during iteration"
    kind = type(obj)
    if kind is dict:
        return [(("item", k), v) for k, v in list(obj.items()) if type(k) in (str, int)]
    if kind in (list, tuple):
        return [(("item", i), v) for i, v in enumerate(list(obj))]
    if kind is types.FunctionType:  # a helper the function calls: what it reads in turn
        cells = obj.__closure__ or ()
        named = [n for c in _codes(obj.__code__) for n in c.co_names if n in obj.__globals__]
        return [(("closure", i), c.cell_contents) for i, c in enumerate(cells)
                if _has_contents(c)] + [(("global", n), obj.__globals__[n]) for n in named]
    if isinstance(obj, (types.ModuleType, type, np.ndarray, str, bytes)) \
            or kind.__getattribute__ is not object.__getattribute__:  # lookups run its code
        return []
    children: list[tuple[Step, Any]] = []
    try:
        attributes = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        attributes = None
    if type(attributes) is dict:
        children += [(("attr", k), v) for k, v in list(attributes.items()) if type(k) is str]
    for cls in kind.__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            member = cls.__dict__.get(name)
            if type(member) is types.MemberDescriptorType:
                try:
                    children.append((("slot", name), member.__get__(obj, kind)))
                except AttributeError:  # a slot never set
                    pass
    return children


def _codes(code: types.CodeType) -> list[types.CodeType]:
    """A function's code and the code of every function and class defined inside it."""
    codes, stack = [], [code]
    while stack:
        c = stack.pop()
        codes.append(c)
        stack += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    return codes


def _has_contents(cell: Any) -> bool:
    try:
        return cell.cell_contents is not _EMPTY
    except ValueError:  # an empty cell
        return False


_EMPTY = object()
