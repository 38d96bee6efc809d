"""Checkpoints: exact round trips, clear errors for every kind of bad file, never unpickling,
and atomic saves."""

from __future__ import annotations

import io
import os
import pickle
import signal
import stat
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_np import Tensor
from tinygrad_np.nn import CheckpointError, Linear, Module, StateDictError, load_state, save_state


class MLP(Module):
    def __init__(self, seed: int, hidden: int = 8) -> None:
        rng = np.random.default_rng(seed)
        self.fc1 = Linear(4, hidden, init="he", rng=rng)
        self.fc2 = Linear(hidden, 3, rng=rng)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


X = np.random.default_rng(123).standard_normal((10, 4)).astype(np.float32)


def saved_model(tmp_path: Path) -> Path:
    path = tmp_path / "model.npz"
    model = MLP(seed=0)
    model.fc1.bias.data[...] = np.arange(8)          # non-zero biases are part of the test
    model.save(path)
    return path


def test_round_trip_gives_identical_predictions(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    original = MLP(seed=0)
    original.fc2.bias.data[...] = [0.5, -1.0, 2.0]
    original.save(path)
    fresh = MLP(seed=1)
    arrays = [p.data for p in fresh.parameters()]
    assert not np.array_equal(fresh(X).data, original(X).data)
    fresh.load(path)
    np.testing.assert_array_equal(fresh(X).data, original(X).data)
    assert all(p.data is a for p, a in zip(fresh.parameters(), arrays))   # loaded in place
    assert all(p.dtype == np.float32 for p in fresh.parameters())


def test_file_is_a_standard_npz_in_parameter_order(tmp_path: Path) -> None:
    path = saved_model(tmp_path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
        np.testing.assert_array_equal(archive["fc1.bias"], np.arange(8, dtype=np.float32))


def test_save_state_and_load_state_with_raw_tensors(tmp_path: Path) -> None:
    W1 = Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)  # noqa: N806
    b1 = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    state = {"W1": W1, "b1": b1, "step": np.array(7), "file": np.ones(1),
             "allow_pickle": np.zeros(1)}     # names np.savez could not take as keywords
    path = tmp_path / "raw.npz"
    save_state(path, state)
    loaded = load_state(path)
    assert list(loaded) == list(state)
    np.testing.assert_array_equal(loaded["W1"], W1.data)
    assert loaded["W1"].dtype == np.float64 and loaded["b1"].dtype == np.float32
    assert loaded["step"].dtype == np.array(7).dtype and loaded["step"] == 7
    assert all(type(v) is np.ndarray for v in loaded.values())


def test_path_is_used_exactly_as_given(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "weights"            # no suffix, directory not there yet
    save_state(path, {"w": np.ones(2)})
    assert sorted(p.name for p in path.parent.iterdir()) == ["weights"]
    np.testing.assert_array_equal(load_state(str(path))["w"], np.ones(2))


def test_load_reports_missing_unexpected_and_shape_mismatch_with_the_file(tmp_path: Path) -> None:
    path = saved_model(tmp_path)

    class Bigger(MLP):
        def __init__(self) -> None:
            super().__init__(seed=0)
            self.fc3 = Linear(3, 3, rng=0)

    with pytest.raises(StateDictError, match=r"model\.npz: .*missing key 'fc3\.weight'"):
        Bigger().load(path)

    class Smaller(Module):
        def __init__(self) -> None:
            self.fc1 = Linear(4, 8, rng=0)

    with pytest.raises(StateDictError, match=r"unexpected key 'fc2\.weight' .*\(8, 3\)"):
        Smaller().load(path)
    with pytest.raises(StateDictError, match=r"shape mismatch for 'fc1\.weight': state has "
                                             r"\(4, 8\), model has \(4, 16\)"):
        MLP(seed=0, hidden=16).load(path)


def test_truncated_file(tmp_path: Path) -> None:
    path = saved_model(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"model\.npz: damaged or unsupported checkpoint"):
        MLP(seed=1).load(path)


def test_not_a_zip_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("these are not weights\n")
    with pytest.raises(CheckpointError, match=r"notes\.npz: not an \.npz checkpoint \(a file "
                                              r"starting with b'thes'"):
        load_state(path)
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="an empty file"):
        load_state(path)
    np.save(tmp_path / "single.npy", np.ones(3))   # a lone .npy is not a checkpoint either
    with pytest.raises(CheckpointError, match=r"single\.npy: not an \.npz checkpoint"):
        load_state(tmp_path / "single.npy")


def test_object_array_is_refused_without_unpickling(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.ones(2), payload=np.array([{"run": "code"}], dtype=object))

    def refuse(*args, **kwargs):
        raise AssertionError("the checkpoint loader called pickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    with pytest.raises(CheckpointError, match=r"evil\.npz: member 'payload' is an object "
                                              r"array, which only pickle can read"):
        load_state(path)


def test_archive_member_that_is_not_an_array(tmp_path: Path) -> None:
    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match=r"odd\.npz: member 'readme\.txt' is not a \.npy"):
        load_state(path)


def test_missing_file_stays_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load_state(tmp_path / "nowhere.npz")


def test_object_arrays_are_refused_before_writing(tmp_path: Path) -> None:
    path = saved_model(tmp_path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="'bad' is an object array"):
        save_state(path, {"bad": np.array([None])})
    with pytest.raises(TypeError, match="keys must be non-empty strings"):
        save_state(path, {3: np.ones(1)})  # type: ignore[dict-item]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_failed_save_keeps_the_previous_checkpoint_and_no_temp_file(tmp_path: Path,
                                                                    monkeypatch) -> None:
    path = saved_model(tmp_path)
    before = path.read_bytes()
    real_write = np.lib.format.write_array
    written = []

    def write_then_fail(fp, array, *args, **kwargs):
        if written:                                # the first array goes out, then failure
            raise OSError("disk full")
        written.append(array)
        return real_write(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        MLP(seed=5).save(path)
    assert len(written) == 1                       # it really failed midway
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    monkeypatch.undo()
    restored = MLP(seed=9)
    restored.load(path)
    np.testing.assert_array_equal(restored.fc1.bias.data, np.arange(8, dtype=np.float32))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_files_load_or_raise_checkpoint_error(tmp_path: Path, data) -> None:
    """Whatever bytes are changed or cut, loading either works or raises CheckpointError."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for key, value in {"w": np.arange(6.0).reshape(2, 3), "b": np.ones(3, np.float32)}.items():
            with archive.open(key + ".npy", "w") as member:
                np.lib.format.write_array(member, value)
    good = bytearray(buffer.getvalue())
    damage = data.draw(st.sampled_from(["flip", "cut"]))
    if damage == "cut":
        good = good[: data.draw(st.integers(0, len(good) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 4))):
            good[data.draw(st.integers(0, len(good) - 1))] ^= data.draw(st.integers(1, 255))
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(good))
    try:
        state = load_state(path)
    except CheckpointError as err:
        assert "damaged.npz" in str(err)
    else:
        assert all(isinstance(v, np.ndarray) for v in state.values())


# -- sizes are bounded before allocating (issue 12) ------------------------------------------------
def _zip_of_one_member(name: str, payload_chunks, crc: int, size: int, method: int) -> bytes:
    """A zip archive written by hand around an already compressed member, so a test can make
    one that unpacks to gigabytes without ever holding them."""
    data = b"".join(payload_chunks)
    name_bytes = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data),
                        size, len(name_bytes), 0) + name_bytes
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                          len(data), size, len(name_bytes), 0, 0, 0, 0, 0, 0) + name_bytes
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)
    return local + data + central + end


def _npy_header(shape, descr="<f8") -> bytes:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return header.getvalue()


def test_a_2_mb_zip_declaring_a_2_gb_array_is_refused_before_allocating(tmp_path: Path) -> None:
    """A valid archive (real deflate stream, right CRC) of one float64 array of 2**28
    elements: 2 GiB of zeros that compress to ~2 MB."""
    header = _npy_header((1 << 28,))
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    # after a full flush the compressor starts afresh, so every 1 MiB of zeros compresses the
    # same: compress one and repeat it 2048 times
    first = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(header)
    for _ in range(2048):
        crc = zlib.crc32(chunk, crc)
    size = len(header) + 2048 * len(chunk)
    stream = [first] + [block] * 2048 + [compressor.flush()]
    path = tmp_path / "bomb.npz"
    path.write_bytes(_zip_of_one_member("w.npy", stream, crc, size, zipfile.ZIP_DEFLATED))
    assert path.stat().st_size < 3_000_000
    with zipfile.ZipFile(path) as archive:  # a sound archive: zip's own check passes
        assert archive.infolist()[0].file_size == size
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"bomb\.npz: the checkpoint unpacks to "
                                                  r"2,147,483,776 bytes, more than "
                                                  r"max_bytes=1,073,741,824"):
            load_state(path)
        with pytest.raises(CheckpointError, match="max_bytes=1,000"):
            load_state(path, max_bytes=1000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # nothing array-sized was allocated


def test_a_header_declaring_more_than_its_member_holds_is_refused(tmp_path: Path) -> None:
    header = _npy_header((1 << 28,))
    payload = header + bytes(16)
    path = tmp_path / "liar.npz"
    path.write_bytes(_zip_of_one_member("w.npy", [payload], zlib.crc32(payload), len(payload),
                                        zipfile.ZIP_STORED))
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"liar\.npz: member 'w' declares shape "
                                                  r"\(268435456,\) of float64 \(2,147,483,648 "
                                                  r"bytes\) but holds 16 bytes"):
            load_state(path, max_bytes=1 << 40)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_max_bytes_counts_the_unpacked_members(tmp_path: Path) -> None:
    path = tmp_path / "small.npz"
    state = {"w": np.arange(12.0).reshape(3, 4), "b": np.ones(3, np.float32)}
    save_state(path, state)
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    loaded = load_state(path, max_bytes=unpacked)
    assert list(loaded) == ["w", "b"]
    for key, value in state.items():
        np.testing.assert_array_equal(loaded[key], value)
        assert loaded[key].dtype == value.dtype and loaded[key].flags.writeable
    with pytest.raises(CheckpointError, match=rf"unpacks to {unpacked:,} bytes"):
        load_state(path, max_bytes=unpacked - 1)


def test_fortran_order_and_big_endian_arrays_load_as_numpy_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "orders.npz"
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    big = np.arange(4, dtype=">i4")
    np.savez(path, f=fortran, big=big, empty=np.zeros((0, 3)), scalar=np.float32(2.5))
    loaded = load_state(path)
    with np.load(path) as reference:
        for key in reference.files:
            np.testing.assert_array_equal(loaded[key], reference[key])
            assert loaded[key].dtype == reference[key].dtype
            assert loaded[key].shape == reference[key].shape


# -- saving over files, links and crashes (issue 12) ------------------------------------------
@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_saving_over_a_checkpoint_keeps_its_permission_bits(tmp_path: Path) -> None:
    path = tmp_path / "shared.npz"
    save_state(path, {"w": np.ones(2)})
    os.chmod(path, 0o640)
    save_state(path, {"w": np.zeros(2)})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    np.testing.assert_array_equal(load_state(path)["w"], np.zeros(2))
    os.chmod(path, 0o604)
    Linear(2, 2).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604


def test_saving_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real_dir = tmp_path / "runs" / "today"
    real_dir.mkdir(parents=True)
    target = real_dir / "weights.npz"
    save_state(target, {"w": np.ones(2)})
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    save_state(link, {"w": np.full(2, 7.0)})
    assert link.is_symlink() and link.resolve() == target.resolve()
    np.testing.assert_array_equal(load_state(target)["w"], [7.0, 7.0])
    assert sorted(p.name for p in real_dir.iterdir()) == ["weights.npz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.npz", "runs"]
    dangling = tmp_path / "next.npz"
    dangling.symlink_to(real_dir / "new.npz")
    save_state(dangling, {"w": np.ones(1)})
    assert dangling.is_symlink() and (real_dir / "new.npz").is_file()


_KILLED_MIDWAY = """
import os, signal, sys
import numpy as np
from tinygrad_np.nn import save_state
real = np.lib.format.write_array
def write_then_die(fp, array, *args, **kwargs):
    real(fp, array, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # no finally, no atexit: as a power cut
np.lib.format.write_array = write_then_die
save_state(sys.argv[1], {"w": np.ones(1000), "b": np.ones(10)})
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_a_save_killed_midway_leaves_its_temp_file_only_until_the_next_save(tmp_path) -> None:
    path = tmp_path / "model.npz"
    save_state(path, {"w": np.zeros(3)})
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-c", _KILLED_MIDWAY, str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "model.npz")
    assert len(left) == 1 and left[0].startswith(".model.") and left[0].endswith(".tmp.npz")
    assert path.read_bytes() == before  # the old checkpoint is intact
    # a temp file of a writer that is still alive (here: this process's parent) is kept
    alive = tmp_path / f".model.{os.getppid()}-0123abcd.tmp.npz"
    alive.write_bytes(b"in progress")
    save_state(path, {"w": np.ones(3)})
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name, "model.npz"]
    np.testing.assert_array_equal(load_state(path)["w"], np.ones(3))


def test_a_key_containing_nul_is_refused_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    with pytest.raises(ValueError, match=r"key 'w\\x00evil' contains a NUL"):
        save_state(path, {"w\x00evil": np.ones(1)})
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_a_pytorch_style_nested_checkpoint_names_what_saves_it(tmp_path: Path) -> None:
    from tinygrad_np.optim import SGD, load_training_state, save_training_state
    model = MLP(seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    path = tmp_path / "run.npz"
    torch_style = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}
    with pytest.raises(TypeError, match=r"'model' is a nested dict; save_state takes one flat "
                                        r"dict of name -> array\. To save a model with its "
                                        r"optimizer .*tinygrad_np\.optim\.save_training_state"
                                        r"\(path, model, optimizer, scheduler\)"):
        save_state(path, torch_style)
    with pytest.raises(TypeError, match=r"'groups' is a nested list.*state_to_arrays"):
        save_state(path, {"groups": [{"lr": 0.1}]})
    with pytest.raises(TypeError, match=r"'ragged' is not one array \(setting an array"):
        save_state(path, {"ragged": [np.ones(2), np.ones(3)]})
    assert not path.exists()  # refused before writing
    save_training_state(path, model, optimizer)  # what the message points to, working
    load_training_state(path, MLP(seed=1), SGD(MLP(seed=1).parameters(), lr=0.1, momentum=0.9))
