"""Central-difference gradients (`numgrad`) and the check of `backward()` built on them."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor

# Past this many elements an input is checked along random directions, not element by element.
ELEMENTWISE_LIMIT = 2000


class GradcheckError(AssertionError):
    """backward() and the numerical gradient disagree; the message says where and by how much."""


def _scalar(value: Any) -> float:
    value = value.data if isinstance(value, Tensor) else value
    if np.size(value) != 1:
        raise ValueError(f"numgrad: the function must return a scalar, got shape "
                         f"{np.shape(value)}")
    return float(np.reshape(value, ()))


def numgrad(f: Callable[..., Any], *arrays: Any, eps: float = 1e-6) -> Any:
    """Central-difference gradient of the scalar function `f(*arrays)` w.r.t. each array.

    Each element is perturbed in place by +-eps and restored, so `f` may also ignore its
    arguments and read the arrays from elsewhere (a closure over model weights). Arrays or
    Tensors are accepted; returns one gradient array, or a tuple for several inputs.

    >>> import numpy as np
    >>> numgrad(lambda x: (x ** 2).sum(), np.array([1.0, 2.0]))
    array([2., 4.])
    """
    if not arrays:
        raise ValueError("numgrad: give at least one array to differentiate with respect to")
    grads = []
    for position, item in enumerate(arrays):
        array = item.data if isinstance(item, Tensor) else item
        if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
            raise TypeError(f"numgrad: input {position} must be a float ndarray or Tensor, got "
                            f"{getattr(array, 'dtype', type(array).__name__)}")
        if array.dtype != np.float64:
            warnings.warn(f"numgrad: input {position} is {array.dtype}; central differences "
                          f"with eps={eps} are only accurate in float64", stacklevel=2)
        grad = np.zeros(array.shape, dtype=np.float64)
        flat_grad = grad.reshape(-1)
        for flat_index in range(array.size):
            index = np.unravel_index(flat_index, array.shape)
            original = array[index]
            try:
                array[index] = original + eps
                upper = _scalar(f(*arrays))
                array[index] = original - eps
                lower = _scalar(f(*arrays))
            finally:
                array[index] = original
            flat_grad[flat_index] = (upper - lower) / (2 * eps)
        grads.append(grad.astype(array.dtype, copy=False))
    return grads[0] if len(grads) == 1 else tuple(grads)


def gradcheck(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, seed: int = 0, raise_exception: bool = True,
              fast_mode: bool = False) -> bool:
    """Check `backward()` of `f(*inputs)` against `numgrad`, in float64.

    The floating-point Tensors among `inputs` are copied to float64 and checked (where some
    require grad, only those, as PyTorch checks); other inputs (integer labels, numbers)
    pass through. The inputs may also come as one tuple or list, as PyTorch's
    `gradcheck(f, (x, w))` takes them. A non-scalar output is reduced with fixed random
    weights. Inputs of more than 2,000 elements are checked along three random directions
    (PyTorch's `fast_mode` is accepted; the check is the same). Returns True, or raises
    GradcheckError naming the input, the worst element's index, the analytic and numeric
    values and the tolerance (|a - n| <= atol + rtol * |n|); with `raise_exception=False`
    returns False instead.

    >>> from tinygrad_np import Tensor
    >>> gradcheck(lambda x: (x * x).sum(), Tensor([1.0, 2.0], dtype=np.float64))
    True
    """
    if len(inputs) == 1 and type(inputs[0]) in (tuple, list):  # gradcheck(f, (x, w))
        inputs = tuple(inputs[0])
    return _verdict(lambda: _gradcheck(f, inputs, eps, atol, rtol, seed), raise_exception)


def _verdict(check: Callable[[], bool], raise_exception: bool) -> bool:
    """`check()`'s True, or, where it finds a wrong gradient, its GradcheckError raised, or
    False with `raise_exception=False` (PyTorch's choice)."""
    try:
        return check()
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _checked_positions(op: str, inputs: tuple[Any, ...]) -> list[int]:
    """Which inputs to check: the floating-point Tensors, or, where some of them require
    grad, those only (as PyTorch checks the inputs that require grad)."""
    floats = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.dtype.kind == "f"]
    if not floats:
        raise ValueError(f"{op}: no floating-point Tensor among the inputs to check")
    wanted = [i for i in floats if inputs[i].requires_grad]
    return wanted or floats


def _gradcheck(f: Callable[..., Any], inputs: tuple[Any, ...], eps: float, atol: float,
               rtol: float, seed: int) -> bool:
    rng = np.random.default_rng(seed)
    checked = _checked_positions("gradcheck", inputs)
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}; checking a float64 copy",
                          stacklevel=2)
    arrays = [inputs[i].data.astype(np.float64) for i in checked]
    weights: list[Any] = []  # fixed random weights that make a non-scalar output a scalar

    def scalar_f(*values: Any) -> Tensor:
        args = list(inputs)
        for i, value in zip(checked, values):
            args[i] = value if isinstance(value, Tensor) else Tensor(value)
        out = f(*args)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
        if out.size == 1:
            return out.sum()
        if not weights:
            weights.append(rng.standard_normal(out.shape))
        return (out * weights[0]).sum()

    leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    scalar_f(*leaves).backward()
    for position, leaf, array in zip(checked, leaves, arrays):
        analytic = leaf.grad if leaf.grad is not None else np.zeros_like(array)
        if array.size <= ELEMENTWISE_LIMIT:
            numeric = numgrad(lambda *_: scalar_f(*arrays), array, eps=eps)
            _compare(position, analytic, numeric, atol, rtol)
        else:
            _check_directions(position, scalar_f, arrays, array, analytic, eps, atol, rtol, rng)
    return True


def _compare(position: int, analytic: Any, numeric: Any, atol: float, rtol: float) -> None:
    _explain_mismatch(f"gradcheck: gradient of input {position}", "backward", "", analytic,
                      numeric, atol, rtol)


def _explain_mismatch(what: str, analytic_kind: str, numeric_kind: str, analytic: Any,
                      numeric: Any, atol: float, rtol: float) -> None:
    """Raise GradcheckError naming the worst element (both values, the tolerance) where
    |analytic - numeric| > atol + rtol * |numeric| (NaN counts as off)."""
    error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    error = np.where(np.isnan(error), np.inf, error)
    if error.size and error.max() > 0:
        worst = np.unravel_index(int(np.argmax(error)), error.shape)
        raise GradcheckError(
            f"{what} is wrong at index {tuple(map(int, worst))}: analytic ({analytic_kind}) "
            f"{analytic[worst]!r}, numeric {numeric_kind}{numeric[worst]!r}; tolerance "
            f"atol + rtol*|numeric| = {atol} + {rtol}*{abs(numeric[worst]):.3g}. "
            f"{int((error > 0).sum())} of {error.size} elements are off.")


def _check_directions(position: int, scalar_f: Callable[..., Tensor], arrays: list[Any],
                      array: Any, analytic: Any, eps: float, atol: float, rtol: float,
                      rng: np.random.Generator) -> None:
    """For a large input: the directional derivative along random unit vectors."""
    _check_along_directions(f"gradcheck: gradient of input {position}", "backward",
                            lambda: _scalar(scalar_f(*arrays)), array, analytic, eps, atol,
                            rtol, rng)


def _check_along_directions(what: str, analytic_kind: str, f: Callable[[], float], array: Any,
                            analytic: Any, eps: float, atol: float, rtol: float,
                            rng: np.random.Generator) -> None:
    """Central differences of `f` along three random unit vectors, perturbing `array` in
    place (restored after each), against the analytic directional derivative."""
    original = array.copy()
    for _ in range(3):
        direction = rng.standard_normal(array.shape)
        direction /= np.linalg.norm(direction)
        try:
            array[...] = original + eps * direction
            upper = f()
            array[...] = original - eps * direction
            lower = f()
        finally:
            array[...] = original
        numeric = (upper - lower) / (2 * eps)
        predicted = float((analytic * direction).sum())
        if abs(predicted - numeric) > atol + rtol * abs(numeric):
            raise GradcheckError(
                f"{what} (shape {array.shape}, checked along a random direction) is wrong: "
                f"analytic ({analytic_kind}) {predicted!r}, numeric {numeric!r}; tolerance "
                f"atol + rtol*|numeric| = {atol} + {rtol}*{abs(numeric):.3g}")


def gradgradcheck(fn: Callable[..., Any], inputs: Any, grad_outputs: Any = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  seed: int = 0, raise_exception: bool = True, fast_mode: bool = False) -> bool:
    """Check second derivatives: the gradient of `grad(fn(*inputs), inputs, grad_outputs,
    create_graph=True)` against central differences of that first gradient, in float64.

    `inputs` is a Tensor or a sequence of them (and other arguments, passed through);
    every floating-point Tensor is copied to float64 and checked. `grad_outputs` (one per
    output; random when None) weights a non-scalar output, and is checked as a variable too:
    the first gradient must be linear in it. The first gradients are reduced to a scalar with
    fixed random weights. Returns True, or raises GradcheckError naming the input (or
    grad_output), the worst element, the double-backward and the numeric value, and the
    tolerance (|a - n| <= atol + rtol * |n|), or, with `raise_exception=False`, returns
    False. Which inputs are checked, and `fast_mode`, as in `gradcheck`.

    >>> from tinygrad_np import Tensor
    >>> gradgradcheck(lambda x: (x * x * x).sum(), Tensor([1.0, 2.0], dtype=np.float64))
    True
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    return _verdict(lambda: _gradgradcheck(fn, inputs, grad_outputs, eps, atol, rtol, seed),
                    raise_exception)


def _gradgradcheck(fn: Callable[..., Any], inputs: tuple[Any, ...], grad_outputs: Any,
                   eps: float, atol: float, rtol: float, seed: int) -> bool:
    from .higher_order import grad as _grad

    rng = np.random.default_rng(seed)
    checked = _checked_positions("gradgradcheck", inputs)
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(f"gradgradcheck: input {i} is {inputs[i].dtype}; checking a float64 "
                          f"copy", stacklevel=2)
    arrays = [inputs[i].data.astype(np.float64) for i in checked]

    def call(values: list[Tensor]) -> list[Tensor]:
        args = list(inputs)
        for i, value in zip(checked, values):
            args[i] = value
        out = fn(*args)
        outs = [out] if isinstance(out, Tensor) else list(out)
        if not outs or not all(isinstance(o, Tensor) for o in outs):
            raise TypeError(f"gradgradcheck: fn must return a Tensor or a tuple of Tensors, "
                            f"got {type(out).__name__}")
        return outs

    probe = call([Tensor(a.copy(), requires_grad=True) for a in arrays])
    if grad_outputs is None:
        go_arrays = [rng.standard_normal(o.shape) for o in probe]
    else:
        given = [grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray)) \
            else list(grad_outputs)
        go_arrays = [np.array(g.data if isinstance(g, Tensor) else g, dtype=np.float64)
                     for g in given]
    directions = [rng.standard_normal(a.shape) for a in arrays]

    def first_order(xs: list[Tensor], gos: list[Tensor], create_graph: bool) -> Tensor:
        """sum_i <d(out . go)/d x_i, direction_i>: a scalar made of the first gradients."""
        outs = call(xs)
        used = [(o, g) for o, g in zip(outs, gos) if o.requires_grad]
        if not used:  # outputs that are constants (the gradients of a linear function)
            return Tensor(np.zeros(()))
        grads = _grad([o for o, _ in used], xs, [g for _, g in used],
                      create_graph=create_graph, allow_unused=True)
        total: Any = Tensor(np.zeros(()))
        for g, d in zip(grads, directions):
            if g is not None:
                total = total + (g * d).sum()
        return total

    # analytic: double backward, with respect to the inputs and the grad_outputs
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    gos = [Tensor(g.copy(), requires_grad=True) for g in go_arrays]
    scalar = first_order(xs, gos, True)
    variables = xs + gos
    if scalar.requires_grad:
        analytic = [g.data if g is not None else np.zeros(v.shape) for g, v in zip(
            _grad(scalar, variables, allow_unused=True), variables)]
    else:  # the first gradients are constants: every second derivative is 0
        analytic = [np.zeros(v.shape) for v in variables]

    def numeric_f(*_: Any) -> float:
        x_tensors = [Tensor(a, requires_grad=True) for a in arrays]
        return float(first_order(x_tensors, [Tensor(g) for g in go_arrays], False).data)

    names = [f"input {i}" for i in checked] + [f"grad_outputs[{k}]"
                                                for k in range(len(go_arrays))]
    for name, value, array in zip(names, analytic, arrays + go_arrays):
        if array.size <= ELEMENTWISE_LIMIT:
            numeric = numgrad(numeric_f, array, eps=eps)
            _compare_second(name, value, numeric, atol, rtol)
        else:
            _second_along_directions(name, numeric_f, array, value, eps, atol, rtol, rng)
    return True


def _compare_second(name: str, analytic: Any, numeric: Any, atol: float, rtol: float) -> None:
    _explain_mismatch(f"gradgradcheck: second derivative w.r.t. {name}", "double backward",
                      "(central differences of the first gradient) ", analytic, numeric,
                      atol, rtol)


def _second_along_directions(name: str, f: Callable[..., float], array: Any, analytic: Any,
                             eps: float, atol: float, rtol: float,
                             rng: np.random.Generator) -> None:
    """For a large input: the directional derivative along random unit vectors."""
    _check_along_directions(f"gradgradcheck: second derivative w.r.t. {name}",
                            "double backward", f, array, analytic, eps, atol, rtol, rng)
