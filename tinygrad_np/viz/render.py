"""Render the graph to a picture file with Graphviz's `dot`, in one call, atomically."""
from __future__ import annotations

import shutil
import warnings
from os import PathLike
from pathlib import Path
from typing import Any

from ..files import atomic_path
from ..tensor import Tensor
from .emit import dot_source, to_dot

# Suffix -> Graphviz output format; None: the DOT text itself (needs no Graphviz at all).
FORMATS: dict[str, str | None] = {".svg": "svg", ".png": "png", ".pdf": "pdf",
                                  ".dot": None, ".gv": None}

INSTALL_HELP = (
    "Graphviz's `dot` program was not found on PATH; it is needed to render pictures.\n"
    "Install Graphviz, then check that `dot -V` works:\n"
    "  Debian/Ubuntu: sudo apt-get install graphviz\n"
    "  macOS:         brew install graphviz\n"
    "  conda:         conda install -c conda-forge graphviz\n"
    "(The Python package alone, pip install graphviz, does not include `dot`.) Without it, "
    "dot_source() and draw(..., 'graph.dot') still give the DOT text."
)


# Past this many nodes dot's layout takes minutes; say how to draw less.
BIG_GRAPH = 3000


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz (the `dot` program, or the Python package) and it is missing."""


def draw(tensor: Tensor, path: str | PathLike[str], *, show_grads: bool = False,
         rankdir: str = "LR", max_depth: int | None = None, collapse: bool = False,
         highlight: Any = None) -> Path:
    """Draw the graph that computed `tensor` into `path` and return `path` (as a Path).

    The format comes from the suffix: .svg, .png, .pdf (rendered by `dot`), or .dot/.gv (the
    DOT text, no Graphviz needed). The file is written atomically: if rendering fails, `path`
    is left as it was. Options as in `to_dot`.

    >>> draw(loss, "out/graph.svg", show_grads=True)   # doctest: +SKIP
    PosixPath('out/graph.svg')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"draw(): cannot tell the format from {path.name!r}; use one of the "
                         f"suffixes {', '.join(FORMATS)}")
    fmt = FORMATS[suffix]
    if fmt is None:
        data = dot_source(tensor, show_grads=show_grads, rankdir=rankdir, max_depth=max_depth,
                          collapse=collapse, highlight=highlight).encode("utf-8")
    else:
        require_dot()
        digraph = to_dot(tensor, show_grads=show_grads, rankdir=rankdir, max_depth=max_depth,
                         collapse=collapse, highlight=highlight)
        nodes = digraph.source.count(" [label=")
        if nodes > BIG_GRAPH:
            warnings.warn(f"draw(): {nodes} nodes; Graphviz may take minutes to lay them out. "
                          f"max_depth=... or collapse=True draw less", stacklevel=2)
        data = _pipe(digraph, fmt)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def require_dot() -> None:
    """Raise GraphvizNotFoundError (with install instructions) unless `dot` is on PATH."""
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(INSTALL_HELP)


def _pipe(digraph: object, fmt: str) -> bytes:
    import graphviz  # type: ignore[import-untyped]  # loaded by to_dot already

    try:
        return digraph.pipe(format=fmt)  # type: ignore[attr-defined, no-any-return]
    except graphviz.ExecutableNotFound:  # PATH changed between the check and the call
        raise GraphvizNotFoundError(INSTALL_HELP) from None
