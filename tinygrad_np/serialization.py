"""PyTorch's `torch.save(obj, path)` / `torch.load(path)`, without pickle: `obj` is a tree of
dicts, lists, tuples, numbers, strings, None, arrays and Tensors (a `state_dict()`, or a
checkpoint such as {"model": ..., "optimizer": ..., "epoch": 3}), written atomically as one
`.npz` (the arrays as they are, the rest of the tree as JSON: `optim.state_to_arrays`), so
loading a file can never run code. Tensors come back as arrays, which `load_state_dict`
takes.

>>> import numpy as np, os, tempfile
>>> import tinygrad_np as tg
>>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
>>> tg.save({"model": {"w": tg.Tensor([1.0, 2.0])}, "epoch": 3}, path)
>>> checkpoint = tg.load(path)
>>> checkpoint["model"]["w"].tolist(), checkpoint["epoch"]
([1.0, 2.0], 3)
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .nn.checkpoint import DEFAULT_MAX_BYTES, load_state, save_state
from .optim.serialize import state_from_arrays, state_to_arrays
from .tensor import Tensor

__all__ = ["load", "save"]

PathLike = str | os.PathLike[str]


def _arrays_for_tensors(value: Any) -> Any:
    """`value` with every Tensor replaced by its array (the rest of the tree as it is)."""
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, Mapping):
        return {key: _arrays_for_tensors(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_arrays_for_tensors(item) for item in value)
    return value


def _path(f: Any, op: str) -> PathLike:
    if not isinstance(f, str | os.PathLike):
        raise TypeError(f"{op}: expected a file path (str or os.PathLike), got "
                        f"{type(f).__name__}; file objects are not supported")
    return f


def save(obj: Any, f: PathLike) -> None:
    """Write `obj` to the path `f` (see the module's text); anything that is not plain data
    (a module, a function) is a TypeError naming where it is."""
    save_state(_path(f, "save"), state_to_arrays(_arrays_for_tensors(obj)))


def load(f: PathLike, map_location: Any = None, weights_only: bool | None = None, *,
         max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Read what `save` wrote, arrays in place of Tensors. `map_location` and `weights_only`
    are PyTorch's, accepted (arrays live on the CPU; nothing but data is ever read). Every
    size is bounded by `max_bytes` before anything is allocated."""
    return state_from_arrays(load_state(_path(f, "load"), max_bytes=max_bytes))
