"""`Module`: the base class of layers and models. Parameters are found, not registered.

The rule, in one place: a **parameter** is an attribute that is a leaf floating-point Tensor
and either requires grad, or was made with `nn.Parameter`, or was frozen with
`requires_grad_(False)` (a frozen weight is still a weight: it is saved, loaded and listed).
A tensor that required grad when it was assigned to a module also stays a parameter after
`t.requires_grad = False`. Any other Tensor attribute (`Tensor(array)`, no grad) is a
constant: not a parameter, not saved. State that is not trained but belongs in checkpoints
(running statistics) is a **buffer**: `register_buffer(name, array)`.

Parameters, buffers and sub-modules are found in attributes, in sub-Modules, in lists/tuples
of them and in `ModuleList` / `ModuleDict`, in attribute insertion order (so the order, and
every checkpoint, is the same from run to run). Plain dicts are not searched. Assigning
something that is not a parameter to an attribute holding one is a TypeError (it would
silently leave the checkpoints), as in PyTorch.

A tensor reachable by two names (tied weights, a module used twice) is one of
`parameters()` once, and in `state_dict()` under each name, as in PyTorch.

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> from tinygrad_np.nn import Module, Linear
>>> class MLP(Module):
...     def __init__(self):
...         self.fc1 = Linear(4, 8, rng=0)
...         self.fc2 = Linear(8, 2, rng=1)
...     def forward(self, x):
...         return self.fc2(self.fc1(x).relu())
>>> model = MLP()
>>> [name for name, _ in model.named_parameters()]
['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
>>> model.fc2.weight.name
'fc2.weight'
"""
from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import numpy as np

from ..hooks import RemovableHandle, new_hook_dict
from ..tensor import Tensor
from .checkpoint import DEFAULT_MAX_BYTES, load_state, save_state
from .init import is_out_in, mark_out_in

if TYPE_CHECKING:  # typing.Self is Python 3.11+; annotations are never evaluated at run time
    from typing_extensions import Self

__all__ = ["ItemList", "LoadResult", "Module", "Parameter", "StateDictError", "is_parameter"]

T = TypeVar("T")


class ItemList(list[T], Generic[T]):
    """What `parameters()`, `named_parameters()`, `buffers()` and `named_buffers()` return:
    a list (indexing, `len`, `+`, `==` with a list, any number of `for` loops) that is also
    an iterator, so PyTorch's `next(model.parameters())` works: each `next()` gives the next
    item, in order, then StopIteration. A `for` loop always sees every item.

    >>> items = ItemList(["a", "b"])
    >>> next(items), next(items), items == ["a", "b"], len(items)
    ('a', 'b', True, 2)
    """

    __slots__ = ("_next",)

    def __next__(self) -> T:
        index = getattr(self, "_next", 0)
        if index >= len(self):
            raise StopIteration
        self._next = index + 1
        return self[index]


def Parameter(data: Any, requires_grad: bool = True,  # noqa: N802 - PyTorch's name
              name: str | None = None) -> Tensor:
    """A leaf Tensor marked as a module parameter: found by `Module.parameters()` and saved
    even with `requires_grad=False` (a frozen weight). Shares `data`'s array, as PyTorch's
    `nn.Parameter` shares storage; lists and numbers become float32.

    >>> w = Parameter(np.zeros(3), requires_grad=False)
    >>> w.requires_grad, is_parameter(w)
    (False, True)
    """
    tensor = Tensor(data.data if isinstance(data, Tensor) else data, name=name)
    if tensor.data.dtype.kind != "f":
        raise TypeError(f"Parameter: parameters must be floating-point, got {tensor.data.dtype}")
    tensor._nn_parameter = True
    if is_out_in(data):  # the same array, so the same (out, in) layout
        mark_out_in(tensor)
    return tensor.requires_grad_(requires_grad)


def is_parameter(value: Any) -> bool:
    """True if `value` counts as a parameter when it is a module's attribute (see the rule at
    the top of this module)."""
    return (isinstance(value, Tensor) and value.grad_fn is None
            and value.data.dtype.kind == "f"
            and (value.requires_grad or getattr(value, "_nn_parameter", False)))


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

    # A class attribute, so modules whose __init__ never calls super() have it too;
    # train()/eval() set it on each module's instance.
    training: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # PyTorch's modules take `device=`: so do ours (the CPU is the one place numpy
        # arrays live: "cuda" is refused). Users' own modules are left as they wrote them.
        init = cls.__dict__.get("__init__")
        if init is not None and cls.__module__.startswith(f"{__package__.split('.')[0]}.") \
                and "device" not in inspect.signature(init).parameters:
            cls.__init__ = _taking_device(init)  # type: ignore[method-assign]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hooks = self.__dict__.get("_module_hooks")  # absent unless a hook was registered
        if hooks is None:
            return self.forward(*args, **kwargs)
        return hooks.call(self, args, kwargs)

    # -- forward hooks (anomaly branch, issue 16) -------------------------------------------
    def register_forward_hook(self, hook: Callable[[Module, tuple[Any, ...], Any], Any]
                              ) -> RemovableHandle:
        """Call `hook(module, inputs, output)` after each `forward` (`inputs`: the positional
        arguments, a tuple); a return value other than None replaces the output. Hooks run in
        registration order; `handle.remove()` unregisters.

        >>> from tinygrad_np.nn import Linear
        >>> layer = Linear(2, 3, rng=0)
        >>> shapes = []
        >>> handle = layer.register_forward_hook(lambda m, inp, out: shapes.append(out.shape))
        >>> _ = layer(np.ones((4, 2), dtype=np.float32))
        >>> shapes
        [(4, 3)]
        """
        return _module_hooks(self).add(post=True, hook=hook)

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple[Any, ...]], Any]
                                  ) -> RemovableHandle:
        """Call `hook(module, inputs)` before each `forward`; a return value other than None
        replaces the positional inputs (a tuple, or one value for a single input)."""
        return _module_hooks(self).add(post=False, hook=hook)

    def __setattr__(self, name: str, value: Any) -> None:
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and name in buffers:
            value = _as_buffer(self, name, value)
        else:
            old = self.__dict__.get(name)
            if value is not None and old is not None and value is not old \
                    and is_parameter(old) and not is_parameter(value):
                # It would silently leave parameters() and every checkpoint (PyTorch's
                # TypeError too).
                owner = type(self).__name__
                raise TypeError(
                    f"{owner}: cannot assign {_describe(value)} as parameter {name!r} "
                    f"(nn.Parameter or None expected): it would no longer be saved or "
                    f"trained. Use `.{name} = nn.Parameter(value)` to replace the "
                    f"parameter, `.{name}.data = array` to change its values in place, or "
                    f"`del` it first to store something else under that name")
            _adopt(name, value, self)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        self.__dict__.get("_buffers", {}).pop(name, None)

    # -- what a module holds ------------------------------------------------------------------
    def _named_items(self) -> Iterator[tuple[str, Any]]:
        """(name, value) for everything this module holds: its attributes, with lists and
        tuples opened one level ("layers.0"). Containers override it."""
        for attr, value in self.__dict__.items():
            if isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    yield f"{attr}.{index}", item
            else:
                yield attr, value

    def _walk(self, prefix: str, ancestors: set[int], walked: set[int] | None,
              recurse: bool = True) -> Iterator[tuple[str, str, Any]]:
        """Depth first, in insertion order: (dotted name, kind, value) for each parameter
        ("param") and buffer ("buffer", or "transient" if not persistent). A module in
        `walked` is not walked again (each is added as it is walked); with `walked` None, a
        module reachable by two paths is walked under each (PyTorch's
        remove_duplicate=False). A module in `ancestors` (one that refers back up the tree)
        never is. Without `recurse`, only this module's own."""
        buffers = self.__dict__.get("_buffers", {})
        for name, value in self._named_items():
            if name in buffers:
                if value is not None:
                    yield prefix + name, "buffer" if buffers[name] else "transient", value
            elif isinstance(value, Module):
                if recurse and _enters(value, ancestors, walked):
                    yield from value._walk(f"{prefix}{name}.", ancestors, walked)
                    ancestors.discard(id(value))
            elif is_parameter(value):
                yield prefix + name, "param", value

    def _state_entries(self) -> list[tuple[str, str, Any]]:
        """(name, kind, array) for what checkpoints hold: parameters and persistent buffers,
        under every name each is reachable by (a tied tensor under each, as PyTorch's)."""
        return [(name, kind, value.data if isinstance(value, Tensor) else value)
                for name, kind, value in self._walk("", {id(self)}, None)
                if kind != "transient"]

    # -- finding parameters -----------------------------------------------------------------
    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> ItemList[tuple[str, Tensor]]:
        """(dotted name, tensor) pairs: "fc1.weight", "layers.0.bias", ... (each name after
        `prefix`; without `recurse`, this module's own only), as an `ItemList`.

        A tensor or module reachable twice (tied weights) is listed once, under its first
        name; with remove_duplicate=False, under every name it is reachable by. A module
        that refers back to a parent is not walked again. Each tensor's `.name` becomes its
        (first) dotted path unless the user gave it a name of their own (a name that is not
        the end of the path, such as "W1").

        >>> from tinygrad_np.nn import Linear
        >>> class Tied(Module):
        ...     def __init__(self):
        ...         self.a, self.b = Linear(2, 2, rng=0), Linear(2, 2, rng=1)
        ...         self.b.weight = self.a.weight
        >>> [name for name, _ in Tied().named_parameters()]
        ['a.weight', 'a.bias', 'b.bias']
        >>> [name for name, _ in Tied().named_parameters(remove_duplicate=False)]
        ['a.weight', 'a.bias', 'b.weight', 'b.bias']
        """
        found: ItemList[tuple[str, Tensor]] = ItemList()
        seen: set[int] = set()
        for name, kind, value in self._walk("", {id(self)},
                                            set() if remove_duplicate else None, recurse):
            if kind != "param":
                continue
            if id(value) not in seen:
                seen.add(id(value))
                _auto_name(value, name)
            elif remove_duplicate:
                continue
            found.append((prefix + ("." if prefix else "") + name, value))
        return found

    def parameters(self, recurse: bool = True) -> ItemList[Tensor]:
        """The parameter tensors, in the order of `named_parameters()`, each once, frozen
        ones too (an optimizer skips those: they never get a gradient). A list that
        `next()` also walks (`ItemList`), so PyTorch's `next(model.parameters())` works.

        >>> from tinygrad_np.nn import Linear
        >>> next(Linear(3, 2, rng=0).parameters()).shape
        (3, 2)
        """
        return ItemList(p for _, p in self.named_parameters(recurse=recurse))

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (`grad = None`), before the next backward; with
        `set_to_none=False`, new zero arrays instead (never a shared array zeroed in place)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.grad)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Freeze (`False`) or unfreeze every parameter; returns self. Frozen parameters are
        still parameters: `state_dict()` and `save()` keep them."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def register_parameter(self, name: str, param: Tensor | None) -> None:
        """PyTorch's spelling of `self.<name> = param` for a parameter (a float leaf Tensor,
        frozen or not, marked with `Parameter` semantics), or None for an absent one."""
        if param is not None:
            if not isinstance(param, Tensor) or param.grad_fn is not None \
                    or param.data.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}.register_parameter: {name!r} must be "
                                f"a floating-point leaf Tensor or None, got "
                                f"{_describe(param)}")
            _mark_parameter(param)
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """PyTorch's spelling of `self.<name> = module`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {name!r} must be a Module or "
                            f"None, got {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    # -- buffers ------------------------------------------------------------------------------
    def register_buffer(self, name: str, array: Any, persistent: bool = True) -> None:
        """Keep `array` (an ndarray, a Tensor without grad, or None) as the attribute `name`:
        saved and loaded with the parameters (unless `persistent=False`), never one of
        `parameters()`. `load_state_dict` copies into it in place, so code holding the
        array keeps seeing the live values. Assigning to `self.<name>` later replaces it and
        it stays a buffer.

        >>> class Counter(Module):
        ...     def __init__(self):
        ...         self.register_buffer("count", np.zeros(()))
        >>> counter = Counter()
        >>> list(counter.state_dict()), counter.parameters() == []
        (['count'], True)
        """
        owner = type(self).__name__
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{owner}.register_buffer: the name must be a non-empty string "
                           f"without '.', got {name!r}")
        buffers = self.__dict__.setdefault("_buffers", {})
        if name not in buffers and hasattr(self, name):
            raise KeyError(f"{owner}.register_buffer: attribute {name!r} already exists")
        buffers[name] = bool(persistent)
        setattr(self, name, array)

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> ItemList[tuple[str, Any]]:
        """(dotted name, array) for every buffer (persistent or not), in the walk's order,
        each once (under every name it is reachable by with remove_duplicate=False), as an
        `ItemList`."""
        found: ItemList[tuple[str, Any]] = ItemList()
        seen: set[int] = set()
        for name, kind, value in self._walk("", {id(self)},
                                            set() if remove_duplicate else None, recurse):
            if kind != "param" and (id(value) not in seen or not remove_duplicate):
                seen.add(id(value))
                found.append((prefix + ("." if prefix else "") + name, value))
        return found

    def buffers(self, recurse: bool = True) -> ItemList[Any]:
        """The buffers' arrays, in the order of `named_buffers()` (an `ItemList`)."""
        return ItemList(b for _, b in self.named_buffers(recurse=recurse))

    def get_buffer(self, target: str) -> Any:
        """The buffer at dotted name `target` ("layers.1.running_mean")."""
        path, _, name = target.rpartition(".")
        owner = self.get_submodule(path)
        if name not in owner.__dict__.get("_buffers", {}):
            raise AttributeError(f"{type(self).__name__} has no buffer {target!r}")
        return getattr(owner, name)

    # -- the module tree ----------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct sub-module ("fc1", "layers.0"), each once."""
        seen = {id(self)}
        for name, value in self._named_items():
            if isinstance(value, Module) and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("") and every module below it, parents
        before children, each module once (under every name it is reachable by with
        remove_duplicate=False; a reference back up the tree is never followed).

        >>> from tinygrad_np.nn import Linear, Sequential
        >>> layer = Linear(2, 2, rng=0)
        >>> [name for name, _ in Sequential(layer, layer).named_modules(remove_duplicate=False)]
        ['', 'layers.0', 'layers.1']
        """
        yield from _named_modules(self, prefix, {id(self)},
                                  {id(self)} if remove_duplicate else None)

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, each once."""
        for _, module in self.named_modules():
            yield module

    def apply(self, fn: Callable[[Module], Any]) -> Self:
        """Call `fn` on every sub-module, children before parents, then on self (PyTorch's
        order); returns self, e.g. to re-initialise every Linear:

        >>> from tinygrad_np.nn import Linear
        >>> def init(m):
        ...     if isinstance(m, Linear):
        ...         m.bias.data[...] = 0.5
        >>> float(Linear(2, 2, rng=0).apply(init).bias.data[0])
        0.5
        """
        _apply_post_order(self, fn, {id(self)})
        fn(self)
        return self

    def train(self, mode: bool = True) -> Self:
        """Set `training` to `mode` on this module and every module below it; returns self.
        Dropout and BatchNorm read it."""
        if not isinstance(mode, bool):
            raise TypeError(f"{type(self).__name__}.train: mode must be a bool, "
                            f"got {type(mode).__name__}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Self:
        """`train(False)`: evaluation mode (Dropout passes through, BatchNorm uses its
        running statistics); returns self."""
        return self.train(False)

    def get_submodule(self, target: str) -> Module:
        """The module at dotted name `target` ("" is self), as `named_modules()` names it:
        "fc1", "layers.0", "blocks.1.norm"."""
        found = dict(self.named_modules(remove_duplicate=False)).get(target)
        if found is None:
            raise AttributeError(f"{type(self).__name__} has no submodule {target!r}")
        return found

    def get_parameter(self, target: str) -> Tensor:
        """The parameter at dotted name `target` ("layers.0.weight")."""
        path, _, name = target.rpartition(".")
        value = getattr(self.get_submodule(path), name, None)
        if not isinstance(value, Tensor) or not is_parameter(value):
            raise AttributeError(f"{type(self).__name__} has no parameter {target!r}")
        return value

    # -- dtype ------------------------------------------------------------------------------------
    def to(self, *args: Any, dtype: Any = None) -> Self:
        """PyTorch's `module.to(dtype)`, `.to("cpu")` and `.to("cpu", dtype)`: every
        floating-point parameter and buffer cast to `dtype`. A parameter stays the same
        Tensor (its data and grad are cast), so an optimizer built on it keeps it; make the
        optimizer after casting, as in PyTorch, or its state keeps the old dtype. The CPU is
        the only device. Returns self.

        >>> from tinygrad_np.nn import Linear
        >>> Linear(2, 3, rng=0).to(np.float64).weight.dtype
        dtype('float64')
        """
        owner = type(self).__name__
        for arg in args:
            if isinstance(arg, str) and arg.split(":")[0] == "cpu":
                continue  # the one device
            if dtype is not None:
                raise TypeError(f"{owner}.to: one dtype at most, got {arg!r} and {dtype!r}")
            dtype = arg
        if dtype is None:
            return self
        try:
            target = np.dtype(dtype)
        except TypeError:
            raise ValueError(f"{owner}.to: {dtype!r} is neither a dtype nor 'cpu' (arrays "
                             f"here live in main memory)") from None
        if target.kind != "f":
            raise TypeError(f"{owner}.to: only floating-point dtypes, got {target}")
        for p in self.parameters():
            if p.data.dtype.kind == "f":
                p.data = p.data.astype(target, copy=False)
                if p.grad is not None:
                    p.grad = p.grad.astype(target, copy=False)
        for module in self.modules():
            for name in module.__dict__.get("_buffers", {}):
                value = getattr(module, name)
                array = value.data if isinstance(value, Tensor) else value
                if array is None or getattr(array, "dtype", None) is None or \
                        array.dtype.kind != "f":
                    continue  # counts stay integers, as PyTorch's num_batches_tracked
                if isinstance(value, Tensor):
                    value.data = array.astype(target, copy=False)
                else:
                    setattr(module, name, array.astype(target, copy=False))
        return self

    def cpu(self) -> Self:
        """Itself: every array here is in the CPU's memory."""
        return self

    def double(self) -> Self:
        """`to(np.float64)`."""
        return self.to(np.float64)

    def float(self) -> Self:
        """`to(np.float32)`."""
        return self.to(np.float32)

    def half(self) -> Self:
        """`to(np.float16)`."""
        return self.to(np.float16)

    # -- state dicts and files -----------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Name -> a copy of each parameter's (frozen ones too) and each persistent buffer's
        array (later training does not change it). A tied tensor is under each of its names,
        one copy shared by them, as PyTorch's state dicts share one storage.

        >>> from tinygrad_np.nn import Linear, Sequential
        >>> layer = Linear(2, 2, rng=0)
        >>> state = Sequential(layer, layer).state_dict()
        >>> list(state), state["layers.0.weight"] is state["layers.1.weight"]
        (['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias'], True)
        """
        copies: dict[int, np.ndarray] = {}
        state: dict[str, np.ndarray] = {}
        for name, _, array in self._state_entries():
            if id(array) not in copies:
                copies[id(array)] = np.array(array, copy=True)
            state[name] = copies[id(array)]
        return state

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy `state`'s arrays into the parameters and buffers, in place (an optimizer
        holding the tensors keeps working), casting to each one's dtype.

        Everything is checked before anything is written, so on error the model is
        unchanged. `strict=False` skips missing and unexpected keys (shapes still must match).
        A tied tensor's names must hold equal values (PyTorch keeps the last one silently);
        a state that has it under one of its names only (as checkpoints written before
        `state_dict()` listed every name) loads it, its other names not missing.

        >>> model.load_state_dict(other.state_dict())  # doctest: +SKIP
        LoadResult(missing_keys=[], unexpected_keys=[])
        """
        own = {name: (kind, array) for name, kind, array in self._state_entries()}
        names_of: dict[int, list[str]] = {}  # each array -> every name it has, in order
        for name, (_, array) in own.items():
            names_of.setdefault(id(array), []).append(name)
        missing = [key for key, (_, array) in own.items()
                   if not any(name in state for name in names_of[id(array)])]
        unexpected = [key for key in state if key not in own]
        problems: list[str] = []
        if strict:
            problems += [f"missing key {key!r} (model {_KIND[own[key][0]]} of shape "
                         f"{np.shape(own[key][1])})" for key in missing]
            problems += [f"unexpected key {key!r} (array of shape {np.shape(state[key])})"
                         for key in unexpected]
        writes = []
        for names in names_of.values():  # one write per array, whatever its names
            kind, target = own[names[0]]
            given: list[tuple[str, np.ndarray]] = []
            for key in (name for name in names if name in state):
                value = state[key]
                value = value.data if isinstance(value, Tensor) else np.asarray(value)
                if value.shape != target.shape:
                    problems.append(f"shape mismatch for {key!r}: state has {value.shape}, "
                                    f"model has {target.shape}")
                elif not np.can_cast(value.dtype, target.dtype, casting="same_kind"):
                    problems.append(f"cannot cast {key!r} from {value.dtype} to the "
                                    f"{_KIND[kind]}'s {target.dtype}")
                elif not target.flags.writeable:
                    problems.append(f"{_KIND[kind]} {key!r} wraps a read-only array")
                else:
                    given.append((key, value))
            if not given:
                continue
            first, chosen = given[0]
            for key, value in given[1:]:
                if value is not chosen and not np.array_equal(
                        value, chosen, equal_nan=value.dtype.kind == chosen.dtype.kind == "f"):
                    problems.append(f"{first!r} and {key!r} name one tied {_KIND[kind]} in "
                                    f"the model but hold different values in the state")
            writes.append((target, chosen))
        if problems:
            hint = " (strict=False ignores missing/unexpected keys)" if strict and (
                missing or unexpected) else ""
            raise StateDictError(f"load_state_dict into {type(self).__name__}: "
                                 + "; ".join(problems) + hint)
        for target, value in writes:
            np.copyto(target, value, casting="same_kind")
        return LoadResult(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters (frozen ones too) and persistent buffers to an `.npz`
        checkpoint, atomically (see `save_state`), under the names of `state_dict()`.

        >>> model.save("mlp.npz")  # doctest: +SKIP
        """
        # No copies: the arrays are only read, and written out before this returns.
        save_state(path, {name: array for name, _, array in self._state_entries()})

    def load(self, path: str | os.PathLike[str], strict: bool = True,
             max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
        """Read a checkpoint written by `save` into this model (never unpickles; a file that
        unpacks to more than `max_bytes` is refused before anything is allocated, see
        `load_state`).

        >>> model.load("mlp.npz")  # doctest: +SKIP
        LoadResult(missing_keys=[], unexpected_keys=[])
        """
        state = load_state(path, max_bytes=max_bytes)
        try:
            return self.load_state_dict(state, strict=strict)
        except StateDictError as err:
            raise StateDictError(f"{os.fspath(path)}: {err}") from None

    # -- printing -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """Text shown inside this module's parentheses by `repr` (override in layers)."""
        return ""

    def __repr__(self) -> str:
        """PyTorch's layout: the `extra_repr` lines, then one line per child (a child held
        under two names is shown under both); a one-line extra_repr alone stays inline.

        >>> from tinygrad_np.nn import Linear
        >>> class Scaled(Module):
        ...     def __init__(self):
        ...         self.fc = Linear(2, 2, rng=0)
        ...     def extra_repr(self):
        ...         return "scale=2"
        >>> print(Scaled())
        Scaled(
          scale=2
          (fc): Linear(in_features=2, out_features=2, bias=True)
        )
        """
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        printing: set[int] = _PRINTING.__dict__.setdefault("ids", set())
        printing.add(id(self))
        try:
            # A reference back up the tree is not printed again (it would never end).
            child_lines = [f"({name}): {_layer_repr(value)}" for name, value in
                           self._named_items()
                           if isinstance(value, Module) and id(value) not in printing]
        finally:
            printing.discard(id(self))
        lines = extra_lines + child_lines
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        if not lines:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


_KIND = {"param": "parameter", "buffer": "buffer"}
_PRINTING = threading.local()  # .ids: the modules whose repr this thread is building


class _ModuleHooks:
    """A module's forward pre-hooks and forward hooks (ordered: handle id -> fn). Kept in
    the module's __dict__ under `_module_hooks` only once one is registered, so a module
    without hooks is called exactly as before (one dict lookup)."""

    __slots__ = ("pre", "post")

    def __init__(self) -> None:
        self.pre = new_hook_dict()
        self.post = new_hook_dict()

    def add(self, post: bool, hook: Any) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"expected a function as the hook, got {type(hook).__name__}")
        hooks = self.post if post else self.pre
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def call(self, module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        for hook in list(self.pre.values()):
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = module.forward(*args, **kwargs)
        for hook in list(self.post.values()):
            result = hook(module, args, output)
            if result is not None:
                output = result
        return output


def _module_hooks(module: Module) -> _ModuleHooks:
    hooks = module.__dict__.get("_module_hooks")
    if hooks is None:
        hooks = _ModuleHooks()
        object.__setattr__(module, "_module_hooks", hooks)  # not a parameter, not adopted
    return hooks  # type: ignore[no-any-return]


def _named_modules(module: Module, prefix: str, ancestors: set[int],
                   walked: set[int] | None) -> Iterator[tuple[str, Module]]:
    """`named_modules`: as `Module._walk`, `walked` None visits a module under every name."""
    yield prefix, module
    for name, child in module._named_items():
        if isinstance(child, Module) and _enters(child, ancestors, walked):
            yield from _named_modules(child, f"{prefix}.{name}" if prefix else name,
                                      ancestors, walked)
            ancestors.discard(id(child))


def _enters(child: Module, ancestors: set[int], walked: set[int] | None) -> bool:
    """Whether a walk of the module tree goes into `child`: never one up the tree (in
    `ancestors`), once only where `walked` counts the modules walked (None: under every
    name); entering adds it to both, the caller takes it out of `ancestors` after."""
    key = id(child)
    if key in ancestors or (walked is not None and key in walked):
        return False
    if walked is not None:
        walked.add(key)
    ancestors.add(key)
    return True


def _apply_post_order(module: Module, fn: Callable[[Module], Any], seen: set[int]) -> None:
    for child in module.children():
        if id(child) not in seen:
            seen.add(id(child))
            _apply_post_order(child, fn, seen)
            fn(child)


def _layer_repr(layer: Any) -> str:
    """A module's repr, indented to sit inside its parent's; a plain function's name."""
    if isinstance(layer, Module):
        return repr(layer).replace("\n", "\n  ")
    name = getattr(layer, "__qualname__", None) or getattr(layer, "__name__", None)
    return name if isinstance(name, str) else repr(layer)


def _auto_name(tensor: Tensor, path: str) -> None:
    """Name a parameter by its dotted path, keeping a name the user chose: only a missing
    name, or one the path ends with (a layer's own "weight", a sub-module's "fc.weight"),
    is replaced, so names only grow as modules are nested."""
    name = tensor.name
    if name != path and (name is None or path.endswith("." + name)):
        tensor.name = path


def _adopt(name: str, value: Any, owner: Module | None = None) -> None:
    """What assigning `value` to `owner`'s attribute `name` does besides storing it: a
    tensor that requires grad is marked a parameter (so `t.requires_grad = False` later
    freezes it rather than dropping it from checkpoints), and parameters get dotted names
    (not through a reference back up the tree: `self.child.parent = self` names nothing)."""
    if isinstance(value, Tensor):
        if value.requires_grad and value.grad_fn is None:
            _mark_parameter(value)
            _auto_name(value, name)
    elif isinstance(value, Module):
        if owner is not None and any(m is owner for m in value.modules()):
            return
        for path, param in value.named_parameters():
            _auto_name(param, f"{name}.{path}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if isinstance(item, (Tensor, Module)):
                _adopt(f"{name}.{index}", item, owner)


def _mark_parameter(tensor: Tensor) -> None:
    """Mark `tensor` a parameter, keeping a mark it has (`init.mark_out_in`'s is truthy)."""
    if not getattr(tensor, "_nn_parameter", False):
        tensor._nn_parameter = True


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return (f"a Tensor computed by {type(value.grad_fn).__name__}" if value.grad_fn
                is not None else f"a {value.data.dtype} Tensor")
    if isinstance(value, np.ndarray):
        return f"a numpy array ({value.dtype})"
    return f"a {type(value).__name__}"


def _as_buffer(module: Module, name: str, value: Any) -> Any:
    """`value` as a buffer's array: an ndarray or a Tensor without grad as given (so code
    holding it sees in-place updates), None, or an array made from numbers."""
    owner = type(module).__name__
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(f"{owner}: buffer {name!r} must not require grad (buffers are not "
                            f"trained; use nn.Parameter for a trainable tensor)")
        array = value.data
    elif value is None or (hasattr(value, "shape") and hasattr(value, "dtype")
                           and not isinstance(value, np.generic)):
        array = value  # an ndarray (or another library's array) is kept, never copied
    else:
        array = value = np.asarray(value)
    if array is not None and (not hasattr(array, "dtype") or array.dtype.hasobject):
        raise TypeError(f"{owner}: buffer {name!r} must be a numeric array, got "
                        f"{getattr(array, 'dtype', type(array).__name__)}")
    return value


def _taking_device(init: Callable[..., None]) -> Callable[..., None]:
    """`init`, also taking PyTorch's `device=` (the CPU only)."""

    @functools.wraps(init)
    def init_on_cpu(self: Any, *args: Any, device: Any = None, **kwargs: Any) -> None:
        if device is not None:
            from ..creation import on_cpu  # creation imports nn.init's neighbours
            on_cpu(device, type(self).__name__)
        init(self, *args, **kwargs)

    return init_on_cpu
