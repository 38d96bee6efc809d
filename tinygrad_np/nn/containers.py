"""Containers: `ModuleList` and `ModuleDict`, which hold sub-modules under their index or key,
so their parameters are named "blocks.0.weight", "heads.cls.bias" (PyTorch's names), and
`ParameterList` and `ParameterDict`, which hold parameters so ("scales.0", "gains.a").

>>> from tinygrad_np.nn import Linear, ModuleDict, ModuleList
>>> class Net(Module):
...     def __init__(self):
...         self.blocks = ModuleList([Linear(4, 4, rng=i) for i in range(2)])
...         self.heads = ModuleDict({"cls": Linear(4, 3, rng=2)})
>>> [name for name, _ in Net().named_parameters()]
['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias', 'heads.cls.weight', \
'heads.cls.bias']
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from ..tensor import Tensor
from .module import Module, Parameter, _adopt, _mark_parameter

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList"]


def _checked(owner: str, where: str, value: Any) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{owner}: {where} is a {type(value).__name__}, not a Module "
                        f"(wrap a plain function in a Module, or use nn.Sequential)")
    return value


class ModuleList(Module):
    """A list of modules whose parameters the parent finds, named by index. It has no
    `forward`: iterate over it in yours.

    >>> from tinygrad_np.nn import Linear
    >>> layers = ModuleList([Linear(2, 2, rng=0)])
    >>> layers.append(Linear(2, 1, rng=1))
    ModuleList(
      (0): Linear(in_features=2, out_features=2, bias=True)
      (1): Linear(in_features=2, out_features=1, bias=True)
    )
    >>> [name for name, _ in layers.named_parameters()][-1]
    '1.bias'
    >>> len(layers + [Linear(1, 1, rng=2)]), type(layers.pop()).__name__, len(layers)
    (3, 'Linear', 1)
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        self._modules: list[Module] = []
        self.extend(modules)

    def _named_items(self) -> Iterator[tuple[str, Any]]:
        for index, module in enumerate(self._modules):
            yield str(index), module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(): call its modules in yours "
                                  "(or use nn.Sequential)")

    def append(self, module: Module) -> ModuleList:
        """Add `module` at the end; returns self."""
        index = len(self._modules)
        _adopt(str(index), _checked("ModuleList", f"item {index}", module))
        self._modules.append(module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """`append` each of `modules`; returns self."""
        if (isinstance(modules, Module) and not isinstance(modules, (ModuleList, ModuleDict))) \
                or not hasattr(modules, "__iter__"):
            raise TypeError("ModuleList: expected an iterable of Modules, got a single "
                            f"{type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert `module` before `index` (the later modules' names shift by one)."""
        self._modules.insert(index, _checked("ModuleList", "the inserted item", module))

    @overload
    def pop(self, index: int = -1) -> Module: ...

    @overload
    def pop(self, index: slice) -> ModuleList: ...

    def pop(self, index: int | slice = -1) -> Module | ModuleList:
        """Remove and return the module at `index` (the last by default; a slice gives a
        ModuleList), as PyTorch's; the later modules' names shift down."""
        popped = self[index]
        del self[index]
        return popped

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new ModuleList of this one's modules then `other`'s (the same modules, not
        copies), as PyTorch's."""
        return ModuleList(self._modules).extend(other)

    def __iadd__(self, other: Iterable[Module]) -> ModuleList:
        return self.extend(other)

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            return ModuleList(self._modules[index])
        return self._modules[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self._modules[index] = _checked("ModuleList", f"item {index}", module)

    def __delitem__(self, index: int | slice) -> None:
        del self._modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules)


class _KeyedContainer(Module):
    """What ModuleDict and ParameterDict share: a dict (string keys, insertion order) whose
    values the parent finds, named by key; `_held` checks (and makes) what is stored."""

    def __init__(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
                 ) -> None:
        self._entries: dict[str, Any] = {}
        if values is not None:
            self.update(values)

    def _held(self, key: str, value: Any) -> Any:
        raise NotImplementedError

    def _named_items(self) -> Iterator[tuple[str, Any]]:
        yield from self._entries.items()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(): use what it holds "
                                  f"in yours")

    def __setitem__(self, key: str, value: Any) -> None:
        held = self._checked_entry(key, value)
        _adopt(key, held)
        self._entries[key] = held

    def __getitem__(self, key: str) -> Any:
        return self._entries[key]

    def __delitem__(self, key: str) -> None:
        del self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def keys(self) -> Any:
        return self._entries.keys()

    def values(self) -> Any:
        return self._entries.values()

    def items(self) -> Any:
        return self._entries.items()

    def pop(self, key: str) -> Any:
        return self._entries.pop(key)

    def update(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace entries from a mapping, a ModuleDict / ParameterDict, or
        (key, value) pairs, as PyTorch's. Nothing changes if one entry is refused.

        >>> from tinygrad_np.nn import Linear
        >>> heads = ModuleDict({"a": Linear(2, 1, rng=0)})
        >>> heads.update(ModuleDict({"b": Linear(2, 1, rng=1)}))
        >>> list(heads)
        ['a', 'b']
        """
        owner = type(self).__name__
        if isinstance(values, (Mapping, _KeyedContainer)):
            pairs = list(values.items())
        elif isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"{owner}.update: expected a mapping or an iterable of "
                            f"(key, value) pairs, got {type(values).__name__}")
        else:
            pairs = []
            for index, pair in enumerate(values):
                if isinstance(pair, (str, bytes)) or not hasattr(pair, "__iter__"):
                    raise TypeError(f"{owner}.update: element {index} is of type "
                                    f"{type(pair).__name__}, not a (key, value) pair")
                pair = tuple(pair)
                if len(pair) != 2:
                    raise ValueError(f"{owner}.update: element {index} has length "
                                     f"{len(pair)}; a (key, value) pair has 2")
                pairs.append(pair)
        held = {key: self._checked_entry(key, value) for key, value in pairs}
        for key, value in held.items():
            _adopt(key, value)
            self._entries[key] = value

    def _checked_entry(self, key: Any, value: Any) -> Any:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"{type(self).__name__}: keys must be non-empty strings without "
                           f"'.', got {key!r}")
        return self._held(key, value)


class ModuleDict(_KeyedContainer):
    """A dict of modules (string keys, insertion order) whose parameters the parent finds,
    named by key. It has no `forward`.

    >>> from tinygrad_np.nn import Linear
    >>> heads = ModuleDict({"a": Linear(2, 1, rng=0)})
    >>> heads["b"] = Linear(2, 3, rng=1)
    >>> list(heads), [name for name, _ in heads.named_parameters()][-1]
    (['a', 'b'], 'b.bias')
    """

    def _held(self, key: str, value: Any) -> Module:
        return _checked("ModuleDict", f"the value for {key!r}", value)


def _parameter(owner: str, where: str, value: Any) -> Tensor:
    """A parameter to hold: a leaf Tensor as it is (marked a parameter), anything else made
    one with `Parameter` (an array is shared, not copied)."""
    if isinstance(value, Tensor):
        if value.grad_fn is not None:
            raise TypeError(f"{owner}: {where} is a Tensor computed by "
                            f"{type(value.grad_fn).__name__}, not a leaf (detach it first)")
        if value.data.dtype.kind != "f":
            raise TypeError(f"{owner}: {where}: parameters must be floating-point, got "
                            f"{value.data.dtype}")
        _mark_parameter(value)
        return value
    return Parameter(value)


def _parameters_repr(container: Module, items: Iterable[tuple[Any, Tensor]]) -> str:
    lines = [f"({key}): Parameter containing: [{p.data.dtype} of size {tuple(p.shape)}]"
             for key, p in items]
    if not lines:
        return f"{type(container).__name__}()"
    return f"{type(container).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ParameterList(Module):
    """A list of parameters whose parent finds them, named by index, as PyTorch's
    `nn.ParameterList`; arrays and numbers given to it become parameters.

    >>> import numpy as np
    >>> scales = ParameterList([np.ones(2), np.zeros(3)])
    >>> [(name, p.shape) for name, p in scales.named_parameters()]
    [('0', (2,)), ('1', (3,))]
    """

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self._parameters: list[Tensor] = []
        self.extend(values)

    def _named_items(self) -> Iterator[tuple[str, Any]]:
        for index, value in enumerate(self._parameters):
            yield str(index), value

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterList has no forward(): use its parameters in yours")

    def append(self, value: Any) -> ParameterList:
        """Add `value` at the end (made a parameter); returns self."""
        index = len(self._parameters)
        tensor = _parameter("ParameterList", f"item {index}", value)
        _adopt(str(index), tensor)
        self._parameters.append(tensor)
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """`append` each of `values`; returns self."""
        for value in values:
            self.append(value)
        return self

    @overload
    def __getitem__(self, index: int) -> Tensor: ...

    @overload
    def __getitem__(self, index: slice) -> ParameterList: ...

    def __getitem__(self, index: int | slice) -> Tensor | ParameterList:
        """A parameter, or for a slice a new ParameterList holding the same tensors (as
        PyTorch's)."""
        if isinstance(index, slice):
            return ParameterList(self._parameters[index])
        return self._parameters[index]

    def __setitem__(self, index: int, value: Any) -> None:
        self._parameters[index] = _parameter("ParameterList", f"item {index}", value)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Tensor]:
        return iter(self._parameters)

    def __repr__(self) -> str:
        return _parameters_repr(self, enumerate(self._parameters))


class ParameterDict(_KeyedContainer):
    """A dict of parameters (string keys, insertion order) whose parent finds them, named by
    key, as PyTorch's `nn.ParameterDict`; arrays and numbers given to it become parameters.

    >>> import numpy as np
    >>> gains = ParameterDict({"a": np.ones(2)})
    >>> gains["b"] = np.zeros(1)
    >>> list(gains), [name for name, _ in gains.named_parameters()]
    (['a', 'b'], ['a', 'b'])
    """

    def _held(self, key: str, value: Any) -> Tensor:
        return _parameter("ParameterDict", f"the value for {key!r}", value)

    def __repr__(self) -> str:
        return _parameters_repr(self, self._entries.items())
