"""`jit`: the cache of recordings, keyed by the arguments, and what happens when a replay
cannot be used (a guard failed, a call raised, too many recordings)."""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..grad_mode import config
from ..hooks import live_tensor_hooks
from ..tensor import Tensor
from . import codegen, passes
from .errors import GuardFailed, JitError, ReplayRaised
from .record import Recorder
from .traced import Traced

_SEEN = object()  # a key called once, as written: the next call records
# marks an array's (shape, dtype, strides) in a key: the strides too, since numpy lays out
# what it computes after its inputs (x.T * 2 is in F order), and what comes after depends on
# the layout (a sum adds in another order), so another layout is another recording
_ARRAY = object()


class jit:  # noqa: N801 - used as a decorator, named like a function
    """Record `fn`'s array calls for each new set of argument shapes, then replay them.

    `fn` takes arrays, tensors that need no grad, or Python values (positional or keyword;
    a new Python value is recorded anew), and returns a Tensor, an array, None, or a tuple
    of those. Inside it, `opt.zero_grad()`, `loss.backward()` and `opt.step()` all replay.
    At most `max_recordings` recordings are made per function; then new keys run as
    written, with one warning. See docs/jit.md.
    """

    def __init__(self, fn: Callable[..., Any], max_recordings: int = 8) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.max_recordings = max_recordings
        self.recordings = 0
        self.replays: dict[Any, Any] = {}  # key -> _SEEN, False (as written) or the replay
        self.earlier: dict[Any, list] = {}  # key -> replays recorded before, for other facts
        self._warned_limit = False
        self._changed: str | None = None  # what the latest failed replay found changed

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self.__call__, obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if config.recorder is not None:  # inside another jit's recording: record through
            return self.fn(*args, **kwargs)
        flat = args + tuple(kwargs.values()) if kwargs else args
        try:
            key = (config.grad_enabled, tuple(kwargs) if kwargs else None,
                   *[(_ARRAY, a.shape, a.dtype, a.strides) if a.__class__ is np.ndarray
                     else _key_of(a)
                     for a in flat])
            entry = self.replays.get(key)
        except TypeError:  # an unhashable Python argument: nothing to key a recording on
            return self.fn(*args, **kwargs)
        if entry is None:  # the first call runs as written: it creates any lazy state
            # keys seen once are bounded too: a value new on every call is never recorded
            if self.recordings < self.max_recordings and \
                    len(self.replays) < 4 * self.max_recordings:
                self.replays[key] = _SEEN
            else:
                self._limit_reached()
            return self.fn(*args, **kwargs)
        if entry is False:
            return self.fn(*args, **kwargs)
        if entry is _SEEN and not self.earlier.get(key):
            return self._record(key, args, kwargs)
        if config.anomaly or live_tensor_hooks():
            # A replay runs no op and no walk, so anomaly checks and tensor hooks would be
            # skipped: run as written while either is in play.
            self._warn_as_written("detect_anomaly() is on" if config.anomaly
                                  else "a tensor has a gradient hook")
            return self.fn(*args, **kwargs)
        try:
            if entry is not _SEEN:
                try:
                    return _replay(entry, flat)
                except GuardFailed as failed:
                    # a fact it relied on changed (a module's mode, a requires_grad, a value
                    # it branched on): a recording kept for the facts of another day may fit
                    self._changed = str(failed)
                    result = self._earlier_replay(key, flat, entry)
                    if result is not _NONE_FITS:
                        return result
                    # else as written now, and recorded next time (within max_recordings)
                    self.replays[key] = _SEEN
                    return self.fn(*args, **kwargs)
            result = self._earlier_replay(key, flat, None)
        except ReplayRaised:
            # a call failed (bad labels, say): as written, the op raises its own clear error
            result = self.fn(*args, **kwargs)
            self._give_up(key, "its replay raised where running it as written did not")
            return result
        if result is not _NONE_FITS:
            return result
        return self._record(key, args, kwargs)

    def _record(self, key: Any, args: tuple, kwargs: dict) -> Any:
        """Record the call (within max_recordings; else as written from now on)."""
        if self.recordings >= self.max_recordings:
            self.replays[key] = False
            self._limit_reached(4)
            return self.fn(*args, **kwargs)
        self.recordings += 1
        result, self.replays[key] = self.record(key, args, kwargs)
        return result

    def _earlier_replay(self, key: Any, flat: tuple, failed: Any) -> Any:
        """The result of an earlier recording for `key` whose guards hold now (it becomes the
        one tried first), or _NONE_FITS; `failed`, the replay whose guards just failed, is
        kept among them (train and eval mode, say, each keep theirs)."""
        earlier = self.earlier.setdefault(key, [])
        if failed is not None:
            earlier.append(failed)
            del earlier[:-self.max_recordings]
        for index, replay in enumerate(earlier):
            if replay is failed:
                continue
            try:
                result = _replay(replay, flat)
            except GuardFailed:
                continue
            earlier.pop(index)
            self.replays[key] = replay
            return result
        return _NONE_FITS

    def _limit_reached(self, stacklevel: int = 3) -> None:  # 3: the caller of __call__
        if not self._warned_limit:
            self._warned_limit = True
            last = self._changed
            why = "" if last is None else (
                f"; the last replay stopped because {last} changed"
                + (" (an array's value read as a Python number: .item(), float(), "
                   "np.asarray; read it outside the jitted function instead)"
                   if last == "a value the function reads" else ""))
            warnings.warn(f"jit: {self._name()} has been recorded {self.recordings} times "
                          f"(max_recordings={self.max_recordings}): calls with new argument "
                          f"values or shapes, or with a Python value, mode or requires_grad "
                          f"of no recording yet, run as written from now on (pass values "
                          f"that change on every call as arrays){why}", RuntimeWarning,
                          stacklevel=stacklevel)

    def _warn_as_written(self, why: str) -> None:
        warnings.warn(f"jit: {self._name()} runs as written while {why}: a replay would not run "
                      f"the checks or hooks", RuntimeWarning, stacklevel=3)

    def _name(self) -> str:
        return getattr(self.fn, "__name__", "the function")

    def _give_up(self, key: Any, why: str, stacklevel: int = 3) -> None:
        self.replays[key] = False
        warnings.warn(f"jit: {self._name()} runs as written from now on for these argument "
                      f"shapes: {why}", RuntimeWarning, stacklevel=stacklevel)

    def record(self, key: Any, args: tuple, kwargs: dict) -> tuple[Any, Any]:
        """Run the function with stand-ins, then compile what it did."""
        rec = Recorder()
        index = iter(range(len(args) + len(kwargs)))
        traced_args = [_trace_argument(rec, a, next(index)) for a in args]
        traced_kwargs = {k: _trace_argument(rec, v, next(index)) for k, v in kwargs.items()}
        program = rec.program
        program.params = len(args) + len(kwargs)
        previous = config.recorder
        config.recorder = rec
        try:
            rec.scan(self.fn, (*args, *kwargs.values()), opaque=(jit,))
            rec.draws.start()
            result = self.fn(*traced_args, **traced_kwargs)
        finally:
            config.recorder = previous
            rec.unshadow()
            rec.draws.stop()
            rec.finish()
            rec.active = False
        value = _unwrap_result(result)
        why = rec.unreplayable
        try:
            program.result = _describe(result)
        except _Undescribable as odd:
            why = why or str(odd)
        del result, traced_args, traced_kwargs
        rec.check_escapes()
        rec.locate(self.fn, (*args, *kwargs.values()))
        why = why or rec.unreplayable
        if why:
            self._give_up(key, why, 5)  # from record, from _record
            return value, False
        return value, codegen.generate(passes.run(program), codegen.wrap_result(value))


def _trace_argument(rec: Recorder, arg: Any, index: int) -> Any:
    if type(arg) is np.ndarray:
        return rec.read(arg, "arg", index)
    if type(arg) is Tensor:
        return Tensor(rec.read(arg.data, "arg", index, tensor=True))
    return arg


_NONE_FITS = object()  # no replay kept for a key has guards that hold now


def _replay(replay: Any, flat: tuple) -> Any:
    config.replaying = True
    try:
        return replay(*flat)
    finally:
        config.replaying = False


def _key_of(arg: Any) -> Any:
    """An argument that is not a plain array, as part of the key (TypeError: no key)."""
    if isinstance(arg, Tensor):
        if arg.requires_grad or arg.grad_fn is not None:
            raise JitError("jit: arguments are data; a tensor that requires grad (a "
                           "parameter) must be reached from inside the function, not "
                           "passed to it")
        if type(arg.data) is not np.ndarray:
            raise TypeError("an array subclass: not recorded")
        return Tensor, arg.data.shape, arg.data.dtype, arg.data.strides
    if isinstance(arg, np.ndarray):
        raise TypeError("an array subclass: not recorded")
    return _typed(arg)


def _typed(value: Any) -> Any:
    """A hashable value with its type, and a tuple's items with theirs: 4 == 4.0 ==
    np.float32(4) and True == 1, but the function may tell them apart (isinstance, integer
    division, numpy's dtype of a result). TypeError when it cannot be hashed."""
    if value.__class__ is tuple:
        return tuple, tuple([_typed(item) for item in value])
    hash(value)
    return value.__class__, value


# Python values a result may hold as they are: immutable, so a replay hands back the recorded
# one. A number the function computed from an array (`loss.item()`) is one too: reading it
# guarded the array's value, so a replay whose guards hold would compute the same number.
_SCALARS = (bool, int, float, complex, str, bytes, np.generic)


class _Undescribable(Exception):
    """A result no replay can hand back: the call runs as written instead (why: the text)."""


def _describe(result: Any) -> Any:
    """The result with each array as its Var: tensors and arrays, inside tuples (named ones
    too), lists and dicts, and Python scalars as constants."""
    if result is None or isinstance(result, _SCALARS):
        return result
    if isinstance(result, (tuple, list)):
        items = [_describe(r) for r in result]
        return tuple(items) if isinstance(result, tuple) else items
    if type(result) is dict:
        return {key: _describe(item) for key, item in result.items()}
    value = result.data if isinstance(result, Tensor) else result
    if isinstance(value, Traced):
        return value._var
    if isinstance(result, Tensor):
        raise _Undescribable(
            "it returns a Tensor whose array the recording did not compute (made from Python "
            "numbers, or through np.asarray/np.array of a recorded value, which hand numpy "
            "the numbers); return tensors or arrays computed from its inputs by tensor ops or "
            "numpy calls")
    raise _Undescribable(
        f"its result, of type {type(result).__name__}, is not one a replay can hand back: "
        f"return tensors, arrays or Python numbers, alone or in tuples, lists and dicts")


def _unwrap_result(result: Any) -> Any:
    """The recording's result with real arrays in place of stand-ins."""
    if isinstance(result, tuple):
        items = [_unwrap_result(r) for r in result]
        return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
    if isinstance(result, list):
        return [_unwrap_result(r) for r in result]
    if type(result) is dict:
        return {key: _unwrap_result(item) for key, item in result.items()}
    if isinstance(result, Tensor):
        data = result.data
        return Tensor(data.value if isinstance(data, Traced) else data)
    return result.value if isinstance(result, Traced) else result
