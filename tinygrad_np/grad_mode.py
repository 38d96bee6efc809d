"""Whether operations record a graph: one config object per thread, switched by `no_grad`.

The state is per thread, as in PyTorch: a `no_grad()` block in one thread never turns
recording off in another (a data-loading thread's `no_grad()` must not silently cost the
training thread its gradients).
"""
from __future__ import annotations

import functools
import threading
from types import TracebackType
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Config(threading.local):
    """Global switches, one set per thread: `__init__` runs afresh in each thread that
    touches `config`, so every thread starts with recording on."""

    def __init__(self) -> None:
        self.grad_enabled = True
        # The one hook between the engine and `jit`: this thread's recorder while it records
        # (Function.apply hands it each op), else None.
        self.recorder: Any = None


config = _Config()


def is_grad_enabled() -> bool:
    """True when operations record the graph that `backward()` needs."""
    return config.grad_enabled


class _GradMode:
    """Sets `config.grad_enabled` inside a `with` block or a decorated function."""

    enabled: bool

    def __enter__(self) -> None:
        self._previous = config.grad_enabled
        config.grad_enabled = self.enabled

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        config.grad_enabled = self._previous

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Record no graph: results need no memory for backward and have no `grad_fn`.

    >>> from tinygrad_np import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False

    Also works as a decorator: ``@no_grad()``.
    """

    enabled = False


class enable_grad(_GradMode):
    """Record the graph again inside a `no_grad` block (or a decorated function)."""

    enabled = True
