"""Pictures of the computation graph: which ops made a tensor, and (after backward) how the
gradients look on the way back.

>>> from tinygrad_np import Tensor, viz
>>> w = Tensor([[1.0, -2.0]], requires_grad=True, name="w")
>>> loss = (w * 3.0).relu().sum()
>>> viz.retain_grads(loss).backward()                             # keep every tensor's grad
>>> text = viz.dot_source(loss, show_grads=True)                  # DOT text, numpy only
>>> viz.draw(loss, "out/graph.svg", show_grads=True)              # doctest: +SKIP
PosixPath('out/graph.svg')

`to_dot` gives a `graphviz.Digraph`; `draw` renders .svg/.png/.pdf with Graphviz's `dot`
(or writes .dot text). Options: `show_grads`, `rankdir`, `max_depth`, `collapse`.
See docs/visualisation.md for what the colours mean.
"""
from .emit import dot_source, to_dot
from .render import GraphvizNotFoundError, draw
from .walk import retain_grads

__all__ = ["GraphvizNotFoundError", "dot_source", "draw", "retain_grads", "to_dot"]
