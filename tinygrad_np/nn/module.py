"""`Module`: the base class of layers and models. Parameters are found, not registered.

A parameter is any attribute that is a leaf Tensor with `requires_grad=True`, found also
inside sub-Modules and inside lists/tuples of Modules or Tensors, in attribute insertion
order (so the order, and every checkpoint, is the same from run to run).

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> from tinygrad_np.nn import Module, Linear
>>> class MLP(Module):
...     def __init__(self):
...         self.fc1 = Linear(4, 8, rng=0)
...         self.fc2 = Linear(8, 2, rng=1)
...     def forward(self, x):
...         return self.fc2(self.fc1(x).relu())
>>> [name for name, _ in MLP().named_parameters()]
['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor
from .checkpoint import load_state, save_state

__all__ = ["LoadResult", "Module", "StateDictError"]


class StateDictError(KeyError, ValueError):
    """A state dict that does not fit the model: missing or unexpected keys, a shape or
    dtype that does not match. Both a KeyError and a ValueError, so either `except` works."""

    def __str__(self) -> str:  # KeyError would show the message in quotes, as a repr
        return str(self.args[0]) if self.args else ""


class LoadResult(NamedTuple):
    """What `load_state_dict` left out: model keys absent from the state, and state keys the
    model does not have (both empty after a strict load)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class: subclass it, create parameters and sub-modules as attributes, write
    `forward`. No `super().__init__()` is needed: parameters are found when asked for.

    >>> from tinygrad_np.nn import Linear
    >>> layer = Linear(3, 2, rng=0)
    >>> [p.shape for p in layer.parameters()]
    [(3, 2), (2,)]
    """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- finding parameters -----------------------------------------------------------------
    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """(dotted name, tensor) pairs: "fc1.weight", "layers.0.bias", ...

        A tensor or module reachable twice (tied weights) is listed once, under its first
        name; a module that refers back to a parent is not walked again.
        """
        found: list[tuple[str, Tensor]] = []
        self._collect("", found, set(), {id(self)})
        return found

    def _collect(self, prefix: str, found: list[tuple[str, Tensor]], seen_tensors: set[int],
                 seen_modules: set[int]) -> None:
        for attr, value in self.__dict__.items():
            if isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    _collect_one(f"{prefix}{attr}.{index}", item, found, seen_tensors,
                                 seen_modules)
            else:
                _collect_one(prefix + attr, value, found, seen_tensors, seen_modules)

    def parameters(self) -> list[Tensor]:
        """The parameter tensors, in the order of `named_parameters()`.

        >>> from tinygrad_np.optim import SGD
        >>> opt = SGD(Linear(3, 2, rng=0).parameters(), lr=0.1)  # doctest: +SKIP
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (`grad = None`), before the next backward."""
        for p in self.parameters():
            p.grad = None

    # -- state dicts and files -----------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Name -> a copy of each parameter's array (later training does not change it)."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy `state`'s arrays into the parameters, in place (an optimizer holding the
        tensors keeps working), casting to each parameter's dtype.

        Everything is checked before anything is written, so on error the model is
        unchanged. `strict=False` skips missing and unexpected keys (shapes still must match).

        >>> model.load_state_dict(other.state_dict())  # doctest: +SKIP
        LoadResult(missing_keys=[], unexpected_keys=[])
        """
        own = dict(self.named_parameters())
        missing = [key for key in own if key not in state]
        unexpected = [key for key in state if key not in own]
        problems: list[str] = []
        if strict:
            problems += [f"missing key {key!r} (model parameter of shape {own[key].shape})"
                         for key in missing]
            problems += [f"unexpected key {key!r} (array of shape {np.shape(state[key])})"
                         for key in unexpected]
        writes = []
        for key, param in own.items():
            if key not in state:
                continue
            value = state[key]
            value = value.data if isinstance(value, Tensor) else np.asarray(value)
            target = param.data
            if value.shape != target.shape:
                problems.append(f"shape mismatch for {key!r}: state has {value.shape}, "
                                f"model has {target.shape}")
            elif not np.can_cast(value.dtype, target.dtype, casting="same_kind"):
                problems.append(f"cannot cast {key!r} from {value.dtype} to the "
                                f"parameter's {target.dtype}")
            elif not target.flags.writeable:
                problems.append(f"parameter {key!r} wraps a read-only array")
            else:
                writes.append((target, value))
        if problems:
            hint = " (strict=False ignores missing/unexpected keys)" if strict and (
                missing or unexpected) else ""
            raise StateDictError(f"load_state_dict into {type(self).__name__}: "
                                 + "; ".join(problems) + hint)
        for target, value in writes:
            np.copyto(target, value, casting="same_kind")
        return LoadResult(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to an `.npz` checkpoint, atomically (see `save_state`).

        >>> model.save("mlp.npz")  # doctest: +SKIP
        """
        # No copies: the arrays are only read, and written out before this returns.
        save_state(path, {name: p.data for name, p in self.named_parameters()})

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> LoadResult:
        """Read a checkpoint written by `save` into this model (never unpickles).

        >>> model.load("mlp.npz")  # doctest: +SKIP
        LoadResult(missing_keys=[], unexpected_keys=[])
        """
        state = load_state(path)
        try:
            return self.load_state_dict(state, strict=strict)
        except StateDictError as err:
            raise StateDictError(f"{os.fspath(path)}: {err}") from None

    # -- printing -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """Text shown inside this module's parentheses by `repr` (override in layers)."""
        return ""

    def __repr__(self) -> str:
        children = []
        for attr, value in self.__dict__.items():
            items = enumerate(value) if isinstance(value, (list, tuple)) else [(None, value)]
            for index, item in items:
                if isinstance(item, Module) and item is not self:
                    label = attr if index is None else f"{attr}.{index}"
                    children.append(f"({label}): " + repr(item).replace("\n", "\n  "))
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(children) + "\n)"


def _collect_one(name: str, value: Any, found: list[tuple[str, Tensor]],
                 seen_tensors: set[int], seen_modules: set[int]) -> None:
    if isinstance(value, Tensor):
        # Leaves only: an activation kept on `self` (it has a grad_fn) is not a parameter.
        if value.requires_grad and value.grad_fn is None and id(value) not in seen_tensors:
            seen_tensors.add(id(value))
            found.append((name, value))
    elif isinstance(value, Module) and id(value) not in seen_modules:
        seen_modules.add(id(value))
        value._collect(name + ".", found, seen_tensors, seen_modules)
