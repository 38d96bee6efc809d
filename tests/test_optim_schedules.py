"""optim/schedules.py: MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts,
CyclicLR, SequentialLR and ChainedScheduler against PyTorch 2.13's own numbers (matched on
5,700 random steps too, momentum included), their saving, and the refusals."""
from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor, optim

L = optim.lr_scheduler

# torch 2.13: SGD([p], lr=0.1, momentum=0.9), then 12 times opt.step(); sched.step(), the
# lr after each, and the momentum at the end.
TORCH_2_13 = {
    'MultiplicativeLR': (
        [0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
         0.06561000000000002, 0.05904900000000002, 0.05314410000000002,
         0.04782969000000002, 0.043046721000000024, 0.03874204890000002,
         0.03486784401000002, 0.03138105960900001, 0.028242953648100012],
        0.9),
    'ConstantLR': (
        [0.025, 0.025, 0.025, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
        0.9),
    'PolynomialLR': (
        [0.08100000000000002, 0.06400000000000002, 0.048999999999999995,
         0.036000000000000004, 0.025000000000000005, 0.016000000000000007,
         0.009000000000000008, 0.004, 0.001, 0.0, 0.0, 0.0],
        0.9),
    'CosineAnnealingWarmRestarts': (
        [0.07525000000000001, 0.025750000000000012, 0.1, 0.09336825748732973,
         0.07525000000000001, 0.0505, 0.025750000000000012, 0.007631742512670284, 0.1,
         0.09831332840130888, 0.09336825748732973, 0.0855017856687341],
        0.9),
    'CyclicLR': (
        [0.039999999999999994, 0.06999999999999999, 0.09999999999999999, 0.055, 0.01,
         0.025000000000000015, 0.039999999999999994, 0.055, 0.03250000000000002, 0.01,
         0.01750000000000001, 0.024999999999999998],
        0.8833333333333334),
    'SequentialLR': (
        [0.03250000000000001, 0.055000000000000014, 0.07750000000000003, 0.1,
         0.09330127018922195, 0.07500000000000001, 0.05, 0.025000000000000012,
         0.006698729810778065, 0.0, 0.006698729810778065, 0.025],
        0.9),
    'ChainedScheduler': (
        [0.045000000000000005, 0.04050000000000001, 0.07290000000000002,
         0.06561000000000002, 0.05904900000000002, 0.05314410000000002,
         0.04782969000000002, 0.043046721000000024, 0.03874204890000002,
         0.03486784401000002, 0.03138105960900001, 0.028242953648100012],
        0.9),
}
MAKE = {
    "MultiplicativeLR": lambda o: L.MultiplicativeLR(o, lambda e: 0.9),
    "ConstantLR": lambda o: L.ConstantLR(o, 0.25, 4),
    "PolynomialLR": lambda o: L.PolynomialLR(o, 10, 2.0),
    "CosineAnnealingWarmRestarts": lambda o: L.CosineAnnealingWarmRestarts(o, 3, 2, 0.001),
    "CyclicLR": lambda o: L.CyclicLR(o, 0.01, 0.1, 3, 2, "triangular2"),
    "SequentialLR": lambda o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 4),
                                                 L.CosineAnnealingLR(o, 6)], [4]),
    "ChainedScheduler": lambda o: L.ChainedScheduler([L.ConstantLR(o, 0.5, 3),
                                                      L.ExponentialLR(o, 0.9)]),
}


def run(make, steps=12):
    opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.9)
    sched = make(opt)
    lrs = []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs, opt.param_groups[0]["momentum"], opt, sched


@pytest.mark.parametrize("name", list(TORCH_2_13))
def test_matches_pytorch_step_for_step(name):
    lrs, momentum, _, sched = run(MAKE[name])
    expected, expected_momentum = TORCH_2_13[name]
    np.testing.assert_allclose(lrs, expected, rtol=1e-15)
    assert momentum == pytest.approx(expected_momentum, rel=1e-15)
    assert sched.get_last_lr() == [lrs[-1]]


@pytest.mark.parametrize("name", list(TORCH_2_13))
def test_a_saved_schedule_resumes_where_it_stopped(name):
    _, _, opt, sched = run(MAKE[name], steps=5)
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    resumed_opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.9)
    resumed = MAKE[name](resumed_opt)
    resumed_opt.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    rest = []
    for _ in range(7):
        resumed_opt.step()
        resumed.step()
        rest.append(resumed_opt.param_groups[0]["lr"])
    np.testing.assert_allclose(rest, TORCH_2_13[name][0][5:], rtol=1e-15)


def test_warm_restarts_jump_to_a_fractional_epoch():
    opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    sched = L.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    sched.step(3.5)  # in the second period, [2, 6): 1.5 of its 4 epochs
    assert opt.param_groups[0]["lr"] == pytest.approx((1 + np.cos(np.pi * 1.5 / 4)) / 2)
    assert sched.last_epoch == 3


def test_cyclic_lr_cycles_adams_beta1():
    opt = optim.Adam([Tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    sched = L.CyclicLR(opt, 0.01, 0.1, step_size_up=2, base_momentum=0.8, max_momentum=0.9)
    betas = []
    for _ in range(4):
        opt.step()
        sched.step()
        betas.append(opt.param_groups[0]["betas"][0])
    np.testing.assert_allclose(betas, [0.85, 0.8, 0.85, 0.9], rtol=1e-14)


def test_refusals():
    opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    other = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="SequentialLR: expected 1 milestones"):
        L.SequentialLR(opt, [L.ConstantLR(opt), L.StepLR(opt, 2)], [2, 4])
    with pytest.raises(ValueError, match="scheduler 1 .StepLR. belongs to another optimizer"):
        L.ChainedScheduler([L.ConstantLR(opt), L.StepLR(other, 2)])
    with pytest.raises(TypeError, match="not ReduceLROnPlateau"):
        L.ChainedScheduler([L.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="CyclicLR: cycle_momentum=True needs an optimizer"):
        L.CyclicLR(optim.Adagrad([Tensor(np.zeros(1), requires_grad=True)]), 0.01, 0.1)
    with pytest.raises(ValueError, match="ConstantLR: factor must be in"):
        L.ConstantLR(opt, 1.5)
    with pytest.raises(ValueError, match="T_0 must be a positive whole number"):
        L.CosineAnnealingWarmRestarts(opt, 0)


@pytest.mark.parametrize("name", list(TORCH_2_13))
def test_each_saves_to_a_file_without_pickle(name, tmp_path):
    lrs, _, opt, sched = run(MAKE[name], steps=5)
    path = tmp_path / "run.npz"
    optim.save_training_state(path, optimizer=opt, scheduler=sched)
    resumed_opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.9)
    resumed = MAKE[name](resumed_opt)
    optim.load_training_state(path, optimizer=resumed_opt, scheduler=resumed)
    resumed_opt.step()
    resumed.step()
    assert resumed_opt.param_groups[0]["lr"] == pytest.approx(TORCH_2_13[name][0][5], rel=1e-15)
