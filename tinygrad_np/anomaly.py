"""Anomaly mode: `detect_anomaly()` turns a silent NaN or a stale saved array into an error
that names the op and the line of *your* code that called it.

>>> import numpy as np
>>> from tinygrad_np import AnomalyError, Tensor, detect_anomaly
>>> x = Tensor([4.0, -1.0], requires_grad=True)
>>> with detect_anomaly(), np.errstate(invalid="ignore"):  # the error says it: no warning too
...     try:
...         y = x.sqrt()
...     except AnomalyError as err:
...         print(str(err).splitlines()[0])
Sqrt: the output holds NaN (1 of 2 elements)

Inside the block (per thread, as `no_grad`):

* **forward**: an op whose output holds NaN raises `AnomalyError` with the op's name, each
  input's shape, dtype, min, max and NaN/inf counts, and the file:line that called the op
  (the first frame outside the tinygrad_np package);
* **backward**: a backward that returns NaN or inf in a gradient raises, naming the op, which
  input's gradient, where the op was called in the forward (recorded at forward time, in
  anomaly mode only) and the statistics of the gradient that came in;
* **in-place changes**: each array an op saved for backward (in `saved_tensors` or in a slot
  of its ctx) is fingerprinted (CRC-32 of its bytes, and its shape) at forward time and checked
  before its backward runs, so `w.data -= ...` between forward and backward raises instead of
  giving a silent wrong gradient.

Outside anomaly mode none of this costs anything: `Function.apply` is the plain one. The
checking `apply` below is swapped in only while at least one thread is inside
`detect_anomaly()` (it sends the other threads straight to the plain one), and the backward
walk reads the thread's flag once per `backward()`.
"""
from __future__ import annotations

import linecache
import os
import sys
import threading
import zlib
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, NamedTuple

import numpy as np

from . import function
from .function import Function
from .grad_mode import _GradMode, config
from .hooks import jit_recording
from .tensor import Tensor
from .viz.summary import Stats, stats

__all__ = ["AnomalyError", "detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# The node's own bookkeeping: never user data, so never fingerprinted.
_BOOKKEEPING = frozenset({"parents", "needs_input_grad", "saved_tensors", "output_ref",
                          "_anomaly", "__weakref__", "__dict__"})


class AnomalyError(FloatingPointError):
    """What anomaly mode found: a NaN in an op's output, a NaN/inf in a gradient, or a saved
    array changed in place. The message says which op, where it was called and the numbers.

    `node` is the failing op (its ctx), `tensor` a tensor whose graph holds it (the op's
    output for a forward error, the tensor `backward()` was called on for the others), `kind`
    one of "forward", "backward", "inplace". `draw(path)` pictures the graph with the node
    highlighted.
    """

    def __init__(self, message: str, *, kind: str, node: Any, tensor: Tensor | None,
                 site: Site | None) -> None:
        super().__init__(message)
        self.kind = kind
        self.node = node
        self.tensor = tensor
        self.site = site

    def draw(self, path: Any, around: int | None = None, **options: Any) -> Any:
        """Draw the graph with the failing op highlighted in red (other options as
        `tinygrad_np.viz.draw`). `around=n` draws only the failing op's output and the `n`
        ops before it, for a big graph; by default, the whole graph of `tensor`."""
        from . import viz

        tensor = self._drawn(around, options)
        return viz.draw(tensor, path, highlight=self.node, **options)

    def dot_source(self, around: int | None = None, **options: Any) -> str:
        """The DOT text of `draw`'s picture (needs no Graphviz)."""
        from . import viz

        tensor = self._drawn(around, options)
        return viz.dot_source(tensor, highlight=self.node, **options)

    def _drawn(self, around: int | None, options: dict[str, Any]) -> Tensor:
        if self.tensor is None:
            raise ValueError("AnomalyError: this error holds no graph to draw")
        if around is None:
            return self.tensor
        from .viz.walk import walk

        options["max_depth"] = around
        graph = walk(self.tensor)
        for k, op in enumerate(graph.ops):
            if op is self.node:
                return graph.tensors[graph.output[k]]
        return self.tensor  # not reached: the node is in its own tensor's graph


class Site(NamedTuple):
    """Where user code called an op: the first frame outside the tinygrad_np package."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        line = linecache.getline(self.filename, self.lineno).strip()
        text = f"{self.filename}:{self.lineno} in {self.function}"
        return f"{text}\n      {line}" if line else text


class _Record(NamedTuple):
    """What anomaly mode keeps on a node at forward time."""

    site: Site | None
    prints: tuple[tuple[Any, str, Any], ...]  # (where, what it is, fingerprint) per array


# -- the switch ---------------------------------------------------------------------------------
def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` (in this thread)."""
    return config.anomaly


class detect_anomaly(_GradMode):  # noqa: N801 - PyTorch's name
    """Check every op's output for NaN, every gradient for NaN/inf and every saved array for
    in-place changes, raising `AnomalyError` at the first problem (see the module docstring).

    A context manager (``with detect_anomaly():``) or a decorator (``@detect_anomaly()`` or
    ``@detect_anomaly``), per thread; nested blocks restore what they found. Run both the
    forward and the backward inside it: the call sites and fingerprints are recorded at
    forward time. It costs time (see docs/engine.md): use it to find a bug, not to train.
    """

    def __enter__(self) -> None:
        self._saved.__dict__.setdefault("modes", []).append(config.anomaly)
        _set_mode(True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        _set_mode(self._saved.modes.pop())


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly mode on or off in this thread now (PyTorch's `set_detect_anomaly`);
    used as a context manager, the exit restores the mode found.

    >>> from tinygrad_np import is_anomaly_enabled, set_detect_anomaly
    >>> with set_detect_anomaly(True):
    ...     is_anomaly_enabled()
    True
    >>> is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        self.previous = config.anomaly
        _set_mode(bool(mode))

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        _set_mode(self.previous)


def _set_mode(mode: bool) -> None:
    if mode != config.anomaly:
        config.anomaly = mode
        _threads_in_anomaly_mode(+1 if mode else -1)


_plain_classmethod = Function.__dict__["apply"]
_plain_apply: Callable[..., Tensor] = _plain_classmethod.__func__
_switch_lock = threading.Lock()
_active = 0  # threads inside detect_anomaly(); the checking apply is in place while > 0


def _threads_in_anomaly_mode(change: int) -> None:
    global _active
    with _switch_lock:
        _active += change
        Function.apply = (  # type: ignore[assignment, method-assign]
            _checking_apply if _active else _plain_classmethod)


# -- forward ------------------------------------------------------------------------------------
def _apply_checked(cls: type, *inputs: Any, **params: Any) -> Tensor:
    """`Function.apply` while some thread is in anomaly mode."""
    if not config.anomaly:  # another thread is in anomaly mode, not this one
        return _plain_apply(cls, *inputs, **params)
    if jit_recording():
        from . import JitError

        raise JitError("jit: cannot record inside detect_anomaly(): the replay would skip its "
                       "checks; leave anomaly mode, or debug the function without jit")
    out = _plain_apply(cls, *inputs, **params)
    data = out.data
    if _has_nan(data):
        raise _forward_error(cls, inputs, out, _user_site(sys._getframe(1)))
    node = out.grad_fn
    if node is not None:
        node._anomaly = _Record(_user_site(sys._getframe(1)), _fingerprints(node, out, params))
    return out


_checking_apply: Any = classmethod(_apply_checked)


def _has_nan(data: Any) -> bool:
    if getattr(data, "dtype", None) is None or data.dtype.kind not in "fc" or not data.size:
        return False
    total = data.sum()  # one pass, no temporary; NaN also when +inf and -inf meet: confirm
    return bool(total != total) and bool(np.isnan(data).any())


def _user_site(frame: FrameType | None) -> Site | None:
    """The first frame outside the tinygrad_np package (the user's call of the op)."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _in_package(filename):
            return Site(filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


_inside_cache: dict[str, bool] = {}


def _in_package(filename: str) -> bool:
    inside = _inside_cache.get(filename)
    if inside is None:
        inside = os.path.abspath(filename).startswith(_PACKAGE_DIR)
        _inside_cache[filename] = inside
    return inside


def _forward_error(cls: type, inputs: tuple[Any, ...], out: Tensor,
                   site: Site | None) -> AnomalyError:
    tensors = function._as_tensors(inputs)
    nan = int(np.count_nonzero(np.isnan(out.data)))
    lines = [f"{cls.__name__}: the output holds NaN ({nan} of {out.data.size} elements)",
             f"  output: shape {tuple(out.data.shape)} {out.data.dtype}",
             f"  called at {site if site is not None else '(no frame outside tinygrad_np)'}",
             "  inputs:"]
    for i, t in enumerate(tensors):
        lines.append(f"    {_input_label(i, t)}: {_describe(t.data)}")
    node = out.grad_fn
    shown = out
    if node is None:  # no graph was recorded: make one node, only for drawing the error
        node = cls()
        node.parents, node.saved_tensors, node.output_ref = tensors, None, None
        node.needs_input_grad = tuple([t.requires_grad for t in tensors])
        shown = Tensor(out.data, name=out.name)
        shown.grad_fn = node
    return AnomalyError("\n".join(lines), kind="forward", node=node, tensor=shown, site=site)


def _input_label(index: int, tensor: Tensor) -> str:
    return f"input {index}" + (f" ({tensor.name!r})" if tensor.name is not None else "")


def _describe(array: Any) -> str:
    """'shape (2, 3) float32, min -1, max 2, 0 NaN, 1 inf' (min/max over finite elements)."""
    shape = tuple(getattr(array, "shape", ()))
    dtype = getattr(array, "dtype", type(array).__name__)
    summary: Stats | None = stats(array) if hasattr(array, "dtype") else None
    if summary is None:
        return f"shape {shape} {dtype}"
    if summary.lo is None or summary.hi is None:
        span = "no finite element"
    else:
        span = f"min {summary.lo:.6g}, max {summary.hi:.6g}"
    return f"shape {shape} {dtype}, {span}, {summary.nan} NaN, {summary.inf} inf"


# -- in-place changes ---------------------------------------------------------------------------
def _fingerprints(node: Any, out: Tensor, params: dict[str, Any]
                  ) -> tuple[tuple[Any, str, Any], ...]:
    """(where, what it is, fingerprint) for every ndarray the node keeps for backward."""
    return tuple([(where, _what_is(node, where, array, out, params), _fingerprint(array))
                 for where, array in _kept_arrays(node)])


def _kept_arrays(node: Any) -> list[tuple[Any, Any]]:
    """The ndarrays a node keeps: ("saved", k) for saved_tensors[k], ("slot", name) for an
    attribute of its ctx (labels, masks, indices that the op kept itself)."""
    kept: list[tuple[Any, Any]] = []
    saved = node.saved_tensors
    if saved:
        kept.extend((("saved", k), a) for k, a in enumerate(saved) if _is_data(a))
    for name in _slot_names(type(node)):
        value = getattr(node, name, None)
        if _is_data(value):
            kept.append((("slot", name), value))
    for name, value in getattr(node, "__dict__", {}).items():
        if _is_data(value):
            kept.append((("slot", name), value))
    return kept


def _is_data(value: Any) -> bool:
    return type(value) is np.ndarray and value.dtype.kind in "biufc"


_slots_cache: dict[type, tuple[str, ...]] = {}


def _slot_names(cls: type) -> tuple[str, ...]:
    names = _slots_cache.get(cls)
    if names is None:
        found: list[str] = []
        for klass in cls.__mro__:
            slots = klass.__dict__.get("__slots__", ())
            for name in (slots,) if isinstance(slots, str) else slots:
                if name not in _BOOKKEEPING and name not in found:
                    found.append(name)
        names = _slots_cache[cls] = tuple(found)
    return names


def _fingerprint(array: np.ndarray) -> tuple[tuple[int, ...], int]:
    """Shape and CRC-32 of the bytes: ~5 GB/s, no copy for contiguous arrays."""
    if array.flags.c_contiguous:
        crc = zlib.crc32(array.data)
    elif array.flags.f_contiguous:
        crc = zlib.crc32(array.T.data)
    else:  # a strided view: one contiguous copy
        crc = zlib.crc32(np.ascontiguousarray(array).data)
    return array.shape, crc


def _kept_now(node: Any, where: Any) -> Any:
    kind, key = where
    if kind == "saved":
        saved = node.saved_tensors
        return saved[key] if saved is not None and key < len(saved) else None
    return getattr(node, key, None)


def _what_is(node: Any, where: Any, array: Any, out: Tensor, params: dict[str, Any]) -> str:
    """Which input (or what else) a kept array is, told at forward time by identity."""
    kind, key = where
    what = f"saved_tensors[{key}]" if kind == "saved" else f"ctx.{key}"
    for i, parent in enumerate(node.parents):
        data = parent.data
        if array is data or array.base is data:
            return f"{_input_label(i, parent)} of the op (kept as {what})"
    for name, value in params.items():
        if array is value or array.base is value:
            return f"the argument {name}= of the op (kept as {what})"
    if array is out.data or array.base is out.data:
        return f"the op's output (kept as {what})"
    return f"the array kept as {what}"


def check_saved(node: Any, root: Tensor) -> None:
    """Before `node`'s backward: raise if an array it saved changed since its forward."""
    record = getattr(node, "_anomaly", None)
    if record is None:
        return
    for where, what, before in record.prints:
        array = _kept_now(node, where)
        if array is None or type(array) is not np.ndarray:
            continue
        if _fingerprint(array) != before:
            name = type(node).__name__
            site = record.site
            message = (f"{name}: {what} was changed in place "
                       f"after the forward pass and before backward(); its gradient would be "
                       f"computed from the new values, silently wrong.\n"
                       f"  {name} was called at {site if site else '(unknown)'}\n"
                       f"  Change a copy (or do the update after backward(), as optimizers "
                       f"do), or recompute the forward after the change.")
            raise AnomalyError(message, kind="inplace", node=node, tensor=root, site=site)


# -- backward -----------------------------------------------------------------------------------
def checked_backward(node: Any, grad: Any, root: Tensor) -> tuple[Any, ...]:
    """`node.backward(grad)` in anomaly mode: saved arrays checked before, every returned
    gradient checked for NaN/inf after. Returns the gradients as a tuple."""
    check_saved(node, root)
    input_grads = node.backward(grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    check_gradients(node, grad, input_grads, root)
    return input_grads  # type: ignore[no-any-return]


def check_gradients(node: Any, grad: Any, input_grads: tuple[Any, ...], root: Tensor) -> None:
    """After `node`'s backward: raise if a gradient it returned holds NaN or inf. `grad` and
    the gradients may be arrays or Tensors (the create_graph walk calls this too, around its
    differentiable backward, with `check_saved` before it)."""
    for index, pgrad in enumerate(input_grads):
        if isinstance(pgrad, Tensor):  # a differentiable backward (create_graph)
            pgrad = pgrad.data
        if pgrad is None or not hasattr(pgrad, "dtype") or pgrad.dtype.kind not in "fc":
            continue
        total = pgrad.sum()  # finite unless some element is not (or the sum overflowed)
        if np.isfinite(total) or np.isfinite(pgrad).all():
            continue
        raise _backward_error(node, index, pgrad, grad.data if isinstance(grad, Tensor)
                              else grad, root)


def _backward_error(node: Any, index: int, pgrad: Any, grad: Any, root: Tensor) -> AnomalyError:
    name = type(node).__name__
    record = getattr(node, "_anomaly", None)
    site = record.site if record is not None else None
    parents = node.parents
    target = (_input_label(index, parents[index]) if index < len(parents) else f"input {index}")
    where = (str(site) if site is not None else
             "(not recorded: the forward pass ran outside detect_anomaly())")
    message = (f"{name}.backward returned NaN/inf in the gradient of {target}: "
               f"{_describe(pgrad)}\n"
               f"  {name} was called in the forward pass at {where}\n"
               f"  incoming gradient (of {name}'s output): {_describe(grad)}")
    return AnomalyError(message, kind="backward", node=node, tensor=root, site=site)
