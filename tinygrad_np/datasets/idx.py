"""Reader for the IDX format used by MNIST and Fashion-MNIST.

IDX layout (all integers big-endian): two zero bytes, one type-code byte, one
byte with the number of dimensions ``n``, then ``n`` uint32 sizes, then the data
in C order. See http://yann.lecun.com/exdb/mnist/ (section "THE IDX FILE FORMAT").
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from typing import BinaryIO, Protocol

import numpy as np

__all__ = ["IDX_DTYPES", "IDX_MAX_BYTES", "IDX_MAX_DIMS", "IDXError", "read_idx"]

# Type code -> on-disk dtype. Multi-byte types are big-endian in the file.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# The most dimensions numpy 2 arrays can have; the format's one byte would allow 255.
IDX_MAX_DIMS = 64
# Default bound on the data a header may declare (1 GiB; MNIST's training images are 47 MB):
# a small gzip file can inflate to gigabytes, so the declared size is checked before reading.
IDX_MAX_BYTES = 1 << 30

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


class _Reader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class IDXError(ValueError):
    """A file is not a valid IDX file; the message names the file and the problem."""


def read_idx(path: str | os.PathLike[str], *, max_bytes: int = IDX_MAX_BYTES) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a writable native-endian array.

    Gzip is detected by the magic bytes ``1f 8b``, so the file name does not matter.
    The header is checked and the data must fill the file exactly. A header that declares
    more than ``max_bytes`` of data is refused before anything is read or allocated.

    >>> labels = read_idx("t10k-labels-idx1-ubyte.gz")  # doctest: +SKIP
    >>> labels.shape, labels.dtype                       # doctest: +SKIP
    ((10000,), dtype('uint8'))
    """
    name = os.fspath(path)
    with open(name, "rb") as raw:  # FileNotFoundError etc. pass through unchanged
        return read_idx_stream(raw, name, max_bytes=max_bytes)


def read_idx_stream(raw: BinaryIO, name: str, *, max_bytes: int = IDX_MAX_BYTES) -> np.ndarray:
    """:func:`read_idx` on an open, seekable binary file (``io.BytesIO`` too); ``name`` is
    only used in error messages."""
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _parse(stream, name, compressed=True, max_bytes=max_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            # A damaged stream shows up as BadGzipFile (OSError), EOFError or
            # zlib.error depending on where it breaks; report them all the same way.
            raise IDXError(f"{name}: corrupt gzip stream: {exc}") from exc
    raw.seek(0)
    return _parse(raw, name, compressed=False, max_bytes=max_bytes)


def _read_upto(stream: _Reader, n: int) -> bytearray:
    """Read at most ``n`` bytes, in chunks, so a lying header cannot force a huge allocation."""
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(min(_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def _parse(stream: _Reader, name: str, compressed: bool, max_bytes: int) -> np.ndarray:
    what = "decompressed file" if compressed else "file"
    head = _read_upto(stream, 4)
    if len(head) < 4:
        raise IDXError(
            f"{name}: too short for an IDX header: {what} has {len(head)} bytes, need at least 4"
        )
    magic = int.from_bytes(head, "big")
    zeros, code, ndim = head[0:2], head[2], head[3]
    if zeros != b"\x00\x00":
        raise IDXError(
            f"{name}: bad magic 0x{magic:08x} (expected 0x0000TTNN: two zero bytes, type code TT, "
            f"number of dims NN; e.g. 0x00000803 for uint8 images)"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02x} {d.name}" for c, d in IDX_DTYPES.items())
        raise IDXError(
            f"{name}: unknown type code 0x{code:02x} in magic 0x{magic:08x} (known: {known})"
        )
    if ndim == 0:
        raise IDXError(f"{name}: magic 0x{magic:08x} says 0 dimensions (expected at least 1)")
    if ndim > IDX_MAX_DIMS:
        raise IDXError(
            f"{name}: magic 0x{magic:08x} says {ndim} dimensions (at most {IDX_MAX_DIMS}, "
            f"the most a numpy array can have)"
        )

    dims_raw = _read_upto(stream, 4 * ndim)
    header_len = 4 + 4 * ndim
    if len(dims_raw) < 4 * ndim:
        raise IDXError(
            f"{name}: truncated header: magic says {ndim} dims ({header_len} header bytes), "
            f"{what} has {4 + len(dims_raw)} bytes"
        )
    shape = tuple([int.from_bytes(dims_raw[i : i + 4], "big") for i in range(0, 4 * ndim, 4)])

    dtype = IDX_DTYPES[code]
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on absurd headers
    described = f"header says {'x'.join(map(str, shape))} {dtype.name} = {nbytes} bytes of data"
    if nbytes > max_bytes:
        raise IDXError(f"{name}: too large: {described}, over the limit max_bytes={max_bytes}")
    data = _read_upto(stream, nbytes)
    if len(data) < nbytes:
        raise IDXError(
            f"{name}: truncated: {described}, {what} has {len(data)} "
            f"(after the {header_len}-byte header)"
        )
    extra = 0
    # Count rather than keep whatever follows, and stop counting past max_bytes: a gzip bomb
    # after valid data must not keep us inflating for minutes.
    while extra <= max_bytes and (chunk := stream.read(_CHUNK)):
        extra += len(chunk)
    if extra:
        has = (
            f"{nbytes + extra} ({extra} extra)"
            if extra <= max_bytes
            else f"more than {nbytes + max_bytes} (over {max_bytes} extra)"
        )
        raise IDXError(f"{name}: trailing bytes: {described}, {what} has {has}")

    # bytearray-backed, so the array is writable without another copy.
    arr = np.frombuffer(data, dtype=dtype).reshape(shape)
    if not dtype.isnative:
        arr.byteswap(inplace=True)
        arr = arr.view(dtype.newbyteorder("="))
    return arr
