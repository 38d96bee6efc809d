"""The reverse-mode graph walk behind `Tensor.backward()`; and, for code written against
`torch.autograd`, its names as attributes of this module: `tinygrad_np.autograd.grad`,
`.backward`, `.Function`, `.functional` (jacobian, hessian, vjp, jvp, hvp, vhp),
`.gradcheck`, `.gradgradcheck`, the grad modes and anomaly mode.

Iterative and O(nodes): one pass counts how many consumers each node has inside the graph,
a second pass visits a node once all its consumers have handed it their gradient (Kahn's
topological order). No recursion, so a chain of 100,000 ops is fine.
"""
from __future__ import annotations

import sys
import threading
from sys import getrefcount
from typing import Any

import numpy as np

from . import hooks
from .grad_mode import config
from .recycle import HELD
from .tensor import Tensor

# The walk works in place on an array only it holds, told by getrefcount, where the counts
# are exact (checked on Python 3.10 to 3.13). Python 3.14 may pass an argument without a
# reference of its own, so that a shared array would read as an unshared one, and
# free-threaded builds count differently: there it never works in place rather than risk
# writing into a shared array. What getrefcount reads when only the walk holds the array:
_EXACT_COUNTS = sys.version_info < (3, 14) and getattr(sys, "_is_gil_enabled", lambda: True)()
_ONLY_THE_WALK = 2 if _EXACT_COUNTS else None  # in a local: the local and the call's argument
_ONLY_THE_DICT = 3 if _EXACT_COUNTS else None  # in the gradient dict: that, and the two above
# (An array that `recycle` keeps for reuse has one reference more, its pool's: not counted.)
# Held while gradients are added into .grad: two threads calling backward() into one shared
# leaf would otherwise both read the old .grad and one of the two additions would be lost.
# The walk itself runs unlocked (each backward has its own dicts); only the final
# read-add-write of each .grad is serialised.
_GRAD_LOCK = threading.Lock()


def run_backward(root: Tensor, grad: Any, retain_graph: bool) -> None:
    """Add d(root)/d(leaf), weighted by `grad`, into `.grad` of every leaf that requires grad
    (and of intermediates that asked with `retain_grad()`). Grad mode is off meanwhile, as in
    PyTorch: what hooks and custom backward bodies compute on Tensors records no graph."""
    enabled = config.grad_enabled
    config.grad_enabled = False
    try:
        _walk(root, grad, retain_graph)
    finally:
        config.grad_enabled = enabled


def _walk(root: Tensor, grad: Any, retain_graph: bool) -> None:
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no graph: "
                           "no input of the computation had requires_grad=True "
                           "(or it was computed under no_grad())")
    grad = _seed(root.data, grad)
    # Arrays already stored as some .grad in this walk (and the caller's own gradient):
    # a leaf gets a copy of those, so no two .grad arrays share memory. Each stays alive
    # while its id is here (the seed in `seed`), so that no new array can take its id and
    # be copied for nothing.
    seed = grad
    handed_out = {id(seed)}
    root_fn = root.grad_fn
    if root_fn is None:
        if hooks.any_tensor_hooks:
            grad = hooks.run_tensor_hooks(root, grad)
        with _GRAD_LOCK:
            _accumulate(root, grad, False, handed_out)
        return
    # Anomaly mode (detect_anomaly) is read once per backward(): each node's backward then
    # goes through the checking call. Outside it the loop pays one test of a local per node.
    checked_backward = _checked_backward() if config.anomaly else None

    consumers = _count_consumers(root_fn)
    # The gradient so far of each node's output (keyed by node) and of each leaf (keyed by
    # tensor). A leaf's shares are summed here and added to its .grad once, at the end, so
    # .grad does not depend on the visiting order (retain_graph twice gives exactly 2x).
    grads: dict[Any, Any] = {root_fn: grad}
    summed: set[Any] = set()  # keys whose array this walk made, so it may add into it
    leaves: list[Tensor] = []
    ready = [root_fn]
    # The hot loop of every training step: kept flat, with no helper calls per edge.
    while ready:
        fn = ready.pop()
        grad = grads.pop(fn, None)
        parents = fn.parents
        if grad is None:  # nothing reached this node (every consumer returned None)
            input_grads: Any = (None,) * len(parents)
        else:
            if fn.saved_tensors is None:
                raise RuntimeError(
                    f"backward(): trying to go back through {type(fn).__name__} a second "
                    f"time, but its saved arrays were freed by the first backward(). "
                    f"Call backward(retain_graph=True) the first time if you need to.")
            if fn.output_ref is not None:  # retain_grad() or a hook on the node's output
                output = fn.output_ref()
                if output is not None:
                    grad = _observe(output, grad, fn in summed, handed_out)
            if checked_backward is None:
                if fn.in_place_backward and grad.__class__ is np.ndarray and \
                        grad.base is None and \
                        getrefcount(grad) - (id(grad) in HELD) == _ONLY_THE_WALK:
                    input_grads = fn.backward_in_place(grad)
                else:
                    input_grads = fn.backward(grad)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
            else:
                input_grads = checked_backward(fn, grad, root)
            if len(input_grads) != len(parents):
                input_grads = _one_per_input(fn, input_grads, len(parents))
        if not retain_graph:
            fn.saved_tensors = None
        for parent, pgrad in zip(parents, input_grads):
            key = parent.grad_fn
            if key is None:  # a leaf
                if pgrad is None or not parent.requires_grad:
                    continue
                key = parent
            elif pgrad is None:
                left = consumers[key] - 1
                consumers[key] = left
                if not left:
                    ready.append(key)
                continue
            expected = parent.data
            try:
                if pgrad.shape != expected.shape or pgrad.dtype is not expected.dtype:
                    pgrad = _checked_gradient(fn, parent, pgrad)
            except AttributeError:  # not an array at all
                _checked_gradient(fn, parent, pgrad)
            previous = grads.get(key)
            if previous is None:
                grads[key] = pgrad
                if key is parent:
                    leaves.append(parent)
            elif key in summed or (previous.__class__ is np.ndarray
                                   and getrefcount(previous) - (id(previous) in HELD)
                                   == _ONLY_THE_DICT
                                   and previous.base is None):
                # We made it, or only this dict holds it: adding in place is invisible, and
                # saves a parameter-sized allocation, which costs page faults on every step.
                previous += pgrad
            else:
                # A new array, never `+=` into `previous`: a backward may have returned
                # it for other inputs too (Add does), or kept it.
                grads[key] = _as_array(previous + pgrad)
                summed.add(key)
            if key is not parent:
                left = consumers[key] - 1
                consumers[key] = left
                if not left:
                    ready.append(key)
        # let go of this node's gradients, so that the next node's reads only as the dict's
        input_grads = pgrad = previous = None
    if hooks.any_tensor_hooks:  # False until some tensor ever had a hook
        for leaf in leaves:
            if getattr(leaf, "_hooks", None):  # before .grad, and outside the lock
                before = grads[leaf]
                after = hooks.run_tensor_hooks(leaf, before)
                if after is not before:
                    grads[leaf] = after
                    summed.discard(leaf)  # the hook's array: never added into in place
    with _GRAD_LOCK:  # once per backward, uncontended in a single thread: ~0.1 us
        for leaf in leaves:
            grad = grads[leaf]
            if leaf.grad is None and grad.__class__ is np.ndarray and \
                    (leaf in summed or (grad.base is None and id(grad) not in handed_out)):
                handed_out.add(id(grad))  # the usual case of _accumulate, without the call
                leaf.grad = grad
            else:
                _accumulate(leaf, grad, leaf in summed, handed_out)


def _observe(output: Tensor, grad: Any, made_here: bool, handed_out: set[int]) -> Any:
    """An intermediate's gradient is complete: run its hooks, keep `.grad` if it asked
    (`retain_grad()`, after the hooks, as PyTorch does); return the gradient to pass on."""
    if getattr(output, "_hooks", None):
        replaced = hooks.run_tensor_hooks(output, grad)
        if replaced is not grad:
            grad, made_here = replaced, False
    if getattr(output, "_retains_grad", False):
        with _GRAD_LOCK:
            _accumulate(output, grad, made_here, handed_out)
    return grad


def _checked_backward() -> Any:
    from .anomaly import checked_backward  # only in anomaly mode; imported after the engine

    return checked_backward


def _seed(data: Any, grad: Any) -> Any:
    """The gradient backward starts from: ones for a one-element tensor, else the caller's."""
    if grad is None:
        if data.size != 1:
            raise RuntimeError(f"backward(): a gradient argument is needed for a non-scalar "
                               f"tensor (shape {data.shape}); pass t.backward(grad) with grad "
                               f"of that shape, or reduce to a scalar loss first")
        if type(data) is np.ndarray and not data.ndim:  # a loss: 4x cheaper than ones_like
            return np.array(1, dtype=data.dtype)
        return np.ones_like(data)
    if isinstance(grad, Tensor):
        grad = grad.data
    elif not hasattr(grad, "shape"):
        grad = np.asarray(grad, dtype=data.dtype)
    if grad.shape != data.shape:
        raise ValueError(f"backward(): gradient of shape {grad.shape} given for a tensor "
                         f"of shape {data.shape}; they must match")
    return grad.astype(data.dtype) if grad.dtype != data.dtype else grad


def _count_consumers(root_fn: Any) -> dict[Any, int]:
    """For each node reachable from `root_fn`, how many edges lead into it."""
    consumers = {root_fn: 0}
    stack = [root_fn]
    while stack:
        for parent in stack.pop().parents:
            parent_fn = parent.grad_fn
            if parent_fn is not None:
                count = consumers.get(parent_fn)
                if count is None:
                    consumers[parent_fn] = 1
                    stack.append(parent_fn)
                else:
                    consumers[parent_fn] = count + 1
    return consumers


def _one_per_input(fn: Any, grads: tuple[Any, ...], inputs: int) -> tuple[Any, ...]:
    """A backward's gradients, one per input: extra trailing Nones are dropped, as PyTorch
    allows (a gradient for each keyword argument, say); anything else is an error."""
    if len(grads) > inputs and all(g is None for g in grads[inputs:]):
        return grads[:inputs]
    raise RuntimeError(f"{type(fn).__name__}.backward returned {len(grads)} gradients for "
                       f"{inputs} inputs")


def _checked_gradient(fn: Any, parent: Tensor, grad: Any) -> Any:
    """`grad` as the gradient of `parent`: cast to its dtype (a float32 input gets a float32
    gradient), summed down to its shape where the input broadcasts to it (as PyTorch's), or a
    clear error when it is not an array of a shape the input's broadcasts to."""
    expected = parent.data
    shape = getattr(grad, "shape", None)
    if shape is not None and shape != expected.shape and hasattr(grad, "dtype") and \
            _broadcasts_to(expected.shape, shape):
        from .function import unbroadcast  # the engine's one un-broadcasting helper
        grad, shape = unbroadcast(grad, expected.shape), expected.shape
    if shape != expected.shape or not hasattr(grad, "dtype"):
        index = next(i for i, p in enumerate(fn.parents) if p is parent)
        got = f"shape {shape}" if shape is not None else f"a {type(grad).__name__}"
        raise RuntimeError(f"{type(fn).__name__}.backward returned {got} as the gradient of "
                           f"input {index}, which needs an array of shape {expected.shape}")
    return grad.astype(expected.dtype) if grad.dtype != expected.dtype else grad


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _accumulate(tensor: Tensor, grad: Any, made_here: bool, handed_out: set[int]) -> None:
    """Add `grad` into `tensor.grad`; `made_here` means the walk made the array itself."""
    current = tensor.grad
    if current is None:
        if isinstance(grad, np.generic):
            grad = _as_array(grad)
        elif not made_here and (grad.base is not None or id(grad) in handed_out):
            grad = grad.copy()  # a view of something else, or already some tensor's .grad
        handed_out.add(id(grad))
        tensor.grad = grad
    else:
        tensor.grad = _as_array(current + grad)


def _as_array(value: Any) -> Any:
    """numpy math on 0-d arrays returns numpy scalars; a .grad is always an array."""
    return np.array(value) if isinstance(value, np.generic) else value


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """PyTorch's `torch.autograd.backward`: `t.backward(g)` for each tensor and its gradient
    (one-element tensors may have None), the gradients of all added into `.grad`."""
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    seeds = [grad_tensors] if grad_tensors is None or isinstance(grad_tensors, Tensor) \
        else list(grad_tensors)
    if len(seeds) == 1 and len(roots) > 1 and seeds[0] is None:
        seeds = seeds * len(roots)
    if len(seeds) != len(roots):
        raise ValueError(f"backward: {len(roots)} tensors but {len(seeds)} gradients")
    for index, (root, seed) in enumerate(zip(roots, seeds)):
        # the saved arrays are needed until the last root's walk, as PyTorch's one walk
        keep = retain_graph if retain_graph is not None else index < len(roots) - 1
        root.backward(seed, retain_graph=keep, create_graph=create_graph, inputs=inputs)


_TORCH_NAMES = {"grad": ("higher_order", "grad"), "Function": ("function", "Function"),
                "functional": ("derivatives", None), "gradcheck": ("gradcheck", "gradcheck"),
                "gradgradcheck": ("gradcheck", "gradgradcheck"),
                "no_grad": ("grad_mode", "no_grad"), "enable_grad": ("grad_mode", "enable_grad"),
                "set_grad_enabled": ("grad_mode", "set_grad_enabled"),
                "inference_mode": ("grad_mode", "inference_mode"),
                "detect_anomaly": ("anomaly", "detect_anomaly"),
                "set_detect_anomaly": ("anomaly", "set_detect_anomaly")}


def __getattr__(name: str) -> Any:
    # imported on first use: those modules import this one (through Tensor)
    where = _TORCH_NAMES.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    module = importlib.import_module(f"{__package__}.{where[0]}")
    return module if where[1] is None else getattr(module, where[1])
