"""What a function can reach: the objects behind its arguments, closure, defaults, bound
object and the globals it names. The recorder snapshots the tensors among them, so that an
assignment made by the function is told apart from another thread's training."""
from __future__ import annotations

import functools
import gc
import types
from typing import Any

import numpy as np

REACH_LIMIT = 200_000  # objects looked at to find what a function can reach


def reachable(fn: Any, arguments: Any = ()) -> set[int] | None:
    """The ids of the objects `fn` can reach through its arguments, closure, defaults, bound
    object and the globals it names (None when there are too many to look at: then every
    tensor counts).
    Another thread's model is not among them, so its training is not taken for this one's."""
    roots: list[Any] = list(arguments)
    stack = [fn]
    while stack:
        f = stack.pop()
        if isinstance(f, functools.partial):
            roots += [*f.args, *f.keywords.values()]
            stack.append(f.func)
            continue
        self_ = getattr(f, "__self__", None)
        if self_ is not None and not isinstance(self_, types.ModuleType):
            roots.append(self_)
        f = getattr(f, "__func__", f)
        code = getattr(f, "__code__", None)
        if code is None:
            roots.append(f)  # a callable object: its attributes
            continue
        roots += [c.cell_contents for c in (f.__closure__ or ()) if _has_contents(c)]
        roots += list(f.__defaults__ or ()) + list((f.__kwdefaults__ or {}).values())
        codes = [code]
        while codes:
            c = codes.pop()
            roots += [f.__globals__[n] for n in c.co_names if n in f.__globals__]
            codes += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    seen: set[int] = set()
    skip = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, np.ndarray)
    queue = [r for r in roots if not isinstance(r, (types.ModuleType, type))]
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


def _has_contents(cell: Any) -> bool:
    try:
        return cell.cell_contents is not _EMPTY
    except ValueError:  # an empty cell
        return False


_EMPTY = object()
