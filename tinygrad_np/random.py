"""The framework's random numbers: one `numpy.random.Generator` per thread, seeded by
`manual_seed`.

Everything random in tinygrad_np draws from `get_generator()`: `rand`, `randn`, dropout
masks and the initialisers of layers built with `rng=None`. So one call at the top of a
script makes a run repeat exactly:

>>> import tinygrad_np as tg
>>> tg.manual_seed(0)
>>> a = tg.random.get_generator().standard_normal(3)
>>> tg.manual_seed(0)
>>> bool((tg.random.get_generator().standard_normal(3) == a).all())
True

Per thread, as every piece of global state here: numpy Generators are not thread-safe, and a
data-loading thread's draws must not shift the training thread's stream. The rules:

* `manual_seed(seed)` gives the calling thread `numpy.random.default_rng(seed)` (the very
  stream numpy gives for that seed), and makes `seed` the root for threads that have not
  drawn yet.
* A thread's first draw creates its generator: the k-th thread to do so after the latest
  `manual_seed(seed)` gets `default_rng(SeedSequence(seed).spawn(...)[k])` — independent of
  the seeding thread's stream and of the other threads'. A program that seeds once and starts
  its threads in a fixed order is therefore reproducible. Before any `manual_seed`, the root
  is fresh OS entropy (different on every run).
"""
from __future__ import annotations

import threading

import numpy as np

__all__ = ["get_generator", "manual_seed"]


class _State(threading.local):
    """This thread's generator; None until the thread first draws (or seeds)."""

    def __init__(self) -> None:
        self.generator: np.random.Generator | None = None


_state = _State()
_root_lock = threading.Lock()  # guards _root: threads may make their generators concurrently
_root = np.random.SeedSequence()  # OS entropy until manual_seed is called


def manual_seed(seed: int) -> None:
    """Seed this thread's generator with `seed`, and make it the root of threads that
    have not drawn yet.

    >>> manual_seed(42)
    >>> float(get_generator().random()) == float(np.random.default_rng(42).random())
    True
    """
    global _root
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    with _root_lock:
        _root = np.random.SeedSequence(int(seed))
    _state.generator = np.random.default_rng(int(seed))


def get_generator() -> np.random.Generator:
    """This thread's generator (created on first use, see the module docstring).

    >>> isinstance(get_generator(), np.random.Generator)
    True
    """
    generator = _state.generator
    if generator is None:
        with _root_lock:
            child, = _root.spawn(1)  # spawn() counts its children: the k-th call gets child k
        generator = _state.generator = np.random.default_rng(child)
    return generator
