"""Optimizer and scheduler state as named arrays (no pickle) and the one-file training
checkpoint: exact round trips of every type, clear refusals, loads that change nothing when
they fail."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from tinygrad_np import Tensor, nn, optim
from tinygrad_np.nn import CheckpointError
from tinygrad_np.optim import (
    load_training_state,
    save_training_state,
    state_from_arrays,
    state_to_arrays,
)
from tinygrad_np.optim import lr_scheduler as S


def test_round_trip_keeps_types_and_bits() -> None:
    m = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    state = {"state": {0: {"step": 7, "exp_avg": m, "flag": True}, 3: {}},
             "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 3],
                               "name": "body", "none": None, "best": math.inf}],
             "milestones": Counter({2: 1, 5: 2}), "nan": math.nan}
    back = state_from_arrays(state_to_arrays(state, prefix="opt."), prefix="opt.")
    assert list(back["state"]) == [0, 3]                         # integer keys, in order
    assert back["state"][0]["step"] == 7 and type(back["state"][0]["step"]) is int
    assert back["state"][0]["flag"] is True
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], m)
    assert back["state"][0]["exp_avg"].dtype == np.float32
    group = back["param_groups"][0]
    assert group["betas"] == (0.9, 0.999) and isinstance(group["betas"], tuple)
    assert group["params"] == [0, 3] and group["none"] is None and group["best"] == math.inf
    assert group["lr"] == 0.1 and back["milestones"] == {2: 1, 5: 2}
    assert math.isnan(back["nan"])


def test_numpy_scalars_become_python_numbers() -> None:
    back = state_from_arrays(state_to_arrays({"a": np.float64(0.25), "b": np.int64(3)}))
    assert back == {"a": 0.25, "b": 3} and type(back["b"]) is int


def test_what_needs_pickle_is_refused_with_its_place() -> None:
    with pytest.raises(TypeError, match=r"the state\['fn'\] is a function"):
        state_to_arrays({"fn": lambda: 1})
    with pytest.raises(TypeError, match="object array"):
        state_to_arrays({"a": np.array([object()])})
    with pytest.raises(TypeError, match="has a key"):
        state_to_arrays({(1, 2): 3})


def test_damaged_trees_raise_checkpoint_error() -> None:
    arrays = state_to_arrays({"x": np.ones(2)})
    with pytest.raises(CheckpointError, match="no 'tree' entry"):
        state_from_arrays({})
    with pytest.raises(CheckpointError, match="array '0' is missing"):
        state_from_arrays({"tree": arrays["tree"]})
    with pytest.raises(CheckpointError, match="not valid JSON"):
        state_from_arrays({"tree": np.frombuffer(b"{oops", dtype=np.uint8)})
    with pytest.raises(CheckpointError, match="unexpected entry"):
        state_from_arrays({"tree": np.frombuffer(b'{"pickle": 1}', dtype=np.uint8)})


def small_run(seed: int = 0):
    model = nn.Sequential(nn.Linear(4, 3, rng=seed), nn.ReLU(), nn.Linear(3, 2, rng=seed + 1))
    opt = optim.Adam(model.parameters(), lr=0.1)
    sched = S.StepLR(opt, step_size=2)
    x = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    y = np.arange(8) % 2
    for _ in range(3):
        opt.zero_grad()
        model(x).softmax_cross_entropy(y).backward()
        opt.step()
        sched.step()
    return model, opt, sched


def test_training_state_file_round_trip(tmp_path) -> None:
    model, opt, sched = small_run()
    path = tmp_path / "run.npz"
    save_training_state(path, model, opt, sched)
    assert np.load(path, allow_pickle=False).files     # a plain .npz, no pickle needed
    other, other_opt, other_sched = small_run(seed=5)
    load_training_state(path, other, other_opt, other_sched)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    for p, q in zip(opt.params, other_opt.params):
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(opt.state[p][key], other_opt.state[q][key])
        assert opt.state[p]["step"] == other_opt.state[q]["step"] == 3
    assert other_sched.last_epoch == 3 and other_sched.get_last_lr() == sched.get_last_lr()


def test_a_failed_load_changes_nothing(tmp_path) -> None:
    model, opt, sched = small_run()
    path = tmp_path / "run.npz"
    save_training_state(path, model, opt, sched)
    # the optimizer fits, the schedule does not (another kind): the model and the
    # optimizer, restored first, are put back
    other, other_opt, _ = small_run(seed=5)
    wrong = S.CosineAnnealingLR(other_opt, T_max=4)
    weights = other.state_dict()
    steps = [other_opt.state[p]["step"] for p in other_opt.params]
    lr = other_opt.lr
    with pytest.raises(ValueError, match="unexpected keys"):
        load_training_state(path, other, other_opt, wrong)
    for key, value in other.state_dict().items():
        np.testing.assert_array_equal(value, weights[key])
    assert [other_opt.state[p]["step"] for p in other_opt.params] == steps
    assert other_opt.lr == lr


def test_missing_parts_are_reported(tmp_path) -> None:
    model, opt, _ = small_run()
    path = tmp_path / "weights_only.npz"
    save_training_state(path, model)
    with pytest.raises(CheckpointError, match="holds no optimizer state"):
        load_training_state(path, model, opt)
    with pytest.raises(ValueError, match="nothing to save"):
        save_training_state(path)


def test_optimizer_state_dict_of_a_tensor_parameter_model() -> None:
    w = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = np.ones(2, dtype=np.float32)
    opt.step()
    back = state_from_arrays(state_to_arrays(opt.state_dict()))
    fresh = optim.SGD([Tensor(np.ones(2, dtype=np.float32), requires_grad=True)], lr=0.5)
    fresh.load_state_dict(back)
    assert fresh.lr == 0.1 and fresh.param_groups[0]["momentum"] == 0.9
