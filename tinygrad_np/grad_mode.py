"""Whether operations record a graph: one config object per thread, switched by `no_grad`.

The state is per thread, as in PyTorch: a `no_grad()` block in one thread never turns
recording off in another (a data-loading thread's `no_grad()` must not silently cost the
training thread its gradients).
"""
from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Config(threading.local):
    """Global switches, one set per thread: `__init__` runs afresh in each thread that
    touches `config`, so every thread starts with recording on."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.inference = False  # inside inference_mode(): what is_inference_mode_enabled says
        self.anomaly = False  # detect_anomaly(): read once per backward(), never per op
        # The one hook between the engine and `jit`: this thread's recorder while it records
        # (Function.apply hands it each op), else None.
        self.recorder: Any = None
        # True while a jit replay runs in this thread: an optimizer's step then writes into
        # the scratch arrays the replay's plan adopted (still in cache), not recycled ones.
        self.replaying = False


config = _Config()


def is_grad_enabled() -> bool:
    """True when operations record the graph that `backward()` needs."""
    return config.grad_enabled


class _GradMode:
    """Sets `config.grad_enabled` inside a `with` block or a decorated function.

    The mode to restore is kept per thread and per entry (a stack), not in one attribute:
    one instance may be entered by two threads at once, or nested in itself, and each exit
    restores what its own entry found.
    """

    enabled: bool

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        if func is not None:  # `@no_grad` without parentheses, as PyTorch also allows
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        self._saved = threading.local()

    def __enter__(self) -> None:
        saved = self._saved.__dict__.setdefault("modes", [])
        saved.append(config.grad_enabled)
        config.grad_enabled = self.enabled

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        config.grad_enabled = self._saved.modes.pop()

    def _same(self) -> _GradMode:
        """A fresh block of this mode, for a decorated function's calls (each entered anew)."""
        return type(self)()

    def __call__(self, func: F) -> F:
        mode = self._same
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from _in_mode(mode, func(*args, **kwargs)))
            return generator  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


def _in_mode(mode: Callable[[], _GradMode],
             gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Run `gen` in grad mode `mode` while its own code runs, and in the caller's mode between
    yields (as PyTorch does): each resumption (next, send, throw, close) is one `with` block."""
    try:
        with mode():
            response = gen.send(None)
        while True:
            try:
                request = yield response
            except GeneratorExit:
                with mode():
                    gen.close()
                raise
            except BaseException as err:
                with mode():
                    response = gen.throw(err)
            else:
                with mode():
                    response = gen.send(request)
    except StopIteration as stop:
        return stop.value


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Record no graph: results need no memory for backward and have no `grad_fn`.

    >>> from tinygrad_np import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False

    Also works as a decorator, ``@no_grad()`` (or ``@no_grad``), on functions and on generator
    functions (the generator's own code runs without recording; the caller's mode is back
    between yields).
    """

    enabled = False


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Record the graph again inside a `no_grad` block (or a decorated function)."""

    enabled = True


class set_grad_enabled(_GradMode):  # noqa: N801 - PyTorch's name
    """Switch recording on or off: as a call it takes effect at once (`set_grad_enabled(False)`
    turns it off until switched back), as a `with` block or decorator only inside, as
    PyTorch's.

    >>> from tinygrad_np import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> with set_grad_enabled(False):
    ...     y = w * 2
    >>> y.requires_grad, is_grad_enabled()
    (False, True)
    """

    def __new__(cls, mode: bool) -> Any:
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        super().__init__()
        self.enabled = mode
        self._previous = config.grad_enabled
        config.grad_enabled = mode  # a plain call switches at once

    def __enter__(self) -> None:
        # the call already switched: the block restores what was there before the call
        saved = self._saved.__dict__.setdefault("modes", [])
        saved.append(self._previous if not saved else config.grad_enabled)
        config.grad_enabled = self.enabled

    def _same(self) -> _GradMode:
        return set_grad_enabled(self.enabled)

    def __call__(self, func: F) -> F:
        config.grad_enabled = self._previous  # as a decorator it switches only inside
        return super().__call__(func)


class inference_mode(_GradMode):  # noqa: N801 - PyTorch's name
    """`no_grad` for inference (PyTorch's inference_mode; there is no separate tensor kind
    here); `inference_mode(False)` records again, as PyTorch's (grad mode on, even inside
    `no_grad`).

    >>> from tinygrad_np import Tensor
    >>> with inference_mode():
    ...     y = Tensor([1.0], requires_grad=True) * 2
    >>> y.requires_grad
    False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # `@inference_mode` without parentheses
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        super().__init__()
        self.mode = bool(mode)

    def __enter__(self) -> None:
        saved = self._saved.__dict__.setdefault("modes", [])
        saved.append((config.grad_enabled, config.inference))
        config.grad_enabled, config.inference = not self.mode, self.mode

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        config.grad_enabled, config.inference = self._saved.modes.pop()

    def _same(self) -> _GradMode:
        return inference_mode(self.mode)


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()` (and not inside an `inference_mode(False)` in it)."""
    return config.inference
