"""SGD and Adam against hand-written numpy updates, in place, dtype-preserving, and
able to fit a small regression."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor
from tinygrad_np.nn import Linear, Sequential
from tinygrad_np.optim import SGD, Adam, Optimizer

STEPS = 6


def make_params(dtype=np.float64, seed: int = 0) -> list[Tensor]:
    rng = np.random.default_rng(seed)
    return [Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
            for shape in [(3, 4), (4,), ()]]


def grads_for(step: int, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The same gradients, for the optimizer under test and for the reference, at `step`."""
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(np.shape(a)).astype(np.asarray(a).dtype) for a in arrays]


def run(opt: Optimizer, params: list[Tensor], steps: int = STEPS) -> list[np.ndarray]:
    """Step `opt` with fixed gradients; returns the parameter values after each step."""
    history = []
    for step in range(steps):
        for p, g in zip(params, grads_for(step, [p.data for p in params])):
            p.grad = g
        opt.step()
        history.append([p.data.copy() for p in params])
    return history


def sgd_reference(start, lr, momentum=0.0, weight_decay=0.0, nesterov=False, steps=STEPS):
    """PyTorch's SGD written out in numpy, the same arithmetic in the same order."""
    params = [p.copy() for p in start]
    buffers = [None] * len(params)
    history = []
    for step in range(steps):
        for i, g in enumerate(grads_for(step, params)):
            if weight_decay:
                g = g + weight_decay * params[i]
            if momentum:
                buffers[i] = g.copy() if buffers[i] is None else momentum * buffers[i] + g
                g = g + momentum * buffers[i] if nesterov else buffers[i]
            params[i] = params[i] - lr * g
        history.append([p.copy() for p in params])
    return history


def adam_reference(start, lr, betas, eps, weight_decay=0.0, steps=STEPS):
    """Adam as in the paper (bias-corrected m-hat and v-hat), plus L2 weight decay."""
    beta1, beta2 = betas
    params = [p.copy() for p in start]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    history = []
    for t in range(1, steps + 1):
        for i, g in enumerate(grads_for(t - 1, params)):
            g = g + weight_decay * params[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat = m[i] / (1 - beta1 ** t)
            v_hat = v[i] / (1 - beta2 ** t)
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append([p.copy() for p in params])
    return history


SGD_CASES = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.03, "momentum": 0.8, "weight_decay": 0.05, "nesterov": True},
]


@pytest.mark.parametrize("config", SGD_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in
                                                                     c.items()))
def test_sgd_matches_the_reference_exactly(config) -> None:
    params = make_params()
    expected = sgd_reference([p.data for p in params], **config)
    got = run(SGD(params, **config), params)
    for got_step, expected_step in zip(got, expected, strict=True):
        for a, b in zip(got_step, expected_step, strict=True):
            np.testing.assert_array_equal(a, b)


def test_sgd_momentum_by_hand() -> None:
    w = Tensor(np.array([1.0]), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.5)
    w.grad = np.array([2.0])
    opt.step()                    # b = 2 (the first step copies g), w = 1 - 0.1 * 2
    np.testing.assert_allclose(w.data, [0.8], rtol=0, atol=1e-15)
    w.grad = np.array([1.0])
    opt.step()                    # b = 0.5 * 2 + 1 = 2, w = 0.8 - 0.1 * 2
    np.testing.assert_allclose(w.data, [0.6], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(opt.state[w]["momentum_buffer"], [2.0])


@pytest.mark.parametrize("config", [{"lr": 0.01},
                                    {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6},
                                    {"lr": 0.05, "weight_decay": 0.1}])
def test_adam_matches_the_paper_formulas(config) -> None:
    params = make_params()
    full = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0} | config
    expected = adam_reference([p.data for p in params], **full)
    got = run(Adam(params, **config), params)
    for got_step, expected_step in zip(got, expected, strict=True):
        for a, b in zip(got_step, expected_step, strict=True):
            # PyTorch's arrangement of the same maths: equal up to float64 rounding.
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_adam_first_step_moves_each_weight_by_lr() -> None:
    w = Tensor(np.array([1.0, 1.0, 1.0]), requires_grad=True)
    w.grad = np.array([1e-3, -5.0, 300.0])
    Adam([w], lr=0.01, eps=0.0).step()        # m-hat / sqrt(v-hat) = sign(g) on step one
    np.testing.assert_allclose(w.data, [0.99, 1.01, 0.99], rtol=0, atol=1e-15)


OPTIMIZERS = [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda ps: Adam(ps, lr=0.1, weight_decay=1e-3),
]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=["sgd", "sgd-nesterov-wd", "adam-wd"])
def test_float32_stays_float32_in_params_and_state(make) -> None:
    params = make_params(np.float32)
    opt = make(params)
    run(opt, params)
    assert all(p.dtype == np.float32 for p in params)
    state = [a for p in params for a in opt.state.get(p, {}).values() if hasattr(a, "dtype")]
    assert state or isinstance(opt, SGD) and not opt.momentum
    assert all(a.dtype == np.float32 for a in state)


def test_numpy_float64_hyperparameters_make_no_float64_arithmetic() -> None:
    # Under numpy 2, np.float64(0.1) * float32 array is float64; the optimizer must use a
    # Python float, so the update is exactly the float32 arithmetic.
    params = make_params(np.float32)
    start = [p.data.copy() for p in params]
    opt = SGD(params, lr=np.float64(0.1))
    opt.lr = np.float64(0.1)                  # as a schedule might set it
    run(opt, params, steps=1)
    for p, p0, g in zip(params, start, grads_for(0, start)):
        np.testing.assert_array_equal(p.data, p0 - 0.1 * g)


@pytest.mark.parametrize("make", OPTIMIZERS, ids=["sgd", "sgd-nesterov-wd", "adam-wd"])
def test_updates_are_in_place_and_never_touch_grad(make) -> None:
    params = make_params(np.float32)
    arrays = [p.data for p in params]
    opt = make(params)
    shared = np.ones((4,), dtype=np.float32)        # one gradient array shared by two users
    params[1].grad = shared
    params[0].grad = np.full((3, 4), 0.5, dtype=np.float32)
    grad0 = params[0].grad
    for _ in range(3):
        opt.step()
    assert all(p.data is a for p, a in zip(params, arrays))
    assert params[1].grad is shared and np.all(shared == 1)
    assert params[0].grad is grad0 and np.all(grad0 == 0.5)
    for p in params:
        for buffer in opt.state.get(p, {}).values():
            if hasattr(buffer, "dtype"):
                assert not np.shares_memory(buffer, shared)
                assert not np.shares_memory(buffer, grad0)


@pytest.mark.parametrize("make", OPTIMIZERS, ids=["sgd", "sgd-nesterov-wd", "adam-wd"])
def test_params_without_grad_are_untouched(make) -> None:
    params = make_params(np.float32)
    frozen = params[2].data.copy()
    opt = make(params)
    params[0].grad = np.ones((3, 4), dtype=np.float32)
    params[1].grad = np.ones(4, dtype=np.float32)
    opt.step()
    opt.step()
    np.testing.assert_array_equal(params[2].data, frozen)
    assert params[2] not in opt.state
    if isinstance(opt, Adam):
        assert [opt.state[p]["step"] for p in params[:2]] == [2, 2]


@pytest.mark.parametrize("make, expected", [
    (lambda ps: SGD(ps, lr=0.1), 2.0 - 0.1 * 3.0),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.5), 2.0 - 0.1 * (3.0 + 0.5 * 2.0)),
    (lambda ps: Adam(ps, lr=0.1, eps=0.0), 2.0 - 0.1),
], ids=["sgd", "sgd-momentum-wd", "adam"])
def test_zero_dim_parameter_trained_through_backward(make, expected) -> None:
    # A 0-d parameter's gradient may come back from backward as a numpy scalar, not an array.
    scale = Tensor(np.array(2.0, dtype=np.float32), requires_grad=True)
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    array = scale.data
    opt = make([scale, x])
    (scale * x).sum().backward()                  # d/d scale = sum(x) = 3
    opt.step()
    assert scale.data is array and scale.dtype == np.float32
    np.testing.assert_allclose(scale.data, expected, rtol=1e-6)


def test_adam_counts_steps_per_parameter() -> None:
    # A parameter that missed a step has its own bias correction, as in PyTorch.
    late, early = make_params()[:2]
    opt = Adam([late, early], lr=0.1, eps=0.0)
    early.grad = np.ones(4)
    opt.step()
    late.grad = np.ones((3, 4))
    start = late.data.copy()
    opt.step()
    assert [opt.state[p]["step"] for p in (late, early)] == [1, 2]
    np.testing.assert_allclose(late.data, start - 0.1, rtol=0, atol=1e-12)   # a first step


def test_zero_grad_and_lr_schedule() -> None:
    w = Tensor(np.zeros(2), requires_grad=True)
    opt = SGD([w], lr=1.0)
    w.grad = np.ones(2)
    opt.step()
    opt.lr = 0.5
    opt.step()
    np.testing.assert_array_equal(w.data, [-1.5, -1.5])
    opt.zero_grad()
    assert w.grad is None
    opt.step()                                    # no gradient: nothing moves
    np.testing.assert_array_equal(w.data, [-1.5, -1.5])


def test_params_may_be_a_generator_and_keep_their_order() -> None:
    params = make_params()
    opt = Adam(p for p in params)
    assert opt.params == params and all(a is b for a, b in zip(opt.params, params))


def test_bad_params_are_refused_clearly() -> None:
    layer = Linear(2, 2, rng=0)
    with pytest.raises(TypeError, match=r"did you mean model\.parameters\(\)"):
        SGD(layer, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"got Sequential \(did you mean model\.parameters"):
        SGD(Sequential(layer), lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"iterable of Tensors.*got Tensor"):
        SGD(layer.weight, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parameter 1 is a ndarray, not a Tensor"):
        SGD([layer.weight, np.ones(2)], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="parameter 0 \\('frozen'\\) has requires_grad=False"):
        Adam([Tensor(np.ones(2), name="frozen")])
    with pytest.raises(ValueError, match="not a leaf"):
        Adam([layer.weight * 2.0])
    with pytest.raises(ValueError, match="parameter 1 \\('layers.0.weight'\\) appears twice"):
        Adam([layer.weight, layer.weight])
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)


def test_bad_hyperparameters_are_refused_clearly() -> None:
    params = make_params()
    with pytest.raises(ValueError, match="SGD: lr must be >= 0.0, got -1"):
        SGD(params, lr=-1)
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0"):
        SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"beta2 must be \[0.0, 1.0\), got 1.0"):
        Adam(params, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="lr must be a number"):
        Adam(params, lr="fast")  # type: ignore[arg-type]


@pytest.mark.parametrize("make, steps", [
    (lambda ps: SGD(ps, lr=0.1), 200),
    (lambda ps: SGD(ps, lr=0.05, momentum=0.9), 300),
    (lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True), 200),
    (lambda ps: Adam(ps, lr=0.05), 300),
], ids=["sgd", "momentum", "nesterov", "adam"])
def test_fits_a_linear_regression(make, steps) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.5], [-2.0], [0.5]], dtype=np.float32) + np.float32(0.7)
    model = Linear(3, 1, rng=0)
    opt = make(model.parameters())
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    final = ((model(x) - y) ** 2).mean().item()
    # The data are exactly linear, so every optimizer can drive the loss to float32 noise;
    # the step counts leave a margin of 10x or more under this bound.
    assert final < 1e-6, f"loss after {steps} steps: {final}"
    assert model.weight.dtype == np.float32


def test_frozen_module_parameters_are_accepted_and_skipped() -> None:
    """model.parameters() includes frozen weights; an optimizer takes them (as PyTorch's does)
    and leaves them alone while they get no gradient, and updates them once unfrozen."""
    model = Sequential(Linear(3, 2, rng=0), Linear(2, 1, rng=1))
    model.layers[0].weight.requires_grad_(False)
    frozen = model.layers[0].weight.data.copy()
    opt = SGD(model.parameters(), lr=0.1)
    x = Tensor(np.ones((4, 3), np.float32))
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()
    np.testing.assert_array_equal(model.layers[0].weight.data, frozen)
    assert not np.array_equal(model.layers[1].bias.data, np.zeros(1, np.float32))
    model.layers[0].weight.requires_grad_(True)
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()
    assert not np.array_equal(model.layers[0].weight.data, frozen)
