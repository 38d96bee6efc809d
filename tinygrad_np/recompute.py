"""Gradient checkpointing, as `torch.utils.checkpoint`: `checkpoint(function, *args)` runs
`function` without recording its graph (so none of its intermediate arrays are kept), and
runs it again during backward, recording this time, to get the gradients. Memory for
compute: a deep model's activations are kept only at the checkpoints.

The random numbers drawn inside are drawn again alike (the generator's state is put back for
the second run), so dropout masks match. Parameters the function uses (a module's weights)
get their gradients added into `.grad` during `loss.backward()`, as PyTorch's reentrant
checkpoint: so go through a checkpoint with `backward()`, not `tinygrad_np.grad`. Under a
`jit` recording the function simply runs (the replay plans its memory anyway; the numbers
are the same).

>>> import numpy as np
>>> from tinygrad_np import Tensor, nn
>>> layer = nn.Linear(3, 3, rng=0)
>>> x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
>>> checkpoint(lambda t: layer(t).tanh(), x).sum().backward()
>>> layer.weight.grad.shape, x.grad.shape
((3, 3), (2, 3))
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .function import Function
from .grad_mode import config, enable_grad, no_grad
from .random import get_generator
from .tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


class Recompute(Function):
    """The checkpointed call: forward runs it without a graph; backward runs it again with
    one, backpropagates through that, and hands back its inputs' gradients (inputs: the
    call's Tensor arguments, and one empty Tensor that requires grad, so that the result
    has a graph even when no argument does)."""

    __slots__ = ("function", "args", "kwargs", "slots", "state", "grad_flags")

    def forward(ctx, *arrays, function=None, args=(), kwargs=None, slots=(), state=None):
        ctx.function, ctx.args, ctx.kwargs, ctx.slots = function, args, kwargs or {}, slots
        ctx.state = state
        ctx.grad_flags = [args[i].requires_grad for i in slots]
        with no_grad():
            out = function(*args, **ctx.kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"checkpoint: the function must return one Tensor, got "
                            f"{type(out).__name__}")
        return out.data

    def backward(ctx, grad):
        args = list(ctx.args)
        leaves = []
        for i, needs in zip(ctx.slots, ctx.grad_flags):
            leaf = Tensor(args[i].data, requires_grad=needs)
            args[i] = leaf
            leaves.append(leaf)
        generator = get_generator()
        after = generator.bit_generator.state
        if ctx.state is not None:  # the same random numbers as the first run
            generator.bit_generator.state = ctx.state
        try:
            with enable_grad():
                out = ctx.function(*args, **ctx.kwargs)
        finally:
            generator.bit_generator.state = after
        if out.requires_grad:
            out.backward(grad)
        grads = [leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
                 for leaf in leaves]
        return tuple(grads) + (None,)


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """function(*args, **kwargs), its graph recomputed during backward instead of kept
    (see the module's note). `use_reentrant` is accepted for PyTorch's signature; with
    `preserve_rng_state=False` the second run draws the next random numbers instead."""
    if not config.grad_enabled or config.recorder is not None:
        return function(*args, **kwargs)
    slots = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    state = get_generator().bit_generator.state if preserve_rng_state else None
    anchor = Tensor(np.zeros(0), requires_grad=True)  # the result always gets a graph
    return Recompute.apply(*[args[i] for i in slots], anchor, function=function, args=args,
                           kwargs=kwargs, slots=slots, state=state)


def checkpoint_sequential(functions: Sequence[Callable[[Any], Any]] | Any, segments: int,
                          input: Any, use_reentrant: bool | None = None,  # noqa: A002
                          preserve_rng_state: bool = True) -> Any:
    """Run `functions` (a list of layers, or an `nn.Sequential`) one after another in
    `segments` checkpointed pieces, the last piece as usual, as PyTorch's."""
    layers = list(getattr(functions, "layers", functions))
    if isinstance(segments, bool) or not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be an int >= 1, got "
                         f"{segments!r}")
    size = max(len(layers) // segments, 1)

    def run(start: int, end: int) -> Callable[[Any], Any]:
        def piece(x: Any) -> Any:
            for layer in layers[start:end]:
                x = layer(x)
            return x
        return piece

    end = 0
    for start in range(0, size * (segments - 1), size):
        end = min(start + size, len(layers))
        input = checkpoint(run(start, end), input, preserve_rng_state=preserve_rng_state)
    return run(end, len(layers))(input)
