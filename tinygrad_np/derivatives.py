"""Derivatives of whole functions, as `torch.autograd.functional`: `vjp`, `jvp`, `jacobian`,
`hessian`, `hvp` and `vhp`. Each runs the function on fresh leaves made from the inputs
and differentiates it with `grad` (reverse mode; a jvp by the double-vjp trick: the vjp is
linear in its cotangent, so differentiating it with respect to that cotangent gives J v).

`inputs` is a Tensor (or array) or a tuple of them, and the function returns a Tensor or a
tuple; results follow the same nesting, as PyTorch's. Without `create_graph` the results
are constants (no graph); with it they can be differentiated again, with respect to the
inputs. With `strict=True` an output that does not depend on an input is an error (else
its derivative is zeros).

>>> from tinygrad_np import Tensor
>>> jacobian(lambda x: x ** 2, Tensor([1.0, 3.0])).tolist()
[[2.0, 0.0], [0.0, 6.0]]
>>> hessian(lambda x: (x ** 3).sum(), Tensor([1.0, 2.0])).tolist()
[[6.0, 0.0], [0.0, 12.0]]
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import enable_grad
from .higher_order import grad
from .tensor import Tensor
from .tensor_ops import stack

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Function = Callable[..., Any]


def _as_tuple(value: Any, what: str) -> tuple[tuple[Tensor, ...], bool]:
    """(the Tensors, whether they came as a tuple or list)."""
    many = isinstance(value, (tuple, list))
    items = tuple(value) if many else (value,)
    tensors = []
    for index, item in enumerate(items):
        if isinstance(item, Tensor):
            tensors.append(item)
        elif hasattr(item, "shape") and hasattr(item, "dtype"):
            tensors.append(Tensor(item))
        else:
            raise TypeError(f"{what} {index} is a {type(item).__name__}; expected a Tensor or "
                            f"an array")
    return tuple(tensors), many


def _leaves(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """What the function runs on: with create_graph, a view of each input that requires grad
    (so the results keep their graph back to it), else a fresh leaf on the same array."""
    leaves = []
    for t in inputs:
        if create_graph and t.requires_grad:
            leaves.append(t.reshape(t.shape))
        else:
            leaves.append(Tensor(t.data, requires_grad=True))
    return tuple(leaves)


def _float_inputs(op: str, inputs: tuple[Tensor, ...]) -> None:
    for index, t in enumerate(inputs):
        if t.data.dtype.kind != "f":
            raise TypeError(f"{op}: input {index} has dtype {t.data.dtype}; derivatives need "
                            f"floating-point inputs")


def _restore(values: list[Any], many: bool) -> Any:
    return tuple(values) if many else values[0]


def _finish(value: Any, create_graph: bool) -> Tensor:
    """A result: as it is with create_graph, else a constant Tensor of its values."""
    if create_graph and isinstance(value, Tensor):
        return value
    return Tensor(np.array(value.data if isinstance(value, Tensor) else value))


def _gradients(op: str, outs: tuple[Tensor, ...], ins: tuple[Tensor, ...], seeds: list[Any],
               create_graph: bool, strict: bool) -> list[Any]:
    """d(sum of seeds . outs)/d(ins), zeros (or an error, strict) where nothing connects."""
    live = [(o, s) for o, s in zip(outs, seeds) if o.requires_grad]
    found: tuple[Any, ...] = (None,) * len(ins)
    if live:
        found = grad([o for o, _ in live], list(ins), grad_outputs=[s for _, s in live],
                     retain_graph=True, create_graph=create_graph, allow_unused=True)
    results = []
    for index, (t, g) in enumerate(zip(ins, found)):
        if g is None:
            if strict:
                raise RuntimeError(f"{op}: the output does not depend on input {index} "
                                   f"(strict=True)")
            g = Tensor(np.zeros_like(t.data))
        results.append(g)
    return results


def _seeds(op: str, outs: tuple[Tensor, ...], v: Any, what: str,
           keep_graph: bool = False) -> list[Any]:
    """The cotangents (or tangents) `v`, one per output, checked against their shapes; None
    only for a single one-element output (then 1). With `keep_graph` (create_graph), a `v`
    that requires grad stays a Tensor, so the result is differentiable in it too."""
    if v is None:
        if len(outs) != 1 or outs[0].data.size != 1:
            raise ValueError(f"{op}: v may be None only when the {what} is a single tensor "
                             f"with one element")
        return [np.ones_like(outs[0].data)]
    vs, _ = _as_tuple(v, "v")
    if len(vs) != len(outs):
        raise ValueError(f"{op}: v has {len(vs)} tensors, the {what} {len(outs)}")
    for index, (vi, o) in enumerate(zip(vs, outs)):
        if vi.shape != o.shape:
            raise ValueError(f"{op}: v {index} has shape {vi.shape}, the {what} {o.shape}")
    return [(vi if vi.data.dtype == o.data.dtype else vi.astype(o.data.dtype))
            if keep_graph and vi.requires_grad else vi.data.astype(o.data.dtype, copy=False)
            for vi, o in zip(vs, outs)]


def vjp(func: Function, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass.

    >>> from tinygrad_np import Tensor
    >>> out, product = vjp(lambda x: x * 3, Tensor([1.0, 2.0]), Tensor([1.0, 0.5]))
    >>> product.tolist()
    [3.0, 1.5]
    """
    given, many_in = _as_tuple(inputs, "input")
    _float_inputs("vjp", given)
    with enable_grad():
        ins = _leaves(given, create_graph)
        outs, many_out = _as_tuple(func(*ins), "output")
        seeds = _seeds("vjp", outs, v, "output", create_graph)
        grads = _gradients("vjp", outs, ins, seeds, create_graph, strict)
    return (_restore([_finish(o, create_graph) for o in outs], many_out),
            _restore([_finish(g, create_graph) for g in grads], many_in))


def jvp(func: Function, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v): the Jacobian-vector product (a directional derivative), by the
    double-vjp trick.

    >>> from tinygrad_np import Tensor
    >>> out, product = jvp(lambda x: x ** 2, Tensor([1.0, 2.0]), Tensor([1.0, 1.0]))
    >>> product.tolist()
    [2.0, 4.0]
    """
    given, many_in = _as_tuple(inputs, "input")
    _float_inputs("jvp", given)
    tangents = _seeds("jvp", given, v, "input", create_graph)
    with enable_grad():
        ins = _leaves(given, True)
        outs, many_out = _as_tuple(func(*ins), "output")
        cotangents = [Tensor(np.zeros_like(o.data), requires_grad=True) for o in outs]
        pulled = _gradients("jvp", outs, ins, cotangents, True, strict)
        # J^T u is linear in u: its derivative along the tangents, with respect to u, is J v
        live = [(p, t) for p, t in zip(pulled, tangents) if p.requires_grad]
        found: tuple[Any, ...] = (None,) * len(outs)
        if live:
            found = grad([p for p, _ in live], cotangents, grad_outputs=[t for _, t in live],
                         create_graph=create_graph, allow_unused=True)
        products = [Tensor(np.zeros_like(o.data)) if g is None else g
                    for o, g in zip(outs, found)]
        if strict and any(g is None for g in found):
            raise RuntimeError("jvp: an output does not depend on the inputs (strict=True)")
    return (_restore([_finish(o, create_graph) for o in outs], many_out),
            _restore([_finish(p, create_graph) for p in products], many_out))


def jacobian(func: Function, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian: for output i and input j, d out_i / d in_j of shape out_i.shape +
    in_j.shape, nested as PyTorch's (one Tensor for one output and one input). Reverse mode
    takes a backward pass per output element; "forward-mode" a jvp per input element
    (the same numbers). `vectorize` is accepted; the passes run one by one.

    >>> from tinygrad_np import Tensor
    >>> jacobian(lambda a, b: a * b, (Tensor([2.0]), Tensor([5.0])))[1].tolist()
    [[2.0]]
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got "
                         f"{strategy!r}")
    given, many_in = _as_tuple(inputs, "input")
    _float_inputs("jacobian", given)
    if strategy == "forward-mode":
        return _forward_jacobian(func, given, many_in, create_graph, strict)
    with enable_grad():
        ins = _leaves(given, create_graph)
        outs, many_out = _as_tuple(func(*ins), "output")
        table = []
        for out in outs:
            rows: list[list[Any]] = [[] for _ in ins]
            for k in range(out.data.size):
                seed = np.zeros_like(out.data)
                seed.reshape(-1)[k] = 1
                for j, g in enumerate(_gradients("jacobian", (out,), ins, [seed],
                                                 create_graph, strict)):
                    rows[j].append(g if create_graph else g.data)
            table.append([_block(rows[j], out.shape + t.shape, t, create_graph)
                          for j, t in enumerate(ins)])
    return _nest(table, many_out, many_in)


def _block(rows: list[Any], shape: tuple[int, ...], like: Tensor, create_graph: bool) -> Tensor:
    """One (output, input) block of a Jacobian from its rows (one per output element)."""
    if not rows:
        return Tensor(np.zeros(shape, dtype=like.data.dtype))
    if create_graph:
        return stack(rows, 0).reshape(shape)
    return Tensor(np.stack(rows).reshape(shape))


def _nest(table: list[list[Tensor]], many_out: bool, many_in: bool) -> Any:
    rows = [tuple(row) if many_in else row[0] for row in table]
    return tuple(rows) if many_out else rows[0]


def _forward_jacobian(func: Function, given: tuple[Tensor, ...], many_in: bool,
                      create_graph: bool, strict: bool) -> Any:
    """The Jacobian by columns: a jvp along each input element's unit vector."""
    columns: list[list[tuple[Any, ...]]] = []  # [input][element] -> per-output products
    outs: Any = None
    for j, t in enumerate(given):
        per_element = []
        for k in range(t.data.size):
            tangents = [np.zeros_like(u.data) for u in given]
            tangents[j].reshape(-1)[k] = 1
            outs, products = jvp(func, given if many_in else given[0],
                                 tuple(Tensor(a) for a in tangents) if many_in
                                 else Tensor(tangents[0]), create_graph, strict)
            per_element.append(products if isinstance(products, tuple) else (products,))
        columns.append(per_element)
    out_list, many_out = _as_tuple(outs, "output")
    table = []
    for i, out in enumerate(out_list):
        row = []
        for j, t in enumerate(given):
            cols = [element[i] for element in columns[j]]
            if create_graph:
                block = stack(cols, -1).reshape(out.shape + t.shape)
            else:
                block = Tensor(np.stack([c.data for c in cols], -1).reshape(out.shape + t.shape))
            row.append(block)
        table.append(row)
    return _nest(table, many_out, many_in)


def _scalar_gradient(op: str, func: Function) -> Function:
    """x -> the gradient of the one-element func(x), with a graph (for a second pass)."""
    def gradient(*xs: Tensor) -> Any:
        out = func(*xs)
        if not isinstance(out, Tensor) or out.data.size != 1:
            raise ValueError(f"{op}: the function must return a Tensor with one element, got "
                             f"{getattr(out, 'shape', type(out).__name__)}")
        return tuple(_gradients(op, (out,), xs, [np.ones_like(out.data)], True, False))
    return gradient


def hessian(func: Function, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a function with one output element: the Jacobian of its gradient,
    in.shape + in.shape (a tuple of tuples for several inputs)."""
    given, many_in = _as_tuple(inputs, "input")
    gradient = _scalar_gradient("hessian", func)
    table = jacobian(lambda *xs: gradient(*xs), tuple(given), create_graph, strict,
                     vectorize, outer_jacobian_strategy)
    return table if many_in else table[0][0]


def vhp(func: Function, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T H) for a function with one output element: one backward pass
    through its gradient."""
    given, many_in = _as_tuple(inputs, "input")
    _float_inputs("vhp", given)
    tangents = _seeds("vhp", given, v, "input", create_graph)
    with enable_grad():
        ins = _leaves(given, create_graph)
        out = func(*ins)
        gradients = _scalar_gradient("vhp", lambda *xs: out)(*ins)
        products = _gradients("vhp", tuple(gradients), ins, tangents, create_graph, strict)
    return (_finish(out, create_graph),
            _restore([_finish(p, create_graph) for p in products], many_in))


def hvp(func: Function, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), H v) for a function with one output element. The Hessian of a twice
    continuously differentiable function is symmetric, so H v is v^T H: computed as `vhp`
    (PyTorch uses the double-vjp trick instead; the numbers agree)."""
    return vhp(func, inputs, v, create_graph, strict)
