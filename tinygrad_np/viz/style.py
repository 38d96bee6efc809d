"""Colours and shapes of the picture, and DOT quoting: the one place to restyle it.

Tensors are boxes, ops are ellipses. Fill colours say what a tensor is; red and orange mean
trouble (only checked with `show_grads=True`).
"""
from __future__ import annotations

FILL = {
    "parameter": "#cfe2f3",     # light blue: leaf with requires_grad (what training updates)
    "constant": "#eeeeee",      # light grey: leaf without requires_grad (inputs, numbers)
    "intermediate": "#ffffff",  # white: made by an op
    "output": "#d9ead3",        # light green: the tensor the picture was drawn from
    "op": "#fff2cc",            # light yellow ellipse: one op
    "group": "#ead1dc",         # light purple double ellipse: a collapsed repeated chain
    "nonfinite": "#f4cccc",     # light red: NaN or inf in the value or the gradient
    "dead": "#f9cb9c",          # light orange: a ReLU whose output is all zeros
    "anomaly": "#ea9999",       # red: the op (or tensor) anomaly mode stopped at (highlight=)
}
BORDER = {
    "nonfinite": "#cc0000",     # red border and text go with the light red fill
    "dead": "#e69138",          # orange border
    "anomaly": "#990000",       # dark red thick border and text
}
FONT = "Helvetica"
RANKDIRS = ("LR", "TB", "RL", "BT")


def quote(text: str) -> str:
    """`text` as a DOT double-quoted string, shown literally (no `\\N`-style escapes)."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def attributes(items: dict[str, str]) -> str:
    """`[a="1" b="x"]`, in the order given (quoted, so any value is safe)."""
    return "[" + " ".join(f"{key}={quote(value)}" for key, value in items.items()) + "]"
