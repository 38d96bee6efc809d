"""benchmarks/conv_step.py: the LeNet-5 steps it times compute the same training step.

No timing here (the lead runs the benchmark on an idle machine); from the same start, the
eager and the jitted tinygrad_np steps give the same loss and updated weights, and the check
rejects an implementation that differs. (PyTorch's step joins the check when torch is
installed, which CI does not have.)
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import conv_step  # noqa: E402


@pytest.mark.parametrize("batch", [2, 9])
def test_eager_and_jitted_lenet_steps_agree_and_learn(batch):
    problem = conv_step.make_problem(batch)
    impls = {"tinygrad_np": conv_step.tinygrad_step(problem),
             "tinygrad_np jit": conv_step.tinygrad_step(problem, jitted=True)}
    conv_step.check_agreement(impls, problem, steps=4)  # jit: eager, record, replays
    step, weights = impls["tinygrad_np"]
    for name, array in zip(conv_step.SHAPES, weights()):  # SGD moved every weight
        assert not np.array_equal(array, problem[name]), name
    first = step(problem["x"], problem["y"])
    for _ in range(20):
        last = step(problem["x"], problem["y"])
    assert last < first  # the same batch again and again: the loss falls


def test_agreement_check_rejects_a_different_step():
    problem = conv_step.make_problem(2)
    step, weights = conv_step.tinygrad_step(problem)

    def off_by_a_little(x, y):
        loss = step(x, y)
        weights()[2][0, 0, 0, 0] += 1e-3  # conv 2's weight, updated in place by the step
        return loss

    impls = {"tinygrad_np": conv_step.tinygrad_step(problem), "wrong": (off_by_a_little, weights)}
    with pytest.raises(AssertionError, match="wrong: updated c2w differs"):
        conv_step.check_agreement(impls, problem)

