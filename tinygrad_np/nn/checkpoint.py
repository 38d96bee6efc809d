"""Checkpoints: named arrays in a standard `.npz` archive, written atomically, read without
pickle (so loading a file can never run code).

>>> import numpy as np
>>> from tinygrad_np.nn import save_state, load_state
>>> save_state("weights.npz", {"W1": np.ones((2, 3)), "b1": np.zeros(3)})  # doctest: +SKIP
>>> sorted(load_state("weights.npz"))                                     # doctest: +SKIP
['W1', 'b1']
"""
from __future__ import annotations

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

# What every .npz starts with: a zip local-file header, or the end record of an empty zip.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read (not an archive, truncated, damaged, or holding
    something other than plain numeric arrays). The message names the file and the problem."""


def save_state(path: PathLike, state: Mapping[str, Any]) -> None:
    """Write `state` (names -> arrays or Tensors) to `path` as an `.npz` archive, atomically:
    the file is either the complete new checkpoint or, if anything fails, left as it was.

    The file is written exactly at `path` (no ".npz" is added). Object arrays are refused,
    since reading them back would need pickle.

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
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"save_state: {key!r} is an object array ({array.dtype}); only "
                            f"numeric arrays can be saved (objects would need pickle to load)")
        arrays[key] = array
    return arrays


def load_state(path: PathLike) -> dict[str, np.ndarray]:
    """Read a checkpoint written by `save_state` (or any `.npz` of plain arrays), in the
    order it was saved. Never unpickles: object arrays give a `CheckpointError`.

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
        with np.load(name, allow_pickle=False) as archive:
            state: dict[str, np.ndarray] = {}
            for key in archive.files:
                try:
                    value = archive[key]
                except ValueError as err:
                    if "allow_pickle" not in str(err):
                        raise
                    raise CheckpointError(f"{name}: member {key!r} is an object array, which "
                                          f"only pickle can read; refused, since unpickling "
                                          f"can run arbitrary code") from None
                # NpzFile hands back raw bytes for members that are not .npy arrays.
                if not isinstance(value, np.ndarray):
                    raise CheckpointError(f"{name}: member {key!r} is not a .npy array")
                state[key] = value
            return state
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, ValueError, OSError,
            NotImplementedError, RuntimeError, KeyError, IndexError, MemoryError) as err:
        # zipfile and numpy report damage in many ways (bad CRC, short read, a flag bit that
        # reads as "encrypted", a header claiming a huge shape); say once, in our terms,
        # which file and what went wrong, keeping the original message.
        raise CheckpointError(f"{name}: damaged or unsupported checkpoint "
                              f"({type(err).__name__}: {err})") from None
