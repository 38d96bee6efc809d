"""The Optimizer base on PyTorch's model: parameter groups, `state`, `opt.lr`, hyperparameters
read at every step, in-place updates that allocate nothing, state_dict round trips."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from tinygrad_np import Tensor
from tinygrad_np.optim import SGD, Adam, AdamW, Optimizer


def leaf(shape, seed=0, dtype=np.float64) -> Tensor:
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return Tensor(data, requires_grad=True)


def test_param_groups_fill_defaults_and_keep_their_own_values() -> None:
    a, b, c = leaf((2, 3)), leaf(3), leaf(())
    opt = SGD([{"params": [a, b], "lr": 0.1}, {"params": c, "momentum": 0.5}], lr=0.01)
    first, second = opt.param_groups
    assert first["params"] == [a, b] and second["params"] == [c]
    assert first["lr"] == 0.1 and first["momentum"] == 0.0
    assert second["lr"] == 0.01 and second["momentum"] == 0.5
    assert set(first) == {"params", "lr", "momentum", "dampening", "weight_decay", "nesterov",
                          "maximize"}
    assert opt.defaults["lr"] == 0.01
    assert opt.params == [a, b, c]


def test_each_group_steps_with_its_own_hyperparameters() -> None:
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    opt = SGD([{"params": [a], "lr": 1.0}, {"params": [b]}], lr=0.25)
    a.grad, b.grad = np.ones(2), np.ones(2)
    opt.step()
    np.testing.assert_array_equal(a.data, [-1.0, -1.0])
    np.testing.assert_array_equal(b.data, [-0.25, -0.25])


def test_hyperparameters_are_read_from_the_group_at_every_step() -> None:
    w = Tensor(np.zeros(1), requires_grad=True)
    opt = SGD([w], lr=1.0)
    w.grad = np.ones(1)
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    opt.param_groups[0]["weight_decay"] = 1.0     # g = 1 + 1 * (-1.5) = -0.5
    opt.step()
    np.testing.assert_array_equal(w.data, [-1.5 + 0.25])


def test_lr_property_reads_group_zero_and_sets_every_group() -> None:
    a, b = leaf(2), leaf(2, seed=1)
    opt = Adam([{"params": [a], "lr": 0.1}, {"params": [b]}], lr=0.01)
    assert opt.lr == 0.1
    opt.lr = np.float64(0.3)
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.3]
    assert all(type(g["lr"]) is float for g in opt.param_groups)
    with pytest.raises(ValueError, match="Adam: lr must be >= 0.0, got -1"):
        opt.lr = -1


def test_other_hyperparameters_as_attributes_go_to_every_group() -> None:
    a, b = leaf(2), leaf(2, seed=1)
    opt = SGD([{"params": [a], "momentum": 0.1}, {"params": [b]}], lr=0.1, momentum=0.9)
    assert opt.momentum == 0.1            # group 0's
    opt.momentum = 0.5                    # not a silent new attribute step() never reads
    assert [g["momentum"] for g in opt.param_groups] == [0.5, 0.5]
    with pytest.raises(ValueError, match="SGD: momentum must be >= 0.0"):
        opt.momentum = -0.5
    with pytest.raises(AttributeError, match="no attribute 'betas'"):
        opt.betas  # noqa: B018


def test_add_param_group() -> None:
    a, b = leaf(2), leaf(3, seed=1)
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "betas": (0.5, 0.9)})
    assert opt.param_groups[1]["betas"] == (0.5, 0.9) and opt.param_groups[1]["lr"] == 0.1
    with pytest.raises(ValueError, match="parameter 2 in group 2 appears twice"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="no 'params' entry"):
        opt.add_param_group({"lr": 0.1})


def test_bad_groups_are_refused_clearly() -> None:
    a, b = leaf(2), leaf(3, seed=1)
    with pytest.raises(TypeError, match=r"a parameter group goes in a list"):
        SGD({"params": [a]}, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mixes Tensors and parameter groups"):
        SGD([a, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="parameter 1 in group 1 appears twice"):
        SGD([{"params": [a]}, {"params": [a]}], lr=0.1)
    with pytest.raises(ValueError, match="SGD: lr must be >= 0.0, got -1"):
        SGD([{"params": [a]}, {"params": [b], "lr": -1}], lr=0.1)
    with pytest.raises(ValueError, match="parameter group 1 has an empty parameter list"):
        SGD([{"params": [a]}, {"params": []}], lr=0.1)
    with pytest.raises(ValueError, match="nesterov=True needs dampening=0"):
        SGD([a], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(TypeError, match="nesterov must be True or False"):
        SGD([a], lr=0.1, momentum=0.9, nesterov="yes")  # type: ignore[arg-type]


def test_state_is_keyed_by_parameter_with_pytorch_names() -> None:
    a, b = leaf((2, 2)), leaf(2, seed=1)
    opt = Adam([a, b], lr=0.1, amsgrad=True)
    a.grad = np.ones((2, 2))
    opt.step()
    assert a in opt.state and b not in opt.state and len(opt.state) == 1
    assert set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert opt.state[a]["step"] == 1
    sgd = SGD([b], lr=0.1, momentum=0.9)
    b.grad = np.ones(2)
    sgd.step()
    assert list(sgd.state[b]) == ["momentum_buffer"]


def test_a_grad_of_the_wrong_shape_is_refused() -> None:
    w = leaf((2, 3))
    w.grad = np.ones(3)   # would broadcast silently into the update
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(2, 3\) but its grad has "
                                         r"shape \(3,\)"):
        SGD([w], lr=0.1).step()


def test_zero_grad_set_to_none_false_gives_fresh_zeros() -> None:
    w = leaf(3)
    shared = np.ones(3)
    w.grad = shared
    SGD([w], lr=0.1).zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad, np.zeros(3))
    assert np.all(shared == 1)             # a .grad may be shared: never zeroed in place


STEPPERS = [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, weight_decay=1e-2),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-2),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2, maximize=True),
    lambda ps: Adam(ps, lr=0.1),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True, maximize=True),
    lambda ps: AdamW(ps, lr=0.1),
]


@pytest.mark.parametrize("make", STEPPERS)
def test_a_step_allocates_no_arrays_after_the_first(make) -> None:
    # numpy reports its array memory to tracemalloc: a temporary of the parameter's size
    # (800 KB here) would show in the peak.
    params = [leaf((1000, 100)), leaf(100, seed=1), leaf((), seed=2)]
    for p in params:
        p.grad = np.ones(p.shape)
    opt: Optimizer = make(params)
    opt.step()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(3):
            opt.step()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before < 20_000, f"a step allocated up to {peak - before} bytes"
    assert after - before < 5_000


@pytest.mark.parametrize("make", STEPPERS)
def test_state_dict_round_trip_resumes_exactly(make) -> None:
    def fresh() -> list[Tensor]:
        return [leaf((3, 2)), leaf(2, seed=1)]

    def grads(step: int) -> list[np.ndarray]:
        rng = np.random.default_rng(50 + step)
        return [rng.standard_normal((3, 2)), rng.standard_normal(2)]

    def steps(opt: Optimizer, params: list[Tensor], which: range) -> None:
        for step in which:
            for p, g in zip(params, grads(step)):
                p.grad = g
            opt.step()

    straight = fresh()
    opt = make(straight)
    steps(opt, straight, range(6))

    first = fresh()
    opt1 = make(first)
    steps(opt1, first, range(3))
    saved, saved_params = opt1.state_dict(), [p.data.copy() for p in first]
    steps(opt1, first, range(10, 12))              # the saved copy must not follow these
    resumed = fresh()
    for p, data in zip(resumed, saved_params):
        p.data[...] = data
    opt2 = make(resumed)
    opt2.load_state_dict(saved)
    steps(opt2, resumed, range(3, 6))
    for p, q in zip(resumed, straight):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_layout_is_pytorchs() -> None:
    a, b, c = leaf(2), leaf(2, seed=1), leaf(2, seed=2)
    opt = SGD([{"params": [a, b], "lr": 0.5}, {"params": [c]}], lr=0.1, momentum=0.9)
    c.grad = np.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2]
    assert sd["param_groups"][0]["lr"] == 0.5 and sd["param_groups"][1]["lr"] == 0.1
    assert list(sd["state"]) == [2]
    buf = sd["state"][2]["momentum_buffer"]
    np.testing.assert_array_equal(buf, [1.0, 1.0])
    assert not np.shares_memory(buf, opt.state[c]["momentum_buffer"])   # a copy


def test_load_state_dict_checks_everything_before_changing_anything() -> None:
    a, b = leaf(2), leaf(3, seed=1)
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = np.ones(2), np.ones(3)
    opt.step()
    good = opt.state_dict()
    other = Adam([leaf(2), leaf(3, seed=1)], lr=0.2)
    with pytest.raises(ValueError, match="1 parameter groups, this optimizer 2"):
        Adam([{"params": [leaf(2)]}, {"params": [leaf(3)]}]).load_state_dict(good)
    with pytest.raises(ValueError, match="group 0 has 2 parameters in the state, 1 here"):
        Adam([leaf(2)]).load_state_dict(good)
    bad = opt.state_dict()
    bad["state"][1]["exp_avg"] = np.ones(4)
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 1 has shape \(4,\), the "
                                         r"parameter \(3,\)"):
        other.load_state_dict(bad)
    assert other.lr == 0.2 and len(other.state) == 0              # unchanged
    with pytest.raises(ValueError, match=r"expected a dict with 'state' and 'param_groups'"):
        other.load_state_dict({"a": 1})
    other.load_state_dict(good)
    assert other.lr == 0.1 and other.state[other.params[0]]["step"] == 1


def test_load_state_dict_casts_to_the_parameter_dtype() -> None:
    w = leaf(3, dtype=np.float32)
    opt = SGD([w], lr=0.1, momentum=0.9)
    opt.load_state_dict({"state": {0: {"momentum_buffer": np.arange(3.0)}},
                         "param_groups": [{"params": [0], "lr": 0.2, "momentum": 0.5}]})
    buf = opt.state[w]["momentum_buffer"]
    assert buf.dtype == np.float32 and opt.param_groups[0]["momentum"] == 0.5
    assert opt.param_groups[0]["nesterov"] is False           # missing keys: the defaults


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1), lambda ps: AdamW(ps, lr=0.1)])
def test_step_with_a_closure_returns_its_loss_and_updates_as_without(make) -> None:
    # PyTorch's step(closure): the closure runs first, with gradients enabled even under
    # no_grad, and step returns its loss; the update is the one a plain step makes.
    from tinygrad_np import no_grad

    with_closure, plain = leaf(3), leaf(3)
    opt_closure, opt_plain = make([with_closure]), make([plain])

    def closure() -> Tensor:
        opt_closure.zero_grad()
        loss = (with_closure * with_closure).sum()
        loss.backward()
        return loss

    for _ in range(3):
        expected = float((plain.data * plain.data).sum())
        opt_plain.zero_grad()
        (plain * plain).sum().backward()
        opt_plain.step()
        with no_grad():
            loss = opt_closure.step(closure)
        assert loss.item() == expected
        np.testing.assert_array_equal(with_closure.data, plain.data)
    assert opt_plain.step() is None


def test_step_refuses_a_closure_that_is_not_a_function() -> None:
    opt = SGD([leaf(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"SGD.step\(closure\): closure must be a function"):
        opt.step(1.0)  # type: ignore[arg-type]


def test_an_optimizer_written_on_the_public_api_takes_a_closure_too() -> None:
    class SignDescent(Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        def step(self):
            for group in self.param_groups:
                for p in group["params"]:
                    p.data -= group["lr"] * np.sign(p.grad)

    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = SignDescent([w])

    def closure() -> Tensor:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 5.0
    np.testing.assert_array_equal(w.data, [0.9, -1.9])


def test_pytorchs_kernel_choices_are_accepted_and_change_nothing() -> None:
    plain, chosen = leaf(3), leaf(3)
    opts = [Adam([plain], lr=0.1),
            Adam([chosen], lr=0.1, foreach=False, fused=True, capturable=False,
                 differentiable=False)]
    for step in range(3):
        for p, opt in zip((plain, chosen), opts):
            p.grad = np.full(3, 0.5 + step)
            opt.step()
    np.testing.assert_array_equal(plain.data, chosen.data)
    assert SGD([leaf(2)], lr=0.1, foreach=True).defaults["lr"] == 0.1
    with pytest.raises(ValueError, match="differentiable=True"):
        AdamW([leaf(2)], differentiable=True)
