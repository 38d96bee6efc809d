"""The errors and signals of `jit`."""
from __future__ import annotations


class JitError(RuntimeError):
    """The function does something that replaying its array calls could not reproduce."""


class GuardFailed(Exception):
    """A fact the recording relied on (a shape, a value branched on, a `requires_grad`)
    differs on this call: run the function as written instead. Its text says which kind of
    fact, for the warning when recordings run out."""


class ReplayRaised(Exception):
    """A replayed call raised: the function runs as written instead, to raise its own error."""
