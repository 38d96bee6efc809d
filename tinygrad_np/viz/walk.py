"""Walk a tensor's graph into flat lists, in a deterministic order, without recursion.

Everything downstream (collapsing, DOT text) works on indices into these lists, so node ids
come from the walk order and never from `id()` or memory addresses: the same graph always
gives the same picture, and a chain of 100,000 ops needs no recursion.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..tensor import Tensor


@dataclass
class Graph:
    """The part of a graph that is shown, in breadth-first order from the root.

    `tensors[0]` is the root. Tensor `i` was made by op `producer[i]` (-1 for a leaf, or for a
    tensor whose op lies beyond `max_depth`); op `k` read tensors `inputs[k]` (in argument
    order, repeats kept: `x * x` reads x twice) and wrote tensor `output[k]`.
    """

    tensors: list[Tensor] = field(default_factory=list)
    ops: list[Any] = field(default_factory=list)
    producer: list[int] = field(default_factory=list)
    inputs: list[list[int]] = field(default_factory=list)
    output: list[int] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)      # per tensor: ops between it and root
    consumers: list[int] = field(default_factory=list)  # per tensor: edges into shown ops
    boundary: list[int] = field(default_factory=list)   # tensors whose op is cut off
    hidden: int = 0                                     # tensors + ops beyond max_depth


def walk(root: Tensor, max_depth: int | None = None) -> Graph:
    """Collect the graph behind `root`, at most `max_depth` ops deep (None: all of it)."""
    if not isinstance(root, Tensor):
        raise TypeError(f"expected a Tensor, got {type(root).__name__}")
    if max_depth is not None and (isinstance(max_depth, bool) or not isinstance(max_depth, int)
                                  or max_depth < 0):
        raise ValueError(f"max_depth must be None or an int >= 0, got {max_depth!r}")
    graph = Graph()
    # id() is only a lookup key here: every object stays referenced by the lists above for
    # as long as the dicts live, so no id can be reused; it never reaches the output.
    tensor_at: dict[int, int] = {}
    op_at: dict[int, int] = {}
    _add_tensor(graph, tensor_at, root, 0)
    cursor = 0
    while cursor < len(graph.tensors):  # the list grows as we go: a breadth-first queue
        index = cursor
        cursor += 1
        tensor = graph.tensors[index]
        fn = tensor.grad_fn
        if fn is None:
            continue
        if max_depth is not None and graph.depth[index] >= max_depth:
            graph.boundary.append(index)
            continue
        known = op_at.get(id(fn))
        if known is not None:  # two tensors sharing one node: draw the second as its output too
            graph.producer[index] = known
            continue
        op = len(graph.ops)
        op_at[id(fn)] = op
        graph.ops.append(fn)
        graph.output.append(index)
        graph.producer[index] = op
        reads = []
        for parent in fn.parents:
            position = tensor_at.get(id(parent))
            if position is None:
                position = _add_tensor(graph, tensor_at, parent, graph.depth[index] + 1)
            graph.consumers[position] += 1
            reads.append(position)
        graph.inputs.append(reads)
    if graph.boundary:
        graph.hidden = _count_hidden(graph, tensor_at, op_at)
    return graph


def _add_tensor(graph: Graph, tensor_at: dict[int, int], tensor: Tensor, depth: int) -> int:
    position = len(graph.tensors)
    tensor_at[id(tensor)] = position
    graph.tensors.append(tensor)
    graph.producer.append(-1)
    graph.depth.append(depth)
    graph.consumers.append(0)
    return position


def _count_hidden(graph: Graph, tensor_at: dict[int, int], op_at: dict[int, int]) -> int:
    """How many ops and tensors lie beyond the boundary and are not shown anywhere."""
    seen_ops: set[int] = set(op_at)
    seen_tensors: set[int] = set(tensor_at)
    keep: list[Any] = []  # keeps every visited object alive, so ids stay unique
    stack = [graph.tensors[i].grad_fn for i in graph.boundary]
    hidden = 0
    while stack:
        fn = stack.pop()
        if id(fn) in seen_ops:
            continue
        seen_ops.add(id(fn))
        keep.append(fn)
        hidden += 1
        for parent in fn.parents:
            if id(parent) not in seen_tensors:
                seen_tensors.add(id(parent))
                keep.append(parent)
                hidden += 1
                if parent.grad_fn is not None:
                    stack.append(parent.grad_fn)
    return hidden


def retain_grads(root: Tensor) -> Tensor:
    """Ask every intermediate tensor behind `root` (and root) to keep its `.grad`.

    Call it *before* `backward()`: afterwards only leaves have gradients otherwise, and the
    gradient view (`show_grads=True`) would show "grad: not kept" on every intermediate.
    Returns `root`, so it chains:

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, -2.0], requires_grad=True)
    >>> h = w * 3.0
    >>> retain_grads((h * h).sum()).backward()
    >>> h.grad
    array([  6., -12.], dtype=float32)
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"expected a Tensor, got {type(root).__name__}")
    root.retain_grad()
    seen: set[int] = set()
    keep: list[Any] = []
    stack = [root.grad_fn] if root.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        keep.append(fn)
        for parent in fn.parents:
            if parent.grad_fn is not None:
                parent.retain_grad()
                stack.append(parent.grad_fn)
    return root
