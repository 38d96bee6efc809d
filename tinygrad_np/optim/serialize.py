"""Optimizer and scheduler state as plain named arrays, so that a training run is saved in
the same pickle-free `.npz` checkpoints as a model (`nn.save_state` / `nn.load_state`).

A state dict is a tree of dicts, lists, tuples, numbers, strings, None and arrays. The
arrays are stored as they are, under "<prefix>0", "<prefix>1", ...; the rest of the tree goes
in one more array, "<prefix>tree": UTF-8 JSON (never pickle), in which each array is
`{"array": n}`, and a tuple or a dict is tagged so that it comes back as a tuple or a dict
with its own key types (integers stay integers).

>>> import numpy as np
>>> from tinygrad_np.optim import state_from_arrays, state_to_arrays
>>> state = {"state": {0: {"step": 3, "exp_avg": np.ones(2)}}, "param_groups": [
...     {"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]}
>>> arrays = state_to_arrays(state)
>>> sorted(arrays)
['0', 'tree']
>>> state_from_arrays(arrays)["param_groups"][0]["betas"]
(0.9, 0.999)
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..nn.checkpoint import CheckpointError, load_state, save_state

__all__ = ["load_training_state", "save_training_state", "state_from_arrays",
           "state_to_arrays"]

PathLike = str | os.PathLike[str]
TREE = "tree"


def state_to_arrays(state: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """`state` (an optimizer's or a scheduler's `state_dict()`) as name -> array, for
    `nn.save_state`. Anything that is not plain data (a function, an object) is a TypeError
    naming where in the tree it is."""
    arrays: dict[str, np.ndarray] = {}

    def encode(value: Any, where: str) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return value if type(value) in (int, float) else encode_number(value)
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            name = f"{prefix}{len(arrays)}"
            if value.dtype.hasobject:
                raise TypeError(f"state_to_arrays: {where} is an object array, which only "
                                f"pickle could save")
            arrays[name] = value
            return {"array": len(arrays) - 1}
        if isinstance(value, tuple):
            return {"tuple": [encode(item, f"{where}[{i}]") for i, item in enumerate(value)]}
        if isinstance(value, list):
            return [encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, Mapping):
            items = []
            for key, item in value.items():
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise TypeError(f"state_to_arrays: {where} has a key {key!r}; only "
                                    f"strings and integers can be saved")
                items.append([key, encode(item, f"{where}[{key!r}]")])
            return {"dict": items}
        raise TypeError(f"state_to_arrays: {where} is a {type(value).__name__}, which cannot "
                        f"be saved without pickle (only numbers, strings, None, lists, tuples, "
                        f"dicts and arrays)")

    def encode_number(value: Any) -> Any:
        return int(value) if isinstance(value, int) else float(value)

    tree = encode(state, "the state")
    text = json.dumps(tree, allow_nan=True, separators=(",", ":"))
    arrays[prefix + TREE] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()
    return arrays


def state_from_arrays(arrays: Mapping[str, np.ndarray], prefix: str = "") -> Any:
    """The state `state_to_arrays` flattened, back as dicts, lists, tuples and arrays. A
    damaged or foreign layout raises `CheckpointError` (a ValueError) saying what is wrong."""
    key = prefix + TREE
    if key not in arrays:
        raise CheckpointError(f"state_from_arrays: no {key!r} entry: not a state saved by "
                              f"state_to_arrays (with prefix {prefix!r})")
    raw = arrays[key]
    if not isinstance(raw, np.ndarray) or raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"state_from_arrays: {key!r} must be a 1-d uint8 array of JSON")
    try:
        tree = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise CheckpointError(f"state_from_arrays: {key!r} is not valid JSON ({err})") from None

    def decode(node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [decode(item) for item in node]
        if isinstance(node, dict) and len(node) == 1:
            (tag, body), = node.items()
            if tag == "array" and isinstance(body, int) and not isinstance(body, bool):
                name = f"{prefix}{body}"
                if name not in arrays:
                    raise CheckpointError(f"state_from_arrays: array {name!r} is missing")
                return arrays[name]
            if tag == "tuple" and isinstance(body, list):
                return tuple([decode(item) for item in body])
            if tag == "dict" and isinstance(body, list) and all(
                    isinstance(pair, list) and len(pair) == 2 and
                    isinstance(pair[0], (str, int)) for pair in body):
                return {k: decode(item) for k, item in body}
        raise CheckpointError(f"state_from_arrays: unexpected entry {str(node)[:80]} in "
                              f"{key!r}")

    return decode(tree)


def save_training_state(path: PathLike, model: Any = None, optimizer: Any = None,
                        scheduler: Any = None) -> None:
    """Save what resuming a run needs, in one `.npz` written atomically without pickle:
    the model's `state_dict()` (under "model."), the optimizer's and the scheduler's
    (under "optimizer." and "scheduler.").

    >>> save_training_state("run.npz", model, opt, sched)   # doctest: +SKIP
    >>> load_training_state("run.npz", model, opt, sched)   # in a new process # doctest: +SKIP
    """
    arrays: dict[str, Any] = {}
    if model is not None:
        arrays.update({f"model.{name}": value for name, value in model.state_dict().items()})
    for part, holder in (("optimizer", optimizer), ("scheduler", scheduler)):
        if holder is not None:
            arrays.update(state_to_arrays(holder.state_dict(), prefix=f"{part}."))
    if not arrays:
        raise ValueError("save_training_state: nothing to save (give a model, an optimizer "
                         "or a scheduler)")
    save_state(path, arrays)


def load_training_state(path: PathLike, model: Any = None, optimizer: Any = None,
                        scheduler: Any = None) -> None:
    """Restore what `save_training_state` wrote into an existing model, optimizer and
    scheduler (built as for the saved run). Each part is checked by its own
    `load_state_dict`; if one fails, the parts already restored are put back as they were,
    so a failed load changes nothing."""
    arrays = load_state(path)
    name = os.fspath(path)
    parts = []
    if model is not None:
        weights = {key[len("model."):]: value for key, value in arrays.items()
                   if key.startswith("model.")}
        parts.append((model, weights))
    for part, holder in (("optimizer", optimizer), ("scheduler", scheduler)):
        if holder is not None:
            if f"{part}.{TREE}" not in arrays:
                raise CheckpointError(f"{name}: holds no {part} state (saved without one?)")
            parts.append((holder, state_from_arrays(arrays, prefix=f"{part}.")))
    done: list[tuple[Any, Any]] = []
    try:
        for holder, state in parts:
            before = holder.state_dict()
            holder.load_state_dict(state)
            done.append((holder, before))
    except BaseException:
        for holder, before in reversed(done):
            holder.load_state_dict(before)
        raise
