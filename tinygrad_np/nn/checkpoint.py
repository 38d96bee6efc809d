"""Checkpoints: named arrays in a standard `.npz` archive, written atomically, read without
pickle (so loading a file can never run code).

>>> import numpy as np
>>> from tinygrad_np.nn import save_state, load_state
>>> save_state("weights.npz", {"W1": np.ones((2, 3)), "b1": np.zeros(3)})  # doctest: +SKIP
>>> sorted(load_state("weights.npz"))                                     # doctest: +SKIP
['W1', 'b1']
"""
from __future__ import annotations

import math
import os
import struct
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..files import atomic_path
from ..tensor import Tensor

PathLike = str | os.PathLike[str]

__all__ = ["CheckpointError", "load_state", "save_state"]

# The most a checkpoint may unpack to unless load_state is told otherwise: far above any model
# this engine trains (the MNIST MLPs are ~1 MB), far below what a crafted file could make it
# allocate.
DEFAULT_MAX_BYTES = 1 << 30

# What every .npz starts with: a zip local-file header, or the end record of an empty zip.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read (not an archive, truncated, damaged, or holding
    something other than plain numeric arrays). The message names the file and the problem."""


def save_state(path: PathLike, state: Mapping[str, Any]) -> None:
    """Write `state` (names -> arrays or Tensors) to `path` as an `.npz` archive, atomically:
    the file is either the complete new checkpoint or, if anything fails, left as it was.

    The file is written exactly at `path` (no ".npz" is added). Object arrays are refused,
    since reading them back would need pickle, and so are nested dicts (a PyTorch-style
    {"model": ..., "optimizer": ..., "epoch": ...}: the error names
    `optim.save_training_state` and `optim.state_to_arrays`, which save those).

    >>> save_state("mlp.npz", {"W1": W1, "b1": b1})  # doctest: +SKIP
    """
    arrays = _checked_arrays(state)
    # Written by hand rather than with np.savez: its keyword arguments would clash with keys
    # named "file" or "allow_pickle", and it appends ".npz" to other names. The layout is
    # exactly numpy's, so np.load reads the result. The file closes before the rename.
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        with zipfile.ZipFile(handle, mode="w", compression=zipfile.ZIP_STORED) as archive:
            for key, array in arrays.items():
                with archive.open(key + ".npy", mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
        handle.flush()
        # The rename makes the swap atomic; fsync makes the new bytes durable before it, so
        # a power cut cannot leave a renamed but empty checkpoint.
        os.fsync(handle.fileno())


def _checked_arrays(state: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """`state` as name -> ndarray, refused before any file is touched if it cannot be saved."""
    if not isinstance(state, Mapping):
        raise TypeError(f"save_state: state must be a dict of name -> array, "
                        f"got {type(state).__name__}")
    arrays: dict[str, np.ndarray] = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"save_state: keys must be non-empty strings, got {key!r}")
        if "\0" in key:
            # zip names end at a NUL for many readers: the key would not load back as saved
            raise ValueError(f"save_state: key {key!r} contains a NUL character")
        if isinstance(value, Mapping) or (isinstance(value, (list, tuple)) and any(
                isinstance(item, Mapping) for item in value)):
            # PyTorch's torch.save({"model": ..., "optimizer": ..., "epoch": ...}) habit
            raise TypeError(
                f"save_state: {key!r} is a nested {type(value).__name__}; save_state takes "
                f"one flat dict of name -> array. To save a model with its optimizer (and "
                f"scheduler), use tinygrad_np.optim.save_training_state(path, model, "
                f"optimizer, scheduler) and load_training_state; for another nested state "
                f"(dicts, lists, numbers, arrays), save_state(path, "
                f"tinygrad_np.optim.state_to_arrays(state)) and read it back with "
                f"state_from_arrays(load_state(path))")
        try:
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
        except ValueError as err:  # a ragged list: numpy cannot make one array of it
            raise TypeError(f"save_state: {key!r} is not one array ({err})") from None
        if array.dtype.hasobject:
            raise TypeError(f"save_state: {key!r} is an object array ({array.dtype}); only "
                            f"numeric arrays can be saved (objects would need pickle to load)")
        arrays[key] = array
    return arrays


def load_state(path: PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, np.ndarray]:
    """Read a checkpoint written by `save_state` (or any `.npz` of plain arrays), in the
    order it was saved. Never unpickles: object arrays give a `CheckpointError`.

    Every size is checked before anything is allocated: a file whose members add up to more
    than `max_bytes` once unpacked (default 1 GiB, 250 million float32 parameters) is refused,
    and so is a member whose array header declares more data than the member holds. Pass a
    larger `max_bytes` for a bigger model.

    >>> state = load_state("mlp.npz")  # doctest: +SKIP
    >>> W1 = Tensor(state["W1"], requires_grad=True)  # doctest: +SKIP
    """
    name = os.fspath(path)
    # A missing file or a directory stays an OSError naming the path: that is not damage.
    with open(name, "rb") as handle:
        head = handle.read(4)
    if head not in _ZIP_MAGIC:
        what = "an empty file" if not head else f"a file starting with {head!r}"
        raise CheckpointError(f"{name}: not an .npz checkpoint ({what}; expected a zip archive)")
    try:
        with zipfile.ZipFile(name) as archive:
            members = archive.infolist()
            # Sizes from the zip's directory, before a byte is unpacked or allocated; each
            # member's array header must then agree with its member's size.
            unpacked = sum(info.file_size for info in members)
            if unpacked > max_bytes:
                raise CheckpointError(
                    f"{name}: the checkpoint unpacks to {unpacked:,} bytes, more than "
                    f"max_bytes={max_bytes:,}; refused before reading it (pass a larger "
                    f"max_bytes to load_state if this really is your model)")
            state: dict[str, np.ndarray] = {}
            for info in members:
                key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                if not info.filename.endswith(".npy"):
                    raise CheckpointError(f"{name}: member {key!r} is not a .npy array")
                if key in state:
                    raise CheckpointError(f"{name}: member {key!r} appears twice")
                with archive.open(info) as member:
                    state[key] = _read_member(name, key, member, info.file_size)
            return state
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, ValueError, OSError,
            NotImplementedError, RuntimeError, KeyError, IndexError, MemoryError,
            SyntaxError, TypeError) as err:
        # zipfile and numpy report damage in many ways (bad CRC, short read, a flag bit that
        # reads as "encrypted", an unreadable header); say once, in our terms, which file and
        # what went wrong, keeping the original message.
        raise CheckpointError(f"{name}: damaged or unsupported checkpoint "
                              f"({type(err).__name__}: {err})") from None


def _read_member(name: str, key: str, member: Any, member_size: int) -> np.ndarray:
    """One `.npy` member as an array, its header checked against the member's size before
    the array is allocated."""
    fmt = np.lib.format
    version = fmt.read_magic(member)
    if version == (1, 0):
        shape, fortran_order, dtype = fmt.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran_order, dtype = fmt.read_array_header_2_0(member)
    else:
        raise CheckpointError(f"{name}: member {key!r} is a .npy of version {version}, "
                              f"which this loader does not read")
    if dtype.hasobject:
        raise CheckpointError(f"{name}: member {key!r} is an object array, which only pickle "
                              f"can read; refused, since unpickling can run arbitrary code")
    count = math.prod(shape)
    declared = count * dtype.itemsize
    held = member_size - member.tell()
    if declared != held:
        raise CheckpointError(f"{name}: member {key!r} declares shape {shape} of {dtype} "
                              f"({declared:,} bytes) but holds {held:,} bytes of data")
    flat = np.empty(count, dtype=dtype)
    if declared:
        buffer = flat.view(np.uint8).data  # a memoryview of the array's bytes
        filled = 0
        while filled < declared:
            got = member.readinto(buffer[filled:])
            if not got:
                raise CheckpointError(f"{name}: member {key!r} is truncated "
                                      f"({filled:,} of {declared:,} bytes)")
            filled += got
    if fortran_order:
        return flat.reshape(shape[::-1]).transpose()
    return flat.reshape(shape)
