"""Gradient hooks on tensors, and the handle every hook registration returns.

>>> from tinygrad_np import Tensor
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> handle = w.register_hook(lambda g: g * 0.5)   # halve w's gradient before it lands in .grad
>>> (w * w).sum().backward()
>>> w.grad
array([1., 2.], dtype=float32)
>>> handle.remove()

A hook runs once per `backward()`, when the tensor's gradient is complete (every path's share
summed), gets it as a Tensor and may return a replacement (a Tensor or an array of the same
shape) or None. For a leaf it runs before the gradient is added into `.grad`; for an
intermediate, before the gradient flows on to the op that made it (and before `.grad` is kept,
with `retain_grad()`). Several hooks run in registration order, each seeing the previous
one's result. A hook must not change its argument in place (the walk may share the array
with another input's gradient): return a new one.
"""
from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["RemovableHandle", "run_tensor_hooks"]

_ids = itertools.count()
# Set once the first tensor hook is registered, never reset: until then backward() does not
# look for hooks on leaves at all (one read of this flag per backward()).
any_tensor_hooks = False
# Every tensor that ever had a hook (weakly): jit asks it whether a hook is live before a
# replay, since a replay runs no hooks.
# Keyed by id, not a WeakSet: a set compares its members with ==, which is elementwise.
hooked_tensors: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()


class RemovableHandle:
    """What `register_hook` / `register_forward_hook` return: `.remove()` unregisters the
    hook (twice is harmless). Also a context manager that removes it on exit."""

    __slots__ = ("_hooks", "id")

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.id = next(_ids)
        # weak: a handle kept by the user must not keep a dead tensor's hooks alive
        self._hooks: weakref.ref[dict[int, Any]] | None = weakref.ref(hooks)

    def remove(self) -> None:
        ref = self._hooks
        hooks = ref() if ref is not None else None
        if hooks is not None:
            hooks.pop(self.id, None)
        self._hooks = None

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.remove()


class _HookDict(dict):  # type: ignore[type-arg]
    """A dict that a weak reference can point at (a plain dict cannot be weakly referenced)."""

    __slots__ = ("__weakref__",)


def new_hook_dict() -> dict[int, Any]:
    """An empty, ordered table of hooks (handle id -> fn)."""
    return _HookDict()


def register_tensor_hook(tensor: Tensor, hook: Callable[[Tensor], Any]) -> RemovableHandle:
    """`Tensor.register_hook`: see there."""
    global any_tensor_hooks
    if not callable(hook):
        raise TypeError(f"register_hook(): expected a function fn(grad), got "
                        f"{type(hook).__name__}")
    if not tensor.requires_grad:
        raise RuntimeError("register_hook(): cannot register a hook on a tensor that does not "
                           "require grad (it gets no gradient); create it with "
                           "requires_grad=True, or call requires_grad_() first")
    hooks = getattr(tensor, "_hooks", None)
    if hooks is None:
        hooks = tensor._hooks = new_hook_dict()
    fn = tensor.grad_fn
    if fn is not None and fn.output_ref is None:
        # The walk observes an intermediate's complete gradient through its node's
        # output_ref, as for retain_grad(); a weak reference, so no cycle.
        fn.output_ref = weakref.ref(tensor)
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    any_tensor_hooks = True
    hooked_tensors[id(tensor)] = tensor
    return handle


def run_tensor_hooks(tensor: Tensor, grad: Any) -> Any:
    """Run `tensor`'s gradient hooks on its complete gradient `grad` and return the gradient
    to use from then on (`grad` itself when no hook replaced it).

    `grad` is an array (the first-order walk) or a Tensor (the create_graph walk, where the
    hooks then see, and may return, differentiable tensors); the result is of the same kind.
    """
    hooks = getattr(tensor, "_hooks", None)
    if not hooks:
        return grad
    if jit_recording():
        from . import JitError

        raise JitError("jit: a tensor with gradient hooks (register_hook) cannot be recorded: "
                       "the replay would not run them; remove the hooks or run without jit")
    given_tensor = isinstance(grad, Tensor)
    current = grad if given_tensor else _wrap(grad)
    replaced = False
    for hook in list(hooks.values()):  # a hook may remove itself (or others) while running
        result = hook(current)
        if result is not None:
            current = _checked_replacement(tensor, hook, result)
            replaced = True
    if not replaced:
        return grad
    return current if given_tensor else current.data


def jit_recording() -> bool:
    """True while `jit` records in this thread (what it records is replayed without running
    hooks or anomaly checks)."""
    from .grad_mode import config

    return config.recorder is not None


def live_tensor_hooks() -> bool:
    """True when some tensor has a hook registered now (a replay would skip it)."""
    return any_tensor_hooks and any(getattr(t, "_hooks", None)
                                    for t in list(hooked_tensors.values()))


def _wrap(grad: Any) -> Tensor:
    return Tensor(np.asarray(grad) if isinstance(grad, np.generic) else grad)


def _checked_replacement(tensor: Tensor, hook: Any, result: Any) -> Tensor:
    """A hook's return value as the new gradient: same shape as `tensor`, its dtype."""
    name = getattr(hook, "__qualname__", None) or type(hook).__name__
    which = f"tensor {tensor.name!r}" if tensor.name is not None else "the tensor"
    if isinstance(result, Tensor):
        data = result.data
    elif hasattr(result, "shape") and hasattr(result, "dtype"):
        data = result
    else:
        raise TypeError(f"gradient hook {name} returned a {type(result).__name__}; it must "
                        f"return None (keep the gradient) or a Tensor/array of shape "
                        f"{tuple(tensor.data.shape)}")
    if tuple(data.shape) != tuple(tensor.data.shape):
        raise ValueError(f"gradient hook {name} returned a gradient of shape "
                         f"{tuple(data.shape)} for {which} of shape "
                         f"{tuple(tensor.data.shape)}; a replacement must keep the shape")
    if isinstance(result, Tensor) and result.grad_fn is not None:
        return result  # a differentiable replacement (create_graph): keep its graph
    if data.dtype != tensor.data.dtype:  # as for an op's gradient: the input's dtype
        data = data.astype(tensor.data.dtype)
    return result if isinstance(result, Tensor) and data is result.data else Tensor(data)
