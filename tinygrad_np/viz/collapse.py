"""Decide which ops become which boxes: one op each, or (with `collapse=True`) fewer.

Collapsing does two things, both about clutter rather than information:

* **Constants fold into their op.** A leaf that needs no gradient and has no name (the `2.0`
  in `x * 2.0`, a mask, an unnamed input) is not drawn as its own box: the op that reads it
  says `const 2` (its value when it has one element, else its shape and dtype). Named tensors
  always keep their box, so name an input (`Tensor(x, name="x")`) to keep it visible.
* **Repeated chains fold into one op node.** A chain is a run of ops where each one's result is
  read only by the next (and is unnamed), the next reading nothing else but leaves. Inside a
  chain, a pattern of 1 to 6 op types repeated at least twice in a row (`Mul, Add, Mul, Add...`,
  or `MatMul, Add, Relu` per layer of a deep MLP) becomes one node labelled with the pattern
  and the repeat count. The tensors between its ops are hidden; every leaf any of them reads
  points into that one node.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .walk import Graph

MAX_PERIOD = 6
MIN_REPEATS = 2


@dataclass
class OpNode:
    """One op box: a single op (`repeats == 1`), or a collapsed run of `repeats` x `pattern`."""

    ops: list[int]                 # op indices, in data-flow order (inputs side first)
    pattern: list[str]             # op class names of one period
    repeats: int
    inputs: list[int]              # shown tensors read, in argument order
    output: int                    # the tensor it writes
    constants: list[int] = field(default_factory=list)  # folded constant tensors read
    inner: list[int] = field(default_factory=list)      # hidden tensors between its ops


@dataclass
class View:
    """What to draw: the shown tensors (walk order) and op nodes (walk order of their ops)."""

    graph: Graph
    tensors: list[int]
    nodes: list[OpNode]


def plain_view(graph: Graph) -> View:
    """Every tensor and every op gets its own node."""
    nodes = [OpNode([k], [type(graph.ops[k]).__name__], 1, list(graph.inputs[k]), graph.output[k])
             for k in range(len(graph.ops))]
    return View(graph, list(range(len(graph.tensors))), nodes)


def collapsed_view(graph: Graph) -> View:
    """Fold unnamed constants into their ops and repeated op chains into single nodes."""
    tensors = graph.tensors
    folded = {i for i, t in enumerate(tensors)
              if i != 0 and t.grad_fn is None and not t.requires_grad and t.name is None}
    names = [type(fn).__name__ for fn in graph.ops]
    following = _chain_links(graph)
    has_previous = set(following.values())

    nodes: list[OpNode] = []
    for start in range(len(graph.ops)):
        if start in has_previous:
            continue
        run = [start]
        while run[-1] in following:
            run.append(following[run[-1]])
        for begin, period, repeats in _segments([names[k] for k in run]):
            ops = run[begin:begin + period * repeats]
            nodes.append(_node(graph, ops, [names[k] for k in ops[:period]], repeats, folded))
    nodes.sort(key=lambda node: min(node.ops))
    hidden = set(folded)
    for node in nodes:
        hidden.update(node.inner)
    shown = [i for i in range(len(tensors)) if i not in hidden]
    return View(graph, shown, nodes)


def _chain_links(graph: Graph) -> dict[int, int]:
    """op -> the op that continues its chain (reads its result, and nothing else non-leaf)."""
    following: dict[int, int] = {}
    for k, reads in enumerate(graph.inputs):
        made = [j for j in reads if graph.tensors[j].grad_fn is not None]
        if len(made) != 1:
            continue
        j = made[0]
        before = graph.producer[j]
        if (before >= 0 and graph.output[before] == j and graph.consumers[j] == 1
                and graph.tensors[j].name is None and j != 0):
            following[before] = k
    return following


def _segments(names: list[str]) -> list[tuple[int, int, int]]:
    """Split a chain's op names into (start, period, repeats), greedily from the input side,
    taking at each point the repeated pattern that covers the most ops (ties: shortest)."""
    out = []
    i, n = 0, len(names)
    while i < n:
        best_period, best_repeats = 1, 1
        for period in range(1, MAX_PERIOD + 1):
            if i + MIN_REPEATS * period > n:
                break
            unit = names[i:i + period]
            repeats = 1
            while (i + (repeats + 1) * period <= n
                   and names[i + repeats * period:i + (repeats + 1) * period] == unit):
                repeats += 1
            if repeats >= MIN_REPEATS and period * repeats > best_period * best_repeats:
                best_period, best_repeats = period, repeats
        out.append((i, best_period, best_repeats))
        i += best_period * best_repeats
    return out


def _node(graph: Graph, ops: list[int], pattern: list[str], repeats: int,
          folded: set[int]) -> OpNode:
    inner = [graph.output[k] for k in ops[:-1]]
    inner_set = set(inner)
    inputs: list[int] = []
    constants: list[int] = []
    for k in ops:
        for j in graph.inputs[k]:
            if j in folded:
                constants.append(j)
            elif j not in inner_set:
                inputs.append(j)
    if len(ops) > 1:  # one edge per distinct tensor into a collapsed node
        inputs = list(dict.fromkeys(inputs))
    return OpNode(ops, pattern, repeats, inputs, graph.output[ops[-1]], constants, inner)
