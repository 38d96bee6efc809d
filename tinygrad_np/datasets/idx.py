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
from typing import Protocol

import numpy as np

__all__ = ["IDX_DTYPES", "IDXError", "read_idx"]

# Type code -> on-disk dtype. Multi-byte types are big-endian in the file.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


class _Reader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class IDXError(ValueError):
    """A file is not a valid IDX file; the message names the file and the problem."""


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a writable native-endian array.

    Gzip is detected by the magic bytes ``1f 8b``, so the file name does not matter.
    The header is checked and the data must fill the file exactly.

    >>> labels = read_idx("t10k-labels-idx1-ubyte.gz")  # doctest: +SKIP
    >>> labels.shape, labels.dtype                       # doctest: +SKIP
    ((10000,), dtype('uint8'))
    """
    name = os.fspath(path)
    with open(name, "rb") as raw:  # FileNotFoundError etc. pass through unchanged
        if raw.read(2) == _GZIP_MAGIC:
            raw.seek(0)
            try:
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    return _parse(stream, name, compressed=True)
            except (OSError, EOFError, zlib.error) as exc:
                # A damaged stream shows up as BadGzipFile (OSError), EOFError or
                # zlib.error depending on where it breaks; report them all the same way.
                raise IDXError(f"{name}: corrupt gzip stream: {exc}") from exc
        raw.seek(0)
        return _parse(raw, name, compressed=False)


def _read_upto(stream: _Reader, n: int) -> bytearray:
    """Read at most ``n`` bytes, in chunks, so a lying header cannot force a huge allocation."""
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(min(_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def _parse(stream: _Reader, name: str, compressed: bool) -> np.ndarray:
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

    dims_raw = _read_upto(stream, 4 * ndim)
    header_len = 4 + 4 * ndim
    if len(dims_raw) < 4 * ndim:
        raise IDXError(
            f"{name}: truncated header: magic says {ndim} dims ({header_len} header bytes), "
            f"{what} has {4 + len(dims_raw)} bytes"
        )
    shape = tuple(int.from_bytes(dims_raw[i : i + 4], "big") for i in range(0, 4 * ndim, 4))

    dtype = IDX_DTYPES[code]
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on absurd headers
    described = f"header says {'x'.join(map(str, shape))} {dtype.name} = {nbytes} bytes of data"
    data = _read_upto(stream, nbytes)
    if len(data) < nbytes:
        raise IDXError(
            f"{name}: truncated: {described}, {what} has {len(data)} (after the {header_len}-byte header)"
        )
    extra = 0
    while chunk := stream.read(_CHUNK):  # count rather than keep whatever follows
        extra += len(chunk)
    if extra:
        raise IDXError(
            f"{name}: trailing bytes: {described}, {what} has {nbytes + extra} ({extra} extra)"
        )

    # bytearray-backed, so the array is writable without another copy.
    arr = np.frombuffer(data, dtype=dtype).reshape(shape)
    if not dtype.isnative:
        arr.byteswap(inplace=True)
        arr = arr.view(dtype.newbyteorder("="))
    return arr
