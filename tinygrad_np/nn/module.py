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
every checkpoint, is the same from run to run). Plain dicts are not searched.

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
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..hooks import RemovableHandle, new_hook_dict
from ..tensor import Tensor
from .checkpoint import DEFAULT_MAX_BYTES, load_state, save_state

if TYPE_CHECKING:  # typing.Self is Python 3.11+; annotations are never evaluated at run time
    from typing_extensions import Self

__all__ = ["LoadResult", "Module", "Parameter", "StateDictError", "is_parameter"]

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

    def _walk(self, prefix: str, seen_modules: set[int],
              recurse: bool = True) -> Iterator[tuple[str, str, Any]]:
        """Depth first, in insertion order: (dotted name, kind, value) for each parameter
        ("param") and buffer ("buffer", or "transient" if not persistent). A module reached
        twice, or one that refers back up the tree, is walked once; without `recurse`, only
        this module's own."""
        buffers = self.__dict__.get("_buffers", {})
        for name, value in self._named_items():
            if name in buffers:
                if value is not None:
                    yield prefix + name, "buffer" if buffers[name] else "transient", value
            elif isinstance(value, Module):
                if recurse and id(value) not in seen_modules:
                    seen_modules.add(id(value))
                    yield from value._walk(f"{prefix}{name}.", seen_modules)
            elif is_parameter(value):
                yield prefix + name, "param", value

    def _state_entries(self) -> list[tuple[str, str, Any]]:
        """(name, kind, array) for what checkpoints hold: parameters and persistent buffers,
        each tensor once."""
        entries: list[tuple[str, str, Any]] = []
        seen: set[int] = set()
        for name, kind, value in self._walk("", {id(self)}):
            if kind != "transient" and id(value) not in seen:
                seen.add(id(value))
                entries.append((name, kind, value.data if isinstance(value, Tensor) else value))
        return entries

    # -- finding parameters -----------------------------------------------------------------
    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> list[tuple[str, Tensor]]:
        """(dotted name, tensor) pairs: "fc1.weight", "layers.0.bias", ... (each name after
        `prefix`; without `recurse`, this module's own only).

        A tensor or module reachable twice (tied weights) is listed once, under its first
        name (every time with remove_duplicate=False); a module that refers back to a parent
        is not walked again. Each tensor's `.name` becomes its dotted path unless the user
        gave it a name of their own (a name that is not the end of the path, such as "W1").
        """
        found: list[tuple[str, Tensor]] = []
        seen: set[int] = set()
        for name, kind, value in self._walk("", {id(self)}, recurse):
            if kind == "param" and (id(value) not in seen or not remove_duplicate):
                if id(value) not in seen:
                    _auto_name(value, name)
                seen.add(id(value))
                found.append((prefix + ("." if prefix else "") + name, value))
        return found

    def parameters(self, recurse: bool = True) -> list[Tensor]:
        """The parameter tensors, in the order of `named_parameters()`, frozen ones too
        (an optimizer skips those: they never get a gradient).

        >>> from tinygrad_np.optim import SGD
        >>> opt = SGD(Linear(3, 2, rng=0).parameters(), lr=0.1)  # doctest: +SKIP
        """
        return [p for _, p in self.named_parameters(recurse=recurse)]

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
            param._nn_parameter = True
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
        >>> list(counter.state_dict()), counter.parameters()
        (['count'], [])
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
                      remove_duplicate: bool = True) -> list[tuple[str, Any]]:
        """(dotted name, array) for every buffer (persistent or not), in the walk's order."""
        found: list[tuple[str, Any]] = []
        seen: set[int] = set()
        for name, kind, value in self._walk("", {id(self)}, recurse):
            if kind != "param" and (id(value) not in seen or not remove_duplicate):
                seen.add(id(value))
                found.append((prefix + ("." if prefix else "") + name, value))
        return found

    def buffers(self, recurse: bool = True) -> list[Any]:
        """The buffers' arrays, in the order of `named_buffers()`."""
        return [b for _, b in self.named_buffers(recurse=recurse)]

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

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("") and every module below it, parents
        before children, each module once."""
        yield from _named_modules(self, prefix, set())

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
        found = dict(self.named_modules()).get(target)
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
        array (later training does not change it)."""
        return {name: np.array(array, copy=True) for name, _, array in self._state_entries()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy `state`'s arrays into the parameters and buffers, in place (an optimizer
        holding the tensors keeps working), casting to each one's dtype.

        Everything is checked before anything is written, so on error the model is
        unchanged. `strict=False` skips missing and unexpected keys (shapes still must match).

        >>> model.load_state_dict(other.state_dict())  # doctest: +SKIP
        LoadResult(missing_keys=[], unexpected_keys=[])
        """
        own = {name: (kind, array) for name, kind, array in self._state_entries()}
        missing = [key for key in own if key not in state]
        unexpected = [key for key in state if key not in own]
        problems: list[str] = []
        if strict:
            problems += [f"missing key {key!r} (model {_KIND[own[key][0]]} of shape "
                         f"{np.shape(own[key][1])})" for key in missing]
            problems += [f"unexpected key {key!r} (array of shape {np.shape(state[key])})"
                         for key in unexpected]
        writes = []
        for key, (kind, target) in own.items():
            if key not in state:
                continue
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
        """Write the parameters (frozen ones too) and persistent buffers to an `.npz`
        checkpoint, atomically (see `save_state`).

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
        lines = [f"({name}): {_layer_repr(module)}" for name, module in self.named_children()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


_KIND = {"param": "parameter", "buffer": "buffer"}


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


def _named_modules(module: Module, prefix: str,
                   seen: set[int]) -> Iterator[tuple[str, Module]]:
    seen.add(id(module))
    yield prefix, module
    for name, child in module.named_children():
        if id(child) not in seen:
            yield from _named_modules(child, f"{prefix}.{name}" if prefix else name, seen)


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
            value._nn_parameter = True
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


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return (f"a Tensor computed by {type(value.grad_fn).__name__}" if value.grad_fn
                is not None else f"a {value.data.dtype} Tensor")
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
