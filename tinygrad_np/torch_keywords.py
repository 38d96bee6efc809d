"""PyTorch's keyword names beside numpy's, for code coming from PyTorch.

Ops that take an axis take it as `axis` and `keepdims` (numpy's names); the ones decorated
with `torch_keywords` also take PyTorch's `dim` and `keepdim` (and `dim0`/`dim1` for two axes),
meaning exactly the same:

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> x = Tensor(np.arange(6.0).reshape(2, 3))
>>> x.sum(dim=1, keepdim=True).data
array([[ 3.],
       [12.]])

The ops written with PyTorch's names (`median`, `cummax`, `index_select`, ...) take numpy's
as well, so either spelling works everywhere:

>>> x.median(axis=1).values.data
array([1., 4.])

Where the two libraries mean different things, PyTorch's words ask for PyTorch's meaning
and are handled by the op itself, not here: `x.max(dim=1)` gives (values, indices),
`x.split(2, dim=0)` parts of size 2, `x.var(dim=1)` divides by n - 1 (see
docs/from_pytorch.md).
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

# (PyTorch's name, numpy's name) of each parameter that has both
_SPELLINGS = (("dim", "axis"), ("keepdim", "keepdims"), ("dim0", "axis0"), ("dim1", "axis1"),
              ("start_dim", "start_axis"), ("end_dim", "end_axis"))


def torch_keywords(fn: F) -> F:
    """`fn`, also taking PyTorch's `dim`/`keepdim` (`dim0`/`dim1`) for the `axis`/`keepdims`
    (`axis0`/`axis1`) parameters it has, and numpy's names for the PyTorch-named ones.
    Passing both names of one parameter is a TypeError."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    names = [p.name for p in params]
    renames = {}  # the other spelling -> the parameter's name in `fn`
    for torch_name, numpy_name in _SPELLINGS:
        if numpy_name in names and torch_name not in names:
            renames[torch_name] = numpy_name
        elif torch_name in names and numpy_name not in names:
            renames[numpy_name] = torch_name
    # where each renamed parameter sits, to tell a positional value given twice
    positions = {ours: names.index(ours) for ours in renames.values()
                 if signature.parameters[ours].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD}
    # the mixin of Tensor methods is Tensor to the user
    label = f"{fn.__qualname__.replace('TorchMethods.', 'Tensor.')}()"
    # PyTorch takes several axes as a list too (`x.mean(dim=[2, 3])`), numpy only as a tuple
    axes = [name for name in ("axis", "dim") if name in names]
    axes_at = [names.index(name) for name in axes
               if signature.parameters[name].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]

    @functools.wraps(fn)
    def with_torch_keywords(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for alias, ours in renames.items():
                if alias in kwargs:
                    given_positionally = len(args) > positions.get(ours, len(args) + 1)
                    if ours in kwargs or given_positionally:
                        raise TypeError(f"{label} got both {ours!r} and {alias!r} "
                                        f"(another name for it): pass one")
                    kwargs[ours] = kwargs.pop(alias)
            for name in axes:
                if kwargs.get(name).__class__ is list:
                    kwargs[name] = tuple(kwargs[name])
        for at in axes_at:
            if len(args) > at and args[at].__class__ is list:
                args = (*args[:at], tuple(args[at]), *args[at + 1:])
        return fn(*args, **kwargs)

    # help() and inspect show both spellings: the other one as keyword-only aliases
    keyword = inspect.Parameter.KEYWORD_ONLY
    aliases = [inspect.Parameter(alias, keyword, default=None) for alias in renames]
    var_keyword = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
    plain = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
    with_torch_keywords.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=plain + aliases + var_keyword)
    return with_torch_keywords  # type: ignore[return-value]


def variance_arguments(op: str, axis: Any, keepdims: bool, ddof: int | None, dim: Any,
                       keepdim: bool | None, correction: int | None,
                       unbiased: bool | None) -> tuple[Any, bool, int]:
    """`var`'s and `std`'s (axis, keepdims, ddof) from either spelling. numpy's default
    divides by n (ddof 0); a call in PyTorch's words (`dim`, `keepdim`, `correction`,
    `unbiased`) gets PyTorch's default, n - 1, as the same call would in PyTorch."""
    in_torch_words = not (dim is None and keepdim is None and correction is None
                          and unbiased is None)
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}() got both 'axis' and 'dim' (PyTorch's name for it): "
                            f"pass one")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    given = [name for name, value in (("ddof", ddof), ("correction", correction),
                                      ("unbiased", unbiased)) if value is not None]
    if len(given) > 1:
        raise TypeError(f"{op}() got {' and '.join(given)}, which say the same thing: pass one")
    if correction is not None:
        ddof = correction
    elif unbiased is not None:
        ddof = int(bool(unbiased))
    elif ddof is None:
        ddof = 1 if in_torch_words else 0
    return axis, keepdims, ddof


ABSENT: Any = object()  # no input given positionally


def the_input(name: str, x: Any, kwargs: dict[str, Any]) -> Any:
    """The input given first, or as PyTorch's keyword `input=` (taken out of kwargs)."""
    if "input" not in kwargs:
        if x is ABSENT:
            raise TypeError(f"{name}() missing its first argument, the input")
        return x
    if x is not ABSENT:
        raise TypeError(f"{name}() got multiple values for argument 'input'")
    return kwargs.pop("input")


def takes_input(fn: F) -> F:
    """`fn`, whose first parameter is its input, also taking that as PyTorch's keyword
    `input=` (`F.interpolate(input=x, size=4)`), as every conv, pool and resampling
    function here does (functional.py's `_unbatched_too` does the same for those it wraps)."""
    @functools.wraps(fn)
    def run(x: Any = ABSENT, *args: Any, **kwargs: Any) -> Any:
        if kwargs or x is ABSENT:
            x = the_input(fn.__name__, x, kwargs)
        return fn(x, *args, **kwargs)
    return cast(F, run)
