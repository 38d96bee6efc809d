"""The reverse-mode graph walk behind `Tensor.backward()`.

Iterative and O(nodes): one pass counts how many consumers each node has inside the graph,
a second pass visits a node once all its consumers have handed it their gradient (Kahn's
topological order). No recursion, so a chain of 100,000 ops is fine.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


def run_backward(root: Tensor, grad: Any, retain_graph: bool) -> None:
    """Accumulate d(root)/d(leaf), weighted by `grad`, into `.grad` of every leaf that
    requires grad (and of intermediates that asked with `retain_grad()`)."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no graph: "
                           "no input of the computation had requires_grad=True "
                           "(or it was computed under no_grad())")
    data = root.data
    if grad is None:
        if data.size != 1:
            raise RuntimeError(f"backward(): a gradient argument is needed for a non-scalar "
                               f"tensor (shape {data.shape}); pass t.backward(grad) with grad "
                               f"of that shape, or reduce to a scalar loss first")
        grad = np.ones_like(data)
        owned: set[int] = set()
    else:
        grad = getattr(grad, "data", grad)  # a Tensor given as the gradient
        if not hasattr(grad, "shape"):
            grad = np.asarray(grad, dtype=data.dtype)
        if grad.shape != data.shape:
            raise ValueError(f"backward(): gradient of shape {grad.shape} given for a tensor "
                             f"of shape {data.shape}; they must match")
        if grad.dtype != data.dtype:
            grad = grad.astype(data.dtype)
        owned = {id(grad)}  # the caller's array: never handed to a leaf uncopied

    root_fn = root.grad_fn
    if root_fn is None:
        _accumulate_leaf(root, grad, owned)
        return

    consumers = _count_consumers(root_fn)
    grads: dict[Any, Any] = {root_fn: grad}
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
            if fn.output_ref is not None:
                _retain(fn.output_ref(), grad, owned)
            input_grads = type(fn).backward(fn, grad)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if len(input_grads) != len(parents):
                raise RuntimeError(f"{type(fn).__name__}.backward returned {len(input_grads)} "
                                   f"gradients for {len(parents)} inputs")
        if not retain_graph:
            fn.saved_tensors = None
        index = -1
        for parent in parents:
            index += 1
            if not parent.requires_grad:
                continue
            pgrad = input_grads[index]
            parent_fn = parent.grad_fn
            if pgrad is not None:
                expected = parent.data
                if getattr(pgrad, "shape", None) != expected.shape:
                    _bad_gradient(fn, index, parent, pgrad)
                if pgrad.dtype != expected.dtype:  # mixed-precision inputs: take the input's
                    pgrad = pgrad.astype(expected.dtype)
                if parent_fn is None:
                    _accumulate_leaf(parent, pgrad, owned)
                else:
                    previous = grads.get(parent_fn)
                    # A new array, never `+=`: `previous` may also be some leaf's .grad.
                    grads[parent_fn] = pgrad if previous is None else previous + pgrad
            if parent_fn is not None:
                left = consumers[parent_fn] - 1
                consumers[parent_fn] = left
                if not left:
                    ready.append(parent_fn)


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


def _bad_gradient(fn: Any, index: int, parent: Tensor, grad: Any) -> None:
    shape = getattr(grad, "shape", None)
    got = f"shape {shape}" if shape is not None else f"a {type(grad).__name__}"
    raise RuntimeError(f"{type(fn).__name__}.backward returned {got} as the gradient of "
                       f"input {index}, which has shape {parent.data.shape}")


def _accumulate_leaf(leaf: Tensor, grad: Any, owned: set[int]) -> None:
    current = leaf.grad
    if current is None:
        if isinstance(grad, np.generic):  # numpy math on 0-d arrays gives scalars
            grad = np.array(grad)
        elif grad.base is not None or id(grad) in owned:
            # A backward may return the same array for several inputs (Add does), or a view
            # of something else: copy those, so no two .grad share memory.
            grad = grad.copy()
        owned.add(id(grad))
        leaf.grad = grad
    elif current.base is None and sys.getrefcount(current) == 3:
        # Only leaf.grad (and this frame) holds the array, so adding in place is invisible
        # and saves allocating a parameter-sized array.
        current += grad
    else:
        total = current + grad
        leaf.grad = np.array(total) if isinstance(total, np.generic) else total


def _retain(tensor: Tensor | None, grad: Any, owned: set[int]) -> None:
    if tensor is not None:
        _accumulate_leaf(tensor, grad, owned)
