"""Checkpoints: exact round trips, clear errors for every kind of bad file, never unpickling,
and atomic saves."""

from __future__ import annotations

import io
import pickle
import zipfile
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
    W1 = Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
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
    calls = []
    real_load = np.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", spy)
    with pytest.raises(CheckpointError, match=r"evil\.npz: member 'payload' is an object "
                                              r"array, which only pickle can read"):
        load_state(path)
    assert calls == [False]


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
