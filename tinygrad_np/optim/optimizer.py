"""`Optimizer`: parameter groups, per-parameter state and the checks every optimizer shares,
on PyTorch's model (`param_groups`, `state`, `state_dict()`)."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import numpy as np

from ..grad_mode import enable_grad
from ..memory import empty_aligned_like, full_aligned_like
from ..tensor import Tensor

__all__ = ["Optimizer", "ParamState", "check_hyper"]


class ParamState(MutableMapping[Tensor, dict[str, Any]]):
    """`opt.state`: parameter -> its state dict (arrays and step counts), like PyTorch's
    `defaultdict(dict)` keyed by tensors: reading a parameter that has no state yet gives it
    an empty dict. Keyed by identity, so it works whatever `Tensor.__eq__` returns.

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> state = ParamState()
    >>> w in state, state[w], w in state
    (False, {}, True)
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[Tensor, dict[str, Any]]] = {}

    def __getitem__(self, param: Tensor) -> dict[str, Any]:
        entry = self._entries.get(id(param))
        if entry is not None:
            return entry[1]
        if not isinstance(param, Tensor):
            raise KeyError(param)
        state: dict[str, Any] = {}
        self._entries[id(param)] = (param, state)
        return state

    def get(self, param: Any, default: Any = None) -> Any:
        """The state of `param`, or `default` (without creating an entry)."""
        entry = self._entries.get(id(param))
        return default if entry is None else entry[1]

    def __setitem__(self, param: Tensor, state: dict[str, Any]) -> None:
        if not isinstance(param, Tensor):
            raise TypeError(f"optimizer state is keyed by parameters (Tensors), "
                            f"got {type(param).__name__}")
        self._entries[id(param)] = (param, state)

    def __delitem__(self, param: Tensor) -> None:
        del self._entries[id(param)]

    def __contains__(self, param: object) -> bool:
        return id(param) in self._entries

    def __iter__(self) -> Iterator[Tensor]:
        return (param for param, _ in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ParamState({len(self)} parameters)"


class Optimizer:
    """Base class: `param_groups` (a list of dicts, each "params" plus every hyperparameter,
    read at every `step()`), `state` (parameter -> dict of arrays and step counts).

    `params` is an iterable of leaf Tensors, or of dicts, one per group:
    `SGD([{"params": body, "lr": 0.1}, {"params": head}], lr=0.01)`; what a group leaves out
    comes from the constructor's arguments (`opt.defaults`).

    Updates are written into each `p.data` in place (the arrays are never replaced, so
    anything else holding them, a model or a checkpoint writer, sees the new values), and
    `p.grad` is only read: it may be shared. Parameters whose `grad` is None are skipped.
    Scratch arrays are made on a parameter's first step and reused, so a step allocates
    nothing.

    >>> from tinygrad_np.optim import SGD
    >>> opt = SGD(model.parameters(), lr=0.1)  # doctest: +SKIP
    >>> opt.zero_grad(); loss.backward(); opt.step()  # doctest: +SKIP
    """

    defaults: dict[str, Any]
    param_groups: list[dict[str, Any]]
    state: ParamState

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every optimizer takes PyTorch's `step(closure)`: a subclass writes `step(self)`
        # and gets the closure handled here (one that takes a closure itself is left as is).
        step = cls.__dict__.get("step")
        if step is not None and len(inspect.signature(step).parameters) == 1:
            cls.step = _with_closure(step)  # type: ignore[method-assign]
        # and PyTorch's choices of kernels, which change no value (foreach=, fused=, ...)
        init = cls.__dict__.get("__init__")
        if init is not None and cls.__module__.startswith(f"{__package__.split('.')[0]}."):
            cls.__init__ = _taking_kernel_choices(init)  # type: ignore[method-assign]

    def __init__(self, params: Iterable[Any], defaults: Mapping[str, Any]) -> None:
        name = type(self).__name__
        # A model (even an iterable one, like Sequential) or a lone Tensor (iterable by rows)
        # is a mistake that list() would not catch, or would catch with a confusing message.
        is_model = hasattr(params, "parameters")
        if is_model or isinstance(params, (Tensor, Mapping)) or not hasattr(params, "__iter__"):
            hint = " (did you mean model.parameters()?)" if is_model else ""
            if isinstance(params, Mapping):
                hint = " (a parameter group goes in a list: [{'params': ...}])"
            raise TypeError(f"{name}: params must be an iterable of Tensors, such as "
                            f"model.parameters() or [W1, b1], got {type(params).__name__}{hint}")
        object.__setattr__(self, "defaults", dict(defaults))
        self.state = ParamState()
        self.param_groups = []
        # Scratch arrays per parameter (by id): made once, reused by every step, and not
        # part of the state (not saved, not compared).
        self._scratch: dict[int, dict[str, Any]] = {}
        given = list(params)
        if not given:
            raise ValueError(f"{name}: got an empty parameter list")
        if all(isinstance(group, Mapping) for group in given):
            for group in given:
                self.add_param_group(group)
        elif any(isinstance(group, Mapping) for group in given):
            raise TypeError(f"{name}: params mixes Tensors and parameter groups (dicts); give "
                            f"either Tensors or a list of {{'params': ...}} dicts")
        else:
            self.add_param_group({"params": given})

    # -- groups -----------------------------------------------------------------------------
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group (a dict with "params" and any hyperparameters; the rest are taken
        from `defaults`), as in PyTorch (fine-tuning: unfreeze a part and add it)."""
        name = type(self).__name__
        if not isinstance(param_group, Mapping):
            raise TypeError(f"{name}: a parameter group is a dict, got "
                            f"{type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: parameter group {len(self.param_groups)} has no "
                             f"'params' entry")
        raw = param_group["params"]
        if isinstance(raw, Tensor):
            params = [raw]
        elif hasattr(raw, "parameters") or isinstance(raw, Mapping) or \
                not hasattr(raw, "__iter__"):
            hint = " (did you mean model.parameters()?)" if hasattr(raw, "parameters") else ""
            raise TypeError(f"{name}: a group's 'params' must be a Tensor or an iterable of "
                            f"Tensors, got {type(raw).__name__}{hint}")
        else:
            params = list(raw)
        where = f" in group {len(self.param_groups)}" if self.param_groups else ""
        if not params:
            raise ValueError(f"{name}: parameter group {len(self.param_groups)} has an empty "
                             f"parameter list" if self.param_groups else
                             f"{name}: got an empty parameter list")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        first = sum(len(group["params"]) for group in self.param_groups)
        for offset, p in enumerate(params):
            index = first + offset
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {index}{where} is a {type(p).__name__}, "
                                f"not a Tensor")
            label = f"parameter {index}" + (f" ({p.name!r})" if p.name else "") + where
            # A module's frozen parameter is taken and skipped while it has no gradient, as in
            # PyTorch (optimizer built before freezing / unfreezing); a plain constant tensor
            # is almost always a forgotten requires_grad=True, so it is refused.
            if not p.requires_grad and not getattr(p, "_nn_parameter", False):
                raise ValueError(f"{name}: {label} has requires_grad=False, so it never gets "
                                 f"a gradient; create it with requires_grad=True (a module's "
                                 f"frozen parameters are accepted and skipped)")
            if p.grad_fn is not None:
                raise ValueError(f"{name}: {label} is the result of an operation, not a leaf "
                                 f"tensor; optimize the tensors it was computed from")
            if id(p) in seen:
                raise ValueError(f"{name}: {label} appears twice; it would be updated twice "
                                 f"per step")
            seen.add(id(p))
        group = {key: value for key, value in param_group.items() if key != "params"}
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        group = self._check_group(group)
        self.param_groups.append({"params": params, **group})

    def _check_group(self, group: dict[str, Any]) -> dict[str, Any]:
        """The group's hyperparameters, checked and normalised (numbers as Python floats).
        Each optimizer checks its own; an error names the optimizer and the value."""
        return group

    @property
    def params(self) -> list[Tensor]:
        """Every parameter, group after group (the indices `state_dict()` uses)."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def lr(self) -> float:
        """The learning rate of the first group; setting it sets every group's."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        number = check_hyper(type(self).__name__, "lr", value)
        for group in self.param_groups:
            group["lr"] = number

    def __getattr__(self, name: str) -> Any:
        # Other hyperparameters (opt.momentum, opt.betas, ...) read the first group's, as
        # `lr` does; only called for names that are not real attributes.
        defaults = self.__dict__.get("defaults")
        groups = self.__dict__.get("param_groups")
        if defaults is not None and groups and name in defaults:
            return groups[0][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        # opt.momentum = 0.5 must not silently make an attribute that step() never reads.
        defaults = self.__dict__.get("defaults")
        if defaults is not None and name in defaults and name != "lr" and \
                self.__dict__.get("param_groups"):
            for group in self.param_groups:
                checked = self._check_group({**group, name: value})
                group[name] = checked[name]
            return
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines.extend(f"    {key}: {value!r}" for key, value in sorted(group.items())
                         if key != "params")
        return "\n".join(lines + [")"])

    # -- stepping ---------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's `grad` to None, so the next backward starts from zero. With
        `set_to_none=False` each gradient becomes a new array of zeros instead (a `.grad`
        may be shared, so it is never zeroed in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = np.zeros_like(p.data)

    # Typed loosely so that a subclass's `step(self)` overrides it: `__init_subclass__`
    # gives that one the closure.
    def step(self, *args: Any, **kwargs: Any) -> Any:
        """`step()` updates every parameter that has a gradient. `step(closure)`, with a
        function that zeroes the gradients, computes the loss, calls backward and returns
        the loss, calls it first, with gradients enabled, and returns its loss, as PyTorch
        does."""
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    def _grad(self, p: Tensor, index: int) -> Any:
        """`p.grad`, checked against `p`'s shape (a gradient that broadcast into the update
        would be silent garbage); None when `p` has no gradient this step."""
        g = p.grad
        if g is not None and g.shape != p.data.shape:
            label = f"parameter {index}" + (f" ({p.name!r})" if p.name else "")
            raise ValueError(f"{type(self).__name__}: {label} has shape {p.data.shape} but "
                             f"its grad has shape {g.shape}")
        return g

    def _grads_by_group(self) -> Iterator[tuple[dict[str, Any], list[tuple[Tensor, Any]]]]:
        """Each group with its parameters that have a gradient this step, as (parameter,
        gradient) pairs, each gradient checked against its parameter's shape (`_grad`)."""
        index = 0
        for group in self.param_groups:
            pairs = []
            for p in group["params"]:
                g = self._grad(p, index)
                index += 1
                if g is not None:
                    pairs.append((p, g))
            yield group, pairs

    def _counted_state(self, p: Tensor, moments: tuple[str, ...],
                       **scalars: Any) -> dict[str, Any]:
        """`p`'s state with its "step" counted up, made on its first step: "step" 0, then
        `scalars`, then each of `moments` an array of zeros like `p.data`."""
        state = self.state[p]
        if not state:
            state["step"] = 0
            state.update(scalars)
            for name in moments:
                state[name] = full_aligned_like(p.data)
        state["step"] += 1
        return state

    def scratch_arrays(self) -> list[Any]:
        """The scratch arrays of `_buffer`: `step()` writes each before reading it and keeps
        nothing in them from one step to the next. A jit replay of a whole training step
        uses them for its own temporaries that are dead whenever it calls `step()` (the
        weight-decay term, say), so that the update writes into memory still in cache.

        >>> from tinygrad_np import Tensor
        >>> from tinygrad_np.optim import SGD
        >>> w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        >>> opt = SGD([w], lr=0.1, weight_decay=0.01)
        >>> w.grad = np.ones(3, dtype=np.float32)
        >>> opt.step()
        >>> [a.shape for a in opt.scratch_arrays()]   # g + weight_decay * p
        [(3,)]
        """
        return [array for buffers in self._scratch.values() for array in buffers.values()]

    def _buffer(self, p: Tensor, key: str) -> Any:
        """A scratch array like `p.data` under `key`, made on first use and then reused
        (remade only if the parameter's shape or dtype changed). Its content is garbage
        between steps (see `scratch_arrays`)."""
        buffers = self._scratch.get(id(p))
        if buffers is None:
            buffers = self._scratch[id(p)] = {}
        array = buffers.get(key)
        data = p.data
        if array is None or array.shape != data.shape or array.dtype != data.dtype:
            array = buffers[key] = empty_aligned_like(data)
        return array

    def _decayed_grad(self, p: Tensor, g: Any, lr: float, weight_decay: float,
                      maximize: bool, decoupled: bool) -> Any:
        """`_grad_with_decay`, or with `decoupled` (AdamW's kind) p *= 1 - lr * weight_decay
        first and the gradient without the decay."""
        if not decoupled:
            return self._grad_with_decay(p, g, weight_decay, maximize)
        if weight_decay:
            p.data *= 1.0 - lr * weight_decay
        return self._grad_with_decay(p, g, 0.0, maximize)

    def _grad_with_decay(self, p: Tensor, g: Any, weight_decay: float, maximize: bool) -> Any:
        """The gradient the update uses: `-g` when maximizing, plus `weight_decay * p` (L2).
        Written into a scratch array when it differs from `g`, which is never changed."""
        if not weight_decay and not maximize:
            return g
        out = self._buffer(p, "grad")
        if weight_decay:
            np.multiply(p.data, weight_decay, out=out)
            if maximize:
                out -= g
            else:
                out += g
        else:
            np.negative(g, out=out)
        return out

    # -- saving -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: `{"state": {index: {name: value}}, "param_groups": [{...,
        "params": [indices]}]}`, parameters numbered group after group. Arrays are copies.
        Save it without pickle with `tinygrad_np.optim.state_to_arrays` (or
        `save_training_state`)."""
        index_of = {id(p): i for i, p in enumerate(self.params)}
        state: dict[int, dict[str, Any]] = {}
        for p, entry in self.state.items():
            if id(p) in index_of:
                state[index_of[id(p)]] = {key: _copy(value) for key, value in entry.items()}
        groups = []
        for group in self.param_groups:
            saved = {key: value for key, value in group.items() if key != "params"}
            saved["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(saved)
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what `state_dict()` returned (hyperparameters and per-parameter state),
        so training resumes exactly. Everything is checked before anything changes: a
        mismatch (group count, group sizes, an array's shape) raises ValueError and leaves
        the optimizer as it was. Arrays are cast to each parameter's dtype and copied."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups' (from state_dict()), got "
                             f"{type(state_dict).__name__}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state has {len(saved_groups)} "
                             f"parameter groups, this optimizer {len(self.param_groups)}")
        params = self.params
        new_groups = []
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, Mapping) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict: parameter group {number} is not a "
                                 f"dict with 'params'")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {number} has "
                                 f"{len(saved['params'])} parameters in the state, "
                                 f"{len(group['params'])} here")
            hyper = {key: value for key, value in saved.items() if key != "params"}
            new_groups.append(self._check_group({**self.defaults, **hyper}))
        # The saved indices name parameters in the saved optimizer's order; map them to ours
        # group by group, as PyTorch does.
        order: dict[int, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for saved_index, p in zip(saved["params"], group["params"]):
                order[int(saved_index)] = p
        loaded: list[tuple[Tensor, dict[str, Any]]] = []
        for key, entry in dict(state_dict["state"]).items():
            index = int(key)
            if index not in order:
                raise ValueError(f"{name}.load_state_dict: state for parameter {index}, which "
                                 f"no group lists (parameters: {len(params)})")
            p = order[index]
            values = {}
            for field, value in dict(entry).items():
                if field == "step":
                    value = int(value)  # a count (a 0-d array once it went through a file)
                elif _is_array(value) and value.shape != p.data.shape:
                    raise ValueError(f"{name}.load_state_dict: state {field!r} of parameter "
                                     f"{index} has shape {value.shape}, the parameter "
                                     f"{p.data.shape}")
                values[field] = value
            loaded.append((p, values))
        # Checked: now write. Existing state arrays are refilled in place (whoever holds them
        # sees the loaded values); others are made as copies in the parameter's dtype.
        for group, checked in zip(self.param_groups, new_groups):
            group.update({key: value for key, value in checked.items() if key != "params"})
        keep = {id(p): dict(self.state.get(p) or {}) for p, _ in loaded}
        self.state = ParamState()
        for p, values in loaded:
            old = keep[id(p)]
            restored: dict[str, Any] = {}
            for field, value in values.items():
                if _is_array(value):
                    target = old.get(field)
                    if target is None or getattr(target, "shape", None) != p.data.shape or \
                            target.dtype != p.data.dtype:
                        target = empty_aligned_like(p.data)
                    np.copyto(target, value, casting="unsafe")
                    value = target
                restored[field] = value
            self.state[p] = restored


def _with_closure(step: Callable[[Any], None]) -> Callable[..., Any]:
    """`step(self)` as `step(self, closure=None)`, returning the closure's loss."""

    @functools.wraps(step)
    def step_with_closure(self: Any, closure: Callable[[], Any] | None = None) -> Any:
        if closure is None:
            return step(self)
        if not callable(closure):
            raise TypeError(f"{type(self).__name__}.step(closure): closure must be a function "
                            f"that computes the loss and calls backward(), got "
                            f"{type(closure).__name__}")
        with enable_grad():
            loss = closure()
        step(self)
        return loss

    return step_with_closure


# PyTorch's keyword arguments that pick how an update is computed, not what it computes
_KERNEL_CHOICES = ("foreach", "fused", "capturable")


def _taking_kernel_choices(init: Callable[..., None]) -> Callable[..., None]:
    """`init`, also taking `foreach=`, `fused=`, `capturable=` (any value: one numpy update
    here) and `differentiable=False` (True, a graph through the update, is refused)."""

    @functools.wraps(init)
    def init_with_choices(self: Any, *args: Any, **kwargs: Any) -> None:
        for name in _KERNEL_CHOICES:
            kwargs.pop(name, None)
        if kwargs.pop("differentiable", False):
            raise ValueError(f"{type(self).__name__}: differentiable=True (a graph through "
                             f"the update) is not supported: updates run on arrays")
        init(self, *args, **kwargs)

    return init_with_choices


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, Tensor)


def _copy(value: Any) -> Any:
    return value.copy() if _is_array(value) else value


def check_hyper(owner: str, name: str, value: Any, low: float = 0.0,
                high: float | None = None) -> float:
    """`value` as a Python float (so float32 arithmetic stays float32), checked to lie in
    [low, high) (or [low, inf))."""
    try:
        if isinstance(value, (str, bytes)):  # float("0.1") would take it: a mistake, as in PyTorch
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}") from None
    if not (number >= low and (high is None or number < high)):
        where = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{owner}: {name} must be {where}, got {value!r}")
    return number


def check_flag(owner: str, name: str, value: Any) -> bool:
    """`value` as a bool, refusing anything but True/False (or 0/1)."""
    if isinstance(value, (bool, np.bool_)) or value in (0, 1):
        return bool(value)
    raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")


def check_betas(owner: str, betas: Any) -> tuple[float, float]:
    """Adam's (beta1, beta2), each checked to lie in [0, 1)."""
    if not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    return (check_hyper(owner, "beta1", betas[0], 0.0, 1.0),
            check_hyper(owner, "beta2", betas[1], 0.0, 1.0))


def check_settings(owner: str, group: dict[str, Any], numbers: tuple[str, ...] = (),
                   flags: tuple[str, ...] = ()) -> None:
    """`check_hyper` each of a group's `numbers` (at least 0) and `check_flag` its `flags`,
    in place."""
    for key in numbers:
        group[key] = check_hyper(owner, key, group[key])
    for key in flags:
        group[key] = check_flag(owner, key, group[key])


def lerp_toward(average: Any, g: Any, weight: float, work: Any) -> None:
    """average += weight * (g - average), in place: PyTorch's `average.lerp_(g, weight)`."""
    np.subtract(g, average, out=work)
    work *= weight
    average += work


def decay_square(average: Any, g: Any, decay: float, work: Any) -> None:
    """average = decay * average + (1 - decay) * g * g, in place: PyTorch's
    `average.mul_(decay).addcmul_(g, g, value=1 - decay)`, in its order."""
    np.multiply(g, 1.0 - decay, out=work)
    work *= g
    average *= decay
    average += work
