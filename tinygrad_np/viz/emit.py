"""DOT text from a tensor's graph: `dot_source` (a str, needs nothing but numpy) and `to_dot`
(the same text as a `graphviz.Digraph`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..tensor import Tensor
from .collapse import OpNode, View, collapsed_view, plain_view
from .style import BORDER, FILL, FONT, RANKDIRS, attributes
from .summary import describe_grad, describe_values, fmt, is_dead_relu, nonfinite_note, stats
from .walk import walk

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

GRAPH_NAME = "tinygrad_np"


def dot_source(tensor: Tensor, *, show_grads: bool = False, rankdir: str = "LR",
               max_depth: int | None = None, collapse: bool = False) -> str:
    """The DOT text of the graph that computed `tensor` (see `to_dot` for the options).

    Works without Graphviz installed. The same graph always gives the same text.

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    >>> text = dot_source((w * w).sum())
    >>> text.splitlines()[0], text.count(" -> ")   # w->Mul twice, Mul->t, t->Sum, Sum->out
    ('digraph tinygrad_np {', 5)
    """
    return f"digraph {GRAPH_NAME} {{\n" + "".join(
        dot_lines(tensor, show_grads=show_grads, rankdir=rankdir, max_depth=max_depth,
                  collapse=collapse)) + "}\n"


def to_dot(tensor: Tensor, *, show_grads: bool = False, rankdir: str = "LR",
           max_depth: int | None = None, collapse: bool = False) -> graphviz.Digraph:
    """The graph that computed `tensor` as a `graphviz.Digraph` (call `.render`, `.pipe`, or
    show it in a notebook). `.source` is exactly `dot_source(...)`.

    show_grads: also show each tensor's value (min/max) and gradient (norm, min/max), and flag
        trouble: NaN/inf in red, a dead ReLU in orange. Call `retain_grads(root)` before
        `backward()` so intermediates keep their gradients to show.
    rankdir: "LR" (inputs left, result right) or "TB" (top to bottom); "RL", "BT" too.
    max_depth: show only this many ops back from `tensor`; the rest is one "... N more nodes".
    collapse: fold unnamed constants into their ops and repeated op chains into one node each.
    """
    try:
        import graphviz  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError("to_dot() needs the Python package graphviz: pip install graphviz "
                          "(dot_source() gives the same DOT text without it)") from None
    lines = dot_lines(tensor, show_grads=show_grads, rankdir=rankdir, max_depth=max_depth,
                      collapse=collapse)
    return graphviz.Digraph(name=GRAPH_NAME, body=lines)


def dot_lines(tensor: Tensor, *, show_grads: bool = False, rankdir: str = "LR",
              max_depth: int | None = None, collapse: bool = False) -> list[str]:
    """The body of the DOT graph, one tab-indented statement per line."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    graph = walk(tensor, max_depth)
    view = collapsed_view(graph) if collapse else plain_view(graph)
    return _Emitter(view, show_grads).lines(rankdir)


class _Emitter:
    def __init__(self, view: View, show_grads: bool) -> None:
        self.view = view
        self.graph = view.graph
        self.show_grads = show_grads
        # Dense ids in drawing order: t0 is the root, then tensors in walk order.
        self.tensor_id = {i: f"t{n}" for n, i in enumerate(view.tensors)}
        self.node_id: list[str] = []
        counts = {"f": 0, "g": 0}
        for node in view.nodes:
            prefix = "g" if len(node.ops) > 1 else "f"
            self.node_id.append(f"{prefix}{counts[prefix]}")
            counts[prefix] += 1

    def lines(self, rankdir: str) -> list[str]:
        out = [
            f"\tgraph {attributes({'rankdir': rankdir, 'fontname': FONT})}\n",
            f"\tnode {attributes({'fontname': FONT, 'fontsize': '10'})}\n",
            f"\tedge {attributes({'color': '#555555', 'arrowsize': '0.7'})}\n",
        ]
        # Declared from the inputs towards the root (the reverse of the walk): dot places
        # the nodes of a rank in about the order it first meets them, so x, W0, b0, W1...
        # come out in reading order rather than backwards.
        if self.graph.boundary:
            more = {"label": f"... {self.graph.hidden} more nodes", "shape": "note",
                    "style": "dashed"}
            out.append(f"\tmore {attributes(more)}\n")
        for i in reversed(self.view.tensors):
            out.append(f"\t{self.tensor_id[i]} {attributes(self.tensor_style(i))}\n")
        for n in reversed(range(len(self.view.nodes))):
            out.append(f"\t{self.node_id[n]} {attributes(self.op_style(self.view.nodes[n]))}\n")
        for j in reversed(self.graph.boundary):
            out.append(f"\tmore -> {self.tensor_id[j]} {attributes({'style': 'dashed'})}\n")
        for n in reversed(range(len(self.view.nodes))):
            node = self.view.nodes[n]
            for j in node.inputs:
                out.append(f"\t{self.tensor_id[j]} -> {self.node_id[n]}\n")
            out.append(f"\t{self.node_id[n]} -> {self.tensor_id[node.output]}\n")
        return out

    # -- tensors ------------------------------------------------------------------------
    def tensor_style(self, i: int) -> dict[str, str]:
        t = self.graph.tensors[i]
        kind = _kind(t)
        lines = [] if t.name is None else [t.name]
        lines.append(f"{_shape(t.shape)} {t.dtype}")
        lines.append("output" if i == 0 and t.grad_fn is not None else kind)
        style = {"shape": "box", "style": "rounded,filled" if kind == "parameter" else "filled",
                 "fillcolor": FILL["output" if i == 0 else kind]}
        if i == 0:
            style["penwidth"] = "2"
        if self.show_grads:
            notes = self.tensor_summary(t, lines)
            if notes:
                lines.extend(notes)
                style.update(fillcolor=FILL["nonfinite"], color=BORDER["nonfinite"],
                             fontcolor=BORDER["nonfinite"], penwidth="2")
        return {"label": "\n".join(lines), **style}

    def tensor_summary(self, t: Tensor, lines: list[str]) -> list[str]:
        """Append value and gradient summaries to `lines`; return the trouble notes."""
        notes = []
        value = stats(t.data)
        if value is not None:
            lines.append(describe_values(value))
            note = nonfinite_note(value, "value")
            if note:
                notes.append(note)
        if t.grad is not None:
            grad = stats(t.grad)
            if grad is not None:
                lines.append(describe_grad(grad))
                note = nonfinite_note(grad, "grad")
                if note:
                    notes.append(note)
        elif t.requires_grad:
            lines.append("grad: none" if t.grad_fn is None else "grad: not kept")
        return notes

    # -- ops ------------------------------------------------------------------------------
    def op_style(self, node: OpNode) -> dict[str, str]:
        graph = self.graph
        if node.repeats == 1 and len(node.ops) == 1:
            lines = [node.pattern[0]]
            # an op may describe its settings in one line (conv and pool: kernel, stride, padding)
            detail = getattr(graph.ops[node.ops[0]], "viz_detail", None)
            if callable(detail):
                lines.append(detail())
            lines.extend(_constant(graph.tensors[j]) for j in node.constants)
            style = {"shape": "ellipse", "style": "filled", "fillcolor": FILL["op"]}
        else:
            lines = [" > ".join(node.pattern), f"\u00d7{node.repeats} ({len(node.ops)} ops)"]
            if node.constants:
                lines.append(f"{len(node.constants)} constants")
            style = {"shape": "ellipse", "style": "filled", "fillcolor": FILL["group"],
                     "peripheries": "2"}
        if self.show_grads:
            dead = [k for k in node.ops
                    if is_dead_relu(graph.ops[k], graph.tensors[graph.output[k]])]
            if dead:
                lines.append("dead ReLU: output all 0" if len(node.ops) == 1
                             else f"{len(dead)} dead ReLU inside")
                style.update(fillcolor=FILL["dead"], color=BORDER["dead"], penwidth="2")
            hidden_trouble = [i for i in node.inner if self.nonfinite(graph.tensors[i])]
            if hidden_trouble:
                lines.append(f"NaN/inf in {len(hidden_trouble)} hidden tensors!")
                style.update(fillcolor=FILL["nonfinite"], color=BORDER["nonfinite"],
                             fontcolor=BORDER["nonfinite"], penwidth="2")
        return {"label": "\n".join(lines), **style}

    @staticmethod
    def nonfinite(t: Tensor) -> bool:
        for array in (t.data, t.grad):
            s = stats(array) if array is not None else None
            if s is not None and not s.finite:
                return True
        return False


def _kind(t: Tensor) -> str:
    if t.grad_fn is not None:
        return "intermediate"
    return "parameter" if t.requires_grad else "constant"


def _shape(shape: tuple[int, ...]) -> str:
    return "scalar" if shape == () else str(tuple(shape))


def _constant(t: Tensor) -> str:
    """How an op node mentions a constant folded into it."""
    data = np.asarray(t.data)
    if data.size == 1 and data.dtype.kind in "biuf":
        return f"const {fmt(float(data.reshape(())))}"
    return f"const {_shape(data.shape)} {data.dtype}"
