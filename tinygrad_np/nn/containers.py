"""Containers: `ModuleList` and `ModuleDict`, which hold sub-modules under their index or key,
so their parameters are named "blocks.0.weight", "heads.cls.bias" (PyTorch's names).

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

from .module import Module, _adopt

__all__ = ["ModuleDict", "ModuleList"]


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
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, ModuleDict)):
            raise TypeError("ModuleList: expected an iterable of Modules, got a single "
                            f"{type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert `module` before `index` (the later modules' names shift by one)."""
        self._modules.insert(index, _checked("ModuleList", "the inserted item", module))

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


class ModuleDict(Module):
    """A dict of modules (string keys, insertion order) whose parameters the parent finds,
    named by key. It has no `forward`.

    >>> from tinygrad_np.nn import Linear
    >>> heads = ModuleDict({"a": Linear(2, 1, rng=0)})
    >>> heads["b"] = Linear(2, 3, rng=1)
    >>> list(heads), [name for name, _ in heads.named_parameters()][-1]
    (['a', 'b'], 'b.bias')
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        self._modules: dict[str, Module] = {}
        if modules is not None:
            self.update(modules)

    def _named_items(self) -> Iterator[tuple[str, Any]]:
        yield from self._modules.items()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward(): call its modules in yours")

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: keys must be non-empty strings without '.', "
                           f"got {key!r}")
        _adopt(key, _checked("ModuleDict", f"the value for {key!r}", module))
        self._modules[key] = module

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Any:
        return self._modules.keys()

    def values(self) -> Any:
        return self._modules.values()

    def items(self) -> Any:
        return self._modules.items()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from (key, module) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module
