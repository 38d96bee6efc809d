"""`grad()`: gradients returned as Tensors rather than added into `.grad`, and, with
`create_graph=True`, gradients that are themselves differentiable (grad of grad, to any
order).

This walk is separate from the first-order one behind `backward()` (autograd.py), which
stays exactly as it was. With `create_graph=False` it calls each node's ordinary
`backward(ctx, grad)` on arrays; with `create_graph=True` it calls the node's
`backward_graph(ctx, grad, out)` instead, written with Tensor ops, so that every gradient it
computes is recorded as a graph of its own (docs/engine.md, "Higher-order gradients").

>>> from tinygrad_np import Tensor, grad
>>> x = Tensor([2.0], requires_grad=True)
>>> y = x ** 3
>>> dy, = grad(y, x, create_graph=True)          # 3 x^2 = 12, as a Tensor with a graph
>>> d2y, = grad(dy, x, create_graph=True)        # 6 x = 12
>>> d3y, = grad(d2y, x)                          # 6
>>> dy.item(), d2y.item(), d3y.item()
(12.0, 12.0, 6.0)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import hooks
from .anomaly import check_gradients, check_saved
from .autograd import _GRAD_LOCK, _accumulate, _checked_gradient, _seed
from .grad_mode import config, enable_grad
from .hooks import run_tensor_hooks
from .ops.adjoint import cast_like
from .tensor import Tensor


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Any, ...]:
    """The gradients of `outputs` with respect to `inputs`, as a tuple of Tensors (one per
    input), with PyTorch's meaning for every argument. `.grad` of nothing is touched.

    - `outputs`, `inputs`: a Tensor or a sequence of Tensors. Inputs may be leaves or
      intermediate tensors of the graph.
    - `grad_outputs`: d(something)/d(output) for each output (a Tensor, an array, or None
      for a one-element output, which means 1). With several outputs the results add up.
    - `create_graph=True`: the returned gradients have a graph of their own, so they can be
      differentiated again (Hessians, gradient penalties).
    - `retain_graph`: keep the graph's saved arrays for another backward through it;
      defaults to `create_graph` (a graph built on top of this one needs them).
    - `allow_unused=True`: an input the outputs do not depend on gets None (otherwise it is
      an error).

    >>> from tinygrad_np import Tensor, grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> g, = grad((w * w).sum(), w, create_graph=True)    # 2w
    >>> hvp, = grad(g, w, grad_outputs=Tensor([1.0, 0.0]))  # H @ v with H = 2I
    >>> hvp.tolist(), w.grad
    ([2.0, 0.0], None)
    """
    outs = _tensors(outputs, "outputs")
    ins = _tensors(inputs, "inputs")
    seeds = _grad_outputs(outs, grad_outputs, create_graph)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad(): input {i} (shape {t.data.shape}) does not require "
                               f"grad, so there is no gradient with respect to it; make it "
                               f"with requires_grad=True")
    for i, t in enumerate(outs):
        if not t.requires_grad:
            raise RuntimeError(f"grad(): output {i} (shape {t.data.shape}) does not require "
                               f"grad and has no graph: no input of its computation had "
                               f"requires_grad=True (or it was computed under no_grad())")
    if retain_graph is None:
        retain_graph = create_graph
    results = _walk(outs, seeds, ins, bool(retain_graph), create_graph)
    found: list[Any] = []
    for i, (t, g) in enumerate(zip(ins, results)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad(): input {i} (shape {t.data.shape}) was not used "
                                   f"to compute the outputs; pass allow_unused=True to get "
                                   f"None for it")
            found.append(None)
        elif create_graph:
            found.append(g)
        else:
            # a view (Sum's backward broadcasts) or the caller's own grad_output: a copy, so
            # the result is a fresh, writable array that aliases nothing
            if isinstance(g, np.generic) or g.base is not None or any(g is s for s in seeds):
                g = np.array(g)
            found.append(Tensor(g))
    return tuple(found)


def backward_create_graph(root: Tensor, grad: Any, retain_graph: bool | None) -> None:
    """`root.backward(grad, create_graph=True)`: the gradients are computed with
    `backward_graph` (so a graph of them is recorded) and their values added into `.grad`
    of every leaf that requires grad, as arrays, like `backward()`. To keep the
    differentiable gradients themselves, use `grad(..., create_graph=True)`."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no graph: "
                           "no input of the computation had requires_grad=True "
                           "(or it was computed under no_grad())")
    leaves: list[Tensor] = []
    retained: list[Tensor] = []
    seen: set[int] = set()
    stack = [root]
    while stack:  # the leaves that require grad, and intermediates that asked (retain_grad)
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        fn = t.grad_fn
        if fn is None:
            if t.requires_grad:
                leaves.append(t)
            continue
        asked = getattr(t, "retains_grad", None)  # PyTorch's name, where Tensor has it
        if asked is None:
            output_ref = fn.output_ref
            asked = output_ref is not None and output_ref() is t
        if asked:
            retained.append(t)
        stack.extend(fn.parents)
    targets = leaves + retained
    seeds = _grad_outputs([root], [grad], True)
    results = _walk([root], seeds, targets, True if retain_graph is None else retain_graph,
                    True)
    handed_out = {id(seed.data) for seed in seeds}  # the caller's own array: copied, not kept
    with _GRAD_LOCK:
        for t, g in zip(targets, results):
            if g is not None:
                _accumulate(t, g.data, False, handed_out)


# -- the walk ---------------------------------------------------------------------------------
def _walk(roots: list[Tensor], seeds: list[Any], inputs: list[Tensor], retain_graph: bool,
          create_graph: bool) -> list[Any]:
    """The gradient of sum(seed . root) with respect to each input (None where none flows):
    arrays from `backward`, or Tensors from `backward_graph` when `create_graph`."""
    # Where each input's gradient collects: a leaf under its own id, an intermediate under
    # its node (a node has exactly one output).
    leaf_ids = {id(t) for t in inputs if t.grad_fn is None}
    input_nodes = {t.grad_fn for t in inputs if t.grad_fn is not None}
    output_of: dict[Any, Tensor] = {}
    consumers: dict[Any, int] = {}
    grads: dict[Any, Any] = {}
    for root, seed in zip(roots, seeds):
        key: Any = root.grad_fn if root.grad_fn is not None else id(root)
        grads[key] = seed if key not in grads else grads[key] + seed
        if root.grad_fn is not None and root.grad_fn not in consumers:
            consumers[root.grad_fn] = 0
            output_of[root.grad_fn] = root
    # 1. every node reachable from the roots, with how many edges lead into it
    stack = list(consumers)
    while stack:
        for parent in stack.pop().parents:
            parent_fn = parent.grad_fn
            if parent_fn is not None:
                if parent_fn in consumers:
                    consumers[parent_fn] += 1
                else:
                    consumers[parent_fn] = 1
                    output_of[parent_fn] = parent
                    stack.append(parent_fn)
    # 2. a topological order, consumers before producers (Kahn)
    order = []
    ready = [fn for fn, n in consumers.items() if n == 0]
    while ready:
        fn = ready.pop()
        order.append(fn)
        for parent in fn.parents:
            parent_fn = parent.grad_fn
            if parent_fn is not None:
                consumers[parent_fn] -= 1
                if not consumers[parent_fn]:
                    ready.append(parent_fn)
    # 3. only the nodes from which an input is reached need to run
    needed = set()
    for fn in reversed(order):
        if fn in input_nodes or any(
                (p.grad_fn is None and id(p) in leaf_ids) or p.grad_fn in needed
                for p in fn.parents):
            needed.add(fn)
    # 4. the walk: each needed node passes its (complete) gradient on to its inputs
    found: dict[Any, Any] = {}
    anomaly = config.anomaly
    with enable_grad() if create_graph else _NoContext():
        for fn in order:
            if fn not in needed:
                continue
            g = grads.pop(fn, None)
            if g is not None and fn.output_ref is not None:  # a hook may replace it
                g = run_tensor_hooks(output_of[fn], g)
            if fn in input_nodes:
                found[fn] = g
            if g is None:
                continue
            if fn.saved_tensors is None:
                raise RuntimeError(
                    f"grad(): trying to go back through {type(fn).__name__} a second time, "
                    f"but its saved arrays were freed by the first backward. Pass "
                    f"retain_graph=True (or create_graph=True) the first time if you need to.")
            if anomaly:
                check_saved(fn, roots[0])
            if create_graph:
                input_grads = _differentiable_backward(fn, g, output_of[fn])
            else:
                input_grads = fn.backward(g)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if anomaly:
                check_gradients(fn, g, input_grads, roots[0])
            if len(input_grads) != len(fn.parents):
                raise RuntimeError(f"{type(fn).__name__}.backward returned {len(input_grads)} "
                                   f"gradients for {len(fn.parents)} inputs")
            if not retain_graph:
                fn.saved_tensors = None
            for parent, pgrad in zip(fn.parents, input_grads):
                if pgrad is None:
                    continue
                parent_fn = parent.grad_fn
                if parent_fn is None:
                    if id(parent) not in leaf_ids:
                        continue
                    key = id(parent)
                elif parent_fn in needed:
                    key = parent_fn
                else:
                    continue
                pgrad = (_checked_tensor_gradient(fn, parent, pgrad) if create_graph
                         else _checked_array_gradient(fn, parent, pgrad))
                previous = grads.get(key)
                # never `+=`: a backward may have handed the same gradient to other inputs
                grads[key] = pgrad if previous is None else previous + pgrad
    results = []
    for t in inputs:
        if t.grad_fn is None:
            leaf_grad = grads.get(id(t))
            if leaf_grad is not None and hooks.any_tensor_hooks:
                leaf_grad = run_tensor_hooks(t, leaf_grad)
            results.append(leaf_grad)
        else:
            results.append(found.get(t.grad_fn))
    return results


class _NoContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _differentiable_backward(fn: Any, grad: Tensor, out: Tensor) -> Any:
    """The node's gradients as Tensors, from its `backward_graph`; a clear error for an op
    that has none (a user op that defines only the array `backward`)."""
    backward_graph = _backward_graphs.get(type(fn))
    if backward_graph is None:
        backward_graph = _backward_graphs[type(fn)] = _find_backward_graph(type(fn))
    with np.errstate(divide="ignore", invalid="ignore"):  # as the array backwards do
        return backward_graph(fn, grad, out)


_backward_graphs: dict[type, Any] = {}  # per op class, once it passed _find_backward_graph


def _find_backward_graph(cls: type) -> Any:
    """`cls.backward_graph`, unless it has none, or inherits one written for another backward
    (a subclass that overrides `backward` only): either way an error that names the op."""
    name = cls.__name__
    owner = next((c for c in cls.__mro__ if "backward_graph" in c.__dict__), None)
    if owner is None:
        raise RuntimeError(
            f"{name}: create_graph=True needs a differentiable backward, but {name} defines "
            f"only backward(ctx, grad) on arrays, whose result would be a constant (a wrong "
            f"higher derivative). Add backward_graph(ctx, grad, out) written with Tensor ops "
            f"(see docs/adding_an_op.md), or use create_graph=False.")
    backward_owner = next(c for c in cls.__mro__ if "backward" in c.__dict__)
    if backward_owner is not owner and issubclass(backward_owner, owner):
        raise RuntimeError(
            f"{name}: create_graph=True needs a differentiable backward; {name} overrides "
            f"backward but inherits backward_graph from {owner.__name__}, which computes "
            f"{owner.__name__}'s gradient, not this one. Define backward_graph(ctx, grad, "
            f"out) on {backward_owner.__name__} too (see docs/adding_an_op.md).")
    return cls.backward_graph  # type: ignore[attr-defined]


def _checked_tensor_gradient(fn: Any, parent: Tensor, grad: Any) -> Tensor:
    if not isinstance(grad, Tensor):
        index = next(i for i, p in enumerate(fn.parents) if p is parent)
        raise RuntimeError(f"{type(fn).__name__}.backward_graph returned a "
                           f"{type(grad).__name__} as the gradient of input {index}; it must "
                           f"return Tensors (built from grad, out and ctx.parents), or None")
    expected = parent.data
    if grad.data.shape != expected.shape:
        index = next(i for i, p in enumerate(fn.parents) if p is parent)
        raise RuntimeError(f"{type(fn).__name__}.backward_graph returned shape "
                           f"{grad.data.shape} as the gradient of input {index}, which needs "
                           f"shape {expected.shape}")
    return cast_like(grad, expected.dtype)


def _checked_array_gradient(fn: Any, parent: Tensor, grad: Any) -> Any:
    expected = parent.data
    try:
        if grad.shape == expected.shape and grad.dtype is expected.dtype:
            return grad
    except AttributeError:
        pass
    return _checked_gradient(fn, parent, grad)


def _tensors(value: Any, what: str) -> list[Tensor]:
    items = [value] if isinstance(value, Tensor) else value
    if not isinstance(items, Sequence) or not items or \
            not all(isinstance(t, Tensor) for t in items):
        raise TypeError(f"grad(): {what} must be a Tensor or a non-empty sequence of Tensors, "
                        f"got {type(value).__name__}")
    return list(items)


def _grad_outputs(outs: list[Tensor], grad_outputs: Any, create_graph: bool) -> list[Any]:
    """One seed per output: arrays, or (create_graph) Tensors, which may require grad."""
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs] * len(outs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outs):
        raise ValueError(f"grad(): {len(grad_outputs)} grad_outputs given for {len(outs)} "
                         f"outputs; give one per output (None for a one-element output)")
    seeds = []
    for out, given in zip(outs, grad_outputs):
        if create_graph and isinstance(given, Tensor):
            if given.data.shape != out.data.shape:
                raise ValueError(f"grad(): grad_output of shape {given.data.shape} given for "
                                 f"an output of shape {out.data.shape}; they must match")
            seeds.append(cast_like(given, out.data.dtype))
            continue
        seed = _seed(out.data, given)
        seeds.append(Tensor(seed) if create_graph else seed)
    return seeds


def backward_into(root: Tensor, grad_output: Any, retain_graph: bool | None,
                  create_graph: bool, inputs: Any) -> None:
    """`root.backward(inputs=...)`: the gradients of `inputs` only (by `grad`), each added
    into its `.grad` (a new array: never one the caller or another `.grad` holds)."""
    targets = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not targets or not all(isinstance(t, Tensor) for t in targets):
        raise TypeError("backward(inputs=...): expected a Tensor or a non-empty sequence of "
                        "Tensors")
    found = grad(root, targets, grad_outputs=grad_output, retain_graph=retain_graph,
                 create_graph=create_graph, allow_unused=True)
    for target, gradient in zip(targets, found):
        if gradient is None:
            continue
        values = gradient.data
        target.grad = values.copy() if target.grad is None else target.grad + values
