"""read_idx: round trips for every IDX type, and a precise IDXError for each kind of damage."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from real_data import mnist_dir

from tinygrad_np.datasets import IDXError, read_idx
from tinygrad_np.datasets.idx import IDX_DTYPES, IDX_MAX_BYTES, IDX_MAX_DIMS

CODE_OF = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: code for code, dt in IDX_DTYPES.items()}


def idx_bytes(
    arr: np.ndarray, *, dims: tuple[int, ...] | None = None, code: int | None = None
) -> bytes:
    """Encode ``arr`` as IDX; ``dims``/``code`` override the header to fake damaged files."""
    native = arr.dtype.newbyteorder("=")
    code = CODE_OF[native] if code is None else code
    dims = arr.shape if dims is None else dims
    header = bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + arr.astype(native.newbyteorder(">")).tobytes()


def write(path: Path, data: bytes, gz: bool = False) -> Path:
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


# ---- valid files -------------------------------------------------------------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    arr=st.sampled_from(sorted(CODE_OF, key=str)).flatmap(
        lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5))
    ),
    gz=st.booleans(),
)
def test_round_trip_every_type(tmp_path: Path, arr: np.ndarray, gz: bool) -> None:
    out = read_idx(write(tmp_path / "a.idx", idx_bytes(arr), gz))
    assert out.dtype == arr.dtype and out.dtype.isnative
    assert out.shape == arr.shape
    np.testing.assert_array_equal(out, arr)  # NaNs compare equal here
    assert out.flags.writeable


def test_big_endian_values_are_converted(tmp_path: Path) -> None:
    raw = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2]) + b"\x01\x02\xff\xfe"  # int16 258 and -2, big-endian
    out = read_idx(write(tmp_path / "be", raw))
    assert out.dtype == np.int16 and out.dtype.isnative
    assert out.tolist() == [258, -2]


def test_gzip_detected_by_magic_not_name(tmp_path: Path) -> None:
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(
        read_idx(write(tmp_path / "no-suffix", idx_bytes(arr), gz=True)), arr
    )
    np.testing.assert_array_equal(read_idx(write(tmp_path / "plain.gz", idx_bytes(arr))), arr)


def test_real_mnist_files() -> None:
    labels = read_idx(mnist_dir() / "t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]  # the well-known first test digits
    test_images = read_idx(mnist_dir() / "t10k-images-idx3-ubyte.gz")
    assert test_images.shape == (10000, 28, 28) and test_images.dtype == np.uint8
    assert test_images[0, 0].tolist() == [0] * 28 and test_images[0].max() == 255


def test_64_dims_is_the_most() -> None:
    assert IDX_MAX_DIMS == 64


def test_64_dims_read(tmp_path: Path) -> None:
    arr = np.arange(2, dtype=np.uint8).reshape((2,) + (1,) * 63)
    out = read_idx(write(tmp_path / "deep", idx_bytes(arr)))
    assert out.shape == arr.shape and out.ravel().tolist() == [0, 1]


# ---- damaged files -----------------------------------------------------------------------------


def raises_idx(path: Path, *fragments: str) -> IDXError:
    with pytest.raises(IDXError) as info:
        read_idx(path)
    msg = str(info.value)
    assert str(path) in msg, msg
    for fragment in fragments:
        assert fragment in msg, msg
    return info.value


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path: Path, gz: bool) -> None:
    data = idx_bytes(np.zeros((3, 2, 2), np.uint8))[:-7]  # 12 data bytes declared, 5 present
    raises_idx(write(tmp_path / "img.gz", data, gz), "truncated", "3x2x2 uint8 = 12 bytes", "has 5")


def test_truncated_real_size_message(tmp_path: Path) -> None:
    path = write(
        tmp_path / "train-images-idx3-ubyte",
        idx_bytes(np.zeros(1234, np.uint8), dims=(60000, 28, 28)),
    )
    raises_idx(
        path, "truncated: header says 60000x28x28 uint8 = 47040000 bytes of data, file has 1234"
    )


@pytest.mark.parametrize("gz", [False, True])
def test_more_than_64_dims(tmp_path: Path, gz: bool) -> None:
    # numpy arrays have at most 64 dimensions: 65 must be an IDXError, not numpy's ValueError.
    data = idx_bytes(np.zeros(1, np.uint8), dims=(1,) * 65)
    error = raises_idx(write(tmp_path / "deep", data, gz), "65 dimensions", "at most 64")
    assert type(error) is IDXError
    raises_idx(write(tmp_path / "deepest", bytes([0, 0, 8, 255]) + b"\0" * 1020), "255 dim")


def test_absurd_header_does_not_allocate(tmp_path: Path) -> None:
    # 4e9^3 bytes declared: refused at once from the header alone, not with MemoryError.
    path = write(tmp_path / "huge", idx_bytes(np.zeros(4, np.uint8), dims=(4_000_000_000,) * 3))
    raises_idx(path, "too large", "4000000000x4000000000x4000000000 uint8", "max_bytes")


def test_declared_size_over_max_bytes_is_refused_before_reading(tmp_path: Path) -> None:
    # A gzip bomb: 64 MiB of zeros that compress to 64 KiB, declared honestly in the header.
    n = 64 << 20
    path = write(tmp_path / "bomb.gz", idx_bytes(np.zeros(n, np.uint8)), gz=True)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(IDXError) as info:
            read_idx(path, max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (f"{path}: too large: header says {n} uint8 = {n} bytes of data, over the limit "
            f"max_bytes=1048576") == str(info.value)  # fmt: skip
    assert peak < 4 << 20, f"{peak} bytes allocated before refusing"
    assert read_idx(path, max_bytes=n).shape == (n,)  # allowed when the caller says so
    assert IDX_MAX_BYTES == 1 << 30


def test_trailing_bomb_is_not_inflated_to_the_end(tmp_path: Path) -> None:
    data = idx_bytes(np.zeros(4, np.uint8)) + b"\0" * (8 << 20)
    path = write(tmp_path / "tail.gz", data, gz=True)
    with pytest.raises(IDXError, match=r"trailing bytes: .* has more than 1048580 \(over "
                                       r"1048576 extra\)"):  # fmt: skip
        read_idx(path, max_bytes=1 << 20)


@pytest.mark.parametrize("gz", [False, True])
def test_trailing_bytes(tmp_path: Path, gz: bool) -> None:
    data = idx_bytes(np.zeros(4, np.uint8)) + b"xyz"
    raises_idx(write(tmp_path / "lbl", data, gz), "trailing bytes", "4 uint8 = 4 bytes", "3 extra")


def test_header_count_larger_than_data(tmp_path: Path) -> None:
    raises_idx(
        write(tmp_path / "lbl", idx_bytes(np.zeros(10, np.uint8), dims=(11,))),
        "truncated",
        "= 11 bytes",
    )


def test_bad_magic(tmp_path: Path) -> None:
    raises_idx(
        write(tmp_path / "m", b"\x12\x34\x56\x78" + bytes(8)), "bad magic 0x12345678", "0x0000TTNN"
    )


def test_unknown_type_code(tmp_path: Path) -> None:
    raises_idx(
        write(tmp_path / "t", bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 0])), "unknown type code 0x0a"
    )


def test_zero_dims(tmp_path: Path) -> None:
    raises_idx(write(tmp_path / "z", bytes([0, 0, 8, 0])), "0 dimensions")


@pytest.mark.parametrize("data", [b"", b"\x00\x00"])
def test_too_short_for_header(tmp_path: Path, data: bytes) -> None:
    raises_idx(write(tmp_path / "s", data), "too short", f"has {len(data)} bytes")


def test_truncated_dims(tmp_path: Path) -> None:
    raises_idx(write(tmp_path / "d", bytes([0, 0, 8, 3, 0, 0, 0, 1])), "truncated header", "3 dims")


def test_gzip_stream_cut_off(tmp_path: Path) -> None:
    blob = gzip.compress(idx_bytes(np.arange(5000, dtype=np.int32)))
    raises_idx(write(tmp_path / "cut.gz", blob[: len(blob) // 2]), "corrupt gzip stream")


def test_gzip_stream_garbled(tmp_path: Path) -> None:
    blob = bytearray(gzip.compress(idx_bytes(np.arange(5000, dtype=np.int32))))
    blob[20:60] = bytes(range(40))  # scribble over the deflate data
    raises_idx(write(tmp_path / "bad.gz", bytes(blob)), "corrupt gzip stream")


def test_gzip_crc_mismatch(tmp_path: Path) -> None:
    blob = bytearray(gzip.compress(idx_bytes(np.arange(10, dtype=np.uint8))))
    blob[-8] ^= 0xFF  # the CRC32 in the trailer: data decompresses fine but does not match
    raises_idx(write(tmp_path / "crc.gz", bytes(blob)), "corrupt gzip stream", "CRC")


def test_idx_error_is_value_error_and_missing_file_is_not(tmp_path: Path) -> None:
    assert issubclass(IDXError, ValueError)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")
