"""Resuming a run exactly: 2 epochs in one go equal 1 epoch, a save of model, optimizer and
schedule, a load in a fresh process and 1 more epoch, bit for bit (real Fashion-MNIST images,
every optimizer, a schedule each, gradient clipping)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from real_data import fashion_dir
from resume_run import CONFIGS, build, data, train_epoch

from tinygrad_np import nn, optim

HERE = Path(__file__).resolve().parent


def test_two_epochs_equal_one_then_a_resume_in_a_fresh_process(tmp_path) -> None:
    folder = fashion_dir()
    x, y = data(folder)
    straight = {}
    for index, (name, _, _) in enumerate(CONFIGS):
        model, opt, sched = build(index)
        train_epoch(model, opt, sched, x, y, epoch=0)
        optim.save_training_state(tmp_path / f"{name}.npz", model, opt, sched)
        train_epoch(model, opt, sched, x, y, epoch=1)
        straight[name] = (model.state_dict(), sched.get_last_lr())
    out = tmp_path / "resumed.npz"
    subprocess.run([sys.executable, str(HERE / "resume_run.py"), str(tmp_path), str(out),
                    str(folder)], check=True, timeout=120)
    resumed = nn.load_state(out)
    for name, (weights, lrs) in straight.items():
        assert resumed[f"{name}/lr"].tolist() == lrs, name
        for key, value in weights.items():
            np.testing.assert_array_equal(resumed[f"{name}/{key}"], value, err_msg=name)
        # ... and training moved the weights: the comparison is not of two untouched copies
        start = build(CONFIGS.index(next(c for c in CONFIGS if c[0] == name)))[0]
        assert not np.array_equal(start.state_dict()["layers.0.weight"],
                                  weights["layers.0.weight"]), name


def test_a_resume_without_the_optimizer_state_differs(tmp_path) -> None:
    # The control: what the test above rules out. Loading only the model (fresh optimizer
    # state, fresh schedule) gives other weights after the second epoch.
    x, y = data(fashion_dir())
    index = 1                                            # Adam: moments matter
    model, opt, sched = build(index)
    train_epoch(model, opt, sched, x, y, epoch=0)
    optim.save_training_state(tmp_path / "run.npz", model, opt, sched)
    train_epoch(model, opt, sched, x, y, epoch=1)
    other, other_opt, other_sched = build(index, seed=100)
    optim.load_training_state(tmp_path / "run.npz", model=other)
    train_epoch(other, other_opt, other_sched, x, y, epoch=1)
    assert not np.array_equal(other.state_dict()["layers.0.weight"],
                              model.state_dict()["layers.0.weight"])
